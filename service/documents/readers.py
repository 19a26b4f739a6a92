"""Turn an uploaded or local file into plain text the summariser can trust.

Users hand us whatever they have: Korean notes saved by an old Windows editor in CP949, Japanese
files in Shift_JIS or EUC-JP, web pages saved with their menus, PDFs with hard line breaks, Word
files, and files whose extension lies. Everything after this module assumes clean Unicode text with
paragraphs separated by a blank line, so this is the one place that deals with encodings, formats,
hostile files (zip bombs, huge PDFs, binaries) and the messages a user needs when a file is unusable.

The format is decided by the content first (magic bytes, a leading HTML tag) and by the extension
second, because uploads are often misnamed. Every error names the file and the specific problem.
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.documents.cost import check_chars, check_elements, check_source, survey_docx
from service.errors import DocumentError, EmptyInput, ServiceError
from service.limits import Limits
from service.text import scripts

if TYPE_CHECKING:
    from markdown_it.token import Token
    from pypdf import PageObject

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.

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


@dataclass(frozen=True)
class Document:
    text: str
    format: str
    name: str
    encoding: str | None


# --------------------------------------------------------------------------------------------------
# Entry point


def read_document(
    source: str | os.PathLike[str] | bytes, name: str | None = None, limits: Limits | None = None
) -> Document:
    """Read a path or raw bytes into a `Document`, refusing anything a user could not sensibly mean.

    `name` gives the original file name (for bytes, or for a path under a temporary name); it decides
    the expected format and appears in every error message. The size limit is enforced before the
    whole file is read, so a huge upload cannot exhaust memory. Reading also stops as soon as the
    text passes `max_chars` or the markup passes `max_document_elements` (`InputTooLarge`): within
    the size limit a DOCX of tiny paragraphs once took 94 s and 1.4 GB before failing the pipeline's
    own `max_chars` check, so the readers must not finish what the pipeline would refuse anyway
    (figures for the worst file per format: docs/security.md).
    """
    limits = limits or Limits()
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = _base_name(name or "")
        limits.check("max_file_bytes", len(data), f"The size of {_label(name)} in bytes")
    else:
        name = _base_name(name if name is not None else os.fspath(source))
        data = _read_path(os.fspath(source), name, limits)

    label = _label(name)
    if not data:
        raise EmptyInput(f"Cannot read {label}: the file is empty (0 bytes).")

    fmt = _sniff_format(data, _extension(name), label)
    text, encoding = _READERS[fmt](data, label, limits)
    text = _clean(text)
    check_chars(len(text), label, limits)
    if not any(ch.isalnum() for ch in text):
        raise EmptyInput(f"Cannot read {label}: it contains no text (no letters or digits).")
    return Document(text=text, format=fmt, name=name, encoding=encoding)


def _read_path(path: str, name: str, limits: Limits) -> bytes:
    """Stat before reading so an oversized file is refused without loading it."""
    label = _label(name)
    try:
        size = os.stat(path).st_size
        limits.check("max_file_bytes", size, f"The size of {label} in bytes")
        with open(path, "rb") as handle:
            # Read one byte past the limit: the file may have grown since the stat.
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DocumentError(f"Cannot read {label}: {reason}.") from exc
    limits.check("max_file_bytes", len(data), f"The size of {label} in bytes")
    return data


def _base_name(name: str) -> str:
    """Browsers may send Windows paths as upload names; only the last component is the file name."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _label(name: str) -> str:
    return repr(name) if name else "the input"


# --------------------------------------------------------------------------------------------------
# Format sniffing

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


