"""Run-time quality guard: cheap checks on each model output that users see as warnings.

Seq2seq models fail in a few recognisable ways: they return nothing, get stuck repeating a phrase,
stop half way through (or keep going and invent text), or copy the source without translating it.
Each check here looks for one of those failures with plain counting, no model, so it can run on
every request. The thresholds are deliberately generous: a flag is shown to a reader, and a guard
that cries wolf on good translations teaches people to ignore it. Each threshold's docstring or
comment says why it sits where it does; the tests run every check over good en/ko/ja outputs
(including all the shipped evaluation references) and require that none of them is flagged.

Odd text never raises: an output the guard cannot judge simply gets no flag. Only a caller's
mistake does (`check_output` with a language or task it does not know: ValueError).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from service.languages import CODES, NAMES
from service.languages import LANGUAGES as ALL_LANGUAGES
from service.text import scripts

LANGUAGES = CODES
TASKS = ("translate", "summarise")
KINDS = ("empty", "repetition", "too_short", "too_long", "untranslated")
LANGUAGE_NAMES = NAMES
SCRIPT_NAMES = {code: lang.script for code, lang in ALL_LANGUAGES.items()}


@dataclass(frozen=True)
class QualityFlag:
    """One problem found in one output, worded for the person reading that output."""

    field: str  # which output, e.g. "summary", "translations.ko", "segments[3].ja"
    kind: str  # one of KINDS, or "glossary" / "unsupported" (service.traceability)
    message: str  # one plain sentence a reader understands

    def to_dict(self) -> dict:
        return asdict(self)


# --- Scripts and tokens --------------------------------------------------------------------------

_HANGUL, _KANA, _HAN, _CJK = scripts.HANGUL, scripts.KANA, scripts.HAN, scripts.CJK

_HANGUL_RE = re.compile(f"[{_HANGUL}]")
_KANA_RE = re.compile(f"[{_KANA}]")
_HAN_RE = re.compile(f"[{_HAN}]")
# One token = one CJK character, one number (digit groups such as 1,000,000 or 3.5 stay whole, so a
# large number is not mistaken for "000" repeated), or one run of other letters/digits (a word).
_TOKEN_RE = re.compile(rf"[{_CJK}]|\d+(?:[.,]\d+)*|[^\W_{_CJK}]+")
_WORD_RE = re.compile(rf"[^\W\d_{_CJK}]+")


def tokens(text: str) -> list[str]:
    """Script-aware tokens: CJK text by characters, everything else by words; punctuation dropped.

    Korean and Japanese have no reliable word boundaries without a morphological analyser (Japanese
    has no spaces at all), while characters are a stable unit for both; for Latin text words are.
    Lower-cased so "The" and "the" count as the same token in repetition checks.
    """
    return [t.lower() for t in _TOKEN_RE.findall(text)]


@dataclass(frozen=True)
class ScriptCounts:
    """How many letters of each script a text has (digits, punctuation and spaces are ignored)."""

    hangul: int
    kana: int
    han: int
    latin: int  # letters of alphabetic scripts: Latin, and the rare Cyrillic/Greek name
    #: One Hangul syllable or kanji carries about as much as two Latin letters (an English word is
    #: ~5 letters; its Korean or Japanese rendering ~2-3 characters), so Latin letters weigh half.
    LATIN_WEIGHT = 0.5

    @classmethod
    def of(cls, text: str) -> ScriptCounts:
        hangul = len(_HANGUL_RE.findall(text))
        kana = len(_KANA_RE.findall(text))
        han = len(_HAN_RE.findall(text))
        latin = sum(len(w) for w in _WORD_RE.findall(text))
        return cls(hangul, kana, han, latin)

    @property
    def weighted_total(self) -> float:
        return self.hangul + self.kana + self.han + self.LATIN_WEIGHT * self.latin

    def share(self, language: str) -> float:
        """Weighted share of the letters written in `language`'s own script (0 when no letters)."""
        total = self.weighted_total
        if total == 0:
            return 0.0
        own = {
            "ko": self.hangul,
            "ja": self.kana + self.han,
            "en": self.LATIN_WEIGHT * self.latin,
        }[language]
        return own / total


def guess_language(text: str) -> str | None:
    """The language among en/ko/ja whose script dominates `text`; None when it has no letters.

    Used when a caller does not say what the source language was. Kana marks Japanese (Korean never
    uses it) unless Hangul outweighs it; otherwise the script with the largest weighted share wins.
    """
    counts = ScriptCounts.of(text)
    if counts.weighted_total == 0:
        return None
    if counts.kana > 0 and counts.share("ja") >= counts.share("ko"):
        return "ja"
    return max(("en", "ko", "ja"), key=counts.share)


