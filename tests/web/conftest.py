"""Shared by the browser tests: one Chromium per module."""

from __future__ import annotations

import pytest

from tests.web.chromium import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()