# --------------------------------------------------------------------------------------------------
# Text decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The legacy encodings we promise to read. EUC-KR and Shift_JIS are subsets of CP949 and CP932, which
# charset-normalizer prefers to report; CP949/CP932 decode both correctly.
_CJK_ENCODINGS = ["cp949", "euc_kr", "cp932", "shift_jis", "euc_jp"]
# C0 controls that never appear in text files; TAB, LF, VT, FF, CR and ESC (ANSI colours in logs) do.
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _decode(data: bytes, label: str) -> tuple[str, str]:
    """Decode bytes whose encoding nobody told us, refusing binary data instead of returning mojibake.

    BOMs are unambiguous, and strict UTF-8 almost never succeeds by accident, so both come before
    statistics. Short CJK texts are where charset-normalizer is weakest (EUC-JP kana decode as valid
    CP949 jamo), so its candidates are restricted to the encodings we support and re-ranked by how
    plausible the decoded characters are for Korean or Japanese.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, errors="replace")
            name = "utf-8-sig" if codec == "utf-8" else codec
            return _require_plausible(text, label), name
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _require_plausible(data.decode(utf16, errors="replace"), label), utf16
    if _looks_binary(data):
        raise DocumentError(f"Cannot read {label}: it looks like binary data, not text.")
    for errors in ("strict", "surrogatepass"):
        try:
            # "surrogatepass" accepts UTF-8 that encodes lone surrogates (CESU-8/WTF-8 writers);
            # _clean replaces them later.
            return data.decode("utf-8", errors=errors), "utf-8"
        except UnicodeDecodeError:
            pass
    nearly_utf8 = _nearly_utf8(data)
    if nearly_utf8 is not None:
        return nearly_utf8, "utf-8"
    cjk = _best_cjk_decoding(data)
    if cjk is not None:
        return cjk
    return _any_decoding(data, label)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM puts NUL bytes at every other position for its ASCII characters (spaces,
    digits, punctuation); binary data has NULs at both positions and decodes to unlikely characters."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= max(0.05 * half, 2 * other.count(0)):
            try:
                # Incremental: the sample may end inside a surrogate pair.
                text = codecs.getincrementaldecoder(codec)().decode(sample)
            except UnicodeDecodeError:
                continue
            if sum(map(_common_char, text)) >= 0.95 * len(text):
                return codec
    return None


def _common_char(ch: str) -> bool:
    """Characters that make up nearly all English, Korean and Japanese text (and most other text)."""
    if ch.isascii():
        return ch.isprintable() or ch in "\t\n\r"
    return (
        "\u00a0" <= ch <= "\u024f"  # Latin-1 and Latin Extended
        or "\u2000" <= ch <= "\u206f"  # general punctuation
        or "\u3000" <= ch <= "\u30ff"  # CJK punctuation, kana
        or "\u4e00" <= ch <= "\u9fff"  # CJK ideographs
        or "\uac00" <= ch <= "\ud7a3"  # Hangul syllables
        or "\uff00" <= ch <= "\uffef"  # full- and half-width forms
    )


def _looks_binary(data: bytes) -> bool:
    """Text has at most a few stray control bytes; binary formats have NUL runs or many controls."""
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00\x00" in sample or sample.count(0) > 0.01 * len(sample):
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return controls > 0.05 * len(sample)


def _nearly_utf8(data: bytes) -> str | None:
    """Accept UTF-8 with a handful of corrupt bytes, which a statistical detector would misread."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte >= 4 and bad <= multibyte / 100:
        return text
    return None


def _best_cjk_decoding(data: bytes) -> tuple[str, str] | None:
    """Rank charset-normalizer's CJK proposals (plus any supported codec that decodes strictly, since
    it sometimes proposes nothing for one short sentence) by plausibility, then by its chaos measure."""
    from charset_normalizer import from_bytes

    chaos = {codecs.lookup(m.encoding).name: m.chaos for m in from_bytes(data, cp_isolation=_CJK_ENCODINGS)}
    best: tuple[float, float, str, str] | None = None
    for encoding in dict.fromkeys([*chaos, *(codecs.lookup(e).name for e in _CJK_ENCODINGS)]):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidate = (_cjk_plausibility(text), -chaos.get(encoding, 1.0), text, encoding)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None or best[0] < 0.2:
        return None
    return best[2], best[3]


