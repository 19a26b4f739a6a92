"""The web application: shared state, the plain JSON HTTP API, and the Gradio page mounted beside it.

One process serves everything from one `Backend` (one `Pipeline`, so models load once):

- `POST /api/v1/process`: one request, JSON in and JSON out (`Result.to_dict()`), for curl and scripts;
- `GET /api/v1/health`: whether the server is up and which models are loaded or missing;
- `/` : the Gradio page, and its client endpoints (`/process`, `/batch`, `/summarise`, `/translate`,
  `/detect`) that `gradio_client.Client` calls through Gradio's queue.

Models are warmed in a background thread when the app starts, so the page answers at once; a model
that cannot be loaded does not stop the app: every request that needs it gets the `ModelUnavailable`
message (HTTP 503 here, an error toast on the page) naming the model and the command that fetches it.
Requests choose the text and the options, never the models.

Load: at most `concurrency` articles are processed at once (page, client endpoints and JSON API
together); Gradio's queue holds up to `queue_size` more and refuses the rest ("queue full"), and the
JSON API admits up to `concurrency + queue_size` requests and answers 503 "server busy" beyond that.
Access control (login, API token, rate limit) is `service.access`, off unless configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .access import Access, AccessError, TooManyRequests, Unauthorized
from .batch import BatchItem
from .batch import run_batch as _run_batch
from .errors import (
    EmptyInput,
    InputError,
    InputTooLarge,
    ModelSetError,
    ModelUnavailable,
    ServiceError,
    UnsupportedLanguage,
)
from .limits import Limits
from .modelsets import ROLES
from .pipeline import Pipeline, PipelineOptions
from .result import Result

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


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def default_max_body_bytes(limits: Limits) -> int:
    """Largest JSON body worth reading: `max_chars` characters at 6 bytes each (a `\\uXXXX` escape,
    the worst case for Korean or Japanese text) plus room for the other fields."""
    return limits.max_chars * 6 + 64 * 1024


class Backend:
    """What the page and the endpoints share: the pipeline, the limits and the model status.

    A bad model-set configuration (`SERVICE_MODELS` naming a missing file) does not stop the app
    either: the error is kept and every request gets its message.
    """

    def __init__(
        self,
        pipeline: Pipeline | None = None,
        *,
        models: str | os.PathLike | None = None,
        concurrency: int | None = None,
        queue_size: int | None = None,
        max_body_bytes: int | None = None,
        access: Access | None = None,
    ):
        self.config_error: ServiceError | None = None
        if pipeline is None:
            try:
                pipeline = Pipeline(models=models)
            except ModelSetError as exc:
                log.error("%s", exc)
                self.config_error = exc
        self._pipeline = pipeline
        self.limits = pipeline.limits if pipeline is not None else Limits.from_env()
        #: Articles processed at the same time, page and JSON API together (also the queue's limit).
        self.concurrency = concurrency or _env_int("SERVICE_CONCURRENCY", 2)
        #: Requests that may wait in Gradio's queue before new ones are turned away.
        self.queue_size = queue_size or _env_int("SERVICE_QUEUE_SIZE", 32)
        self.max_body_bytes = max_body_bytes or _env_int(
            "SERVICE_MAX_BODY_BYTES", default_max_body_bytes(self.limits)
        )
        #: Login, API token and rate limit (`service.access`); read from the environment by default.
        self.access = access if access is not None else Access.from_env()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        # JSON API requests admitted (running or waiting for a slot); beyond the limit: 503 busy.
        self._admitted = 0
        self._admit_lock = threading.Lock()
        self._status: dict[str, str | None] = {}
        self._status_lock = threading.Lock()
        self._warm_thread: threading.Thread | None = None
        self._warm_done = threading.Event()
        # Models are loaded one at a time: two first loads at once (the pipeline translates into
        # Korean and Japanese in parallel threads) can leave one model with uninitialised weights.
        self._load_lock = threading.Lock()
        self._loaded: set[str] = set()

    # -- the pipeline ----------------------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            assert self.config_error is not None
            raise self.config_error
        return self._pipeline

    def loaded_pipeline(self) -> Pipeline:
        """The pipeline with every model it can have already loaded (one by one, see `_load_lock`).

        Roles whose model warm-up found missing are left to the pipeline, which raises
        `ModelUnavailable` only for runs that need them."""
        pipeline = self.pipeline
        if len(self._loaded) < len(ROLES):
            with self._load_lock:
                for role in ROLES:
                    if role not in self._loaded and self._status.get(role) is None:
                        self._load(pipeline, role)
        return pipeline

    def _load(self, pipeline: Pipeline, role: str) -> str | None:
        """Load one role's model (caller holds `_load_lock`); None when loaded, else the message."""
        try:
            pipeline.engine(role)
        except ServiceError as exc:
            return str(exc)
        self._loaded.add(role)
        return None

    def run(
        self,
        text: str,
        *,
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        progress: Callable[[str, float], None] | None = None,
    ) -> Result:
        """One article through the pipeline; at most `concurrency` run at once, the rest wait."""
        if not isinstance(text, str) or not text.strip():
            raise EmptyInput(
                "The article is empty: paste its text, or upload a file (.txt, .md, .html, .pdf, .docx)."
            )
        options = {"source_language": source_language, "length": length, "mode": mode}
        for name, value in options.items():
            if not isinstance(value, str):
                raise InputError(f"{name} must be a string, got {type(value).__name__}")
        with self._slots:
            if progress is not None and len(self._loaded) < len(ROLES):
                progress("Loading models", 0.0)
            result = self.loaded_pipeline().run(text, progress=progress, **options)
        self._mark_loaded(result.models)
        return result

    def run_batch(
        self,
        files: Sequence[tuple[str, str | os.PathLike | bytes]],
        *,
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        on_done: Callable[[BatchItem], None] | None = None,
    ) -> list[BatchItem]:
        """Many `(name, path-or-bytes)` files, one `BatchItem` each (`service.batch.run_batch`).

        A file that fails is recorded with its reason and the rest go on; only a missing model or a
        broken model set stops the batch. The batch holds one processing slot while it runs."""
        if not files:
            raise EmptyInput("No files to process: upload one or more (.txt, .md, .html, .pdf, .docx).")
        self.limits.check("max_batch_files", len(files), "The number of files in the batch")
        options = PipelineOptions(source_language=source_language, length=length, mode=mode).validated()
        with self._slots:
            items = _run_batch(
                self.loaded_pipeline(), files, vars(options), limits=self.limits, on_done=on_done
            )
        for item in items:
            if item.result is not None:
                self._mark_loaded(item.result.models)
        return items

    def admit(self) -> bool:
        """Count one JSON request in (True), or refuse it (False) when `concurrency + queue_size`
        are already running or waiting. Pair every True with `release()`."""
        with self._admit_lock:
            if self._admitted >= self.concurrency + self.queue_size:
                return False
            self._admitted += 1
            return True

    def release(self) -> None:
        with self._admit_lock:
            self._admitted -= 1

    def _mark_loaded(self, roles: Iterable[str]) -> None:
        """A model missing at warm-up may load later (the network came back): record it."""
        fresh = [role for role in roles if role not in self._loaded]
        if fresh:
            with self._status_lock:
                for role in fresh:
                    self._loaded.add(role)
                    if role in self._status:
                        self._status[role] = None

    # -- warm-up and status -----------------------------------------------------------------------------

    def start_warm_up(self) -> threading.Thread | None:
        """Load every model in a background thread (once); the app serves requests meanwhile."""
        if self._pipeline is None:
            self._warm_done.set()
            return None
        with self._status_lock:
            if self._warm_thread is None:
                self._warm_thread = threading.Thread(target=self._warm_up, name="warm-up", daemon=True)
                self._warm_thread.start()
        return self._warm_thread

    def _warm_up(self) -> None:
        try:
            for role in ROLES:
                try:
                    with self._load_lock:
                        outcome = self._load(self.pipeline, role)
                except Exception as exc:  # a loader bug must not kill the thread or hide other roles
                    log.exception("Loading the %s model failed", role)
                    outcome = f"The {role} model could not be loaded ({type(exc).__name__}: {exc})"
                if outcome:
                    log.warning("%s", outcome)
                with self._status_lock:
                    self._status[role] = outcome
        finally:
            self._warm_done.set()

    def wait_warm_up(self, timeout: float | None = None) -> bool:
        return self._warm_done.wait(timeout)

    @property
    def warm_up_done(self) -> bool:
        return self._warm_done.is_set()

    def model_states(self) -> dict[str, dict[str, Any]]:
        """Role → model label, engine and state: loaded, missing (with the error), loading, or pending."""
        if self._pipeline is None:
            return {}
        with self._status_lock:
            status = dict(self._status)
        started = self._warm_thread is not None
        states: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            spec = self._pipeline.model_set.spec(role)
            if role in status:
                state = "loaded" if status[role] is None else "missing"
            else:
                state = "loading" if started and not self.warm_up_done else "pending"
            states[role] = {
                "model": spec.label,
                "engine": spec.engine,
                "state": state,
                "error": status.get(role),
            }
        return states

    def health(self) -> dict[str, Any]:
        states = self.model_states()
        missing = [role for role, s in states.items() if s["state"] == "missing"]
        loaded = [role for role, s in states.items() if s["state"] == "loaded"]
        if self.config_error is not None:
            status = "misconfigured"
        elif missing:
            status = "degraded"
        elif len(loaded) == len(ROLES):
            status = "ready"
        else:
            status = "loading"
        data: dict[str, Any] = {
            "ok": status == "ready",
            "status": status,
            "model_set": self._pipeline.model_set.name if self._pipeline is not None else None,
            "loaded": loaded,
            "missing": missing,
            "models": states,
        }
        if self.config_error is not None:
            data["error"] = {"error": self.config_error.code, "message": str(self.config_error)}
        return data

    def status_line(self) -> str:
        """One line (or a few) for the page: loading, ready, or which models are missing and why."""
        if self.config_error is not None:
            return f"Model configuration error: {self.config_error}"
        states = self.model_states()
        loaded = sum(s["state"] == "loaded" for s in states.values())
        missing = {role: s for role, s in states.items() if s["state"] == "missing"}
        name = self.pipeline.model_set.name
        if missing:
            lines = [f"Models ({name}): {loaded} of {len(ROLES)} loaded; missing: {', '.join(missing)}."]
            lines += [f"- {role}: {s['error']}" for role, s in missing.items()]
            return "\n".join(lines)
        if loaded == len(ROLES):
            return f"Models ({name}): all {len(ROLES)} loaded and ready."
        if self._warm_thread is None:
            return f"Models ({name}): loaded on first use."
        return f"Models ({name}): loading ({loaded} of {len(ROLES)} ready); you can submit meanwhile."


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


