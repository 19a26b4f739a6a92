"""The page shows each part of a run as it exists (issue 12): the English summary first, then the
Korean and Japanese columns and their table cells as each language finishes, then the whole result.

`Handlers.process_page_live` is a generator, driven here directly (no server, no browser), on a fake
model set whose outputs name the model that ran. The Japanese translator is made slow (`delay_s`), so
the order of the steps is fixed: summary, Korean, Japanese, done. The browser side is in
tests/web/test_page.py (the English box fills while the Korean one is still empty).
"""

from __future__ import annotations

from dataclasses import fields

import gradio as gr
import pytest

from service import Pipeline
from service.engines.fake import write_fake_model_set
from service.web.access import Access
from service.web.backend import Backend
from service.web.page_downloads import Downloads
from service.web.page_handlers import Handlers
from service.web.page_single import SLOTS, SingleTab
from tests.conftest import ARTICLE_EN, ARTICLE_KO

pytest.register_assert_rewrite("tests.fakes")
from tests.fakes import expected_translations  # noqa: E402


@pytest.fixture(scope="module")
def handlers(tmp_path_factory) -> Handlers:
    folder = tmp_path_factory.mktemp("slow-fake")
    models = write_fake_model_set(folder / "slow.toml", delays={"en-ja": 0.5})
    backend = Backend(Pipeline(models=models), access=Access())
    return Handlers(backend, downloads=Downloads(folder / "downloads", keep=3))


def unchanged(value) -> bool:
    """`gr.update()` with nothing in it: the output keeps what it shows."""
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


def steps(handlers: Handlers, text: str, mode: str) -> list[tuple]:
    return list(handlers.process_page_live(text, None, "auto", "short", mode))


def test_the_slots_are_the_tabs_outputs_in_order():
    tab = SingleTab(**{f.name: f.name for f in fields(SingleTab)})
    assert tab.outputs() == list(SLOTS)


def test_summary_then_korean_then_japanese_then_the_whole_result(handlers):
    first, korean, japanese, final = steps(handlers, ARTICLE_EN, "summary")
    final_by_name = dict(zip(SLOTS, final, strict=True))
    summary = final_by_name["out_en"]
    assert summary.startswith("[summary] ")
    wanted = expected_translations(summary)

    # 1. the English summary and the table's English column; nothing else touched yet
    by_name = dict(zip(SLOTS, first, strict=True))
    assert by_name["out_en"] == summary
    rows = by_name["aligned"]
    assert [row[1] for row in rows] == [row[1] for row in final_by_name["aligned"]]
    assert all(row[2] == row[3] == "" for row in rows)
    assert "English summary ready" in by_name["announce"]
    assert all(unchanged(by_name[name]) for name in SLOTS if name not in ("out_en", "aligned", "announce"))

    # 2. Korean: its box and its column, English kept
    by_name = dict(zip(SLOTS, korean, strict=True))
    assert by_name["out_ko"] == wanted["ko"] and unchanged(by_name["out_en"]) and unchanged(by_name["out_ja"])
    assert all(row[2] == f"[en-ko] {row[1]}" and row[3] == "" for row in by_name["aligned"])
    assert "Korean translation ready" in by_name["announce"]

    # 3. Japanese: both columns filled
    by_name = dict(zip(SLOTS, japanese, strict=True))
    assert by_name["out_ja"] == wanted["ja"] and unchanged(by_name["out_ko"])
    assert all(row[3] == f"[en-ja] {row[1]}" and row[2] == f"[en-ko] {row[1]}" for row in by_name["aligned"])

    # 4. the finished page: the same values `process_page` gives
    assert final_by_name["out_ko"] == wanted["ko"] and final_by_name["out_ja"] == wanted["ja"]
    assert "Finished" in final_by_name["announce"]
    assert final_by_name["details"].startswith("Source language: English")


def test_article_mode_fills_each_languages_article_as_it_finishes(handlers):
    first, korean, japanese, final = steps(handlers, ARTICLE_KO, "article")
    final_by_name = dict(zip(SLOTS, final, strict=True))
    by_name = dict(zip(SLOTS, first, strict=True))
    assert by_name["article_box"] == gr.update(visible=True)
    assert by_name["article_en"] == final_by_name["article_en"] and by_name["article_en"].startswith(
        "[ko-en] "
    )
    assert unchanged(by_name["article_ko"]) and unchanged(by_name["article_ja"])
    korean_step = dict(zip(SLOTS, korean, strict=True))
    # a Korean article's Korean side is its own text, shown as soon as the run gets there
    assert (
        korean_step["article_ko"] == final_by_name["article_ko"]
        and "[en-ko]" not in korean_step["article_ko"]
    )
    japanese_step = dict(zip(SLOTS, japanese, strict=True))
    assert japanese_step["article_ja"] == final_by_name["article_ja"]
    assert japanese_step["article_ja"].startswith("[en-ja] [ko-en] ")
    table = japanese_step["aligned"]
    assert [row[1:4] for row in table] == [row[1:4] for row in final_by_name["aligned"]]


def test_an_error_is_one_step_with_the_error_panel(handlers):
    (only,) = steps(handlers, "   ", "summary")
    by_name = dict(zip(SLOTS, only, strict=True))
    assert by_name["error_box"]["visible"] is True and "empty" in by_name["error_box"]["value"].lower()
    assert by_name["out_en"] == "" and by_name["aligned"] == []


def test_an_unexpected_failure_is_raised_to_gradio(handlers, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("planted failure")

    monkeypatch.setattr(handlers.backend, "run", broken)
    with pytest.raises(RuntimeError, match="planted failure"):
        steps(handlers, ARTICLE_EN, "summary")
