"""Language detection rule by rule (issue 18): each threshold of the script counts at its exact
boundary, the detected language *and* how it was found, and the exact message of every refusal.

Detection picks the models, the sentence splitter and the furniture rules: a headline taken for the
wrong language gives a wrong translation, and a refusal must say what was found and what is supported.
"""

from __future__ import annotations

import pytest
from langdetect.lang_detect_exception import LangDetectException

from service.errors import EmptyInput, UnsupportedLanguage
from service.text.detect import (
    Detection,
    _japanese_kanji,
    _langdetect,
    _no_natural_language,
    _short_plain_english,
    check_language,
    detect_language,
    override_warning,
    script_counts,
    script_language,
)

SUPPORTED = "Supported languages: English, Korean, Japanese."


def refusal(text: str) -> UnsupportedLanguage:
    with pytest.raises(UnsupportedLanguage) as info:
        detect_language(text)
    return info.value


# -- counting scripts -------------------------------------------------------------------------------------


def test_script_counts_count_each_letter_once_and_skip_digits_and_punctuation():
    """Digits, `%`, `·` and quotes are not letters; accented Latin is Latin; Greek is another script."""
    assert script_counts("LG전자·トヨタ 3.5%↑ “日産” Zürich 1,200 Ωμ") == {
        "hangul": 2,
        "kana": 3,
        "han": 2,
        "latin": 8,
        "other": 2,
    }


def test_a_letter_without_a_unicode_name_counts_as_another_script():
    """Tangut ideographs are letters with no character name: pasted rare text must not crash."""
    assert script_counts("Tangut 𗀀𗀁") == {"hangul": 0, "kana": 0, "han": 0, "latin": 6, "other": 2}


def test_detection_to_dict_rounds_the_probability_to_four_places():
    assert Detection("ja", 12 / 14, "script").to_dict() == {
        "language": "ja",
        "probability": 0.8571,
        "method": "script",
    }


# -- Korean, Japanese and Chinese by script --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Two Hangul letters are enough when there is nothing else.
        ("서울 3.5%", Detection("ko", 1.0, "script")),
        # Hangul at exactly a fifth of the letters is still Korean (3 of 15).
        ("코스피 rally hits KRW", Detection("ko", 1.0, "script")),
        # As much Hangul as kana: Korean (a Korean article quoting a Japanese name).
        ("한일 정상 ソウルで会談", Detection("ko", 0.4, "script")),
        # Hanja in a Korean headline lower the share of Hangul among the CJK letters.
        ("韓美 정상회담 개최", Detection("ko", 6 / 8, "script")),
        # One kana among three CJK letters of fifteen: exactly a fifth, Japanese.
        ("Google Pixel 9aの新型", Detection("ja", 1.0, "script")),
        # Two Hangul letters in a Japanese sentence are a quoted name, not Korean.
        ("韓国の人気グループ「방탄」が来日", Detection("ja", 12 / 14, "script")),
        # Kanji only, with Japanese-only forms (総, 円): Japanese.
        ("日銀総裁 円安注視", Detection("ja", 1.0, "script")),
        # A single kanji is a letter: a rate line is Japanese.
        ("円 157.20–157.22", Detection("ja", 1.0, "script")),
    ],
)
def test_script_decides_korean_and_japanese(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "LG전자 shares jumped 3.5% on Tuesday after strong earnings.",  # 2 Hangul of 44 letters
        "Sony (ソニー) said operating profit rose 3.5% in the quarter.",  # 3 kana of 42 letters
        "Sony shares 株高",  # 2 kanji of 12 letters
    ],
)
def test_a_few_cjk_letters_in_an_english_sentence_leave_it_english(text):
    detection = detect_language(text)
    assert (detection.language, detection.method) == ("en", "langdetect")
    assert detection.probability > 0.99


