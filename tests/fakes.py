"""Fake model sets (service/engines/fake.py) and a live server on one, for wiring tests.

The fake engine labels its input with the model that ran (`[en-ko] <sentence>`), so these tests can
check which model translated which sentence into which slot. Register with
`pytest_plugins = ["tests.fakes"]` in a test module; the helpers below say what each slot must hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.engines.fake import write_fake_model_set
from service.text.segment import join_sentences, split_sentences

#: A window small enough that a few paragraphs need several summary chunks.
SMALL_WINDOW = 60


@pytest.fixture(scope="session")
def fake_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fake-models")


@pytest.fixture(scope="session")
def fake_models(fake_dir) -> Path:
    """One fake model per role, named after it (`en-ko`, `ja-en`, ..., `summary`)."""
    return write_fake_model_set(fake_dir / "fake.toml")


@pytest.fixture(scope="session")
def fake_shared(fake_dir) -> Path:
    """One fake model for every role, like the `nllb` set: outputs name the job's direction."""
    return write_fake_model_set(fake_dir / "fake-shared.toml", shared=True)


@pytest.fixture(scope="session")
def fake_small_window(fake_dir) -> Path:
    return write_fake_model_set(fake_dir / "fake-small.toml", max_input_tokens=SMALL_WINDOW)


@pytest.fixture(scope="session")
def fake_pipeline(fake_models):
    from service import Pipeline

    return Pipeline(models=fake_models)


@pytest.fixture(scope="session")
def live_server_fake(fake_pipeline, tmp_path_factory) -> Iterator:
    """The whole app on the fake set, access control off."""
    from service.web.access import Access
    from service.web.backend import Backend
    from tests.server_fixtures import serve, set_gradio_temp_dir

    set_gradio_temp_dir(tmp_path_factory)
    with serve(Backend(fake_pipeline, access=Access())) as server:
        yield server


def labelled(tag: str, sentences: list[str]) -> list[str]:
    """What the fake model `tag` returns for each sentence."""
    return [f"[{tag}] {s}" for s in sentences]


def expected_translations(summary: str) -> dict[str, str]:
    """The Korean and Japanese summaries a fake set must give for an English `summary`."""
    sentences = split_sentences(summary, "en")
    return {t: join_sentences(labelled(f"en-{t}", sentences), t) for t in ("ko", "ja")}


def assert_slots(data: dict, mode: str = "summary") -> None:
    """Every output of a result (as `to_dict()`) sits in its own language's slot, from its own model.

    `en-ko` wrote the Korean, `en-ja` the Japanese; a Korean or Japanese article went to English with
    its own model, and in article mode its own sentences stand in its own language's column."""
    language = data["source_language"]
    assert data["summary"].startswith("[summary] ")
    assert data["translations"] == expected_translations(data["summary"])
    for row in data["segments"]:
        for target in ("ko", "ja"):
            if mode == "article" and target == language:
                assert row["en"] == f"[{language}-en] {row[target]}", row
            else:
                assert row[target] == f"[en-{target}] {row['en']}", row
        if language != "en":
            assert row["en"].removeprefix("[summary] ").startswith(f"[{language}-en] "), row
