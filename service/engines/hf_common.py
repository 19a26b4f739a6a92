"""What the transformers and CTranslate2 engines share: limits and decoding settings of a HF model.

Both engines read the same Hugging Face config, tokenizer and generation settings, and must stop at
the same length and force the same language token, so the arithmetic lives here once. The
CTranslate2 engine then maps the resulting HF `generate` keyword arguments onto its own options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from service.engines.base import Job, translation_token_budget
from service.engines.batching import DEFAULT_BATCH_TOKENS, run_batched
from service.errors import ModelSetError
from service.models.families import Family

#: Models whose tokenizer claims no real limit and whose config has no position table (T5).
FALLBACK_MAX_INPUT = 512
#: Output cap for models without learned decoder positions (T5's relative positions have none).
FALLBACK_MAX_OUTPUT = 1024
#: Role settings from the model set that are passed straight to decoding.
GENERATION_SETTINGS = ("num_beams", "no_repeat_ngram_size", "repetition_penalty", "length_penalty")


def model_input_limit(config: Any, tokenizer: Any, override: int | None = None) -> int:
    """The longest input the model can read, from its config and tokenizer (or the model set)."""
    if override:
        return int(override)
    candidates = [FALLBACK_MAX_INPUT]
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        candidates = [positions]
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:
        candidates.append(tok_limit)
    return min(candidates)


def model_output_limit(config: Any) -> int:
    """Longest output: learned decoder positions cap it (T5's relative positions do not)."""
    positions = getattr(config, "max_position_embeddings", None)
    return positions - 2 if isinstance(positions, int) and positions > 2 else FALLBACK_MAX_OUTPUT


def generation_kwargs(
    job: Job,
    longest_source: int,
    *,
    family: Family,
    max_output_tokens: int,
    token_id: Callable[[str], int],
) -> dict[str, Any]:
    """HF `generate` keyword arguments for `job` (greedy unless the role sets `num_beams`).

    Everything not set here comes from the model's own `generation_config` (BART's forced BOS/EOS,
    Marian's banned pad token, a summariser's `min_length`...); the CTranslate2 engine merges the
    two the same way `generate` does before mapping them.
    """
    kwargs: dict[str, Any] = {"do_sample": False, "num_beams": 1}
    kwargs.update({k: job.generation[k] for k in GENERATION_SETTINGS if k in job.generation})
    wanted = translation_token_budget(longest_source, job) if job.task == "translate" else job.max_new_tokens
    kwargs["max_new_tokens"] = min(wanted, max_output_tokens)
    if job.min_new_tokens:
        kwargs["min_new_tokens"] = min(job.min_new_tokens, kwargs["max_new_tokens"])
    target = family.target_token(job.target, job.task)
    if target:
        kwargs["forced_bos_token_id"] = token_id(target)
    return kwargs


class HFTokenizedEngine:
    """The part of an engine that reads a Hugging Face tokenizer: token counts, prompts, batching,
    language-token ids and the decoding settings. Subclasses set `tokenizer`, `_vocab`, `family`,
    `label`, `max_output_tokens` and `_lock`, and implement `_generate_batch` for their runtime."""

    tokenizer: Any
    _vocab: dict[str, int]
    family: Family
    label: str
    max_output_tokens: int
    _lock: Any

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        with self._lock:
            encoded = self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
        return [len(ids) for ids in encoded]

    def generate(self, texts: Sequence[str], job: Job) -> list[str]:
        if not texts:
            return []
        prepared = [
            self.family.prepare_source(
                t, task=job.task, source=job.source, target=job.target, vocab=self._vocab
            )
            for t in texts
        ]
        lengths = self.count_tokens(prepared)
        batch_tokens = int(job.generation.get("batch_tokens", DEFAULT_BATCH_TOKENS))
        # Both engines batch the same way: a translation's length budget depends on the longest
        # source in its batch, so equal batches give equal budgets (and equal outputs).
        return run_batched(
            prepared, lengths, lambda batch, lens: self._generate_batch(batch, lens, job), batch_tokens
        )

    def token_id(self, token: str) -> int:
        """Id of a language token; a missing one is a configuration error, not silent `<unk>`."""
        token_id = self._vocab.get(token)
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            raise ModelSetError(f"{self.label}: the vocabulary has no language token {token!r}")
        return token_id

    def generation_kwargs(self, job: Job, longest_source: int) -> dict[str, Any]:
        """The HF `generate` arguments for this job (the CTranslate2 engine maps them onto its own)."""
        return generation_kwargs(
            job,
            longest_source,
            family=self.family,
            max_output_tokens=self.max_output_tokens,
            token_id=self.token_id,
        )

    def _generate_batch(self, texts: list[str], lengths: list[int], job: Job) -> list[str]:
        raise NotImplementedError
