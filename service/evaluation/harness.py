"""Evaluation harness: run a model set over a reference file and report quality, speed and failures.

The library half of `python -m service evaluate`. It loads (source, reference) items from JSONL or
TSV, sends them through the pipeline's public `translate` / `summarise` methods (nothing else, so
any model set or engine is measured the same way), and scores the outputs with `service.evaluation.metrics`.

Design choices, and why:
* A failing item must not sink a run of hundreds: its exception is caught, counted and listed with
  its reason. A failed batch is retried one item at a time so one bad input only costs itself.
  Failed items are scored as empty outputs, so a model set cannot improve its BLEU by crashing on
  hard inputs. Configuration errors (a model that is not downloaded, a broken model set) are not
  item failures: they would fail every item, so they stop the run at once with their own message.
* Time per item is wall time of the model calls divided by the number of items (batched
  translation has no per-item time of its own); the first batch includes any lazy model loading.
* Every score travels with its tokenisation and sacrebleu signature, and the run's quality-guard
  flags are counted, which doubles as a check of the guard's false-positive rate on real data.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from service.errors import InputError, ModelSetError, ModelUnavailable
from service.evaluation import metrics
from service.text.quality import check_output

TASKS = ("en-ko", "en-ja", "ko-en", "ja-en", "summarise")
_TASK_ALIASES = {"summarize": "summarise", "summarisation": "summarise", "summarization": "summarise"}
#: Errors that say the model set itself cannot work; every further item would fail the same way.
FATAL_ERRORS: tuple[type[BaseException], ...] = (ModelUnavailable, ModelSetError)
DEFAULT_BATCH_SIZE = 8


class EvaluablePipeline(Protocol):
    """The only parts of `service.Pipeline` the harness touches."""

    def translate(self, texts: list[str], source: str, target: str) -> list[str]: ...

    def summarise(self, text: str, length: str = "medium") -> str: ...

    def describe_models(self) -> dict[str, str]: ...


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


# --- Report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFailure:
    index: int  # position among the evaluated items (0-based)
    line: int  # line in the data file (0 when unknown)
    reason: str  # "ExceptionType: message"


@dataclass
class EvalReport:
    """Everything one evaluation run measured; `to_dict` for JSON, `format_table` for people."""

    task: str
    models: dict[str, str]
    n_items: int
    n_failed: int
    failures: list[ItemFailure]
    scores: dict[str, float]  # "BLEU", "chrF2" or "rouge1", "rouge2", "rougeL", "rougeLsum"
    tokenization: dict[str, str]  # metric name -> tokenisation it used
    signatures: dict[str, str]  # metric name -> sacrebleu signature (translation only)
    seconds_total: float
    seconds_per_item: float
    avg_output_chars: float  # over items that did not fail
    avg_output_tokens: float
    avg_reference_chars: float
    avg_reference_tokens: float
    token_unit: str  # what avg_*_tokens counts, e.g. "ko-mecab tokens"
    quality_flags: dict[str, int]  # quality-guard flag kind -> how many outputs got it
    flagged: list[dict[str, Any]] = field(default_factory=list)  # index, kind, message per flag
    notes: list[str] = field(default_factory=list)
    data: str | None = None
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format_table(self) -> str:
        lines = [f"Evaluation: {self.task}" + (f"  ({self.data})" if self.data else "")]
        lines.append("Models:")
        lines += _aligned(
            [(f"  {role}", model) for role, model in sorted(self.models.items())] or [("  -", "")]
        )
        lines.append("")
        rows = [("Metric", "Score", "Tokenisation")]
        rows += [
            (name, f"{value:.2f}", self.tokenization.get(name, "")) for name, value in self.scores.items()
        ]
        lines += _aligned(rows)
        lines.append("")
        flags = ", ".join(f"{kind} {count}" for kind, count in sorted(self.quality_flags.items())) or "none"
        lines += _aligned(
            [
                ("Items", f"{self.n_items} ({self.n_failed} failed)"),
                ("Time per item", f"{self.seconds_per_item:.3f} s ({self.seconds_total:.2f} s total)"),
                (
                    "Output length",
                    f"{self.avg_output_chars:.1f} characters, {self.avg_output_tokens:.1f} {self.token_unit}",
                ),
                (
                    "Reference length",
                    f"{self.avg_reference_chars:.1f} characters, "
                    f"{self.avg_reference_tokens:.1f} {self.token_unit}",
                ),
                ("Quality flags", flags),
            ]
        )
        if self.signatures:
            lines.append("Signatures:")
            lines += _aligned([(f"  {name}", sig) for name, sig in self.signatures.items()])
        for note in self.notes:
            lines.append(f"Note: {note}")
        if self.failures:
            lines.append(f"Failures ({len(self.failures)}):")
            for failure in self.failures:
                where = f"item {failure.index}" + (f" (line {failure.line})" if failure.line else "")
                lines.append(f"  {where}: {failure.reason}")
        return "\n".join(lines)


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns, each as wide as its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


# --- Running ------------------------------------------------------------------------------------------


def _languages(task: str) -> tuple[str, str]:
    if task == "summarise":
        return "en", "en"
    source, target = task.split("-")
    return source, target


def _reason(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _check_outputs(outputs: Any, expected: int) -> list[str]:
    if not isinstance(outputs, list) or len(outputs) != expected:
        got = f"{len(outputs)} outputs" if isinstance(outputs, list) else type(outputs).__name__
        raise TypeError(f"translate returned {got} for {expected} inputs")
    for out in outputs:
        if not isinstance(out, str):
            raise TypeError(f"translate returned {type(out).__name__}, not text")
    return outputs


@dataclass
class _Run:
    """Outputs, failures and time collected while the model calls happen."""

    outputs: list[str | None]
    failures: list[ItemFailure] = field(default_factory=list)
    seconds: float = 0.0

    def timed(self, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return call()
        finally:
            self.seconds += time.perf_counter() - start


def _translate_batch(
    pipeline: EvaluablePipeline, run: _Run, items: Sequence[Item], start: int, pair: tuple[str, str]
) -> None:
    texts = [item.source for item in items]
    try:
        outputs = run.timed(lambda: _check_outputs(pipeline.translate(texts, *pair), len(texts)))
    except FATAL_ERRORS:
        raise
    except Exception:
        outputs = None
    if outputs is not None:
        run.outputs[start : start + len(items)] = outputs
        return
    for offset, item in enumerate(items):  # isolate the failing item(s)
        try:
            run.outputs[start + offset] = run.timed(
                lambda item=item: _check_outputs(pipeline.translate([item.source], *pair), 1)[0]
            )
        except FATAL_ERRORS:
            raise
        except Exception as exc:
            run.failures.append(ItemFailure(start + offset, item.line, _reason(exc)))


def _summarise_one(pipeline: EvaluablePipeline, run: _Run, item: Item, index: int, length: str) -> None:
    try:
        summary = run.timed(lambda: pipeline.summarise(item.source, length=length))
        if not isinstance(summary, str):
            raise TypeError(f"summarise returned {type(summary).__name__}, not text")
        run.outputs[index] = summary
    except FATAL_ERRORS:
        raise
    except Exception as exc:
        run.failures.append(ItemFailure(index, item.line, _reason(exc)))


def _progress_bar(total: int, task: str, enabled: bool):
    from tqdm import tqdm

    show = enabled and sys.stderr.isatty()
    return tqdm(total=total, desc=f"evaluate {task}", unit="item", disable=not show, leave=False)


def _describe(pipeline: EvaluablePipeline) -> dict[str, str]:
    """The report header is informative only; a failing description must not cost the run."""
    try:
        return {str(k): str(v) for k, v in dict(pipeline.describe_models()).items()}
    except Exception as exc:
        return {"(unavailable)": _reason(exc)}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _token_counter(target: str) -> tuple[Callable[[str], int], str]:
    """Count tokens with the same tokeniser BLEU uses, so lengths and scores speak the same unit."""
    split, name = metrics.bleu_tokenizer(target)
    return (lambda text: len(split(text))), f"{name} tokens"


def _score(task: str, target: str, hypotheses: list[str], references: list[str]):
    """(scores, tokenisation per metric, signatures, notes)."""
    if task == "summarise":
        scores = metrics.rouge(hypotheses, references)
        return scores, dict.fromkeys(scores, metrics.ROUGE_TOKENIZATION), {}, []
    bleu = metrics.bleu(hypotheses, references, target)
    chrf = metrics.chrf(hypotheses, references, target)
    return (
        {bleu.name: bleu.score, chrf.name: chrf.score},
        {bleu.name: bleu.tokenize, chrf.name: metrics.CHRF_TOKENIZATION},
        {bleu.name: bleu.signature, chrf.name: chrf.signature},
        [bleu.note] if bleu.note else [],
    )


def evaluate(
    pipeline: EvaluablePipeline,
    task: str,
    items: Sequence[Item],
    *,
    limit: int | None = None,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    summary_length: str = "medium",
    data: str | None = None,
) -> EvalReport:
    """Run `items` (the first `limit` of them) through the pipeline and score the outputs."""
    task = normalise_task(task)
    if limit is not None and limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    if batch_size < 1:
        raise InputError(f"batch_size must be at least 1, got {batch_size}")
    items = list(items)[:limit]
    if not items:
        raise InputError("nothing to evaluate: no items")
    source, target = _languages(task)
    models = _describe(pipeline)
    run = _Run(outputs=[None] * len(items))
    with _progress_bar(len(items), task, progress) as bar:
        step = batch_size if task != "summarise" else 1
        for start in range(0, len(items), step):
            chunk = items[start : start + step]
            if task == "summarise":
                _summarise_one(pipeline, run, chunk[0], start, summary_length)
            else:
                _translate_batch(pipeline, run, chunk, start, (source, target))
            bar.update(len(chunk))
            bar.set_postfix(failed=len(run.failures))
    return _report(task, items, run, models, source, target, data, limit)


def _report(
    task: str,
    items: list[Item],
    run: _Run,
    models: dict[str, str],
    source: str,
    target: str,
    data: str | None,
    limit: int | None,
) -> EvalReport:
    hypotheses = [out if out is not None else "" for out in run.outputs]
    references = [item.reference for item in items]
    scores, tokenization, signatures, notes = _score(task, target, hypotheses, references)
    if run.failures:
        notes.append(f"{len(run.failures)} failed item(s) were scored as empty outputs.")
    done = [(i, out) for i, out in enumerate(run.outputs) if out is not None]
    count_tokens, token_unit = _token_counter(target)
    flagged = [
        {"index": i, "kind": flag.kind, "message": flag.message}
        for i, out in done
        for flag in check_output(
            items[i].source,
            out,
            target_language=target,
            task="summarise" if task == "summarise" else "translate",
            field=f"items[{i}]",
            source_language=source,
        )
    ]
    return EvalReport(
        task=task,
        models=models,
        n_items=len(items),
        n_failed=len(run.failures),
        failures=sorted(run.failures, key=lambda f: f.index),
        scores=scores,
        tokenization=tokenization,
        signatures=signatures,
        seconds_total=run.seconds,
        seconds_per_item=run.seconds / len(items),
        avg_output_chars=_mean([len(out.strip()) for _, out in done]),
        avg_output_tokens=_mean([count_tokens(out) for _, out in done]),
        avg_reference_chars=_mean([len(ref.strip()) for ref in references]),
        avg_reference_tokens=_mean([count_tokens(ref) for ref in references]),
        token_unit=token_unit,
        quality_flags=dict(Counter(flag["kind"] for flag in flagged)),
        flagged=flagged,
        notes=notes,
        data=data,
        limit=limit,
    )
