"""Bounded load tests, all traffic to 127.0.0.1:

- many clients at once (Gradio client endpoints and the JSON API together), every input distinct:
  no errors, and every answer is the answer to its own request;
- memory: the server's RSS after a few hundred requests stays near its RSS after the first ten;
- a full queue: clients beyond it get a clear "queue full / server busy, try again", the rest are
  served, and the server carries on.

The server under load runs in a separate process (`python app.py`, tiny translators with short fixed
outputs and extractive summaries) so that its RSS is its own. The queue tests use a deliberately slow
server of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import free_port, serve, set_gradio_temp_dir  # noqa: E402

pytest_plugins = ["tests.server_fixtures"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT_GRADIO = 60
CONCURRENT_JSON = 30
#: Requests after the first ten before memory is measured again.
MEMORY_CALLS = 300
#: Measured on the 2-core test machine (python app.py, the model set below): RSS 464 MiB after the first
#: ten requests, +1.3 MiB after 300 more, +10.6 MiB after 1,500 more. Nearly all of it is the
#: pipeline's translation cache (an LRU of 20,000 sentences, ~4 new entries and ~4.7 kB a request
#: here; bounded, so it levels off), the rest allocator noise. The margin, max(15 %, 60 MB) (70 MiB
#: here), is ~50x the growth seen over 300 requests, so it holds on another machine, yet a per-request
#: leak of 250 kB (a kept result, an upload read into memory and never freed) fails it.
RSS_MARGIN_FRACTION = 0.15
RSS_MARGIN_BYTES = 60 * 1024 * 1024

WORDS = "amber birch cedar delta ember fjord grove harbor island juniper kestrel lagoon meadow".split()


def article(i: int) -> list[str]:
    """Two English sentences unique to request `i`."""
    word = WORDS[i % len(WORDS)]
    return [
        f"The council of district {i} approved the {word} tram plan on Tuesday.",
        f"Officials said project {i} would open in {2030 + i % 50}.",
    ]


def english_segments(details: dict) -> list[str]:
    return [segment["en"] for segment in details["segments"]]


def post_json(url: str, body: dict, timeout: float = 120) -> tuple[int, dict, Message]:
    """(status, JSON body, headers: case-insensitive `.get`)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class AppProcess:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    @property
    def pid(self) -> int:
        return self.process.pid

    def api(self, path: str) -> str:
        return self.url.rstrip("/") + path


@pytest.fixture(scope="module")
def load_models(tiny_dir) -> Path:
    """The cheapest complete model set: extractive summaries, tiny translators decoding greedily with
    at most 8 new tokens (about 30 ms a request instead of 400 ms; the work per request is fixed)."""
    from service.devtools.tiny import TINY_ROLES, write_model_set

    roles: dict[str, dict] = {
        role: {"engine": "transformers", "model": str(tiny_dir / family), "num_beams": 1, "max_new_tokens": 8}
        for role, family in TINY_ROLES.items()
    }
    roles["summarise"] = {"engine": "extractive"}
    return write_model_set(
        tiny_dir / "models-load.toml", "tiny-load", roles, "tiny models, fixed short outputs"
    )


