"""Many files in, one result per file out; a failed file never stops the others.

Used by the CLI (`python -m service run A B C --out DIR`, or a folder; links such as
`https://…` may be mixed in, see `Link`) and by the web app's batch upload. Every file ends up
either with a result or with the reason it failed, and the whole batch
can be downloaded together: `results.jsonl` (one JSON object per file, failures included) and
`results.zip` (one Markdown file per article).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.documents import read_document
from service.errors import ModelSetError, ModelUnavailable, ServiceError
from service.limits import Limits
from service.pipeline import Pipeline
from service.result import Result

log = logging.getLogger(__name__)

EXIT_SOME_FAILED = 4
_LINK = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class Link:
    """A batch item to fetch (`Pipeline.read_url`) rather than a file to open. Only the CLI makes
    these, from arguments that look like links: a web request's file names never become links."""

    url: str

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


def run_batch(
    pipeline: Pipeline,
    files: Sequence[tuple[str, str | os.PathLike | bytes | Link]],
    options: dict[str, Any],
    limits: Limits | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Process `(name, path-or-bytes)` pairs in order; input errors are recorded per file.

    A model that cannot be loaded or a broken model set fails every file the same way, so it stops
    the batch with that one clear error instead of repeating it per file.
    """
    limits = limits or pipeline.limits
    limits.check("max_batch_files", len(files), "The number of files in the batch")
    items = []
    for name, source in files:
        item = BatchItem(name=name)
        try:
            if isinstance(source, Link):
                page = pipeline.read_url(source.url)
                item.result = pipeline.run(page.text, **options)
                item.result.source = page.source()
            else:
                document = read_document(source, name=name, limits=limits)
                item.result = pipeline.run(document.text, **options)
        except (ModelUnavailable, ModelSetError):
            raise
        except ServiceError as exc:
            item.error, item.error_code = str(exc), exc.code
        except OSError as exc:
            item.error, item.error_code = f"Cannot read '{name}': {exc.strerror or exc}", "unreadable"
        except Exception:  # a bug met by one file must not cost the others their results
            log.exception("Unexpected error on batch file %r", name)
            item.error = (
                f"Cannot process '{name}': an internal error occurred (the server log has the details)."
            )
            item.error_code = "internal_error"
        items.append(item)
        if on_done:
            on_done(item)
    return items


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
        stem = Path(item.name).stem or "article"
        name, n = f"{stem}.md", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.md"
        used.add(name)
        names.append(name)
    return names


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


def run_batch_cli(
    pipeline: Pipeline, inputs: Sequence[str], out_dir: Path | None, options: dict[str, Any], as_json: bool
) -> int:
    from tqdm import tqdm

    files = expand_inputs(inputs)
    bar = tqdm(total=len(files), unit="file", disable=not sys.stderr.isatty(), file=sys.stderr)

    def done(item: BatchItem) -> None:
        bar.set_postfix_str(Path(item.name).name[:30])
        bar.update()

    try:
        items = run_batch(pipeline, [(str(p), p) for p in files], options, on_done=done)
    finally:
        bar.close()
    if out_dir is not None:
        jsonl, archive = write_outputs(items, out_dir)
        print(f"Wrote {jsonl} and {archive}", file=sys.stderr)
    if as_json:
        for item in items:
            print(json.dumps(item.to_dict(), ensure_ascii=False))
    ok = [i for i in items if i.result is not None]
    failed = [i for i in items if i.result is None]
    if not as_json:
        for item in ok:
            result = item.result
            assert result is not None
            print(f"ok      {item.name}: {result.source_language}, {len(result.segments)} segment(s)")
        for item in failed:
            print(f"FAILED  {item.name}: {item.error}")
    print(f"{len(ok)} succeeded, {len(failed)} failed", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0