def test_han_at_half_the_letters_without_kana_is_chinese():
    """10 Han of 20 letters: Chinese, refused with its name and the code `zh`."""
    error = refusal("中国外交部发言人表示 Reuters AFP")
    assert str(error) == (
        f"Unsupported language: the text looks like Chinese (Han characters without kana). {SUPPORTED}"
    )
    assert error.language == "zh"


def test_japanese_only_kanji_with_simplified_chinese_forms_is_chinese():
    assert _japanese_kanji("日銀総裁 円安注視") is True
    assert _japanese_kanji("驻日大使馆发言人表示 日中関係") is False  # 関 is Japanese, 发 is not
    assert _japanese_kanji("中國外交部發言人表示") is False  # traditional Chinese: neither set
    assert refusal("驻日大使馆发言人表示 日中関係").language == "zh"


# -- everything else: langdetect, short English, refusals -------------------------------------------------


def test_langdetect_is_seeded_so_the_probability_is_reproducible():
    """The same text gives the same probability on every run (langdetect samples at random)."""
    assert detect_language("Stocks rose sharply") == Detection("en", 0.9999958333048626, "langdetect")


def test_short_plain_english_that_langdetect_misreads_is_english_at_the_threshold():
    """langdetect says Swedish for "Stocks rose."; a short ASCII headline is taken as English."""
    assert detect_language("Stocks rose.") == Detection("en", 0.5, "short-text")
    assert detect_language("Via https://yna.co.kr") == Detection("en", 0.5, "short-text")


@pytest.mark.parametrize(("probability", "accepted"), [(0.5, True), (0.4999, False)])
def test_english_at_exactly_the_minimum_probability_is_accepted(monkeypatch, probability, accepted):
    """`MIN_ENGLISH_PROBABILITY` (0.5) is the lowest langdetect confidence taken as English."""
    import service.text.detect as detect

    monkeypatch.setattr(detect, "_langdetect", lambda text: ("en", probability))
    text = "The council approved the new tram line on Tuesday after a long debate. " * 3
    if accepted:
        assert detect_language(text) == Detection("en", 0.5, "langdetect")
    else:
        assert refusal(text).language == "en" and "'en' (p=0.50)" in str(refusal(text))


def test_other_latin_languages_are_refused_with_what_langdetect_found():
    error = refusal("Die Regierung hat am Montag eine neue Wirtschaftspolitik angekündigt.")
    assert str(error) == f"Unsupported language: the text looks like 'de' (p=1.00). {SUPPORTED}"
    assert error.language == "de"


@pytest.mark.parametrize(
    "text",
    [
        "Правительство объявило о новой экономической политике.",
        "Газпром Gazprom сообщил о росте экспорта",  # 7 Latin letters of 35
    ],
)
def test_mostly_another_script_is_refused_without_asking_langdetect(text):
    error = refusal(text)
    assert str(error) == (
        f"Unsupported language: the text looks like a script other than Latin, Hangul or kana. {SUPPORTED}"
    )
    assert error.language is None


def test_half_latin_letters_go_to_langdetect():
    """5 Latin and 5 Cyrillic letters: not "mostly another script", so langdetect names a language."""
    error = refusal("Tesla Тесла")
    assert error.language == "et"
    assert "'et' (p=0.57)" in str(error)


def test_text_without_letters_is_empty():
    with pytest.raises(EmptyInput) as info:
        detect_language("3.5% 1,200 (▲0.8) —")
    assert str(info.value) == "The text has no letters (only numbers, symbols or emoji): nothing to detect"


@pytest.mark.parametrize(
    "text",
    [
        "https://t.co/x1\nhttps://t.co/y2",
        "Via https://www.yna.co.kr/view/AKR20260113",  # 3 letters outside the link of 25
        "import pandas as pd\nSales rose 3.5% in March.",  # one line of two is code
        "KOSPI [2,410] (▲3.5%) <close>",  # 6 markup symbols for 10 letters
    ],
)
def test_links_code_and_markup_are_not_natural_language(text):
    error = refusal(text)
    assert str(error) == (
        "No natural-language text found: this looks like program code or a list of links. "
        "Paste a news article in English, Korean, Japanese."
    )
    assert error.language is None


