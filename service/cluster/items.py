"""What a corpus run works on: files, folders and JSONL manifests turned into keyed work items.

A manifest line is `{"id": …, "path"|"text"|"url": …, options…}`; the options are those of
`PipelineOptions` (`length`, `mode`, `source_language`, …) and override the run's. Every item has a
key that is stable across runs, so a rerun into the same output folder can skip what is already
written: the manifest's `id`, the path as given for a file, and `sha256:<hex>` of the content and
options for a manifest line without an `id`. A line that cannot be used (bad JSON, no content, two
kinds of content, an unknown option, an `id` seen before) becomes an item that has already failed,
with its reason: one bad line never stops the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from service.batch_files import expand_inputs
from service.options import PipelineOptions

#: Input files with this suffix are manifests, not articles.
MANIFEST_SUFFIX = ".jsonl"
CONTENT_KINDS = ("path", "text", "url")
OPTION_NAMES = frozenset(f.name for f in fields(PipelineOptions))


@dataclass(frozen=True)
class WorkItem:
    """One article to process, or one input that failed before processing (`error` set)."""

    key: str
    #: What the results call the item (`file` in each record): the path for files, else the key.
    name: str
    kind: str  # "path" | "text" | "url" | "error"
    value: str = ""
    options: dict[str, str | bool] = field(default_factory=dict)
    error: str = ""
    error_code: str = ""

    def to_row(self) -> dict[str, str]:
        """Flat string columns, so Ray Data keeps one simple Arrow schema for every block."""
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "options": json.dumps(self.options, ensure_ascii=False, sort_keys=True),
            "error": self.error,
            "error_code": self.error_code,
        }


def content_key(kind: str, value: str, options: dict) -> str:
    digest = hashlib.sha256(
        json.dumps([kind, value, options], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    return f"sha256:{digest[:32]}"


def read_manifest(path: Path) -> Iterator[WorkItem]:
    """The items of one JSONL manifest; relative `path`s are taken from the manifest's folder."""
    where = str(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        yield WorkItem(
            where, where, "error", error=f"Cannot read manifest '{where}': {exc}", error_code="bad_manifest"
        )
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield _manifest_item(line, f"{where}:{number}", path.parent)


def _manifest_item(line: str, where: str, base: Path) -> WorkItem:
    def failed(message: str, key: str = where) -> WorkItem:
        return WorkItem(key, key, "error", error=message, error_code="bad_manifest")

    try:
        entry = json.loads(line)
    except json.JSONDecodeError as exc:
        return failed(f"not valid JSON ({exc.msg})")
    if not isinstance(entry, dict):
        return failed("each line must be a JSON object")
    item_id = entry.get("id")
    if item_id is not None and (not isinstance(item_id, str | int) or isinstance(item_id, bool)):
        return failed('"id" must be a string or a number')
    named = where if item_id is None else str(item_id)  # a bad line with an id fails under its id
    kinds = [k for k in CONTENT_KINDS if k in entry]
    if len(kinds) != 1:
        return failed(f'needs exactly one of "path", "text", "url" (found {len(kinds)})', named)
    kind = kinds[0]
    value = entry[kind]
    if not isinstance(value, str) or not value.strip():
        return failed(f'"{kind}" must be a non-empty string', named)
    unknown = sorted(set(entry) - OPTION_NAMES - {"id", kind})
    if unknown:
        return failed(
            f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(OPTION_NAMES))}", named
        )
    options = {k: entry[k] for k in sorted(OPTION_NAMES & set(entry))}
    if kind == "path":
        value = str(base / value) if not os.path.isabs(value) else value
    key = str(item_id) if item_id is not None else content_key(kind, value, options)
    name = value if kind == "path" else key
    return WorkItem(key, name, kind, value, options)


def collect_items(inputs: Iterable[str | os.PathLike]) -> list[WorkItem]:
    """Files as given, folders expanded (as in the local batch), `.jsonl` inputs read as manifests.

    A key seen twice keeps its first item; the later one fails with "duplicate id" under a key of its
    own (its position), so both are accounted for and neither overwrites the other.
    """
    items: list[WorkItem] = []
    for path in expand_inputs(inputs):
        if not isinstance(path, Path):  # a link given on the command line (`service.batch.Link`)
            url = str(path)
            items.append(WorkItem(url, url, "url", url))
        elif path.suffix.lower() == MANIFEST_SUFFIX and path.is_file():
            items += read_manifest(path)
        else:
            items.append(WorkItem(str(path), str(path), "path", str(path)))
    seen: set[str] = set()
    unique: list[WorkItem] = []
    for position, item in enumerate(items, start=1):
        if item.key in seen:
            key = f"duplicate:{position}:{item.key}"
            item = WorkItem(
                key,
                key,
                "error",
                error=f"Duplicate id '{item.key}' (input {position})",
                error_code="duplicate_id",
            )
        seen.add(item.key)
        unique.append(item)
    return unique
