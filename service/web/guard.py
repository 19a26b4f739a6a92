"""The app's outer wall: one ASGI middleware that sees every request before Gradio or the routes do.

Each check here closes an attack that was tried against the live app (issue 9, docs/security.md):

- **Client address.** Forwarded headers are trusted only from `SERVICE_TRUSTED_PROXIES`, and then
  the right-most address that is not a trusted proxy is the client (the left-most is whatever the
  client wrote). Without trusted proxies the socket's peer is the client, whatever the headers say.
  uvicorn's own proxy-header handling is switched off (`SERVER_OPTIONS`), so only this rule applies.
- **Server files.** Gradio 6.31 copies any `FileData.path` a request names into its cache before the
  handler runs (a mounted app never gets `launch()`'s upload-folder check), and the handlers then read
  it. Every JSON body sent to the Gradio side is parsed here first; a `path` whose real location
  (symlinks resolved) is not inside the app's own upload folder is refused with 400 before anything
  is opened or copied.
- **Slow bodies.** A body is read completely, within `body_timeout_s` (else 408) and `max_body_bytes`
  (else 413), before the request reaches anything that could hold a queue place or a slot.
- **Deep JSON.** A body nested past Python's recursion limit is a 400, not a 500.
- **Password guessing.** Failed logins (`POST /login`) count against the client's failure budget
  (`Access.failures`); past it every attempt, right or wrong, gets 429 with `Retry-After`.
- **Stranger-only endpoints.** `/openapi.json`, `/docs` and `/redoc` are closed always (the endpoints
  are documented in docs/endpoints.md and listed for logged-in clients by `/gradio_api/info`); with a
  login configured, Gradio's session endpoints that it leaves open (`/gradio_api/cancel`, `heartbeat`,
  `app_id`, `reset`, `stream`, `startup-events`, ...) need a logged-in session too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import InputError
from service.web.access import Access, Networks, is_trusted

log = logging.getLogger(__name__)

#: Passed to uvicorn by `python app.py` (and the tests' servers): the client address is decided here.
SERVER_OPTIONS: dict[str, Any] = {"proxy_headers": False}
#: Paths nobody needs: FastAPI's generated schema and docs pages (Gradio's inner app serves them).
CLOSED_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
#: With a login configured, these Gradio paths (open in Gradio 6.31) also need a logged-in session.
SESSION_PATHS = (
    "/gradio_api/cancel",
    "/gradio_api/heartbeat/",
    "/gradio_api/app_id",
    "/gradio_api/reset",
    "/gradio_api/stream/",
    "/gradio_api/startup-events",
    "/gradio_api/run-history",
    "/gradio_api/vibe",
    "/gradio_api/undo-vibe-edit",
    "/gradio_api/token",
    "/gradio_api/mcp",
    "/monitoring",
)
#: Bodies that are not buffered here: the JSON API reads its own (`http_api`), uploads are multipart
#: files that Gradio streams to disk under its own size limit.
UNBUFFERED_PREFIXES = ("/api/v1/", "/gradio_api/upload")
LOGIN_PATHS = ("/login", "/login/")


def client_address(peer: str | None, forwarded_for: list[str], networks: Networks) -> str:
    """The client: the peer itself unless it is a trusted proxy; then the right-most hop of
    `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it saw)."""
    peer = peer or "unknown"
    if not networks or not is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def inside(path: str, folder: Path) -> bool:
    """Whether `path`, with every symlink resolved, lies inside `folder` (itself resolved)."""
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    return real != folder and real.is_relative_to(folder)


def server_paths(data: Any, folder: Path) -> list[str]:
    """Every `path` value in a JSON document that is not a file inside `folder` (iterative walk)."""
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("path")
            if value is not None and not (isinstance(value, str) and inside(value, folder)):
                found.append(str(value))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


FILES_MUST_BE_UPLOADED = (
    "Files must be uploaded: a file argument must be a file uploaded to this server "
    "(gradio_client's handle_file() does this), not a path on the server."
)


class _BodyError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def read_body(receive: Receive, *, limit: int, timeout: float) -> bytes:
    """The whole body within `timeout` seconds and `limit` bytes, else `_BodyError` (408 / 413)."""
    chunks: list[bytes] = []
    size = 0

    async def collect() -> bytes:
        nonlocal size
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _BodyError(400, "disconnected", "The client went away before sending its body.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    try:
        return await asyncio.wait_for(collect(), timeout)
    except TimeoutError:
        raise _BodyError(
            408,
            "request_timeout",
            f"The request body did not arrive within {timeout:g} s (set SERVICE_BODY_TIMEOUT to change it).",
        ) from None


def _too_large(limit: int) -> _BodyError:
    return _BodyError(
        413,
        "too_large",
        f"The request body is larger than {limit:,} bytes (set SERVICE_MAX_BODY_BYTES to change it).",
    )


def parse_json(body: bytes) -> Any:
    """The body as JSON, or `_BodyError` 400 (including for nesting too deep to parse)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise _BodyError(
            400, "bad_input", "The request body is nested too deeply to be read as JSON."
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise _BodyError(400, "bad_input", f"The request body is not valid JSON ({exc}).") from None


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


class Guard:
    """The ASGI middleware described in the module docstring (outermost, so it runs first)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        access: Access,
        upload_dir: Path,
        max_body_bytes: int,
        body_timeout_s: float,
        logged_in: Callable[[HTTPConnection], bool] | None = None,
    ):
        self.app = app
        self.access = access
        self.upload_dir = Path(os.path.realpath(upload_dir))
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.logged_in = logged_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        self._set_client(scope)
        if scope["type"] == "websocket":  # Gradio 6.31 serves none; the address rule still applies
            await self.app(scope, receive, send)
            return
        response = self._closed(scope)
        if response is not None:
            await response(scope, receive, send)
            return
        path = scope["path"]
        is_login = scope["method"] == "POST" and path in LOGIN_PATHS
        if is_login:
            wait = self.access.failure_wait(scope["client"][0])
            if wait:
                await self._too_many_failures(wait)(scope, receive, send)
                return
        if scope["method"] in ("POST", "PUT", "PATCH") and not path.startswith(UNBUFFERED_PREFIXES):
            try:
                receive = await self._checked_body(scope, receive)
            except _BodyError as exc:
                await _error(exc.status, exc.code, exc.message)(scope, receive, send)
                return
        if is_login:
            send = self._count_failed_login(scope["client"][0], send)
        await self.app(scope, receive, send)

    def _set_client(self, scope: Scope) -> None:
        peer = scope.get("client")
        networks = self.access.trusted_proxies
        host = peer[0] if peer else None
        if networks and host is not None and is_trusted(host, networks):
            headers = HTTPConnection(scope).headers
            scope["client"] = (client_address(host, headers.getlist("x-forwarded-for"), networks), 0)
            proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                secure = proto == "https"
                scope["scheme"] = ("wss" if secure else "ws") if scope["type"] == "websocket" else proto
        elif peer is None:
            scope["client"] = ("unknown", 0)

    def _closed(self, scope: Scope) -> JSONResponse | None:
        path = scope["path"]
        if path in CLOSED_PATHS:
            return _error(404, "not_found", "Not found.")
        if self.access.login_required and path.startswith(SESSION_PATHS) and not self._session(scope):
            return _error(401, "unauthorized", "Log in first: this endpoint is for logged-in sessions.")
        return None

    def _session(self, scope: Scope) -> bool:
        return self.logged_in is not None and self.logged_in(HTTPConnection(scope))

    def _too_many_failures(self, wait: float) -> JSONResponse:
        retry_after = max(1, math.ceil(wait))
        return _error(
            429,
            "too_many_requests",
            f"Too many failed login attempts from your address. Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body (deadline, size), refuse server paths; return a receive that replays it."""
        declared = HTTPConnection(scope).headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _too_large(self.max_body_bytes)
        body = await read_body(receive, limit=self.max_body_bytes, timeout=self.body_timeout_s)
        # Every body that parses as JSON is checked, whatever it claims to be: FastAPI parses a body
        # without a Content-Type as JSON too, and json.loads reads UTF-16 and UTF-32 as well.
        content_type = HTTPConnection(scope).headers.get("content-type", "")
        try:
            data = parse_json(body) if body.strip() else None
        except _BodyError:
            if "json" in content_type or body.lstrip()[:1] in (b"{", b"["):
                raise
            data = None  # a form or other non-JSON body (the login form): nothing to check
        if server_paths(data, self.upload_dir):
            log.warning("Refused a request naming a server path as a file")
            raise _BodyError(400, "files_must_be_uploaded", FILES_MUST_BE_UPLOADED)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def _count_failed_login(self, client: str, send: Send) -> Callable[[Message], Awaitable[None]]:
        """Wrap `send`: a refused login (Gradio answers 400 "Incorrect credentials") is one failure."""

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (400, 401, 403):
                self.access.record_failure(client)
            await send(message)

        return counting


def uploaded_path(file: Any) -> str | None:
    """The path of an uploaded file argument, or None when there is none.

    Only a file inside Gradio's upload folder (the app's own, `service.settings.own_upload_folder`)
    is accepted, with every symlink resolved: a client naming any other path gets `InputError` and
    nothing is opened. `service.web.guard` refuses such requests before Gradio copies anything; this
    is the same rule where the file is used."""
    from gradio.utils import get_upload_folder

    path = _file_path(file)
    if not path:
        return None
    folder = Path(os.path.realpath(get_upload_folder()))
    real = Path(os.path.realpath(path))
    if real == folder or not real.is_relative_to(folder):
        raise InputError(FILES_MUST_BE_UPLOADED)
    return path


def _file_path(file: Any) -> str | None:
    """Gradio passes a path (type="filepath"); be lenient with a FileData-like dict or object."""
    if not file:
        return None
    if isinstance(file, str | Path):
        return str(file)
    if isinstance(file, dict):
        return file.get("path")
    return getattr(file, "path", None)
