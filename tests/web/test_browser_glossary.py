"""The page in a real Chromium on the fake engine: a glossary typed into the page is applied, and the
sentence table lists each summary sentence's sources and the terms put into each row.
Chromium and its flags as in tests/web/test_browser.py."""

from __future__ import annotations

import pytest

from tests.web.chromium import BROWSER_MARKS
from tests.web.test_browser import TIMEOUT_MS, output, run_and_wait
from tests.web.test_browser_wiring import column, table

pytest_plugins = ["tests.fakes"]
pytestmark = BROWSER_MARKS

ARTICLE_KO = (
    "이재명 대통령은 화요일 서울에서 다카이치 사나에 총리와 정상회담을 했다. "
    "두 정상은 12억 달러 규모의 반도체 협력에 합의했다.\n"
    "이재명 대통령은 회담 뒤 기자들에게 “매우 생산적이었다”고 말했다."
)
GLOSSARY = "en,ko,ja\nLee Jae-myung,이재명,李在明\nTakaichi Sanae,다카이치 사나에,高市早苗"


@pytest.fixture
def page(browser, live_server_fake):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.goto(live_server_fake.url, wait_until="domcontentloaded")
    page.wait_for_selector("#run", timeout=TIMEOUT_MS)
    yield page
    context.close()


def test_the_page_applies_a_glossary_and_shows_sources(page):
    page.locator("#input-text textarea").fill(ARTICLE_KO)
    page.locator("#length").get_by_text("Short").click()
    page.locator("#glossary-box").get_by_text("Glossary").first.click()  # open the accordion
    box = page.locator("#glossary textarea")
    box.wait_for(state="visible", timeout=TIMEOUT_MS)
    # The box mounts when the accordion opens, and on a loaded machine its first value ("") can
    # arrive after the typing and wipe it (seen twice in CI): type, leave the box as a person would,
    # and type again until it keeps the text.
    for _ in range(10):
        box.fill(GLOSSARY)
        box.press("Tab")
        page.wait_for_timeout(500)
        if box.input_value() == GLOSSARY:
            break
    assert box.input_value() == GLOSSARY
    run_and_wait(page)
    assert "Lee Jae-myung" in output(page, "out-en")
    assert "李在明" in output(page, "out-ja") and "이재명" in output(page, "out-ko")
    header, rows = table(page)
    sources, terms = column(header, "Sources"), column(header, "Glossary")
    assert rows[0][sources].startswith("¶1.1 (") and "이재명 대통령은 화요일 서울에서" in rows[0][sources]
    assert rows[2][sources].startswith("¶2.1 (1.00) 이재명 대통령은 회담 뒤")
    assert "ja: 李在明" in rows[0][terms] and "ko: 다카이치 사나에" in rows[0][terms]
    assert "ja: 高市早苗" not in rows[1][terms]


def upload(page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("#glossary-upload").click()
    chooser.value.set_files(str(path))


def test_a_glossary_file_loads_into_the_box_and_a_bad_one_is_refused(page, tmp_path):
    good, bad = tmp_path / "names.toml", tmp_path / "bad.csv"
    good.write_text('[[term]]\nen = "Lee Jae-myung"\nko = "이재명"\nja = "李在明"\n', encoding="utf-8")
    bad.write_text("en,ko,ja\nLee Jae-myung,이재명\n", encoding="utf-8")
    page.locator("#glossary-box").get_by_text("Glossary").first.click()
    upload(page, good)
    box = page.locator("#glossary textarea")
    page.wait_for_function(
        "() => document.querySelector('#glossary textarea').value.includes('李在明')", timeout=TIMEOUT_MS
    )
    assert box.input_value().startswith("[[term]]")
    upload(page, bad)
    panel = page.locator("#glossary-error .page-error")
    panel.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "line 2: 2 cells, but the header has 3" in panel.inner_text()
    assert panel.get_attribute("role") == "alert" and panel.locator("h2").inner_text().strip()
    assert "李在明" in box.input_value()  # the box keeps the last good glossary
    assert not page.locator(".toast-body").count()  # a panel beside the box, not a toast that vanishes
    upload(page, good)  # a good file takes the error away
    panel.wait_for(state="hidden", timeout=TIMEOUT_MS)
