"""The one-article tab's behaviour around a run: one input at a time, outputs cleared when a run
starts (and on Clear), the error kept on the page, the button disabled while a run is going, the
character count, and the values every output gets from a finished `Result`.

`service.web.gradio_ui` lays the components out and hands them here as `SingleTab`; the order of
`SingleTab.outputs()` is the order of the values `result_values`, `cleared_values` and
`error_values` return.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from service.errors import ServiceError
from service.languages import NAMES
from service.result import Result
from service.text.clean import clean_text
from service.web import page_text
from service.web.page_css import SCROLL_TO_RESULTS

RUN_LABEL = "Summarise and translate"
RUNNING_LABEL = "Working… (results appear below)"
TEXT_LABEL = "Article text"
TEXT_LABEL_WITH_FILE = "Article text: not used while a file is attached (remove the file to use it)"


@dataclass
class SingleTab:
    """The components the run events touch (all created by `gradio_ui._single_article_tab`)."""

    text_in: Any
    file_in: Any
    run_btn: Any
    clear_btn: Any
    char_count: Any
    detected: Any
    # outputs, in the order of `outputs()`:
    out_en: Any
    out_ko: Any
    out_ja: Any
    warnings: Any
    details: Any
    aligned: Any
    article_box: Any
    article_en: Any
    article_ko: Any
    article_ja: Any
    json_btn: Any
    md_btn: Any
    docx_btn: Any
    article_view: Any
    error_box: Any
    announce: Any

    def outputs(self) -> list[Any]:
        return [
            self.out_en,
            self.out_ko,
            self.out_ja,
            self.warnings,
            self.details,
            self.aligned,
            self.article_box,
            self.article_en,
            self.article_ko,
            self.article_ja,
            self.json_btn,
            self.md_btn,
            self.docx_btn,
            self.article_view,
            self.error_box,
            self.announce,
            self.detected,
        ]


def result_values(
    result: Result, warnings: str, details: str, rows: list[list[str]], paths: tuple[str, str, str]
) -> tuple:
    """Every output of a finished run, in `SingleTab.outputs()` order."""
    article = result.article or {}
    en, ko, ja = ("\n\n".join(article.get(lang, [])) for lang in ("en", "ko", "ja"))
    json_path, md_path, docx_path = paths
    flagged = len(result.quality)
    done = "Finished: English summary, Korean and Japanese translations are ready"
    done += f", with {flagged} quality warning(s)." if flagged else "."
    return (
        result.summary,
        result.translations.get("ko", ""),
        result.translations.get("ja", ""),
        warnings,
        details,
        rows,
        gr.update(visible=result.article is not None),
        en,
        ko,
        ja,
        gr.update(value=json_path, interactive=True),
        gr.update(value=md_path, interactive=True),
        gr.update(value=docx_path, interactive=True),
        page_text.article_html(result),
        gr.update(value="", visible=False),
        page_text.announce_html(done),
        html.escape(page_text.detected_line(result)),
    )


#: Where each output sits in `SingleTab.outputs()` (and so in the value tuples below).
SLOTS = {
    name: i
    for i, name in enumerate(
        "out_en out_ko out_ja warnings details aligned article_box article_en article_ko article_ja "
        "json_btn md_btn docx_btn article_view error_box announce detected".split()
    )
}
_COLUMNS = {"en": 1, "ko": 2, "ja": 3}  # the sentence table's language columns (`aligned_rows`)


@dataclass
class LiveTable:
    """The sentence table while a run is going: English rows first, a column per language later."""

    rows: list[list[str]] = field(default_factory=list)


def partial_values(kind: str, data: dict[str, Any], table: LiveTable) -> tuple:
    """The outputs a pipeline event (`service.pipeline.Event`) fills, every other output as it is:
    "summary" puts the English summary (and in article mode the English article) and the table's
    English column on the page; each "translation" its language's column, article and cells."""
    values: list[Any] = [gr.update() for _ in SLOTS]
    if kind == "summary":
        language = data["rows"]
        table.rows = [[str(i + 1), sentence, "", "", "", ""] for i, sentence in enumerate(language)]
        values[SLOTS["out_en"]] = data["summary"]
        ready = "English summary ready; translating into Korean and Japanese…"
    elif kind == "translation":
        language = data["language"]
        for row, sentence in zip(table.rows, data["rows"], strict=False):
            row[_COLUMNS[language]] = sentence
        values[SLOTS[f"out_{language}"]] = data["summary"]
        ready = f"{NAMES[language]} translation ready."
    else:
        return tuple(values)
    if data.get("article") is not None:
        side = "en" if kind == "summary" else data["language"]
        values[SLOTS["article_box"]] = gr.update(visible=True)
        values[SLOTS[f"article_{side}"]] = "\n\n".join(data["article"])
    values[SLOTS["aligned"]] = [list(row) for row in table.rows]
    values[SLOTS["announce"]] = page_text.announce_html(ready)
    return tuple(values)


