"""The one small interface every engine implements, and the job description it receives.

The pipeline only ever talks to this interface: give me token counts (so I can chunk text to your
window) and turn these texts into outputs for this job. Whether that happens in transformers, in
CTranslate2 or by picking sentences is the engine's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Job:
    """What to do with a batch of texts."""

    task: str  # "summarise" | "translate"
    source: str = "en"
    target: str = "en"
    #: Upper bound on generated tokens; translation engines also bound it by the source length.
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    #: Sentences wanted from an extractive summariser.
    sentences: int = 5
    #: Role settings from the model set (num_beams, no_repeat_ngram_size, ...).
    generation: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    #: What a user sees as "the model" (Hub id, folder, or engine name).
    label: str
    #: Longest input, in the engine's tokens, that `generate` accepts without truncation.
    max_input_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts of each text as the model would read it."""
        ...

    def generate(self, texts: Sequence[str], job: Job) -> list[str]:
        """One output per input text, in input order."""
        ...


#: Room kept in the input window for prompts and language tokens added by a family.
PROMPT_MARGIN = 16


def translation_token_budget(source_tokens: int, job: Job) -> int:
    """How many tokens a translation of `source_tokens` may take.

    Bounding by the source length stops a degenerate model from running to the global maximum on
    every sentence (the classic repeated-word loop), while leaving room for scripts that need more
    tokens than English. Both engines use this, so they stop at the same length.
    """
    return max(8, min(job.max_new_tokens, 2 * source_tokens + 16))
