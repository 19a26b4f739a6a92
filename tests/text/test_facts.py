"""Unsupported numbers and names: every planted one found, none flagged where the article has it."""

from __future__ import annotations

import pytest

from service.text.facts import numbers, unsupported
from service.text.glossary import parse_glossary
from tests.conftest import ARTICLE_EN

GLOSSARY = parse_glossary("en,ko,ja\nLee Jae-myung,이재명,李在明\nPark Ji-sung,박지성,朴智星\n")

SUPPORTED_EN = [
    "The council approved a 1.2 billion dollar tram line on Tuesday.",
    "It will cost 1,200 million dollars and open by 2030.",
    "Mayor Kim's plan helps more than 200,000 residents; the first section may open in 2028.",
    "Critics preferred buses. Residents can comment in February.",
    "Published 13 Jan. 2026.",
]


@pytest.mark.parametrize("summary", SUPPORTED_EN)
def test_nothing_is_flagged_where_the_article_has_it(summary):
    assert unsupported(summary, ARTICLE_EN, output_language="en", source_language="en") == []


def test_every_planted_number_and_name_is_found():
    planted = (
        "The council approved 1.3 billion dollars, 3.5% more than planned. "
        "President Park Ji-sung said the line serves 250,000 residents. "
        "Officials in Busan agreed the line opens in 2029, Mayor Kim's aide told Reuters."
    )
    assert unsupported(planted, ARTICLE_EN, output_language="en", source_language="en") == [
        "1.3 billion",
        "3.5%",
        "250,000",
        "2029",
        "Park Ji-sung",
        "Busan",
        "Reuters",
    ]


def test_numbers_are_normalised():
    values = [
        value
        for _, value, _ in numbers("1,200 / 1200 / １２００ / 3.5% / 3.5 percent / 3.5 per cent / ３．５％")
    ]
    assert values == [("1200", False)] * 3 + [("3.5", True)] * 4
    assert unsupported("3.5 percent", "rose 3.5%", output_language="en", source_language="en") == []
    assert unsupported("3.5%", "rose 3.5 points", output_language="en", source_language="en") == ["3.5%"]
    assert (
        unsupported(
            "12억 달러, 20만 명",
            "1.2 billion dollars for 200,000 people",
            output_language="ko",
            source_language="en",
        )
        == []
    )
    assert unsupported(
        "12億ドル、３０万人",
        "1.2 billion dollars for 200,000 people",
        output_language="ja",
        source_language="en",
    ) == ["30万"]
    # an amount written in parts is one number
    assert (
        unsupported(
            "관객 2만5000명, 예산 1조 2000억 원",
            "25,000 people, 1.2 trillion won",
            output_language="ko",
            source_language="en",
        )
        == []
    )
    assert unsupported("25,000 people", "관객 2만5천명", output_language="en", source_language="ko") == []
    assert unsupported("관객 2만6000명", "25,000 people", output_language="ko", source_language="en") == [
        "2만6000"
    ]


def test_titles_and_possessives_are_tolerated():
    source = "Lee Jae-myung's government said on Monday that Kim Min-ji would lead."
    ok = "President Lee Jae-myung said Ms Kim Min-ji's team would lead. Mr Lee agreed."
    assert unsupported(ok, source, output_language="en", source_language="en") == []


def test_glossary_terms_in_a_translation_need_their_source_form():
    source = "Lee Jae-myung met the press on Monday."
    assert (
        unsupported(
            "이재명이 월요일 기자들을 만났다.",
            source,
            output_language="ko",
            source_language="en",
            glossary=GLOSSARY,
        )
        == []
    )
    assert unsupported(
        "박지성이 월요일 기자들을 만났다.",
        source,
        output_language="ko",
        source_language="en",
        glossary=GLOSSARY,
    ) == ["박지성"]


def test_the_shipped_references_are_not_flagged():
    """Faithful human references (evaluation/data): one known miss, `1년 전` for "a year ago"."""
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "evaluation" / "data"
    flagged = {}
    for name in ("summarise-en", "en-ko", "en-ja", "ko-en", "ja-en"):
        source_language, output_language = ("en", "en") if name == "summarise-en" else name.split("-")
        for line in (data / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            found = unsupported(
                item["reference"],
                item["source"],
                output_language=output_language,
                source_language=source_language,
            )
            if found:
                flagged[item["id"]] = found
    assert flagged == {"en-ko-032": ["1"]}


def test_kanji_numerals_and_korean_number_words_support_figures():
    japanese = "三人が二十五日に三百万円を寄付した。二〇二六年の計画だ。"
    english = "3 people gave 3 million yen on the 25th for the 2026 plan."
    assert unsupported(english, japanese, output_language="en", source_language="ja") == []
    assert unsupported(
        "4 people gave 3 million yen.", japanese, output_language="en", source_language="ja"
    ) == ["4"]
    korean = "세 명이 두 도시를 방문했다."
    assert unsupported("3 people visited 2 cities.", korean, output_language="en", source_language="ko") == []
    assert unsupported("5 people visited 2 cities.", korean, output_language="en", source_language="ko") == [
        "5"
    ]
