"""Which language is this article in? English, Korean, Japanese, or a clear "not supported".

langdetect alone is random (it samples; we fix its seed) and unreliable on short or mixed text,
which is a common complaint about peer services. Korean and Japanese have scripts of their own, so
the script is counted first: Hangul means Korean, kana means Japanese, whatever English words or
kanji are mixed in. Only text without those scripts goes to langdetect, which must then say English
with enough confidence; Chinese (kanji without kana), German, Arabic and the rest are rejected with
a message naming what is supported.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from service.errors import EmptyInput, UnsupportedLanguage
from service.languages import NAMES
from service.text.scripts import script_of

SUPPORTED = NAMES
#: langdetect probability below which Latin-script text is not trusted to be English.
MIN_ENGLISH_PROBABILITY = 0.5
_SAMPLE_CHARS = 20_000
#: Below this many Latin letters langdetect is unreliable (see `_short_plain_english`).
SHORT_TEXT_LETTERS = 120
OTHER_FUNCTION_WORDS = frozenset(
    """der die das und ist nicht ein eine mit von zu den dem auf le la les et est une des du pas pour
    dans qui el los las y es una por para con que del het een van niet och att det som jag il che non
    per della sono um uma nao com os""".split()
)
_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    language: str
    probability: float
    method: str  # "script" or "langdetect"

    def to_dict(self) -> dict:
        return {"language": self.language, "probability": round(self.probability, 4), "method": self.method}


def script_counts(text: str) -> dict[str, int]:
    counts = {"hangul": 0, "kana": 0, "han": 0, "latin": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        script = script_of(ch)
        if script != "other":
            counts[script] += 1
        elif "LATIN" in unicodedata.name(ch, ""):
            counts["latin"] += 1
        else:
            counts["other"] += 1
    return counts


def detect_language(text: str) -> Detection:
    """The article's language; raises `UnsupportedLanguage` or `EmptyInput` with a clear message."""
    sample = text[:_SAMPLE_CHARS]
    counts = script_counts(sample)
    letters = sum(counts.values())
    if letters == 0:
        raise EmptyInput("The text has no letters (only numbers, symbols or emoji): nothing to detect")
    cjk = counts["hangul"] + counts["kana"] + counts["han"]
    # Korean: Hangul is a clear share of the letters (mixed Korean-English articles stay Korean).
    if counts["hangul"] >= max(2, 0.2 * letters) and counts["hangul"] >= counts["kana"]:
        return Detection(
            "ko", counts["hangul"] / max(1, counts["hangul"] + counts["kana"] + counts["han"]), "script"
        )
    # Japanese: kana present in a real share of the CJK letters (kanji-only text is Chinese).
    if counts["kana"] >= max(2, 0.1 * cjk) and cjk >= 0.2 * letters:
        return Detection("ja", (counts["kana"] + counts["han"]) / letters, "script")
    if cjk >= 0.5 * letters:
        raise UnsupportedLanguage(_unsupported_message("Chinese (Han characters without kana)"), "zh")
    if counts["latin"] < 0.5 * letters:
        raise UnsupportedLanguage(_unsupported_message("a script other than Latin, Hangul or kana"), None)
    language, probability = _langdetect(sample)
    if language != "en" and _short_plain_english(sample, counts["latin"]):
        return Detection("en", MIN_ENGLISH_PROBABILITY, "short-text")
    if language != "en" or probability < MIN_ENGLISH_PROBABILITY:
        raise UnsupportedLanguage(_unsupported_message(f"{language!r} (p={probability:.2f})"), language)
    return Detection("en", probability, "langdetect")


def _short_plain_english(text: str, latin_letters: int) -> bool:
    """A headline-length ASCII text with no common non-English function word: take it as English.

    langdetect needs a few dozen words; on "Stocks rose." it says Swedish. Short texts in German,
    French, Spanish and the like nearly always carry an accented letter or one of their function
    words, so plain short ASCII without either is English far more often than not here.
    """
    if latin_letters >= SHORT_TEXT_LETTERS or not text.isascii():
        return False
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    return not (words & OTHER_FUNCTION_WORDS)


def _langdetect(text: str) -> tuple[str, float]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:  # the factory and its seed are global
        DetectorFactory.seed = 0
        try:
            best = detect_langs(text)[0]
        except LangDetectException as exc:
            raise UnsupportedLanguage(
                f"Could not detect the language ({exc}); supported: English, Korean, Japanese"
            ) from exc
    return best.lang, float(best.prob)


def _unsupported_message(found: str) -> str:
    names = ", ".join(SUPPORTED.values())
    return f"Unsupported language: the text looks like {found}. Supported languages: {names}."


def check_language(code: str) -> str:
    """Validate a language option ("en", "ko", "ja")."""
    if code not in SUPPORTED:
        raise UnsupportedLanguage(
            f"Unsupported source language {code!r}; choose auto, {', '.join(SUPPORTED)}", code
        )
    return code
