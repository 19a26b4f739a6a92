"""The page in a real Chromium (Debian's /usr/bin/chromium through Playwright), on the live server.

Never `playwright install`: the system Chromium is used with the flags from NOTES.md. Leaves
screenshots of a finished page in artifacts/page.png (one article) and artifacts/batch.png (a batch).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.server_fixtures")
from tests.server_fixtures import example_text, make_document  # noqa: E402
from tests.web.chromium import (  # noqa: E402, F401
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    TIMEOUT_MS,
    open_page,
    run_and_wait,
)

pytest_plugins = ["tests.server_fixtures"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

pytestmark = BROWSER_MARKS


@pytest.fixture
def page(browser, live_server):
    yield from open_page(browser, live_server.url)


def output(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} textarea").input_value()


def test_paste_text_and_run(page):
    page.locator("#input-text textarea").fill(example_text("en-library"))
    page.locator("#length").get_by_text("Short").click()
    run_and_wait(page)
    english, korean, japanese = (output(page, e) for e in ("out-en", "out-ko", "out-ja"))
    assert english.strip() and korean.strip() and japanese.strip()
    # The tiny models' vocabularies are trained on Korean and Japanese text (deterministic weights).
    assert HANGUL.search(korean), korean
    assert KANA_OR_KANJI.search(japanese), japanese
    assert "Source language: English (en)" in output(page, "details")
    assert output(page, "warnings").strip()
    aligned = page.locator("#aligned").inner_text()
    assert "English" in aligned and "한국어" in aligned and "日本語" in aligned
    page.wait_for_timeout(300)  # let the progress overlay fade before the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)
    assert not page.errors


def test_korean_example_round_trips_into_the_page(page):
    label = next(line for line in example_text("ko-night-bus").splitlines() if line.strip())
    page.get_by_text(label[:20]).first.click()
    page.wait_for_function(
        "() => (document.querySelector('#input-text textarea')?.value || '').includes('심야버스')",
        timeout=TIMEOUT_MS,
    )
    page.locator("#mode").get_by_text("Full article").click()
    run_and_wait(page)
    assert "Source language: Korean (ko)" in output(page, "details")
    assert HANGUL.search(output(page, "article-ko"))
    assert output(page, "out-en").strip() and output(page, "out-ja").strip()


def test_upload_a_file_and_run(page, tmp_path):
    path = make_document(tmp_path, ".docx", example_text("ja-heavy-snow"), stem="snow-report")
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.get_by_text("snow-report.docx").first.wait_for(timeout=TIMEOUT_MS)
    run_and_wait(page)
    details = output(page, "details")
    assert "Source language: Japanese (ja)" in details and "snow-report.docx (docx" in details


def test_empty_submission_shows_the_error(page):
    page.locator("#run").click()
    panel = page.locator("#page-error [role=alert]")  # on the page until the next run (issue 16)
    panel.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "The article is empty" in panel.inner_text()
    assert output(page, "out-ko") == ""


def test_markup_in_the_input_is_shown_as_text_and_never_runs(page):
    payload = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2">'
    text = f"The council met on Tuesday. {payload} It approved the new tram line for the eastern districts."
    page.locator("#input-text textarea").fill(text)
    page.locator("#source-language").get_by_text("English").click()
    page.locator("#mode").get_by_text("Full article").click()
    run_and_wait(page)
    page.wait_for_timeout(500)  # time for an injected handler to fire, were there one
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator("#input-text textarea").input_value() == text
    # The article's English sentences are shown as they are: literal tags in the aligned view.
    aligned = page.locator("#aligned").inner_text()
    assert "<script>window.__xss=1</script>" in aligned
    assert 'onerror="window.__xss=2"' in aligned
    assert page.locator("#aligned img").count() == 0 and page.locator("#aligned script").count() == 0
    assert payload in output(page, "article-en")


def test_batch_tab_lists_each_file_and_downloads_all(page, tmp_path):
    import json
    import zipfile

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    files = [
        make_document(tmp_path, ".md", stem="library"),
        empty,
        make_document(tmp_path, ".docx", stem="tram"),
    ]
    page.get_by_role("tab", name="Several articles").click()
    page.locator("#batch-upload input[type=file]").set_input_files([str(p) for p in files])
    # The list shows each name and its extension apart ("tram", ".docx"): wait for the last file.
    page.wait_for_function(
        "() => (document.querySelector('#batch-upload')?.innerText || '').includes('tram')",
        timeout=TIMEOUT_MS,
    )
    page.locator("#batch-run").click()
    page.wait_for_function(
        "() => (document.querySelector('#batch-summary textarea')?.value || '').length > 0",
        timeout=TIMEOUT_MS,
    )
    assert output(page, "batch-summary").startswith("2 of 3 file(s) processed; 1 failed: empty.txt.")
    table = page.locator("#batch-results").inner_text()
    assert "library.md" in table and "tram.docx" in table and "failed (empty_input)" in table
    assert "the file is empty" in table
    page.wait_for_timeout(300)  # let the progress overlay fade before the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "batch.png"), full_page=True)

    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator("#batch-download-jsonl").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert [(r["file"], r["ok"]) for r in map(json.loads, lines)] == [
        ("library.md", True),
        ("empty.txt", False),
        ("tram.docx", True),
    ]
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator("#batch-download-zip").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["FAILED.md", "library.md", "tram.md"]
    assert not page.errors
