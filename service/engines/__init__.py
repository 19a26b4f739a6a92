"""Engines and the process-wide registry that loads each model once.

Models are expensive (seconds to load, hundreds of MB): the registry keeps one engine per model and
settings for the life of the process, loads it on first use, and makes concurrent first requests
wait for a single load instead of loading twice. Roles that share a model (NLLB serving all four
directions) share one engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from service.engines.base import Engine, Job
from service.engines.kinds import ctranslate2_available, engine_kind
from service.engines.locks import MODEL_ACCESS
from service.models.sets import ModelSpec
from service.settings import EngineSettings

__all__ = ["Engine", "Job", "clear_engines", "ctranslate2_available", "engine_kind", "load_engine"]


def _transformers(spec: ModelSpec, settings: EngineSettings) -> Engine:
    from service.engines.transformers import TransformersEngine

    return TransformersEngine(spec)


def _ctranslate2(spec: ModelSpec, settings: EngineSettings) -> Engine:
    from service.engines.ctranslate2 import CTranslate2Engine

    return CTranslate2Engine(spec, settings)


def _extractive(spec: ModelSpec, settings: EngineSettings) -> Engine:
    from service.engines.extractive import ExtractiveEngine

    return ExtractiveEngine(spec)


def _fake(spec: ModelSpec, settings: EngineSettings) -> Engine:
    """Test only: labels its input instead of translating it (see service.engines.fake)."""
    from service.engines.fake import FakeEngine

    return FakeEngine(spec)


FACTORIES: dict[str, Callable[[ModelSpec, EngineSettings], Engine]] = {
    "transformers": _transformers,
    "ctranslate2": _ctranslate2,
    "extractive": _extractive,
    "fake": _fake,
}


_engines: dict[tuple, Engine] = {}
_loading: dict[tuple, threading.Lock] = {}
_registry_lock = threading.Lock()


def load_engine(spec: ModelSpec, settings: EngineSettings | None = None) -> Engine:
    """The engine for `spec`, loaded on first use and shared afterwards."""
    settings = settings or EngineSettings()
    kind = engine_kind(spec)
    # The window is fixed when an engine loads: sets naming one model with different windows get one
    # engine each (batching and decoding settings travel with each job instead).
    window = spec.generation.get("max_input_tokens")
    key = (kind, spec.model, spec.revision, spec.family, spec.compute_type, window, settings)
    engine = _engines.get(key)
    if engine is not None:
        return engine
    with _registry_lock:
        lock = _loading.setdefault(key, threading.Lock())
    with lock:
        engine = _engines.get(key)
        if engine is None:
            with MODEL_ACCESS.write():
                engine = FACTORIES[kind](spec, settings)
            _engines[key] = engine
    return engine


def clear_engines() -> None:
    """Forget loaded engines (tests, or freeing memory after switching model sets)."""
    with _registry_lock:
        _engines.clear()
        _loading.clear()
