"""Cleaning, language detection, sentence splitting and chunking: the text handling every run relies on."""

from __future__ import annotations

import pytest

from service.errors import EmptyInput, UnsupportedLanguage
from service.text.chunking import fit_sentences, pack, split_to_fit
from service.text.clean import clean_text, for_models
from service.text.detect import detect_language
from service.text.segment import join_sentences, split_paragraphs, split_sentences
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO

# -- cleaning -------------------------------------------------------------------------------------------


def test_clean_strips_scraper_header_but_keeps_headline():
    cleaned = clean_text(ARTICLE_EN)
    assert "Published" not in cleaned and "Updated" not in cleaned
    assert not cleaned.startswith("date ")
    assert cleaned.startswith("City council approves new tram line")


def test_clean_tidies_whitespace_but_keeps_characters_as_written():
    text = "Ｔｏｋｙｏ\u200b  stocks\t\trose\r\n\r\n\r\n\r\nｶﾀｶﾅ and \x07bells\ufeff（…）"
    assert clean_text(text) == "Ｔｏｋｙｏ stocks rose\n\nｶﾀｶﾅ and bells（…）"
    assert for_models(clean_text(text)) == "Tokyo stocks rose\n\nカタカナ and bells(...)"


def test_clean_removes_korean_and_japanese_furniture():
    text = "입력 2026.01.13 10:00\n정부는 새 정책을 발표했다.\nⓒ 연합뉴스 무단전재 및 재배포 금지\n無断転載を禁じます"
    assert clean_text(text) == "정부는 새 정책을 발표했다."


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\u200b\ufeff"])
def test_empty_input_is_rejected(text):
    with pytest.raises(EmptyInput, match="empty"):
        clean_text(text)


@pytest.mark.parametrize("text", ["12345 67.8 %", "😀😀🎉", "--- *** ---"])
def test_text_without_letters_is_rejected(text):
    with pytest.raises(EmptyInput, match="no letters"):
        clean_text(text)


def test_clean_rejects_wrong_type():
    with pytest.raises(EmptyInput, match="Expected text"):
        clean_text(b"bytes")  # type: ignore[arg-type]


# -- language detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (ARTICLE_EN, "en"),
        (ARTICLE_KO, "ko"),
        (ARTICLE_JA, "ja"),
        ("Stocks rose.", "en"),
        ("주가가 올랐다.", "ko"),
        ("株価が上がった。", "ja"),
        ("삼성전자는 AI 반도체 HBM4를 NVIDIA에 공급한다고 밝혔다.", "ko"),  # mixed Korean-English
        ("トヨタはEVの新型モデルを発表した。", "ja"),  # kana + Latin
    ],
)
def test_detects_supported_languages(text, language):
    detection = detect_language(clean_text(text))
    assert detection.language == language
    assert 0.5 <= detection.probability <= 1.0


def test_detection_is_deterministic():
    text = "The minister said talks would continue next week in Seoul."
    results = {detect_language(text) for _ in range(10)}
    assert len(results) == 1


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("Die Regierung hat am Montag eine neue Wirtschaftspolitik angekündigt.", "'de'"),
        ("政府周一宣布了一项新的经济政策，股市随后大幅上涨。", "Chinese"),
        ("أعلنت الحكومة يوم الاثنين عن سياسة اقتصادية جديدة.", "script"),
        ("Правительство объявило о новой экономической политике.", "script"),
    ],
)
def test_unsupported_languages_are_named(text, hint):
    with pytest.raises(UnsupportedLanguage) as info:
        detect_language(text)
    message = str(info.value)
    assert hint in message
    assert "English, Korean, Japanese" in message


# -- sentences and paragraphs ---------------------------------------------------------------------------


def test_english_sentences_respect_abbreviations():
    text = "Mr. Lee met Dr. Kim in the U.S. on Jan. 13. They talked. Prices rose 3.5% on Monday."
    assert split_sentences(text, "en") == [
        "Mr. Lee met Dr. Kim in the U.S. on Jan. 13.",
        "They talked.",
        "Prices rose 3.5% on Monday.",
    ]


