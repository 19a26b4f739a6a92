"""Shared fixtures: a tiny model set built once per test session, and an offline environment.

Model files are never committed: they are built here (about 7 s) from random weights and tokenizers
trained on the project's own text, then loaded through the same code path as Hub models.
"""

from __future__ import annotations

import os
import tempfile

# Before anything imports transformers, gradio or huggingface_hub: no network, no telemetry.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.pop("SERVICE_MODELS", None)
# CTranslate2 conversions of the tiny models go to a throwaway folder, not the user's cache.
os.environ["SERVICE_CACHE_DIR"] = tempfile.mkdtemp(prefix="service-test-cache-")

from pathlib import Path

import pytest

from service.devtools.tiny import build_tiny_set, write_model_set

ARTICLE_EN = """date 2026-01-13 City council approves new tram line for the eastern districts
Published: 13 Jan. 2026, 19:09 Updated: 13 Jan. 2026, 19:23
The city council approved on Tuesday a plan to build a new tram line connecting the eastern districts to the centre.
The project will cost about 1.2 billion dollars and is expected to be finished by 2030.
Mayor Kim said the line would cut travel times by half for more than 200,000 residents.
Critics argued that the money should be spent on buses, which can be introduced more quickly.
Construction will begin next spring after a final environmental review.
The council also voted to extend night bus services during the winter months.
Residents will be able to comment on the route at public meetings in February.
Officials said the first section could open as early as 2028."""

ARTICLE_KO = """시의회는 화요일 동부 지역과 도심을 잇는 새로운 트램 노선 건설 계획을 승인했다. 사업비는 약 12억 달러로 2030년까지 완공될 예정이다.
김 시장은 이 노선이 20만 명이 넘는 주민의 이동 시간을 절반으로 줄일 것이라고 말했다.
비판론자들은 그 돈을 더 빨리 도입할 수 있는 버스에 써야 한다고 주장했다."""

ARTICLE_JA = """市議会は火曜日、東部地区と中心部を結ぶ新しい路面電車の建設計画を承認した。事業費は約12億ドルで、2030年までに完成する予定だ。
金市長は、この路線によって20万人以上の住民の移動時間が半分になると述べた。
批判的な人々は、その資金をより早く導入できるバスに使うべきだと主張した。"""


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    """Folder with the five tiny models, `models.toml` and `models-extractive.toml`."""
    out = tmp_path_factory.mktemp("tiny-models")
    build_tiny_set(out)
    return out


@pytest.fixture(scope="session")
def tiny_models(tiny_dir) -> Path:
    return tiny_dir / "models.toml"


@pytest.fixture(scope="session")
def tiny_extractive(tiny_dir) -> Path:
    return tiny_dir / "models-extractive.toml"


@pytest.fixture(scope="session")
def tiny_greedy(tiny_dir) -> Path:
    """The tiny set with greedy decoding: the cheapest settings, for long-input tests."""
    from service.devtools.tiny import TINY_ROLES

    roles = {role: {"engine": "transformers", "model": f"./{family}"} for role, family in TINY_ROLES.items()}
    return write_model_set(
        tiny_dir / "models-greedy.toml", "tiny-greedy", roles, "tiny models, greedy decoding"
    )


@pytest.fixture(scope="session")
def pipeline(tiny_models):
    from service import Pipeline

    return Pipeline(models=tiny_models)


#: Files whose every test is slow (a live server under load, a fresh Space environment).
SLOW_FILES = {"test_load.py", "test_space_build.py"}


def pytest_collection_modifyitems(config, items):
    """`-m "not slow"` is the quick loop: browser tests and the files above are `slow` too."""
    for item in items:
        if item.get_closest_marker("browser") is not None or item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
