"""The most expensive document of each format that fits the upload limits, read by `read_document`.

    python benchmarks/costly_documents.py            # every case, one subprocess each (a few minutes)
    python benchmarks/costly_documents.py docx-45mb  # just the named cases

Each case is a file built here to cost as much as possible within `max_file_bytes` (10 MB) and the
format's own limits: many tiny elements, deep nesting, text that only a statistical decoder can
place, a PDF page of thousands of text operations. Each is read in a fresh subprocess (so peak RSS is
its own) with the default `Limits`; the table gives wall time, CPU time, peak RSS and the outcome
(characters read, or the limit that stopped it). The figures are copied into docs/security.md.

Nothing asserts a timing: the numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(body_xml: str) -> bytes:
    """A minimal valid DOCX around `body_xml` (python-docx opens it)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
        'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
        'document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{WORD}"><w:body>{body_xml}</w:body></w:document>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


def docx_45mb() -> tuple[str, bytes]:
    """The file from issue 9: 45 MB of one-letter paragraphs, about 140 KB zipped."""
    paragraph = "<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    return "minutes.docx", _docx(paragraph * (45 * MB // len(paragraph)))


def docx_over_chars() -> tuple[str, bytes]:
    """Just under the element limit, over max_chars: 24,000 paragraphs of 10 characters."""
    return "minutes.docx", _docx("<w:p><w:r><w:t>abcdefghij</w:t></w:r></w:p>" * 24_000)


def docx_under_limits() -> tuple[str, bytes]:
    """Just under the element limit: 24,900 one-character paragraphs (99,600 elements), which
    python-docx reads in full."""
    return "minutes.docx", _docx("<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 24_900)


def docx_nested_tables() -> tuple[str, bytes]:
    """Tables nested 80 deep (240 XML levels; libxml2 refuses past 256), 40 times over."""
    inner = "<w:p><w:r><w:t>cell</w:t></w:r></w:p>"
    for _ in range(80):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>"
    return "tables.docx", _docx(inner * 40)


def html_many_elements() -> tuple[str, bytes]:
    """Just under the element limit: 49,900 paragraphs of one character (99,800 '<')."""
    return "page.html", b"<html><body>" + b"<p>a</p>" * 49_900 + b"</body></html>"


def html_many_words() -> tuple[str, bytes]:
    """Under both limits with words: 7,000 paragraphs, 168,000 characters and 14,000 '<'."""
    return "page.html", b"<html><body>" + b"<p>The council approved it.</p>" * 7_000 + b"</body></html>"


def html_over_limit() -> tuple[str, bytes]:
    """10 MB of empty elements: refused by counting '<' before parsing."""
    return "page.html", b"<html><body>" + b"<i></i>" * (10 * MB // 7 - 10) + b"</body></html>"


def html_deep() -> tuple[str, bytes]:
    """Divs nested 100,000 deep around a paragraph."""
    return (
        "deep.html",
        b"<html><body>" + b"<div>" * 100_000 + b"<p>text</p>" + b"</div>" * 100_000 + b"</body></html>",
    )


def html_big_text() -> tuple[str, bytes]:
    """10 MB of plain words in few elements: refused after decoding, by max_chars."""
    words = b"council approved the tram line " * (10 * MB // 32 - 100)
    return "page.html", b"<html><body><p>" + words + b"</p></body></html>"


def text_cp949() -> tuple[str, bytes]:
    """10 MB of Korean in CP949: strict UTF-8 fails, so the statistical decoders run on all of it."""
    sentence = "시의회는 화요일 동부 지역과 도심을 잇는 새로운 트램 노선 건설 계획을 승인했다. ".encode(
        "cp949"
    )
    return "notes.txt", sentence * (10 * MB // len(sentence) - 1)


def text_utf8() -> tuple[str, bytes]:
    """10 MB of UTF-8 English: decoded, then refused by max_chars."""
    return "notes.txt", b"The council approved the tram line. " * (10 * MB // 36 - 1)


def markdown_emphasis() -> tuple[str, bytes]:
    """10 MB of emphasis and code spans: inline markup the element estimate does not count."""
    return "notes.md", b"*a* `b` _c_ " * (10 * MB // 12 - 1)


def markdown_under_limits() -> tuple[str, bytes]:
    """Just under twice max_chars of emphasis and code spans (396,000 characters), which is parsed."""
    return "notes.md", b"*a* `b` _c_ " * 33_000


def markdown_links() -> tuple[str, bytes]:
    """10 MB of links: refused by the markup estimate before parsing."""
    return "notes.md", b"[a](b) " * (10 * MB // 7 - 1)


def pdf_many_ops() -> tuple[str, bytes]:
    """200 pages (the page limit), each with 2,500 one-letter text operations: just under 10 MB."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=6)
    for _ in range(80):
        pdf.add_page()
        for row in range(50):
            for column in range(50):
                pdf.text(10 + column * 3.8, 10 + row * 5.5, "a")
    return "scan.pdf", bytes(pdf.output())


def pdf_under_limits() -> tuple[str, bytes]:
    """200 pages of 990 one-letter text operations: 198,000 letters, refused near the last page by
    max_chars once the spaces between them count (the most CPU any PDF costs here)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=6)
    for _ in range(200):
        pdf.add_page()
        for row in range(30):
            for column in range(33):
                pdf.text(10 + column * 5.5, 10 + row * 8, "a")
    return "scan.pdf", bytes(pdf.output())


CASES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "docx-45mb": docx_45mb,
    "docx-over-chars": docx_over_chars,
    "docx-under-limits": docx_under_limits,
    "docx-nested-tables": docx_nested_tables,
    "html-many-elements": html_many_elements,
    "html-many-words": html_many_words,
    "html-over-limit": html_over_limit,
    "html-deep": html_deep,
    "html-big-text": html_big_text,
    "text-cp949": text_cp949,
    "text-utf8": text_utf8,
    "markdown-emphasis": markdown_emphasis,
    "markdown-under-limits": markdown_under_limits,
    "markdown-links": markdown_links,
    "pdf-many-ops": pdf_many_ops,
    "pdf-under-limits": pdf_under_limits,
}

#: A case still reading after this long is stopped and reported as such.
TIMEOUT_S = 300

CHILD = """
import json, resource, sys, time
from service.documents import read_document
from service.errors import ServiceError
data = open(sys.argv[1], "rb").read()
wall, cpu = time.perf_counter(), time.process_time()
try:
    outcome = f"read {len(read_document(data, sys.argv[2]).text):,} chars"
except ServiceError as exc:
    outcome = f"{exc.code}: {str(exc)[:90]}"
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "outcome": outcome}))
"""


def run(name: str, folder: Path) -> dict:
    file_name, data = CASES[name]()
    path = folder / f"{name}.bin"
    path.write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), file_name],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return {"case": name, "bytes": len(data), "wall": TIMEOUT_S, "cpu": float("nan"), "rss_mb": float("nan"),
                "outcome": f"still reading after {TIMEOUT_S} s (stopped)"}  # fmt: skip
    return {"case": name, "bytes": len(data), **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> None:
    import tempfile

    names = sys.argv[1:] or list(CASES)
    print("| case | file | wall s | CPU s | peak RSS MB | outcome |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            row = run(name, Path(folder))
            print(
                f"| {row['case']} | {row['bytes'] / 1024:,.0f} KB | {row['wall']:.2f} | {row['cpu']:.2f} | "
                f"{row['rss_mb']:.0f} | {row['outcome']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
