"""Articles by link through the live app: the JSON API, the Gradio client and the page in Chromium.

The app runs with tiny translators and the extractive summariser and may fetch from exactly one
private address, the local news site's 127.0.0.1 (`allowed_networks`); a second app with the default
settings shows the same link refused.
"""

from __future__ import annotations

import ipaddress
import os

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

pytest.register_assert_rewrite("tests.server_fixtures", "tests.shapes")
from tests.server_fixtures import serve, set_gradio_temp_dir  # noqa: E402
from tests.shapes import assert_details_shape, assert_result_shape  # noqa: E402
from tests.site_fixtures import HEADLINE, PARAGRAPHS, news_site  # noqa: E402

pytest_plugins = ["tests.server_fixtures"]
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]

LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with news_site(tmp_path_factory.mktemp("site")) as site:
        yield site


@pytest.fixture(scope="module")
def app(tiny_extractive, tmp_path_factory):
    """The whole app (page, client endpoints, JSON API), allowed to fetch from 127.0.0.1 only."""
    set_gradio_temp_dir(tmp_path_factory)
    from service import Pipeline
    from service.fetching import FetchSettings
    from service.web.access import Access
    from service.web.backend import Backend

    pipeline = Pipeline(models=tiny_extractive, fetch=FetchSettings(allowed_networks=LOCAL))
    with serve(Backend(pipeline, access=Access())) as server:
        yield server


@pytest.fixture(scope="module")
def default_app(pipeline_extractive):
    """The JSON API with the default fetch settings: public addresses only."""
    from service.web.access import Access
    from service.web.backend import Backend

    with serve(Backend(pipeline_extractive, access=Access()), ui=False) as server:
        yield server


# -- JSON API ------------------------------------------------------------------------------------------


def test_json_api_reads_a_link_through_redirects(app, site):
    status, data = app.process({"url": site.link("/r/1"), "length": "short"})
    assert status == 200, data
    assert_result_shape(data)
    assert data["source_language"] == "en" and data["summary"] and data["translations"]["ko"]
    source = data["source"]
    assert source["kind"] == "url" and source["url"] == site.link("/r/1")
    assert source["final_url"] == site.link("/news/night-buses.html")
    assert HEADLINE in source["title"] and source["author"] == "Min-ji Seo" and source["date"] == "2026-02-03"
    # The extractive summariser copies sentences: they come from the article, not the page furniture.
    assert "cookies" not in data["summary"] and data["summary"].split(". ")[0] in " ".join(PARAGRAPHS)


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"url": "file:///etc/passwd"}, 400, "url_refused", "only http:// and https://"),
        ({"url": "ftp://example.com/a.txt"}, 400, "url_refused", "only http:// and https://"),
        ({"url": "/missing"}, 502, "fetch_failed", "answered 404"),
        ({"url": "/broken"}, 502, "fetch_failed", "answered 500"),
        ({"url": "/to-metadata"}, 400, "url_refused", "169.254.169.254 is a link-local address"),
        ({"url": "/photo.png"}, 415, "unsupported_content_type", "image/png, not an article"),
        ({"url": "/paywall"}, 422, "restricted_page", "paywall"),
        ({"url": "/news/night-buses.html", "text": "Both."}, 400, "bad_input", "not both"),
        ({"url": 42}, 400, "bad_input", '"url" must be a string'),
        ({"url": " "}, 400, "bad_url", "The link is empty"),
    ],
)
def test_json_api_link_errors_are_clear(app, site, body, status, code, words):
    if isinstance(body.get("url"), str) and body["url"].startswith("/"):
        body = {**body, "url": site.link(body["url"])}
    answer, data = app.process(body)
    assert (answer, data["error"]) == (status, code), data
    assert words in data["message"]
    assert app.process({"text": "The council met on Tuesday and approved the tram line."})[0] == 200


def test_json_api_refuses_local_links_by_default(default_app, site):
    for link in (site.link("/news/night-buses.html"), f"http://localhost:{site.port}/news/night-buses.html"):
        status, data = default_app.process({"url": link})
        assert (status, data["error"]) == (400, "url_refused"), data
        assert "loopback address" in data["message"]
    assert all(r["path"] != "/news/night-buses.html" or r["host"] != "localhost" for r in site.requests)


# -- Gradio client ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(app) -> Client:
    return Client(app.url, verbose=False)


def test_process_endpoint_takes_url_as_its_last_parameter(client, site):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    params = [p["parameter_name"] for p in endpoints["/process"]["parameters"]]
    assert params == [
        "text",
        "file",
        "source_language",
        "length",
        "mode",
        "url",
        "glossary",
    ]  # glossary came after
    summary, korean, japanese, details = client.predict(
        text="", file=None, length="short", url=site.link("/files/night-buses.docx"), api_name="/process"
    )
    assert summary and korean and japanese
    assert_details_shape(details)
    assert details["input"]["kind"] == "url" and details["input"]["format"] == "docx"
    assert details["source"]["final_url"] == site.link("/files/night-buses.docx")


def test_old_clients_without_url_keep_working(client):
    summary, *_ = client.predict(
        "The council met on Tuesday. It approved a new tram line for the eastern districts.",
        None,
        "auto",
        "short",
        "summary",
        api_name="/process",
    )
    assert summary


