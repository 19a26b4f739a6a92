"""What a fetched web page says about itself: title, author, date, and whether it is the article at all.

trafilatura finds the title, author and date (from meta tags, JSON-LD and the byline); htmldate's
extensive search fills in the date where trafilatura found none. Two kinds of page are not the
article and must not be summarised as if they were:

- pages that ask not to be copied: `<meta name="robots" content="noarchive">` or an
  `X-Robots-Tag: noarchive` header;
- paywall teasers: the page declares the article is not free (schema.org `isAccessibleForFree:
  false`, `article:content_tier` locked/metered, or a paywall element) *and* carries only a few
  lines of text. A paywalled page that serves the whole text (common, for search engines) is read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from service.errors import RestrictedPage

#: Below this many characters of article text, a page marked as paywalled is taken to be a teaser:
#: teasers are a headline and one or two paragraphs (200 to 600 characters), while even a brief news
#: item runs past a thousand.
PAYWALL_STUB_CHARS = 800
_PAYWALL_MARKER = re.compile(r"paywall|subscriber[-_]?only|premium[-_]?(?:gate|wall)|meter[-_]?wall", re.I)


@dataclass(frozen=True)
class PageMetadata:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None


def page_metadata(html: str, url: str) -> PageMetadata:
    """Title, author, publication date (YYYY-MM-DD) and site name, each None when not found."""
    import trafilatura

    try:
        found = trafilatura.extract_metadata(html, default_url=url)
    except Exception:  # trafilatura fails in many ways on odd markup; metadata is optional.
        found = None
    title = getattr(found, "title", None)
    author = getattr(found, "author", None)
    date = getattr(found, "date", None)
    site = getattr(found, "sitename", None)
    if not date:
        date = _htmldate(html, url)
    return PageMetadata(title=title or None, author=author or None, date=date or None, site=site or None)


def _htmldate(html: str, url: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(html, extensive_search=True, original_date=True, url=url)
    except Exception:  # same as above
        return None


def check_restrictions(html: str, robots_header: str, text: str, url: str) -> None:
    """Raise `RestrictedPage` for a noarchive page or a paywall teaser (see the module docstring)."""
    root = _parse(html)
    if "noarchive" in robots_header or (root is not None and _meta_noarchive(root)):
        raise RestrictedPage(
            f"The page at {url} asks not to be copied or archived (robots 'noarchive'), so it is not "
            "summarised. Paste the text yourself if you have the right to."
        )
    if root is None or len(text) >= PAYWALL_STUB_CHARS:
        return
    signal = _paywall_signal(root)
    if signal:
        raise RestrictedPage(
            f"The page at {url} is behind a paywall ({signal}); it carries only a teaser of "
            f"{len(text):,} characters, not the article. Paste the full text if you have access to it."
        )


def _parse(html: str) -> Any:
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _meta_noarchive(root: Any) -> bool:
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        if name in ("robots", "googlebot", "bingbot"):
            tokens = {t.strip().lower() for t in (meta.get("content") or "").split(",")}
            if "noarchive" in tokens:
                return True
    return False


def _paywall_signal(root: Any) -> str | None:
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = (meta.get("content") or "").strip().lower()
        if key == "article:content_tier" and value in ("locked", "metered"):
            return f"article:content_tier is {value}"
        if key == "isaccessibleforfree" and value == "false":
            return "isAccessibleForFree is false"
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and _ld_not_free(
            script.text or ""
        ):
            return "schema.org isAccessibleForFree is false"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        marker = f"{element.get('class') or ''} {element.get('id') or ''}"
        if _PAYWALL_MARKER.search(marker):
            return "the page has a paywall element"
    return None


def _ld_not_free(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return bool(re.search(r'"isAccessibleForFree"\s*:\s*"?false', text, re.I))
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("isAccessibleForFree")
            if value is False or (isinstance(value, str) and value.strip().lower() == "false"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
