"""Make every piece of text fit a model's window, measured in that model's own tokens.

Peers silently truncate long input; this service never does. A sentence longer than the window (a
5,000-character run without punctuation, a table flattened into one line) is cut at word
boundaries, or between characters for scripts without spaces; an article longer than the
summariser's window is packed into chunks of whole sentences.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

Counter = Callable[[Sequence[str]], list[int]]
_AFTER_SPACE = re.compile(r"(?<=\s)")


def split_to_fit(text: str, count: Counter, limit: int) -> list[str]:
    """`text` as consecutive pieces of at most `limit` tokens each (one piece if it already fits)."""
    pieces: list[str] = []
    _fit(_AFTER_SPACE.split(text), count, limit, pieces)
    return pieces


def _fit(units: list[str], count: Counter, limit: int, out: list[str]) -> None:
    text = "".join(units).strip()
    if not text:
        return
    if count([text])[0] <= limit:
        out.append(text)
        return
    if len(units) == 1:
        units = list(units[0])  # no spaces left to cut at: cut between characters
        if len(units) == 1:
            out.append(text)
            return
    middle = len(units) // 2
    _fit(units[:middle], count, limit, out)
    _fit(units[middle:], count, limit, out)


def fit_sentences(sentences: Sequence[str], count: Counter, limit: int) -> list[list[str]]:
    """For each sentence, the pieces it is translated in (usually just itself)."""
    counts = count(list(sentences)) if sentences else []
    return [
        [s] if n <= limit else split_to_fit(s, count, limit) for s, n in zip(sentences, counts, strict=True)
    ]


def pack(sentences: Sequence[str], count: Counter, limit: int, joiner: str = " ") -> list[str]:
    """Consecutive sentences packed into chunks of at most `limit` tokens, none cut unless too long.

    Chunks are balanced: as few as the limit allows, of about equal size. A full chunk followed by
    a short one would cost a whole extra pass of padding in a batch (measured: 3.4 s → 2.5 s for the
    first summary pass of a 1,172-token article in a 1,024-token window).
    """
    pieces = [piece for group in fit_sentences(sentences, count, limit) for piece in group]
    counts = count(pieces) if pieces else []
    total = sum(counts)
    target = math.ceil(total / max(1, math.ceil(total / limit))) if total else limit
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece, n in zip(pieces, counts, strict=True):
        if current and (used + n > limit or used + n / 2 > target):
            chunks.append(joiner.join(current))
            current, used = [], 0
        current.append(piece)
        used += n
    if current:
        chunks.append(joiner.join(current))
    return chunks
