"""The plain JSON HTTP API: `POST /api/v1/process` and `GET /api/v1/health`.

JSON in and JSON out (`Result.to_dict()`), for curl and scripts. Requests choose the text and the
options, never the models. Access control (login, API token, rate limit) is `service.web.access`.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.errors import (
    EmptyInput,
    InputError,
    InputTooLarge,
    ModelSetError,
    ModelUnavailable,
    ServiceError,
    UnsupportedLanguage,
)
from service.pipeline import PipelineOptions
from service.web.access import AccessError, TooManyRequests, Unauthorized
from service.web.backend import Backend

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Fields a JSON request may set. Anything else (a model id, say) is refused, not ignored.
REQUEST_FIELDS = ("text", "source_language", "length", "mode")
#: HTTP status for each error kind; anything not listed is a 400 (the input's fault).
#: (Access errors carry their own: 401, 403 or 429.)
STATUS_BY_ERROR: dict[type[ServiceError], int] = {
    InputTooLarge: 413,
    UnsupportedLanguage: 422,
    ModelUnavailable: 503,
    ModelSetError: 500,
}



# -- JSON HTTP API ----------------------------------------------------------------------------------

router = APIRouter(prefix=API_PREFIX)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def error_response(exc: ServiceError) -> JSONResponse:
    if isinstance(exc, AccessError):
        status = exc.status
    else:
        status = next((s for kind, s in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    response = _error(status, exc.code, str(exc))
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


#: Seconds a client refused as busy is told to wait before trying again.
BUSY_RETRY_AFTER_S = 5


def client_address(request: Request) -> str:
    """The client's IP address (behind a proxy, uvicorn's proxy_headers put the real one here)."""
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


def parse_request(body: bytes) -> dict[str, str]:
    """Validate a /process body: a JSON object with `text` and optional options, nothing else."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"The request body is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise InputError('The request body must be a JSON object, e.g. {"text": "..."}.')
    unknown = sorted(set(data) - set(REQUEST_FIELDS))
    if unknown:
        raise InputError(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; accepted fields: {', '.join(REQUEST_FIELDS)}."
        )
    if "text" not in data:
        raise EmptyInput('The request has no "text" field: send {"text": "<the article>"}.')
    defaults = PipelineOptions()
    fields = {
        "text": data["text"],
        "source_language": data.get("source_language", defaults.source_language),
        "length": data.get("length", defaults.length),
        "mode": data.get("mode", defaults.mode),
    }
    for name, value in fields.items():
        if not isinstance(value, str):
            raise InputError(f'"{name}" must be a string, got {type(value).__name__}.')
    return fields


@router.post("/process")
async def process(request: Request) -> JSONResponse:
    backend: Backend = request.app.state.backend
    try:
        backend.access.check_token(request.headers.get("authorization"))
        backend.access.check_rate(client_address(request))
    except AccessError as exc:
        return error_response(exc)
    if not backend.admit():
        response = _error(
            503,
            "busy",
            f"Server busy: {backend.concurrency + backend.queue_size} requests are already running or "
            f"waiting. Try again in {BUSY_RETRY_AFTER_S} s.",
        )
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response
    try:
        return await _process(request, backend)
    finally:
        backend.release()


async def _process(request: Request, backend: Backend) -> JSONResponse:
    body = await _read_body(request, backend.max_body_bytes)
    if body is None:
        return _error(
            413,
            InputTooLarge.code,
            f"The request body is larger than {backend.max_body_bytes:,} bytes "
            "(set SERVICE_MAX_BODY_BYTES to change it).",
        )
    try:
        fields = parse_request(body)
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


