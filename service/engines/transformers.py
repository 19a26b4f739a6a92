"""Run any Hugging Face encoder-decoder through transformers 5 (`AutoModelForSeq2SeqLM.generate`).

transformers 5 removed the summarization/translation pipelines, so this is the thin replacement:
tokenize, `generate` with explicit settings, decode. Family differences (prompts, language tokens)
come from `service.models.families`; nothing here knows a model by name. The same code loads a Hub id and
a local folder, so tests on tiny local models exercise exactly what users run.
"""

from __future__ import annotations

import threading

from service.engines.base import PROMPT_MARGIN, Job
from service.engines.hf_common import (
    FALLBACK_MAX_INPUT,
    HFTokenizedEngine,
    model_input_limit,
    model_output_limit,
)
from service.engines.loading import load_or_explain
from service.engines.locks import MODEL_ACCESS
from service.errors import ModelSetError
from service.models.families import Family, resolve_family
from service.models.sets import ModelSpec

__all__ = ["FALLBACK_MAX_INPUT", "TransformersEngine", "model_input_limit"]


class TransformersEngine(HFTokenizedEngine):
    """A seq2seq model in PyTorch. Thread-safe: one lock serialises use of the shared tokenizer."""

    def __init__(self, spec: ModelSpec):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # Progress bars and "sequence longer than the maximum" notes are noise here: we count tokens
        # of long texts on purpose, precisely so that nothing is ever truncated.
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        if spec.model is None:
            raise ModelSetError(f"role {spec.role}: the transformers engine needs a model")
        self.label = spec.label
        self._torch = torch
        model = spec.model
        if model is None:
            raise ModelSetError(f"role {spec.role}: the transformers engine needs a model")
        kwargs = {"revision": spec.revision, "trust_remote_code": False}
        self.tokenizer = load_or_explain(spec, lambda: AutoTokenizer.from_pretrained(model, **kwargs))
        self.model = load_or_explain(spec, lambda: AutoModelForSeq2SeqLM.from_pretrained(model, **kwargs))
        self.model.eval()
        vocab = self.tokenizer.get_vocab()
        self._vocab = vocab
        self.family: Family = resolve_family(
            getattr(self.model.config, "model_type", ""), vocab.__contains__, spec.family
        )
        limit = model_input_limit(self.model.config, self.tokenizer, spec.generation.get("max_input_tokens"))
        self._model_limit = limit
        # Learned decoder positions cap the output length too (T5's relative positions do not).
        self.max_output_tokens = model_output_limit(self.model.config)
        self.max_input_tokens = max(8, limit - PROMPT_MARGIN)
        self._lock = threading.Lock()

    def _generate_batch(self, texts: list[str], lengths: list[int], job: Job) -> list[str]:
        torch = self._torch
        kwargs = self.generation_kwargs(job, max(lengths))
        with MODEL_ACCESS.read(), self._lock:
            source_code = self.family.source_code(job.source)
            if source_code is not None:
                self.tokenizer.src_lang = source_code
            encoded = self.tokenizer(
                texts, return_tensors="pt", padding=True, truncation=True, max_length=self._model_limit
            )
            with torch.inference_mode():
                output = self.model.generate(**encoded, **kwargs)
            decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        return [" ".join(text.split()) for text in decoded]
