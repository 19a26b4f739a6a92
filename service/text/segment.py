"""Split text into paragraphs and sentences, with the right splitter for each language.

One interface, several splitters (the argos-translate `sbd.py` pattern): pysbd handles English
abbreviations ("Mr.", "U.S.", "Jan. 13") and Japanese quotes (「…。」と言った stays one sentence);
pysbd has no Korean, so Korean goes to Wikimedia's sentencex, which handles Korean quotes and
decimal numbers. Both were compared on the same sentences (see tests/test_text.py).

Sentences longer than a model's window are not a splitter's problem: `service.text.chunking` cuts them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Protocol

from service.languages import CODES, LANGUAGES

SUPPORTED_LANGUAGES = CODES
#: How sentences are put back together: Japanese writes no space between sentences.
SENTENCE_JOINERS = {code: lang.joiner for code, lang in LANGUAGES.items()}
_BLANK_LINE = re.compile(r"\n\s*\n")


class SentenceSplitter(Protocol):
    def split(self, text: str) -> list[str]: ...


class PysbdSplitter:
    """pysbd's rule-based splitter; not thread-safe, so each thread gets its own segmenter."""

    def __init__(self, language: str):
        self.language = language
        self._local = threading.local()

    def split(self, text: str) -> list[str]:
        segmenter = getattr(self._local, "segmenter", None)
        if segmenter is None:
            import pysbd

            segmenter = self._local.segmenter = pysbd.Segmenter(language=self.language, clean=False)
        return segmenter.segment(text)


class SentencexSplitter:
    def __init__(self, language: str):
        self.language = language

    def split(self, text: str) -> list[str]:
        from sentencex import segment

        return list(segment(self.language, text))


SPLITTERS: dict[str, Callable[[], SentenceSplitter]] = {
    "en": lambda: PysbdSplitter("en"),
    "ja": lambda: PysbdSplitter("ja"),
    "ko": lambda: SentencexSplitter("ko"),
}


@cache
def splitter_for(language: str) -> SentenceSplitter:
    try:
        return SPLITTERS[language]()
    except KeyError:
        raise ValueError(
            f"No sentence splitter for {language!r}; supported: {', '.join(SPLITTERS)}"
        ) from None


def split_sentences(text: str, language: str) -> list[str]:
    """Sentences of one paragraph, stripped, none empty."""
    text = " ".join(text.split()) if language != "ja" else text.replace("\n", "")
    if not text:
        return []
    return [s.strip() for s in splitter_for(language).split(text) if s.strip()]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: blank-line separated blocks if the text has any, else one per line.

    Pasted web articles usually put one paragraph per line; files and PDFs use blank lines and wrap
    lines inside a paragraph. Within a blank-line block, wrapped lines are joined.
    """
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
        return [joined for b in blocks if (joined := _join_wrapped(b))]
    return [line.strip() for line in text.split("\n") if line.strip()]


def _join_wrapped(block: str) -> str:
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    out = ""
    for line in lines:
        if out and not (_is_cjk(out[-1]) or _is_cjk(line[0])):
            out += " "
        out += line
    return out


def _is_cjk(ch: str) -> bool:
    """Scripts written without spaces between words (kana, kanji); Korean uses spaces."""
    code = ord(ch)
    return 0x3000 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF


def join_sentences(sentences: list[str], language: str) -> str:
    return SENTENCE_JOINERS.get(language, " ").join(s for s in sentences if s)
