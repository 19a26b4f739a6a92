"""Run any Hugging Face encoder-decoder through CTranslate2 (int8 on CPU, float16 on a GPU).

The HF model (Hub id or local folder) is converted once with CTranslate2's `TransformersConverter`
into a cache folder keyed by the model, its revision and the quantization, and reused afterwards.
Tokenization stays with the HF tokenizer, and family handling (prompts, `>>kor<<` prefixes,
`src_lang`, forced language tokens) with `service.models.families`, exactly as in the transformers
engine. Decoding settings are computed once, as the HF `generate` keyword arguments the
transformers engine would use merged with the model's `generation_config`, and then mapped onto
CTranslate2's options, so both engines produce the same tokens under greedy decoding
(`tests/test_ctranslate2.py` checks this for all five families).

HF `generate`                           CTranslate2 `translate_batch`
--------------------------------------  ------------------------------------------------------------
forced_bos_token_id (BART `<s>`, NLLB   target_prefix=[[token]]; the prefix is stripped from the
  `kor_Hang`, M2M100 `__ko__`)            hypothesis again
max_new_tokens N (counts the forced     max_decoding_length = N, minus 1 when the model forces EOS
  BOS; forced_eos_token_id makes the      (CT2 counts the prefix but simply stops at the limit, where
  N-th token EOS)                          HF spends the last step on the forced EOS)
min_new_tokens M, min_length L (the     min_decoding_length = max(M, L - 1), capped by the maximum
  latter counts the decoder start)
bad_words_ids, suppress_tokens          suppress_sequences (tokens absent from the CT2 vocabulary,
                                          like Marian's `<pad>`, cannot be generated anyway)
eos_token_id (one or several)           end_token
num_beams, length_penalty,              beam_size, length_penalty, no_repeat_ngram_size,
  no_repeat_ngram_size,                   repetition_penalty (same definitions)
  repetition_penalty
do_sample=False                         sampling_topk=1 (the default)
tokenizer truncation at the model's     max_input_length=0 (CT2 would otherwise cut at 1024 tokens)
  window

Known differences, outside greedy parity: HF also counts the decoder start token in the history that
`repetition_penalty` and `no_repeat_ngram_size` look at (it matters only where the model can generate
that token: EOS for BART/M2M100/NLLB under `repetition_penalty`); beam search finishes and
length-normalises hypotheses slightly differently, so beams may pick different outputs.

Threads: the summariser gets every core in one worker, translators two workers of half the cores
(see `thread_counts`); the cache lives in `$SERVICE_CACHE_DIR/ctranslate2` (default
`/data/service/ctranslate2` on a Space with persistent storage, else `~/.cache/service/ctranslate2`,
see `service.settings.default_cache_dir`), one folder per model, revision and quantization.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.engines.base import PROMPT_MARGIN, Job
from service.engines.ct2_cache import (
    choose_device,
    conversion_stamp,
    convert_model,
    discard_conversion,
    resolve_source,
)
from service.engines.hf_common import HFTokenizedEngine, model_input_limit, model_output_limit
from service.engines.loading import load_or_explain
from service.errors import ModelSetError
from service.models.families import Family, resolve_family
from service.models.sets import ModelSpec
from service.settings import EngineSettings

# -- device, quantization and threads ---------------------------------------------------------------


def physical_cores() -> int:
    """Cores this process may run on, counting SMT siblings once."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return max(1, (os.cpu_count() or 2) // 2)
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
            cores.add((package, core))
        except OSError:
            cores.add(("cpu", str(cpu)))
    return max(1, len(cores))


#: Models at least this wide (d_model) gain from intra-op threads, like the summariser: opus-mt-tc-big
#: (1024), NLLB-600M (1024); Marian base (512) does not.
WIDE_MODEL = 1024


