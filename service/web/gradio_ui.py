"""The Gradio page and the Gradio client endpoints: a thin layer over `Pipeline`, no model logic.

`build_demo(backend)` lays out the page; `Handlers` holds the event handlers (plain methods, easy to
call in tests). Every `ServiceError` becomes `gr.Error(message)`, so users (and `gradio_client`, as
`AppError`, whose `title` names the kind of problem) see one sentence, never a stack trace. All model
output goes into Textboxes and Dataframes of plain strings: nothing a model (or a user) writes is
ever rendered as HTML or Markdown.

Client endpoints (parameter names are the handlers' argument names):
  /process   (text, file, source_language, length, mode, url) -> summary, korean, japanese, details
             (`url`: the article's link, fetched by the server; `service.fetching`)
  /batch     (files, source_language, length, mode, links) -> results (one `BatchItem.to_dict()` per
             file, then per link)
  /summarise (text, length) -> summary
  /translate (text, target, source) -> translation
  /detect    (text) -> language, probability
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import gradio as gr

from service.documents import SUPPORTED_EXTENSIONS
from service.languages import NAMES
from service.options import LENGTHS
from service.web import page_batch, page_single, page_text
from service.web.backend import Backend
from service.web.page_batch import BATCH_HEADERS
from service.web.page_css import CSS, HEAD, THEME  # noqa: F401 (app.py takes them from here)
from service.web.page_downloads import KEEP_DOWNLOADS, Downloads  # noqa: F401 (re-exported)
from service.web.page_handlers import (  # noqa: F401 (re-exported for tests and app.py)
    Handlers,
    client_host,
    user_error,
)

log = logging.getLogger(__name__)

LANGUAGE_NAMES = NAMES
SOURCE_CHOICES = [
    ("Detect automatically", "auto"),
    ("English", "en"),
    ("Korean · 한국어", "ko"),
    ("Japanese · 日本語", "ja"),
]
LENGTH_CHOICES = [("Short", "short"), ("Medium", "medium"), ("Long", "long")]
MODE_CHOICES = [("Summary", "summary"), ("Full article", "article")]
ALIGNED_HEADERS = ["#", "English", "한국어", "日本語", "Sources", "Glossary"]
#: What the glossary box shows before anything is typed: the format, with the seed's names.
GLOSSARY_PLACEHOLDER = "en,ko,ja\nLee Jae-myung,이재명,李在明\nTakaichi Sanae,다카이치 사나에,高市早苗"
#: The upload widget's accepted types (the reader also sniffs content, since names can lie).
FILE_TYPES = list(SUPPORTED_EXTENSIONS)
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
#: Every event that runs models shares one concurrency limit in Gradio's queue (the queue's default).
MODEL_WORK = "models"
#: Gradio's cache (uploads, and results copied there for download) is swept every hour of files older
#: than an hour: disk use stays bounded however many requests come.
CACHE_SWEEP_S = 3600


def sweep_upload_leftovers(folder: str | Path | None = None, age_s: float = CACHE_SWEEP_S) -> int:
    """Delete the empty `tmp*` files older than `age_s` in Gradio's upload folder; returns how many.

    Gradio 6.31 creates one for every uploaded file it hands to a handler (`gr.File` with
    type="filepath" opens a `NamedTemporaryFile(delete=False)` and never uses it), and its own cache
    sweep (`delete_cache`) does not know about them. Only empty regular files named `tmp*` directly
    in the folder are touched, so nothing else there can be lost."""
    from gradio.utils import get_upload_folder

    root = Path(folder or get_upload_folder())
    cutoff = time.time() - age_s
    removed = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        try:
            if not entry.name.startswith("tmp") or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            if info.st_size == 0 and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def load_examples(folder: Path = EXAMPLES_DIR) -> list[tuple[str, str]]:
    """(label, text) for each example article shipped in `examples/*.txt`."""
    examples = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        label = text.splitlines()[0][:60] if text else path.stem
        examples.append((label, text))
    return examples


def _client_endpoints(
    handlers: Handlers,
    page_inputs: list[gr.components.Component],
    batch_inputs: list[gr.components.Component],
) -> None:
    """The endpoints for `gradio_client`, each an event on a hidden button whose hidden components
    give the API its types and its return names. /process and /batch take the page's own inputs."""
    languages = list(LANGUAGE_NAMES)
    with gr.Column(visible=False):
        text = gr.Textbox(label="text")
        length = gr.Radio(list(LENGTHS), value="medium", label="length")
        target = gr.Radio(languages, value=None, label="target")
        source = gr.Radio(["auto", *languages], value="auto", label="source")
        endpoints: dict[str, tuple[Any, Any, Any]] = {
            "process": (
                handlers.process,
                page_inputs,
                [
                    gr.Textbox(label="summary"),
                    gr.Textbox(label="korean"),
                    gr.Textbox(label="japanese"),
                    gr.JSON(label="details"),
                ],
            ),
            "batch": (handlers.batch, batch_inputs, [gr.JSON(label="results")]),
            "summarise": (handlers.summarise, [text, length], [gr.Textbox(label="summary")]),
            "translate": (handlers.translate, [text, target, source], [gr.Textbox(label="translation")]),
            "detect": (
                handlers.detect,
                [text],
                [gr.Textbox(label="language"), gr.Number(label="probability")],
            ),
        }
        for api_name, (fn, inputs, outputs) in endpoints.items():
            trigger = gr.Button(api_name, visible=False)
            trigger.click(fn, inputs=inputs, outputs=outputs, api_name=api_name, concurrency_id=MODEL_WORK)


