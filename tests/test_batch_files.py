"""Names inside a batch's `results.zip`: readable, unique, and valid on every file system."""

from __future__ import annotations

import zipfile

from service.batch import BatchItem, markdown_names, write_markdown_zip
from tests.test_result import make_result


def test_names_come_from_file_stems_and_link_paths_and_repeat_with_a_number():
    names = [
        "report.txt",
        "report.docx",  # the same stem: numbered
        "https://news.example/2026/01/13/night-buses.html?utm_source=x",
        "http://127.0.0.1:8000/files/notes.txt",
        "https://news.example/2026/01/13/",  # the last segment
        "https://news.example/",  # no path: the host
        "https://news.example/%EA%B8%B0%EC%82%AC.html",  # percent-encoded Hangul
        'a:b?c*<d>|"e".txt',  # characters Windows refuses
        "...",
    ]
    assert markdown_names([BatchItem(name=n) for n in names]) == [
        "report.md",
        "report-2.md",
        "night-buses.md",
        "notes.md",
        "13.md",
        "news.example.md",
        "기사.md",
        "a-b-c-d-e.md",
        "article.md",
    ]


def test_the_zip_holds_each_article_under_its_name_and_lists_failures(tmp_path):
    ok = make_result(summary="The tram line was approved.")
    items = [
        BatchItem(name="https://news.example/a/tram.html?id=3", result=ok),
        BatchItem(
            name="https://news.example/missing", error="The site answered 404", error_code="fetch_failed"
        ),
    ]
    path = write_markdown_zip(items, tmp_path / "results.zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["tram.md", "FAILED.md"]
        assert "The tram line was approved." in archive.read("tram.md").decode()
        assert "https://news.example/missing: The site answered 404" in archive.read("FAILED.md").decode()


def test_fetch_links_reads_each_link_once_and_keeps_the_order():
    from service.batch import Link, fetch_links
    from service.errors import FetchFailed

    asked: list[str] = []

    def read_url(url: str):
        asked.append(url)
        if "missing" in url:
            raise FetchFailed("The site answered 404")
        return f"page of {url}"

    urls = [
        "https://a.example/1",
        "https://a.example/missing",
        "https://a.example/1",
        "https://a.example/missing",
    ]
    fetched = fetch_links(read_url, urls)
    assert sorted(asked) == ["https://a.example/1", "https://a.example/missing"]
    assert [url for url, _ in fetched] == urls
    first, missing, again, missing_again = (source for _, source in fetched)
    assert isinstance(first, Link) and first.page == "page of https://a.example/1" and again == first
    assert isinstance(missing, BatchItem) and missing.error_code == "fetch_failed"
    assert missing_again == missing and missing_again is not missing  # each occurrence its own item
