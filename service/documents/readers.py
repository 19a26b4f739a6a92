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

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.documents.cost import check_chars
from service.documents.decode import _decode
from service.documents.docx import _read_docx
from service.documents.html import _read_html
from service.documents.markdown import _read_markdown
from service.documents.pdf import _read_pdf
from service.documents.sniff import _sniff_format
from service.errors import DocumentError, EmptyInput
from service.limits import Limits

if TYPE_CHECKING:
    pass

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


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
# Readers: each returns (raw text, encoding or None); _clean runs afterwards.

Reader = Callable[[bytes, str, Limits], tuple[str, str | None]]


def _read_text(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Plain text keeps its own line breaks: hard-wrapped prose, lists and verse cannot be told apart."""
    return _decode(data, label)


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
