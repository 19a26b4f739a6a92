"""Sentence and paragraph splitting rule by rule (issue 18): the exact boundaries each splitter and
each fix around it gives on news typography, and how wrapped lines are put back together.

Every sentence is a row of the article table and one unit of translation: a boundary moved by one
character splits a quote from its speaker, glues two sentences into one translation, or drops a space
between two words.
"""

from __future__ import annotations

import pytest

from service.text.segment import (
    KiwiSplitter,
    PysbdSplitter,
    SentencexSplitter,
    _inside_quote,
    _is_cjk,
    _join_lines,
    join_sentences,
    split_glued_stops,
    split_paragraphs,
    split_sentences,
)

# -- split_sentences: whitespace per language, then the language's splitter ---------------------------------


def test_english_line_breaks_and_runs_of_spaces_become_single_spaces():
    text = "Seoul  shares\nrose 3.5% on Monday.   The won\n firmed to 1,450."
    assert split_sentences(text, "en") == ["Seoul shares rose 3.5% on Monday.", "The won firmed to 1,450."]


def test_japanese_line_breaks_vanish_and_spaces_stay():
    """Japanese has no spaces between words: a wrapped line joins without one, a space written in the
    sentence stays."""
    text = "政府は\n新しい政策を 発表した。株価は3.5%上昇した。"
    assert split_sentences(text, "ja") == ["政府は新しい政策を 発表した。", "株価は3.5%上昇した。"]


def test_japanese_full_width_digits_and_points_do_not_end_a_sentence():
    text = "前年比１３．４％増の１，２００億円だった。「減速は一時的だ」と述べた。"
    assert split_sentences(text, "ja") == [
        "前年比１３．４％増の１，２００億円だった。",
        "「減速は一時的だ」と述べた。",
    ]


def test_full_width_english_is_split_at_its_full_stops_only():
    text = "Ｔｏｋｙｏ　ｓｔｏｃｋｓ　ｒｏｓｅ　１３．４％．　Ｔｈｅ　ｙｅｎ　ｆｅｌｌ．"
    assert split_sentences(text, "en") == [
        "Ｔｏｋｙｏ ｓｔｏｃｋｓ ｒｏｓｅ １３．４％．",
        "Ｔｈｅ ｙｅｎ ｆｅｌｌ．",
    ]


@pytest.mark.parametrize("language", ["en", "ko", "ja"])
def test_blank_text_has_no_sentences(language):
    assert split_sentences("   \n\u3000 ", language) == []


def test_english_curly_quote_after_a_closing_quote_starts_a_sentence():
    text = "He said, “We will act.” “That is final,” he added."
    assert split_sentences(text, "en") == ["He said, “We will act.”", "“That is final,” he added."]


def test_unknown_language_has_no_splitter():
    with pytest.raises(ValueError, match=r"No sentence splitter for 'de'; supported: en, ja, ko"):
        split_sentences("Die Börse stieg um 3,5 %.", "de")


# -- Korean: glued full stops, quotes, then kiwipiepy --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # A closed straight quote before the glued stop: outside the quote, a boundary.
        (
            '그는 "좋다"고 말했다.15일에는 회의가 열린다.',
            ['그는 "좋다"고 말했다.', "15일에는 회의가 열린다."],
        ),
        # Two closed quotes (four marks): still outside.
        (
            '그는 "좋다"며 "가자"고 말했다.15일에는 회의가 열린다.',
            ['그는 "좋다"며 "가자"고 말했다.', "15일에는 회의가 열린다."],
        ),
        # Closed curly quotes: outside.
        (
            "그는 “좋다”고 말했다.15일에는 회의가 열린다.",
            ["그는 “좋다”고 말했다.", "15일에는 회의가 열린다."],
        ),
        # A glued stop before an opening curly quote.
        (
            "코스피는 2,410.5로 마감했다.“외국인 매도가 컸다”고 분석했다.",
            ["코스피는 2,410.5로 마감했다.", "“외국인 매도가 컸다”고 분석했다."],
        ),
        # Inside an open curly quote the reported speech stays one sentence.
        (
            "위원회는 “판단했습니다.다만 고려하겠습니다”라고 밝혔다.",
            ["위원회는 “판단했습니다.다만 고려하겠습니다”라고 밝혔다."],
        ),
    ],
)
def test_korean_glued_full_stops(text, sentences):
    assert split_glued_stops(text) == sentences
    assert split_sentences(text, "ko") == sentences


def test_glued_stops_cut_every_one_and_keep_the_first_character():
    assert split_glued_stops("발표했다.15일에는 회의가 열린다.정류장.하루") == [
        "발표했다.",
        "15일에는 회의가 열린다.",
        "정류장.",
        "하루",
    ]


def test_no_text_has_no_glued_pieces():
    assert split_glued_stops("") == []


def test_inside_quote_counts_the_marks_before_the_position():
    text = '그는 "좋다"며 "가자'
    assert _inside_quote(text, len(text)) is True  # three straight marks: one is open
    assert _inside_quote(text, 8) is False  # after "좋다": closed
    assert _inside_quote("그는 “좋다”며 “가자", 12) is True
    assert _inside_quote("그는 “좋다”며", 8) is False


def test_kiwi_splits_korean_and_returns_the_text_as_written():
    assert KiwiSplitter().split(
        "정부는 새 정책을 발표했다. 성장률은 3.5%로 예상된다! 증시 3% 급락…외국인 매도세"
    ) == [
        "정부는 새 정책을 발표했다.",
        "성장률은 3.5%로 예상된다!",
        "증시 3% 급락…외국인 매도세",
    ]


