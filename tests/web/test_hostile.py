"""Hostile clients against the live app over real HTTP (issue 9; the promises are in docs/security.md).

Each test is one attack as a stranger would send it: raw HTTP to a real uvicorn server on 127.0.0.1
(`tests.server_fixtures.serve`, run as `python app.py` runs it), never the handlers in-process. Each
asserts the status and the message, that no canary file's content appears in any response or in
Gradio's upload/cache folder, and that the server still answers an honest request afterwards.
"""

from __future__ import annotations

import io
import os
import socket
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import example_text, make_document, serve, set_gradio_temp_dir  # noqa: E402

pytest_plugins = ["tests.server_fixtures"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

USER, PASSWORD = "editor", "a long passphrase for the test"
TOKEN = "t0ken-" + "x" * 26
ARTICLE = example_text("en-library")
FILES_MUST_BE_UPLOADED = "Files must be uploaded"


# -- servers --------------------------------------------------------------------------------------------


def backend(pipeline, *, concurrency: int = 2, queue_size: int = 8, body_timeout_s: float = 30, **access):
    from service.settings import Settings
    from service.web.access import Access
    from service.web.backend import Backend

    return Backend(
        pipeline,
        settings=Settings(body_timeout_s=body_timeout_s),
        access=Access(**access),
        concurrency=concurrency,
        queue_size=queue_size,
    )


@pytest.fixture(scope="module")
def open_server(pipeline_extractive, tmp_path_factory):
    """No login, no token (the default): what a stranger meets on a public Space."""
    set_gradio_temp_dir(tmp_path_factory)
    with serve(backend(pipeline_extractive, concurrency=1, queue_size=2, body_timeout_s=2)) as server:
        yield server


@pytest.fixture(scope="module")
def login_server(pipeline_extractive, tmp_path_factory):
    """Page login and API token on."""
    set_gradio_temp_dir(tmp_path_factory)
    with serve(backend(pipeline_extractive, users=((USER, PASSWORD),), api_token=TOKEN)) as server:
        yield server


def logged_in(server) -> httpx.Client:
    http = httpx.Client(base_url=server.url, timeout=60)
    response = http.post("/login", data={"username": USER, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return http


# -- canaries: files a request must never get read -------------------------------------------------------


def upload_dir() -> Path:
    return Path(os.environ["GRADIO_TEMP_DIR"])


@pytest.fixture
def canary() -> Iterator[dict[str, str]]:
    """A secret in three places outside the upload folder: the working directory, the system temp
    folder, and reached through a symlink placed inside the upload folder itself."""
    secret = f"CANARY-{uuid.uuid4().hex}"
    text = f"Private notes\n\n{secret} The council minutes are confidential.\n"
    in_cwd = Path.cwd() / f"canary-{uuid.uuid4().hex[:8]}.txt"
    in_cwd.write_text(text, encoding="utf-8")
    handle, in_tmp = tempfile.mkstemp(prefix="canary-", suffix=".txt", dir=tempfile.gettempdir())
    os.write(handle, text.encode())
    os.close(handle)
    link_dir = upload_dir() / uuid.uuid4().hex
    link_dir.mkdir(parents=True)
    link = link_dir / "notes.txt"
    link.symlink_to(in_tmp)
    try:
        yield {"secret": secret, "cwd": str(in_cwd), "tmp": in_tmp, "symlink": str(link)}
    finally:
        in_cwd.unlink(missing_ok=True)
        os.unlink(in_tmp)
        link.unlink(missing_ok=True)
        link_dir.rmdir()


def assert_not_leaked(secret: str, *responses: str) -> None:
    """The secret is in no response and in no regular file under Gradio's folder or the downloads."""
    for text in responses:
        assert secret not in text
    roots = [upload_dir(), Path(tempfile.gettempdir()) / "service-downloads"]
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                if path.is_symlink() or not path.is_file():
                    continue
                assert secret.encode() not in path.read_bytes(), f"canary copied to {path}"


def file_data(path: str) -> dict:
    return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def call_data(http: httpx.Client, api_name: str, values: dict) -> list:
    """The positional `data` for `api_name`, by parameter name (defaults for the rest), from
    `/gradio_api/info`, so the tests follow the endpoints' signatures as they grow."""
    info = http.get("/gradio_api/info")
    assert info.status_code == 200, info.text
    parameters = info.json()["named_endpoints"][f"/{api_name}"]["parameters"]
    unknown = set(values) - {p["parameter_name"] for p in parameters}
    assert not unknown, unknown
    return [values.get(p["parameter_name"], p.get("parameter_default")) for p in parameters]


def gradio_call(http: httpx.Client, api_name: str, values: dict, route: str = "call") -> tuple[int, str]:
    """POST the call as gradio_client would; for an accepted one, the whole event stream too."""
    response = http.post(f"/gradio_api/{route}/{api_name}", json={"data": call_data(http, api_name, values)})
    if response.status_code != 200 or route != "call":
        return response.status_code, response.text
    event_id = response.json()["event_id"]
    stream = http.get(f"/gradio_api/call/{api_name}/{event_id}")
    return stream.status_code, stream.text


def process_args(file: dict, **values: str) -> dict:
    return {"text": "", "file": file, "length": "short", **values}


def honest_request_works(server) -> None:
    """After an attack: the JSON API still processes an article."""
    headers = {"Authorization": f"Bearer {TOKEN}"} if server.backend.access.token_required else {}
    response = httpx.post(server.api("/api/v1/process"), json={"text": ARTICLE}, headers=headers, timeout=120)
    assert response.status_code == 200, response.text
    assert response.json()["summary"].strip()


def upload(http: httpx.Client, path: Path) -> str:
    response = http.post("/gradio_api/upload", files={"files": (path.name, path.read_bytes())})
    assert response.status_code == 200, response.text
    return response.json()[0]


# -- 1. server paths as FileData --------------------------------------------------------------------------

WHERE = ["cwd", "tmp", "symlink"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("route", ["call", "run"])
def test_process_refuses_a_server_path(open_server, canary, where, route):
    http = httpx.Client(base_url=open_server.url, timeout=60)
    status, text = gradio_call(http, "process", process_args(file_data(canary[where]), mode="article"), route)
    assert_not_leaked(canary["secret"], text)
    assert status == 400 and FILES_MUST_BE_UPLOADED in text
    honest_request_works(open_server)


@pytest.mark.parametrize("where", WHERE)
def test_batch_refuses_a_server_path_among_uploads(open_server, canary, where, tmp_path):
    http = httpx.Client(base_url=open_server.url, timeout=60)
    good = upload(http, make_document(tmp_path, ".txt"))
    status, text = gradio_call(
        http, "batch", {"files": [file_data(good), file_data(canary[where])], "mode": "article"}
    )
    assert_not_leaked(canary["secret"], text)
    assert status == 400 and FILES_MUST_BE_UPLOADED in text
    honest_request_works(open_server)


def test_batch_links_to_the_server_itself_or_its_files_are_refused_one_by_one(open_server, canary, tmp_path):
    """The batch's links box on a public server: loopback, the cloud metadata address, private
    networks and `file://` are each refused with the reason, the good file still gets its result,
    and no byte of the server's own files comes back."""
    http = httpx.Client(base_url=open_server.url, timeout=120)
    good = upload(http, make_document(tmp_path, ".txt", stem="good"))
    links = [
        f"{open_server.url}/gradio_api/info",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]/",
        f"file://{canary['tmp']}",
    ]
    status, stream = gradio_call(http, "batch", {"files": [file_data(good)], "links": "\n".join(links)})
    assert status == 200 and "event: complete" in stream, stream[-500:]
    assert_not_leaked(canary["secret"], stream)
    assert stream.count('"ok": true') == 1 and stream.count('"error": "url_refused"') == len(links)
    for words in (
        "loopback address",
        "link-local address",
        "private-network address",
        "only http:// and https://",
    ):
        assert words in stream
    # Gradio makes a non-text value text before the handler sees it: one line, one failed item.
    status, text = gradio_call(http, "batch", {"files": [], "links": ["ftp://a.example/"]})
    assert status == 200 and text.count('"ok": false') == 1 and '"ok": true' not in text, text[-300:]
    honest_request_works(open_server)


def test_queue_join_refuses_a_server_path(open_server, canary):
    """The page's own route (`/gradio_api/queue/join`), with the file nested where the page puts it."""
    http = httpx.Client(base_url=open_server.url, timeout=60)
    body = {
        "data": call_data(http, "process", process_args(file_data(canary["tmp"]))),
        "fn_index": 0,
        "session_hash": "x1",
    }
    response = http.post("/gradio_api/queue/join", json=body)
    assert_not_leaked(canary["secret"], response.text)
    assert response.status_code == 400 and FILES_MUST_BE_UPLOADED in response.text


@pytest.mark.parametrize(
    ("encoding", "headers"),
    [("utf-16", {}), ("utf-32", {}), ("utf-8", {"Content-Type": "text/plain"}), ("utf-8", {})],
    ids=["utf16-no-type", "utf32-no-type", "utf8-text-plain", "utf8-no-type"],
)
def test_a_server_path_in_another_encoding_or_type_is_refused(open_server, canary, encoding, headers):
    """FastAPI parses a body without a Content-Type as JSON, and json reads UTF-16/32: same rule."""
    import json

    http = httpx.Client(base_url=open_server.url, timeout=60)
    body = json.dumps({"data": call_data(http, "process", process_args(file_data(canary["tmp"])))})
    response = http.post("/gradio_api/call/process", content=body.encode(encoding), headers=headers)
    text = response.text
    if response.status_code == 200:  # accepted: the event stream is where a leak would show
        text += http.get(f"/gradio_api/call/process/{response.json()['event_id']}").text
    assert_not_leaked(canary["secret"], text)
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("where", WHERE)
def test_logged_in_user_cannot_read_server_files(login_server, canary, where):
    http = logged_in(login_server)
    for api_name, data in (
        ("process", process_args(file_data(canary[where]), mode="article")),
        ("batch", {"files": [file_data(canary[where])], "mode": "article"}),
    ):
        status, text = gradio_call(http, api_name, data)
        assert_not_leaked(canary["secret"], text)
        assert status == 400 and FILES_MUST_BE_UPLOADED in text, api_name
    # Without a login the same request reads nothing either.
    data = call_data(http, "process", process_args(file_data(canary[where])))
    response = httpx.post(login_server.api("/gradio_api/call/process"), json={"data": data})
    assert response.status_code in (400, 401)
    assert_not_leaked(canary["secret"], response.text)
    honest_request_works(login_server)


def test_an_uploaded_file_is_still_read(open_server, tmp_path):
    """The control: the same request with a file that was uploaded works."""
    http = httpx.Client(base_url=open_server.url, timeout=120)
    path = upload(http, make_document(tmp_path, ".html"))
    status, text = gradio_call(http, "process", process_args(file_data(path)))
    assert status == 200 and "event: complete" in text and '"kind": "file"' in text


# -- 2. X-Forwarded-For ---------------------------------------------------------------------------------

SPOOFS = [
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Forwarded-For": "203.0.113.8, 127.0.0.1"},
    {"X-Real-IP": "203.0.113.9"},
    {"Forwarded": "for=203.0.113.10"},
]


def spend(url: str, headers: dict[str, str] | None = None) -> int:
    """One cheap request (an empty body: 400 when admitted) that still costs a rate-limit token."""
    return httpx.post(url + "api/v1/process", json={}, headers=headers or {}, timeout=30).status_code


def test_spoofed_forwarded_for_does_not_reset_the_rate_limit(pipeline_extractive, tmp_path_factory):
    from service.web.access import RateLimit

    set_gradio_temp_dir(tmp_path_factory)
    with serve(backend(pipeline_extractive, rate_limit=RateLimit.parse("2/minute")), ui=False) as server:
        assert [spend(server.url) for _ in range(2)] == [400, 400]
        assert [spend(server.url, headers) for headers in SPOOFS] == [429] * len(SPOOFS)


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(
    pipeline_extractive, tmp_path_factory
):
    """127.0.0.1 plays the proxy: it appends the address it saw; what the client wrote is to its left."""
    from service.web.access import RateLimit, parse_networks

    set_gradio_temp_dir(tmp_path_factory)
    access = {
        "rate_limit": RateLimit.parse("2/minute"),
        "trusted_proxies": parse_networks("127.0.0.1, 10.0.0.0/8"),
    }
    with serve(backend(pipeline_extractive, **access), ui=False) as server:
        real = {"X-Forwarded-For": "198.51.100.1"}
        assert [spend(server.url, real) for _ in range(2)] == [400, 400]
        for spoof in ("203.0.113.7, 198.51.100.1", "203.0.113.7, 198.51.100.1, 10.1.2.3"):
            assert spend(server.url, {"X-Forwarded-For": spoof}) == 429
        # Another client behind the same proxy has its own budget.
        assert spend(server.url, {"X-Forwarded-For": "198.51.100.2"}) == 400


# -- 3. guessing passwords and tokens --------------------------------------------------------------------


def test_token_guessing_is_cut_off_with_429(pipeline_extractive, tmp_path_factory):
    from service.web.access import RateLimit

    set_gradio_temp_dir(tmp_path_factory)
    limit = RateLimit.parse("5/minute")
    with serve(backend(pipeline_extractive, api_token=TOKEN, failure_limit=limit), ui=False) as server:
        url = server.api("/api/v1/process")
        guesses = [
            httpx.post(url, json={"text": ARTICLE}, headers={"Authorization": f"Bearer guess{i}"})
            for i in range(8)
        ]
        assert [r.status_code for r in guesses] == [403] * 5 + [429] * 3
        refused = guesses[-1]
        assert int(refused.headers["Retry-After"]) >= 1
        assert "Too many failed attempts" in refused.json()["message"]
        # Locked out means locked out: the right token gets no answer either, until the wait is over.
        right = httpx.post(url, json={"text": ARTICLE}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 429
        assert httpx.get(server.api("/api/v1/health")).status_code == 200


def test_login_guessing_is_cut_off_with_429(pipeline_extractive, tmp_path_factory):
    from service.web.access import RateLimit

    set_gradio_temp_dir(tmp_path_factory)
    limit = RateLimit.parse("5/minute")
    with serve(backend(pipeline_extractive, users=((USER, PASSWORD),), failure_limit=limit)) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        guesses = [http.post("/login", data={"username": USER, "password": f"guess{i}"}) for i in range(8)]
        assert [r.status_code for r in guesses] == [400] * 5 + [429] * 3
        assert int(guesses[-1].headers["Retry-After"]) >= 1
        assert "Too many failed login attempts" in guesses[-1].json()["message"]
        right = http.post("/login", data={"username": USER, "password": PASSWORD})
        assert right.status_code == 429 and "access-token" not in right.headers.get("set-cookie", "")
        assert httpx.get(server.api("/api/v1/health")).status_code == 200


# -- 4. slow bodies ---------------------------------------------------------------------------------------


def slow_request(url: str, path: str) -> socket.socket:
    """Headers promising 100 bytes of body, then 4 bytes, then nothing."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        'Content-Length: 100\r\n\r\n{"te'.encode()
    )
    return sock


def read_reply(sock: socket.socket) -> str:
    """The whole response (headers and the body its Content-Length announces)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _content_length(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


def _content_length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_slow_bodies_hold_no_slot_and_time_out_with_408(open_server):
    """More slow clients than there are slots and queue places (1 + 2): everyone else is still served."""
    socks = [slow_request(open_server.url, "/api/v1/process") for _ in range(6)]
    socks += [slow_request(open_server.url, "/gradio_api/call/process") for _ in range(2)]
    try:
        time.sleep(0.3)
        honest_request_works(open_server)
        for sock in socks:
            reply = read_reply(sock)
            assert reply.startswith("HTTP/1.1 408"), reply[:200]
            assert "did not arrive within 2 s" in reply
    finally:
        for sock in socks:
            sock.close()
    honest_request_works(open_server)


# -- 5. costly documents ---------------------------------------------------------------------------------

WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def tiny_paragraph_docx(path: Path, paragraphs: int, text: str = "a") -> Path:
    """A valid DOCX whose body is `paragraphs` one-run paragraphs: small zipped, huge unzipped."""
    source = io.BytesIO()
    make_document(path.parent, ".docx", stem="template")
    with zipfile.ZipFile(path.parent / "template.docx") as template:
        parts = {name: template.read(name) for name in template.namelist() if name != "word/document.xml"}
    body = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" * paragraphs
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{WORD}"><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        archive.writestr("word/document.xml", xml)
    path.write_bytes(source.getvalue())
    return path


@pytest.mark.parametrize(
    ("paragraphs", "text", "limit"),
    [(200_000, "a", "max_document_elements"), (1_000, "a" * 250, "max_chars")],
    ids=["many-elements", "many-characters"],
)
def test_a_costly_docx_is_refused_early(open_server, tmp_path, paragraphs, text, limit):
    http = httpx.Client(base_url=open_server.url, timeout=120)
    path = upload(http, tiny_paragraph_docx(tmp_path / "minutes.docx", paragraphs, text))
    status, stream = gradio_call(http, "process", process_args(file_data(path)))
    assert status == 200 and "event: error" in stream and limit in stream and "minutes.docx" in stream
    honest_request_works(open_server)


# -- 6. errors without a message ---------------------------------------------------------------------------


def bogus_charset_page(folder: Path, charset: str) -> Path:
    path = folder / f"page-{charset}.html"
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE.splitlines() if line.strip())
    path.write_bytes(
        f'<html><head><meta charset="{charset}"><title>News</title></head><body><article>{paragraphs}</article></body></html>'.encode()
    )
    return path


@pytest.mark.parametrize("charset", ["undefined", "punycode"])
def test_a_bogus_charset_is_read_or_refused_clearly(open_server, tmp_path, charset):
    http = httpx.Client(base_url=open_server.url, timeout=120)
    path = upload(http, bogus_charset_page(tmp_path, charset))
    status, stream = gradio_call(http, "process", process_args(file_data(path)))
    assert status == 200 and "event: complete" in stream, stream[-500:]
    assert '"format": "html"' in stream


def test_a_bogus_charset_does_not_stop_a_batch(open_server, tmp_path):
    http = httpx.Client(base_url=open_server.url, timeout=120)
    files = [
        upload(http, bogus_charset_page(tmp_path, "undefined")),
        upload(http, make_document(tmp_path, ".txt", stem="good")),
        upload(http, bogus_charset_page(tmp_path, "punycode")),
    ]
    status, stream = gradio_call(http, "batch", {"files": [file_data(p) for p in files], "length": "short"})
    assert status == 200 and "event: complete" in stream, stream[-500:]
    assert stream.count('"ok": true') == 3


@pytest.mark.parametrize("path", ["/api/v1/process", "/gradio_api/call/process", "/gradio_api/queue/join"])
def test_deeply_nested_json_is_a_400(open_server, path):
    body = b"[" * 100_000 + b"]" * 100_000
    response = httpx.post(open_server.api(path), content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nested too deeply" in response.json()["message"]
    honest_request_works(open_server)


# -- 7. one admission for every model-running path ---------------------------------------------------------


@pytest.mark.parametrize(
    ("api_name", "data"),
    [
        ("summarise", {"text": ARTICLE, "length": "short"}),
        ("translate", {"text": "The council met.", "target": "ko", "source": "en"}),
        ("detect", {"text": ARTICLE}),
    ],
)
def test_client_endpoints_wait_for_a_processing_slot(open_server, api_name, data):
    """With the one slot taken (as by a JSON API request), the endpoint waits; then it answers."""
    http = httpx.Client(base_url=open_server.url, timeout=120)
    outcome: list[tuple[int, str]] = []
    call_data(http, api_name, data)  # the endpoint's description first: it needs no slot
    with open_server.backend.slot():
        caller = threading.Thread(target=lambda: outcome.append(gradio_call(http, api_name, data)))
        caller.start()
        caller.join(timeout=3)
        assert caller.is_alive() and not outcome, "ran without a processing slot"
    caller.join(timeout=60)
    assert outcome and outcome[0][0] == 200 and "event: complete" in outcome[0][1]


# -- 8. what a stranger has no need of ---------------------------------------------------------------------


def test_a_stranger_gets_nothing_from_session_endpoints(login_server):
    stranger = httpx.Client(base_url=login_server.url, timeout=30)
    assert stranger.get("/openapi.json").status_code == 404
    for method, path in (
        ("GET", "/gradio_api/app_id"),
        ("GET", "/gradio_api/heartbeat/abc"),
        ("POST", "/gradio_api/cancel"),
        ("GET", "/gradio_api/startup-events"),
    ):
        response = stranger.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 401, path
        assert "Log in first" in response.json()["message"]
    user = logged_in(login_server)
    assert user.get("/gradio_api/app_id").status_code == 200
    assert user.get("/openapi.json").status_code == 404


def test_a_missing_local_model_folder_is_named(tiny_dir, tmp_path, tmp_path_factory):
    """Not the Hub client's "Repo id must be in the form ...": the folder, and that it does not exist."""
    import re

    from service.web.access import Access
    from service.web.backend import Backend

    set_gradio_temp_dir(tmp_path_factory)
    toml = (tiny_dir / "models.toml").read_text(encoding="utf-8")
    toml = re.sub(r'(\[roles\.en-ko\][^\[]*?model = )"[^"]*"', r'\1"./gone/en-ko"', toml)
    toml = toml.replace('model = "./', f'model = "{tiny_dir}/')
    (tmp_path / "models.toml").write_text(toml, encoding="utf-8")
    with serve(Backend(models=tmp_path / "models.toml", access=Access()), ui=False) as server:
        health = httpx.get(server.api("/api/v1/health")).json()
        message = health["models"]["en-ko"]["error"]
        assert "does not exist" in message and "gone/en-ko" in message and "Repo id" not in message
        response = httpx.post(server.api("/api/v1/process"), json={"text": ARTICLE}, timeout=120)
        assert response.status_code == 503 and "does not exist" in response.json()["message"]
