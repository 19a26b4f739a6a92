"""The page as a reader uses it (issue 16), in a real Chromium on the fake engine, at desktop
(1400×900) and phone (390×844) sizes, light and dark: one input at a time, results brought into
view with the button disabled during a run, no stale outputs after an error or Clear, `lang` on
every Korean and Japanese text with Japanese glyph forms in the Japanese column, axe-core without
serious or critical violations, readable warnings marked on their rows, paragraphs kept, and each
batch row opening its file's result. Leaves artifacts/page-desktop.png, page-phone.png and
page-dark.png. Chromium and its flags as in tests/web/test_browser.py (never `playwright install`).
"""

from __future__ import annotations

import pytest

from tests.server_fixtures import example_text, make_document
from tests.web.chromium import BROWSER_MARKS
from tests.web.test_browser import ARTIFACTS, TIMEOUT_MS, output
from tests.web.test_browser_wiring import table

pytest_plugins = ["tests.fakes"]
pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A Korean news article: a headline, then paragraphs separated by a single and by a blank line.
ARTICLE_KO = (
    "부산시, 심야버스 노선 두 배로\n\n"
    "부산시는 내년 3월부터 심야버스 노선을 6개에서 12개로 늘린다고 18일 밝혔다.\n"
    "새 노선은 서면과 해운대를 중심으로 새벽 2시까지 운행한다.\n\n"
    "시는 “야간 근무자의 귀갓길이 한결 편해질 것”이라고 말했다."
)
ARTICLE_EN = (
    "The city council approved the new tram line on Tuesday. It will open in 2028.\n"
    "Residents said the project was long overdue. The mayor called it “a turning point”."
)
#: Characters whose Japanese (JP) and Korean (KR) glyph forms differ in Noto Sans CJK.
JA_FORMS = "直骨刃述返"


def open_page(browser, url: str, viewport: dict, dark: bool = False):
    context = browser.new_context(
        viewport=viewport, locale="en-US", color_scheme="dark" if dark else "light", accept_downloads=True
    )
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#run", timeout=TIMEOUT_MS)
    # The page's script has run: the output boxes have their names.
    page.wait_for_function("() => document.querySelector('#out-ko textarea')?.getAttribute('aria-label')")
    return page


@pytest.fixture
def page(browser, live_server_fake):
    page = open_page(browser, live_server_fake.url, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, live_server_fake):
    page = open_page(browser, live_server_fake.url, PHONE)
    yield page
    page.context.close()


def watch_button(page) -> None:
    """Record whether the run button was ever disabled (a run can be quicker than a poll)."""
    page.evaluate(
        """() => { window.__runDisabled = false; const b = document.getElementById('run');
        new MutationObserver(() => { if (b.disabled) window.__runDisabled = true; })
          .observe(b, {attributes: true}); }"""
    )


def wait_done(page) -> None:
    page.wait_for_function(
        "() => (document.querySelector('#out-ko textarea')?.value || '').length > 0"
        " && (document.querySelector('#out-ja textarea')?.value || '').length > 0"
        " && !document.getElementById('run').disabled"
        " && document.getElementById('run').innerText.includes('Summarise')",
        timeout=TIMEOUT_MS,
    )


def wait_error(page) -> None:
    page.locator("#page-error .page-error").wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.getElementById('run').disabled", timeout=TIMEOUT_MS)


