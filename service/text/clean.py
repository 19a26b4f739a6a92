"""Tidy article text before anything else reads it, and fold it for the models.

Pasted and extracted articles carry invisible characters, odd whitespace and control characters:
those go first (`tidy`). The characters themselves stay as the source wrote them: readers see the
article's own sentences in the result, and NFKC would rewrite them (`…` → `...`, `（）：` → `()`,
`ⓒ` → `c`). Width folding and the other compatibility mappings the models need happen on the model
side only (`for_models`). Page furniture (bylines, captions, share buttons) is the job of
`service.text.furniture`.
"""

from __future__ import annotations

import re
import unicodedata

from service.errors import EmptyInput
from service.text.furniture import furniture_reason

#: "date 2026-01-13 Headline…": a scraper's date stamp before the headline; the headline stays.
DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """No controls or invisible characters, one kind of newline, single spaces; characters as written."""
    text = _SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text)  # (tabs are whitespace: `_SPACES` below makes them one space)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def for_models(text: str) -> str:
    """What a model reads: Unicode NFKC (full-width ASCII and digits, half-width kana, jamo →
    syllables, `…` → `...`), which tokenizers trained on folded text expect."""
    return unicodedata.normalize("NFKC", text)


def clean_text(text: str, language: str | None = None) -> str:
    """Tidied text without furniture lines (rules of `language`, or of all languages when None);
    `EmptyInput` if nothing readable is left."""
    if not isinstance(text, str):
        raise EmptyInput(f"Expected text (str), got {type(text).__name__}")
    languages = (language,) if language else ("ko", "ja", "en")
    lines = []
    for line in tidy(text).split("\n"):
        line = DATE_PREFIX.sub("", line)
        if line and any(furniture_reason(line, lang) for lang in languages):
            continue
        lines.append(line)
    cleaned = _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
    if not cleaned:
        raise EmptyInput("The text is empty: paste an article or upload a file")
    if not any(ch.isalpha() for ch in cleaned):
        raise EmptyInput("The text has no letters (only numbers, symbols or emoji): nothing to summarise")
    return cleaned
