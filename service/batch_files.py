"""What a batch reads and writes: its inputs (files, folders, links), one `BatchItem` per input, and
the downloads (`results.jsonl`, one Markdown file per article in `results.zip`).

Shared by the local batch (`service.batch`) and the Ray batch (`service.cluster`), which is why it
is a module of its own: both import it, neither imports the other at import time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from service.fetching import WebDocument
from service.result import Result

log = logging.getLogger(__name__)

EXIT_SOME_FAILED = 4
_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class Link:
    """A batch item to fetch (`Pipeline.read_url`) rather than a file to open. The CLI makes these
    from arguments that look like links, the web app from its batch links box (fetched already:
    `page`); a web request's file names never become links."""

    url: str
    #: The page when it was fetched before the batch started (the web app does, outside its slot).
    page: WebDocument | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return self.url


def is_link(item: str | os.PathLike) -> bool:
    """`https://…`, `http://…`, and any other `scheme://` (refused later with a clear reason)."""
    return isinstance(item, str) and bool(_LINK.match(item))


@dataclass
class BatchItem:
    name: str
    result: Result | None = None
    error: str | None = None
    error_code: str | None = None

    def to_dict(self) -> dict:
        if self.result is not None:
            return {"file": self.name, "ok": True, "result": self.result.to_dict()}
        return {"file": self.name, "ok": False, "error": self.error_code, "message": self.error}


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path | Link]:
    """Files as given, folders expanded to the files inside them (sorted, hidden files skipped), and
    links as `Link`s, all in the order given."""
    files: list[Path | Link] = []
    for item in inputs:
        if is_link(item):
            files.append(Link(str(item)))
            continue
        path = Path(item)
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        else:
            files.append(path)
    return files


def write_jsonl(items: Sequence[BatchItem], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return path


def markdown_names(items: Sequence[BatchItem]) -> list[str]:
    """Each item's file name inside `results.zip`: its stem + `.md`, and `-2`, `-3` … for a stem
    seen before (two uploads named `a.txt` become `a.md` and `a-2.md`; the page shows which is which)."""
    used: set[str] = set()
    names = []
    for item in items:
        stem = _stem(item.name)
        name, n = f"{stem}.md", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.md"
        used.add(name)
        names.append(name)
    return names


def _stem(name: str) -> str:
    """A file name's stem, or a link's last path segment (else its host), with the characters no
    file system takes (`?` of a query, `:`, `/`, controls …) made `-`."""
    if is_link(name):
        parts = urlsplit(name)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        base = Path(segments[-1]).stem if segments else (parts.hostname or "")
    else:
        base = Path(name).stem
    return _UNSAFE_IN_NAMES.sub("-", base).strip(" .-") or "article"


def write_markdown_zip(items: Sequence[BatchItem], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item, name in zip(items, markdown_names(items), strict=True):
            if item.result is not None:
                archive.writestr(name, item.result.to_markdown())
        failures = [f"- {i.name}: {i.error}" for i in items if i.result is None]
        if failures:
            archive.writestr(
                "FAILED.md", "# Files that could not be processed\n\n" + "\n".join(failures) + "\n"
            )
    return path


def write_outputs(items: Sequence[BatchItem], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_jsonl(items, out_dir / "results.jsonl"), write_markdown_zip(items, out_dir / "results.zip")
