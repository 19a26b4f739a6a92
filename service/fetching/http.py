"""One page over HTTP(S), fetched defensively: timeouts, a few checked redirects, a size cap.

`fetch_page(url, settings)` returns the body bytes and what the response said about them (final URL,
content type, charset, robots header). Everything a hostile or broken site can do is bounded:

- only `http` and `https`, no user names or passwords in the link, no proxies from the environment;
- every connection goes through `PinnedBackend` (`service.fetching.guard`), so the first request and
  every redirect are checked against the address policy and connected to the checked address;
- redirects are followed by hand, at most `max_redirects`, each target checked like the first link;
- connect and per-read timeouts, plus a deadline for the whole fetch (a site dripping one byte a
  second never trips a read timeout);
- the body is streamed and refused as soon as it passes `max_bytes`, so a huge or endless response
  costs at most that much memory and bandwidth. `Accept-Encoding: identity` asks for the bytes as they
  are, so the cap counts what arrives rather than what a compressed bomb would expand into.
"""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from service.errors import FetchFailed, FetchTimeout, InputTooLarge, UrlError, UrlFetchDisabled, UrlRefused
from service.fetching.guard import AddressPolicy, IPNetwork, PinnedBackend, parse_networks

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

USER_AGENT = "news-summary-service/0.1 (fetches one article when a user submits its link)"
ACCEPT = (
    "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.8"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Longest link accepted; real article URLs are a few hundred characters.
MAX_URL_CHARS = 4096
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")
_OFF = {"off", "0", "false", "no"}
_ON = {"on", "1", "true", "yes"}


@dataclass(frozen=True)
class FetchSettings:
    """How links are fetched. `FetchSettings()` is the safe default: on, public addresses only.

    Environment (read by `from_env`, at the entry points): `SERVICE_URL_FETCH` (on/off),
    `SERVICE_ALLOW_PRIVATE_URLS` (`1` allows loopback and private addresses, for tests and
    intranets; or a comma-separated list of networks to allow only those) and
    `SERVICE_MAX_FETCH_BYTES`.
    """

    enabled: bool = True
    allow_private: bool = False
    #: Networks allowed even though they are private (link-local, multicast etc. never are).
    allowed_networks: tuple[IPNetwork, ...] = ()
    #: Largest body read from one link (the same default as an upload).
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    connect_timeout_s: float = 5.0
    #: Longest wait for any single read.
    read_timeout_s: float = 10.0
    #: Deadline for the whole fetch, redirects and download included.
    total_timeout_s: float = 30.0
    #: Fetched documents kept for `cache_ttl_s` seconds, up to `cache_max_bytes` of text in all.
    cache_ttl_s: float = 300.0
    cache_max_bytes: int = 32 * 1024 * 1024
    #: TLS verification: None for the system's trusted certificates (tests pass their own context).
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)

    @property
    def policy(self) -> AddressPolicy:
        return AddressPolicy(allow_private=self.allow_private, allowed=self.allowed_networks)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FetchSettings:
        """Read the three variables; raise ValueError naming the variable on a bad value."""
        raw_on = environ.get("SERVICE_URL_FETCH", "").strip().lower()
        if raw_on and raw_on not in _ON | _OFF:
            raise ValueError(f"SERVICE_URL_FETCH must be on or off, got {raw_on!r}")
        raw_private = environ.get("SERVICE_ALLOW_PRIVATE_URLS", "").strip()
        allow_private = False
        networks: tuple[IPNetwork, ...] = ()
        if raw_private.lower() in _ON:
            allow_private = True
        elif raw_private and raw_private.lower() not in _OFF:
            try:
                networks = parse_networks(raw_private.split(","))
            except ValueError as exc:
                raise ValueError(
                    f"SERVICE_ALLOW_PRIVATE_URLS must be 1, 0 or a list of networks: {exc}"
                ) from None
        raw_bytes = environ.get("SERVICE_MAX_FETCH_BYTES", "").strip()
        values: dict = {}
        if raw_bytes:
            try:
                values["max_bytes"] = int(raw_bytes.replace("_", ""))
            except ValueError:
                raise ValueError(
                    f"SERVICE_MAX_FETCH_BYTES must be a whole number, got {raw_bytes!r}"
                ) from None
            if values["max_bytes"] < 1:
                raise ValueError(f"SERVICE_MAX_FETCH_BYTES must be at least 1, got {raw_bytes}")
        return cls(
            enabled=raw_on not in _OFF, allow_private=allow_private, allowed_networks=networks, **values
        )


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    #: The `X-Robots-Tag` header(s), lower-cased, for the noarchive check.
    robots: str = ""
    redirects: tuple[str, ...] = ()


def normalise_url(url: str) -> str:
    """The link as it will be fetched; a link without a scheme gets `https://`. Refuses any other
    scheme (file:, ftp:, javascript:, data: ...) and links with a user name or password."""
    if not isinstance(url, str) or not url.strip():
        raise UrlError("The link is empty: paste the article's address, e.g. https://example.com/news/1.")
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise UrlError(f"The link is {len(url):,} characters long; at most {MAX_URL_CHARS:,} are accepted.")
    scheme = _SCHEME.match(url)
    if scheme is None:
        url = "https://" + url
    elif scheme.group(1).lower() not in ("http", "https"):
        raise UrlRefused(
            f"Refused to fetch {scheme.group(1).lower()}: links; only http:// and https:// web pages are fetched."
        )
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UrlError(f"The link {url!r} is not a valid web address ({exc}).") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UrlError(f"The link {url!r} is not a valid web address (it needs a host name).")
    if parsed.userinfo:
        raise UrlError(
            "Links with a user name or password are not fetched; remove the 'user:password@' part."
        )
    return str(parsed.copy_with(fragment=None))


