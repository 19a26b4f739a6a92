"""What the engines were asked to do: one recording helper for every test.

`with recording(pipeline) as calls:` wraps every engine the pipeline hands out (real, tiny, fake or
extractive) so that each `generate` call is recorded with the role the pipeline asked for, the exact
texts and the job, and still runs. Tests then assert on what the engines *received* (the chunks the
summariser saw, the sentences each translator saw, how often a sentence was translated) instead of
rebuilding those inputs themselves, which would repeat the code under test.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from service.engines.base import Job


@dataclass(frozen=True)
class Call:
    """One `generate` call: the role the pipeline asked the engine for, the texts and the job."""

    role: str
    texts: tuple[str, ...]
    job: Job


@dataclass
class Calls:
    """Every recorded call, in order (calls from the two target threads interleave)."""

    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def roles(self) -> list[str]:
        """Roles that generated anything, in first-use order."""
        return list(dict.fromkeys(call.role for call in self.calls))

    def of(self, role: str) -> list[Call]:
        return [call for call in self.calls if call.role == role]

    def texts(self, role: str) -> list[str]:
        """Every text the `role` engine was given, in order."""
        return [text for call in self.of(role) for text in call.texts]

    def batches(self, role: str) -> list[tuple[str, ...]]:
        return [call.texts for call in self.of(role)]

    def repeated(self, role: str) -> dict[str, int]:
        """Texts the `role` engine was given more than once (should be empty: the cache)."""
        return {text: n for text, n in Counter(self.texts(role)).items() if n > 1}

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


class RecordingEngine:
    """An engine that records each `generate` call and passes everything through."""

    def __init__(self, engine, role: str, calls: Calls):
        self._engine = engine
        self._role = role
        self._calls = calls
        self.label = engine.label
        self.max_input_tokens = engine.max_input_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._engine.count_tokens(texts)

    def generate(self, texts: Sequence[str], job: Job) -> list[str]:
        self._calls.add(Call(self._role, tuple(texts), job))
        return self._engine.generate(texts, job)

    def __getattr__(self, name: str):  # family, tokenizer, ... of the wrapped engine
        return getattr(self._engine, name)


@contextmanager
def recording(pipeline) -> Iterator[Calls]:
    """Record every engine call `pipeline` makes inside the block (the pipeline may be shared)."""
    calls = Calls()
    original = pipeline.engine
    nested = "engine" in vars(pipeline)  # already wrapped by an outer `recording`

    def engine(role: str):
        return RecordingEngine(original(role), role, calls)

    pipeline.engine = engine
    try:
        yield calls
    finally:
        if nested:
            pipeline.engine = original
        else:
            del pipeline.engine