def wait_file(page, elem_id: str, stem: str) -> None:
    """Until the upload box lists the file (Gradio shows the name and the extension apart)."""
    page.wait_for_function(
        "([id, stem]) => (document.getElementById(id)?.innerText || '').includes(stem)",
        arg=[elem_id, stem],
        timeout=TIMEOUT_MS,
    )


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= -1 && r.top < window.innerHeight; }""",
        selector,
    )


def shot(page, name: str) -> None:
    page.wait_for_timeout(300)  # let the progress overlay fade
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


# -- 1. one input at a time --------------------------------------------------------------------------


def test_an_attached_file_disables_the_text_box_and_the_details_say_which_was_used(page, tmp_path):
    page.locator("#input-text textarea").fill(ARTICLE_EN)
    path = make_document(tmp_path, ".docx", ARTICLE_KO, stem="night-bus")
    page.locator("#upload input[type=file]").set_input_files(str(path))
    wait_file(page, "upload", "night-bus")
    box = page.locator("#input-text textarea")
    page.wait_for_function("() => document.querySelector('#input-text textarea').disabled")
    assert "not used while a file is attached" in page.locator("#input-text").inner_text()
    page.locator("#run").click()
    wait_done(page)
    details = output(page, "details")
    assert "Used: the attached file night-bus.docx (the text box was not used)." in details
    assert "Source language: Korean (ko)" in details
    # An example replaces the attached file, and the text box is usable again.
    label = next(line for line in example_text("en-library").splitlines() if line.strip())
    page.get_by_text(label[:20]).first.click()
    page.wait_for_function(
        "() => !document.querySelector('#input-text textarea').disabled", timeout=TIMEOUT_MS
    )
    assert "night-bus.docx" not in page.locator("#upload").inner_text()
    assert box.input_value().strip()
    assert not page.errors


# -- 2. results in view, button disabled, Ctrl+Enter -------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_ctrl_enter_runs_brings_results_into_view_and_disables_the_button(page, phone, size):
    page = page if size == "desktop" else phone
    page.locator("#input-text textarea").fill(ARTICLE_KO)
    assert not in_view(page, "#results-start")  # below the fold before the run
    watch_button(page)
    page.locator("#input-text textarea").press("Control+Enter")
    page.wait_for_function("() => window.__runDisabled", timeout=TIMEOUT_MS)
    assert in_view(page, "#results-start")
    wait_done(page)
    assert page.locator("#run").is_enabled()
    announced = page.locator("#announce [role=status]").inner_text()
    assert announced.startswith("Finished:")
    if size == "phone":
        # The three outputs are stacked, each as wide as the screen, not squeezed side by side.
        widths = [page.locator(f"#{e}").bounding_box()["width"] for e in ("out-en", "out-ko", "out-ja")]
        assert min(widths) > 300, widths
        assert page.locator("#out-en").bounding_box()["y"] < page.locator("#out-ko").bounding_box()["y"]
        shot(page, "page-phone.png")
    else:
        shot(page, "page-desktop.png")
    assert not page.errors


# -- 3. no stale outputs ---------------------------------------------------------------------------


def test_an_error_empties_every_output_and_stays_with_its_title_until_the_next_run(page, tmp_path):
    page.locator("#input-text textarea").fill(ARTICLE_KO)
    page.locator("#mode").get_by_text("Full article").click()
    page.locator("#run").click()
    wait_done(page)
    assert page.locator("#article").is_visible() and page.locator("#download-docx").is_enabled()
    empty = tmp_path / "blank.docx"
    empty.write_bytes(b"PK\x03\x04 not really a docx")
    page.locator("#upload input[type=file]").set_input_files(str(empty))
    wait_file(page, "upload", "blank")
    page.locator("#run").click()
    wait_error(page)
    title = page.locator("#page-error h2").inner_text()
    assert title and title != "Error", title
    assert "blank.docx" in page.locator("#page-error").inner_text()
    for elem_id in ("out-en", "out-ko", "out-ja", "warnings", "details"):
        assert output(page, elem_id) == "", elem_id
    assert "blank.docx" in page.locator("#announce").inner_text()
    assert not page.locator("#article").is_visible()
    assert page.locator("#download-json").is_disabled() and page.locator("#download-docx").is_disabled()
    page.wait_for_timeout(1500)  # a toast would be fading; the panel is part of the page
    assert page.locator("#page-error .page-error").is_visible()
    # The next run replaces the error; Clear empties everything again.
    page.locator("#upload button[aria-label='Clear']").first.click()
    page.wait_for_function("() => !document.querySelector('#input-text textarea').disabled")
    page.locator("#run").click()
    wait_done(page)
    assert not page.locator("#page-error .page-error").is_visible()
    page.locator("#clear").click()
    page.wait_for_function("() => document.querySelector('#out-ko textarea').value === ''")
    assert output(page, "details") == "" and output(page, "input-text") == ""
    assert not page.locator("#article").is_visible() and page.locator("#download-md").is_disabled()
    assert not page.errors


# -- 4. lang attributes and Japanese glyphs -------------------------------------------------------------


def glyphs(page, elem_id: str) -> bytes:
    """A screenshot of the first characters of an output box, after putting JA_FORMS in it."""
    box = page.locator(f"#{elem_id} textarea")
    box.evaluate("(el, text) => { el.value = text; el.scrollTop = 0; }", JA_FORMS * 2)
    area = box.bounding_box()
    clip = {"x": round(area["x"]) + 4, "y": round(area["y"]) + 4, "width": 150, "height": 36}
    return page.screenshot(clip=clip)


def test_korean_and_japanese_carry_lang_and_japanese_is_drawn_in_japanese_forms(page):
    page.locator("#input-text textarea").fill(ARTICLE_KO)
    page.locator("#mode").get_by_text("Full article").click()
    page.locator("#run").click()
    wait_done(page)
    for elem_id, lang in (("out-ko", "ko"), ("out-ja", "ja"), ("article-ko", "ko"), ("article-ja", "ja")):
        assert page.locator(f"#{elem_id}").get_attribute("lang") == lang
    table(page)
    cells = page.evaluate(
        """() => [...document.querySelectorAll('#aligned tbody tr')].slice(0, 3).map(
          (tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.getAttribute('lang')))"""
    )
    assert cells and all(row == ["en", "ko", "ja"] for row in cells), cells
    view = page.evaluate(
        "() => [...document.querySelectorAll('#article-view tbody td')].map((td) => td.getAttribute('lang'))"
    )
    assert view[:3] == ["en", "ko", "ja"] and len(view) == 12  # headline and three paragraphs
    family = page.evaluate("() => getComputedStyle(document.querySelector('#out-ja textarea')).fontFamily")
    assert family.split(",")[1].strip().strip('"') == "Noto Sans CJK JP", family
    # The same characters in the same box: drawn as the page marks it (ja), then as it would be without
    # the mark (the page's Korean-first stack, as before issue 16): the glyphs differ; drawing it again
    # as ja gives the first pixels back (the difference is the language, not the moment).
    japanese = glyphs(page, "out-ja")
    page.evaluate("() => document.getElementById('out-ja').setAttribute('lang', 'ko')")
    korean = glyphs(page, "out-ja")
    page.evaluate("() => document.getElementById('out-ja').setAttribute('lang', 'ja')")
    assert japanese != korean
    assert glyphs(page, "out-ja") == japanese


# -- 5. accessibility ------------------------------------------------------------------------------


def serious(page) -> list[tuple[str, str, list]]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        (v["id"], v["impact"], [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"]][:5])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_serious_violations_and_outputs_have_names(browser, live_server_fake, dark):
    pytest.importorskip("axe_playwright_python", reason="needs axe-playwright-python")
    page = open_page(browser, live_server_fake.url, DESKTOP, dark=dark)
    try:
        assert serious(page) == []
        page.locator("#input-text textarea").fill(ARTICLE_KO)
        page.locator("#mode").get_by_text("Full article").click()
        page.locator("#run").click()
        wait_done(page)
        assert serious(page) == []
        names = page.evaluate(
            """() => ['out-en','out-ko','out-ja','article-en','article-ko','article-ja'].map(
              (id) => document.querySelector('#' + id + ' textarea').getAttribute('aria-label'))"""
        )
        assert all(names) and len(set(names)) == 6, names
        copies = page.locator("#tab-single button[aria-label^='Copy ']").evaluate_all(
            "(bs) => bs.map((b) => b.getAttribute('aria-label'))"
        )
        assert len(copies) >= 6 and len(set(copies)) == len(copies), copies
        # The outputs are reachable by Tab (read-only, not disabled).
        assert page.evaluate("() => document.querySelector('#out-ko textarea').disabled") is False
        page.locator("#out-en textarea").focus()
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.closest('[id]')?.id")
        assert focused in ("out-ko", "out-en"), focused
        # One Tab stop per radio group; focus is visible.
        stops = page.evaluate(
            """() => [...document.querySelectorAll('#tab-single fieldset')].map(
              (f) => new Set([...f.querySelectorAll('input[type=radio]')].map((r) => r.name)).size)"""
        )
        assert stops and set(stops) == {1}, stops
        page.locator("#run").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none"), outline
        if dark:
            shot(page, "page-dark.png")
    finally:
        page.context.close()


def test_phone_layout_has_no_serious_violations(phone):
    pytest.importorskip("axe_playwright_python", reason="needs axe-playwright-python")
    assert serious(phone) == []
    upload = phone.locator("#upload").bounding_box()
    label = phone.locator("#upload").get_by_text("Click to Upload").bounding_box()
    assert label["y"] + label["height"] <= upload["y"] + upload["height"] + 1  # not clipped


# -- 6. warnings, details, model status ------------------------------------------------------------------


def test_warnings_are_grouped_sentences_and_marked_on_their_rows(page):
    page.locator("#input-text textarea").fill(ARTICLE_KO)
    page.locator("#mode").get_by_text("Full article").click()
    page.locator("#run").click()
    wait_done(page)
    warnings = output(page, "warnings")
    assert "article." not in warnings and "translations." not in warnings and "segments[" not in warnings
    assert "Possibly left untranslated (" in warnings  # the fake engine copies its input
    _, rows = table(page)
    assert any("⚠" in row[0] for row in rows), [row[0] for row in rows]
    assert "Language of the article: Korean" in page.locator("#detected").inner_text()
    assert "of 200,000 characters" in page.locator("#char-count").inner_text()
    # Models ready: the status is one bare line, not a labelled box.
    status = page.locator("#status")
    assert "loaded and ready" in status.locator("textarea").input_value()
    assert status.bounding_box()["height"] < 60
    label = status.get_by_text("Model status").bounding_box()  # kept for screen readers only
    assert label is None or label["width"] <= 1, label
    assert not page.errors


# -- 7. paragraphs ---------------------------------------------------------------------------------


def test_markup_in_the_article_view_shows_literally(page):
    payload = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    page.locator("#input-text textarea").fill(f"The council met on Tuesday. {payload}\nIt approved the plan.")
    page.locator("#source-language").get_by_text("English").click()
    page.locator("#mode").get_by_text("Full article").click()
    page.locator("#run").click()
    wait_done(page)
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert "<script>window.__xss=1</script>" in page.locator("#article-view").inner_text()
    assert page.locator("#article-view script, #article-view img").count() == 0
    assert len(page.locator("#article-view tbody tr").all()) == 2  # two lines, two paragraphs
    # Hovering a sentence highlights it in all three languages.
    page.locator("#article-view td[lang=en] .s").first.hover()
    lit = page.evaluate(
        "() => [...document.querySelectorAll('#article-view .s.hl')].map((s) => s.closest('td').lang)"
    )
    assert lit == ["en", "ko", "ja"], lit
    # So does the sentence table's row under the pointer, across its three languages.
    row = page.locator("#aligned [role=row].virtual-row").first
    colours = (
        "(row) => [...row.querySelectorAll('[role=gridcell]')].map(c => getComputedStyle(c).backgroundColor)"
    )
    before = row.evaluate(colours)
    row.locator("[role=gridcell]").nth(2).hover()
    after = row.evaluate(colours)
    assert len(set(after)) == 1 and after[0] == "rgb(253, 230, 138)" and before[0] != after[0], (
        before,
        after,
    )


# -- downloads --------------------------------------------------------------------------------------------


def test_docx_download_is_named_after_the_file_with_three_columns(page, tmp_path):
    from docx import Document

    path = make_document(tmp_path, ".txt", ARTICLE_EN, stem="tram-line")
    page.locator("#upload input[type=file]").set_input_files(str(path))
    wait_file(page, "upload", "tram-line")
    page.locator("#run").click()
    wait_done(page)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator("#download-docx").click()
    assert download.value.suggested_filename == "tram-line-summary.docx"
    table_ = Document(str(download.value.path())).tables[0]
    assert [c.text for c in table_.rows[0].cells] == ["English", "한국어", "日本語"]
    assert table_.rows[1].cells[0].text.strip()


# -- 8. the batch tab --------------------------------------------------------------------------------------


def test_each_batch_row_opens_its_files_result_and_clear_empties_the_tab(page, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    files = [
        make_document(first, ".txt", ARTICLE_KO, stem="report"),
        make_document(second, ".txt", ARTICLE_EN, stem="report"),  # the same name, another article
        tmp_path / "broken.pdf",
    ]
    files[2].write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    page.get_by_role("tab", name="Several articles").click()
    page.locator("#batch-upload input[type=file]").set_input_files([str(p) for p in files])
    page.wait_for_function(
        "() => (document.querySelector('#batch-upload')?.innerText || '').includes('broken')",
        timeout=TIMEOUT_MS,
    )
    page.locator("#batch-run").click()
    page.wait_for_function(
        "() => (document.querySelector('#batch-summary textarea')?.value || '').length > 0",
        timeout=TIMEOUT_MS,
    )
    assert output(page, "batch-summary").startswith("2 of 3 file(s) processed; 1 failed: broken.pdf.")
    grid = page.locator("#batch-results")
    rows = [
        [cell.strip() for cell in row.locator("[role=gridcell]").all_inner_texts()]
        for row in grid.locator("[role=row].virtual-row").all()
    ]
    assert [(row[0], row[4]) for row in rows] == [
        ("report.txt", "report.md"),
        ("report.txt", "report-2.md"),
        ("broken.pdf", "FAILED.md"),
    ]
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator("#batch-download-zip").click()
    assert download.value.suggested_filename == "report-and-2-more-results.zip"
    # The second "report.txt" opens the English article's result, not the Korean one's.
    grid.locator("[role=row].virtual-row").nth(1).locator("[role=gridcell]").nth(3).click()
    page.locator("#batch-view").wait_for(state="visible", timeout=TIMEOUT_MS)
    assert output(page, "batch-view-file") == "report.txt (row 2)"
    assert "Source language: English (en)" in output(page, "batch-view-details")
    assert output(page, "batch-view-en").strip() and output(page, "batch-view-ko").strip()
    assert page.locator("#batch-view-ko").get_attribute("lang") == "ko"
    # that file's own downloads, named after it
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator("#batch-view-docx").click()
    assert download.value.suggested_filename == "report-summary.docx"
    grid.locator("[role=row].virtual-row").nth(0).locator("[role=gridcell]").nth(3).click()
    page.wait_for_function(
        "() => document.querySelector('#batch-view-details textarea').value.includes('Korean (ko)')",
        timeout=TIMEOUT_MS,
    )
    page.locator("#batch-clear").click()
    page.locator("#batch-view").wait_for(state="hidden", timeout=TIMEOUT_MS)
    assert output(page, "batch-summary") == ""
    assert "broken" not in page.locator("#batch-upload").inner_text()
    assert not page.errors
