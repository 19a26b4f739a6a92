"""Model states of the web backend: lazy per-role loading, "preparing models (n of 5)" while warm-up
runs, missing models answered at once from memory and retried in the background, Space wording, and
the conversion cache on a Space's persistent storage."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from service import Pipeline
from service.devtools.tiny import TINY_ROLES, write_model_set
from service.engines import loading
from service.errors import ModelUnavailable
from service.models.sets import ROLES, ModelSpec
from service.settings import Settings, default_cache_dir
from service.web import backend as backend_module
from service.web.backend import Backend
from tests.conftest import ARTICLE_EN

MISSING = "example-org/not-on-this-machine"


def _model_set(tiny_dir: Path, name: str, **replace: str) -> Path:
    roles = {
        role: {"engine": "transformers", "model": f"{tiny_dir}/{family}"}
        for role, family in TINY_ROLES.items()
    }
    for role, model in replace.items():
        roles[role.replace("_", "-")]["model"] = model
    return write_model_set(tiny_dir / f"{name}.toml", name, roles, "tiny models for model-state tests")


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    monkeypatch.setattr(loading, "_failures", {})
    monkeypatch.setattr(loading, "_space_id", None)


def _recording(pipeline: Pipeline, gate: dict[str, threading.Event] | None = None) -> list[str]:
    """Record the roles `pipeline.engine` is asked for (optionally holding a role until its event)."""
    asked: list[str] = []
    engine = pipeline.engine

    def recorded(role: str):
        asked.append(role)
        if gate and role in gate:
            assert gate[role].wait(60)
        return engine(role)

    pipeline.engine = recorded  # type: ignore[method-assign]
    return asked


def test_an_english_article_loads_only_the_models_it_needs(tiny_models):
    pipeline = Pipeline(models=tiny_models)
    asked = _recording(pipeline)
    backend = Backend(pipeline)
    backend.run(ARTICLE_EN, length="short")
    assert set(asked) == {"summarise", "en-ko", "en-ja"}, asked


def test_the_status_line_counts_the_models_being_prepared_with_the_time_so_far(tiny_models):
    pipeline = Pipeline(models=tiny_models)
    gate = {role: threading.Event() for role in ROLES}
    _recording(pipeline, gate)
    backend = Backend(pipeline)
    backend.start_warm_up()
    try:
        for n, role in enumerate(ROLES, start=1):
            deadline = time.monotonic() + 30
            while f"preparing models ({n} of {len(ROLES)}," not in backend.status_line():
                assert time.monotonic() < deadline, backend.status_line()
                time.sleep(0.02)
            assert " s so far" in backend.status_line()
            health = backend.health()
            assert health["status"] == "loading" and health["preparing"]["role"] == role
            assert health["preparing"]["n"] == n and health["preparing"]["seconds"] >= 0
            gate[role].set()
    finally:
        for event in gate.values():
            event.set()
    assert backend.wait_warm_up(60)
    assert "preparing" not in backend.status_line() and "preparing" not in backend.health()
    assert backend.health()["status"] == "ready"


def test_warm_up_waits_while_a_request_runs(tiny_models):
    pipeline = Pipeline(models=tiny_models)
    asked = _recording(pipeline)
    backend = Backend(pipeline)
    with backend._busy():
        backend.start_warm_up()
        time.sleep(0.3)
        assert asked == [] and not backend.warm_up_done
    assert backend.wait_warm_up(60)
    assert asked == list(ROLES)


def test_a_missing_model_is_answered_at_once_from_memory(monkeypatch):
    spec = ModelSpec(role="en-ko", engine="transformers", model=MISSING)
    calls = []

    def load():
        calls.append(1)
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    for _ in range(3):
        with pytest.raises(ModelUnavailable, match="models fetch") as caught:
            loading.load_or_explain(spec, load)
    assert len(calls) == 1 and "not retried yet" in str(caught.value)
    monkeypatch.setattr(loading, "REMEMBER_FAILURE_S", 0.0)
    with pytest.raises(ModelUnavailable):
        loading.load_or_explain(spec, load)
    assert len(calls) == 2


def test_local_folders_are_not_remembered(tmp_path):
    spec = ModelSpec(role="en-ko", engine="transformers", model=str(tmp_path))
    calls = []

    def load():
        calls.append(1)
        raise OSError("no config.json")

    for _ in range(2):
        with pytest.raises(ModelUnavailable, match="check the folder"):
            loading.load_or_explain(spec, load)
    assert len(calls) == 2


def test_on_a_space_the_message_says_what_its_owner_can_do(tiny_dir):
    models = _model_set(tiny_dir, "space-missing", en_ko=MISSING)
    backend = Backend(settings=Settings(models=str(models), space_id="newsroom/summary"))
    backend.start_warm_up()
    assert backend.wait_warm_up(120)
    message = backend.health()["models"]["en-ko"]["error"]
    assert MISSING in message and "preload_from_hub" in message and "build log" in message
    assert "restart the Space" in message and "models fetch" not in message
    with pytest.raises(ModelUnavailable, match="preload_from_hub"):
        backend.run(ARTICLE_EN)
    Backend(settings=Settings())  # off the Space again: the usual command
    assert "models fetch" in loading.fetch_hint("default")


def test_missing_models_are_retried_in_the_background_until_they_load(tiny_dir, monkeypatch):
    from service.models import fetch

    models = _model_set(tiny_dir, "retry-missing", en_ko=MISSING)
    monkeypatch.setattr(backend_module, "RETRY_MISSING_S", 0.05)
    hub = {"up": False, "asked": 0}

    def locate_model(model, revision=None, *, ask_hub=False):
        hub["asked"] += 1
        assert model == MISSING and ask_hub
        if not hub["up"]:
            raise ConnectionError("[Errno 111] Connection refused")
        return "/cache/snapshot"

    monkeypatch.setattr(fetch, "locate_model", locate_model)
    backend = Backend(models=models)
    pipeline = backend.pipeline
    engine = pipeline.engine
    pipeline.engine = lambda role: engine("ko-en" if role == "en-ko" and hub["up"] else role)  # type: ignore[method-assign]
    backend.start_warm_up()
    assert backend.wait_warm_up(120)
    assert backend.health()["missing"] == ["en-ko"]
    deadline = time.monotonic() + 10
    while hub["asked"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    spec = pipeline.model_set.spec("en-ko")
    assert loading.remembered_failure(spec) is not None  # still answered from memory meanwhile
    assert backend.health()["missing"] == ["en-ko"]
    hub["up"] = True
    while backend.health()["missing"]:
        assert time.monotonic() < deadline, backend.health()
        time.sleep(0.02)
    assert backend.health()["status"] == "ready"
    assert loading.remembered_failure(spec) is None


def test_converted_models_go_to_a_spaces_persistent_storage(tmp_path):
    storage = tmp_path / "data"
    home_cache = Path.home() / ".cache" / "service"
    assert default_cache_dir({}, storage=storage) == home_cache  # no storage
    storage.mkdir()
    assert default_cache_dir({}, storage=storage) == storage / "service"
    assert (
        default_cache_dir({"SERVICE_CACHE_DIR": str(tmp_path / "mine")}, storage=storage) == tmp_path / "mine"
    )
    if os.geteuid() != 0:  # root may write anywhere
        storage.chmod(0o555)
        try:
            assert default_cache_dir({}, storage=storage) == home_cache  # read-only storage
        finally:
            storage.chmod(0o755)
