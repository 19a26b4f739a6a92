"""The batch tab's table and its per-file view: one row per file (with the name its Markdown has in
the ZIP, so two uploads called `a.txt` can be told apart), a click on a row opens that file's whole
result (three languages, details, sentence table) below the table, and Clear empties it all.

The finished items live in a `gr.State` (per browser session), never in a file path the client
could name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from service.batch import BatchItem, is_link, markdown_names
from service.errors import InputError
from service.result import Result

BATCH_HEADERS = ["File", "Status", "Language", "Summary / reason", "In the ZIP"]


def batch_rows(items: list[BatchItem]) -> list[list[str]]:
    """File, status, language, the summary or the reason it failed, and its name in the ZIP."""
    rows = []
    for item, saved in zip(items, markdown_names(items), strict=True):
        if item.result is not None:
            rows.append([item.name, "ok", item.result.source_language, item.result.summary, saved])
        else:
            rows.append([item.name, f"failed ({item.error_code})", "", item.error or "", "FAILED.md"])
    return rows


def link_lines(text: Any) -> list[str]:
    """The batch tab's links box: one link per line, blank lines skipped. Each line is fetched as
    a link (`Pipeline.read_url`), so anything else fails as that item with the reader's reason."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise InputError(f"links must be text, one link per line; got {type(text).__name__}")
    return [line.strip() for line in text.splitlines() if line.strip()]


def noun(count: int, links: int) -> str:
    """What a batch of `count` inputs, `links` of them links, holds: "files", "links" or "items"."""
    if not links:
        return "files"
    return "links" if links == count else "items"


def batch_summary(items: list[BatchItem]) -> str:
    failed = [item.name for item in items if item.result is None]
    what = noun(len(items), sum(is_link(item.name) for item in items))
    line = f"{len(items) - len(failed)} of {len(items)} {what[:-1]}(s) processed"
    line += f"; {len(failed)} failed: {', '.join(failed)}." if failed else "."
    return line + (" Click a row to see its whole result." if len(failed) < len(items) else "")


def progress_line(done: int, total: int, item: BatchItem, what: str = "files") -> str:
    """After each file or link: how far the batch is, and whether this one worked (a failed one is
    not "done")."""
    outcome = "done" if item.result is not None else "failed"
    return f"{done} of {total} {what} processed ({item.name}: {outcome})"


@dataclass
class BatchView:
    """The per-file view under the table (created by `gradio_ui._batch_tab`)."""

    box: Any
    title: Any
    out_en: Any
    out_ko: Any
    out_ja: Any
    details: Any
    aligned: Any
    json_btn: Any
    md_btn: Any
    docx_btn: Any

    def outputs(self) -> list[Any]:
        return [
            self.box,
            self.title,
            self.out_en,
            self.out_ko,
            self.out_ja,
            self.details,
            self.aligned,
            self.json_btn,
            self.md_btn,
            self.docx_btn,
        ]


def build_view(headers: list[str]) -> BatchView:
    """The components of one file's result (`headers`: the sentence table's); hidden until a row is
    clicked."""
    with gr.Column(visible=False, elem_id="batch-view") as box:
        title = gr.Textbox(label="File", interactive=False, lines=1, elem_id="batch-view-file")
        with gr.Row(equal_height=True):
            out_en = gr.Textbox(
                label="English", lines=6, interactive=False, buttons=["copy"], elem_id="batch-view-en"
            )
            out_ko = gr.Textbox(
                label="한국어", lines=6, interactive=False, buttons=["copy"], elem_id="batch-view-ko"
            )
            out_ja = gr.Textbox(
                label="日本語", lines=6, interactive=False, buttons=["copy"], elem_id="batch-view-ja"
            )
        details = gr.Textbox(label="Details", interactive=False, lines=5, elem_id="batch-view-details")
        aligned = gr.Dataframe(
            headers=headers,
            datatype="str",
            interactive=False,
            wrap=True,
            label="Sentence by sentence",
            elem_id="batch-view-aligned",
        )
        with gr.Row():  # this file's result alone, named after the file
            json_btn = gr.DownloadButton("Download JSON", interactive=False, elem_id="batch-view-json")
            md_btn = gr.DownloadButton("Download Markdown", interactive=False, elem_id="batch-view-md")
            docx_btn = gr.DownloadButton("Download Word (DOCX)", interactive=False, elem_id="batch-view-docx")
    return BatchView(box, title, out_en, out_ko, out_ja, details, aligned, json_btn, md_btn, docx_btn)


_NO_DOWNLOAD = gr.update(value=None, interactive=False)


def hidden_view() -> tuple:
    return (gr.update(visible=False), "", "", "", "", "", [], _NO_DOWNLOAD, _NO_DOWNLOAD, _NO_DOWNLOAD)


def open_row(
    items: list[BatchItem] | None,
    event: gr.SelectData,
    details_fn: Callable[..., str],
    rows_fn: Callable[..., list[list[str]]],
    write_fn: Callable[[Result, dict[str, Any]], tuple[str, str, str]],
) -> tuple:
    """The clicked row's file: its whole result with its own downloads, or its name and why it
    failed. `write_fn`: `Downloads.write_all` (the files are written when the row is opened)."""
    index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
    if not items or not isinstance(index, int) or not 0 <= index < len(items):
        return hidden_view()
    item = items[index]
    title = f"{item.name} (row {index + 1})"
    result = item.result
    if result is None:
        failed: tuple[Any, ...] = (gr.update(visible=True), title, "", "", "", f"Failed: {item.error}", [])
        return (*failed, _NO_DOWNLOAD, _NO_DOWNLOAD, _NO_DOWNLOAD)
    source = {"kind": "file", "name": item.name, "format": item.name.rsplit(".", 1)[-1].lower()}
    paths = write_fn(result, {**result.to_dict(), "input": source})
    return (
        gr.update(visible=True),
        title,
        result.summary,
        result.translations.get("ko", ""),
        result.translations.get("ja", ""),
        details_fn(result, source),
        rows_fn(result),
        *(gr.update(value=path, interactive=True) for path in paths),
    )


def wire(
    table: Any,
    state: Any,
    view: BatchView,
    clear_btn: Any,
    run_btn: Any,
    cleared: list[Any],
    details_fn: Callable[..., str],
    rows_fn: Callable[..., list[list[str]]],
    write_fn: Callable[[Result, dict[str, Any]], tuple[str, str, str]],
) -> None:
    """Row click → that file's view; Clear → files, table, summary, downloads, view all empty; a new
    run hides the view of the last batch's file."""

    def select(items: list[BatchItem] | None, event: gr.SelectData) -> tuple:
        return open_row(items, event, details_fn, rows_fn, write_fn)

    table.select(select, inputs=[state], outputs=view.outputs(), queue=False, api_visibility="private")
    clear_btn.add(cleared)
    run_btn.click(
        hidden_view, outputs=view.outputs(), queue=False, api_visibility="private", show_progress="hidden"
    )
    clear_btn.click(
        lambda: (None, *hidden_view()),
        outputs=[state, *view.outputs()],
        queue=False,
        api_visibility="private",
        show_progress="hidden",
    )
