"""Issue 10 end to end: sentence splitting on news typography, detection of short Japanese and of
non-text, and what the pipeline does with headline, furniture and contradicting overrides."""

from __future__ import annotations

import json

import pytest

from service.engines.base import Job
from service.engines.extractive import ExtractiveEngine
from service.errors import InputError, UnsupportedLanguage
from service.text.clean import for_models
from service.text.detect import detect_language, override_warning
from service.text.segment import split_sentences

# -- splitting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ('그는 "정말 괜찮겠습니까?"라며 "다시 보자"고 말했다.', "ko", 1),
        ("증시 3% 급락…외국인 매도세", "ko", 1),
        ('그는 "글쎄요…"라며 웃었다.', "ko", 1),
        ('시장은 "…"라고 밝혔다. 코스피는 2,120.08로 3.5% 내렸다.', "ko", 2),
        ('위원회는 "판단했습니다.다만 고려하겠습니다"라고 밝혔다.', "ko", 1),  # glued stop inside a quote
        ('The minister said, "We will act." "That is final," he added.', "en", 2),
        ("Mr. Lee of the U.S. unit, the No. 1 seller, said sales rose 3.5% on Jan. 13.", "en", 1),
        ('"Is this the biggest crowd?" asked the mayor. "I believe it is."', "en", 2),
        ("前年比１３．４％増だった。半導体は２６．３％増えた。", "ja", 2),
        ("山田首相は「関係を深めたい。協力を広げる。」と述べた。金大統領も応じた。", "ja", 2),
        ("円相場は1ドル＝157円20〜22銭だった。", "ja", 1),
    ],
)
def test_news_sentences(text, language, expected):
    sentences = split_sentences(text, language)
    assert len(sentences) == expected, sentences
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")  # nothing rewritten


def test_full_stop_without_space_is_a_boundary():
    assert split_sentences("위원회는 결론을 발표했다.15일에는 회의가 열린다.", "ko") == [
        "위원회는 결론을 발표했다.",
        "15일에는 회의가 열린다.",
    ]


def test_models_get_folded_text_readers_get_it_as_written():
    sentence = "日経平均（225種）：3万8,120円…"
    assert split_sentences(sentence, "ja") == [sentence]
    assert for_models(sentence) == "日経平均(225種):3万8,120円..."


# -- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "高市首相、李大統領と会談",
        "日韓首脳会談 奈良で開催",
        "日韓首脳会談",
        "iPhone 17 Proの販売が好調",
        "与党税調 関東大雪対策",  # kanji only: 関 is a Japanese form, 与 is written in both
    ],
)
def test_short_japanese_headlines_are_japanese(text):
    detection = detect_language(text)
    assert detection.language == "ja"
    assert detection.probability >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "中国外交部发言人表示",
        "中國外交部發言人表示",
        "国务院总理在北京会见了来访的外国代表团",
        "中美关系与区域安全",
    ],
)
def test_chinese_is_still_refused(text):
    with pytest.raises(UnsupportedLanguage, match="Chinese"):
        detect_language(text)


@pytest.mark.parametrize(
    "text",
    [
        "def summarise(text):\n    words = text.split()\n    return words[:10]\n",
        "import numpy as np\nx = np.zeros((3, 3))\nprint(x)",
        "https://example.com/news/1\nhttps://example.com/news/2\nwww.example.org/a",
        "<div class='a'>\n<span>{{ title }}</span>\n</div>",
    ],
)
def test_code_and_links_are_not_natural_language(text):
    with pytest.raises(UnsupportedLanguage, match="No natural-language text"):
        detect_language(text)


def test_override_warning_names_the_contradiction():
    assert "Korean script" in override_warning("정부는 새 정책을 발표했다.", "en")
    assert "no Hangul" in override_warning("The government announced a new policy.", "ko")
    assert override_warning("정부는 새 정책을 발표했다.", "ko") is None


# -- the extractive summariser -------------------------------------------------------------------------


def test_extractive_never_picks_furniture_and_prefers_full_sentences():
    text = (
        "Seoul unveils budget\n\n"
        "A worker inspects the new budget papers in Seoul, Jan. 13, 2026. /Courtesy of the ministry\n\n"
        "The government unveiled a record budget on Tuesday. Spending on welfare will rise 8%. "
        "The budget must still pass parliament.\n\n"
        "Reporting by Jane Doe; Editing by John Smith"
    )
    summary = ExtractiveEngine().generate([text], Job("summarise", sentences=3))[0]
    assert summary == (
        "The government unveiled a record budget on Tuesday. Spending on welfare will rise 8%. "
        "The budget must still pass parliament."
    )


# -- the pipeline ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(tiny_models):
    """A pipeline of this module's own: its translation cache must not leak into other modules' runs
    (random tiny models give batch-dependent output, so a shared cache makes their results depend on
    test order)."""
    from service import Pipeline

    return Pipeline(models=tiny_models)


PAGE = (
    "증시 3% 급락…외국인 매도세\n"
    "기사입력 2026.01.13 14:05 | 최종수정 2026.01.13 15:20\n"
    "코스피가 13일 3.2% 내린 2,120.08에 장을 마쳤다.\n"
    '한 연구원은 "변동성이 커질 수 있다"며 "분할 매수가 낫다"고 말했다.\n'
    "홍길동 기자 hong@example.co.kr\n"
    "ⓒ 연합뉴스"
)


