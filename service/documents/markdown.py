"""Markdown to plain paragraphs (front matter dropped, headings and list items kept as lines)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from service.documents.cost import check_elements, check_source
from service.documents.decode import _decode
from service.documents.html import _html_fallback
from service.documents.pdf import _join_lines
from service.limits import Limits

if TYPE_CHECKING:
    from markdown_it.token import Token

# The parsing libraries are imported inside their readers: trafilatura alone takes a noticeable time
# to import, and a process that only reads text files should not pay for PDF and HTML support.


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.S)


def _read_markdown(data: bytes, label: str, limits: Limits) -> tuple[str, str | None]:
    """Render to words, not markup: URLs, images, tags and fence markers would distract the summariser.

    Words inside raw HTML blocks are kept (READMEs wrap real prose in <p> or <div>), and a Markdown
    file that is nothing but HTML still yields its text instead of an "empty" error.
    """
    from markdown_it import MarkdownIt

    source, encoding = _decode(data, label)
    source = _FRONT_MATTER.sub("", source.replace("\r\n", "\n").lstrip("\ufeff"))
    # Blocks and inline markup are bounded by lines and markup characters: refuse before parsing.
    check_source(len(source), label, limits, "Markdown source")
    check_elements(source.count("\n") + source.count("<") + source.count("["), label, limits)
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(source)
    paragraphs: list[str] = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "inline":
            text = _markdown_inline(token.children or [])
            if row is not None:
                row.append(text)
            else:
                paragraphs.append(text)
        elif token.type in ("fence", "code_block"):
            paragraphs.append(token.content.strip("\n"))
        elif token.type == "html_block":
            paragraphs.append(_html_fallback(token.content))  # its words, never script or style
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            paragraphs.append(" | ".join(cell for cell in row if cell))
            row = None
    return "\n\n".join(p for p in paragraphs if p.strip()), encoding


def _markdown_inline(children: list[Token]) -> str:
    """Link text stays, its URL goes; an autolink's text *is* its URL, so it goes entirely."""
    lines: list[str] = [""]
    in_autolink = False
    for child in children:
        if child.type == "link_open":
            in_autolink = child.markup == "autolink"
        elif child.type == "link_close":
            in_autolink = False
        elif child.type in ("text", "code_inline") and not in_autolink:
            lines[-1] += child.content
        elif child.type == "softbreak":
            lines.append("")
        elif child.type == "hardbreak":
            lines[-1] += "\n"
    text = _join_lines([re.sub(r"[ \t]{2,}", " ", line).strip() for line in lines])
    return text