def test_process_endpoint_link_errors(client, site):
    with pytest.raises(AppError, match="only http:// and https://") as caught:
        client.predict(text="", file=None, url="ftp://example.com/news.txt", api_name="/process")
    assert caught.value.title == "Link refused"
    with pytest.raises(AppError, match="answered 404"):
        client.predict(text="", file=None, url=site.link("/missing"), api_name="/process")


def test_a_file_and_a_link_together_are_refused(client, site, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "notes.txt"
    path.write_text("The council met on Tuesday and approved the new tram line.", encoding="utf-8")
    before = len(site.requests)
    with pytest.raises(AppError, match="Both a file and a link were given"):
        client.predict(
            text="", file=handle_file(str(path)), url=site.link("/news/night-buses.html"), api_name="/process"
        )
    assert len(site.requests) == before  # refused before anything was fetched


def test_batch_takes_links_after_its_files_and_lists_a_bad_link_with_its_reason(client, site, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "notes.txt"
    path.write_text(
        "The council met on Tuesday and approved the new tram line for the east.", encoding="utf-8"
    )
    links = "\n".join(
        [
            site.link("/r/1"),
            "",
            f"  {site.link('/missing')}  ",
            "ftp://example.com/a.txt",
            site.link("/ja/sjis.html"),
        ]
    )
    records = client.predict([handle_file(str(path))], "auto", "short", "summary", links, api_name="/batch")
    assert [r["file"] for r in records] == [
        "notes.txt",
        site.link("/r/1"),
        site.link("/missing"),
        "ftp://example.com/a.txt",
        site.link("/ja/sjis.html"),
    ]
    assert [r["ok"] for r in records] == [True, True, False, False, True]
    assert (records[2]["error"], records[3]["error"]) == ("fetch_failed", "url_refused")
    assert "answered 404" in records[2]["message"] and "only http:// and https://" in records[3]["message"]
    for record in (records[0], records[1], records[4]):
        assert_result_shape(record["result"])
    assert (records[0]["result"]["source"] or {}).get("kind") != "url"
    assert records[1]["result"]["source"]["final_url"] == site.link("/news/night-buses.html")
    assert records[4]["result"]["source_language"] == "ja"  # Shift_JIS read as Japanese


def test_batch_of_links_only_and_its_limits(client, site):
    (record,) = client.predict(
        [], "auto", "short", "summary", site.link("/files/notes.txt"), api_name="/batch"
    )
    assert record["ok"] and record["result"]["source"]["url"] == site.link("/files/notes.txt")
    with pytest.raises(AppError, match="Nothing to process"):
        client.predict([], "auto", "short", "summary", " \n \n", api_name="/batch")
    too_many = "\n".join(site.link(f"/news/night-buses.html?n={i}") for i in range(51))
    before = len(site.requests)
    with pytest.raises(AppError, match="files and links in the batch"):
        client.predict([], "auto", "short", "summary", too_many, api_name="/batch")
    assert len(site.requests) == before  # refused before anything was fetched


# -- the page in a real browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs the system Chromium at {CHROMIUM}")
def test_paste_a_link_in_the_browser(app, site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    from tests.web.chromium import run_and_wait
    from tests.web.test_browser import ARTIFACTS, CHROMIUM_FLAGS, HANGUL, TIMEOUT_MS

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(app.url, wait_until="domcontentloaded")
            page.wait_for_selector("#run", timeout=TIMEOUT_MS)
            page.locator("#input-url textarea, #input-url input").first.fill(site.link("/r/1"))
            page.locator("#length").get_by_text("Short").click()
            run_and_wait(page)  # the whole run: the page fills its outputs as each part is ready
            details = page.locator("#details textarea").input_value()
            assert f"Input: link {site.link('/news/night-buses.html')} (html" in details
            assert "author Min-ji Seo" in details and "date 2026-02-03" in details
            assert HANGUL.search(page.locator("#out-ko textarea").input_value())
            assert page.locator("#input-text textarea").input_value() == ""
            page.wait_for_timeout(300)  # let the progress overlay fade before the screenshot
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "link.png"), full_page=True)
            # A refused link shows its reason in the page's error message.
            page.locator("#input-url textarea, #input-url input").first.fill("file:///etc/passwd")
            page.locator("#run").click()
            panel = page.locator("#page-error [role=alert]")  # on the page until the next run (issue 16)
            panel.wait_for(state="visible", timeout=TIMEOUT_MS)
            assert "only http:// and https://" in panel.inner_text()
            # The batch tab takes links too, one per line: one row each, a bad one with its reason.
            page.get_by_role("tab", name="Several articles").click()
            links = f"{site.link('/files/notes.txt')}\n{site.link('/missing')}"
            page.locator("#batch-links textarea").fill(links)
            page.locator("#batch-run").click()
            page.wait_for_function(
                "() => (document.querySelector('#batch-summary textarea')?.value || '').length > 0",
                timeout=TIMEOUT_MS,
            )
            summary = page.locator("#batch-summary textarea").input_value()
            assert summary.startswith(f"1 of 2 link(s) processed; 1 failed: {site.link('/missing')}.")
            rows = [
                [cell.strip() for cell in row.locator("[role=gridcell]").all_inner_texts()]
                for row in page.locator("#batch-results [role=row].virtual-row").all()
            ]
            assert [row[:2] for row in rows] == [
                [site.link("/files/notes.txt"), "ok"],
                [site.link("/missing"), "failed (fetch_failed)"],
            ]
            assert "answered 404" in rows[1][3]
            assert not errors
        finally:
            browser.close()
