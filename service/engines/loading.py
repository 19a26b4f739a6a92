"""Turn "could not load a model" into a message a user can act on.

Loading can fail for many reasons (no network, offline mode with an empty cache, a wrong id, a
private repository, broken files); the raw exceptions are long and differ between libraries. Users
get one sentence: which role, which model, why in short, and the command that fixes the usual case.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from service.errors import ModelUnavailable
from service.models.sets import ModelSpec

T = TypeVar("T")


def fetch_hint(model_set: str) -> str:
    """The command that downloads `model_set` (the set the failing spec came from, not the environment's)."""
    return f"download it with `python -m service models fetch {model_set}` on a machine with network access"


def short_reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 240 else text[:237] + "..."


def load_or_explain(spec: ModelSpec, load: Callable[[], T]) -> T:
    """Run `load`; on failure raise `ModelUnavailable` naming the role, the model and the fix.

    A local folder that does not exist is said so before loading: the Hub client would otherwise
    take the absolute path for a repo id and answer "Repo id must be in the form ...", which
    names neither the folder nor the problem."""
    if spec.model and os.path.isabs(spec.model) and not os.path.exists(spec.model):
        raise ModelUnavailable(
            f"The {spec.role} local folder {spec.model!r} does not exist; check the path in the model set.",
            role=spec.role,
            model=spec.model,
        )
    try:
        return load()
    except Exception as exc:
        where = "local folder" if spec.model and os.path.isabs(spec.model) else "model"
        hint = "check the folder" if where == "local folder" else fetch_hint(spec.model_set)
        raise ModelUnavailable(
            f"The {spec.role} {where} {spec.model!r} could not be loaded ({short_reason(exc)}); {hint}.",
            role=spec.role,
            model=spec.model,
        ) from exc
