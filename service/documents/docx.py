"""DOCX to paragraphs, tables and content controls included, streamed within the cost limits."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from service.documents.cost import survey_docx
from service.errors import DocumentError, ServiceError
from service.limits import Limits

if TYPE_CHECKING:
    pass

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


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
