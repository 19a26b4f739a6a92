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

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from service.errors import InputError, ModelSetError, ModelUnavailable
from service.evaluation import metrics
from service.evaluation.items import Item, normalise_task
from service.evaluation.report import EvalReport, ItemFailure
from service.text.quality import check_output

#: Errors that say the model set itself cannot work; every further item would fail the same way.
FATAL_ERRORS: tuple[type[BaseException], ...] = (ModelUnavailable, ModelSetError)
DEFAULT_BATCH_SIZE = 8


class EvaluablePipeline(Protocol):
    """The only parts of `service.Pipeline` the harness touches."""

    def translate(self, texts: list[str], source: str, target: str) -> list[str]: ...

    def summarise(self, text: str, length: str = "medium") -> str: ...

    def describe_models(self) -> dict[str, str]: ...


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
            run.outputs[start + offset] = run.timed(partial(_translate_one, pipeline, item.source, pair))
        except FATAL_ERRORS:
            raise
        except Exception as exc:
            run.failures.append(ItemFailure(start + offset, item.line, _reason(exc)))


def _translate_one(pipeline: EvaluablePipeline, source: str, pair: tuple[str, str]) -> str:
    return _check_outputs(pipeline.translate([source], *pair), 1)[0]


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
        quality_flags=dict(Counter(str(flag["kind"]) for flag in flagged)),
        flagged=flagged,
        notes=notes,
        data=data,
        limit=limit,
    )
