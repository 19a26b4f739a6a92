"""Articles by link (`service.fetching`), against a local news site started by the test.

The site runs on 127.0.0.1, so these tests allow exactly that address (`allowed_networks`), never
private addresses in general: a redirect to any other loopback, private or metadata address is
still refused, as it would be in production.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time

import pytest

from service.documents import read_document
from service.errors import (
    FetchFailed,
    FetchTimeout,
    InputTooLarge,
    RestrictedPage,
    UnsupportedContent,
    UrlError,
    UrlFetchDisabled,
    UrlRefused,
)
from service.fetching import FetchSettings, UrlReader, read_url
from service.fetching import guard as guard_module
from service.fetching.guard import AddressPolicy
from service.fetching.http import USER_AGENT
from tests.site_fixtures import DOCUMENT_TEXT, HEADLINE, JAPANESE, KOREAN, PARAGRAPHS, news_site

LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with news_site(tmp_path_factory.mktemp("site")) as site:
        yield site


def local(**overrides) -> FetchSettings:
    """Settings that allow only the test site's own address."""
    return FetchSettings(allowed_networks=LOCAL, **overrides)


# -- reading articles ---------------------------------------------------------------------------------


def test_html_article_without_page_furniture_and_with_metadata(site):
    page = read_url(site.link("/news/night-buses.html"), local())
    text = page.text
    for paragraph in (PARAGRAPHS[0], PARAGRAPHS[2], PARAGRAPHS[-1]):
        assert paragraph in text
    for furniture in ("cookies", "Share on", "Most read", "noodle bars", "All rights reserved", "Subscribe"):
        assert furniture not in text, furniture
    assert page.document.format == "html"
    assert page.title and HEADLINE in page.title
    assert page.author == "Min-ji Seo"
    assert page.date == "2026-02-03"
    assert page.final_url == page.url == site.link("/news/night-buses.html")
    source = page.source()
    assert source["kind"] == "url" and source["final_url"] == page.final_url and source["title"] == page.title
    request = site.requests[-1]
    assert request["user_agent"] == USER_AGENT
    assert request["host"] == f"127.0.0.1:{site.port}"


@pytest.mark.parametrize(
    ("path", "extension", "fmt"),
    [("/files/night-buses.pdf", ".pdf", "pdf"), ("/files/night-buses.docx", ".docx", "docx")],
)
def test_pdf_and_docx_links_read_like_the_same_file_uploaded(site, tmp_path, path, extension, fmt):
    from tests.server_fixtures import make_document

    page = read_url(site.link(path), local())
    uploaded = read_document(make_document(tmp_path, extension, DOCUMENT_TEXT))
    assert page.document.format == fmt
    assert page.text == uploaded.text
    assert PARAGRAPHS[3][:60] in " ".join(page.text.split())
    assert page.title is None and page.final_url.endswith(path)


def test_plain_text_link(site):
    page = read_url(site.link("/files/notes.txt"), local())
    assert page.document.format == "text" and page.text.split("\n\n")[1] == PARAGRAPHS[0]


@pytest.mark.parametrize("path", ["/ja/sjis.html", "/ja/sjis-no-meta.html"])
def test_shift_jis_page_without_a_charset_header(site, path):
    """The header says only text/html: the meta tag decides, or, without one, detection does."""
    page = read_url(site.link(path), local())
    for sentence in JAPANESE:
        assert sentence in page.text
    assert page.document.encoding in ("cp932", "shift_jis")


def test_header_charset_wins_over_a_wrong_meta_tag(site):
    """The EUC-KR page claims windows-1252 in its meta tag; the HTTP header is right and wins."""
    page = read_url(site.link("/ko/euc-kr.html"), local())
    for sentence in KOREAN:
        assert sentence in page.text
    assert page.document.encoding == "cp949"


# -- redirects ----------------------------------------------------------------------------------------


def test_redirect_chain_is_followed_and_the_final_url_recorded(site):
    page = read_url(site.link("/r/1"), local())
    assert page.url == site.link("/r/1")
    assert page.final_url == site.link("/news/night-buses.html")
    assert PARAGRAPHS[1] in page.text


def test_redirect_loop_stops_after_a_few_hops(site):
    before = site.hits("/loop")
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        read_url(site.link("/loop"), local())
    assert site.hits("/loop") - before == 6


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-loopback-2", "127.0.0.2 is a loopback address"),
        ("/to-private", "10.0.0.1 is a private-network address"),
        ("/to-metadata", "169.254.169.254 is a link-local address"),
        ("/to-mapped", "::ffff:192.168.0.1 is a private-network address inside an IPv6 address"),
    ],
)
def test_redirect_to_a_private_address_is_refused(site, path, reason):
    with pytest.raises(UrlRefused, match=reason):
        read_url(site.link(path), local(connect_timeout_s=2))


def test_metadata_address_is_refused_even_when_private_addresses_are_allowed(site):
    with pytest.raises(UrlRefused, match="link-local"):
        read_url(site.link("/to-metadata"), FetchSettings(allow_private=True, connect_timeout_s=2))


