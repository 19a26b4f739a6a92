"""A small local "news site" for the link tests: real HTTP on 127.0.0.1, started by the test.

`news_site()` serves article pages with their page furniture, a PDF, a DOCX, legacy-encoded Japanese
and Korean pages, redirect chains, error statuses, a non-article type, an endless body and slow
answers. `Site.requests` records what each request looked like (path, Host, User-Agent) and
`Site.sent` how many body bytes the endless route managed to write before the client hung up.
Every page is written for these tests (no copied articles).
"""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from tests.server_fixtures import make_document

HEADLINE = "Night buses return to the eastern districts after a two-year pause"
PARAGRAPHS = [
    "HARBOUR CITY — Night buses will run again through the eastern districts from 1 March, the city's "
    "transport office said on Tuesday, ending a pause that began when the operator ran out of drivers.",
    "Four routes will run every 20 minutes between midnight and 5 a.m., linking the ferry terminal, the "
    "university hospital and the new housing estates beyond the ring road.",
    '"People who clean our offices and staff our hospitals at night were left to walk home," said '
    'councillor Min-ji Seo, who campaigned for the return. "That ends now."',
    "The service will cost about 4.2 million dollars a year, paid for by a surcharge on parking permits "
    "in the city centre. Fares stay at 1.50 dollars, the same as in the daytime.",
    "The operator has hired 38 drivers since October and says it needs 12 more before the summer "
    "timetable starts. Drivers on night shifts will earn a 15% supplement.",
    "Critics say the money would be better spent on more frequent daytime buses, which carry 40 times "
    "as many passengers. The transport office replied that the two are not in competition.",
    "A review of the first six months is planned for September, when the council will decide whether "
    "to add routes to the western districts as well.",
]
JAPANESE = [
    "市の交通局は火曜日、東部地区の深夜バスを３月１日から再開すると発表した。",
    "運転手不足で２年間止まっていた路線で、４系統が午前０時から５時まで２０分おきに走る。",
    "「夜に働く人たちが歩いて帰るしかなかった」と徐議員は話した。",
]
KOREAN = [
    "시 교통국은 화요일 동부 지역의 심야버스를 3월 1일부터 다시 운행한다고 밝혔다.",
    "운전기사 부족으로 2년 동안 멈췄던 노선으로, 4개 노선이 자정부터 새벽 5시까지 20분 간격으로 다닌다.",
    '서민지 의원은 "밤에 일하는 사람들이 걸어서 집에 가야 했다"고 말했다.',
]


#: The article as a file's text (first line the headline). PDF core fonts have no em dash.
DOCUMENT_TEXT = "\n".join([HEADLINE, *PARAGRAPHS]).replace("—", "-")


def article_page(
    headline: str = HEADLINE,
    paragraphs: list[str] = PARAGRAPHS,
    *,
    charset: str | None = "utf-8",
    head_extra: str = "",
    lang: str = "en",
    byline: str = "By Min-ji Seo · 3 February 2026, 07:30",
    footer: str = "© 2026 Harbour City Times. All rights reserved.",
) -> str:
    """A whole news page: cookie banner, menu, share buttons, byline, caption, related links, footer."""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta}
