"""The glossary, sources and unsupported flags over real HTTP: JSON API and Gradio client.

A live server on the fake engine (tests/fakes.py), so the applied forms are exact.
"""

from __future__ import annotations

import pytest
from gradio_client import Client

from service.text.glossary import MAX_GLOSSARY_BYTES
from tests.shapes import assert_details_shape, assert_result_shape

pytest_plugins = ["tests.fakes"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

ARTICLE_KO = (
    "이재명 대통령은 화요일 서울에서 다카이치 사나에 총리와 정상회담을 했다. "
    "두 정상은 12억 달러 규모의 반도체 협력에 합의했다.\n"
    "이재명 대통령은 회담 뒤 기자들에게 “매우 생산적이었다”고 말했다."
)
ITEMS = [
    {"en": "Lee Jae-myung", "ko": "이재명", "ja": "李在明"},
    {"en": "Takaichi Sanae", "ko": "다카이치 사나에", "ja": "高市早苗"},
]
CSV = "en,ko,ja\nLee Jae-myung,이재명,李在明\nTakaichi Sanae,다카이치 사나에,高市早苗\n"


def _check_pivot(data: dict) -> None:
    assert "Lee Jae-myung" in data["summary"] and "이재명" not in data["summary"]
    first = data["segments"][0]
    assert first["ko"] == "[en-ko] " + first["en"].replace("Lee Jae-myung", "이재명").replace(
        "Takaichi Sanae", "다카이치 사나에"
    )
    assert first["ja"] == "[en-ja] " + first["en"].replace("Lee Jae-myung", "李在明").replace(
        "Takaichi Sanae", "高市早苗"
    )
    assert {"term": "Lee Jae-myung", "language": "ja", "form": "李在明", "segments": [0, 2]} in data[
        "glossary"
    ]
    assert first["sources"][0]["text"].startswith("이재명 대통령은 화요일")


@pytest.mark.parametrize("glossary", [ITEMS, CSV], ids=["objects", "csv"])
def test_json_api_takes_a_glossary(live_server_fake, glossary):
    status, data = live_server_fake.process({"text": ARTICLE_KO, "length": "short", "glossary": glossary})
    assert status == 200, data
    assert_result_shape(data)
    _check_pivot(data)


@pytest.mark.parametrize(
    ("glossary", "message"),
    [
        ("en,ko,ja\nLee Jae-myung,이재명\n", "Glossary line 2: 2 cells, but the header has 3"),
        (
            [{"en": "Lee Jae-myung", "ko": "이재명"}, {"en": "Lee Jae-myung", "ja": "李在明"}],
            "item 2 (en): duplicate",
        ),
        ([{"en": "Lee Jae-myung", "model": "x"}], "item 1: unknown key(s) model"),
        ({"path": "/etc/passwd"}, "must be CSV/TSV/TOML text or a list"),
        ("en,ko\n" + "가나다라마,바사아자차\n" * (MAX_GLOSSARY_BYTES // 20), "bytes are accepted"),
    ],
    ids=["short-row", "duplicate", "unknown-key", "object", "too-large"],
)
def test_json_api_refuses_a_bad_glossary(live_server_fake, glossary, message):
    status, data = live_server_fake.process({"text": ARTICLE_KO, "glossary": glossary})
    assert status == 400 and data["error"] == "bad_input", data
    assert message in data["message"]
    status, data = live_server_fake.process({"text": ARTICLE_KO, "length": "short"})
    assert status == 200 and data["glossary"] == []  # the server still serves


def test_gradio_client_takes_a_glossary_as_the_last_parameter(live_server_fake):
    client = Client(live_server_fake.url, verbose=False)
    summary, korean, japanese, details = client.predict(
        ARTICLE_KO, None, "auto", "short", "summary", "", CSV, api_name="/process"
    )
    assert_details_shape(details)
    _check_pivot(details)
    assert "李在明" in japanese and "이재명" in korean and summary == details["summary"]
    # an old client that sends neither `url` nor `glossary` still works
    *_, details = client.predict(ARTICLE_KO, None, "auto", "short", "summary", api_name="/process")
    assert details["glossary"] == [] and "이재명" in details["summary"]