def _single_article_tab(handlers: Handlers) -> list[gr.components.Component]:
    """One article: text or file in, three languages, details, alignment and downloads out.
    Returns the inputs (also those of the /process client endpoint)."""
    with gr.Row():
        with gr.Column(scale=3):
            text_in = gr.Textbox(
                label="Article text",
                placeholder="Paste a news article in English, Korean or Japanese…",
                lines=10,
                max_lines=20,
                elem_id="input-text",
            )
            limit = handlers.backend.limits.max_chars
            with gr.Row(elem_id="input-notes"):
                char_count = gr.HTML(page_text.count_html(0, limit), elem_id="char-count")
                detected = gr.HTML("", elem_id="detected")
            url_in = gr.Textbox(
                label="…or paste a link to the article (used instead of the text box)",
                placeholder="https://…",
                value="",  # a default, so /process clients that do not send `url` keep working
                lines=1,
                max_lines=1,
                elem_id="input-url",
            )
            file_in = gr.File(
                label="…or upload a file (used instead of the text box)",
                file_types=FILE_TYPES,
                type="filepath",
                elem_id="upload",
                height=110,
            )
        with gr.Column(scale=1, min_width=240):
            source_in = gr.Radio(
                SOURCE_CHOICES, value="auto", label="Source language", elem_id="source-language"
            )
            length_in = gr.Radio(LENGTH_CHOICES, value="medium", label="Summary length", elem_id="length")
            mode_in = gr.Radio(MODE_CHOICES, value="summary", label="Mode", elem_id="mode")
            with gr.Accordion("Glossary (names as you want them)", open=False, elem_id="glossary-box"):
                glossary_in = gr.Textbox(
                    label="One name per line, CSV with a header (en,ko,ja) or TOML",
                    placeholder=GLOSSARY_PLACEHOLDER,
                    value="",  # a default, so /process clients that do not send it keep working
                    lines=4,
                    max_lines=12,
                    elem_id="glossary",
                )
                glossary_file = gr.UploadButton(
                    "Load a glossary file (.csv .tsv .toml)",
                    file_types=[".csv", ".tsv", ".toml", ".txt"],
                    type="filepath",
                    size="sm",
                    elem_id="glossary-upload",
                )
                # a refused file's error stays here, beside the box it concerns, until the next file
                glossary_error = gr.HTML("", visible=False, elem_id="glossary-error")
            glossary_file.upload(
                handlers.glossary_file,
                inputs=[glossary_file],
                outputs=[glossary_in, glossary_error],
                api_visibility="private",
            )
            run_btn = gr.Button("Summarise and translate", variant="primary", elem_id="run")
            clear_btn = gr.ClearButton(value="Clear", elem_id="clear")
    examples = load_examples()
    if examples:
        shown = gr.Examples(
            examples=[[text] for _, text in examples],
            inputs=[text_in],
            example_labels=[label for label, _ in examples],
            label="Example articles",
        )
        # One input at a time: an example replaces an attached file.
        shown.dataset.click(lambda: None, outputs=[file_in], queue=False, api_visibility="private")
    gr.HTML('<h2 id="results-start" class="results-title">Results</h2>', elem_id="results-heading")
    error_box = gr.HTML("", visible=False, elem_id="page-error")
    announce = gr.HTML("", elem_id="announce")
    with gr.Row(equal_height=True):
        out_en = gr.Textbox(label="English", lines=8, interactive=False, buttons=["copy"], elem_id="out-en")
        out_ko = gr.Textbox(label="한국어", lines=8, interactive=False, buttons=["copy"], elem_id="out-ko")
        out_ja = gr.Textbox(label="日本語", lines=8, interactive=False, buttons=["copy"], elem_id="out-ja")
    warnings = gr.Textbox(label="Quality warnings", interactive=False, lines=1, elem_id="warnings")
    details = gr.Textbox(label="Details", interactive=False, lines=6, elem_id="details")
    aligned = gr.Dataframe(
        headers=ALIGNED_HEADERS,
        datatype="str",
        interactive=False,
        wrap=True,
        label="Sentence by sentence",
        column_widths=["9%", "21%", "21%", "21%", "18%", "10%"],  # "#" holds the ⚠ marks too
        elem_id="aligned",
    )
    with gr.Column(visible=False, elem_id="article") as article_box:
        gr.Markdown("## Full article", elem_id="article-title")
        article_view = gr.HTML("", elem_id="article-view")
        with gr.Row(equal_height=True):
            article_en = gr.Textbox(
                label="English", lines=12, interactive=False, buttons=["copy"], elem_id="article-en"
            )
            article_ko = gr.Textbox(
                label="한국어", lines=12, interactive=False, buttons=["copy"], elem_id="article-ko"
            )
            article_ja = gr.Textbox(
                label="日本語", lines=12, interactive=False, buttons=["copy"], elem_id="article-ja"
            )
    with gr.Row():
        json_btn = gr.DownloadButton("Download JSON", interactive=False, elem_id="download-json")
        md_btn = gr.DownloadButton("Download Markdown", interactive=False, elem_id="download-md")
        docx_btn = gr.DownloadButton("Download Word (DOCX)", interactive=False, elem_id="download-docx")

    inputs = [text_in, file_in, source_in, length_in, mode_in, url_in, glossary_in]
    tab = page_single.SingleTab(
        text_in, file_in, run_btn, clear_btn, char_count, detected, out_en, out_ko, out_ja, warnings,
        details, aligned, article_box, article_en, article_ko, article_ja, json_btn, md_btn, docx_btn,
        article_view, error_box, announce,
    )  # fmt: skip
    page_single.wire(tab, handlers.process_page_live, inputs, limit, MODEL_WORK)
    clear_btn.add([text_in, url_in, file_in])
    return inputs