def _any_decoding(data: bytes, label: str) -> tuple[str, str]:
    """Last resort for other legacy encodings (say CP1252); the pipeline then judges the language."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if matches:
        # Equal chaos is common for short Latin text; CP1252 is then the likeliest Windows encoding.
        least = min(m.chaos for m in matches)
        near = [m.encoding for m in matches if m.chaos <= least + 0.01]
        encoding = codecs.lookup("cp1252" if "cp1252" in near else near[0]).name
        try:
            return _require_plausible(data.decode(encoding), label), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise DocumentError(
        f"Cannot read {label}: it looks like binary data, not text (no known text encoding fits). "
        "Save it as UTF-8 text."
    )


def _require_plausible(text: str, label: str) -> str:
    """A decoder that never fails (UTF-16, single-byte code pages) turns binary data into symbol soup;
    unassigned, private-use and control characters give it away."""
    sample = text[:20000]
    bad = sum(1 for ch in sample if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs"))
    bad -= sum(1 for ch in sample if ch in "\t\n\r\x0b\x0c")
    if sample and bad > 0.05 * len(sample):
        raise DocumentError(f"Cannot read {label}: it looks like binary data, not text.")
    return text


def _cjk_plausibility(text: str) -> float:
    """Average per non-ASCII character, 1 at best: how much they look like real Korean or Japanese.

    Frequency proxies without a corpus: KS X 1001 holds the common Hangul syllables (CP949-only ones
    are rare), JIS level 1 holds the common kanji, and real text neither wedges a CJK character between
    two Latin letters nor glues Hangul to a Chinese character. Kana decoded as CP949 becomes isolated
    jamo, which real text never has.
    """
    total = 0
    score = 0.0
    sample = text[:8000]
    for index, ch in enumerate(sample):
        code = ord(ch)
        if code < 0x80:
            continue
        total += 1
        score += _char_score(ch, code)
        before = sample[index - 1] if index else ""
        after = sample[index + 1] if index + 1 < len(sample) else ""
        if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
            score -= 2.0
        if (_is_hangul(ch) and _is_han(before)) or (_is_han(ch) and _is_hangul(before)):
            score -= 1.0  # Hangul glued to a Chinese character: EUC-JP kanji misread as CP949
    return score / total if total else 0.0


_is_hangul, _is_han = scripts.is_hangul, scripts.is_han


def _char_score(ch: str, code: int) -> float:
    if 0xAC00 <= code <= 0xD7A3:
        return 1.0 if _ksx1001_syllable(ch) else -0.5
    if 0x3041 <= code <= 0x30FF or 0x3000 <= code <= 0x303F:
        return 1.0
    if 0x4E00 <= code <= 0x9FFF:
        try:
            lead = ch.encode("euc_jp")[0]
        except UnicodeEncodeError:
            return -0.5
        return 0.6 if 0xB0 <= lead <= 0xCF else 0.1
    if 0xFF01 <= code <= 0xFF5E or 0x2000 <= code <= 0x206F:
        return 0.5
    if 0x3131 <= code <= 0x318E or 0xFF61 <= code <= 0xFF9F:
        return -1.0
    if 0x0370 <= code <= 0x04FF or 0x2500 <= code <= 0x257F or 0xE000 <= code <= 0xF8FF:
        return -1.0
    return -0.25


def _ksx1001_syllable(ch: str) -> bool:
    # Python's euc_kr codec spells the other syllables as 8-byte jamo sequences; two bytes means KS X 1001.
    try:
        return len(ch.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False


# --------------------------------------------------------------------------------------------------
# Readers: each returns (raw text, encoding or None); _clean runs afterwards.

Reader = Callable[[bytes, str, Limits], tuple[str, str | None]]


def _read_text(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Plain text keeps its own line breaks: hard-wrapped prose, lists and verse cannot be told apart."""
    return _decode(data, label)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.S)