# -- the whole application ----------------------------------------------------------------------------


async def _sweep_uploads_forever() -> None:
    """Every `CACHE_SWEEP_S`, remove what Gradio leaves behind per upload (see `sweep_upload_leftovers`)."""
    from .ui import CACHE_SWEEP_S, sweep_upload_leftovers

    while True:
        await asyncio.sleep(CACHE_SWEEP_S)
        try:
            removed = await run_in_threadpool(sweep_upload_leftovers)
        except Exception:  # housekeeping must never take the server down
            log.exception("Sweeping Gradio's upload folder failed")
            continue
        if removed:
            log.info("Removed %d empty temporary file(s) left by uploads", removed)


def create_app(backend: Backend | None = None, *, ui: bool = True, warm_up: bool = True) -> FastAPI:
    """FastAPI app with the JSON API and (unless `ui=False`) the Gradio page mounted at `/`.

    Run it with uvicorn (`python app.py`, or `uvicorn --factory service.api:create_app`).
    """
    backend = backend or Backend()
    log.info("%s", backend.access.describe())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm_up:
            backend.start_warm_up()
        sweeper = asyncio.create_task(_sweep_uploads_forever()) if ui else None
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()

    app = FastAPI(
        title="News summary and translation",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.include_router(router)
    if ui:
        import gradio as gr

        from .ui import CSS, THEME, build_demo

        demo = build_demo(backend)
        access = backend.access
        app = gr.mount_gradio_app(
            app,
            demo,
            path="/",
            auth=list(access.users) if access.login_required else None,
            auth_message="Log in to use the news summary service." if access.login_required else None,
            max_file_size=backend.limits.max_file_bytes,
            show_error=False,
            ssr_mode=False,
            footer_links=["api", "settings"],
            theme=THEME,
            css=CSS,
        )
        app.state.demo = demo
    return app
