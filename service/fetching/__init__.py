"""Articles by link: fetch a web page (or a PDF or Word file) safely and read it like an upload.

`UrlReader(settings, limits).read(url) -> WebDocument` is the entry point (the pipeline, the web app
and the CLI each hold one); `read_url(url)` does the same without a cache. The pieces:

- `guard`: which addresses may be connected to (no server-side request forgery), enforced in the
  socket layer so the address checked is the address connected to;
- `http`: the HTTP client with timeouts, checked redirects and a streamed size cap;
- `page`: title, author and date, and the pages that are not the article (paywall, noarchive);
- `reader`: content types, charsets, the document readers, and the short-lived cache.
"""

from service.fetching.http import FetchSettings, normalise_url
from service.fetching.reader import UrlReader, WebDocument, read_url

__all__ = ["FetchSettings", "UrlReader", "WebDocument", "normalise_url", "read_url"]
