"""One live server for the session (tests/server_fixtures.py), driven by the real `gradio_client` and
by plain HTTP for the JSON API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from service.result import Result

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import FORMATS, example_text, make_document, post_json  # noqa: E402

pytest_plugins = ["tests.server_fixtures"]
pytestmark = [
    pytest.mark.server,
    # Gradio's queue calls a pandas API that pandas 3 deprecates; not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

GERMAN = (
    "Die Stadt hat am Dienstag beschlossen, eine neue Straßenbahnlinie durch die östlichen Bezirke zu bauen."
)


@pytest.fixture(scope="module")
def client(live_server) -> Client:
    return Client(live_server.url, verbose=False)


# -- Gradio client endpoints ---------------------------------------------------------------------------


def test_endpoints_are_listed_with_named_parameters(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/process", "/batch", "/summarise", "/translate", "/detect"} <= set(endpoints)
    params = {name: [p["parameter_name"] for p in ep["parameters"]] for name, ep in endpoints.items()}
    assert params["/process"] == ["text", "file", "source_language", "length", "mode", "url", "glossary"]
    assert params["/batch"] == ["files", "source_language", "length", "mode", "links"]
    assert [r["label"] for r in endpoints["/batch"]["returns"]] == ["results"]
    assert params["/translate"] == ["text", "target", "source"]
    assert [r["label"] for r in endpoints["/process"]["returns"]] == [
        "summary",
        "korean",
        "japanese",
        "details",
    ]
    assert [r["label"] for r in endpoints["/detect"]["returns"]] == ["language", "probability"]


def test_process_text(client):
    summary, korean, japanese, details = client.predict(
        text=example_text("en-library"), file=None, length="short", api_name="/process"
    )
    assert all(isinstance(v, str) and v.strip() for v in (summary, korean, japanese))
    assert details["source_language"] == "en" and details["translations"]["ko"] == korean
    assert details["input"]["kind"] == "text"


def test_process_korean_article_mode(client):
    *_, details = client.predict(
        example_text("ko-night-bus"), None, "auto", "short", "article", api_name="/process"
    )
    assert details["source_language"] == "ko" and details["mode"] == "article"
    assert details["article"]["ko"] and details["article"]["en"]


@pytest.mark.parametrize("extension", list(FORMATS))
def test_process_uploaded_file(client, tmp_path, extension):
    path = make_document(tmp_path, extension)
    summary, korean, japanese, details = client.predict(
        "", handle_file(str(path)), "auto", "short", "summary", api_name="/process"
    )
    assert summary.strip() and korean.strip() and japanese.strip()
    assert details["input"]["kind"] == "file" and details["input"]["format"] == FORMATS[extension]
    assert details["input"]["name"] == path.name


def test_upload_of_an_unsupported_type_is_refused(client, tmp_path):
    path = tmp_path / "tool.exe"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    with pytest.raises(AppError):
        client.predict("", handle_file(str(path)), api_name="/process")


def test_batch_of_good_and_bad_files(client, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    files = [
        make_document(tmp_path, ".pdf", stem="library"),
        empty,
        make_document(tmp_path, ".html", example_text("ja-heavy-snow"), stem="snow"),
        scan,
    ]
    records = client.predict(
        [handle_file(str(p)) for p in files], "auto", "short", "summary", api_name="/batch"
    )
    assert [r["file"] for r in records] == ["library.pdf", "empty.txt", "snow.html", "scan.pdf"]
    assert [r["ok"] for r in records] == [True, False, True, False]
    assert records[0]["result"]["source_language"] == "en" and records[0]["result"]["summary"].strip()
    assert (
        records[2]["result"]["source_language"] == "ja" and records[2]["result"]["translations"]["ko"].strip()
    )
    assert (records[1]["error"], records[3]["error"]) == ("empty_input", "bad_document")
    assert "empty.txt" in records[1]["message"] and "scan.pdf" in records[3]["message"]


def test_batch_refuses_a_file_type_it_does_not_read(client, tmp_path):
    tool = tmp_path / "tool.exe"
    tool.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    with pytest.raises(AppError, match=r"Invalid file type.*\.docx"):
        client.predict([handle_file(str(tool))], api_name="/batch")


def test_summarise_translate_detect(client):
    assert client.predict(example_text("en-library"), "short", api_name="/summarise").strip()
    assert client.predict(example_text("ja-heavy-snow"), "short", api_name="/summarise").strip()
    assert client.predict("The council approved the plan.", "ja", "auto", api_name="/translate").strip()
    assert client.predict(
        text="시의회는 계획을 승인했다.", target="en", source="ko", api_name="/translate"
    ).strip()
    language, probability = client.predict(example_text("ja-heavy-snow"), api_name="/detect")
    assert language == "ja" and 0 < probability <= 1
    assert client.predict(example_text("en-library"), api_name="/detect")[0] == "en"


@pytest.mark.parametrize(
    ("endpoint", "args", "message"),
    [
        ("/process", ("", None), "empty"),
        ("/process", ("   ", None, "auto", "short", "summary"), "empty"),
        ("/process", (GERMAN, None), "Unsupported language"),
        ("/summarise", (GERMAN, "short"), "Unsupported language"),
        ("/translate", (GERMAN, "ko", "auto"), "Unsupported language"),
        ("/detect", ("",), "empty"),
        ("/detect", (GERMAN,), "Supported languages: English, Korean, Japanese"),
    ],
)
def test_errors_arrive_as_app_error_with_the_message(client, endpoint, args, message):
    with pytest.raises(AppError, match=message) as caught:
        client.predict(*args, api_name=endpoint)
    assert "Traceback" not in str(caught.value)


def test_page_is_served(live_server):
    with urllib.request.urlopen(live_server.url, timeout=30) as response:
        page = response.read().decode("utf-8")
    assert response.status == 200 and "<html" in page.lower()


# -- JSON HTTP API ----------------------------------------------------------------------------------


def test_json_process_success(live_server):
    status, data = post_json(
        live_server.api("/api/v1/process"),
        {
            "text": example_text("ja-heavy-snow"),
            "source_language": "auto",
            "length": "short",
            "mode": "summary",
        },
    )
    assert status == 200
    assert set(data) == set(Result.__dataclass_fields__)
    assert data["source_language"] == "ja" and data["summary"].strip()
    assert data["translations"]["ko"].strip() and data["translations"]["ja"].strip()
    # The tiny models' gibberish is flagged, not presented as good output.
    assert data["quality"] and all(set(q) == {"field", "kind", "message"} for q in data["quality"])
    assert {q["kind"] for q in data["quality"]} <= {
        "empty",
        "repetition",
        "too_short",
        "too_long",
        "untranslated",
    }


def test_json_defaults_need_only_text(live_server):
    status, data = post_json(live_server.api("/api/v1/process"), {"text": example_text("en-library")})
    assert status == 200 and data["length"] == "medium" and data["mode"] == "summary"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 400, "empty_input"),
        ({"text": "   "}, 400, "empty_input"),
        ({}, 400, "empty_input"),
        (b"{not json", 400, "bad_input"),
        (b"[1, 2]", 400, "bad_input"),
        ({"text": 42}, 400, "bad_input"),
        ({"text": "The council approved the plan.", "length": "huge"}, 400, "bad_input"),
        ({"text": "The council approved the plan.", "models": "evil/model"}, 400, "bad_input"),
        ({"text": GERMAN}, 422, "unsupported_language"),
        ({"text": "这是一个关于城市交通的新闻报道。市议会批准了新的电车线路。"}, 422, "unsupported_language"),
        ({"text": "word " * 50_000}, 413, "too_large"),  # over max_chars, under the body limit
    ],
)
def test_json_errors(live_server, body, status, code):
    got_status, data = post_json(live_server.api("/api/v1/process"), body)
    assert (got_status, data["error"]) == (status, code)
    assert isinstance(data["message"], str) and data["message"]


def test_json_body_too_large(live_server):
    limit = live_server.backend.max_body_bytes
    status, data = post_json(live_server.api("/api/v1/process"), {"text": "a" * (limit + 10)})
    assert status == 413 and data["error"] == "too_large" and "SERVICE_MAX_BODY_BYTES" in data["message"]


def test_json_body_too_large_without_content_length(live_server):
    """Chunked upload: the limit is enforced while reading, not only from the header."""
    limit = live_server.backend.max_body_bytes
    chunks = (b"a" * 65536 for _ in range(limit // 65536 + 2))
    status, data = post_json(live_server.api("/api/v1/process"), chunks)
    assert status == 413 and data["error"] == "too_large"


def test_health(live_server):
    with urllib.request.urlopen(live_server.api("/api/v1/health"), timeout=30) as response:
        data = json.loads(response.read())
    assert data["ok"] is True and data["status"] == "ready" and data["missing"] == []
    assert set(data["loaded"]) == {"summarise", "en-ko", "en-ja", "ko-en", "ja-en"}
    assert all(m["state"] == "loaded" and m["model"] for m in data["models"].values())


def test_json_model_unavailable_is_503(tiny_dir, tmp_path):
    """In-process (no second live server): a missing model gives 503 and names the fix."""
    import re

    from fastapi.testclient import TestClient

    from service.web.app import Backend, create_app

    toml = (
        (tiny_dir / "models.toml").read_text(encoding="utf-8").replace('model = "./', f'model = "{tiny_dir}/')
    )
    toml = re.sub(r'(\[roles\.summarise\][^\[]*?model = )"[^"]*"', r'\1"example-org/no-such-model"', toml)
    (tmp_path / "models.toml").write_text(toml, encoding="utf-8")
    with TestClient(create_app(Backend(models=tmp_path / "models.toml"), ui=False)) as http:
        http.app.state.backend.wait_warm_up(timeout=120)
        health = http.get("/api/v1/health").json()
        assert health["ok"] is False and health["missing"] == ["summarise"]
        response = http.post("/api/v1/process", json={"text": example_text("en-library")})
    assert response.status_code == 503
    assert response.json()["error"] == "model_unavailable"
    assert "no-such-model" in response.json()["message"] and "models fetch" in response.json()["message"]


def test_no_answer_says_where_the_models_live(live_server, client, tmp_path):
    """The tiny models live in local folders: every answer names them (`marian-en-ko`), never by
    their path on the server (a public Space must not show its file layout)."""
    folders = {
        str(spec.model) for spec in live_server.backend.pipeline.model_set.roles.values() if spec.model
    }
    assert any("/" in folder for folder in folders), "the tiny set should be local folders"
    names = {folder.rstrip("/").rsplit("/", 1)[-1] for folder in folders}

    def assert_names_only(text: str, where: str) -> None:
        for folder in folders:
            assert folder not in text, (where, folder)
        assert any(name in text for name in names), where  # the names are still said

    status, data = post_json(live_server.api("/api/v1/process"), {"text": example_text("en-library")})
    assert status == 200 and set(data["models"].values()) <= names | {"extractive"}
    assert_names_only(json.dumps(data, ensure_ascii=False), "JSON API")
    body = json.dumps({"text": example_text("ko-night-bus"), "stream": True}).encode()
    request = urllib.request.Request(
        live_server.api("/api/v1/process"), data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert_names_only(response.read().decode(), "JSON stream")
    with urllib.request.urlopen(live_server.api("/api/v1/health"), timeout=30) as response:
        assert_names_only(response.read().decode(), "health")
    details = client.predict(
        example_text("en-library"), None, "auto", "short", "summary", api_name="/process"
    )[3]
    assert_names_only(json.dumps(details, ensure_ascii=False), "/process details")
    path = make_document(tmp_path, ".txt", example_text("en-library"))
    (record,) = client.predict([handle_file(str(path))], "auto", "short", "summary", api_name="/batch")
    assert record["ok"], record
    assert_names_only(json.dumps(record, ensure_ascii=False), "/batch")