def _read_markdown(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Render to words, not markup: URLs, images, tags and fence markers would distract the summariser.

    Words inside raw HTML blocks are kept (READMEs wrap real prose in <p> or <div>), and a Markdown
    file that is nothing but HTML still yields its text instead of an "empty" error.
    """
    from markdown_it import MarkdownIt

    source, encoding = _decode(data, label)
    source = _FRONT_MATTER.sub("", source.replace("\r\n", "\n").lstrip("\ufeff"))
    # Blocks and inline markup are bounded by lines and markup characters: refuse before parsing.
    check_source(len(source), label, limits, "Markdown source")
    check_elements(source.count("\n") + source.count("<") + source.count("["), label, limits)
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(source)
    paragraphs: list[str] = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "inline":
            text = _markdown_inline(token.children or [])
            if row is not None:
                row.append(text)
            else:
                paragraphs.append(text)
        elif token.type in ("fence", "code_block"):
            paragraphs.append(token.content.strip("\n"))
        elif token.type == "html_block":
            paragraphs.append(_html_fallback(token.content))  # its words, never script or style
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            paragraphs.append(" | ".join(cell for cell in row if cell))
            row = None
    return "\n\n".join(p for p in paragraphs if p.strip()), encoding


def _markdown_inline(children: list[Token]) -> str:
    """Link text stays, its URL goes; an autolink's text *is* its URL, so it goes entirely."""
    lines: list[str] = [""]
    in_autolink = False
    for child in children:
        if child.type == "link_open":
            in_autolink = child.markup == "autolink"
        elif child.type == "link_close":
            in_autolink = False
        elif child.type in ("text", "code_inline") and not in_autolink:
            lines[-1] += child.content
        elif child.type == "softbreak":
            lines.append("")
        elif child.type == "hardbreak":
            lines[-1] += "\n"
    text = _join_lines([re.sub(r"[ \t]{2,}", " ", line).strip() for line in lines])
    return text


def _read_html(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Keep the article, not the page: menus, footers and scripts would end up in the summary."""
    # Every element starts with '<': counting them bounds the parse before it starts.
    check_elements(data.count(b"<"), label, limits)
    html, encoding = _decode_html(data, label)
    return _html_to_text(html), encoding


# Browsers decode these labels with the Windows supersets, and so must we (WHATWG Encoding Standard).
_WHATWG_SUPERSETS = {"euc_kr": "cp949", "shift_jis": "cp932", "iso8859-1": "cp1252"}
#: Python codecs a page may name but no web page is written in: they fail or decode to nonsense.
_NOT_PAGE_ENCODINGS = frozenset(
    {"undefined", "punycode", "idna", "unicode_escape", "raw_unicode_escape", "utf-7", "mbcs", "oem"}
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


def _decode_html(data: bytes, label: str) -> tuple[str, str]:
    """A declared charset is better evidence than statistics, but only if the bytes agree with it."""
    if not data.startswith(tuple(bom for bom, _ in _BOMS)):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            try:
                encoding = codecs.lookup(declared.group(1).decode("ascii")).name
                encoding = _WHATWG_SUPERSETS.get(encoding, encoding)
                if encoding not in _NOT_PAGE_ENCODINGS:
                    return data.decode(encoding), encoding
            except (LookupError, UnicodeError, ValueError):
                # "undefined" and "punycode" are Python codecs that raise plain UnicodeError; a
                # declaration that cannot decode the page is ignored, as browsers do.
                pass
    return _decode(data, label)


def _html_to_text(html: str) -> str:
    """trafilatura knows what an article looks like; the block fallback only rescues what it drops."""
    import trafilatura

    html = re.sub(r"\A\s*<\?xml[^>]*>", "", html)
    try:
        extracted = trafilatura.extract(
            html,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except Exception:  # trafilatura fails in many ways on odd markup; we have a fallback.
        extracted = None
    lines = (re.sub(r"^- ", "", line.strip()) for line in (extracted or "").splitlines())
    article = "\n\n".join(line for line in lines if line)
    if len(article) >= _TRAFILATURA_MIN_CHARS:
        return _with_headline(_html_title(html), article)
    # trafilatura judges tiny pages and fragments as boilerplate and drops lists and headings; with so
    # little text, the plain block extraction is the better reading.
    fallback = _html_fallback(html)
    return fallback if len(fallback) > len(article) else article


def _html_title(html: str) -> str | None:
    """The page's headline from trafilatura's metadata (og:title, h1, <title>), or None."""
    import trafilatura

    try:
        metadata = trafilatura.extract_metadata(html)
    except Exception:  # metadata is a bonus: odd markup must not fail the read
        return None
    title = " ".join((getattr(metadata, "title", None) or "").split())
    return title or None


def _with_headline(title: str | None, article: str) -> str:
    """trafilatura's body text leaves the headline out; DOCX and PDF text start with it, and the
    text stage takes a first line without final punctuation as the headline (`Result.title`)."""
    if not title or article.split("\n", 1)[0].strip() == title:
        return article
    return f"{title}\n\n{article}"


_TRAFILATURA_MIN_CHARS = 250
_HTML_DROP = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
    "svg", "head", "button", "select", "object", "embed",
)  # fmt: skip
_HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "dt", "dd")


def _html_fallback(html: str) -> str:
    """For fragments too short for trafilatura: block-level text, never script or style contents."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in root.xpath("|".join(f"//{tag}" for tag in _HTML_DROP)):
        element.drop_tree()
    chosen: set[Any] = set()
    paragraphs: list[str] = []
    for element in root.xpath("|".join(f"//{tag}" for tag in _HTML_BLOCKS)):
        if any(ancestor in chosen for ancestor in element.iterancestors()):
            continue
        chosen.add(element)
        text = " ".join(element.text_content().split())
        if text:
            paragraphs.append(text)
    if not paragraphs:
        body = root.find("body")
        text = (body if body is not None else root).text_content()
        paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p)


def _read_pdf(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Text layer only: OCR would need models and minutes per page, so scans are refused clearly."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise DocumentError(
                    f"Cannot read {label}: the PDF is encrypted with AES and the 'cryptography' package "
                    "needed to open it is not installed."
                ) from exc
            except Exception as exc:  # any decryption failure means we cannot read it.
                raise DocumentError(
                    f"Cannot read {label}: the PDF is encrypted and could not be opened."
                ) from exc
            if opened == PasswordType.NOT_DECRYPTED:
                raise DocumentError(
                    f"Cannot read {label}: the PDF is encrypted (password-protected). "
                    "Remove the password and upload it again."
                )
        page_count = len(reader.pages)
    except ServiceError:
        raise
    except Exception as exc:  # pypdf raises many exception types on damaged files.
        raise DocumentError(f"Cannot read {label}: the file is corrupt or not a PDF.") from exc
    if page_count == 0:
        raise DocumentError(f"Cannot read {label}: the PDF has no pages (corrupt or not a PDF).")
    limits.check("max_pdf_pages", page_count, f"The page count of {label}")

    pages: list[list[list[str]]] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            lines = _pdf_page_lines(page)
        except Exception as exc:  # same as above, per page.
            raise DocumentError(f"Cannot read {label}: page {number} is corrupt or not a PDF page.") from exc
        pages.append(_pdf_paragraphs(lines))
        read = sum(len(line) for page_ in pages for para in page_ for line in para)
        check_chars(read, label, limits)
    if not any(ch.isalnum() for page in pages for para in page for line in para for ch in line):
        raise DocumentError(
            f"Cannot read {label}: the PDF has no text layer (it looks scanned or image-only). "
            "OCR is not supported; upload a PDF with selectable text or paste the text."
        )
    return _join_pdf_pages(pages), None


@dataclass
class _PdfLine:
    text: str
    x: float | None = None  # where the line starts, when pypdf reported it
    y: float | None = None
    size: float = 0.0


def _pdf_page_lines(page: PageObject) -> list[_PdfLine]:
    """pypdf's plain text plus each line's position, from the same pass.

    pypdf rarely emits blank lines between paragraphs, but the vertical gap between baselines shows
    them; the visitor sees every chunk of the output together with its text matrix.
    """
    chunks: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        chunks.append((text, x, y, abs(size * tm[3] * cm[3]) or size))

    raw = page.extract_text(visitor_text=visit) or ""
    if "".join(chunk[0] for chunk in chunks) != raw:
        return [_PdfLine(line) for line in raw.split("\n")]  # positions unusable; text heuristics only
    lines = [_PdfLine("")]
    for text, x, y, size in chunks:
        for index, part in enumerate(text.replace("\r", "\n").split("\n")):
            if index:
                lines.append(_PdfLine(""))
            if index == 0 and lines[-1].y is None and part.strip() and (x or y):
                lines[-1].x, lines[-1].y, lines[-1].size = x, y, size
            lines[-1].text += part
    return lines


_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—\s]*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?[-–—\s]*$", re.I)
_SENTENCE_END = tuple(".!?。！？…:;\"'”’»)」』】")
_BULLET = re.compile(r"^(?:[•◦▪▫●○■□‣∙・*\-–—]|\d{1,3}[.)]|[a-z][.)])\s")


