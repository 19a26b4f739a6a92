"""The languages the service handles, and every fact about them, defined once.

English is the pivot: articles in Korean or Japanese are translated into English, summarised in
English, and the summary is translated into the other targets. Everything that names a language
(detection, model families, quality checks, the page, the CLI, the evaluation harness) reads it here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, the code used everywhere in requests and results
    name: str  # English name, for messages
    native: str  # the name in the language itself, for the page
    script: str  # what its text is written in, for messages ("no Hangul in the Korean output")
    nllb: str  # NLLB-200 / FLORES-200 code (forced first token)
    m2m100: str  # M2M100 language code
    #: Characters between sentences when sentences are joined back into a paragraph.
    joiner: str
    #: sacrebleu tokenizer that makes BLEU comparable with published figures.
    bleu_tokenize: str


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "English", "Latin letters", "eng_Latn", "en", " ", "13a"),
    "ko": Language("ko", "Korean", "한국어", "Hangul", "kor_Hang", "ko", " ", "ko-mecab"),
    "ja": Language("ja", "Japanese", "日本語", "kana or kanji", "jpn_Jpan", "ja", "", "ja-mecab"),
}
#: Every supported language code, English first.
CODES: tuple[str, ...] = tuple(LANGUAGES)
#: The pivot language: summaries are made in it.
PIVOT = "en"
#: Languages every summary is translated into (besides the article's own, see `Pipeline`).
TARGETS: tuple[str, ...] = ("ko", "ja")
#: Values accepted for `source_language` (auto-detect, or one of the codes).
SOURCE_LANGUAGES: tuple[str, ...] = ("auto", *CODES)
#: code -> English name ("en" -> "English").
NAMES: dict[str, str] = {code: lang.name for code, lang in LANGUAGES.items()}


def name(code: str) -> str:
    """The English name of a language code, or the code itself when it is not one of ours."""
    return NAMES.get(code, code)


def supported_names() -> str:
    """'English, Korean and Japanese' for messages."""
    names = list(NAMES.values())
    return ", ".join(names[:-1]) + " and " + names[-1]