@pytest.mark.parametrize(
    "text",
    [
        "Via https://yna.co.kr",  # 3 letters outside the link of 15: exactly a fifth
        "import pandas as pd\nSales rose 3.5% in March.\nExports fell 1.2% in April.",  # one line of three
        "KOSPI (close) = 2,410",  # 3 symbols for 10 letters: exactly 0.3
        "Nasdaq-X (close) = 2,410",  # X is a letter, not a symbol
    ],
)
def test_some_links_code_or_symbols_in_prose_are_still_natural_language(text):
    assert _no_natural_language(text) is False


def test_short_plain_english_rules():
    """Under 120 Latin letters, ASCII only, and no French/German/Spanish function word."""
    assert _short_plain_english("Stocks rose.", 10) is True
    assert _short_plain_english("Stocks rose.", 119) is True
    assert _short_plain_english("Stocks rose.", 120) is False
    assert _short_plain_english("Börse: Aktien steigen", 18) is False
    assert _short_plain_english("Le Figaro: Macron Meets Kishida", 26) is False  # "Le", capitalised


def test_langdetect_without_features_is_a_clear_refusal():
    with pytest.raises(UnsupportedLanguage) as info:
        _langdetect("2026.01.13 3.5%")
    assert str(info.value) == (
        "Could not detect the language (No features in text.); supported: English, Korean, Japanese"
    )
    assert isinstance(info.value.__cause__, LangDetectException)


# -- the script alone, and overrides that contradict it ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("서울 3.5%", "ko"),
        ("코스피 rally hits KRW", "ko"),
        ("한일 정상 ソウルで会談", "ko"),
        ("Google Pixel 9aの新型", "ja"),
        ("Nikkei closes higher 東京", "en"),  # 18 Latin letters of 20: exactly nine tenths
        ("Sony shares 株高", None),  # 10 of 12
        ("LG전자 shares jumped 3.5% on Tuesday after strong earnings.", "en"),  # 2 Hangul of 44
        ("Sony (ソニー) said operating profit rose 3.5% in the quarter.", "en"),  # 3 kana of 42
        ("日韓首脳会談", None),  # kanji only: unclear from the script alone
        ("中国外交部发言人表示", None),
        ("3.5% 1,200", None),
        ("", None),
    ],
)
def test_script_language(text, language):
    assert script_language(text) == language


@pytest.mark.parametrize(
    ("text", "given", "warning"),
    [
        (
            "The government announced a new policy.",
            "ko",
            "source language Korean was given, but the text is in Latin letters with no Hangul; "
            "it was processed as Korean",
        ),
        (
            "The government announced a new policy.",
            "ja",
            "source language Japanese was given, but the text is in Latin letters with no kana or kanji; "
            "it was processed as Japanese",
        ),
        (
            "정부는 새 정책을 발표했다.",
            "ja",
            "source language Japanese was given, but the text is written in Korean script; "
            "it was processed as Japanese",
        ),
        (
            "株価が上がった。",
            "en",
            "source language English was given, but the text is written in Japanese script; "
            "it was processed as English",
        ),
        ("株価が上がった。", "ja", None),
        ("The government announced a new policy.", "en", None),
        ("日韓首脳会談", "ja", None),  # the script is unclear: nothing to contradict
        ("日韓首脳会談", "ko", None),
    ],
)
def test_override_warning(text, given, warning):
    assert override_warning(text, given) == warning


def test_check_language_accepts_the_codes_and_names_them_when_refusing():
    assert [check_language(code) for code in ("en", "ko", "ja")] == ["en", "ko", "ja"]
    with pytest.raises(UnsupportedLanguage) as info:
        check_language("zh")
    assert str(info.value) == "Unsupported source language 'zh'; choose auto, en, ko, ja"
    assert info.value.language == "zh"