def _batch_tab(handlers: Handlers, max_files: int) -> list[gr.components.Component]:
    """Several files and links: one row each (failures with their reason), JSONL and ZIP downloads.
    Returns the inputs (also those of the /batch client endpoint)."""
    with gr.Row():
        with gr.Column(scale=3):
            files_in = gr.File(
                label=f"Articles: up to {max_files} files ({', '.join(FILE_TYPES)})",
                file_count="multiple",
                file_types=FILE_TYPES,
                type="filepath",
                elem_id="batch-upload",
            )
            links_in = gr.Textbox(
                label=f"Links: one per line (files and links together: up to {max_files})",
                placeholder="https://news.example/2026/01/13/story.html",
                lines=3,
                max_lines=12,
                value="",  # a default, so /batch clients that do not send `links` keep working
                elem_id="batch-links",
            )
        with gr.Column(scale=1, min_width=240):
            source_in = gr.Radio(
                SOURCE_CHOICES, value="auto", label="Source language", elem_id="batch-source-language"
            )
            length_in = gr.Radio(
                LENGTH_CHOICES, value="medium", label="Summary length", elem_id="batch-length"
            )
            mode_in = gr.Radio(MODE_CHOICES, value="summary", label="Mode", elem_id="batch-mode")
            run_btn = gr.Button("Process all", variant="primary", elem_id="batch-run")
            clear_btn = gr.ClearButton(value="Clear", elem_id="batch-clear")
    summary = gr.Textbox(label="Batch", interactive=False, lines=1, elem_id="batch-summary")
    table = gr.Dataframe(
        headers=BATCH_HEADERS,
        datatype="str",
        interactive=False,
        wrap=True,
        label="One row per file",
        column_widths=["18%", "12%", "8%", "50%", "12%"],
        elem_id="batch-results",
    )
    with gr.Row():
        jsonl_btn = gr.DownloadButton(
            "Download all (JSONL)", interactive=False, elem_id="batch-download-jsonl"
        )
        zip_btn = gr.DownloadButton(
            "Download all (ZIP of Markdown)", interactive=False, elem_id="batch-download-zip"
        )
    view = page_batch.build_view(ALIGNED_HEADERS)
    state = gr.State([])
    cleared = [files_in, links_in, table, summary, jsonl_btn, zip_btn]
    page_batch.wire(
        table,
        state,
        view,
        clear_btn,
        run_btn,
        cleared,
        page_text.details_text,
        page_text.aligned_rows,
        handlers.downloads.write_all,
    )
    inputs = [files_in, source_in, length_in, mode_in, links_in]
    run_btn.click(
        handlers.batch_page,
        inputs=inputs,
        outputs=[table, summary, jsonl_btn, zip_btn, state],
        api_visibility="private",
        show_progress_on=[table],
        concurrency_id=MODEL_WORK,
    )
    return inputs


