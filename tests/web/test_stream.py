"""`"stream": true` on the JSON API: newline-delimited events over real HTTP, on the fake engine.

The summary comes first, then one `translation` event per language, then `done` holding exactly the
result the same request gets without streaming; a failure after the run started is an `error` event,
and the request's admission place is given back when the stream ends. The pipeline's own event hook
(`Pipeline.run(on_event=...)`) is checked directly too.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from service import Pipeline
from service.errors import ModelUnavailable
from service.web.access import Access
from service.web.backend import Backend
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO
from tests.server_fixtures import LiveServer, serve

pytest_plugins = ["tests.fakes"]
pytestmark = [pytest.mark.server]

ARTICLES = {"en": ARTICLE_EN, "ko": ARTICLE_KO, "ja": ARTICLE_JA}


def _post(server: LiveServer, body: dict) -> urllib.request.Request:
    return urllib.request.Request(
        server.api("/api/v1/process"),
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )


def stream(server: LiveServer, body: dict) -> list[dict]:
    """The events of one streamed request, in the order they arrived (each line a JSON object)."""
    with urllib.request.urlopen(_post(server, {**body, "stream": True}), timeout=60) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/x-ndjson")
        lines = response.read().decode("utf-8").split("\n")
    assert lines[-1] == "", "every event ends with a newline"
    return [json.loads(line) for line in lines[:-1]]


def plain(server: LiveServer, body: dict) -> dict:
    with urllib.request.urlopen(_post(server, body), timeout=60) as response:
        return json.loads(response.read())


def without_timings(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "timings"}


@pytest.mark.parametrize(
    ("language", "mode"), [("en", "summary"), ("en", "article"), ("ko", "article"), ("ja", "summary")]
)
def test_events_come_summary_first_and_done_equals_the_plain_answer(live_server_fake, language, mode):
    body = {"text": ARTICLES[language], "mode": mode, "length": "short"}
    events = stream(live_server_fake, body)
    kinds = [e["event"] for e in events]
    assert kinds == ["summary", "translation", "translation", "done"]
    result = events[-1]["result"]
    assert without_timings(result) == without_timings(plain(live_server_fake, body))
    first = events[0]
    assert first["summary"] == result["summary"] and first["summary"].startswith("[summary] ")
    assert first["source_language"] == language
    assert first["summary_chunks"] == result["summary_chunks"]
    # each event's rows are its language's side of the sentence table, in order
    assert first["rows"] == [s["en"] for s in result["segments"]]
    assert first["article"] == (result["article"]["en"] if mode == "article" else None)
    translations = {e["language"]: e for e in events[1:3]}
    assert set(translations) == {"ko", "ja"}
    for target, event in translations.items():
        assert event["summary"] == result["translations"][target]
        assert event["rows"] == [s[target] for s in result["segments"]]
        if mode == "article":
            assert event["article"] == result["article"][target]
        else:
            assert event["article"] is None


def test_a_failure_after_the_summary_is_an_error_event_and_the_place_is_given_back(
    fake_models, tmp_path_factory
):
    class JapaneseFails(Pipeline):
        def _translate_sentences(self, sentences, source, target):
            if target == "ja":
                raise ModelUnavailable("The en-ja model could not be loaded (planted failure).", role="en-ja")
            return super()._translate_sentences(sentences, source, target)

    backend = Backend(JapaneseFails(models=fake_models), access=Access(), concurrency=1, queue_size=0)
    with serve(backend, ui=False) as server:
        for _ in range(3):  # a leaked admission place would make the second request a 503
            events = stream(server, {"text": ARTICLE_EN})
            kinds = [e["event"] for e in events]
            assert kinds[0] == "summary" and kinds[-1] == "error" and "done" not in kinds
            assert [e["language"] for e in events if e["event"] == "translation"] in ([], ["ko"])
            assert events[-1]["error"] == "model_unavailable"
            assert "planted failure" in events[-1]["message"]
        assert backend._admitted == 0
        health = json.loads(urllib.request.urlopen(server.api("/api/v1/health"), timeout=30).read())
        assert health  # still serving


def test_an_input_error_in_the_run_is_an_error_event_with_the_plain_message(live_server_fake):
    body = {"text": ARTICLE_EN, "source_language": "xx"}
    events = stream(live_server_fake, body)
    assert [e["event"] for e in events] == ["error"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        plain(live_server_fake, body)
    answer = json.loads(refused.value.read())
    assert {"error": events[0]["error"], "message": events[0]["message"]} == answer


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_stream_must_be_a_boolean(live_server_fake, value):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(_post(live_server_fake, {"text": ARTICLE_EN, "stream": value}), timeout=30)
    assert refused.value.code == 400
    assert '"stream" must be true or false' in json.loads(refused.value.read())["message"]


def test_stream_false_is_the_plain_answer(live_server_fake):
    answer = plain(live_server_fake, {"text": ARTICLE_EN, "stream": False})
    assert answer["summary"].startswith("[summary] ")


def _events(pipeline: Pipeline, text: str, **options) -> Iterator[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    result = pipeline.run(text, on_event=lambda kind, data: seen.append((kind, data)), **options)
    return seen, result


def test_pipeline_events_in_article_mode_keep_the_sources_own_text(fake_pipeline):
    seen, result = _events(fake_pipeline, ARTICLE_KO, mode="article")
    assert [kind for kind, _ in seen] == ["summary", "translation", "translation"]
    by_language = {data["language"]: data for kind, data in seen[1:]}
    assert by_language["ko"]["article"] == result.article["ko"]
    assert not any("[en-ko]" in paragraph for paragraph in by_language["ko"]["article"])
    assert all(p.startswith("[en-ja]") for p in by_language["ja"]["article"])
    assert seen[0][1]["summary"] == result.summary


def test_pipeline_without_a_listener_runs_as_before(fake_pipeline):
    seen, result = _events(fake_pipeline, ARTICLE_EN)
    assert fake_pipeline.run(ARTICLE_EN).to_dict()["translations"] == result.to_dict()["translations"]
    assert len(seen) == 3
