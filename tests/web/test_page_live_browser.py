"""The summary on screen first (issue 12), in a real Chromium: with a slow Korean and a slower
Japanese translator (the fake engine's `delay_s`), the English box is filled while the Korean and
Japanese ones are still empty, then Korean, then Japanese; the stage is announced at each step and the
sentence table gets its English column first. The order is recorded in the page itself, by a poll
every 20 ms, so the test asserts what a reader saw and in which order, not how fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service import Pipeline
from service.engines.fake import write_fake_model_set
from service.web.access import Access
from service.web.backend import Backend
from tests.web.chromium import (
    BROWSER_MARKS,
    TIMEOUT_MS,
    open_page,
    run_and_wait,
)

pytestmark = BROWSER_MARKS

ARTICLE = (
    "The harbour authority opened a second ferry terminal on Monday. It cost 40 million dollars.\n\n"
    "Commuters said the crossing now takes twenty minutes. The old pier will close in May."
)
#: Seconds each call of the slow translators takes: far apart, so the steps cannot arrive together.
DELAYS = {"en-ko": 1.5, "en-ja": 3.5}

#: In the page: the moment each box (and the table's cells) first held text, and the live region.
RECORD = """() => {
  const seen = window.__seen = {};
  const start = performance.now();
  const value = (id) => document.querySelector(`#${id} textarea`)?.value || '';
  window.__poll = setInterval(() => {
    for (const id of ['out-en', 'out-ko', 'out-ja']) {
      if (!(id in seen) && value(id)) seen[id] = {t: performance.now() - start,
        ko: value('out-ko'), ja: value('out-ja'),
        said: document.getElementById('announce')?.innerText || ''};
    }
  }, 20);
}"""


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory) -> Iterator:
    from tests.server_fixtures import serve, set_gradio_temp_dir

    set_gradio_temp_dir(tmp_path_factory)
    models = write_fake_model_set(tmp_path_factory.mktemp("slow") / "slow.toml", delays=DELAYS)
    with serve(Backend(Pipeline(models=models), access=Access())) as server:
        yield server


@pytest.fixture
def page(browser, slow_server):
    yield from open_page(browser, slow_server.url)


def test_the_english_summary_shows_before_the_translations_and_each_language_as_it_finishes(page):
    page.locator("#input-text textarea").fill(ARTICLE)
    page.evaluate(RECORD)
    run_and_wait(page)
    seen = page.evaluate("() => window.__seen")
    assert set(seen) == {"out-en", "out-ko", "out-ja"}, seen
    assert seen["out-en"]["t"] < seen["out-ko"]["t"] < seen["out-ja"]["t"], seen
    # when the summary appeared, neither translation was there; when Korean did, Japanese was not
    assert seen["out-en"]["ko"] == "" and seen["out-en"]["ja"] == "", seen
    assert seen["out-ko"]["ja"] == "", seen
    assert "English summary ready" in seen["out-en"]["said"], seen
    assert "Korean translation ready" in seen["out-ko"]["said"], seen
    assert page.locator("#announce").inner_text().startswith("Finished")
    assert not page.errors


def test_the_table_gets_its_english_column_before_the_translations(page):
    # another article: the service caches translated sentences, and the first test's would be instant
    page.locator("#input-text textarea").fill(ARTICLE.replace("Monday", "Friday"))
    page.locator("#run").click()
    page.wait_for_function(
        "() => (document.querySelector('#out-en textarea')?.value || '').length > 0", timeout=TIMEOUT_MS
    )
    page.wait_for_function(
        "() => (document.querySelector('#aligned [data-testid=\"cell-0-1\"]')?.innerText || '').length > 0",
        timeout=TIMEOUT_MS,
    )
    english = page.locator('#aligned [data-testid="cell-0-1"]').inner_text().strip()
    korean = page.locator('#aligned [data-testid="cell-0-2"]').inner_text().strip()
    assert english and korean == "", (english, korean)
    page.wait_for_function("() => !document.getElementById('run').disabled", timeout=TIMEOUT_MS)
    assert page.locator('#aligned [data-testid="cell-0-2"]').inner_text().strip() == f"[en-ko] {english}"
