"""Wiring over real HTTP: the JSON API and the Gradio client put every output in its slot.

A live server on the fake engine (tests/fakes.py), whose outputs name the model that ran: the Korean
field must hold `[en-ko] <English sentence>`, the Japanese one `[en-ja] ...`, and a Japanese article
must reach English through `ja-en`. Every body is checked against docs/result.schema.json.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from gradio_client import Client

from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO

pytest.register_assert_rewrite("tests.fakes", "tests.shapes")
from tests.fakes import assert_slots, expected_translations  # noqa: E402
from tests.shapes import assert_details_shape, assert_result_shape  # noqa: E402

pytest_plugins = ["tests.fakes"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

ARTICLES = {"en": ARTICLE_EN, "ko": ARTICLE_KO, "ja": ARTICLE_JA}
CASES = [("en", "summary"), ("ko", "article"), ("ja", "summary"), ("ja", "article")]


@pytest.fixture(scope="module")
def client(live_server_fake) -> Client:
    return Client(live_server_fake.url, verbose=False)


def post_process(server, body: dict) -> dict:
    request = urllib.request.Request(
        server.api("/api/v1/process"),
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.mark.parametrize(("language", "mode"), CASES)
def test_json_api_puts_every_output_in_its_slot(live_server_fake, language, mode):
    data = post_process(live_server_fake, {"text": ARTICLES[language], "length": "short", "mode": mode})
    assert_result_shape(data)
    assert data["source_language"] == language and data["mode"] == mode
    assert_slots(data, mode)


@pytest.mark.parametrize(("language", "mode"), CASES)
def test_gradio_process_puts_every_output_in_its_slot(client, language, mode):
    summary, korean, japanese, details = client.predict(
        ARTICLES[language], None, "auto", "short", mode, api_name="/process"
    )
    assert_details_shape(details)
    assert details["input"] == {"kind": "text", "chars": len(ARTICLES[language])}
    assert_slots(details, mode)
    assert summary == details["summary"]
    assert {"ko": korean, "ja": japanese} == expected_translations(summary)


def test_gradio_translate_uses_the_model_of_the_direction(client):
    sentence = "The council approved the plan."
    assert client.predict(sentence, "ko", "en", api_name="/translate") == f"[en-ko] {sentence}"
    assert client.predict(sentence, "ja", "en", api_name="/translate") == f"[en-ja] {sentence}"
    japanese = "市議会は計画を承認した。"
    assert client.predict(japanese, "en", "auto", api_name="/translate") == f"[ja-en] {japanese}"
    assert client.predict(japanese, "ko", "ja", api_name="/translate") == f"[en-ko] [ja-en] {japanese}"


def test_gradio_summarise_goes_through_english(client):
    summary = client.predict(ARTICLE_JA, "short", api_name="/summarise")
    assert summary.startswith("[summary] [ja-en] ")
    assert "[ko-en]" not in summary


def test_gradio_batch_results_have_the_result_shape(client, tmp_path):
    from gradio_client import handle_file

    paths = []
    for language in ("ko", "ja"):
        path = tmp_path / f"{language}.txt"
        path.write_text(ARTICLES[language], encoding="utf-8")
        paths.append(handle_file(str(path)))
    records = client.predict(paths, "auto", "short", "summary", api_name="/batch")
    assert [(r["file"], r["ok"]) for r in records] == [("ko.txt", True), ("ja.txt", True)]
    for record, language in zip(records, ("ko", "ja"), strict=True):
        assert set(record) == {"file", "ok", "result"}
        assert_result_shape(record["result"])
        assert record["result"]["source_language"] == language
        assert_slots(record["result"], "summary")
