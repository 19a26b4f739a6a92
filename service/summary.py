"""The English summary of an English text: one pass when it fits, map-reduce when it does not.

Nothing is truncated: an article that fits the summariser's window is summarised whole; one up to
`MAX_TRIM_WINDOWS` windows long in one pass without its least central sentences (which the result
lists); a longer one chunk by chunk, the partial summaries combined and summarised again until
they fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from service.engines import Engine, Job
from service.models.sets import ModelSpec
from service.options import LENGTHS
from service.text.chunking import pack
from service.text.clean import for_models
from service.text.segment import join_sentences, split_paragraphs, split_sentences

#: Rounds of summarising summaries before giving up on shrinking a very long article further.
MAX_SUMMARY_ROUNDS = 8
#: A round of partial summaries must at least halve the text, or summarising again is pointless.
MIN_SHRINK = 0.5
#: An article up to this many windows long is summarised in one pass over its most central
#: sentences (`trim_to_window`) instead of map-reduce. Measured at real sizes on 2 cores
#: (benchmarks/NOTES.md): the 898-word article (1.14 windows) took three beam-4 passes, ~1.4 s of
#: map pass plus ~1.4 s of final pass on top of what one pass costs; one pass saves both.
MAX_TRIM_WINDOWS = 1.5


def summarise_english(
    engine: Engine, spec: ModelSpec, english_text: str, length: str
) -> tuple[str, int, list[str]]:
    """Summary of an English text, the number of chunks the first pass needed, and the sentences
    left out of a one-pass summary (listed in `Result.summary_left_out`, never dropped silently).

    An article up to `MAX_TRIM_WINDOWS` windows long is summarised in one pass without its least
    central sentences (`trim_to_window`); a longer one chunk by chunk, the partial summaries
    combined and summarised again until they fit (map-reduce), never truncated.
    """
    preset = LENGTHS[length]
    english_text = for_models(english_text)
    job = Job(
        "summarise",
        max_new_tokens=spec.generation.get("max_new_tokens", preset.max_new_tokens),
        min_new_tokens=spec.generation.get("min_new_tokens", preset.min_new_tokens),
        sentences=preset.sentences,
        generation=spec.generation,
    )
    limit = engine.max_input_tokens
    before = engine.count_tokens([english_text])[0]
    if before <= limit:
        return engine.generate([english_text], job)[0], 1, []
    if before <= MAX_TRIM_WINDOWS * limit:
        trimmed = trim_to_window(english_text, engine.count_tokens, limit)
        if trimmed is not None:
            kept, left_out = trimmed
            return engine.generate([kept], job)[0], 1, left_out
    sentences = [s for p in split_paragraphs(english_text) for s in split_sentences(p, "en")]
    chunks = pack(sentences, engine.count_tokens, limit)
    first_pass = len(chunks)
    # Partial summaries must be much shorter than a chunk, or the reduction would not converge.
    partial_job = replace(
        job,
        max_new_tokens=max(8, min(job.max_new_tokens, limit // 4)),
        min_new_tokens=min(job.min_new_tokens, limit // 8),
    )
    for _ in range(MAX_SUMMARY_ROUNDS):
        partials = [p for p in engine.generate(chunks, partial_job) if p.strip()]
        combined = " ".join(partials)
        if not partials:
            return "", first_pass, []
        size = engine.count_tokens([combined])[0]
        if size <= limit:
            return engine.generate([combined], job)[0], first_pass, []
        if size > MIN_SHRINK * before:
            # The model is not condensing (a degenerate or misconfigured model): more rounds
            # would only grow the work, so the partial summaries are the answer, in order.
            return combined, first_pass, []
        before = size
        sentences = [s for p in partials for s in split_sentences(p, "en")]
        chunks = pack(sentences, engine.count_tokens, limit)
    return combined, first_pass, []


def trim_to_window(
    text: str, count_tokens: Callable[[Sequence[str]], list[int]], limit: int
) -> tuple[str, list[str]] | None:
    """`text` without its least central sentences, so that it fits `limit` tokens, and the sentences
    left out (in article order); None when even the lead paragraph alone does not fit.

    Centrality is the extractive summariser's TF-IDF score with its lead bias
    (`service.engines.extractive.rank_sentences`); the first paragraph is always kept, and so is
    the order of what is kept."""
    from service.engines.extractive import rank_sentences

    paragraphs = [split_sentences(p, "en") for p in split_paragraphs(text)]
    paragraphs = [p for p in paragraphs if p]
    flat = [(i, s) for i, p in enumerate(paragraphs) for s in p]
    if len(paragraphs) < 2:
        return None
    lead = len(paragraphs[0])
    order = [k for k in reversed(rank_sentences([s for _, s in flat])) if k >= lead]  # least central first
    dropped: set[int] = set()

    def joined() -> str:
        kept = [
            [s for k, (i, s) in enumerate(flat) if i == n and k not in dropped]
            for n in range(len(paragraphs))
        ]
        return "\n\n".join(join_sentences(p, "en") for p in kept if p)

    sizes = count_tokens([s for _, s in flat])
    total = count_tokens([text])[0]
    for k in order:
        if total <= limit and count_tokens([joined()])[0] <= limit:
            break
        dropped.add(k)
        total -= sizes[k]
    kept_text = joined()
    if count_tokens([kept_text])[0] > limit:
        return None
    return kept_text, [s for k, (_, s) in enumerate(flat) if k in dropped]