# -- the splitters themselves --------------------------------------------------------------------------------


def test_pysbd_splitter_keeps_the_spaces_that_follow_a_sentence():
    """The splitter cuts the text as written; `split_sentences` strips."""
    assert PysbdSplitter("en").split("Mr. Lee met Dr. Kim. They talked. ") == [
        "Mr. Lee met Dr. Kim. ",
        "They talked. ",
    ]


def test_pysbd_splitter_uses_the_rules_of_its_language():
    """Japanese rules keep 「…。」と言った whole; English rules would cut inside the quote."""
    text = "「こんにちは。元気？」と彼は言った。政府は発表した。"
    assert PysbdSplitter("ja").split(text) == ["「こんにちは。元気？」と彼は言った。", "政府は発表した。"]


def test_pysbd_splitter_reuses_its_segmenter_in_a_thread():
    splitter = PysbdSplitter("en")
    splitter.split("Stocks rose. Bonds fell.")
    first = splitter._local.segmenter
    assert first is not None
    assert splitter.split("The won firmed. Oil slipped.") == ["The won firmed. ", "Oil slipped."]
    assert splitter._local.segmenter is first


def test_sentencex_splitter_splits_english():
    assert SentencexSplitter("en").split("Mr. Lee met Dr. Kim. They talked.") == [
        "Mr. Lee met Dr. Kim. ",
        "They talked.",
    ]


# -- paragraphs ----------------------------------------------------------------------------------------------


def test_lines_are_paragraphs_when_there_is_no_blank_line():
    assert split_paragraphs("\nSeoul shares rose 3.5%.\n  The won firmed.  \n") == [
        "Seoul shares rose 3.5%.",
        "The won firmed.",
    ]


def test_empty_blocks_at_the_start_and_end_give_no_paragraph():
    assert split_paragraphs("\n\nSeoul shares rose 3.5%.\n\nThe won firmed.\n") == [
        "Seoul shares rose 3.5%.",
        "The won firmed.",
    ]


def test_a_block_mostly_cut_mid_sentence_is_one_paragraph():
    """Two of three inner line ends fall inside a sentence: hard-wrapped, even though one line
    happens to end at a full stop."""
    text = "Markets\n\nSeoul shares rose 3.5%.\nThe won firmed against\nthe dollar to 1,450 after\nthe central bank spoke."
    assert split_paragraphs(text) == [
        "Markets",
        "Seoul shares rose 3.5%. The won firmed against the dollar to 1,450 after the central bank spoke.",
    ]


def test_a_block_half_cut_keeps_its_sentence_lines_apart():
    """One of two inner line ends inside a sentence is not "most": lines that end a sentence end a
    paragraph, and only the cut line is joined to the next."""
    text = "Markets\n\nSeoul shares rose 3.5%.\nThe won firmed against\nthe dollar to 1,450."
    assert split_paragraphs(text) == [
        "Markets",
        "Seoul shares rose 3.5%.",
        "The won firmed against the dollar to 1,450.",
    ]


def test_a_joined_paragraph_ends_at_its_last_lines_full_stop():
    text = "Markets\n\nThe won firmed\nagainst the dollar.\nExports rose 3.5%.\nImports fell."
    assert split_paragraphs(text) == [
        "Markets",
        "The won firmed against the dollar.",
        "Exports rose 3.5%.",
        "Imports fell.",
    ]


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        # Kana before a Latin word: no space (Japanese writes none).
        (
            ["価格は3万円から。新型iPhone 17を", "Appleが発表した。"],
            "価格は3万円から。新型iPhone 17をAppleが発表した。",
        ),
        # A Latin word before a corner bracket: no space either.
        (
            ["新製品を発表したのはApple", "「iPhone 18」の販売は秋から。"],
            "新製品を発表したのはApple「iPhone 18」の販売は秋から。",
        ),
        # Korean keeps its word spacing, also after a closing quote.
        (["“오늘 회의에서 결정했다”", "김 위원장이 말했다."], "“오늘 회의에서 결정했다” 김 위원장이 말했다."),
        (["The won firmed", "against the dollar."], "The won firmed against the dollar."),
        # A Japanese line ending in a Latin word before one starting with a Latin word: a space.
        (["新型のiPhone", "Pro Maxは秋に発売。"], "新型のiPhone Pro Maxは秋に発売。"),
    ],
)
def test_join_lines_puts_a_space_only_between_spaced_scripts(lines, joined):
    assert _join_lines(lines) == joined


def test_cjk_ranges_include_their_bounds():
    """CJK symbols to CJK ideographs (U+3000-U+9FFF) and the half- and full-width forms
    (U+FF00-U+FFEF), bounds included; Hangul syllables, Yi and the specials block are outside."""
    assert all(_is_cjk(ch) for ch in "\u3000「ア株\u9fff\uff00！ｶ\uffef")
    assert not any(_is_cjk(ch) for ch in "A…\u2fff\ua000가\ufeff\ufff0")


def test_join_sentences_skips_empty_sentences_and_spaces_unknown_languages():
    assert (
        join_sentences(["Seoul shares rose.", "", "The won firmed."], "en")
        == "Seoul shares rose. The won firmed."
    )
    assert join_sentences(["Die Börse stieg.", "Der Won fiel."], "de") == "Die Börse stieg. Der Won fiel."
    assert (
        join_sentences(["株価は上昇した。", "", "円は下落した。"], "ja") == "株価は上昇した。円は下落した。"
    )
