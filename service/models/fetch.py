"""Download a model set ahead of time (for Spaces builds, offline machines and faster first runs).

Only the files a PyTorch load needs are fetched: TensorFlow/Flax/ONNX weights and benchmark zips
are skipped, and `pytorch_model.bin` is skipped where safetensors exist. Failures say in one line
which model failed and why, so "no network" is not a stack trace.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.engines.loading import short_reason
from service.models.sets import WEIGHTLESS_ENGINES, ModelSet

NO_NETWORK = "no network connection to the Hugging Face Hub"
SKIP_PATTERNS = ["*.h5", "*.msgpack", "*.ot", "tf_*", "flax_*", "rust_model*", "*.onnx", "onnx/*", "*.zip"]


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


def fetch_model(model: str, revision: str | None = None) -> str:
    """Download one model into the Hugging Face cache and return its local folder."""
    from huggingface_hub import list_repo_files, snapshot_download

    ignore = list(SKIP_PATTERNS)
    files = list_repo_files(model, revision=revision)
    if any(f.endswith(".safetensors") for f in files):
        ignore.append("*.bin")
    return snapshot_download(model, revision=revision, ignore_patterns=ignore)


def explain_failure(model: str, exc: BaseException) -> str:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return f"{model}: not downloaded because HF_HUB_OFFLINE is set; unset it and run again with network access"
    text = f"{type(exc).__name__}: {exc}".lower()
    if any(word in text for word in ("connect", "resolve", "network", "timed out", "timeout", "offline")):
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