def build_demo(backend: Backend) -> gr.Blocks:
    """The page: a tab for one article (text or file), a tab for a batch of files."""
    handlers = Handlers(backend)
    with gr.Blocks(title="News summary · 요약 · 要約", delete_cache=(CACHE_SWEEP_S, CACHE_SWEEP_S)) as demo:
        gr.Markdown(
            "# News summary and translation\n"
            "An English, Korean or Japanese news article in; an English summary with Korean and "
            "Japanese translations out, from local models."
        )
        status = gr.Textbox(
            value=backend.status_line(),
            label="Model status",
            elem_id="status",
            interactive=False,
            lines=1,
            max_lines=6,
        )
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("One article", id="single", elem_id="tab-single"):
                inputs = _single_article_tab(handlers)
            with gr.Tab("Several articles", id="batch", elem_id="tab-batch"):
                batch_inputs = _batch_tab(handlers, backend.limits.max_batch_files)

        # Warm-up status: poll until every model has loaded or failed, then stop.
        timer = gr.Timer(2.0, active=not backend.warm_up_done)
        timer.tick(handlers.status, outputs=[status, timer], api_visibility="private", queue=False)
        demo.load(handlers.status, outputs=[status, timer], api_visibility="private", queue=False)

        _client_endpoints(handlers, inputs, batch_inputs)

    demo.queue(default_concurrency_limit=backend.concurrency, max_size=backend.queue_size)
    return demo
