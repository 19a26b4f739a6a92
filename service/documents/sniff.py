"""Which format a file really is: magic bytes and a leading HTML tag first, the extension second
(uploads are often misnamed), and a clear refusal for binaries and old Office files."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from typing import TYPE_CHECKING

from service.documents.decode import _BOMS, _looks_binary, _utf16_without_bom
from service.errors import DocumentError

if TYPE_CHECKING:
    pass

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


# --------------------------------------------------------------------------------------------------
# Format sniffing

SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")

_EXTENSION_FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}


_OLD_OFFICE = "an old binary Office file (.doc/.xls)"
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        _OLD_OFFICE,
    ),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_STRONG_HTML = re.compile(r"\A(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_WEAK_HTML = re.compile(
    r"\A(?:\s|<!--.*?-->)*<(?:head|body|meta|title|p|div|article|section|main|h[1-6]|table|ul|ol)\b",
    re.I | re.S,
)


def _sniff_format(data: bytes, ext: str, label: str) -> str:
    """Trust the bytes over the name: uploads are often saved or renamed with the wrong extension."""
    declared = _EXTENSION_FORMATS.get(ext)
    if _looks_like_pdf(data):
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        if declared == "docx" or _zip_has_document_xml(data):
            return "docx"
        raise DocumentError(f"Cannot read {label}: it is a ZIP archive, not a Word document. {_supported()}")
    kind = _binary_kind(data)
    if kind is not None or (not _is_wide_unicode(data) and _looks_binary(data)):
        what = f"it looks like {kind or 'binary data'}"
        hint = " Save it as .docx first." if kind == _OLD_OFFICE else ""
        if declared in ("pdf", "docx"):
            raise DocumentError(
                f"Cannot read {label}: it is named {ext} but is not a {declared.upper()} file; {what}.{hint}"
            )
        if declared is None:
            raise DocumentError(f"Cannot read {label}: {what}, not a document.{hint} {_supported()}")
        raise DocumentError(f"Cannot read {label}: {what}, not text.{hint}")
    head = _text_head(data)
    if _STRONG_HTML.match(head):
        return "html"
    if declared in ("markdown", "html"):
        return declared
    if _WEAK_HTML.match(head):
        return "html"
    # .txt, unknown extensions and misnamed .pdf/.docx files whose content is text.
    return "text"


def _looks_like_pdf(data: bytes) -> bool:
    """Readers accept junk before the header (mail gateways add some), so look a little further than
    the first byte, but a text that merely mentions "%PDF-" must also lack the end-of-file marker."""
    if data.lstrip(b"\xef\xbb\xbf\x00 \t\r\n").startswith(b"%PDF-"):
        return True
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]


def _is_wide_unicode(data: bytes) -> bool:
    """UTF-16/32 text is full of NUL bytes; it must not be mistaken for binary data."""
    return data.startswith(tuple(bom for bom, _ in _BOMS if bom != codecs.BOM_UTF8)) or (
        _utf16_without_bom(data) is not None
    )


def _zip_has_document_xml(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _BINARY_SIGNATURES:
        if data.startswith(magic):
            # "MZ" is short enough to start a text file; only believe it when NUL bytes follow.
            if magic == b"MZ" and b"\x00" not in data[:64]:
                continue
            return kind
    if data[4:8] == b"ftyp":
        return "a video or image file"
    if data.startswith(b"RIFF") and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "a media file"
    return None


def _text_head(data: bytes) -> str:
    """Enough decoded text to look for a leading HTML tag, whatever the encoding."""
    head = data[:4096]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        return head.decode(utf16, errors="ignore")
    return head.decode("latin-1")


def _supported() -> str:
    return "Supported types: " + ", ".join(SUPPORTED_EXTENSIONS) + "."
