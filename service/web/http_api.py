"""The plain JSON HTTP API: `POST /api/v1/process` and `GET /api/v1/health`.

JSON in and JSON out (`Result.to_dict()`), for curl and scripts. With `"stream": true` the answer is
newline-delimited JSON events instead (`application/x-ndjson`), so a client can show the English
summary as soon as it exists: `{"event": "summary", ...}`, then `{"event": "translation", "language":
"ko", ...}` per language as each finishes, then `{"event": "done", "result": {...}}` (the same dict as
without streaming) or `{"event": "error", "error": code, "message": ...}`. A request refused before
the run starts (bad JSON, busy, too large) gets the plain JSON error and status, as without streaming. Requests choose the text and the
options, never the models. Access control (login, API token, rate limit) is `service.web.access`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from service.errors import (
    AccessError,
    EmptyInput,
    InputError,
    InputTooLarge,
    ServiceError,
    TooManyRequests,
    Unauthorized,
)
from service.options import PipelineOptions
from service.text.glossary import request_glossary
from service.web.backend import Backend

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Fields a JSON request may set. Anything else (a model id, say) is refused, not ignored.
REQUEST_FIELDS = ("text", "url", "source_language", "length", "mode", "glossary", "stream")
#: Media type of a streamed answer: one JSON object per line.
NDJSON = "application/x-ndjson"


# -- JSON HTTP API ----------------------------------------------------------------------------------

router = APIRouter(prefix=API_PREFIX)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def error_response(exc: ServiceError) -> JSONResponse:
    """The JSON error for `exc`: its own status and code (`service.errors`), and the headers it needs."""
    response = _error(exc.status, exc.code, str(exc))
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


#: Seconds a client refused as busy is told to wait before trying again.
BUSY_RETRY_AFTER_S = 5


def client_address(request: Request) -> str:
    """The client's IP address, as `service.web.guard` decided it (`SERVICE_TRUSTED_PROXIES`)."""
    return request.client.host if request.client else "unknown"


#: A body declared too large is still read (and dropped) up to this many bytes, so that a client
#: that sends it all before reading the reply (urllib, requests) gets the 413 instead of a reset.
DRAIN_LIMIT_BYTES = 16 * 1024 * 1024


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is longer than `limit` (nothing past that is kept)."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    # curl asks first (Expect: 100-continue): refusing now means the body is never sent.
    if too_large and "100-continue" in request.headers.get("expect", "").lower():
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            too_large = True
        if too_large:
            chunks.clear()
            if size > limit + DRAIN_LIMIT_BYTES:
                break
        else:
            chunks.append(chunk)
    return None if too_large else b"".join(chunks)