def cleared_values(announcement: str = "") -> tuple:
    """Every output empty: what a run starts from, and what Clear leaves."""
    return (
        "",
        "",
        "",
        "",
        "",
        [],
        gr.update(visible=False),
        "",
        "",
        "",
        gr.update(value=None, interactive=False),
        gr.update(value=None, interactive=False),
        gr.update(value=None, interactive=False),
        "",
        gr.update(value="", visible=False),
        page_text.announce_html(announcement) if announcement else "",
        "",
    )


def error_values(error: gr.Error) -> tuple:
    """Every output empty but the error panel: the error's own title and message, on the page."""
    # `user_error` escaped < and > for Gradio's toast; the panel escapes everything itself.
    message = str(error.message).replace("&lt;", "<").replace("&gt;", ">")
    title = getattr(error, "title", None) or "Error"
    values = list(cleared_values())
    values[SLOTS["error_box"]] = gr.update(value=page_text.error_html(title, message), visible=True)
    values[SLOTS["announce"]] = page_text.announce_html(f"{title}: {message}")
    return tuple(values)


def char_count(text: str | None, limit: int) -> str:
    """Characters as the limit check counts them (after `clean_text`), against the limit."""
    try:
        count = len(clean_text(text or ""))
    except ServiceError:
        count = 0
    return page_text.count_html(count, limit)


def file_toggle(file: Any) -> Any:
    """One input at a time: an attached file disables the text box (and says so in its label)."""
    attached = bool(file)
    return gr.update(interactive=not attached, label=TEXT_LABEL_WITH_FILE if attached else TEXT_LABEL)


def wire(tab: SingleTab, run: Any, inputs: list[Any], limit: int, concurrency_id: str) -> None:
    """The run: disable the button and clear the outputs at once (bringing them into view), run,
    then enable the button again whatever happened. Clear, the file toggle and the count."""
    outputs = tab.outputs()

    def start() -> tuple:
        return (gr.update(interactive=False, value=RUNNING_LABEL), *cleared_values("Working…"))

    def finish() -> Any:
        return gr.update(interactive=True, value=RUN_LABEL)

    tab.run_btn.click(
        start,
        outputs=[tab.run_btn, *outputs],
        js=SCROLL_TO_RESULTS,
        queue=False,
        api_visibility="private",
        show_progress="hidden",
    ).then(
        run,
        inputs=inputs,
        outputs=outputs,
        api_visibility="private",
        show_progress_on=[tab.out_en, tab.out_ko, tab.out_ja],
        concurrency_id=concurrency_id,
    ).then(finish, outputs=[tab.run_btn], queue=False, api_visibility="private", show_progress="hidden")
    tab.clear_btn.click(
        lambda: cleared_values(),
        outputs=outputs,
        queue=False,
        api_visibility="private",
        show_progress="hidden",
    )
    tab.file_in.change(
        file_toggle, inputs=[tab.file_in], outputs=[tab.text_in], queue=False, api_visibility="private"
    )
    tab.text_in.change(
        lambda text: char_count(text, limit),
        inputs=[tab.text_in],
        outputs=[tab.char_count],
        queue=False,
        api_visibility="private",
        show_progress="hidden",
        trigger_mode="always_last",
    )
