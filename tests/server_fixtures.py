"""Live servers for the test session: the real app (Gradio page, client endpoints, JSON API) on
127.0.0.1 and a free port, run by uvicorn in a thread: `live_server` (tiny models),
`live_server_extractive` (tiny translators, extractive summaries: fastest), or `serve(backend)` for a
server of a test's own (access control on, a small queue, ...).

Register with `pytest_plugins = ["tests.server_fixtures"]` in a test module (tests/conftest.py is not
ours to edit), so one server serves every module that asks for `live_server`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


@dataclass
class LiveServer:
    url: str
    backend: object  # service.web.backend.Backend

    def api(self, path: str) -> str:
        return self.url.rstrip("/") + path

    def process(self, body: dict) -> tuple[int, dict]:
        """POST `body` to the JSON API's /api/v1/process: the status and the JSON answer."""
        return post_json(self.api("/api/v1/process"), body)


def post_json(url: str, body: bytes | object, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """POST JSON (an object, or raw bytes as they are) and read the JSON answer, errors included."""
    import json
    import urllib.error
    import urllib.request

    data = body if isinstance(body, bytes) or hasattr(body, "__next__") else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for a server started in another process)."""
    with _free_socket() as sock:
        return sock.getsockname()[1]


def set_gradio_temp_dir(tmp_path_factory) -> None:
    """Once, before any app exists: per-test temp folders would break uploads (see NOTES.md)."""
    os.environ.setdefault("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio-temp")))


@contextmanager
def serve(backend, *, ui: bool = True, warm_up_timeout: float = 120) -> Iterator[LiveServer]:
    """Run `create_app(backend)` with uvicorn in a thread on 127.0.0.1 and a free port, until exit."""
    import uvicorn

    from service.web.app import create_app
    from service.web.guard import SERVER_OPTIONS

    app = create_app(backend, ui=ui)
    sock = _free_socket()
    port = sock.getsockname()[1]
    # As `python app.py` runs it (uvicorn's proxy headers off: service.web.guard decides the client).
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **SERVER_OPTIONS))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        if not backend.wait_warm_up(timeout=warm_up_timeout):
            raise RuntimeError("model warm-up did not finish")
        yield LiveServer(url=f"http://127.0.0.1:{port}/", backend=backend)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def live_server(pipeline, tmp_path_factory) -> Iterator[LiveServer]:
    """The app on the tiny model set, access control off."""
    set_gradio_temp_dir(tmp_path_factory)
    from service.web.access import Access
    from service.web.backend import Backend

    with serve(Backend(pipeline, access=Access())) as server:
        yield server


@pytest.fixture(scope="session")
def pipeline_extractive(tiny_extractive):
    """The tiny set with the extractive summariser: the fastest full pipeline, for many calls."""
    from service import Pipeline

    return Pipeline(models=tiny_extractive)


@pytest.fixture(scope="session")
def live_server_extractive(pipeline_extractive, tmp_path_factory) -> Iterator[LiveServer]:
    """The app on `pipeline_extractive`, access control off."""
    set_gradio_temp_dir(tmp_path_factory)
    from service.web.access import Access
    from service.web.backend import Backend

    with serve(Backend(pipeline_extractive, access=Access())) as server:
        yield server


# -- documents of every supported format, for upload tests -----------------------------------------

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
#: Extension → the format `read_document` should report for it.
FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".docx": "docx", ".pdf": "pdf"}


def example_text(name: str) -> str:
    """One of the shipped example articles: `en-library`, `ko-night-bus`, `ja-heavy-snow`."""
    with open(os.path.join(EXAMPLES, f"{name}.txt"), encoding="utf-8") as handle:
        return handle.read()


def make_document(folder, extension: str, text: str | None = None, stem: str = "article"):
    """Write `text` (first line = headline) as a file of the given type; returns its path.

    PDFs use a core PDF font, which has no Hangul or kana, so the default text is English.
    """
    from pathlib import Path

    text = text if text is not None else example_text("en-library")
    headline, *rest = [line for line in text.splitlines() if line.strip()]
    path = Path(folder) / f"{stem}{extension}"
    if extension == ".txt":
        path.write_text(text, encoding="utf-8")
    elif extension == ".md":
        path.write_text(f"# {headline}\n\n" + "\n\n".join(rest) + "\n", encoding="utf-8")
    elif extension == ".html":
        from html import escape

        paragraphs = "".join(f"<p>{escape(line)}</p>\n" for line in rest)
        path.write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>News</title></head><body>"
            "<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{escape(headline)}</h1>\n{paragraphs}</article>"
            "<footer>Copyright 2026 Example News. All rights reserved.</footer></body></html>",
            encoding="utf-8",
        )
    elif extension == ".docx":
        import docx

        document = docx.Document()
        document.add_heading(headline, level=1)
        for line in rest:
            document.add_paragraph(line)
        document.save(path)
    elif extension == ".pdf":
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=16)
        pdf.multi_cell(0, 9, headline, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for line in rest:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        pdf.output(str(path))
    else:
        raise ValueError(f"no writer for {extension}")
    return path
