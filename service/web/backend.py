"""What the page, the client endpoints and the JSON API share: one `Backend` per process.

It holds the one `Pipeline` (so models load once), the limits, the access rules and the admission
control: at most `concurrency` articles are processed at once (page, client endpoints and JSON API
together); Gradio's queue holds up to `queue_size` more and refuses the rest ("queue full"), and the
JSON API admits up to `concurrency + queue_size` requests and answers 503 "server busy" beyond that.

Models are warmed in a background thread when the app starts, so the page answers at once, and
one role at a time in the order an English article needs them (summary, English to Korean and
Japanese, then Korean and Japanese to English): a request loads the roles it needs itself and never
waits for the others, and warm-up pauses between roles while requests run. On first start the `auto`
engine converts each model to CTranslate2 (20-30 s for the default set, benchmarks/coldstart.py);
the page shows "preparing models (n of 5)" with the time so far meanwhile.

A model that cannot be loaded does not stop the app: every request that needs it gets the
`ModelUnavailable` message naming the model and what to do about it, at once (the failure is
remembered, `service.engines.loading`), and the backend retries it in the background every
`RETRY_MISSING_S` seconds until it loads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from service.batch import BatchItem, fetch_links
from service.batch import run_batch as _run_batch
from service.engines.loading import forget_failure, is_hub_model, remember_failure, set_space, short_reason
from service.errors import EmptyInput, InputError, ModelSetError, ServiceError
from service.fetching import WebDocument
from service.limits import Limits
from service.models.sets import ROLES
from service.options import PipelineOptions
from service.pipeline import Event, Pipeline
from service.result import Result
from service.settings import Settings
from service.text.glossary import Glossary, request_glossary
from service.web.access import Access
from service.web.public import model_name, public_result

log = logging.getLogger(__name__)

#: Seconds between background attempts to load models that warm-up found missing.
RETRY_MISSING_S = 60.0


def default_max_body_bytes(limits: Limits) -> int:
    """Largest JSON body worth reading: `max_chars` characters at 6 bytes each (a `\\uXXXX` escape,
    the worst case for Korean or Japanese text) plus room for the other fields."""
    return limits.max_chars * 6 + 64 * 1024


class Backend:
    """What the page and the endpoints share: the pipeline, the limits and the model status.

    A bad model-set configuration (`SERVICE_MODELS` naming a missing file) does not stop the app
    either: the error is kept and every request gets its message. Configuration comes from
    `settings` (built once by the entry point, `Settings.from_env()`); the keyword arguments
    override single values (tests).
    """

    def __init__(
        self,
        pipeline: Pipeline | None = None,
        *,
        settings: Settings | None = None,
        models: str | os.PathLike | None = None,
        concurrency: int | None = None,
        queue_size: int | None = None,
        max_body_bytes: int | None = None,
        access: Access | None = None,
    ):
        settings = settings or Settings()
        self.settings = settings
        set_space(settings.space_id)  # load failures name what a Space owner can do
        self.config_error: ServiceError | None = None
        if pipeline is None:
            try:
                pipeline = Pipeline(
                    models=models or settings.models,
                    limits=settings.limits,
                    engines=settings.engines,
                    fetch=settings.fetch,
                )
            except ModelSetError as exc:
                log.error("%s", exc)
                self.config_error = exc
        self._pipeline = pipeline
        self.limits = pipeline.limits if pipeline is not None else settings.limits
        #: Articles processed at the same time, page and JSON API together (also the queue's limit).
        self.concurrency = concurrency or settings.concurrency
        #: Requests that may wait in Gradio's queue before new ones are turned away.
        self.queue_size = queue_size or settings.queue_size
        self.max_body_bytes = max_body_bytes or settings.max_body_bytes or default_max_body_bytes(self.limits)
        #: Seconds a client has to send a whole request body (408 after that).
        self.body_timeout_s = settings.body_timeout_s
        #: Login, API token and rate limit (`service.web.access`).
        self.access = access if access is not None else settings.access
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._holding = threading.local()  # whether this thread holds a slot already (`slot()`)
        # JSON API requests admitted (running or waiting for a slot); beyond the limit: 503 busy.
        self._admitted = 0
        self._admit_lock = threading.Lock()
        self._status: dict[str, str | None] = {}
        self._status_lock = threading.Lock()
        self._warm_thread: threading.Thread | None = None
        self._warm_done = threading.Event()
        self._loaded: set[str] = set()
        #: Warm-up progress for the status line: when it started, and the role it is preparing.
        self._warm_started: float | None = None
        self._preparing: str | None = None
        # Requests running now; warm-up waits for none before preparing the next role.
        self._running = 0
        self._idle = threading.Condition()
        self._retry_thread: threading.Thread | None = None

    # -- the pipeline ----------------------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            assert self.config_error is not None
            raise self.config_error
        return self._pipeline

    def loaded_pipeline(self) -> Pipeline:
        """The pipeline. Models load per role on first use: `Pipeline.run` loads the roles an article
        needs before any work, so an English article never waits for the Korean-to-English and
        Japanese-to-English models (converting those is seconds at real size on a cold start).

        Loads are serialised by the engine registry (`service.engines.load_engine` takes the write
        side of `MODEL_ACCESS`: two first loads at once can leave a model with uninitialised weights).
        A role whose model is missing raises `ModelUnavailable` only for runs that need it."""
        return self.pipeline

    @contextlib.contextmanager
    def _busy(self) -> Iterator[None]:
        """Count a request as running (warm-up waits for none before preparing its next role)."""
        with self._idle:
            self._running += 1
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _load(self, pipeline: Pipeline, role: str) -> str | None:
        """Load one role's model; None when loaded, else the message."""
        try:
            pipeline.engine(role)
        except ServiceError as exc:
            return str(exc)
        self._loaded.add(role)
        return None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the `concurrency` processing slots (waiting for one if need be).

        Everything that costs real CPU takes one: model runs, and reading a document (a small file
        can hold minutes of parsing), for the page, every client endpoint and the JSON API alike.
        Re-entrant within a thread, so a handler can read a file and run the models in one slot."""
        if getattr(self._holding, "slot", False):
            yield
            return
        with self._slots:
            self._holding.slot = True
            try:
                yield
            finally:
                self._holding.slot = False

    def run(
        self,
        text: str,
        *,
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        progress: Callable[[str, float], None] | None = None,
        glossary: Glossary | str | list | None = None,
        on_event: Event | None = None,
    ) -> Result:
        """One article through the pipeline; at most `concurrency` run at once, the rest wait.
        `glossary`: a parsed `Glossary`, or a client's text or list (`request_glossary`), never a path.
        `on_event`: partial results as they exist (`service.pipeline.Event`)."""
        if not isinstance(text, str) or not text.strip():
            raise EmptyInput(
                "The article is empty: paste its text, or upload a file (.txt, .md, .html, .pdf, .docx)."
            )
        options: dict[str, Any] = {"source_language": source_language, "length": length, "mode": mode}
        for name, value in options.items():
            if not isinstance(value, str):
                raise InputError(f"{name} must be a string, got {type(value).__name__}")
        terms = glossary if isinstance(glossary, Glossary) else request_glossary(glossary)
        with self.slot(), self._busy():
            if progress is not None and len(self._loaded) < len(ROLES):
                progress("Loading models", 0.0)
            result = self.loaded_pipeline().run(
                text, progress=progress, on_event=on_event, glossary=terms, **options
            )
        self._mark_loaded(result.models)
        return public_result(result)  # model names, not the server's paths (service.web.public)

    def read_url(self, url: str) -> WebDocument:
        """The article behind a link (`Pipeline.read_url`: checked, bounded, cached for minutes)."""
        return self.pipeline.read_url(url)

    def run_url(
        self,
        url: str,
        *,
        progress: Callable[[str, float], None] | None = None,
        on_event: Event | None = None,
        **options: str,
    ) -> Result:
        """The article behind a link through `run()`. The page is fetched before a processing slot is
        taken, so a slow site never holds up other people's articles; `Result.source` records the
        final URL, title, author and date."""
        if progress is not None:
            progress("Fetching the page", 0.0)
        page = self.read_url(url)
        result = self.run(page.text, progress=progress, on_event=on_event, **options)
        result.source = page.source()
        return result

    def run_batch(
        self,
        files: Sequence[tuple[str, str | os.PathLike | bytes]],
        *,
        links: Sequence[str] = (),
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        on_done: Callable[[BatchItem], None] | None = None,
    ) -> list[BatchItem]:
        """`(name, path-or-bytes)` files, then links: one `BatchItem` each, in that order. One that
        fails is listed with its reason, the rest go on; only a missing model or a broken model set
        stops the batch. Links are fetched first (`service.batch.fetch_links`), outside the slot as
        in `run_url`, so slow sites hold up no one else; then the batch holds one slot."""
        urls = [link.strip() for link in links if link.strip()]
        if not files and not urls:
            raise EmptyInput(
                "Nothing to process: upload one or more files (.txt, .md, .html, .pdf, .docx) or paste links."
            )
        self.limits.check(
            "max_batch_files", len(files) + len(urls), "The number of files and links in the batch"
        )
        options = PipelineOptions(source_language=source_language, length=length, mode=mode).validated()
        sources = [*files, *fetch_links(self.read_url, urls)]  # before the slot
        with self.slot(), self._busy():
            items = _run_batch(
                self.loaded_pipeline(), sources, vars(options), limits=self.limits, on_done=on_done
            )
        for item in items:
            if item.result is not None:
                self._mark_loaded(item.result.models)
                item.result = public_result(item.result)
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
        self._warm_started = time.monotonic()
        try:
            for role in ROLES:  # summarise, en-ko, en-ja first: what an English article needs
                with self._idle:  # requests load what they need themselves; do not compete with them
                    self._idle.wait_for(lambda: self._running == 0)
                self._preparing = role
                start = time.monotonic()
                try:
                    outcome = self._load(self.pipeline, role)
                except Exception as exc:  # a loader bug must not kill the thread or hide other roles
                    log.exception("Loading the %s model failed", role)
                    outcome = f"The {role} model could not be loaded ({type(exc).__name__}: {exc})"
                if outcome:
                    log.warning("%s", outcome)
                else:
                    log.info("%s model ready in %.1f s", role, time.monotonic() - start)
                with self._status_lock:
                    self._status[role] = outcome
        finally:
            self._preparing = None
            self._warm_done.set()
        if any(self._status.values()):
            self._retry_thread = threading.Thread(
                target=self._retry_missing, name="retry-models", daemon=True
            )
            self._retry_thread.start()

    def _retry_missing(self) -> None:
        """Every `RETRY_MISSING_S`, try the models warm-up found missing again, until all have loaded.

        A Hub model is first looked for (cache, then the Hub, asked even if it failed a moment ago);
        while that fails its failure stays remembered, so requests keep getting the message at once
        instead of waiting for the Hub themselves."""
        from service.models.fetch import locate_model

        while True:
            time.sleep(RETRY_MISSING_S)
            with self._status_lock:
                missing = [role for role, error in self._status.items() if error]
            if not missing:
                return
            for role in missing:
                spec = self.pipeline.model_set.spec(role)
                if spec.model and is_hub_model(spec):
                    try:
                        locate_model(spec.model, spec.revision, ask_hub=True)
                    except Exception as exc:
                        remember_failure(spec, short_reason(exc))
                        continue
                    forget_failure(spec)
                outcome = self._load(self.pipeline, role)
                if outcome is None:
                    log.info("The %s model has become available and is loaded", role)
                    with self._status_lock:
                        self._status[role] = None

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
                "model": model_name(spec.label),
                "engine": spec.engine,
                "state": state,
                "error": status.get(role),
            }
        return states

    def preparing(self) -> dict[str, Any] | None:
        """While warm-up runs: the role it prepares, its place (`n` of `of`) and the seconds so far."""
        role, started = self._preparing, self._warm_started
        if role is None or started is None or self.warm_up_done:
            return None
        return {
            "role": role,
            "n": ROLES.index(role) + 1,
            "of": len(ROLES),
            "seconds": round(time.monotonic() - started, 1),
        }

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
        preparing = self.preparing()
        if preparing is not None:
            data["preparing"] = preparing
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
        preparing = self.preparing()
        if preparing is not None:
            return (
                f"Models ({name}): preparing models ({preparing['n']} of {preparing['of']}, "
                f"{preparing['seconds']:.0f} s so far); you can submit meanwhile."
            )
        return f"Models ({name}): loading ({loaded} of {len(ROLES)} ready); you can submit meanwhile."
