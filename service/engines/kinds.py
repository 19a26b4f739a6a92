"""Which engine runs a model spec (`auto` resolved), without importing any engine.

Its own module so that engines (CTranslate2's ahead-of-time conversion) can ask it without importing
the registry in `service.engines`, which imports them: no cycle.
"""

from __future__ import annotations

import importlib.util

from service.models.sets import ModelSpec


def ctranslate2_available() -> bool:
    return (
        importlib.util.find_spec("ctranslate2") is not None
        and importlib.util.find_spec("service.engines.ctranslate2") is not None
    )


def engine_kind(spec: ModelSpec) -> str:
    """The engine that will actually run `spec`: `auto` prefers CTranslate2 when it is installed."""
    if spec.engine != "auto":
        return spec.engine
    return "ctranslate2" if ctranslate2_available() else "transformers"
