"""CTranslate2 conversions: where a model comes from, where its conversion is kept, and converting it.

A HF model (Hub id or local folder) is converted once with CTranslate2's `TransformersConverter`
into `<cache dir>/ctranslate2/<model>@<revision>-<quantization>-ct2v<major>` and reused afterwards
(the cache dir is `EngineSettings.cache_dir`: `/data/service` on a Space with persistent storage,
else `~/.cache/service`). A conversion is written beside its final place and renamed when complete,
and a file lock makes concurrent processes wait for one conversion. `prepare_model_set` converts a
whole set ahead of time (`python -m service models fetch`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from service.engines.loading import load_or_explain
from service.errors import ModelSetError
from service.models.sets import ModelSet
from service.settings import EngineSettings, default_cache_dir

#: Quantizations the converter accepts; a model set's `compute_type` must be one of them.
QUANTIZATIONS = (
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)
#: Files of a local model folder whose sizes and times identify its revision.
_IGNORED_SUFFIXES = (".lock", ".tmp", ".md")
#: How many conversions this process has run (tests check that a cached model is not reconverted).
conversions = 0
_conversion_lock = threading.Lock()


# -- where models come from and where their conversions go ------------------------------------------


@dataclass(frozen=True)
class ModelSource:
    """A HF model as a local folder plus what identifies its exact weights."""

    model: str  # as the model set names it (Hub id or absolute folder)
    path: Path  # local folder holding config, tokenizer and weights
    revision: str  # Hub commit hash, or a fingerprint of a local folder's files


def cache_root(base: Path | None = None) -> Path:
    """Where converted models live: `<base>/ctranslate2`, base being `EngineSettings.cache_dir`."""
    return (base if base is not None else default_cache_dir()) / "ctranslate2"


def folder_fingerprint(folder: Path) -> str:
    """Hash of the names, sizes and modification times of a folder's files (config, weights, vocab)."""
    digest = hashlib.sha256()
    for item in sorted(folder.iterdir()):
        if item.is_file() and not item.name.endswith(_IGNORED_SUFFIXES):
            stat = item.stat()
            digest.update(f"{item.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def resolve_source(model: str, revision: str | None = None) -> ModelSource:
    """The local folder of a model: the folder itself, or its snapshot in the Hugging Face cache.

    A Hub model already in the cache is used as is (this also works with `HF_HUB_OFFLINE=1`);
    otherwise it is downloaded with the same file filters as `python -m service models fetch`.
    """
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(f"no config.json in {folder}")
        return ModelSource(model, folder.resolve(), folder_fingerprint(folder))
    if model.startswith((".", "/", "~")):
        raise FileNotFoundError(f"no such folder {folder}")
    from service.models.fetch import locate_model

    path = Path(locate_model(model, revision))
    return ModelSource(model, path, path.name)  # snapshots/<commit hash>


def cache_key(source: ModelSource, quantization: str) -> str:
    """Folder name of a conversion: readable model name, revision, quantization, CT2 major version."""
    import ctranslate2

    folder = Path(source.model).expanduser()
    if folder.is_absolute() or folder.is_dir():
        where = hashlib.sha256(str(source.path).encode()).hexdigest()[:8]
        name = f"{source.path.name}-{where}"
    else:
        name = source.model.replace("/", "--")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]
    major = ctranslate2.__version__.split(".")[0]
    return f"{name}@{source.revision[:16]}-{quantization}-ct2v{major}"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive lock between processes (and threads) converting the same model."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename below still prevents corruption
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_complete(folder: Path) -> bool:
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def convert_model(
    source: ModelSource,
    quantization: str,
    report: Callable[[str], None] | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """The CTranslate2 conversion of `source`, converted now only if it is not cached yet.

    The conversion is written into a temporary folder beside its final place and renamed when
    complete, so a crash never leaves a half-written model under the final name; a file lock makes
    concurrent processes wait for one conversion instead of repeating it.
    """
    global conversions
    root = cache_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    key = cache_key(source, quantization)
    final = root / key
    if _is_complete(final):
        return final
    with _file_lock(root / f".{key}.lock"):
        if _is_complete(final):  # another process finished while we waited
            return final
        for stale in root.glob(f".{key}.tmp-*"):  # left by a crashed conversion; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists():  # incomplete or damaged: move it aside before replacing it
            shutil.rmtree(final, ignore_errors=True)
        if report:
            report(f"Converting {source.model} to CTranslate2 ({quantization}) ...")
        work = Path(tempfile.mkdtemp(prefix=f".{key}.tmp-", dir=root))
        try:
            start = time.perf_counter()
            _converter(source.path).convert(str(work), quantization=quantization, force=True)
            info = {
                "model": source.model,
                "revision": source.revision,
                "quantization": quantization,
                "source_path": str(source.path),
                "seconds": round(time.perf_counter() - start, 2),
            }
            (work / "service.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
            os.replace(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        with _conversion_lock:
            conversions += 1
        if report:
            report(f"  converted in {info['seconds']} s: {final}")
    return final


def conversion_stamp(folder: Path) -> tuple[int, int] | None:
    try:
        stat = (folder / "model.bin").stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def discard_conversion(folder: Path, stamp: tuple[int, int] | None) -> None:
    """Remove a damaged conversion, unless another process has replaced it meanwhile."""
    with _file_lock(folder.parent / f".{folder.name}.lock"):
        if folder.exists() and conversion_stamp(folder) == stamp:
            aside = folder.with_name(f".{folder.name}.tmp-broken-{os.getpid()}")
            os.replace(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)


def _converter(path: Path) -> Any:
    """CTranslate2's HF converter, made to accept BART configs that lack `normalize_before`."""
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            config = kwargs.get("config")
            if config is not None and not hasattr(config, "normalize_before"):
                config.normalize_before = False  # HF BART is post-norm; CT2's loader reads this field
            return super().load_model(model_class, model_name_or_path, **kwargs)

    return Converter(str(path), trust_remote_code=False)


def choose_device(compute_type: str | None) -> tuple[str, str]:
    """(device, quantization): int8 on CPU, float16 on a GPU, unless the model set says otherwise."""
    import ctranslate2

    device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type in (None, "", "auto", "default"):
        if device == "cuda":
            return device, "float16"
        return device, "int8" if "int8" in ctranslate2.get_supported_compute_types("cpu") else "float32"
    if compute_type not in QUANTIZATIONS:
        raise ModelSetError(
            f"compute_type {compute_type!r} is not one CTranslate2 knows; choose one of {', '.join(QUANTIZATIONS)}"
        )
    supported = ctranslate2.get_supported_compute_types(device)
    if compute_type not in supported:
        raise ModelSetError(
            f"compute_type {compute_type!r} is not supported on this {device}; "
            f"it supports {', '.join(sorted(supported))}"
        )
    return device, compute_type


# -- ahead-of-time conversion -------------------------------------------------------------------------


def prepare_model_set(
    model_set: ModelSet, report: Callable[[str], None] = print, settings: EngineSettings | None = None
) -> None:
    """Convert every role that runs on CTranslate2 now, so the first request does not wait for it.

    Used by `python -m service models fetch` after downloading. Roles sharing a model are converted
    once; already converted models are only reported. Failures raise `ModelUnavailable`.
    """
    from service.engines.kinds import engine_kind

    cache_dir = settings.cache_dir if settings is not None else None
    done: set[tuple[str | None, str | None, str]] = set()
    for spec in model_set.roles.values():
        if engine_kind(spec) != "ctranslate2" or spec.model is None:
            continue
        _, quantization = choose_device(spec.compute_type)
        key = (spec.model, spec.revision, quantization)
        if key in done:
            continue
        done.add(key)
        model, revision = spec.model, spec.revision
        source = load_or_explain(spec, partial(resolve_source, model, revision))
        before = conversions
        folder = load_or_explain(spec, partial(convert_model, source, quantization, report, cache_dir))
        if conversions == before:
            report(f"{spec.label}: CTranslate2 {quantization} model ready in {folder}")
