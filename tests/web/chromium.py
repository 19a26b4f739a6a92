"""Debian's Chromium for the browser tests: where it is, its flags, and a page that records its
script errors (never `playwright install`)."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
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