def length_units(text: str) -> int:
    """Length in the unit that is stable per script: characters for ko/ja, words for English.

    In Korean/Japanese text each CJK character counts one and each embedded Latin word or number
    counts one too (a name like "OpenAI" is one unit, as it would be in English).
    """
    return len(tokens(text))


def unit_name(language: str) -> str:
    return "characters" if language in ("ko", "ja") else "words"


# --- Check: empty ----------------------------------------------------------------------------------


def _check_empty(source: str, output: str, label: str, field: str) -> QualityFlag | None:
    if not output.strip():
        return QualityFlag(field, "empty", f"The {label} is empty.")
    if not tokens(output) and tokens(source):
        return QualityFlag(field, "empty", f"The {label} contains no words, only punctuation or symbols.")
    return None


# --- Check: repetition -----------------------------------------------------------------------------

#: A block of up to SHORT_BLOCK tokens must repeat this many times back to back to count as a loop.
#: Real text does repeat short blocks twice ("very, very", Japanese ますます, Korean 하나하나) and
#: occasionally three times ("no, no, no"); four in a row essentially only happens when a decoder
#: is stuck, and that is the signature degenerate seq2seq output has.
MIN_REPEATS_SHORT = 4
#: Longer blocks (a clause or a sentence) repeated three times back to back never occur in news
#: prose, while models that loop on a whole sentence often do it exactly that many times before
#: hitting their length limit.
MIN_REPEATS_LONG = 3
#: "Short" means up to 4 words (the classic 1-4-gram loops) or 12 CJK characters (4 words of Korean
#: or Japanese are roughly 8-12 characters).
SHORT_BLOCK = {"words": 4, "characters": 12}
#: Longest block looked for: a long sentence (12 words / 30 characters).
LONGEST_BLOCK = {"words": 12, "characters": 30}

#: The distinct-n-gram test only runs on outputs of at least this many tokens: on short texts
#: the ratio is noisy and the back-to-back test already covers them.
DISTINCT_MIN_TOKENS = 60
#: n for the distinct-n-gram ratio: word bigrams for English, character 4-grams for Korean and
#: Japanese (4 characters are about a word and a half, so both look at similar spans; single
#: characters or pairs repeat naturally in CJK text: の, は, 다, 이다).
DISTINCT_N = {"words": 2, "characters": 4}
#: Fluent news text keeps well over 85% of its word bigrams / character 4-grams distinct, even at
#: article length (measured on the shipped references: the lowest is about 0.9). Below half, the
#: text is mostly recycled phrases: a loop with small variations that the back-to-back test misses.
DISTINCT_MIN_RATIO = 0.5


@dataclass(frozen=True)
class Loop:
    block: tuple[str, ...]
    repeats: int


def find_loop(toks: Sequence[str], unit: str = "words") -> Loop | None:
    """The most repeated back-to-back block of tokens that crosses the loop thresholds, if any.

    For each block length p, a run where tok[i] == tok[i + p] holds for r*p - p positions in a row
    means the block starting there occurs r times consecutively. O(len * LONGEST_BLOCK).
    """
    best: Loop | None = None
    for p in range(1, LONGEST_BLOCK[unit] + 1):
        needed = MIN_REPEATS_SHORT if p <= SHORT_BLOCK[unit] else MIN_REPEATS_LONG
        run = 0
        for i in range(len(toks) - p):
            run = run + 1 if toks[i] == toks[i + p] else 0
            repeats = run // p + 1
            if repeats >= needed and (best is None or repeats * p > best.repeats * len(best.block)):
                start = i - run + 1
                best = Loop(tuple(toks[start : start + p]), repeats)
    return best


