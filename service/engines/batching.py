"""Group texts into batches by token count, longest first, and put results back in order.

Sorting by length keeps padding (wasted work) small; capping a batch by tokens instead of by count
keeps memory flat whether the batch holds short headlines or long sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_BATCH_TOKENS = 2048
MAX_BATCH_SIZE = 32


def plan_batches(
    lengths: Sequence[int], batch_tokens: int = DEFAULT_BATCH_TOKENS, max_batch_size: int = MAX_BATCH_SIZE
) -> list[list[int]]:
    """Indices of the inputs grouped into batches; each batch's padded size stays within `batch_tokens`."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and (longest * (len(current) + 1) > batch_tokens or len(current) >= max_batch_size):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def run_batched(
    items: Sequence[str],
    lengths: Sequence[int],
    work: Callable[[list[str], list[int]], list[T]],
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
) -> list[T]:
    """Apply `work` batch by batch and return its outputs in the order of `items`."""
    results: list[T | None] = [None] * len(items)
    for batch in plan_batches(lengths, batch_tokens):
        outputs = work([items[i] for i in batch], [lengths[i] for i in batch])
        if len(outputs) != len(batch):
            raise RuntimeError(f"engine returned {len(outputs)} outputs for {len(batch)} inputs")
        for index, output in zip(batch, outputs, strict=True):
            results[index] = output
    return results  # type: ignore[return-value]
