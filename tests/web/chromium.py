"""Debian's Chromium for the browser tests: where it is, its flags, and a page that records its
script errors (never `playwright install`)."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
#: The marks of a browser test module: `browser`, skipped without the system Chromium, and quiet
#: about Gradio's queueing deprecation.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs the system Chromium at {CHROMIUM}"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 90_000


def open_page(browser, url: str):
    """A desktop-sized page on `url`, ready once the Run button exists; `page.errors` collects the
    page's script errors. Yields the page and closes its context afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#run", timeout=TIMEOUT_MS)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def run_and_wait(page) -> None:
    """Click Run and wait until that run has finished: the button was disabled by it and is enabled
    again. Waiting for the Korean box alone is not enough since the page streams (the Korean column
    can be filled while the Japanese one is still being written), and a box from an earlier run on
    the same page would satisfy it before this run has even started."""
    page.evaluate(
        """() => { window.__runStarted = false; const b = document.getElementById('run');
        new MutationObserver(() => { if (b.disabled) window.__runStarted = true; })
          .observe(b, {attributes: true}); }"""
    )
    page.locator("#run").click()
    page.wait_for_function(
        "() => window.__runStarted && !document.getElementById('run').disabled", timeout=TIMEOUT_MS
    )
