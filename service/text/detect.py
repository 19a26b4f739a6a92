"""Which language is this article in? English, Korean, Japanese, or a clear "not supported".

langdetect alone is random (it samples; we fix its seed) and unreliable on short or mixed text,
which is a common complaint about peer services. Korean and Japanese have scripts of their own, so
the script is counted first: Hangul means Korean, any kana means Japanese (a short headline such as
`高市首相、李大統領と会談` has one), whatever English words or kanji are mixed in. Han characters
alone are Chinese unless they include Japanese-only kanji forms (`脳`, `売`, `駅`: neither simplified
nor traditional Chinese) and no simplified-only ones (`发`, `这`), so `日韓首脳会談` is Japanese and
`中国外交部发言人表示` is refused. Only text without those scripts goes to langdetect, which must then
say English with enough confidence; German, Arabic and the rest are rejected with a message naming
what is supported. Program code and lists of links are refused as "no natural-language text".
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
#: Shinjitai: Japanese kanji forms that are neither simplified nor traditional Chinese (common ones).
JAPANESE_ONLY_KANJI = frozenset(
    "脳広売読図駅沢円変戦経県歳気転済労働込畑峠辺険検験関様薬楽択鉄帰実恵桜拡営価総団対発権観覧従徳"
    "応挙乗仏隣齢弾穏浜栄歩渋縄鶏剤囲圏巻悩拠捜摂斎暦桟殻涙焼犠獣瀬稲穂粋絵継緑縦繊聴臓舗覚訳"
    "謡豊賛遅鋳銭錬関陥隠雑霊顕駆騒髪黒黙"
)
#: Simplified-only Chinese forms (common ones), none of them used in Japanese (与, 区, 当, 欧 are left
#: out: Japanese writes them too): their presence means Chinese, whatever else is there.
SIMPLIFIED_ONLY_HAN = frozenset(
    "发这们说个对时为过还进门问间开现长东车书产业电话见边动头该认让连华钱语讯报记务场岁总线结"
    "类级义乐亚闻确经济应该从无样关权观单达选联军传统际览检验"
)
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import|return\b|function\b|const |let |var |#include|"
    r"public |private |if\s*\(|for\s*\(|while\s*\(|\}|\{|<\?php|SELECT |<[a-z]+[ >])|[;{}]\s*$"
    r"|^\s*[\w.\[\]]+\s*[-+*/]?=\s*\S|\w\([^()]*\)\)?;?\s*$",
    re.IGNORECASE,
)


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
        return Detection("ko", counts["hangul"] / cjk, "script")  # (cjk ≥ hangul ≥ 2 here)
    # Japanese: any kana among CJK text (headlines have one or two; Latin brand names do not count
    # against it), or kanji with Japanese-only forms.
    if cjk >= 0.2 * letters and (counts["kana"] >= 1 or _japanese_kanji(sample)):
        return Detection("ja", (counts["kana"] + counts["han"]) / max(1, cjk), "script")
    if cjk >= 0.5 * letters:
        raise UnsupportedLanguage(_unsupported_message("Chinese (Han characters without kana)"), "zh")
    if _no_natural_language(sample):
        raise UnsupportedLanguage(
            "No natural-language text found: this looks like program code or a list of links. "
            f"Paste a news article in {', '.join(SUPPORTED.values())}."
        )
    if counts["latin"] < 0.5 * letters:
        raise UnsupportedLanguage(_unsupported_message("a script other than Latin, Hangul or kana"))
    language, probability = _langdetect(sample)
    if language != "en" and _short_plain_english(sample, counts["latin"]):
        return Detection("en", MIN_ENGLISH_PROBABILITY, "short-text")
    if language != "en" or probability < MIN_ENGLISH_PROBABILITY:
        raise UnsupportedLanguage(_unsupported_message(f"{language!r} (p={probability:.2f})"), language)
    return Detection("en", probability, "langdetect")


def _japanese_kanji(text: str) -> bool:
    """Han text written with Japanese-only kanji forms and no simplified-Chinese-only ones."""
    chars = set(text)
    return bool(chars & JAPANESE_ONLY_KANJI) and not chars & SIMPLIFIED_ONLY_HAN


def _no_natural_language(text: str) -> bool:
    """Mostly links and addresses, or mostly lines of program code or markup."""
    letters = sum(ch.isalpha() for ch in text)
    outside_links = sum(ch.isalpha() for ch in _URL.sub(" ", text))
    if letters and outside_links < 0.2 * letters:
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    code = sum(bool(_CODE_LINE.search(line)) for line in lines)
    symbols = sum(ch in "{}[]();=<>_$&|\\" for ch in text)
    return bool(lines) and (code >= 0.5 * len(lines) or symbols > 0.3 * max(1, outside_links))


def script_language(text: str) -> str | None:
    """The language the script alone shows ("ko", "ja", "en" for Latin), or None when unclear."""
    counts = script_counts(text[:_SAMPLE_CHARS])
    letters = sum(counts.values())
    cjk = counts["hangul"] + counts["kana"] + counts["han"]
    if not letters:
        return None
    if counts["hangul"] >= max(2, 0.2 * letters) and counts["hangul"] >= counts["kana"]:
        return "ko"
    if cjk >= 0.2 * letters and counts["kana"] >= 1:
        return "ja"
    if counts["latin"] >= 0.9 * letters:
        return "en"
    return None


def override_warning(text: str, given: str) -> str | None:
    """A warning when an explicit source language contradicts the script of the text."""
    found = script_language(text)
    if found is None or found == given:
        return None
    if found == "en":  # (and the given language is Korean or Japanese: equal ones returned above)
        return (
            f"source language {SUPPORTED[given]} was given, but the text is in Latin letters with no "
            f"{'Hangul' if given == 'ko' else 'kana or kanji'}; it was processed as {SUPPORTED[given]}"
        )
    return (
        f"source language {SUPPORTED[given]} was given, but the text is written in "
        f"{SUPPORTED[found]} script; it was processed as {SUPPORTED[given]}"
    )


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
