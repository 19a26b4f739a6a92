"""Turn "could not load a model" into a message a user can act on.

Loading can fail for many reasons (no network, offline mode with an empty cache, a wrong id, a
private repository, broken files); the raw exceptions are long and differ between libraries. Users
get one sentence: which role, which model, why in short, and the command that fixes the usual case.

On a Hugging Face Space that command means nothing to the owner (there is no shell there), so when
the process runs on one (`set_space`, from `Settings.space_id`) the hint names what a Space owner
can do instead: check `preload_from_hub` and the build log, restart the Space.

A Hub model that failed to load is remembered for `REMEMBER_FAILURE_S` seconds: loading it again
meanwhile raises the same message at once. Without this, every request needing a model the Hub
cannot deliver would wait for huggingface_hub's retries (~23 s) before failing; the web backend
retries in the background instead and calls `forget_failure` when the model can be had.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from service.errors import ModelUnavailable
from service.models.sets import ModelSpec

T = TypeVar("T")

#: How long a Hub model's failure is answered from memory before loading it is tried again.
REMEMBER_FAILURE_S = 120.0
_failures: dict[tuple[str | None, str | None], tuple[float, str]] = {}  # (model, revision) -> (when, reason)
_failures_lock = threading.Lock()
_space_id: str | None = None


def set_space(space_id: str | None) -> None:
    """Word load failures for the Hugging Face Space `space_id` (None: not on a Space)."""
    global _space_id
    _space_id = space_id


def space_hint() -> str:
    return (
        "on this Space, check that README's `preload_from_hub` lists it and that the Space's build log "
        "shows it downloaded, then restart the Space (Settings, Restart; a factory rebuild downloads again)"
    )


def fetch_hint(model_set: str) -> str:
    """The command that downloads `model_set` (the set the failing spec came from, not the environment's);
    on a Space, what its owner can do instead (`space_hint`)."""
    if _space_id is not None:
        return space_hint()
    return f"download it with `python -m service models fetch {model_set}` on a machine with network access"


def is_hub_model(spec: ModelSpec) -> bool:
    model = spec.model
    if not model:
        return False
    return not os.path.isabs(model) and not model.startswith((".", "~"))


def remembered_failure(spec: ModelSpec) -> str | None:
    """The short reason `spec`'s Hub model failed less than `REMEMBER_FAILURE_S` seconds ago, else None."""
    with _failures_lock:
        entry = _failures.get((spec.model, spec.revision))
    if entry is None or time.monotonic() - entry[0] >= REMEMBER_FAILURE_S:
        return None
    return entry[1]


def remember_failure(spec: ModelSpec, reason: str) -> None:
    """Record (or refresh) that `spec`'s model cannot be loaded now."""
    if is_hub_model(spec):
        with _failures_lock:
            _failures[(spec.model, spec.revision)] = (time.monotonic(), reason)


def forget_failure(spec: ModelSpec) -> None:
    """Let the next load of `spec`'s model try again (it has become available, or a retry is due)."""
    with _failures_lock:
        _failures.pop((spec.model, spec.revision), None)


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
    remembered = remembered_failure(spec)
    if remembered is not None:
        raise _unavailable(spec, f"{remembered}; not retried yet")
    try:
        return load()
    except Exception as exc:
        reason = short_reason(exc)
        remember_failure(spec, reason)
        raise _unavailable(spec, reason) from exc


def _unavailable(spec: ModelSpec, reason: str) -> ModelUnavailable:
    where = "local folder" if spec.model and os.path.isabs(spec.model) else "model"
    hint = "check the folder" if where == "local folder" else fetch_hint(spec.model_set)
    return ModelUnavailable(
        f"The {spec.role} {where} {spec.model!r} could not be loaded ({reason}); {hint}.",
        role=spec.role,
        model=spec.model,
    )
