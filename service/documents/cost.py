"""Cost guards for the readers: stop reading a document as soon as it is known to be too big.

Within the file size limit (10 MB) a document can still cost minutes: a 138 KB DOCX holding 45 MB of
one-letter paragraphs took 94 s of CPU and 1.4 GB of memory in python-docx before the pipeline
refused its text as too long (issue 9). So every reader checks, as it goes, the two things the
pipeline would refuse anyway: text past `max_chars`, and markup past `max_document_elements`.
The worst file measured per format is listed in docs/security.md.
"""

from __future__ import annotations

import io
import zipfile

from service.errors import DocumentError, InputTooLarge, ServiceError
from service.limits import Limits

_WORD_TEXT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
_WORD_PARAGRAPH = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
#: Characters a paragraph adds to the text besides its words (the blank line between paragraphs).
_PARAGRAPH_BREAK = 2
#: Elements parsed between two checks of the limits while streaming a DOCX.
_CHECK_EVERY = 1024


def check_chars(count: int, label: str, limits: Limits) -> None:
    """`InputTooLarge` once the text read so far is over `max_chars` (the pipeline's own limit)."""
    if count > limits.max_chars:
        raise InputTooLarge(
            f"The text of {label} is over the limit max_chars={limits.max_chars:,} characters "
            "(set SERVICE_MAX_CHARS to change it); reading stopped there"
        )


def check_elements(count: int, label: str, limits: Limits) -> None:
    """`InputTooLarge` once the markup elements counted so far are over `max_document_elements`."""
    limits.check("max_document_elements", count, f"The number of markup elements in {label}")


def check_source(count: int, label: str, limits: Limits, what: str) -> None:
    """`InputTooLarge` when a source is over twice `max_chars` before parsing: markup parsers are
    linear but slow (markdown-it: about 4 µs and 6 KB per character of emphasis and code spans, so
    a 10 MB file took minutes and 3 GB), and no source twice the text limit yields text under it
    unless it is mostly markup."""
    if count > 2 * limits.max_chars:
        raise InputTooLarge(
            f"The {what} of {label} is {count:,} characters, over twice the limit max_chars="
            f"{limits.max_chars:,} (set SERVICE_MAX_CHARS to change it); it was not parsed"
        )


def survey_docx(data: bytes, label: str, limits: Limits) -> None:
    """Stream word/document.xml once, counting elements and text, and stop at either limit.

    python-docx builds the whole tree before anything can be counted; this pass holds one element
    at a time and ends as soon as the file is known to be too big, so only files that pass are
    read for real."""
    import lxml.etree

    elements = chars = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as xml:
            for _, element in lxml.etree.iterparse(
                xml, events=("end",), resolve_entities=False, huge_tree=False
            ):
                elements += 1
                if element.tag == _WORD_TEXT and element.text:
                    chars += len(element.text)
                elif element.tag == _WORD_PARAGRAPH:
                    chars += _PARAGRAPH_BREAK
                if elements % _CHECK_EVERY == 0:
                    check_elements(elements, label, limits)
                    check_chars(chars, label, limits)
                element.clear(keep_tail=True)
    except ServiceError:
        raise
    except Exception as exc:  # lxml and zipfile raise many types on damaged files.
        raise DocumentError(
            f"Cannot read {label}: the DOCX file is corrupt (its XML cannot be parsed)."
        ) from exc
    check_elements(elements, label, limits)
    check_chars(chars, label, limits)