def distinct_ratio(toks: Sequence[str], n: int) -> float:
    """Share of distinct n-grams among all n-grams (1.0 for texts shorter than n)."""
    grams = [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0


_CJK_CHAR_RE = re.compile(f"[{_CJK}]")


def _block_text(block: Sequence[str]) -> str:
    """Tokens back to readable text: CJK characters joined directly, words with spaces."""
    text = ""
    for tok in block:
        both_cjk = text and _CJK_CHAR_RE.fullmatch(tok) and _CJK_CHAR_RE.fullmatch(text[-1])
        text += tok if not text or both_cjk else " " + tok
    return text


def _check_repetition(source: str, output: str, label: str, field: str, language: str) -> QualityFlag | None:
    """Loops the source itself has (a chant, a list) are copied faithfully, not a model error."""
    unit = unit_name(language)
    out_toks = tokens(output)
    loop = find_loop(out_toks, unit)
    if loop is not None and find_loop(tokens(source), unit_name(guess_language(source) or "en")) is None:
        shown = _block_text(loop.block)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return QualityFlag(
            field,
            "repetition",
            f"The {label} repeats “{shown}” {loop.repeats} times in a row, "
            "which usually means the model got stuck in a loop.",
        )
    if len(out_toks) < DISTINCT_MIN_TOKENS:
        return None
    ratio = distinct_ratio(out_toks, DISTINCT_N[unit])
    if ratio >= DISTINCT_MIN_RATIO:
        return None
    src_unit = unit_name(guess_language(source) or "en")
    if distinct_ratio(tokens(source), DISTINCT_N[src_unit]) >= DISTINCT_MIN_RATIO:
        what = "word pairs" if unit == "words" else "4-character sequences"
        return QualityFlag(
            field,
            "repetition",
            f"The {label} keeps reusing the same phrases (only {ratio:.0%} of its {what} are distinct), "
            "which usually means the model got stuck in a loop.",
        )
    return None


# --- Check: length ---------------------------------------------------------------------------------

#: Typical output length per source unit, measured with `length_units` (words for English,
#: characters for ko/ja) on the shipped evaluation pairs (evaluation/data): an English word becomes
#: about 2 Hangul syllables or 1.9 Japanese characters (means 1.95 and 1.91, single sentences ranging
#: 1.4-2.8), and a Korean or Japanese character about 0.55-0.6 English words (range 0.35-0.8).
#: Korean and Japanese texts have about the same number of characters. Only the order of magnitude
#: matters, because the bounds below are wide.
EXPECTED_RATIO: dict[tuple[str, str], float] = {
    ("en", "ko"): 2.0,
    ("en", "ja"): 1.9,
    ("ko", "en"): 0.55,
    ("ja", "en"): 0.55,
    ("ko", "ja"): 1.0,
    ("ja", "ko"): 1.0,
    ("en", "en"): 1.0,
    ("ko", "ko"): 1.0,
    ("ja", "ja"): 1.0,
}
#: A translation is flagged only beyond a factor of 2.5 either way from the expected ratio. Good
#: single-sentence translations vary by about ±40% around the typical ratio (free vs literal
#: rendering, dropped pronouns and particles, names kept in Latin script); a factor 2.5 leaves a wide
#: margin on top of that while still catching what actually goes wrong: output cut off at a token
#: limit, a translation of only the first sentence, or pages of invented text.
LENGTH_FACTOR = 2.5
#: Below this many source units (about 8 English words or a 16-character Korean/Japanese phrase) a
#: headline or a name can legitimately translate to something much shorter or longer, so length
#: checks are skipped.
MIN_SOURCE_UNITS = {"words": 8, "characters": 16}

#: Fewest words a summary of each requested length may have. A "short" summary is still a sentence
#: and anything under 4 words is a fragment; a "medium" one (2-3 sentences) under 8 words is a
#: headline at most; a "long" one under 15 words is not long in any sense. Real summaries are 2-5
#: times these numbers, so only absurdly short output is flagged.
MIN_SUMMARY_WORDS = {"short": 4, "medium": 8, "long": 15}
#: The short-summary check needs a real article behind it: for sources under 40 words (a paragraph
#: or less) a one-line summary can be right.
MIN_SUMMARY_SOURCE_WORDS = 40


def _check_translation_length(
    source: str, output: str, label: str, field: str, source_language: str, target_language: str
) -> QualityFlag | None:
    src_units = length_units(source)
    if src_units < MIN_SOURCE_UNITS[unit_name(source_language)]:
        return None
    out_units = length_units(output)
    expected = EXPECTED_RATIO[(source_language, target_language)] * src_units
    counts = (
        f"{_plural(out_units, unit_name(target_language))} "
        f"for a source of {_plural(src_units, unit_name(source_language))}"
    )
    if out_units < expected / LENGTH_FACTOR:
        return QualityFlag(
            field,
            "too_short",
            f"The {label} is much shorter than its source ({counts}), so part of the text may be missing.",
        )
    if out_units > expected * LENGTH_FACTOR:
        return QualityFlag(
            field,
            "too_long",
            f"The {label} is much longer than its source ({counts}), "
            "so it may contain repeated or invented text.",
        )
    return None


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit[:-1]}" if n == 1 else f"{n} {unit}"


