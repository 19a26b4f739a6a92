"""HTML to the article's text: trafilatura keeps the story and drops menus and share buttons, with a
plain block-level fallback; the headline from the metadata; the page's charset, sanitised."""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, Any

from service.documents.cost import check_elements
from service.documents.decode import _BOMS, _decode
from service.limits import Limits

if TYPE_CHECKING:
    pass

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


def _read_html(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Keep the article, not the page: menus, footers and scripts would end up in the summary."""
    # Every element starts with '<': counting them bounds the parse before it starts.
    check_elements(data.count(b"<"), label, limits)
    html, encoding = _decode_html(data, label)
    return _html_to_text(html), encoding


# Browsers decode these labels with the Windows supersets, and so must we (WHATWG Encoding Standard).
_WHATWG_SUPERSETS = {"euc_kr": "cp949", "shift_jis": "cp932", "iso8859-1": "cp1252"}
#: Python codecs a page may name but no web page is written in: they fail or decode to nonsense.
_NOT_PAGE_ENCODINGS = frozenset(
    {"undefined", "punycode", "idna", "unicode_escape", "raw_unicode_escape", "utf-7", "mbcs", "oem"}
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.I)


def _decode_html(data: bytes, label: str) -> tuple[str, str]:
    """A declared charset is better evidence than statistics, but only if the bytes agree with it."""
    if not data.startswith(tuple(bom for bom, _ in _BOMS)):
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            try:
                encoding = codecs.lookup(declared.group(1).decode("ascii")).name
                encoding = _WHATWG_SUPERSETS.get(encoding, encoding)
                if encoding not in _NOT_PAGE_ENCODINGS:
                    return data.decode(encoding), encoding
            except (LookupError, UnicodeError, ValueError):
                # "undefined" and "punycode" are Python codecs that raise plain UnicodeError; a
                # declaration that cannot decode the page is ignored, as browsers do.
                pass
    return _decode(data, label)


def _html_to_text(html: str) -> str:
    """trafilatura knows what an article looks like; the block fallback only rescues what it drops."""
    import trafilatura

    html = re.sub(r"\A\s*<\?xml[^>]*>", "", html)
    try:
        extracted = trafilatura.extract(
            html,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except Exception:  # trafilatura fails in many ways on odd markup; we have a fallback.
        extracted = None
    lines = (re.sub(r"^- ", "", line.strip()) for line in (extracted or "").splitlines())
    article = "\n\n".join(line for line in lines if line)
    if len(article) >= _TRAFILATURA_MIN_CHARS:
        return _with_headline(_html_title(html), article)
    # trafilatura judges tiny pages and fragments as boilerplate and drops lists and headings; with so
    # little text, the plain block extraction is the better reading.
    fallback = _html_fallback(html)
    return fallback if len(fallback) > len(article) else article


def _html_title(html: str) -> str | None:
    """The page's headline from trafilatura's metadata (og:title, h1, <title>), or None."""
    import trafilatura

    try:
        metadata = trafilatura.extract_metadata(html)
    except Exception:  # metadata is a bonus: odd markup must not fail the read
        return None
    title = " ".join((getattr(metadata, "title", None) or "").split())
    return title or None


def _with_headline(title: str | None, article: str) -> str:
    """trafilatura's body text leaves the headline out; DOCX and PDF text start with it, and the
    text stage takes a first line without final punctuation as the headline (`Result.title`)."""
    if not title or article.split("\n", 1)[0].strip() == title:
        return article
    return f"{title}\n\n{article}"


_TRAFILATURA_MIN_CHARS = 250
_HTML_DROP = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
    "svg", "head", "button", "select", "object", "embed",
)  # fmt: skip
_HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "dt", "dd")


def _html_fallback(html: str) -> str:
    """For fragments too short for trafilatura: block-level text, never script or style contents."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in root.xpath("|".join(f"//{tag}" for tag in _HTML_DROP)):
        element.drop_tree()
    chosen: set[Any] = set()
    paragraphs: list[str] = []
    for element in root.xpath("|".join(f"//{tag}" for tag in _HTML_BLOCKS)):
        if any(ancestor in chosen for ancestor in element.iterancestors()):
            continue
        chosen.add(element)
        text = " ".join(element.text_content().split())
        if text:
            paragraphs.append(text)
    if not paragraphs:
        body = root.find("body")
        text = (body if body is not None else root).text_content()
        paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(p for p in paragraphs if p)
