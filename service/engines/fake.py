"""A deterministic fake engine for wiring tests. TEST ONLY: it never translates or summarises.

Random-weight tiny models write Hangul and kana into *both* target languages, so a test cannot tell
from their output whether the Korean slot holds the Korean translation or which model produced it.
This engine's output names what ran and what it was given instead:

- translation: `[<model>] <input>`, where `<model>` is the set's model name for the role (`en-ko`,
  `ja-en`, ...), or, when the role gives no model (one engine serving every direction, like NLLB),
  the direction of the job (`[en-ko] ...`);
- summary: `[summary] ` followed by the first `job.sentences` sentences of the input.

So a test can assert that the Korean slot of a segment is exactly `[en-ko] <its English sentence>`,
that every English sentence of a Japanese article starts with `[ja-en] `, and so on.

It is selected like any other engine, through a model set (`engine = "fake"`); `write_fake_model_set`
writes one. Such a set carries a `licence_warning` that every result repeats, so a server started
on it by mistake says on every answer that its output is not real. Token counts are one per Latin
word or digit run and one per other non-space character (each Hangul syllable, kana or kanji), and
`max_input_tokens` (default 512) can be set per role, so chunking is exercised with small windows,
`delay_s` (default 0) makes each call of a role take that long, so a test can watch what a page
shows while a slow model is still working, and `summary_sentences` (default: the job's
`sentences`) makes the summariser a condensing one that keeps that many sentences of each input
whatever the length preset, so map-reduce tests reach its second and later rounds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

from service.engines.base import Job
from service.models.sets import ROLES, ModelSpec
from service.text.segment import split_paragraphs, split_sentences

#: Window used when the role does not set `max_input_tokens`.
DEFAULT_MAX_INPUT_TOKENS = 512
#: The warning every result of a fake model set carries (`Result.warnings`).
FAKE_WARNING = "Test engine: these outputs are labelled copies of the input, not translations or summaries."
_TOKEN = re.compile(r"[A-Za-z0-9]+|\S")


class FakeEngine:
    """Labels its input with the role (or direction) instead of running a model; see the module doc."""

    def __init__(self, spec: ModelSpec | None = None):
        self.model = spec.model if spec is not None else None
        self.label = spec.label if spec is not None else "fake"
        generation = spec.generation if spec is not None else {}
        self.max_input_tokens = int(generation.get("max_input_tokens", DEFAULT_MAX_INPUT_TOKENS))
        self.delay_s = float(generation.get("delay_s", 0))
        #: Sentences each summary keeps; None: the job's `sentences` (the length preset).
        self.summary_sentences: int | None = generation.get("summary_sentences")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_TOKEN.findall(text)) for text in texts]

    def generate(self, texts: Sequence[str], job: Job) -> list[str]:
        too_long = [n for n in self.count_tokens(texts) if n > self.max_input_tokens]
        if too_long:  # a real model would silently truncate: make that a loud failure instead
            raise ValueError(
                f"fake engine given {too_long[0]} tokens, over its window of {self.max_input_tokens}"
            )
        time.sleep(self.delay_s)
        if job.task == "summarise":
            wanted = job.sentences if self.summary_sentences is None else self.summary_sentences
            return [self._summary(text, wanted) for text in texts]
        if job.task != "translate":
            raise ValueError(f"fake engine: unknown task {job.task!r}")
        tag = self.model or f"{job.source}-{job.target}"
        return [f"[{tag}] {text}" for text in texts]

    @staticmethod
    def _summary(text: str, wanted: int) -> str:
        sentences = [s for p in split_paragraphs(text) for s in split_sentences(p, "en")]
        return "[summary] " + " ".join(sentences[:wanted])


def fake_roles(
    *,
    shared: bool = False,
    max_input_tokens: int | None = None,
    delays: dict[str, float] | None = None,
    summary_sentences: int | None = None,
) -> dict[str, dict]:
    """Role tables for a fake set: one named model per role, or (`shared`) one for all of them;
    `delays`: seconds per call, by role; `summary_sentences`: a condensing summariser that keeps that
    many sentences of each input."""
    roles: dict[str, dict] = {}
    for role in ROLES:
        table: dict = {"engine": "fake"}
        if not shared:
            table["model"] = "summary" if role == "summarise" else role
        if max_input_tokens is not None:
            table["max_input_tokens"] = max_input_tokens
            # The engine registry shares one engine per model and revision, not per window.
            table["revision"] = f"window-{max_input_tokens}"
        if delays and role in delays:
            table["delay_s"] = float(delays[role])
            table["revision"] = f"{table.get('revision', 'fake')}-delay-{delays[role]}"
        if summary_sentences is not None and role == "summarise":
            table["summary_sentences"] = summary_sentences
            table["revision"] = f"{table.get('revision', 'fake')}-condensing-{summary_sentences}"
        roles[role] = table
    return roles


def write_fake_model_set(
    path: str | Path,
    *,
    shared: bool = False,
    max_input_tokens: int | None = None,
    delays: dict[str, float] | None = None,
) -> Path:
    """Write a fake model-set TOML to `path` (for `--models`, `SERVICE_MODELS`, `Pipeline(models=)`)."""
    path = Path(path)
    name = "fake-shared" if shared else "fake"
    lines = [
        "# TEST ONLY: the fake engine labels its input instead of translating it (service/engines/fake.py).",
        f'name = "{name}"',
        'description = "Fake engine for wiring tests: outputs name the model that ran and its input"',
        f'licence_warning = "{FAKE_WARNING}"',
    ]
    roles = fake_roles(shared=shared, max_input_tokens=max_input_tokens, delays=delays)
    for role, table in roles.items():
        lines += ["", f"[roles.{role}]"]
        lines += [
            f"{key} = {value!r}" if isinstance(value, (int, float)) else f'{key} = "{value}"'
            for key, value in table.items()
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
