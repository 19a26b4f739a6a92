"""Evaluation data: (source, reference) items from JSONL or TSV, with the task they belong to.

Bad files get errors naming the line and field (`InputError`); the task comes from the file's
`task` field, its name (`…en-ko…`, `…summaries…`) or the caller.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from service.errors import InputError

TASKS = ("en-ko", "en-ja", "ko-en", "ja-en", "summarise")
_TASK_ALIASES = {"summarize": "summarise", "summarisation": "summarise", "summarization": "summarise"}


@dataclass(frozen=True)
class Item:
    """One source text and its reference output; `line` is where it came from, for messages."""

    source: str
    reference: str
    line: int = 0
    id: str | None = None


# --- Loading ----------------------------------------------------------------------------------------


def normalise_task(task: str) -> str:
    """The canonical task name, accepting US spelling; InputError for anything else."""
    name = task.strip().lower().replace("_", "-")
    name = _TASK_ALIASES.get(name, name)
    if name not in TASKS:
        raise InputError(f"unknown task {task!r}; expected one of: {', '.join(TASKS)}")
    return name


_PAIR_RE = re.compile(r"(?<![a-z])(en|ko|ja)[-_](en|ko|ja)(?![a-z])")
_SUMMARY_RE = re.compile(r"summari[sz]")


def task_from_filename(path: str | Path) -> str | None:
    """Guess the task from names like `en-ko.jsonl`, `flores_en-ja.tsv`, `summarise-en.jsonl`."""
    stem = Path(path).name.lower()
    if _SUMMARY_RE.search(stem):
        return "summarise"
    pairs = {f"{a}-{b}" for a, b in _PAIR_RE.findall(stem) if a != b}
    found = pairs & set(TASKS)
    return found.pop() if len(found) == 1 else None


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"data file not found: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc


def _is_jsonl(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return True
    if suffix in (".tsv", ".tab", ".txt"):
        return False
    return text.lstrip().startswith("{")


def _text_field(obj: dict, key: str, where: str) -> str:
    if key not in obj:
        raise InputError(f'{where}: missing "{key}" (each line needs "source" and "reference")')
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise InputError(f'{where}: "{key}" must be a non-empty string')
    return value


def _parse_jsonl(text: str, name: str) -> tuple[str | None, list[Item]]:
    """Items plus the task the file declares: a first line like {"task": "en-ko"} or per-line
    "task" fields, which must all agree."""
    items: list[Item] = []
    declared: str | None = None
    declared_line = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{name} line {number}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(obj, dict):
            raise InputError(f'{where}: expected a JSON object with "source" and "reference"')
        if "task" in obj:
            task = normalise_task(str(obj["task"]))
            if declared is not None and task != declared:
                raise InputError(f'{where}: task "{task}" differs from "{declared}" on line {declared_line}')
            declared, declared_line = task, number
            if "source" not in obj and "reference" not in obj:
                if items:
                    raise InputError(f"{where}: a task-only header line must come first")
                continue
        source = _text_field(obj, "source", where)
        reference = _text_field(obj, "reference", where)
        item_id = obj.get("id")
        items.append(Item(source, reference, number, None if item_id is None else str(item_id)))
    return declared, items


def _parse_tsv(text: str, name: str) -> list[Item]:
    """source<TAB>reference per line; a first line "source<TAB>reference" is a header."""
    items: list[Item] = []
    seen_content = False
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        cells = raw.split("\t")
        if not seen_content:
            seen_content = True
            if [c.strip().lower() for c in cells] == ["source", "reference"]:
                continue
        where = f"{name} line {number}"
        if len(cells) != 2:
            raise InputError(
                f"{where}: expected 2 tab-separated columns (source, reference), found {len(cells)}"
            )
        source, reference = (c.strip() for c in cells)
        if not source or not reference:
            raise InputError(f"{where}: source and reference must both be non-empty")
        items.append(Item(source, reference, number))
    return items


def load_items(path: str | Path, task: str | None = None) -> tuple[str, list[Item]]:
    """(task, items) from a JSONL or TSV file.

    The task comes from `task`, else from the file ("task" fields), else from the file name. A
    `task` that contradicts the file's own declaration is an error: scoring an en-ko file as en-ja
    would silently produce garbage numbers.
    """
    path = Path(path)
    text = _read_text(path)
    declared: str | None = None
    if _is_jsonl(path, text):
        declared, items = _parse_jsonl(text, path.name)
    else:
        items = _parse_tsv(text, path.name)
    if not items:
        raise InputError(f"{path}: no items (the file is empty or has only a header)")
    requested = normalise_task(task) if task else None
    if requested and declared and requested != declared:
        raise InputError(f'{path}: the file says task "{declared}" but "{requested}" was requested')
    chosen = requested or declared or task_from_filename(path)
    if chosen is None:
        raise InputError(
            f"{path}: cannot tell the task from the file or its name; pass it explicitly "
            f"(one of: {', '.join(TASKS)})"
        )
    return chosen, items
