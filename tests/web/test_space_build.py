"""Build the Space the way the Hub does and run it: a fresh virtual environment with `requirements.txt`
only plus the pinned Gradio, `python app.py` from a read-only copy of the repository with the Space's
variables, then the page, `/process` through `gradio_client`, the JSON API and health over HTTP.

A second run points the Hub at a closed port (as a Space sees it when the Hub is down and nothing
was preloaded): warm-up finds every model missing, and requests must then answer at once with what a
Space owner can do (not `models fetch`, which a Space owner cannot run there), while the server
retries in the background.

Building the environment takes 2.5-5.5 minutes the first time here (bound by PyPI round trips: 40 s
of CPU; torch alone is ~200 MB). It is kept in pytest's cache folder
(`.pytest_cache/d/space-venv/<hash>`; `~/.cache/service-tests/space-venv` when pytest runs without
its cache, as CI does), keyed by requirements.txt, the Gradio pin and the Python version, so later
runs take about 90 s for the whole module here. `SPACE_BUILD_FRESH=1` rebuilds it.

PyTorch's CPU index: requirements.txt names it so that a Space installs `torch==…+cpu` from there.
Where this test runs without access to it (this project's machines reach only PyPI; the CPU wheel
lies on local disk where pip finds it), set `SPACE_BUILD_TORCH_INDEX` to a mirror of the index, or
leave it unset: when `download.pytorch.org` does not resolve, the line is left out and pip must find
the very same `+cpu` build elsewhere (or fail). Either way the test checks that the environment got
the CPU build of the pinned version and no CUDA packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ARTICLE_EN
from tests.server_fixtures import free_port

ROOT = Path(__file__).resolve().parents[2]
CPU_INDEX_HOST = "download.pytorch.org"
SPACE_ENV = {"SPACE_ID": "newsroom/summary", "SPACE_HOST": "newsroom-summary.hf.space", "SYSTEM": "spaces"}

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(900)]


def _front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


def _space_requirements(out: Path) -> tuple[Path, str]:
    """requirements.txt as pip on the Hub reads it, with the CPU index line adapted where it must be
    (see the module docstring); returns the file and a word on what was done."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    override = os.environ.get("SPACE_BUILD_TORCH_INDEX", "").strip()
    index_lines = [i for i, line in enumerate(lines) if line.startswith("--extra-index-url")]
    note = "CPU index as in requirements.txt"
    if override:
        for i in index_lines:
            lines[i] = f"--extra-index-url {override}"
        note = f"CPU index replaced by {override}"
    elif not _resolves(CPU_INDEX_HOST):
        for i in reversed(index_lines):
            del lines[i]
        note = f"{CPU_INDEX_HOST} unreachable here: torch must come from pip's other sources"
    path = out / "requirements.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, note


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd[:4])} ... failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


@pytest.fixture(scope="session")
def space_python(request, tmp_path_factory) -> Path:
    """Python of a fresh venv holding only requirements.txt and `gradio[oauth]==<sdk_version>`."""
    gradio = f"gradio[oauth]=={_front_matter()['sdk_version']}"
    work = tmp_path_factory.mktemp("space-build")
    requirements, note = _space_requirements(work)
    key = hashlib.sha256(
        f"{requirements.read_text(encoding='utf-8')}\n{gradio}\n{sys.version}".encode()
    ).hexdigest()[:16]
    cache = getattr(request.config, "cache", None)  # None under `-p no:cacheprovider`
    if cache is not None:
        base = Path(cache.mkdir("space-venv"))
    else:  # a user cache folder, as pip's own: rebuilt whenever it is missing
        base = (
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "service-tests" / "space-venv"
        )
    venv = base / key
    python = venv / "bin" / "python"
    if os.environ.get("SPACE_BUILD_FRESH") == "1" or not (venv / "complete").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
        pip.append("--no-compile")  # bytecode is written on first import instead (less CPU)
        _run([*pip, "-r", str(requirements)])  # as the Hub: requirements first, then the SDK
        _run([*pip, gradio])
        (venv / "complete").write_text(note + "\n", encoding="utf-8")
    return python


def test_the_environment_is_exactly_the_requirements(space_python):
    """CPU torch of the pinned version, no CUDA packages, nothing broken, and not this project's venv."""
    pinned = next(
        line.split("==", 1)[1]
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("torch==")
    )
    probe = "import json, sys, torch, gradio; print(json.dumps([torch.__version__, torch.cuda.is_available(), gradio.__version__, sys.prefix]))"
    torch_version, cuda, gradio_version, prefix = json.loads(_run([str(space_python), "-c", probe]).stdout)
    assert torch_version == pinned and torch_version.endswith("+cpu")
    assert cuda is False
    assert gradio_version == _front_matter()["sdk_version"]
    assert Path(prefix) == space_python.parent.parent
    listed = json.loads(_run([str(space_python), "-m", "pip", "list", "--format", "json"]).stdout)
    names = {p["name"].lower() for p in listed}
    assert not {n for n in names if n.startswith("nvidia-") or n == "triton"}, "CUDA packages installed"
    assert "service" not in names and "pytest" not in names
    _run([str(space_python), "-m", "pip", "check"])


