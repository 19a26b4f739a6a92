"""Access control (service/web/access.py): page login, API token, per-client rate limit; off by default.

The JSON API and Gradio's login routes are checked in-process (FastAPI's TestClient); the rate limit
on a Gradio endpoint with the real `gradio_client` against a server of its own on 127.0.0.1.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from gradio_client import Client
from gradio_client.exceptions import AppError, AuthenticationError

from service.errors import TooManyRequests
from service.web.access import Access, RateLimit, RateLimiter, parse_users
from service.web.app import Backend, create_app

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import serve, set_gradio_temp_dir  # noqa: E402

pytest_plugins = ["tests.server_fixtures"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")

TOKEN = "test-token-0123456789abcdef"
USER, PASSWORD = "alice", "correct horse: battery"
TEXT = "The city council approved a new tram line on Tuesday. Work starts in spring."


def make_access(**env: str) -> Access:
    return Access.from_env(env)


@pytest.fixture
def api(pipeline_extractive):
    """JSON API only, token and a rate limit of 3 per minute."""
    access = make_access(SERVICE_API_TOKEN=TOKEN, SERVICE_RATE_LIMIT="3/minute")
    with TestClient(create_app(Backend(pipeline_extractive, access=access), ui=False, warm_up=False)) as http:
        yield http


# -- configuration ----------------------------------------------------------------------------------


def test_everything_is_off_by_default():
    access = make_access()
    assert not access.login_required and not access.token_required and access.limiter is None
    access.check_token(None)
    for _ in range(1000):
        access.check_rate("1.2.3.4")
    assert "page login off, API token off, rate limit off" in access.describe()


def test_secrets_never_appear_in_repr_or_log_line():
    access = make_access(SERVICE_AUTH=f"{USER}:{PASSWORD},bob:pw2", SERVICE_API_TOKEN=TOKEN)
    for text in (repr(access), access.describe()):
        assert PASSWORD not in text and "pw2" not in text and TOKEN not in text
    assert access.users == ((USER, PASSWORD), ("bob", "pw2"))  # a password may contain ':'


@pytest.mark.parametrize("raw", ["alice", "alice:", ":pw", "alice:pw,bob", "alice:a,alice:b"])
def test_malformed_users_are_refused_without_echoing_them(raw):
    with pytest.raises(ValueError, match="SERVICE_AUTH") as caught:
        parse_users(raw)
    assert "pw" not in str(caught.value).replace("password", "")


@pytest.mark.parametrize(
    ("raw", "requests", "period"),
    [
        ("30/minute", 30, 60),
        ("5/second", 5, 1),
        ("1000/hour", 1000, 3600),
        ("100 / day", 100, 86400),
        ("10/5min", 10, 300),
        ("30 per minute", 30, 60),
        ("2/s", 2, 1),
        ("60/minutes", 60, 60),
    ],
)
def test_rate_limit_syntax(raw, requests, period):
    limit = RateLimit.parse(raw)
    assert (limit.requests, limit.period) == (requests, period)


@pytest.mark.parametrize("raw", ["30", "thirty/minute", "30/fortnight", "0/minute", "30/0minute", "-1/s"])
def test_bad_rate_limits_are_refused(raw):
    with pytest.raises(ValueError, match="SERVICE_RATE_LIMIT"):
        RateLimit.parse(raw)


def test_token_bucket_refills_and_tracks_a_bounded_number_of_clients():
    now = [0.0]
    limiter = RateLimiter(RateLimit.parse("3/minute"), max_clients=100, clock=lambda: now[0])
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(20.0)  # one request comes back every 20 s
    assert limiter.acquire("b") == 0.0  # clients are independent
    now[0] += 20
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") > 0
    with pytest.raises(
        TooManyRequests, match=r"3 requests per minute per client\. Try again in \d+ s"
    ) as caught:
        limiter.check("a")
    assert 1 <= caught.value.retry_after <= 20
    for i in range(10_000):
        limiter.acquire(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100  # memory stays bounded however many clients come


# -- JSON API ------------------------------------------------------------------------------------------


def test_api_without_token_is_401(api):
    response = api.post("/api/v1/process", json={"text": TEXT})
    assert response.status_code == 401
    assert (
        response.json()["error"] == "unauthorized" and "Authorization: Bearer" in response.json()["message"]
    )
    assert response.headers["www-authenticate"].startswith("Bearer")
    basic = api.post("/api/v1/process", json={"text": TEXT}, headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_api_with_a_wrong_token_is_403(api):
    response = api.post("/api/v1/process", json={"text": TEXT}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "message": "The API token is not valid."}


def test_api_with_the_token_works_until_the_rate_limit(api):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(3):
        response = api.post("/api/v1/process", json={"text": TEXT, "length": "short"}, headers=headers)
        assert response.status_code == 200 and response.json()["summary"]
    response = api.post("/api/v1/process", json={"text": TEXT}, headers=headers)
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "too_many_requests" and "Too many requests" in body["message"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 20 and f"Try again in {retry_after} s" in body["message"]


def test_health_stays_open(api):
    for _ in range(10):  # neither the token nor the rate limit applies
        assert api.get("/api/v1/health").status_code == 200


# -- the page's login -----------------------------------------------------------------------------------


def test_page_needs_a_login(pipeline_extractive, tmp_path_factory):
    set_gradio_temp_dir(tmp_path_factory)
    access = make_access(SERVICE_AUTH=f"{USER}:{PASSWORD}")
    with TestClient(create_app(Backend(pipeline_extractive, access=access), warm_up=False)) as http:
        # Without a login: the page's shell loads (it shows the login form), nothing else answers.
        assert http.get("/").status_code == 200
        for path in ("/config", "/gradio_api/info", "/gradio_api/login_check"):
            response = http.get(path)
            assert response.status_code == 401, path
            assert response.json()["detail"]["error"] == "Not authenticated"
        assert http.post("/gradio_api/queue/join", json={}).status_code == 401
        assert http.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code == 401
        wrong = http.post("/login", data={"username": USER, "password": "guess"})
        assert wrong.status_code == 400 and "Incorrect credentials" in wrong.text
        assert http.get("/config").status_code == 401
        # With the right credentials: a session cookie, then the whole page.
        assert http.post("/login", data={"username": USER, "password": PASSWORD}).json() == {"success": True}
        config = http.get("/config")
        assert config.status_code == 200 and config.json()["components"]
        assert http.get("/gradio_api/login_check").status_code == 200


def test_gradio_endpoints_need_the_login_and_are_rate_limited(pipeline_extractive, tmp_path_factory):
    set_gradio_temp_dir(tmp_path_factory)
    access = make_access(SERVICE_AUTH=f"{USER}:{PASSWORD}", SERVICE_RATE_LIMIT="2/minute")
    with serve(Backend(pipeline_extractive, access=access)) as server:
        with pytest.raises(AuthenticationError):
            Client(server.url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):  # Gradio answers 400 to bad credentials
            Client(server.url, auth=(USER, "guess"), verbose=False)
        client = Client(server.url, auth=(USER, PASSWORD), verbose=False)
        assert client.predict(TEXT, api_name="/detect")[0] == "en"
        summary, *_ = client.predict(TEXT, None, "auto", "short", "summary", api_name="/process")
        assert summary.strip()
        with pytest.raises(AppError, match=r"Too many requests: .* Try again in \d+ s\.") as caught:
            client.predict(TEXT, "ko", "auto", api_name="/translate")
        assert caught.value.title == "Too many requests" and "Traceback" not in str(caught.value)
