"""PDF to paragraphs: text lines regrouped by position, page numbers and running heads dropped,
hard-wrapped lines joined (without a space between CJK characters)."""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.documents.cost import check_chars
from service.errors import DocumentError, ServiceError
from service.limits import Limits

if TYPE_CHECKING:
    from pypdf import PageObject

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


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
