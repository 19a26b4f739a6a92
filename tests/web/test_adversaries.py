"""Adversaries at the edges, over real HTTP against servers started here (on the fake engine).

- the API token: a wrong token of the right length, its prefix, its extension, another case;
- the rate limit: two clients (127.0.0.1 and 127.0.0.2) each have their own bucket, and a client
  cannot escape its bucket by sending X-Forwarded-For from an untrusted address;
- the body limit: exactly `max_body_bytes` is read, one byte more is refused with 413, with a
  Content-Length, chunked, and announced with `Expect: 100-continue`;
- Gradio's upload limit (`max_file_bytes`): exactly the limit is stored, one byte more is refused.

After each attack the server must still answer, and no answer may repeat the secret.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from service.web.access import Access
from service.web.backend import Backend
from tests.server_fixtures import serve, set_gradio_temp_dir

pytest_plugins = ["tests.fakes"]
pytestmark = [pytest.mark.server, pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")]

TOKEN = "tok-5f1c9a7e2b8d4c60a3e9f7b1d2c4e6a8"
TEXT = "The city council approved a new tram line on Tuesday. Work starts in spring."
BODY_LIMIT = 4096
FILE_LIMIT = 2048


def request(
    url: str,
    method: str = "POST",
    path: str = "/api/v1/process",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    chunked: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request from the loopback address `source`; returns status, headers and body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def process(url: str, headers: dict[str, str] | None = None, source: str = "127.0.0.1") -> tuple[int, dict]:
    body = json.dumps({"text": TEXT, "length": "short"}).encode()
    status, _, raw = request(
        url, body=body, headers={"Content-Type": "application/json", **(headers or {})}, source=source
    )
    return status, json.loads(raw)


@pytest.fixture(scope="module")
def guarded(fake_pipeline, tmp_path_factory) -> Iterator[str]:
    """The app with an API token and 2 requests per minute per client; a small body and file limit."""
    set_gradio_temp_dir(tmp_path_factory)
    access = Access.from_env({"SERVICE_API_TOKEN": TOKEN, "SERVICE_RATE_LIMIT": "2/minute"})
    with serve(Backend(fake_pipeline, access=access), ui=False) as server:
        yield server.url


@pytest.fixture(scope="module")
def open_server(fake_models, tmp_path_factory) -> Iterator[str]:
    """The whole app (page included), no access control, `max_body_bytes` and `max_file_bytes` small."""
    from service import Limits, Pipeline

    set_gradio_temp_dir(tmp_path_factory)
    pipeline = Pipeline(models=fake_models, limits=Limits(max_file_bytes=FILE_LIMIT))
    with serve(Backend(pipeline, access=Access(), max_body_bytes=BODY_LIMIT)) as server:
        yield server.url


def still_serves(url: str) -> None:
    status, _, raw = request(url, "GET", "/api/v1/health")
    assert status == 200 and json.loads(raw)["status"] == "ready"


# -- the token --------------------------------------------------------------------------------------


def _same_length_wrong() -> list[str]:
    flip = {"a": "b", "b": "a"}
    return [
        TOKEN[:-1] + ("0" if TOKEN[-1] != "0" else "1"),  # last character wrong
        ("x" if TOKEN[0] != "x" else "y") + TOKEN[1:],  # first character wrong
        "".join(flip.get(c, c) for c in TOKEN),  # several characters wrong
        "z" * len(TOKEN),
    ]


@pytest.mark.parametrize(
    "token",
    [*_same_length_wrong(), TOKEN[:-1], TOKEN + "0", TOKEN.upper(), f"{TOKEN} {TOKEN}"],
    ids=["last", "first", "several", "all", "prefix", "extended", "upper", "twice"],
)
def test_a_wrong_token_is_refused_whatever_its_length(guarded, token):
    assert token != TOKEN
    status, body = process(guarded, {"Authorization": f"Bearer {token}"}, source="127.0.0.3")
    assert (status, body) == (403, {"error": "forbidden", "message": "The API token is not valid."})
    assert TOKEN not in json.dumps(body)
    still_serves(guarded)


def test_the_right_token_passes_and_is_never_echoed(guarded):
    status, body = process(guarded, {"Authorization": f"bearer {TOKEN}"}, source="127.0.0.4")
    assert status == 200 and body["summary"].startswith("[summary] ")
    assert TOKEN not in json.dumps(body, ensure_ascii=False)


# -- the rate limit ---------------------------------------------------------------------------------


def test_two_clients_have_their_own_buckets(guarded):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first, second = "127.0.0.5", "127.0.0.6"
    assert [process(guarded, auth, first)[0] for _ in range(2)] == [200, 200]
    status, body = process(guarded, auth, first)
    assert status == 429 and body["error"] == "too_many_requests"
    # The first client's bucket is empty; the second client's is full.
    assert [process(guarded, auth, second)[0] for _ in range(2)] == [200, 200]
    assert process(guarded, auth, second)[0] == 429
    assert process(guarded, auth, first)[0] == 429


def test_a_forwarded_for_header_from_an_untrusted_client_does_not_refill_its_bucket(guarded):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    client = "127.0.0.7"  # uvicorn trusts proxy headers from 127.0.0.1 only
    assert [process(guarded, auth, client)[0] for _ in range(2)] == [200, 200]
    for fake_ip in ("203.0.113.9", "198.51.100.1", "127.0.0.8"):
        status, _ = process(guarded, {**auth, "X-Forwarded-For": fake_ip}, client)
        assert status == 429, fake_ip


# -- the body limit ---------------------------------------------------------------------------------


def body_of(size: int) -> bytes:
    """A valid /process request of exactly `size` bytes (JSON allows trailing white space)."""
    body = json.dumps({"text": TEXT, "length": "short"}).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(open_server, chunked):
    headers = {"Content-Type": "application/json"}

    def send(size: int) -> tuple[int, dict]:
        data = body_of(size)
        body = iter([data[:1000], data[1000:]]) if chunked else data
        status, _, raw = request(open_server, body=body, headers=headers, chunked=chunked)
        return status, json.loads(raw)

    status, data = send(BODY_LIMIT)
    assert status == 200 and data["summary"].startswith("[summary] ")
    status, data = send(BODY_LIMIT + 1)
    assert status == 413 and data["error"] == "too_large"
    assert f"larger than {BODY_LIMIT:,} bytes" in data["message"]
    still_serves(open_server)


def test_expect_continue_is_answered_413_before_the_body_only_when_over(open_server):
    for size, expected in ((BODY_LIMIT, 200), (BODY_LIMIT + 1, 413)):
        status, _, raw = request(
            open_server,
            body=body_of(size),
            headers={"Content-Type": "application/json", "Expect": "100-continue"},
        )
        assert status == expected, (size, raw[:200])


# -- Gradio's upload limit --------------------------------------------------------------------------


def upload(url: str, size: int) -> tuple[int, bytes]:
    boundary = "----boundary7d1f"
    content = b"a" * size
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _, raw = request(
        url,
        path="/gradio_api/upload",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    return status, raw


def test_an_upload_of_exactly_max_file_bytes_is_stored_and_one_byte_more_is_refused(open_server):
    status, raw = upload(open_server, FILE_LIMIT)
    assert status == 200, raw[:300]
    stored = json.loads(raw)
    assert len(stored) == 1
    status, raw = upload(open_server, FILE_LIMIT + 1)
    assert status == 413, raw[:300]
    still_serves(open_server)


def test_two_clients_of_the_gradio_endpoints_have_their_own_buckets(fake_pipeline):
    """The page's handlers key the bucket on the client's address too (Gradio's request object)."""
    from types import SimpleNamespace

    import gradio as gr

    from service.web.gradio_ui import Handlers

    handlers = Handlers(Backend(fake_pipeline, access=Access.from_env({"SERVICE_RATE_LIMIT": "2/minute"})))

    def client(host: str):
        return SimpleNamespace(client=SimpleNamespace(host=host), headers={}, username=None)

    first, second = client("198.51.100.7"), client("198.51.100.8")
    for _ in range(2):
        assert handlers.detect(TEXT, request=first)[0] == "en"
    with pytest.raises(gr.Error, match="Too many requests"):
        handlers.detect(TEXT, request=first)
    for _ in range(2):
        assert handlers.translate(TEXT, "ko", "en", request=second).startswith("[en-ko] ")
    with pytest.raises(gr.Error, match="Too many requests"):
        handlers.detect(TEXT, request=second)
