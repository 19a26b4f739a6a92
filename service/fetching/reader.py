"""A link in, the article's text and its metadata out: `UrlReader(settings, limits).read(url)`.

The fetched bytes go through the same readers as uploads (`service.documents.read_document`), so a
PDF or Word file behind a link is read exactly like the same file uploaded. Only article types are
accepted (HTML, plain text, PDF, DOCX); anything else is refused by its content type before it is
parsed. The charset comes from the HTTP header when the bytes agree with it, else from the page's
`<meta charset>`, else from detection (the reader's own logic, as for uploads).

Fetched documents are kept for a few minutes (`cache_ttl_s`), bounded by the total size of their
text, so the same link submitted twice in a row (a user changing the summary length) is fetched once.
Failures are not cached: a site that was down may answer a minute later.
"""

from __future__ import annotations

import codecs
import contextlib
import posixpath
import sys
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from cachetools import TTLCache

from service.documents import Document, read_document
from service.errors import UnsupportedContent
from service.fetching.http import FetchedPage, FetchSettings, fetch_page, normalise_url
from service.fetching.page import check_restrictions, page_metadata
from service.limits import Limits

#: Content type → the name the document reader is given (it decides the expected format).
CONTENT_TYPES: dict[str, str] = {
    "text/html": "page.html",
    "application/xhtml+xml": "page.html",
    "text/plain": "page.txt",
    "application/pdf": "document.pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document.docx",
}
# Browsers decode these labels with the Windows supersets (WHATWG Encoding Standard), as the HTML
# reader does for <meta charset>.
_WHATWG_SUPERSETS = {"euc_kr": "cp949", "shift_jis": "cp932", "iso8859-1": "cp1252", "ascii": "cp1252"}
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class WebDocument:
    """The article behind a link: its text (as `Document`) and where and what it was."""

    document: Document
    url: str
    final_url: str
    content_type: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None

    @property
    def text(self) -> str:
        return self.document.text

    def source(self) -> dict[str, Any]:
        """What a `Result` records about its input (`Result.source`)."""
        data = asdict(self)
        document = data.pop("document")
        return {"kind": "url", **data, "format": document["format"], "encoding": document["encoding"]}


class UrlReader:
    """Fetches and reads links with one set of `FetchSettings`, caching documents for a few minutes.

    Safe to share between threads (the web app has one per process)."""

    def __init__(self, settings: FetchSettings | None = None, limits: Limits | None = None):
        self.settings = settings or FetchSettings()
        self.limits = limits or Limits()
        self._cache: TTLCache = TTLCache(
            maxsize=self.settings.cache_max_bytes, ttl=self.settings.cache_ttl_s, getsizeof=_size
        )
        self._lock = threading.Lock()
        #: Pages actually fetched over the network (cache hits excluded); for tests and logs.
        self.fetches = 0

    def read(self, url: str) -> WebDocument:
        key = normalise_url(url) if self.settings.enabled else url
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        page = fetch_page(url, self.settings)
        with self._lock:
            self.fetches += 1
        document = read_page(page, self.limits)
        # A document larger than the whole cache is simply not kept (cachetools raises ValueError).
        with self._lock, contextlib.suppress(ValueError):
            self._cache[key] = document
        return document


def read_url(url: str, settings: FetchSettings | None = None, limits: Limits | None = None) -> WebDocument:
    """Fetch and read one link, without a cache (see `UrlReader` for the cached reader)."""
    settings = settings or FetchSettings()
    return read_page(fetch_page(url, settings), limits or Limits())


def read_page(page: FetchedPage, limits: Limits) -> WebDocument:
    """A fetched page as a `WebDocument`, through the upload readers; refuses non-article types,
    paywall teasers and noarchive pages (`service.fetching.page`)."""
    name = _document_name(page)
    data, encoding = _apply_charset(page.body, page.charset, name)
    document = read_document(data, name=name, limits=limits)
    if encoding is not None:
        document = replace(document, encoding=encoding)
    metadata = None
    if document.format == "html":
        html = page.body.decode(encoding or document.encoding or "utf-8", errors="replace")
        check_restrictions(html, page.robots, document.text, page.final_url)
        metadata = page_metadata(html, page.final_url)
    elif "noarchive" in page.robots:
        check_restrictions("", page.robots, document.text, page.final_url)
    return WebDocument(
        document=document,
        url=page.url,
        final_url=page.final_url,
        content_type=page.content_type,
        title=metadata.title if metadata else None,
        author=metadata.author if metadata else None,
        date=metadata.date if metadata else None,
        site=metadata.site if metadata else None,
    )


def _document_name(page: FetchedPage) -> str:
    """The file name the reader sees: the URL's own last segment when its extension fits the type."""
    if page.content_type and page.content_type not in CONTENT_TYPES:
        raise UnsupportedContent(
            f"The link {page.final_url} is {page.content_type}, not an article. Links to web pages, plain "
            "text, PDF and Word (.docx) files are read."
        )
    generic = CONTENT_TYPES.get(page.content_type, "")
    segment = unquote(posixpath.basename(urlsplit(page.final_url).path))
    extension = posixpath.splitext(generic)[1]
    if segment and (not generic or segment.lower().endswith(extension)):
        return segment
    return generic or segment


def _apply_charset(body: bytes, charset: str | None, name: str) -> tuple[bytes, str | None]:
    """Text in the charset the server declared, handed to the reader as UTF-8 with a BOM (which every
    text reader treats as authoritative); the declared charset when it was used, else None.

    A BOM in the body wins over the header, and a declaration the bytes do not decode with is
    ignored (servers often send a default `charset=iso-8859-1` for pages that are UTF-8)."""
    if charset is None or body.startswith(_BOMS) or name.lower().endswith((".pdf", ".docx")):
        return body, None
    try:
        encoding = codecs.lookup(charset).name
    except LookupError:
        return body, None
    encoding = _WHATWG_SUPERSETS.get(encoding, encoding)
    if encoding == "cp1252":
        return body, None  # the web's "default" label; too often wrong to trust over the page's own
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return body, None
    return codecs.BOM_UTF8 + text.encode("utf-8"), encoding


def _size(document: WebDocument) -> int:
    return sys.getsizeof(document.document.text) + 1024
