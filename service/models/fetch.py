"""Download a model set ahead of time (for Spaces builds, offline machines and faster first runs).

Only the files a PyTorch load needs are fetched (`needed_files`): the config, the generation
settings, the tokenizer's files and one weight format (safetensors where the repository has them,
else `pytorch_model.bin`); TensorFlow/Flax/Rust/ONNX weights, model cards and benchmark zips are not.
A Space's build downloads the same files: README's `preload_from_hub` lists them per model in the
`repo_id file1,file2` form, and `tests/web/test_space.py` checks both lists agree. Failures say in
one line which model failed and why, so "no network" is not a stack trace.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from service.engines.loading import short_reason
from service.models.sets import WEIGHTLESS_ENGINES, ModelSet

NO_NETWORK = "no network connection to the Hugging Face Hub"
#: After the Hub failed to answer, downloads fail at once for this long instead of asking it again.
HUB_RETRY_AFTER_S = 60.0
#: (time.monotonic() of the failure, the model being fetched, short reason without the Hub's URL)
_hub_down: tuple[float, str, str] | None = None
#: huggingface_hub's "Cannot reach https://huggingface.co/api/models/<other model>/tree/…: " prefix:
#: quoted in another model's error it would name the wrong model's address.
_CANNOT_REACH = re.compile(r"^Cannot reach \S+: ")
_hub_lock = threading.Lock()
#: Files of a transformers seq2seq repository that loading it (and converting it) reads, besides weights.
CONFIG_FILES = ("config.json", "generation_config.json")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "source.spm",  # Marian: one SentencePiece model per side
    "target.spm",
    "target_vocab.json",  # Marian with separate vocabularies
    "spiece.model",  # T5
    "sentencepiece.bpe.model",  # NLLB, M2M100
)
#: PyTorch weight formats, preferred first; a sharded checkpoint is its index plus the shards it names.
WEIGHT_FORMATS = (
    ("model.safetensors", "model.safetensors.index.json"),
    ("pytorch_model.bin", "pytorch_model.bin.index.json"),
)


@dataclass
class FetchOutcome:
    model: str
    path: str | None
    error: str | None


def hub_models(model_set: ModelSet) -> list[tuple[str, str | None]]:
    """Unique (model id, revision) pairs that live on the Hub (not local folders, not weightless)."""
    seen: dict[tuple[str, str | None], None] = {}
    for spec in model_set.roles.values():
        if spec.engine in WEIGHTLESS_ENGINES:  # a fake model's name is no Hub id
            continue
        if spec.model and not Path(spec.model).expanduser().exists():
            seen[(spec.model, spec.revision)] = None
    return list(seen)


def needed_files(repo_files: Iterable[str]) -> list[str]:
    """The files of a repository (top level) that a PyTorch load needs, in a stable order.

    One weight format only: safetensors when present (single file or shards), else `pytorch_model.bin`.
    Shards are named `<stem>-00001-of-00002.<ext>` beside their index. Raises `FileNotFoundError` when
    the repository has no config or no PyTorch weights (nothing a load could use).
    """
    present = [f for f in repo_files if "/" not in f]
    names = set(present)
    if "config.json" not in names:
        raise FileNotFoundError("no config.json in the repository")
    weights: list[str] = []
    for single, index in WEIGHT_FORMATS:
        if single in names:
            weights = [single]
        elif index in names:
            stem, ext = single.rsplit(".", 1)
            shards = sorted(f for f in present if f.startswith(f"{stem}-") and f.endswith(f".{ext}"))
            weights = [index, *shards]
        if weights:
            break
    if not weights:
        raise FileNotFoundError(
            "no PyTorch weights (model.safetensors or pytorch_model.bin) in the repository"
        )
    wanted = [f for f in (*CONFIG_FILES, *TOKENIZER_FILES) if f in names]
    return wanted + weights


class HubUnreachable(ConnectionError):
    """The Hub failed to answer a moment ago; not asked again yet (see `HUB_RETRY_AFTER_S`)."""


def is_network_error(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(word in text for word in ("connect", "resolve", "network", "timed out", "timeout", "offline"))


def fetch_model(model: str, revision: str | None = None, *, ask_hub: bool = False) -> str:
    """Download the files `needed_files` picks into the Hugging Face cache; return the local folder.

    When the Hub did not answer within the last `HUB_RETRY_AFTER_S` seconds, raise `HubUnreachable`
    at once instead of asking again (`ask_hub=True` asks anyway: background retries). Without this,
    each model a warm-up or a request tries costs huggingface_hub's five retries with back-off,
    1 + 2 + 4 + 8 + 8 = 23 s (measured with the Hub's address refusing connections).
    """
    from huggingface_hub import list_repo_files, snapshot_download

    global _hub_down
    with _hub_lock:
        down = _hub_down
    if down is not None and not ask_hub:
        since = time.monotonic() - down[0]
        if since < HUB_RETRY_AFTER_S:
            raise HubUnreachable(
                f"the Hub did not answer {since:.0f} s ago, when {down[1]!r} was fetched ({down[2]}); "
                "not retried yet"
            )
    try:
        files = needed_files(list_repo_files(model, revision=revision))
        path = snapshot_download(model, revision=revision, allow_patterns=files)
    except Exception as exc:
        if is_network_error(exc):
            with _hub_lock:
                _hub_down = (time.monotonic(), model, _CANNOT_REACH.sub("", short_reason(exc)))
        raise
    with _hub_lock:
        _hub_down = None
    return path


def locate_model(model: str, revision: str | None = None, *, ask_hub: bool = False) -> str:
    """The local folder of a Hub model: its snapshot in the Hugging Face cache (files preloaded by a
    Space build or fetched before), else downloaded now with `fetch_model`."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model, revision=revision, local_files_only=True)
    except Exception:
        return fetch_model(model, revision, ask_hub=ask_hub)


def explain_failure(model: str, exc: BaseException) -> str:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return f"{model}: not downloaded because HF_HUB_OFFLINE is set; unset it and run again with network access"
    text = f"{type(exc).__name__}: {exc}".lower()
    if is_network_error(exc):
        return f"{model}: {NO_NETWORK} ({short_reason(exc)})"
    if "404" in text or "not found" in text or "repositorynotfound" in text:
        return f"{model}: no such model on the Hugging Face Hub (check the id in the model set)"
    return f"{model}: download failed ({short_reason(exc)})"


def fetch_model_set(
    model_set: ModelSet,
    report: Callable[[str], None] = print,
    after: Callable[[ModelSet], None] | None = None,
) -> list[FetchOutcome]:
    """Fetch every Hub model of a set; `after` runs once all succeeded (e.g. CTranslate2 conversion)."""
    outcomes = []
    offline: str | None = None
    for model, revision in hub_models(model_set):
        if offline:  # one unreachable Hub is enough: do not wait on a time-out for every model
            outcomes.append(FetchOutcome(model, None, f"{model}: not tried, {offline}"))
            continue
        report(f"Fetching {model}{'@' + revision if revision else ''} ...")
        try:
            path = fetch_model(model, revision)
            outcomes.append(FetchOutcome(model, path, None))
            report(f"  ok: {path}")
        except Exception as exc:
            reason = explain_failure(model, exc)
            outcomes.append(FetchOutcome(model, None, reason))
            report(f"  failed: {reason}")
            if NO_NETWORK in reason:
                offline = NO_NETWORK
    if after is not None and all(o.error is None for o in outcomes):
        after(model_set)
    return outcomes