def test_redirect_to_another_scheme_is_refused(site):
    with pytest.raises(UrlRefused, match=r"redirected to a link that is not fetched.*file:"):
        read_url(site.link("/to-file"), local())


# -- bounds: size, time, status, type -----------------------------------------------------------------


def test_oversized_body_is_refused_mid_stream(site):
    site.done.clear()
    limit = 256 * 1024
    with pytest.raises(InputTooLarge, match=r"max_fetch_bytes=262,144.*SERVICE_MAX_FETCH_BYTES"):
        read_url(site.link("/endless"), local(max_bytes=limit))
    assert site.done.wait(10), "the server kept sending after the client gave up"
    # The server offered 64 MiB; it got rid of the cap plus what socket buffers hold, not the rest.
    assert site.sent["/endless"] < 16 * 1024 * 1024


def test_declared_oversized_body_is_refused_before_reading(site):
    with pytest.raises(InputTooLarge, match="52,428,800 bytes"):
        read_url(site.link("/huge-declared"), local(max_bytes=1024 * 1024, read_timeout_s=30))


def test_slow_server_times_out(site):
    with pytest.raises(FetchTimeout, match="did not answer in time"):
        read_url(site.link("/slow"), local(read_timeout_s=0.5))


def test_dripping_server_hits_the_total_deadline(site):
    """One byte every 0.1 s never trips the 2 s read timeout; the 1 s deadline for the whole fetch does."""
    with pytest.raises(FetchTimeout, match="longer than 1 s"):
        read_url(site.link("/drip"), local(read_timeout_s=2, total_timeout_s=1))


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/missing", 404, "does not exist"),
        ("/broken", 500, "had an error"),
        ("/members", 403, "refused access"),
    ],
)
def test_http_errors_are_clear(site, path, status, words):
    with pytest.raises(FetchFailed, match=f"answered {status} .*{words}") as caught:
        read_url(site.link(path), local())
    assert caught.value.site_status == status and caught.value.code == "fetch_failed"


@pytest.mark.parametrize(
    ("path", "kind"), [("/photo.png", "image/png"), ("/api/data.json", "application/json")]
)
def test_non_article_content_type_is_refused(site, path, kind):
    with pytest.raises(UnsupportedContent, match=f"is {kind}, not an article"):
        read_url(site.link(path), local())


@pytest.mark.parametrize(
    ("path", "what"),
    [("/paywall", "paywall"), ("/noarchive", "noarchive"), ("/noarchive-header", "noarchive")],
)
def test_paywall_teaser_and_noarchive_pages_are_reported_not_summarised(site, path, what):
    with pytest.raises(RestrictedPage, match=what):
        read_url(site.link(path), local())


def test_paywall_marked_page_that_serves_the_whole_article_is_read(site):
    page = read_url(site.link("/paywall-full"), local())
    assert PARAGRAPHS[-1] in page.text


# -- what is never fetched -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://ftp.example.com/news.txt", "javascript:alert(1)", "data:text/html,hi"],
)
def test_other_schemes_are_refused(url):
    with pytest.raises(UrlRefused, match="only http:// and https://"):
        read_url(url, FetchSettings(allow_private=True))


@pytest.mark.parametrize("url", ["", "   ", "http://", "https://user:secret@example.com/news"])
def test_unusable_links(url):
    with pytest.raises(UrlError):
        read_url(url)


def test_loopback_is_refused_by_default(site):
    for url in (site.link("/news/night-buses.html"), f"http://localhost:{site.port}/news/night-buses.html"):
        with pytest.raises(UrlRefused, match=r"loopback address.*SERVICE_ALLOW_PRIVATE_URLS=1"):
            read_url(url)
    assert all(r["path"] != "/never" for r in site.requests)


def test_name_that_resolves_to_loopback_is_refused(site, monkeypatch):
    monkeypatch.setattr(guard_module, "resolve_host", lambda host, port: ["127.0.0.1"])
    with pytest.raises(UrlRefused, match=r"'news\.example\.com' resolves to 127\.0\.0\.1, a loopback"):
        read_url(f"http://news.example.com:{site.port}/news/night-buses.html")


def test_one_private_answer_among_public_ones_refuses_the_host(monkeypatch):
    monkeypatch.setattr(guard_module, "resolve_host", lambda host, port: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(UrlRefused, match=r"10\.1\.2\.3"):
        read_url("http://mixed.example.com/news")


def test_a_stuck_name_lookup_times_out(monkeypatch):
    def slow_dns(host: str, port: int) -> list[str]:
        time.sleep(1.5)
        return ["93.184.215.14"]

    monkeypatch.setattr(guard_module, "resolve_host", slow_dns)
    with pytest.raises(
        FetchTimeout, match=r"looking up the host name 'slow\.example\.com' took longer than 0\.3 s"
    ):
        read_url("http://slow.example.com/news", FetchSettings(connect_timeout_s=0.3))


def test_connects_to_the_checked_address_without_a_second_lookup(site, monkeypatch):
    """The name is resolved once, by the guard; the socket connects to that answer. Any other lookup
    of the name (a rebinding DNS server's second answer) would fail the test."""
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def fake_resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    def no_dns_for_the_name(host, *args, **kwargs):
        assert host != "rebind.test", "the host name was looked up a second time"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(guard_module, "resolve_host", fake_resolve)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns_for_the_name)
    page = read_url(f"http://rebind.test:{site.port}/r/1", local())
    assert PARAGRAPHS[0] in page.text
    # Each new connection is one checked lookup: the link's name, then the absolute redirect's address.
    assert lookups[0] == "rebind.test" and set(lookups) == {"rebind.test", "127.0.0.1"}
    assert site.requests[-3]["host"] == f"rebind.test:{site.port}"


