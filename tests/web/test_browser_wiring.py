"""The page in a real Chromium on the fake engine: the 한국어 box and column hold the Korean outputs.

The fake engine's outputs name the model that ran (`[en-ko] <English sentence>`), so this test can
tell the Korean and Japanese slots apart where the tiny models (Hangul and kana in both) cannot.
Chromium and its flags as in tests/web/test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.conftest import ARTICLE_EN, ARTICLE_JA
from tests.web.test_browser import TIMEOUT_MS, output, run_and_wait

pytest.register_assert_rewrite("tests.fakes")
from tests.fakes import expected_translations  # noqa: E402
from tests.web.chromium import BROWSER_MARKS, open_page  # noqa: E402

pytest_plugins = ["tests.fakes"]
pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser, live_server_fake):
    yield from open_page(browser, live_server_fake.url)


def table(page) -> tuple[list[str], list[list[str]]]:
    """The sentence table's header and rows, as the reader sees them (Gradio 6 draws the rows as a
    virtual grid of `role=gridcell` elements; the few rows here are all drawn)."""
    grid = page.locator("#aligned")
    page.wait_for_function(
        "() => (document.querySelector('#aligned [data-testid=\"cell-0-1\"]')?.innerText || '').length > 0",
        timeout=TIMEOUT_MS,
    )
    header = [cell.strip() for cell in grid.locator("thead th").all_inner_texts()]
    rows = [
        [cell.strip() for cell in row.locator("[role=gridcell]").all_inner_texts()]
        for row in grid.locator("[role=row].virtual-row").all()
    ]
    count = int(grid.locator("[role=grid]").first.get_attribute("aria-rowcount") or 0) - 1
    assert len(rows) == count, (len(rows), count)
    return header, rows


def column(header: list[str], name: str) -> int:
    return next(i for i, text in enumerate(header) if text.startswith(name))


def test_korean_box_and_column_hold_the_en_ko_outputs(page):
    page.locator("#input-text textarea").fill(ARTICLE_EN)
    page.locator("#length").get_by_text("Short").click()
    run_and_wait(page)
    english = output(page, "out-en")
    assert english.startswith("[summary] ")
    assert {"ko": output(page, "out-ko"), "ja": output(page, "out-ja")} == expected_translations(english)
    header, rows = table(page)
    en, ko, ja = column(header, "English"), column(header, "한국어"), column(header, "日本語")
    assert len(rows) >= 2
    for row in rows:
        assert row[ko] == f"[en-ko] {row[en]}", row
        assert row[ja] == f"[en-ja] {row[en]}", row
    assert not page.errors


def test_japanese_article_reaches_english_through_ja_en_on_the_page(page):
    page.locator("#input-text textarea").fill(ARTICLE_JA)
    page.locator("#length").get_by_text("Short").click()
    page.locator("#mode").get_by_text("Full article").click()
    run_and_wait(page)
    assert "Source language: Japanese (ja)" in output(page, "details")
    header, rows = table(page)
    en, ko, ja = column(header, "English"), column(header, "한국어"), column(header, "日本語")
    for row in rows:
        assert row[en] == f"[ja-en] {row[ja]}", row  # the article's own sentences in the 日本語 column
        assert row[ko] == f"[en-ko] {row[en]}", row
    article_en = output(page, "article-en")
    assert article_en.startswith("[ja-en] ") and "[ko-en]" not in article_en
    assert output(page, "article-ko").startswith("[en-ko] [ja-en] ")
    assert not page.errors
