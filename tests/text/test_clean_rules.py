"""Cleaning rule by rule (issue 18): what `tidy` does to each kind of stray character, which
furniture `clean_text` drops for each language, and the exact messages of what it refuses.

Every later stage reads the cleaned text, and readers see it in the result, so each rule is pinned to
its exact output: a line break doubled or a space left over shows up in the article table.
"""

from __future__ import annotations

import pytest

from service.errors import EmptyInput
from service.text.clean import clean_text, for_models, tidy

# -- tidy: one kind of newline, single spaces, no controls; characters as written ------------------------


@pytest.mark.parametrize(
    ("raw", "tidied"),
    [
        # Windows line ends are one break, not two (a doubled break would start a new paragraph).
        ("코스피 3.5% 상승\r\n외국인 1,200억 순매수", "코스피 3.5% 상승\n외국인 1,200억 순매수"),
        # Old Mac line ends and the Unicode line separator are line breaks too.
        ("Seoul shares rose 3.5%\rThe won firmed", "Seoul shares rose 3.5%\nThe won firmed"),
        ("日経平均は続伸\u2028円相場は157円台", "日経平均は続伸\n円相場は157円台"),
        # The Unicode paragraph separator is a paragraph break: a blank line.
        ("First paragraph.\u2029Second paragraph.", "First paragraph.\n\nSecond paragraph."),
    ],
)
def test_every_kind_of_line_end_becomes_one_newline(raw, tidied):
    assert tidy(raw) == tidied


def test_lone_surrogates_become_the_replacement_character():
    """A broken UTF-16 pair from a scraper must not crash encoding later: it is shown as `�`."""
    assert tidy("“반도체 \ud83d 수출” 1,200억 달러") == "“반도체 \ufffd 수출” 1,200억 달러"


def test_invisible_characters_are_removed_without_leaving_a_space():
    """Zero-width spaces and joiners, word joiners, BOMs and soft hyphens sit inside words."""
    raw = "\ufeff삼성\u200b전자\u200c는 HBM\u200d4를 공\u2060급한다. in\u00adflation"
    assert tidy(raw) == "삼성전자는 HBM4를 공급한다. inflation"


def test_control_characters_and_tabs_become_single_spaces():
    raw = "The KOSPI\x07fell\x0b1.2%\tto\t\t2,410.5\x1b points\x7fon\x85Monday"
    assert tidy(raw) == "The KOSPI fell 1.2% to 2,410.5 points on Monday"


def test_spaces_collapse_and_lines_are_stripped_but_full_width_stays():
    """Ideographic and no-break spaces are spaces; the full-width digits and brackets are the
    article's own and stay as written (folding is for the models only)."""
    raw = "   「１３．４％増」\u3000\u3000と発表  \n\u00a0 By Kim Min-ji   \n  3.5%  "
    assert tidy(raw) == "「１３．４％増」 と発表\nBy Kim Min-ji\n3.5%"


def test_runs_of_blank_lines_become_one_blank_line_and_the_ends_are_trimmed():
    raw = "\n\n  \nHeadline: rates on hold\n\n\n \n\nThe Bank of Korea held rates at 3.5%.\n\n\n"
    assert tidy(raw) == "Headline: rates on hold\n\nThe Bank of Korea held rates at 3.5%."


def test_a_single_blank_line_is_kept_as_a_paragraph_break():
    assert tidy("첫 문단이다.\n\n둘째 문단이다.") == "첫 문단이다.\n\n둘째 문단이다."


def test_for_models_folds_width_and_ellipses():
    assert for_models("ＫＯＳＰＩ　２，４１０…「ｶﾀｶﾅ」") == "KOSPI 2,410...「カタカナ」"


# -- clean_text: furniture, per language or all of them ----------------------------------------------------

PAGE = (
    "date 2026-01-13 Chip exports hit record\n"
    "By Jane Doe\n"
    "홍길동 기자 hong@example.co.kr\n"
    "聞き手・中村一郎\n"
    "Chip exports rose 21.4% to $1,200 million, the ministry said.\n"
    "\n"
    "\n"
    "Sign up for our daily briefing\n"
    "\n"
    "“Demand is strong,” an official said…"
)


def test_without_a_language_the_furniture_of_every_language_goes():
    """Before detection the language is unknown: English, Korean and Japanese rules all apply, and the
    scraper's date stamp goes while its headline stays."""
    assert clean_text(PAGE) == (
        "Chip exports hit record\n"
        "Chip exports rose 21.4% to $1,200 million, the ministry said.\n"
        "\n"
        "“Demand is strong,” an official said…"
    )


def test_with_a_language_only_its_own_furniture_goes():
    assert clean_text(PAGE, "en") == (
        "Chip exports hit record\n"
        "홍길동 기자 hong@example.co.kr\n"
        "聞き手・中村一郎\n"
        "Chip exports rose 21.4% to $1,200 million, the ministry said.\n"
        "\n"
        "“Demand is strong,” an official said…"
    )
    assert clean_text(PAGE, "ko").splitlines()[1:3] == ["By Jane Doe", "聞き手・中村一郎"]
    assert clean_text(PAGE, "ja").splitlines()[1:3] == ["By Jane Doe", "홍길동 기자 hong@example.co.kr"]


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("By Jane Doe", "en"),
        ("Reporting by Jane Doe; Editing by John Smith", "en"),
        ("홍길동 기자 hong@example.co.kr", "ko"),
        ("공유하기", "ko"),
        ("聞き手・中村一郎", "ja"),
        ("※本記事は機械翻訳されています", "ja"),
    ],
)
def test_each_languages_furniture_goes_when_no_language_is_given(line, language):
    body = "정부는 15일 반도체 지원책을 발표했다."
    assert clean_text(f"{line}\n{body}") == body
    assert clean_text(f"{line}\n{body}", language) == body


def test_date_stamp_goes_on_every_line_whatever_its_case():
    text = "DATE 2026-01-13 코스피 2,500 회복\nDate 2026-01-14 환율 1,450원 돌파"
    assert clean_text(text) == "코스피 2,500 회복\n환율 1,450원 돌파"


def test_a_blank_line_stays_between_paragraphs_when_furniture_goes():
    text = "韓国株が反発した。\n\n※本記事は機械翻訳されています\n\n円相場は157円20銭だった。"
    assert clean_text(text) == "韓国株が反発した。\n\n円相場は157円20銭だった。"


# -- what clean_text refuses, with its exact message -----------------------------------------------------


def test_only_furniture_is_empty():
    with pytest.raises(EmptyInput) as info:
        clean_text("By Jane Doe\n\nⓒ 연합뉴스 무단전재 및 재배포 금지")
    assert str(info.value) == "The text is empty: paste an article or upload a file"


def test_numbers_only_have_no_letters():
    with pytest.raises(EmptyInput) as info:
        clean_text("3.5%  1,200\n２０２６．０１．１３")
    assert str(info.value) == "The text has no letters (only numbers, symbols or emoji): nothing to summarise"


def test_a_non_string_names_its_type():
    with pytest.raises(EmptyInput) as info:
        clean_text(["Seoul shares rose."])  # type: ignore[arg-type]
    assert str(info.value) == "Expected text (str), got list"


def test_one_letter_among_numbers_is_enough():
    assert clean_text("  2,410.5 (▲3.5%) 円  ") == "2,410.5 (▲3.5%) 円"


def test_a_removed_byline_leaves_no_blank_line_at_the_top():
    assert clean_text("By Jane Doe\n\nThe won fell 1.2% to 1,450 per dollar.") == (
        "The won fell 1.2% to 1,450 per dollar."
    )
