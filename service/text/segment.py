"""Split text into paragraphs and sentences, with the right splitter for each language.

One interface, several splitters (the argos-translate `sbd.py` pattern): pysbd handles English
abbreviations ("Mr.", "U.S.", "Jan. 13") and Japanese quotes (「…。」と言った stays one sentence);
pysbd has no Korean, so Korean goes to kiwipiepy's morphological splitter, which keeps quotes with
their connectives (`…습니까?"라며`), ellipses (`급락…외국인`) and decimals in one sentence. On the
project's news-page corpus (73 Korean sentences, `python -m service textcheck`) boundary F1 is
kiwipiepy 0.993 (1.000 with the fix below), sentencex 0.980 (0.960 on NFKC text, as before), kss
6.0.6 0.973 (and kss needs pecab and a dozen more packages); kiwipiepy takes about 1 ms per
paragraph here. The figures are in
`evaluation/README.md`. Two fixes go around the splitters: a Korean full stop with no space after it
(`발표했다.15일에는`) is a boundary outside quotes, which kiwipiepy does not see; and in English a
quote that ends a sentence followed by a new quote (`…act." "That is final," he added.`) is split,
which pysbd does not do.

Sentences longer than a model's window are not a splitter's problem: `service.text.chunking` cuts them.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from service.languages import LANGUAGES

#: How sentences are put back together: Japanese writes no space between sentences.
SENTENCE_JOINERS = {code: lang.joiner for code, lang in LANGUAGES.items()}
_BLANK_LINE = re.compile(r"\n\s*\n")
#: A line that ends a sentence: a full stop, question or exclamation mark (any width), or an ellipsis,
#: maybe followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’」』)）\]]*$")


class SentenceSplitter(Protocol):
    def split(self, text: str) -> list[str]: ...


class PysbdSplitter:
    """pysbd's rule-based splitter; not thread-safe, so each thread gets its own segmenter.

    pysbd's rules are written for ASCII digits and punctuation: on `１３．４％` it cuts at the
    full-width point. It therefore reads a width-folded copy (one character for one, so offsets
    hold) and the sentences are cut from the text as written.
    """

    def __init__(self, language: str):
        self.language = language
        self._local = threading.local()

    def split(self, text: str) -> list[str]:
        segmenter = getattr(self._local, "segmenter", None)
        if segmenter is None:
            import pysbd

            segmenter = pysbd.Segmenter(language=self.language, clean=False, char_span=True)
            self._local.segmenter = segmenter
        pieces = [text[span.start : span.end] for span in segmenter.segment(text.translate(_FULL_WIDTH))]
        if "".join("".join(pieces).split()) != "".join(text.split()):
            # pysbd's spans can lose text on punctuation soup (14 of 6,632 fuzzed strings, none of
            # the news texts): one unsplit piece is better than a dropped one.
            return [text]
        return pieces


#: Full-width ASCII (`！`-`～`) and the ideographic space to their ASCII forms, one for one.
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


class SentencexSplitter:
    def __init__(self, language: str):
        self.language = language

    def split(self, text: str) -> list[str]:
        from sentencex import segment

        return list(segment(self.language, text))


class KiwiSplitter:
    """kiwipiepy's `split_into_sents` (Korean morphology); one analyser per process, loaded once
    (about 1 s and 105 MB of model files inside the wheel, nothing downloaded)."""

    _lock = threading.Lock()
    _kiwi: Any = None

    def split(self, text: str) -> list[str]:
        with self._lock:
            if KiwiSplitter._kiwi is None:
                from kiwipiepy import Kiwi

                KiwiSplitter._kiwi = Kiwi()
            sentences = KiwiSplitter._kiwi.split_into_sents(text)
        return [text[s.start : s.end] for s in sentences]


#: A Korean full stop glued to the next sentence: `했다.15일에는`, `정류장.하루`, `싸늘하다."돈` (an
#: opening quote: a closing one is inside a quote at that point, see `_inside_quote`).
_GLUED_STOP = re.compile(r"(?<=[\uac00-\ud7a3][.!?])(?=[\uac00-\ud7a30-9A-Za-z(\[\"“])")
#: An English quote that ends a sentence, then a new quote: `"We will act." "That is final," he said.`
_QUOTE_AFTER_QUOTE = re.compile(r"(?<=[.!?][\"”])\s+(?=[\"“][A-Z])")


def split_glued_stops(text: str) -> list[str]:
    """Cut at Korean full stops with no space after them, outside quotation marks.

    Inside a quote (`"…판단했습니다.다만 …"라고 밝혔다`) the quoted speech is part of one reported
    sentence, so it stays whole.
    """
    cuts = [m.start() for m in _GLUED_STOP.finditer(text) if not _inside_quote(text, m.start())]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if text[a:b].strip()]


def _inside_quote(text: str, position: int) -> bool:
    before = text[:position]
    straight = before.count('"') % 2 == 1
    curly = before.count("“") > before.count("”")
    return straight or curly


class KoreanSplitter:
    """Glued full stops first, then kiwipiepy."""

    def __init__(self) -> None:
        self._kiwi = KiwiSplitter()

    def split(self, text: str) -> list[str]:
        return [s for piece in split_glued_stops(text) for s in self._kiwi.split(piece)]


class EnglishSplitter:
    """pysbd, then a cut between a quote that ends a sentence and the next quote."""

    def __init__(self) -> None:
        self._pysbd = PysbdSplitter("en")

    def split(self, text: str) -> list[str]:
        return [piece for s in self._pysbd.split(text) for piece in _QUOTE_AFTER_QUOTE.split(s)]


SPLITTERS: dict[str, Callable[[], SentenceSplitter]] = {
    "en": EnglishSplitter,
    "ja": lambda: PysbdSplitter("ja"),
    "ko": KoreanSplitter,
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
        return [paragraph for block in _BLANK_LINE.split(text) for paragraph in _block_paragraphs(block)]
    return [line.strip() for line in text.split("\n") if line.strip()]


def _block_paragraphs(block: str) -> list[str]:
    """One blank-line block's paragraphs. A block is hard-wrapped (PDF, plain-text mail) when most of
    its line ends fall inside a sentence: then all its lines are one paragraph. Otherwise a line that
    ends a sentence ends a paragraph (pasted articles often put single line breaks between
    paragraphs under a blank-line-separated headline), and only lines cut mid-sentence are joined."""
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    inner = lines[:-1]
    cut = sum(1 for line in inner if not _SENTENCE_END.search(line))
    if inner and cut / len(inner) > 0.5:
        return [_join_lines(lines)]
    paragraphs: list[list[str]] = []
    for line in lines:
        if paragraphs and not _SENTENCE_END.search(paragraphs[-1][-1]):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return [_join_lines(p) for p in paragraphs]


def _join_lines(lines: list[str]) -> str:
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