def parse_request(body: bytes) -> dict[str, Any]:
    """Validate a /process body: a JSON object with `text` or `url` (the article's link, fetched by the
    server: `service.fetching`) and optional options, nothing else."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise InputError("The request body is nested too deeply to be read as JSON.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"The request body is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise InputError('The request body must be a JSON object, e.g. {"text": "..."}.')
    unknown = sorted(set(data) - set(REQUEST_FIELDS))
    if unknown:
        raise InputError(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; accepted fields: {', '.join(REQUEST_FIELDS)}."
        )
    if "text" in data and "url" in data:
        raise InputError('Send either "text" or "url", not both.')
    if "text" not in data and "url" not in data:
        raise EmptyInput(
            'The request has no "text" field: send {"text": "<the article>"} or {"url": "https://…"}.'
        )
    defaults = PipelineOptions()
    article = "url" if "url" in data else "text"
    fields = {
        article: data[article],
        "source_language": data.get("source_language", defaults.source_language),
        "length": data.get("length", defaults.length),
        "mode": data.get("mode", defaults.mode),
    }
    for name, value in fields.items():
        if not isinstance(value, str):
            raise InputError(f'"{name}" must be a string, got {type(value).__name__}.')
    if "stream" in data:
        if not isinstance(data["stream"], bool):
            raise InputError(f'"stream" must be true or false, got {type(data["stream"]).__name__}.')
        fields["stream"] = data["stream"]
    if data.get("glossary") is not None:
        # A list of {"en", "ko", "ja"} objects or CSV/TSV/TOML text, checked and size-limited here
        # (service.text.glossary) so a bad glossary is a 400 naming the line or item.
        fields["glossary"] = request_glossary(data["glossary"])
    return fields


@router.post("/process", response_model=None)
async def process(request: Request) -> JSONResponse | StreamingResponse:
    """Check the token and the rate, read the whole body (within `body_timeout_s`), and only then
    take a place among the admitted requests: a client that sends its body slowly holds nothing."""
    backend: Backend = request.app.state.backend
    client = client_address(request)
    try:
        backend.access.check_token(request.headers.get("authorization"), client)
        backend.access.check_rate(client)
    except AccessError as exc:
        return error_response(exc)
    try:
        body = await asyncio.wait_for(_read_body(request, backend.max_body_bytes), backend.body_timeout_s)
    except TimeoutError:
        return _error(
            408,
            "request_timeout",
            f"The request body did not arrive within {backend.body_timeout_s:g} s "
            "(set SERVICE_BODY_TIMEOUT to change it).",
        )
    response: JSONResponse | StreamingResponse
    if not backend.admit():
        response = _error(
            503,
            "busy",
            f"Server busy: {backend.concurrency + backend.queue_size} requests are already running or "
            f"waiting. Try again in {BUSY_RETRY_AFTER_S} s.",
        )
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response
    streaming = False
    try:
        response = await _process(body, backend)
        streaming = isinstance(response, StreamingResponse)
        return response
    finally:
        if not streaming:  # a stream releases its place when it ends
            backend.release()


async def _process(body: bytes | None, backend: Backend) -> JSONResponse | StreamingResponse:
    if body is None:
        return _error(
            413,
            InputTooLarge.code,
            f"The request body is larger than {backend.max_body_bytes:,} bytes "
            "(set SERVICE_MAX_BODY_BYTES to change it).",
        )
    try:
        fields = parse_request(body)
        if fields.pop("stream", False):
            return _stream(fields, backend)
        if "url" in fields:
            url = fields.pop("url")
            result = await run_in_threadpool(backend.run_url, url, **fields)
        else:
            text = fields.pop("text")
            result = await run_in_threadpool(backend.run, text, **fields)
    except ServiceError as exc:
        return error_response(exc)
    except Exception:
        log.exception("Unexpected error in %s/process", API_PREFIX)
        return _error(500, "internal_error", "Internal error; the server log has the details.")
    return JSONResponse(result.to_dict())


@router.get("/health")
def health(request: Request) -> JSONResponse:
    backend: Backend = request.app.state.backend
    return JSONResponse(backend.health())


def _line(event: str, data: dict[str, Any]) -> bytes:
    return (json.dumps({"event": event, **data}, ensure_ascii=False) + "\n").encode("utf-8")


def _stream(fields: dict[str, Any], backend: Backend) -> StreamingResponse:
    """Start the run now and stream its events as they happen (see the module text). The run gives
    back the request's admission place itself, before its last event, so the place is free once the
    client has read everything, and also when the client left before the stream began."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def on_event(kind: str, data: dict[str, Any]) -> None:  # called on the run's thread
        loop.call_soon_threadsafe(queue.put_nowait, _line(kind, data))

    def work() -> None:
        try:
            if "url" in fields:
                url = fields.pop("url")
                result = backend.run_url(url, on_event=on_event, **fields)
            else:
                text = fields.pop("text")
                result = backend.run(text, on_event=on_event, **fields)
            line = _line("done", {"result": result.to_dict()})
        except ServiceError as exc:
            line = _line("error", {"error": exc.code, "message": str(exc)})
        except Exception:
            log.exception("Unexpected error in %s/process (stream)", API_PREFIX)
            message = "Internal error; the server log has the details."
            line = _line("error", {"error": "internal_error", "message": message})
        finally:
            backend.release()
        loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    loop.run_in_executor(None, work)

    async def events() -> AsyncIterator[bytes]:
        while (item := await queue.get()) is not None:
            yield item

    return StreamingResponse(events(), media_type=NDJSON)
