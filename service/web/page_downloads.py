"""The page's downloads: JSON, Markdown and DOCX of one result, JSONL and ZIP of a batch, each
named after the input (`snow-report.docx` → `snow-report-summary.docx`).

The DOCX holds the summary (or article) as a table with the three languages side by side, one row
per sentence, each cell's text tagged with its language (`w:lang`), so Word picks Japanese or Korean
glyph forms and proofing for it.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import unicodedata
import uuid
from collections import deque
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from service.batch import BatchItem, write_jsonl, write_markdown_zip
from service.result import Result

#: Result files kept for download before the oldest are deleted (Gradio copies them into its cache).
KEEP_DOWNLOADS = 64
#: Word's language tags for the three columns.
DOCX_LANGS = {"en": "en-US", "ko": "ko-KR", "ja": "ja-JP"}
_UNSAFE = re.compile(r"[^\w.-]+")


def download_stem(source: dict[str, Any] | None, result: Result) -> str:
    """A file-name stem after the input: the file's own stem, the link's last path part, else
    `article-<language>`; letters of any script kept, everything else made `-`, at most 60."""
    source = source or {}
    raw = ""
    if source.get("kind") == "file":
        raw = PurePosixPath(str(source.get("name", ""))).stem
    elif source.get("kind") == "url":
        path = urlsplit(str(source.get("final_url") or source.get("url") or "")).path.rstrip("/")
        raw = PurePosixPath(path).stem
    stem = _UNSAFE.sub("-", unicodedata.normalize("NFC", raw)).strip("-.")[:60]
    return stem or f"article-{result.source_language}"


def batch_stem(items: list[BatchItem]) -> str:
    """A batch's download stem after its first file (and how many more)."""
    if not items:
        return "results"
    first = _UNSAFE.sub("-", PurePosixPath(items[0].name).stem).strip("-.")[:40] or "files"
    more = f"-and-{len(items) - 1}-more" if len(items) > 1 else ""
    return f"{first}{more}-results"


def write_docx(result: Result, path: Path) -> Path:
    """The result as a Word document: a heading, then a table EN | 한국어 | 日本語, one row per sentence."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    document.core_properties.title = result.title or "Summary and translations"
    document.add_heading(result.title or "Summary and translations", level=1)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ("English", "한국어", "日本語"), strict=True):
        cell.text = label
    rows = [(s.en, s.ko, s.ja) for s in result.segments] or [
        (result.summary, result.translations.get("ko", ""), result.translations.get("ja", ""))
    ]
    for texts in rows:
        cells = table.add_row().cells
        for cell, text, lang in zip(cells, texts, ("en", "ko", "ja"), strict=True):
            run = cell.paragraphs[0].add_run(text)
            properties = run._element.get_or_add_rPr()
            tag = properties.makeelement(qn("w:lang"), {})
            tag.set(qn("w:val"), DOCX_LANGS["en"])
            tag.set(qn("w:eastAsia"), DOCX_LANGS[lang] if lang != "en" else DOCX_LANGS["ko"])
            properties.append(tag)
    document.save(str(path))
    return path


class Downloads:
    """Writes each result as JSON, Markdown and DOCX into its own folder under the system temp
    directory (where Gradio may serve files from), keeping only the most recent `keep` results."""

    def __init__(self, root: Path | None = None, keep: int = KEEP_DOWNLOADS):
        self.root = root or Path(tempfile.gettempdir()) / "service-downloads"
        self.keep = keep
        self._folders: deque[Path] = deque()
        self._lock = threading.Lock()

    def _folder(self) -> Path:
        """A new folder for one result; the oldest beyond `keep` are deleted."""
        folder = self.root / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._folders.append(folder)
            while len(self._folders) > self.keep:
                shutil.rmtree(self._folders.popleft(), ignore_errors=True)
        return folder

    def write(self, result: Result, details: dict[str, Any]) -> tuple[str, str]:
        """JSON and Markdown (see `write_all` for the DOCX too)."""
        json_path, md_path, _ = self.write_all(result, details, docx=False)
        return json_path, md_path

    def write_all(self, result: Result, details: dict[str, Any], docx: bool = True) -> tuple[str, str, str]:
        folder = self._folder()
        stem = f"{download_stem(details.get('input'), result)}-{result.mode}"
        json_path = folder / f"{stem}.json"
        md_path = folder / f"{stem}.md"
        json_path.write_text(json.dumps(details, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        md_path.write_text(result.to_markdown(), encoding="utf-8")
        docx_path = write_docx(result, folder / f"{stem}.docx") if docx else ""
        return str(json_path), str(md_path), str(docx_path)

    def write_batch(self, items: list[BatchItem]) -> tuple[str, str]:
        """JSONL (one object per file, failures included) and a ZIP of Markdown, named after the
        files: `report-results.jsonl`, or `report-and-2-more-results.zip` for three files."""
        folder = self._folder()
        stem = batch_stem(items)
        jsonl = write_jsonl(items, folder / f"{stem}.jsonl")
        archive = write_markdown_zip(items, folder / f"{stem}.zip")
        return str(jsonl), str(archive)