<title>{escape(headline)} | Harbour City Times</title>
<meta name="author" content="Min-ji Seo">
<meta property="og:site_name" content="Harbour City Times">
<meta property="article:published_time" content="2026-02-03T07:30:00+09:00">
{head_extra}
<script>window.dataLayer = [{{"page": "article"}}];</script>
</head><body>
<div id="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<header><nav><a href="/">Home</a> <a href="/city">City</a> <a href="/world">World</a>
<a href="/subscribe">Subscribe for 1 dollar</a></nav></header>
<main><article>
<h1>{escape(headline)}</h1>
<p class="byline">{escape(byline)}</p>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <a href="#">Copy link</a></div>
<figure><img src="/bus.jpg" alt=""><figcaption>A night bus at the ferry terminal. (Photo: Harbour City Times)</figcaption></figure>
{body}
</article>
<aside class="related"><h2>Most read</h2><ul><li><a href="/a">Ferry fares to rise in April</a></li>
<li><a href="/b">Ten best noodle bars near the harbour</a></li></ul></aside></main>
<footer>{escape(footer)} <a href="/privacy">Privacy</a></footer>
</body></html>"""


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Site:
    url: str
    routes: dict[str, Handler]
    requests: list[dict[str, str]] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    sni: list[str | None] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def link(self, path: str) -> str:
        return self.url.rstrip("/") + path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r["path"] == path)


def respond(
    status: int = 200,
    body: bytes | str = b"",
    content_type: str | None = "text/html; charset=utf-8",
    **headers,
) -> Handler:
    data = body.encode("utf-8") if isinstance(body, str) else body

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        if content_type:
            request.send_header("Content-Type", content_type)
        for name, value in headers.items():
            request.send_header(name.replace("_", "-"), value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, b"", None, Location=location)


def endless(site_ref: list[Site], chunk: int = 64 * 1024, total: int = 64 * 1024 * 1024) -> Handler:
    """A body of `total` bytes without Content-Length, written as fast as the client reads it."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        site = site_ref[0]
        request.send_response(200)
        request.send_header("Content-Type", "text/plain; charset=utf-8")
        request.send_header("Connection", "close")
        request.end_headers()
        sent = 0
        piece = (b"The night bus is late again. " * (chunk // 29 + 1))[:chunk]
        try:
            while sent < total:
                request.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass
        finally:
            site.sent[request.path] = sent
            site.done.set()

    return handle


def slow_headers(delay_s: float) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(delay_s)
        with_body = respond(200, article_page())
        with suppress(OSError):
            with_body(request)

    return handle


def drip(interval_s: float, count: int) -> Handler:
    """Headers at once, then one byte every `interval_s`: never idle long enough for a read timeout."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/plain; charset=utf-8")
        request.send_header("Content-Length", str(count))
        request.end_headers()
        try:
            for _ in range(count):
                request.wfile.write(b"a")
                request.wfile.flush()
                time.sleep(interval_s)
        except OSError:
            pass

    return handle


def declared_only(size: int) -> Handler:
    """Announces a body of `size` bytes and sends none: the client must refuse on the header alone."""

    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/plain")
        request.send_header("Content-Length", str(size))
        request.end_headers()

    return handle


def build_routes(folder: Path, site_ref: list[Site]) -> dict[str, Handler]:
    pdf = make_document(folder, ".pdf", DOCUMENT_TEXT).read_bytes()
    docx = make_document(folder, ".docx", DOCUMENT_TEXT).read_bytes()
    ja = {
        "byline": "徐敏智記者　２０２６年２月３日　７時３０分",
        "footer": "Copyright 2026 Harbour City Times",
    }
    ko = {"byline": "서민지 기자 | 2026.02.03 07:30", "footer": "Copyright 2026 Harbour City Times"}
    headline_ja, headline_ko = "東部地区の深夜バス、３月に再開", "동부 지역 심야버스 3월 운행 재개"
    sjis = article_page(headline_ja, JAPANESE, charset="Shift_JIS", lang="ja", **ja)
    sjis_no_meta = article_page(headline_ja, JAPANESE, charset=None, lang="ja", **ja)
    korean = article_page(headline_ko, KOREAN, charset="windows-1252", lang="ko", **ko)
    paywall_head = (
        '<meta property="article:content_tier" content="locked">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
    )
    return {
        "/news/night-buses.html": respond(200, article_page()),
        "/news/2026/02/03/night-buses": respond(200, article_page()),
        "/files/night-buses.pdf": respond(200, pdf, "application/pdf"),
        "/files/night-buses.docx": respond(
            200, docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        "/files/notes.txt": respond(200, "\n\n".join([HEADLINE, *PARAGRAPHS]), "text/plain; charset=utf-8"),
        "/ja/sjis.html": respond(200, sjis.encode("shift_jis"), "text/html"),
        "/ja/sjis-no-meta.html": respond(200, sjis_no_meta.encode("shift_jis"), "text/html"),
        "/ko/euc-kr.html": respond(200, korean.encode("euc_kr"), "text/html; charset=EUC-KR"),
        "/r/1": redirect("/r/2", 301),
        "/r/2": redirect_to_port("http://127.0.0.1:{port}/r/3", site_ref),
        "/r/3": redirect("/news/night-buses.html", 307),
        "/loop": redirect("/loop"),
        "/to-loopback-2": redirect_to_port("http://127.0.0.2:{port}/news/night-buses.html", site_ref),
        "/to-private": redirect("http://10.0.0.1/news/night-buses.html"),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-mapped": redirect("http://[::ffff:192.168.0.1]/admin"),
        "/to-file": redirect("file:///etc/passwd"),
        "/missing": respond(404, "<h1>Not found</h1>"),
        "/broken": respond(500, "<h1>Internal error</h1>"),
        "/members": respond(403, "<h1>Forbidden</h1>"),
        "/photo.png": respond(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        "/api/data.json": respond(200, '{"headline": "x"}', "application/json"),
        "/endless": endless(site_ref),
        "/huge-declared": declared_only(50 * 1024 * 1024),
        "/slow": slow_headers(3.0),
        "/drip": drip(0.1, 100),
        "/paywall": respond(200, article_page(paragraphs=PARAGRAPHS[:1], head_extra=paywall_head)),
        "/paywall-full": respond(200, article_page(head_extra=paywall_head)),
        "/noarchive": respond(
            200, article_page(head_extra='<meta name="robots" content="noindex, noarchive">')
        ),
        "/noarchive-header": respond(200, article_page(), X_Robots_Tag="noarchive"),
    }


def redirect_to_port(template: str, site_ref: list[Site]) -> Handler:
    def handle(request: http.server.BaseHTTPRequestHandler) -> None:
        redirect(template.format(port=site_ref[0].port))(request)

    return handle


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def do_GET(self) -> None:
        self.site.requests.append(
            {
                "path": self.path,
                "host": self.headers.get("Host", ""),
                "user_agent": self.headers.get("User-Agent", ""),
            }
        )
        route = self.site.routes.get(self.path)
        if route is None:
            respond(404, "<h1>Not found</h1>")(self)
            return
        route(self)

    def log_message(self, *args) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """Clients that hang up (size cap, timeouts) or fail TLS verification are expected here."""


@contextmanager
def news_site(folder: Path, tls: ssl.SSLContext | None = None) -> Iterator[Site]:
    """Serve the routes on 127.0.0.1 and a free port until the block ends."""
    site_ref: list[Site] = []
    routes = build_routes(folder, site_ref)
    handler = type("Handler", (_Handler,), {})
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        scheme = "https"
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    site = Site(url=f"{scheme}://127.0.0.1:{server.server_address[1]}/", routes=routes)
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: site.sni.append(name)
    handler.site = site
    site_ref.append(site)
    thread = threading.Thread(target=server.serve_forever, name="news-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