# -- https: the checked address, the real name --------------------------------------------------------


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """The news site over TLS with a certificate for `news.test` only, and a client context trusting it."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = _self_signed(folder, "news.test")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    with news_site(folder, tls=server_context) as site:
        yield site, client_context


def test_https_connects_to_the_checked_address_and_verifies_the_certificate_for_the_name(
    tls_site, monkeypatch
):
    site, context = tls_site
    monkeypatch.setattr(guard_module, "resolve_host", lambda host, port: ["127.0.0.1"])
    page = read_url(f"https://news.test:{site.port}/news/night-buses.html", local(ssl_context=context))
    assert PARAGRAPHS[0] in page.text
    assert site.sni[-1] == "news.test"
    assert site.requests[-1]["host"] == f"news.test:{site.port}"
    # The same server by its address: the certificate is for news.test, so verification must fail.
    with pytest.raises(FetchFailed, match="certificate"):
        read_url(f"https://127.0.0.1:{site.port}/news/night-buses.html", local(ssl_context=context))


def _self_signed(folder, name: str):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


# -- the address policy itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.20.30.40", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00:ec2::254", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not publicly routable"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 wrapping 169.254.169.254
        ("2001:db8::1", "private"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert reason in (AddressPolicy().refusal(address) or "")


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert AddressPolicy().refusal(address) is None


def test_allow_private_opens_private_but_never_link_local_or_multicast():
    policy = AddressPolicy(allow_private=True)
    assert policy.refusal("127.0.0.1") is None and policy.refusal("10.0.0.1") is None
    assert policy.refusal("169.254.169.254") and policy.refusal("224.0.0.1") and policy.refusal("0.0.0.0")


# -- settings and the cache ----------------------------------------------------------------------------


def test_settings_from_the_environment():
    assert FetchSettings.from_env({}) == FetchSettings()
    off = FetchSettings.from_env({"SERVICE_URL_FETCH": "off", "SERVICE_MAX_FETCH_BYTES": "1_000"})
    assert not off.enabled and off.max_bytes == 1000
    assert FetchSettings.from_env({"SERVICE_ALLOW_PRIVATE_URLS": "1"}).allow_private
    listed = FetchSettings.from_env({"SERVICE_ALLOW_PRIVATE_URLS": "10.0.0.0/8, 127.0.0.1"})
    assert not listed.allow_private and listed.policy.refusal("10.9.9.9") is None
    assert listed.policy.refusal("192.168.0.1")
    for env, name in (
        ({"SERVICE_URL_FETCH": "maybe"}, "SERVICE_URL_FETCH"),
        ({"SERVICE_ALLOW_PRIVATE_URLS": "intranet"}, "SERVICE_ALLOW_PRIVATE_URLS"),
        ({"SERVICE_MAX_FETCH_BYTES": "lots"}, "SERVICE_MAX_FETCH_BYTES"),
    ):
        with pytest.raises(ValueError, match=name):
            FetchSettings.from_env(env)


def test_switched_off():
    with pytest.raises(UrlFetchDisabled, match="SERVICE_URL_FETCH=off"):
        UrlReader(FetchSettings(enabled=False)).read("https://example.com/news")


def test_same_link_within_minutes_is_fetched_once(site):
    reader = UrlReader(local(cache_ttl_s=0.5))
    link = site.link("/news/2026/02/03/night-buses")
    before = site.hits("/news/2026/02/03/night-buses")
    first = reader.read(link)
    second = reader.read(link + "#comments")  # the fragment never reaches the server
    assert second is first and reader.fetches == 1
    assert site.hits("/news/2026/02/03/night-buses") - before == 1
    time.sleep(0.6)
    reader.read(link)
    assert reader.fetches == 2 and site.hits("/news/2026/02/03/night-buses") - before == 2


def test_cache_is_bounded_in_size(site):
    reader = UrlReader(local(cache_max_bytes=1024))
    reader.read(site.link("/news/night-buses.html"))
    reader.read(site.link("/news/night-buses.html"))
    assert reader.fetches == 2  # a document larger than the whole cache is not kept


def test_failures_are_not_cached(site):
    reader = UrlReader(local())
    for _ in range(2):
        with pytest.raises(FetchFailed):
            reader.read(site.link("/broken"))
    assert reader.fetches == 0