def fetch_page(url: str, settings: FetchSettings) -> FetchedPage:
    """GET `url` with every bound above; raises a `ServiceError` subclass naming what went wrong."""
    import httpx

    if not settings.enabled:
        raise UrlFetchDisabled(
            "Fetching articles by link is turned off on this server (SERVICE_URL_FETCH=off); paste the "
            "text or upload the file instead."
        )
    url = normalise_url(url)
    deadline = time.monotonic() + settings.total_timeout_s
    transport = _pinned_transport(settings)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "identity"}
    with httpx.Client(
        transport=transport, trust_env=False, headers=headers, follow_redirects=False
    ) as client:
        current = url
        redirects: list[str] = []
        while True:
            timeout = _timeout(settings, deadline)
            try:
                with client.stream("GET", current, timeout=timeout) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        target = _redirect_target(response, current)
                        if len(redirects) >= settings.max_redirects:
                            raise FetchFailed(
                                f"Cannot fetch the page: more than {settings.max_redirects} redirects "
                                f"(last one to {target})."
                            )
                        redirects.append(target)
                        current = target
                        continue
                    _check_status(response, current)
                    body = _read_capped(response, settings, deadline)
                    content_type, charset = parse_content_type(response.headers.get("content-type", ""))
                    return FetchedPage(
                        url=url,
                        final_url=str(response.url),
                        status=response.status_code,
                        content_type=content_type,
                        charset=charset,
                        body=body,
                        robots=", ".join(response.headers.get_list("x-robots-tag")).lower(),
                        redirects=tuple(redirects),
                    )
            except httpx.TimeoutException as exc:
                raise FetchTimeout(
                    f"Cannot fetch the page: {_host(current)} did not answer in time ({_what_timed_out(exc)})."
                ) from None
            except httpx.HTTPError as exc:
                raise FetchFailed(f"Cannot fetch the page from {_host(current)}: {_describe(exc)}.") from None


def _pinned_transport(settings: FetchSettings) -> httpx.HTTPTransport:
    """httpx's transport with its connection pool on `PinnedBackend`.

    httpx 0.28 has no public argument for a network backend (encode/httpx#3749 proposes one), so the
    pool it built is replaced by an httpcore pool that has the same TLS context and our backend."""
    import httpcore
    import httpx

    context = settings.ssl_context or httpx.create_ssl_context()
    transport = httpx.HTTPTransport(verify=context, trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=context,
        max_connections=4,
        http1=True,
        http2=False,
        network_backend=PinnedBackend(settings.policy),
    )
    return transport


def _timeout(settings: FetchSettings, deadline: float) -> httpx.Timeout:
    import httpx

    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout(
            f"Cannot fetch the page: it took longer than {settings.total_timeout_s:g} s in all."
        )
    read = min(settings.read_timeout_s, left)
    return httpx.Timeout(connect=min(settings.connect_timeout_s, left), read=read, write=read, pool=read)


def _redirect_target(response: httpx.Response, current: str) -> str:
    location = response.headers["location"]
    try:
        target = str(response.url.join(location))
    except Exception as exc:  # httpx raises several kinds on a malformed Location
        raise FetchFailed(
            f"Cannot fetch the page: {_host(current)} redirected to an invalid address."
        ) from exc
    try:
        return normalise_url(target)
    except UrlError as exc:
        raise type(exc)(f"The page redirected to a link that is not fetched: {exc}") from None


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    phrase = f"{status} {response.reason_phrase}".strip()
    if status in (404, 410):
        why = "the page does not exist (any more); check the link"
    elif status in (401, 403):
        why = "the site refused access; the article may need a login or the site blocks automated readers"
    elif status == 429:
        why = "the site is limiting requests; try again later"
    elif status >= 500:
        why = "the site had an error; try again later"
    else:
        why = "the site refused the request"
    raise FetchFailed(f"Cannot fetch {url}: the site answered {phrase}, {why}.", site_status=status)


def _read_capped(response: httpx.Response, settings: FetchSettings, deadline: float) -> bytes:
    """The body, refused as soon as it passes the cap (a declared Content-Length is checked first)."""
    limit = settings.max_bytes
    message = "The page at {url} is {size} bytes, over the limit max_fetch_bytes={limit:,} (set SERVICE_MAX_FETCH_BYTES to change it)"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise InputTooLarge(message.format(url=response.url, size=f"{int(declared):,}", limit=limit))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise InputTooLarge(message.format(url=response.url, size=f"more than {limit:,}", limit=limit))
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FetchTimeout(
                f"Cannot fetch the page: downloading it took longer than {settings.total_timeout_s:g} s."
            )
    return b"".join(chunks)


def parse_content_type(header: str) -> tuple[str, str | None]:
    """`text/html; charset=Shift_JIS` → ("text/html", "shift_jis"); the charset only if declared."""
    parts = header.split(";")
    media = parts[0].strip().lower()
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media, charset


def _host(url: str) -> str:
    import httpx

    try:
        return httpx.URL(url).host or url
    except httpx.InvalidURL:
        return url


def _what_timed_out(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "it stopped sending data"
    return "the request timed out"


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return f"its TLS certificate could not be verified ({text})"
    if isinstance(exc.__cause__ or exc.__context__, ssl.SSLError) or "SSL" in text:
        return f"the secure connection failed ({text})"
    return text