# -- the app, started as the Space starts it ------------------------------------------------------------


@pytest.fixture(scope="session")
def space_repo(tmp_path_factory) -> Iterator[Path]:
    """A read-only copy of the files a push would carry (tracked and new, not ignored)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    repo = tmp_path_factory.mktemp("space-repo")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(("tests/", "artifacts/")):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    for path in [*repo.rglob("*"), repo]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    yield repo
    for path in [repo, *repo.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@dataclass
class SpaceApp:
    url: str
    process: subprocess.Popen
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post_json(self, path: str, body: dict) -> tuple[int, dict, float]:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        return status, json.loads(text), time.perf_counter() - start

    def health(self) -> dict:
        return json.loads(self.get("/api/v1/health")[1])

    def wait_for(self, condition, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the app exited ({self.process.returncode}):\n{self.log.read_text()[-4000:]}")
            try:
                health = self.health()
                if condition(health):
                    return health
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        pytest.fail(f"{what} within {timeout:.0f} s; log:\n{self.log.read_text()[-4000:]}")


@contextmanager
def start_space(python: Path, repo: Path, home: Path, **env: str) -> Iterator[SpaceApp]:
    """`python app.py` in `repo` with a Space's variables and nothing of this test process's environment."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    environ = {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_TEMP_DIR": str(home / "gradio"),
        "PYTHONUNBUFFERED": "1",
        **SPACE_ENV,
        **env,
    }
    log = home / "app.log"
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(python), "app.py"],
            cwd=repo,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = SpaceApp(f"http://127.0.0.1:{port}", process, log)
    try:
        yield app
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _tiny_auto_set(tiny_dir: Path) -> Path:
    """The tiny models on the `auto` engine, as the default set runs on a Space (CTranslate2)."""
    from service.devtools.tiny import TINY_ROLES, write_model_set

    roles = {
        role: {"engine": "auto", "model": f"./{family}", "num_beams": 2}
        for role, family in TINY_ROLES.items()
    }
    return write_model_set(
        tiny_dir / "models-space.toml", "tiny-space", roles, "tiny models on the auto engine"
    )


def test_the_space_serves_the_page_the_client_api_the_json_api_and_health(
    space_python, space_repo, tiny_dir, tmp_path
):
    models = _tiny_auto_set(tiny_dir)
    with start_space(
        space_python,
        space_repo,
        tmp_path / "home",
        SERVICE_MODELS=str(models),
        SERVICE_CACHE_DIR=str(tmp_path / "cache"),
    ) as app:
        health = app.wait_for(lambda h: h["status"] != "loading", 180, "models did not load")
        assert health["ok"] is True and health["status"] == "ready", health
        assert sorted(health["loaded"]) == sorted(health["models"])

        status, page = app.get("/")
        assert status == 200 and "News summary" in page

        from gradio_client import Client

        client = Client(app.url + "/", verbose=False)
        summary, korean, japanese, details = client.predict(text=ARTICLE_EN, api_name="/process")
        assert summary.strip() and korean.strip() and japanese.strip()
        assert details["source_language"] == "en" and details["summary"] == summary

        status, result, _ = app.post_json("/api/v1/process", {"text": ARTICLE_EN})
        assert status == 200, result
        assert result["summary"].strip() and set(result["translations"]) >= {"ko", "ja"}
        # Converted once into the cache folder the Space was given, never into the read-only repository.
        assert any((tmp_path / "cache" / "ctranslate2").iterdir())
        assert not any(p.name == "ctranslate2" for p in space_repo.rglob("*"))
    assert "Traceback" not in app.log.read_text()


@contextmanager
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections (bound, never listening): the Hub is down."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_without_the_hub_requests_answer_at_once_with_what_a_space_owner_can_do(
    space_python, space_repo, tmp_path
):
    with (
        closed_port() as port,
        start_space(
            space_python,
            space_repo,
            tmp_path / "home",
            HF_ENDPOINT=f"http://127.0.0.1:{port}",
            SERVICE_CACHE_DIR=str(tmp_path / "cache"),
        ) as app,
    ):
        health = app.wait_for(
            lambda h: h["status"] not in ("loading", "preparing"), 240, "warm-up did not finish"
        )
        assert health["status"] == "degraded" and not health["loaded"], health
        timings = []
        for _ in range(3):
            status, body, seconds = app.post_json("/api/v1/process", {"text": ARTICLE_EN})
            timings.append(seconds)
            assert status == 503 and body["error"] == "model_unavailable", body
            message = body["message"]
            assert "preload_from_hub" in message and "build log" in message and "restart" in message.lower()
            assert "models fetch" not in message
        # Each request used to retry the Hub for ~23 s; a remembered failure answers at once.
        assert min(timings) < 1.0, timings
        assert app.health()["status"] == "degraded"
        from gradio_client import Client
        from gradio_client.exceptions import AppError

        with pytest.raises(AppError, match="preload_from_hub"):
            Client(app.url + "/", verbose=False).predict(text=ARTICLE_EN, api_name="/process")