def test_korean_sentences_keep_quotes_and_decimals():
    text = '정부는 새 정책을 발표했다. 성장률은 3.5%로 예상된다! 그는 "안녕. 반가워"라고 말했다.'
    assert split_sentences(text, "ko") == [
        "정부는 새 정책을 발표했다.",
        "성장률은 3.5%로 예상된다!",
        '그는 "안녕. 반가워"라고 말했다.',
    ]


def test_japanese_sentences_keep_quoted_speech_together():
    text = "政府は新しい政策を発表した。株式市場は急騰した！「こんにちは。元気？」と彼は言った。"
    assert split_sentences(text, "ja") == [
        "政府は新しい政策を発表した。",
        "株式市場は急騰した！",
        "「こんにちは。元気？」と彼は言った。",
    ]


def test_paragraphs_by_line_or_by_blank_line():
    # Single line breaks between sentences keep paragraphs apart, also next to blank lines (issue 16)...
    assert split_paragraphs("One.\nTwo.\n\nThree.") == ["One.", "Two.", "Three."]
    assert split_paragraphs("Headline\n\n첫 문단이다.\n둘째 문단이다.”\n셋째。") == [
        "Headline",
        "첫 문단이다.",
        "둘째 문단이다.”",
        "셋째。",
    ]
    # ...while a clearly hard-wrapped block (most line ends inside a sentence) is one paragraph.
    wrapped = "The council met on\nTuesday and approved\nthe plan. It will\ncost 3 million.\n\nNext."
    assert split_paragraphs(wrapped) == [
        "The council met on Tuesday and approved the plan. It will cost 3 million.",
        "Next.",
    ]
    # A line cut mid-sentence joins the next even in a block of whole-sentence lines.
    assert split_paragraphs("One.\nTwo is\nlong.\nThree.\n\nX") == ["One.", "Two is long.", "Three.", "X"]
    assert split_paragraphs("One.\nTwo.\nThree.") == ["One.", "Two.", "Three."]
    # Wrapped Japanese lines join without a space; Korean keeps its word spacing.
    assert split_paragraphs("政府は新しい\n政策を発表した。\n\n次") == ["政府は新しい政策を発表した。", "次"]
    assert split_paragraphs("정부는 새\n정책을 발표했다.\n\n다음") == ["정부는 새 정책을 발표했다.", "다음"]


def test_join_sentences_per_language():
    assert join_sentences(["A.", "B."], "en") == "A. B."
    assert join_sentences(["가.", "나."], "ko") == "가. 나."
    assert join_sentences(["あ。", "い。"], "ja") == "あ。い。"


# -- chunking (no silent truncation) ---------------------------------------------------------------------


def word_count(texts):
    return [len(t.split()) + 1 for t in texts]  # +1 like an end-of-sequence token


def char_count(texts):
    return [len(t) + 1 for t in texts]


def test_split_to_fit_keeps_every_word_and_respects_the_limit():
    text = " ".join(f"word{i}" for i in range(1000))  # a long run with no punctuation
    pieces = split_to_fit(text, word_count, 50)
    assert len(pieces) > 1
    assert all(word_count([p])[0] <= 50 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_split_to_fit_cuts_scripts_without_spaces_between_characters():
    text = "あ" * 5000
    pieces = split_to_fit(text, char_count, 100)
    assert all(len(p) + 1 <= 100 for p in pieces)
    assert "".join(pieces) == text


def test_pack_groups_whole_sentences_within_the_limit():
    sentences = [f"Sentence number {i} has six words." for i in range(40)]
    chunks = pack(sentences, word_count, 30)
    assert len(chunks) > 1
    assert all(word_count([c])[0] <= 30 for c in chunks)
    assert " ".join(chunks) == " ".join(sentences)


def test_fit_sentences_leaves_short_sentences_alone():
    groups = fit_sentences(["short one.", "x " * 200], word_count, 50)
    assert groups[0] == ["short one."]
    assert len(groups[1]) > 1