@pytest.fixture(scope="module")
def app_process(load_models, tmp_path_factory):
    """`python app.py` on a free port, on `load_models`."""
    folder = tmp_path_factory.mktemp("load-server")
    port = free_port()
    env = {
        **os.environ,
        "SERVICE_MODELS": str(load_models),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_TEMP_DIR": str(folder / "gradio"),
        # More waiting room than the default 32: this test sends 60 requests at once on purpose.
        "SERVICE_QUEUE_SIZE": "128",
        "SERVICE_CONCURRENCY": "2",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    for name in ("SERVICE_AUTH", "SERVICE_API_TOKEN", "SERVICE_RATE_LIMIT"):
        env.pop(name, None)
    log = folder / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = AppProcess(process, f"http://127.0.0.1:{port}/", log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app.py exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(server.api("/api/v1/health"), timeout=5) as response:
                    if json.loads(response.read())["status"] == "ready":
                        break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not get ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_many_clients_at_once_each_get_their_own_answer(app_process):
    client = Client(app_process.url, verbose=False)
    gradio_jobs = {
        i: client.submit(" ".join(article(i)), None, "en", "short", "article", api_name="/process")
        for i in range(CONCURRENT_GRADIO)
    }
    offset = CONCURRENT_GRADIO
    with ThreadPoolExecutor(max_workers=CONCURRENT_JSON) as pool:
        json_jobs = {
            i: pool.submit(
                post_json,
                app_process.api("/api/v1/process"),
                {"text": " ".join(article(i)), "source_language": "en", "length": "short", "mode": "article"},
            )
            for i in range(offset, offset + CONCURRENT_JSON)
        }
        json_answers = {i: job.result(timeout=170) for i, job in json_jobs.items()}
    errors = []
    for i, job in gradio_jobs.items():
        try:
            *_, details = job.result(timeout=170)
        except Exception as exc:  # every failure is collected and reported below
            errors.append(f"gradio {i}: {type(exc).__name__}: {exc}")
            continue
        if english_segments(details) != article(i):
            errors.append(f"gradio {i}: got the answer to {english_segments(details)}")
    for i, (status, data, _) in json_answers.items():
        if status != 200:
            errors.append(f"json {i}: HTTP {status} {data}")
        elif english_segments(data) != article(i):
            errors.append(f"json {i}: got the answer to {english_segments(data)}")
    assert not errors, "\n".join(errors)


def test_memory_stays_bounded_over_hundreds_of_calls(app_process, tmp_path):
    """JSON API, `/process` with text, and `/process` with an uploaded file, in turn."""
    client = Client(app_process.url, verbose=False)

    def call(i: int) -> None:
        sentences = article(1000 + i)
        if i % 3 == 0:
            status, details, _ = post_json(
                app_process.api("/api/v1/process"),
                {"text": " ".join(sentences), "source_language": "en", "length": "short", "mode": "article"},
            )
            assert status == 200, details
        elif i % 3 == 1:
            *_, details = client.predict(
                " ".join(sentences), None, "en", "short", "article", api_name="/process"
            )
        else:
            path = tmp_path / f"article-{i}.txt"
            path.write_text(" ".join(sentences), encoding="utf-8")
            *_, details = client.predict(
                "", handle_file(str(path)), "en", "short", "article", api_name="/process"
            )
        assert english_segments(details) == sentences

    for i in range(10):
        call(i)
    baseline = rss_bytes(app_process.pid)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(call, range(10, 10 + MEMORY_CALLS)))
    after = rss_bytes(app_process.pid)
    margin = max(RSS_MARGIN_FRACTION * baseline, RSS_MARGIN_BYTES)
    report = (
        f"server RSS after 10 calls: {baseline / 2**20:.1f} MiB; after {MEMORY_CALLS} more: "
        f"{after / 2**20:.1f} MiB (growth {(after - baseline) / 2**20:+.1f} MiB, margin {margin / 2**20:.0f} MiB)"
    )
    print("\n" + report)
    assert after - baseline <= margin, report


# -- a full queue --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_server(pipeline_extractive, tmp_path_factory):
    """One request at a time, two waiting, each taking at least 0.4 s."""
    set_gradio_temp_dir(tmp_path_factory)
    from service.web.access import Access
    from service.web.backend import Backend

    class SlowBackend(Backend):
        def run(self, text, **options):
            time.sleep(0.4)
            return super().run(text, **options)

    with serve(SlowBackend(pipeline_extractive, concurrency=1, queue_size=2, access=Access())) as server:
        yield server


def test_a_full_gradio_queue_says_so_and_the_server_carries_on(slow_server):
    client = Client(slow_server.url, verbose=False)
    jobs = [
        client.submit(" ".join(article(i)), None, "en", "short", "article", api_name="/process")
        for i in range(8)
    ]
    served, refused = 0, []
    for i, job in enumerate(jobs):
        try:
            *_, details = job.result(timeout=60)
        except Exception as exc:  # QueueError: the only failure allowed
            refused.append(exc)
            continue
        assert english_segments(details) == article(i)
        served += 1
    assert served >= 3 and refused, (served, refused)
    for exc in refused:
        assert type(exc).__name__ == "QueueError" and "Queue is full! Please try again." in str(exc)
    assert not isinstance(refused[0], AppError)
    *_, details = client.predict(" ".join(article(99)), None, "en", "short", "article", api_name="/process")
    assert english_segments(details) == article(99)


def test_a_busy_json_api_answers_503_with_retry_after(slow_server):
    url = slow_server.api("/api/v1/process")
    answers: list[tuple[int, dict, Message]] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        answer = post_json(url, {"text": " ".join(article(i)), "source_language": "en", "mode": "article"})
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _, _ in answers)
    assert len(answers) == 8 and statuses.count(200) >= 3 and 503 in statuses, statuses
    for status, data, headers in answers:
        if status == 503:
            assert data["error"] == "busy" and data["message"].startswith("Server busy")
            assert "Try again" in data["message"] and int(headers.get("Retry-After")) > 0
    status, data, _ = post_json(
        url, {"text": " ".join(article(98)), "source_language": "en", "mode": "article"}
    )
    assert status == 200 and english_segments(data) == article(98)