def _check_summary_length(
    source: str,
    output: str,
    label: str,
    field: str,
    source_language: str,
    target_language: str,
    requested_length: str | None,
) -> QualityFlag | None:
    """Summaries are judged against the source only at the extremes: longer than the source itself,
    or shorter than a fragment. For a summary in another language than its source, the source length
    is first converted with EXPECTED_RATIO, with 50% slack for that conversion's imprecision."""
    src_units = length_units(source)
    out_units = length_units(output)
    out_unit = unit_name(target_language)
    ratio = EXPECTED_RATIO[(source_language, target_language)]
    slack = 1.0 if source_language == target_language else 1.5
    long_enough = src_units >= MIN_SOURCE_UNITS[unit_name(source_language)]
    if long_enough and out_units > src_units * ratio * slack:
        return QualityFlag(
            field,
            "too_long",
            f"The {label} is longer than the text it summarises ({_plural(out_units, out_unit)} "
            f"for a source of {_plural(src_units, unit_name(source_language))}).",
        )
    src_words = src_units * EXPECTED_RATIO[(source_language, "en")]
    words_wanted = MIN_SUMMARY_WORDS.get(requested_length or "short", MIN_SUMMARY_WORDS["short"])
    minimum = words_wanted * EXPECTED_RATIO[("en", target_language)]
    if src_words >= MIN_SUMMARY_SOURCE_WORDS and out_units < minimum:
        wanted = f"a {requested_length}" if requested_length in MIN_SUMMARY_WORDS else "a"
        return QualityFlag(
            field,
            "too_short",
            f"The {label} has only {_plural(out_units, out_unit)}, "
            f"far fewer than {wanted} summary should have.",
        )
    return None


# --- Check: untranslated ---------------------------------------------------------------------------

#: Korean/Japanese targets: flagged when less than 30% of the (weighted) letters are in the target
#: script. News translations keep names, brands and acronyms in Latin script (OpenAI, iPhone, GDP);
#: even a product-heavy sentence such as "애플은 iPhone 16 Pro와 Apple Watch를 공개했다" stays above
#: 40%, while an untranslated or mostly untranslated output is near 0%.
MIN_TARGET_SHARE_CJK = 0.3
#: English targets: flagged when less than 40% is Latin, i.e. the text is mostly Hangul or kana/kanji.
#: English news quotes original-script names only occasionally and briefly (e.g. "Kim (김)").
MIN_TARGET_SHARE_EN = 0.4
#: The script test needs enough letters to mean anything: about 4 words' worth (weighted units).
MIN_SCRIPT_UNITS = 8
#: Japanese running text always has kana (particles, verb endings); a Japanese "translation" with 30+
#: kanji and no kana at all is Chinese. Headlines can be kana-free, but they are far shorter.
MIN_HAN_WITHOUT_KANA = 30


def _check_untranslated(
    source: str, output: str, label: str, field: str, source_language: str, target_language: str
) -> QualityFlag | None:
    counts = ScriptCounts.of(output)
    if counts.weighted_total < MIN_SCRIPT_UNITS:
        return None
    name = LANGUAGE_NAMES[target_language]
    share = counts.share(target_language)
    minimum = MIN_TARGET_SHARE_EN if target_language == "en" else MIN_TARGET_SHARE_CJK
    if share < minimum and ScriptCounts.of(source).share(target_language) < minimum:
        return QualityFlag(
            field,
            "untranslated",
            f"The {label} is mostly not in {name} (only {share:.0%} of its text is in "
            f"{SCRIPT_NAMES[target_language]}), so the text may have been left untranslated.",
        )
    if target_language == "ja" and counts.kana == 0 and counts.han >= MIN_HAN_WITHOUT_KANA:
        return QualityFlag(
            field,
            "untranslated",
            f"The {label} has no kana at all, so it may be Chinese rather than Japanese.",
        )
    return None


# --- Entry point -----------------------------------------------------------------------------------


def _label(task: str, target_language: str) -> str:
    if task == "summarise":
        return "summary"
    return f"{LANGUAGE_NAMES[target_language]} translation"


def check_output(
    source: str,
    output: str,
    *,
    target_language: str,
    task: str,
    field: str,
    source_language: str | None = None,
    requested_length: str | None = None,
) -> list[QualityFlag]:
    """Flags for one model output; an empty list means nothing looked wrong.

    `source_language` is guessed from the source's script when not given; `requested_length`
    ("short" | "medium" | "long") sharpens the too-short check for summaries. An empty output gets
    only the "empty" flag, since every other check would just restate it.
    """
    if target_language not in LANGUAGES:
        raise ValueError(f"target_language must be one of {', '.join(LANGUAGES)}, got {target_language!r}")
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    label = _label(task, target_language)
    empty = _check_empty(source, output, label, field)
    if empty is not None:
        return [empty]
    src_lang = source_language or guess_language(source) or target_language
    if src_lang not in LANGUAGES:
        raise ValueError(f"source_language must be one of {', '.join(LANGUAGES)}, got {src_lang!r}")
    flags = [_check_repetition(source, output, label, field, target_language)]
    if task == "translate":
        flags.append(_check_translation_length(source, output, label, field, src_lang, target_language))
    else:
        flags.append(
            _check_summary_length(source, output, label, field, src_lang, target_language, requested_length)
        )
    flags.append(_check_untranslated(source, output, label, field, src_lang, target_language))
    return [f for f in flags if f is not None]