def thread_counts(
    role: str | None = None,
    device: str = "cpu",
    settings: EngineSettings | None = None,
    width: int | None = None,
) -> tuple[int, int]:
    """(intra_threads, inter_threads) for the model serving `role`, from the cores of this process.

    Measured on 2 cores (benchmarks/NOTES.md): the summariser (BART, 1024-dim, beam 4) runs alone and
    gains from intra-op threads (2 threads: 1.45x faster than 1), so it gets every core in one
    worker. Marian-size translators gain nothing from a second intra-op thread (decoder steps are too
    small), but a lot from running batches in parallel workers: one call split over 2 workers is
    1.5x faster, and the two targets the pipeline translates at once run side by side. So a
    translator gets 2 workers of cores // 2 threads each: the two targets use cores // 2 each whether
    they are two models (the default set) or one shared model (NLLB), and a call that runs alone
    splits its batch over both workers (see `_solo`). Giving every Marian-base model all cores
    instead oversubscribes the machine when both targets run (4 threads on 2 cores: ~15% slower).
    A wide model (`width` ≥ `WIDE_MODEL`: tc-big en-ko, NLLB) is different: its larger matrices gain
    from intra-op threads, so it gets every core in one worker like the summariser; with tc-big en-ko
    that made the default set's article mode 6-9% faster on 2 quiet cores (translation 6.5-6.8 s
    against 7.2-7.4 s, benchmarks/RESULTS.md, "(c) all cores to every model"). On a GPU
    every model gets one worker (a second worker would hold a second copy of the weights there).
    `settings.ct2_threads` / `ct2_inter_threads` (`SERVICE_CT2_THREADS` / `SERVICE_CT2_INTER_THREADS`)
    override both numbers for every model.
    """
    cores = physical_cores()
    if role == "summarise" or cores < 2 or device != "cpu" or (width or 0) >= WIDE_MODEL:
        intra, inter = cores, 1
    else:
        intra, inter = max(1, cores // 2), 2
    if settings is not None:
        intra = settings.ct2_threads or intra
        inter = settings.ct2_inter_threads or inter
    return max(1, intra), max(1, inter)


#: CTranslate2 calls running in this process: a call alone may spread over all of its workers.
_running = 0
_running_lock = threading.Lock()


@contextlib.contextmanager
def _solo() -> Iterator[bool]:
    """True when no other CTranslate2 call runs in this process at the start of this one."""
    global _running
    with _running_lock:
        _running += 1
        alone = _running == 1
    try:
        yield alone
    finally:
        with _running_lock:
            _running -= 1


# -- the engine -------------------------------------------------------------------------------------


def load_generation_config(path: Path) -> Any:
    """The model's generation settings, found the way `from_pretrained` finds them."""
    from transformers import GenerationConfig

    try:
        return GenerationConfig.from_pretrained(path)
    except OSError:  # older models (distilbart) keep them in config.json
        return GenerationConfig.from_pretrained(path, config_file_name="config.json", _from_model_config=True)


def effective_generation_config(model_config: Any, kwargs: dict[str, Any]) -> Any:
    """`generate`'s own merge: call kwargs > the model's generation_config > global defaults."""
    from transformers import GenerationConfig

    merged = GenerationConfig()
    merged.update(**model_config.to_dict(), defaults_only=True, allow_custom_entries=True)
    defaults = getattr(model_config, "_get_default_generation_params", None)
    if defaults is not None:
        merged.update(**defaults(), defaults_only=True)
    merged.update(**kwargs)
    return merged


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else [int(value)]


class CTranslate2Engine(HFTokenizedEngine):
    """A seq2seq model in CTranslate2. Thread-safe: CTranslate2 queues concurrent calls itself; one
    lock serialises use of the shared HF tokenizer (its `src_lang` is state)."""

    def __init__(self, spec: ModelSpec, settings: EngineSettings | None = None):
        import ctranslate2

        settings = settings or EngineSettings()
        from transformers import AutoConfig, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        model = spec.model
        if model is None:
            raise ModelSetError(f"role {spec.role}: the ctranslate2 engine needs a model")
        self.label = spec.label
        self.device, self.compute_type = choose_device(spec.compute_type)
        source = load_or_explain(spec, lambda: resolve_source(model, spec.revision))
        self.source = source
        self.cache_dir = settings.cache_dir
        self.model_dir = load_or_explain(
            spec, lambda: convert_model(source, self.compute_type, cache_dir=self.cache_dir)
        )
        self.tokenizer = load_or_explain(
            spec, lambda: AutoTokenizer.from_pretrained(source.path, trust_remote_code=False)
        )
        config = load_or_explain(
            spec, lambda: AutoConfig.from_pretrained(source.path, trust_remote_code=False)
        )
        self.config = config
        self.model_generation_config = load_or_explain(spec, lambda: load_generation_config(source.path))
        width = getattr(config, "d_model", None) or getattr(config, "hidden_size", None)
        self.intra_threads, self.inter_threads = thread_counts(spec.role, self.device, settings, width)
        self.translator = load_or_explain(spec, lambda: self._load_translator(ctranslate2))
        # Output token -> id by position in the CT2 vocabulary, which is the model's own id order
        # (also for tokens the tokenizer lacks, like M2M100's `madeupword`s HF decodes as `<unk>`).
        self._target_ids = self._read_target_vocabulary()
        vocab = self.tokenizer.get_vocab()
        self._vocab = vocab
        self.family: Family = resolve_family(
            getattr(config, "model_type", ""), vocab.__contains__, spec.family
        )
        limit = model_input_limit(config, self.tokenizer, spec.generation.get("max_input_tokens"))
        self._model_limit = limit
        self.max_output_tokens = model_output_limit(config)
        self.max_input_tokens = max(8, limit - PROMPT_MARGIN)
        self._lock = threading.Lock()

    def _load_translator(self, ctranslate2: Any) -> Any:
        def load() -> Any:
            return ctranslate2.Translator(
                str(self.model_dir),
                device=self.device,
                compute_type=self.compute_type,
                intra_threads=self.intra_threads,
                inter_threads=self.inter_threads,
            )

        stamp = conversion_stamp(self.model_dir)
        try:
            return load()
        except (RuntimeError, ValueError, OSError):
            # A cached conversion damaged after the fact (disk full, edited by hand): convert again.
            discard_conversion(self.model_dir, stamp)
            self.model_dir = convert_model(self.source, self.compute_type, cache_dir=self.cache_dir)
            return load()

    def _read_target_vocabulary(self) -> dict[str, int]:
        tokens: list[str] = []
        for name in ("target_vocabulary.json", "shared_vocabulary.json"):
            path = self.model_dir / name
            if path.is_file():
                tokens = json.loads(path.read_text(encoding="utf-8"))
                break
        else:
            for name in ("target_vocabulary.txt", "shared_vocabulary.txt"):
                path = self.model_dir / name
                if path.is_file():
                    tokens = path.read_text(encoding="utf-8").splitlines()
                    break
        ids: dict[str, int] = {}
        for index, token in enumerate(tokens):
            ids.setdefault(token, index)
        return ids

    def _token(self, token_id: int) -> str:
        return self.tokenizer.convert_ids_to_tokens(int(token_id))

    def decoding_options(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """CTranslate2 `translate_batch` options and target prefix equivalent to HF `generate(**kwargs)`."""
        gen = effective_generation_config(self.model_generation_config, kwargs)
        prefix = [self._token(gen.forced_bos_token_id)] if gen.forced_bos_token_id is not None else []
        eos_ids = _as_list(gen.eos_token_id)
        max_new = int(gen.max_new_tokens) if gen.max_new_tokens is not None else int(gen.max_length) - 1
        # HF spends the last of its max_new_tokens steps on a forced EOS; CTranslate2 stops at the
        # limit without generating it, so the visible tokens are the same.
        max_length = max(1, max_new - (1 if _as_list(gen.forced_eos_token_id) else 0))
        min_length = 0
        if eos_ids:  # HF only enforces minimum lengths when it knows the EOS token
            min_length = max(int(gen.min_new_tokens or 0), int(gen.min_length or 0) - 1)
        options: dict[str, Any] = {
            "beam_size": int(gen.num_beams or 1),
            "max_decoding_length": max_length,
            "min_decoding_length": min(min_length, max_length),
            "max_input_length": 0,
            "return_scores": False,
        }
        if options["beam_size"] > 1 and gen.length_penalty is not None:
            options["length_penalty"] = float(gen.length_penalty)
        if gen.no_repeat_ngram_size:
            options["no_repeat_ngram_size"] = int(gen.no_repeat_ngram_size)
        if gen.repetition_penalty is not None and gen.repetition_penalty != 1.0:
            options["repetition_penalty"] = float(gen.repetition_penalty)
        if gen.do_sample:
            options["sampling_topk"] = int(gen.top_k or 0)
            options["sampling_temperature"] = float(gen.temperature or 1.0)
            if gen.top_p is not None and gen.top_p < 1.0:
                options["sampling_topp"] = float(gen.top_p)
        suppressed = [list(map(int, ids)) for ids in (gen.bad_words_ids or [])]
        suppressed += [[int(i)] for i in _as_list(gen.suppress_tokens)]
        sequences = [[self._token(i) for i in ids] for ids in suppressed]
        sequences = [s for s in sequences if all(t in self._target_ids for t in s)]
        if sequences:
            options["suppress_sequences"] = sequences
        if eos_ids:
            ends = [self._token(i) for i in eos_ids]
            options["end_token"] = ends if len(ends) > 1 else ends[0]
        return options, prefix

    # -- internals ---------------------------------------------------------------------------------------

    def generate_tokens(self, texts: list[str], lengths: list[int], job: Job) -> list[list[str]]:
        """Output tokens of one batch of prepared texts (target prefix removed, no EOS)."""
        options, prefix = self.decoding_options(self.generation_kwargs(job, max(lengths)))
        with self._lock:
            source_code = self.family.source_code(job.source)
            if source_code is not None:
                self.tokenizer.src_lang = source_code
            encoded = self.tokenizer(texts, truncation=True, max_length=self._model_limit)["input_ids"]
            sources = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        with _solo() as alone:
            # Alone, split the batch so that all workers run; with other calls running (the other
            # target), each call keeps to one worker and the machine is not oversubscribed.
            split = -(-len(sources) // self.inter_threads) if alone and self.inter_threads > 1 else 0
            results = self.translator.translate_batch(
                sources,
                target_prefix=[prefix] * len(sources) if prefix else None,
                max_batch_size=split,
                **options,
            )
        return [result.hypotheses[0][len(prefix) :] for result in results]

    def _generate_batch(self, texts: list[str], lengths: list[int], job: Job) -> list[str]:
        hypotheses = self.generate_tokens(texts, lengths, job)
        unk = self.tokenizer.unk_token_id or 0
        with self._lock:
            decoded = [
                self.tokenizer.decode(
                    [self._target_ids.get(t, unk) for t in tokens], skip_special_tokens=True
                )
                for tokens in hypotheses
            ]
        return [" ".join(text.split()) for text in decoded]
