"""`python -m service run` with links: real subprocesses against the local news site.

The subprocess may fetch from 127.0.0.1 only (`SERVICE_ALLOW_PRIVATE_URLS=127.0.0.1`, a network
list), which is how a test or an intranet deployment opens exactly the hosts it needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.shapes import assert_result_shape
from tests.site_fixtures import HEADLINE, news_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with news_site(tmp_path_factory.mktemp("site")) as site:
        yield site


def cli(*args, models, **env):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("SERVICE_") or k == "SERVICE_CACHE_DIR"
    }
    environ.update({"SERVICE_MODELS": str(models), **env})
    return subprocess.run(
        [sys.executable, "-m", "service", "run", *map(str, args)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


def test_links_and_files_mixed_in_one_batch(site, tmp_path, tiny_extractive):
    article = tmp_path / "council.txt"
    article.write_text(
        "The city council approved a new tram line on Tuesday. It will cost 1.2 billion dollars.\n"
        "Construction starts next spring after a final environmental review.",
        encoding="utf-8",
    )
    links = [site.link("/r/1"), site.link("/files/night-buses.pdf"), site.link("/missing")]
    proc = cli(
        links[0], article, links[1], links[2], "ftp://example.com/a.txt", "--json", "--length", "short",
        models=tiny_extractive, SERVICE_ALLOW_PRIVATE_URLS="127.0.0.1",
    )  # fmt: skip
    assert proc.returncode == 4, proc.stderr  # some items failed, the others have results
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["file"], r["ok"]) for r in rows] == [
        (links[0], True),
        (str(article), True),
        (links[1], True),
        (links[2], False),
        ("ftp://example.com/a.txt", False),
    ]
    for row in rows[:3]:
        assert_result_shape(row["result"])
    assert rows[0]["result"]["source"]["final_url"] == site.link("/news/night-buses.html")
    assert HEADLINE in rows[0]["result"]["source"]["title"]
    assert rows[1]["result"]["source"] is None
    assert rows[2]["result"]["source"]["format"] == "pdf"
    assert rows[3]["error"] == "fetch_failed" and "answered 404" in rows[3]["message"]
    assert rows[4]["error"] == "url_refused"


def test_single_link_prints_the_result_with_its_source(site, tiny_extractive):
    proc = cli(site.link("/r/1"), models=tiny_extractive, SERVICE_ALLOW_PRIVATE_URLS="127.0.0.1")
    assert proc.returncode == 0, proc.stderr
    assert f"Link: {site.link('/news/night-buses.html')}" in proc.stdout
    assert "Author: Min-ji Seo" in proc.stdout and "Date: 2026-02-03" in proc.stdout


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "loopback address"),  # the default: private addresses refused
        ({"SERVICE_URL_FETCH": "off"}, "SERVICE_URL_FETCH=off"),
    ],
)
def test_refusals_exit_with_a_clear_message(site, tiny_extractive, env, words):
    proc = cli(site.link("/news/night-buses.html"), models=tiny_extractive, **env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and words in proc.stderr
    assert proc.stdout == ""


def test_bad_setting_is_named(site, tiny_extractive):
    proc = cli(
        site.link("/news/night-buses.html"), models=tiny_extractive, SERVICE_ALLOW_PRIVATE_URLS="intranet"
    )
    assert proc.returncode == 2 and "SERVICE_ALLOW_PRIVATE_URLS" in proc.stderr
