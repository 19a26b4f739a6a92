"""Clean article text before anything else reads it.

Pasted and extracted articles carry invisible characters, odd whitespace, full-width ASCII and
site furniture ("Published: … Updated: …", copyright lines, share buttons). Models and sentence
splitters do worse on all of it, and it wastes the summariser's window, so it goes first.
"""

from __future__ import annotations

import re
import unicodedata

from service.errors import EmptyInput

#: Lines that are site furniture, not article text (English, Korean, Japanese news sites).
BOILERPLATE_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(published|updated|posted|last updated|modified)\s*:?.{0,80}\d{4}.*$",
        r"^(copyright|ⓒ|©|\(c\)).{0,120}$",
        r"^.{0,80}all rights reserved\.?$",
        r"^(advertisement|sponsored|read more|related articles?|share( this)?( article| story)?|"
        r"subscribe.{0,40}|sign up.{0,40}|click here.{0,60}|follow us.{0,60})$",
        r"^(입력|수정|등록|승인)\s*:?\s*\d{4}[.\-/]\d{1,2}[.\-/]\d{1,2}.*$",
        r"^.{0,40}(무단\s*전재|재배포\s*금지).{0,40}$",
        r"^.{0,40}(無断転載|無断複製).{0,40}$",
        r"^[\w.+-]+@[\w-]+\.[\w.]+$",
    )
)
#: "date 2026-01-13 Headline…": a scraper's date stamp before the headline; the headline stays.
DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """Unicode NFKC (full-width ASCII, half-width kana, jamo → syllables), no controls, tidy spaces."""
    text = _SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text.replace("\t", " "))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def is_boilerplate(line: str) -> bool:
    return any(p.match(line) for p in BOILERPLATE_LINES)


def clean_text(text: str) -> str:
    """Normalised text without boilerplate lines; `EmptyInput` if nothing readable is left."""
    if not isinstance(text, str):
        raise EmptyInput(f"Expected text (str), got {type(text).__name__}")
    lines = []
    for line in normalise(text).split("\n"):
        line = DATE_PREFIX.sub("", line)
        if line and is_boilerplate(line):
            continue
        lines.append(line)
    cleaned = _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
    if not cleaned:
        raise EmptyInput("The text is empty: paste an article or upload a file")
    if not any(ch.isalpha() for ch in cleaned):
        raise EmptyInput("The text has no letters (only numbers, symbols or emoji): nothing to summarise")
    return cleaned