def _pdf_paragraphs(lines: list[_PdfLine]) -> list[list[str]]:
    """Regroup hard-wrapped lines into paragraphs (lists of lines).

    A paragraph starts after a vertical gap clearly larger than the page's line spacing, at an
    indented first line, at a bullet, or after a short line that ends a sentence (or a short heading
    followed by a capitalised line): PDFs mark paragraphs by spacing, indentation or both. Page
    numbers at the top or bottom of a page are dropped.
    """
    for line in lines:
        line.text = re.sub(r"[ \t\u00a0\u3000]+", " ", line.text.replace("\x00", "")).strip()
    content = [line for line in lines if line.text]
    for line in content[:1] + content[-1:]:
        if _PAGE_NUMBER.match(line.text):
            line.text = ""
    widths = sorted(_width(line.text) for line in lines if line.text)
    typical = widths[(len(widths) * 3) // 4] if widths else 0
    gaps = sorted(
        a.y - b.y for a, b in itertools.pairwise(lines) if a.y is not None and b.y is not None and a.y > b.y
    )
    spacing = gaps[len(gaps) // 4] if gaps else 0.0
    left = min((line.x for line in lines if line.x is not None and line.text), default=None)

    paragraphs: list[list[str]] = []
    current: list[str] = []
    previous: _PdfLine | None = None
    for line in lines:
        if not line.text:
            if current:
                paragraphs.append(current)
            current, previous = [], None
            continue
        if current and previous is not None and _pdf_break_between(previous, line, typical, spacing, left):
            paragraphs.append(current)
            current = []
        current.append(line.text)
        previous = line
    if current:
        paragraphs.append(current)
    return paragraphs


def _pdf_break_between(
    previous: _PdfLine, line: _PdfLine, typical: int, spacing: float, left: float | None
) -> bool:
    if previous.y is not None and line.y is not None and previous.y > line.y:
        gap = previous.y - line.y
        size = line.size or previous.size
        if (spacing and gap > 1.4 * spacing) or (size and gap > 2.0 * size):
            return True
    if (
        left is not None
        and line.x is not None
        and previous.x is not None
        and line.x - left > line.size > 2 * (previous.x - left)
    ):
        return True  # an indented first line under a flush-left line
    if _BULLET.match(line.text):
        return True
    short = _width(previous.text) < 0.8 * typical
    return short and (previous.text.endswith(_SENTENCE_END) or not line.text[0].islower())


def _join_pdf_pages(pages: list[list[list[str]]]) -> str:
    """A paragraph that runs over a page break continues with a lower-case word; rejoin it."""
    paragraphs: list[list[str]] = []
    for page in pages:
        for number, para in enumerate(page):
            previous = paragraphs[-1][-1] if paragraphs else ""
            continues = (
                number == 0 and previous and not previous.endswith(_SENTENCE_END) and para[0][:1].islower()
            )
            if continues:
                paragraphs[-1].extend(para)
            else:
                paragraphs.append(list(para))
    return "\n\n".join(_join_lines(para) for para in paragraphs)


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines: undo end-of-line hyphenation, no space between CJK characters.

    Hangul is written with spaces between words, so Korean lines are joined with a space like
    English; Chinese characters and kana are not, so a space there would be an artefact.
    """
    parts: list[str] = []
    for line in lines:
        if not line:
            continue
        if not parts:
            parts.append(line)
            continue
        previous = parts[-1]
        if re.search(r"[A-Za-z][-\u00ad]$", previous) and line[:1].islower():
            parts[-1] = previous[:-1]
        elif previous.endswith("\n") or _no_space_script(previous[-1]) or _no_space_script(line[0]):
            pass
        else:
            parts.append(" ")
        parts.append(line)
    return "".join(parts)


def _no_space_script(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3000 <= code <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xFF00 <= code <= 0xFFEF  # full- and half-width forms
    )


def _read_docx(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Body paragraphs and tables in document order; headers, footers and comments are boilerplate.

    The uncompressed size is summed from the ZIP directory before parsing, because a few kilobytes
    of DOCX can inflate to gigabytes (zipfile itself refuses to inflate past the declared sizes).
    """
    import docx
    from docx.oxml.ns import qn
    from docx.package import Package

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(
            f"Cannot read {label}: it is not a valid DOCX file "
            "(not a readable ZIP archive; truncated or corrupt)."
        ) from exc
    if not any(entry.filename == "word/document.xml" for entry in entries):
        raise DocumentError(
            f"Cannot read {label}: it is a ZIP archive without word/document.xml, "
            "so it is not a Word document."
        )
    total = sum(entry.file_size for entry in entries)
    limits.check("max_docx_uncompressed_bytes", total, f"The uncompressed size of {label} in bytes")
    survey_docx(data, label, limits)
    try:
        try:
            document = docx.Document(io.BytesIO(data))
        except ValueError:
            # A macro-enabled document or a template renamed to .docx: same XML, other content type.
            document = Package.open(io.BytesIO(data)).main_document_part.document
        body = document.element.body
        blocks = list(_docx_blocks(body, document, qn))
    except ServiceError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types on damaged files.
        raise DocumentError(
            f"Cannot read {label}: the DOCX file is corrupt (its XML cannot be parsed)."
        ) from exc
    return "\n\n".join(block for block in blocks if block.strip()), None


def _docx_blocks(parent: Any, document: Any, qn: Callable[[str], str]) -> Iterator[str]:
    """Walk the XML rather than `document.paragraphs` so tables stay where they are in the text."""
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            for row in child.iter(qn("w:tr")):
                if next(row.iterancestors(qn("w:tbl"))) is not child:
                    continue  # rows of nested tables are read through their cell
                cells = [
                    " ".join(text.strip() for text in _docx_blocks(cell, document, qn) if text.strip())
                    for cell in row.iterchildren(qn("w:tc"))
                ]
                yield " | ".join(cell for cell in cells if cell)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_blocks(content, document, qn)


_READERS: dict[str, Reader] = {
    "text": _read_text,
    "markdown": _read_markdown,
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _read_docx,
}


# --------------------------------------------------------------------------------------------------
# Cleaning

_LINE_BREAKS = {ord(ch): "\n" for ch in "\x0b\x0c\x1c\x1d\x1e\x85\u2028"} | {0x2029: "\n\n"}
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")


def _clean(text: str) -> str:
    """One normal form for every format, so later stages need no defensive cleaning of their own."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    text = _SURROGATES.sub("\ufffd", text)
    text = _CONTROLS.sub("", text)
    text = re.sub(r"[ \t\u00a0\u3000]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
