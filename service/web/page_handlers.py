"""The page's event handlers: plain methods over the `Backend` (easy to call in tests), and the
wording of what they return (details, warnings, aligned rows, errors).

Every `ServiceError` becomes `gr.Error(message, title=...)`, so users (and `gradio_client`, as
`AppError`) see one sentence with the error's own title, never a stack trace.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from service.batch import BatchItem
from service.documents import SUPPORTED_EXTENSIONS, read_document
from service.errors import (
    EmptyInput,
    InputError,
    ServiceError,
)
from service.fetching import WebDocument
from service.languages import NAMES
from service.options import LENGTHS
from service.result import Result
from service.text.glossary import read_glossary_file
from service.web import page_batch, page_single, page_text
from service.web.backend import Backend, Event
from service.web.guard import uploaded_path
from service.web.page_batch import batch_rows, batch_summary
from service.web.page_css import CSS, HEAD, THEME  # noqa: F401 (app.py takes them from here)
from service.web.page_downloads import KEEP_DOWNLOADS, Downloads  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

#: The event `process_page_live`'s worker sends last, with the page's final values (or the exception).
_FINISHED = "finished"


def user_error(exc: ServiceError) -> gr.Error:
    """The message as a toast. Gradio renders toast text as (sanitised) HTML, so tags are escaped: a
    file name such as `<b>x.txt` must show literally. Only `<` and `>`: `gradio_client` receives
    the same string, and an `&` in a URL should reach it unchanged."""
    message = str(exc).replace("<", "&lt;").replace(">", "&gt;")
    return gr.Error(message, title=exc.title, print_exception=False)


class Handlers:
    """Event handlers for the page and the client endpoints, sharing one `Backend`."""

    def __init__(self, backend: Backend, downloads: Downloads | None = None):
        self.backend = backend
        self.downloads = downloads or Downloads()

    # -- shared steps ------------------------------------------------------------------------------

    def _check_rate(self, request: gr.Request | None) -> None:
        """The per-client rate limit (`service.web.access`; off unless configured), for every event that
        runs models. Raises `TooManyRequests` (a `ServiceError`)."""
        self.backend.access.check_rate(client_host(request) or "local")

    def _article(self, text: str | None, file: Any) -> tuple[str, dict[str, Any]]:
        """The article's text: from the uploaded file when there is one, else from the text box.
        The caller holds a processing slot: reading a document can cost as much as a model run."""
        path = uploaded_path(file)
        if path:
            document = read_document(path, limits=self.backend.limits)
            return document.text, {
                "kind": "file",
                "name": document.name,
                "format": document.format,
                "encoding": document.encoding,
            }
        if text is None or not str(text).strip():
            raise EmptyInput(
                f"The article is empty: paste its text, or upload a file ({', '.join(SUPPORTED_EXTENSIONS)})."
            )
        return str(text), {"kind": "text", "chars": len(text)}

    def _run(
        self,
        text: str | None,
        file: Any,
        source_language: str,
        length: str,
        mode: str,
        request: gr.Request | None,
        progress: gr.Progress,
        url: str | None = None,
        glossary: Any = None,
        on_event: Event | None = None,
    ) -> tuple[Result, dict[str, Any]]:
        try:
            self._check_rate(request)
            page = self._fetch(url, file, progress)
            if uploaded_path(file):
                progress(0.0, desc="Reading the file")
            with self.backend.slot():
                article, source = (page.text, page.source()) if page else self._article(text, file)
                result = self.backend.run(
                    article,
                    source_language=source_language or "auto",
                    length=length or "medium",
                    mode=mode or "summary",
                    progress=lambda stage, fraction: progress(fraction, desc=stage),
                    glossary=glossary or None,
                    on_event=on_event,
                )
        except ServiceError as exc:
            raise user_error(exc) from None
        if page is not None:
            result.source = source
        details = result.to_dict()
        details["input"] = source
        return result, details

    def _fetch(self, url: str | None, file: Any, progress: gr.Progress) -> WebDocument | None:
        """The page behind the link box, fetched before a processing slot is taken (a slow site must
        not hold up other articles); None when the box is empty."""
        if not isinstance(url, str) or not url.strip():
            return None
        if uploaded_path(file):
            raise InputError("Both a file and a link were given: clear one of them.")
        progress(0.0, desc="Fetching the page")
        return self.backend.read_url(url)

    # -- the page --------------------------------------------------------------------------------------

    def process_page(
        self,
        text: str | None,
        file: Any,
        source_language: str,
        length: str,
        mode: str,
        url: str | None = "",
        glossary: Any = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's documented idiom)
        on_event: Event | None = None,
    ) -> tuple:
        """Everything the page shows for one finished article (outputs in `SingleTab.outputs()`'s
        order); `process_page_live` is how the page calls it."""
        result, details = self._run(
            text, file, source_language, length, mode, request, progress, url, glossary, on_event
        )
        paths = self.downloads.write_all(result, details)
        rows = page_text.aligned_rows(result)
        return page_single.result_values(
            result,
            page_text.grouped_warnings(result),
            page_text.details_text(result, details["input"]),
            rows,
            paths,
        )

    def process_page_live(
        self,
        text: str | None,
        file: Any,
        source_language: str,
        length: str,
        mode: str,
        url: str | None = "",
        glossary: Any = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Iterator[tuple]:
        """The page's run: `process_page`, shown as it is made, and an error as the page's error panel
        (every output emptied, the error's own title, kept until the next run: a toast would vanish
        and leave the last result shown). The English summary shows the moment it exists
        (about 4.5 s of a 10.4 s article-mode run at real sizes, benchmarks/RESULTS.md), then the
        Korean and Japanese columns and their table cells as each language finishes, then the whole
        result. The run goes on a worker thread in this event's context (Gradio keeps the progress
        bar's event in context variables) and hands its events over a queue."""
        events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

        def work() -> None:
            value: Any
            try:
                value = self.process_page(
                    text,
                    file,
                    source_language,
                    length,
                    mode,
                    url,
                    glossary,
                    request,
                    progress,
                    on_event=lambda kind, data: events.put((kind, data)),
                )
            except gr.Error as error:
                value = page_single.error_values(error)
            except BaseException as exc:  # not the user's fault: Gradio reports it as it would
                value = exc
            events.put((_FINISHED, value))

        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(work,), name="page-run", daemon=True).start()
        table = page_single.LiveTable()
        while True:
            kind, data = events.get()
            if kind == _FINISHED:
                if isinstance(data, BaseException):
                    raise data
                yield data
                return
            yield page_single.partial_values(kind, data, table)

    def _batch(
        self,
        files: Any,
        source_language: str,
        length: str,
        mode: str,
        links: str | None,
        request: gr.Request | None,
        progress: gr.Progress,
    ) -> list[BatchItem]:
        """Every uploaded file, then every link (one per line), through the pipeline, in order; a
        failed file or link is listed, not fatal."""
        try:
            paths = [path for path in map(uploaded_path, files or []) if path]
            urls = page_batch.link_lines(links)
        except ServiceError as exc:
            raise user_error(exc) from None
        total = len(paths) + len(urls)
        what = page_batch.noun(total, len(urls))
        done = 0

        def on_done(item: BatchItem) -> None:
            nonlocal done
            done += 1
            progress(done / total, desc=page_batch.progress_line(done, total, item, what))

        try:
            self._check_rate(request)
            if urls:
                progress(0.0, desc=f"Fetching {len(urls)} link{'s' if len(urls) > 1 else ''}")
            elif paths:
                progress(0.0, desc=f"0 of {total} {what} done")
            return self.backend.run_batch(
                [(Path(path).name, path) for path in paths],
                links=urls,
                source_language=source_language or "auto",
                length=length or "medium",
                mode=mode or "summary",
                on_done=on_done,
            )
        except ServiceError as exc:
            raise user_error(exc) from None

    def batch_page(
        self,
        files: Any,
        source_language: str,
        length: str,
        mode: str,
        links: str = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple:
        """The batch tab: one table row per file or link, a one-line summary, and both downloads."""
        items = self._batch(files, source_language, length, mode, links, request, progress)
        jsonl, archive = self.downloads.write_batch(items)
        return (
            batch_rows(items),
            batch_summary(items),
            gr.update(value=jsonl, interactive=True),
            gr.update(value=archive, interactive=True),
            items,  # the page's per-session state: a row click opens that file's result
        )

    def batch(
        self,
        files: Any,
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        links: str = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[dict]:
        """One record per file, in upload order, then per link (`links`: one per line, `file` is the
        link): `{"file", "ok": true, "result"}` or `{"file", "ok": false, "error", "message"}`
        (`BatchItem.to_dict()`)."""
        items = self._batch(files, source_language, length, mode, links, request, progress)
        return [item.to_dict() for item in items]

    def glossary_file(self, file: Any) -> tuple[Any, Any]:
        """An uploaded glossary file's text for the glossary box, and the box's error panel. The file
        is checked first: a malformed one leaves the box as it was and shows an error naming its
        line under the box, kept there until the next file (not a toast that vanishes)."""
        try:
            path = uploaded_path(file)
            text = read_glossary_file(path) if path else ""
        except ServiceError as exc:
            panel = page_text.error_html("Glossary file not loaded", str(exc))
            return gr.update(), gr.update(value=panel, visible=True)
        return text, gr.update(value="", visible=False)

    def status(self) -> tuple[Any, Any]:
        """The model status; the polling timer stops once warm-up has finished, and the box shrinks to
        a bare line (no label, no frame) once every model is ready."""
        line, done = self.backend.status_line(), self.backend.warm_up_done
        ready = done and line.endswith("loaded and ready.")
        shown = gr.update(value=line, show_label=not ready, container=not ready)
        return shown, gr.update(active=not done)

    # -- client endpoints ------------------------------------------------------------------------------

    def process(
        self,
        text: str | None = "",
        file: Any = None,
        source_language: str = "auto",
        length: str = "medium",
        mode: str = "summary",
        url: str | None = "",
        glossary: Any = "",
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[str, str, str, dict]:
        """Summary, Korean, Japanese, and every detail of the result as a JSON object. `url` (last, so
        older clients keep working) is the article's link, used instead of the text; `glossary` (after it,
        for the same reason) is CSV/TSV/TOML text with a header such as en,ko,ja."""
        result, details = self._run(
            text, file, source_language, length, mode, request, progress, url, glossary
        )
        return result.summary, result.translations.get("ko", ""), result.translations.get("ja", ""), details

    def summarise(self, text: str, length: str = "medium", request: gr.Request | None = None) -> str:
        """English summary of an article; Korean or Japanese articles are translated to English first."""
        try:
            self._check_rate(request)
            _require_text(text)
            if length not in LENGTHS:
                raise InputError(f"Unknown length {length!r}; choose one of: {', '.join(LENGTHS)}")
            with self.backend.slot():
                pipeline = self.backend.loaded_pipeline()
                pipeline.limits.check("max_chars", len(text), "The text's length in characters")
                if pipeline.detect(text).language == "en":
                    return pipeline.summarise(text, length)
                return self.backend.run(text, length=length).summary
        except ServiceError as exc:
            raise user_error(exc) from None

    def translate(
        self,
        text: str,
        target: str,
        source: str = "auto",
        request: gr.Request | None = None,
    ) -> str:
        """Translate text into `target`; `source` "auto" detects the text's language."""
        try:
            self._check_rate(request)
            _require_text(text)
            for name, value, allowed in (
                ("target", target, NAMES),
                ("source", source, ("auto", *NAMES)),
            ):
                if value not in allowed:
                    raise InputError(f"Unknown {name} {value!r}; choose one of: {', '.join(allowed)}")
            with self.backend.slot():
                pipeline = self.backend.loaded_pipeline()
                pipeline.limits.check("max_chars", len(text), "The text's length in characters")
                if source == "auto":
                    source = pipeline.detect(text).language
                return pipeline.translate([text], source, target)[0]
        except ServiceError as exc:
            raise user_error(exc) from None

    def detect(self, text: str, request: gr.Request | None = None) -> tuple[str, float]:
        """The text's language (en, ko or ja) and the detector's probability."""
        try:
            self._check_rate(request)
            _require_text(text)
            self.backend.limits.check("max_chars", len(text), "The text's length in characters")
            with self.backend.slot():
                detection = self.backend.pipeline.detect(text)
        except ServiceError as exc:
            raise user_error(exc) from None
        return detection.language, round(detection.probability, 4)


def client_host(request: gr.Request | None) -> str | None:
    """The client's IP address from Gradio's request, when there is one."""
    client = getattr(request, "client", None) if request is not None else None
    return getattr(client, "host", None) if client is not None else None


def _require_text(text: Any) -> None:
    if not isinstance(text, str) or not text.strip():
        raise EmptyInput("The text is empty: send the text to work on.")