def test_pipeline_article_mode_headline_first_and_furniture_listed(pipeline):
    result = pipeline.run(PAGE, mode="article", length="short")
    assert result.title == "증시 3% 급락…외국인 매도세"
    assert result.article["ko"][0] == result.title  # the headline row, as written
    assert [s.paragraph for s in result.segments] == [0, 1, 2]
    assert result.article["ko"][1:] == [
        "코스피가 13일 3.2% 내린 2,120.08에 장을 마쳤다.",
        '한 연구원은 "변동성이 커질 수 있다"며 "분할 매수가 낫다"고 말했다.',
    ]
    assert [r["reason"] for r in result.removed] == ["date", "byline", "copyright"]
    data = result.to_dict()
    assert data["title"] == result.title and data["removed"] == result.removed
    markdown = result.to_markdown()
    assert (
        "## Removed from the article" in markdown and "hong@example\\.co\\.kr" not in markdown.split("##")[0]
    )


def test_pipeline_keep_all(pipeline):
    result = pipeline.run(PAGE, mode="article", length="short", clean=False)
    assert result.removed == [] and result.title is None
    assert len(result.article["ko"]) == 6


def test_pipeline_summary_mode_has_title_but_no_headline_row(pipeline):
    result = pipeline.run(PAGE, length="short")
    assert result.title == "증시 3% 급락…외국인 매도세"
    assert result.article is None


def test_pipeline_warns_when_the_given_language_contradicts_the_script(pipeline):
    result = pipeline.run(PAGE, length="short", source_language="en")
    assert any("Korean script" in w for w in result.warnings)
    assert not any("script" in w for w in pipeline.run(PAGE, length="short").warnings)


def test_summarise_refuses_korean(pipeline):
    with pytest.raises(InputError, match="takes English text"):
        pipeline.summarise(PAGE)


def test_clean_option_must_be_a_boolean(pipeline):
    with pytest.raises(InputError, match="clean must be true or false"):
        pipeline.run(PAGE, clean="no")


def test_html_headline_reaches_the_result_title(pipeline):
    from service.documents import read_document

    body = "".join(
        f"<p>Paragraph {i}: the trade ministry said chip exports rose 21.4% in January, the third "
        f"monthly gain in a row, as memory prices climbed.</p>"
        for i in range(1, 4)
    )
    html = (
        "<html><head><title>Chip exports hit record | The Seoul Ledger</title>"
        '<meta property="og:title" content="Chip exports hit record"></head>'
        "<body><nav>Home | World</nav><div class='headline'><h1>Chip exports hit record</h1></div>"
        f"<article>{body}</article></body></html>"
    )
    # The headline sits outside <article>, as on most news sites: trafilatura's body text leaves it out.
    text = read_document(html.encode(), name="page.html").text
    assert text.startswith("Chip exports hit record\n")
    result = pipeline.run(text, mode="article", length="short")
    assert result.title == "Chip exports hit record"
    assert result.segments[0].en == "Chip exports hit record"


def test_cli_keep_all(tiny_models, tmp_path, capsys):
    from service.cli import main

    article = tmp_path / "page.txt"
    article.write_text(PAGE, encoding="utf-8")
    base = [
        "run",
        str(article),
        "--models",
        str(tiny_models),
        "--json",
        "--length",
        "short",
        "--mode",
        "article",
    ]
    assert main(base) == 0
    cleaned = json.loads(capsys.readouterr().out)
    assert cleaned["title"] == "증시 3% 급락…외국인 매도세"
    assert [r["reason"] for r in cleaned["removed"]] == ["date", "byline", "copyright"]
    assert main([*base, "--keep-all"]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept["removed"] == [] and kept["title"] is None
    assert len(kept["article"]["ko"]) == 6


def test_markdown_and_docx_headlines_become_the_title():
    import io

    import docx

    from service.documents import read_document
    from service.text.article import prepare

    markdown = "# 증시 3% 급락…외국인 매도세\n\n홍길동 기자 hong@example.co.kr\n\n코스피가 3.2% 내렸다.\n"
    prepared = prepare(read_document(markdown.encode(), name="page.md").text, "ko")
    assert prepared.title == "증시 3% 급락…외국인 매도세"
    assert prepared.sentences == ["코스피가 3.2% 내렸다."]
    document = docx.Document()
    document.add_heading("日韓首脳会談 奈良で開催", 1)
    document.add_paragraph("山田首相は13日、金大統領と会談した。両首脳は協力を確認した。")
    buffer = io.BytesIO()
    document.save(buffer)
    prepared = prepare(read_document(buffer.getvalue(), name="page.docx").text, "ja")
    assert prepared.title == "日韓首脳会談 奈良で開催"
    assert prepared.sentences == ["山田首相は13日、金大統領と会談した。", "両首脳は協力を確認した。"]


@pytest.mark.parametrize("language", ["en", "ja", "ko"])
def test_splitting_never_loses_or_rewrites_a_character(language):
    import random

    rng = random.Random(1)
    # Punctuation soup: without the span check pysbd loses characters on 7 of these 3,000 (en, ja).
    alphabet = (
        list("abc ABC.!?\"'()…。、「」？！１２．%$-:;")
        + [" "] * 5
        + (["가", "다"] if language == "ko" else [])
    )
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        joined = "".join(split_sentences(text, language))
        assert joined.replace(" ", "") == text.replace(" ", ""), text


def test_extractive_prefers_sentences_with_a_predicate_and_fills_up_with_fragments():
    text = (
        "- budget spending budget welfare\n\n"
        "- budget budget spending\n\n"
        "The parliament approved the budget on Friday. Welfare spending will rise 8% next year. "
        "Opposition lawmakers walked out of the budget vote."
    )
    engine = ExtractiveEngine()
    two = engine.generate([text], Job("summarise", sentences=2))[0]
    assert not two.startswith("-") and two.count(".") == 2
    five = engine.generate([text], Job("summarise", sentences=5))[0]
    assert five.startswith("- budget spending budget welfare")  # fragments only fill up, in article order
    assert five.endswith("Opposition lawmakers walked out of the budget vote.")
