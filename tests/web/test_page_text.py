"""The page's wording and downloads without a browser (issue 16): warnings in words and grouped,
model names without server paths, escaped HTML pieces, download names and the DOCX table."""

from __future__ import annotations

from docx import Document

from service.result import Result, Segment
from service.text.quality import QualityFlag
from service.web.page_downloads import download_stem, write_docx
from service.web.page_text import (
    SHOWN_PER_KIND,
    article_html,
    error_html,
    flagged_rows,
    grouped_warnings,
    row_marker,
    where,
)
from service.web.public import model_name

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def make(quality=None, article=None, segments=None) -> Result:
    return Result(
        source_language="ko",
        language_probability=0.99,
        detection_method="script",
        summary="The city doubles its night buses.",
        translations={"ko": "시가 심야버스를 두 배로 늘린다.", "ja": "市は深夜バスを倍増する。"},
        segments=segments
        or [Segment(en="The city doubles its night buses.", ko="가.", ja="直。", paragraph=0)],
        models={
            "summarise": "/srv/models/bart-large-cnn",
            "ko-en": "Helsinki-NLP/opus-mt-ko-en",
            "fake": "en-ko",
        },
        timings={"total": 1.0},
        mode="article" if article else "summary",
        length="short",
        summary_chunks=1,
        article=article,
        quality=quality or [],
    )


def test_fields_are_said_in_words():
    assert where("summary") == "English summary"
    assert where("translations.ja") == "Japanese translation"
    assert where("article.ko[3]") == "Korean article, paragraph 4"
    assert where("segments[2].ja") == "sentence 3, Japanese"


def test_warnings_are_grouped_by_kind_and_long_groups_counted():
    flags = [
        QualityFlag(f"article.ja[{i}]", "untranslated", f"Paragraph {i} looks untranslated.")
        for i in range(SHOWN_PER_KIND + 3)
    ]
    flags.append(QualityFlag("summary", "repetition", "The summary repeats itself."))
    text = grouped_warnings(make(quality=flags))
    assert text.splitlines()[0] == f"Possibly left untranslated ({SHOWN_PER_KIND + 3}):"
    assert "Japanese article, paragraph 1: Paragraph 0 looks untranslated." in text
    assert "… and 3 more, marked ⚠ in the sentence table." in text
    assert "Repeated words (the model may have looped) (1):" in text
    assert "article.ja[" not in text and "⚠ summary:" not in text
    assert grouped_warnings(make()) == "No quality warnings."


def test_flags_are_marked_on_the_rows_they_concern():
    segments = [Segment(en=f"S{i}.", ko="가.", ja="あ。", paragraph=i // 2) for i in range(4)]
    flags = [
        QualityFlag("article.ko[1]", "too_long", "m"),
        QualityFlag("segments[0].ja", "glossary", "m"),
        QualityFlag("summary", "empty", "m"),
    ]
    marks = flagged_rows(make(quality=flags, segments=segments))
    assert marks == {2: ["too_long"], 3: ["too_long"], 0: ["glossary"]}
    assert row_marker(3, marks[2]) == "3 ⚠ long" and row_marker(2, []) == "2"


def test_model_names_never_show_where_models_live():
    assert model_name("/srv/models/bart-large-cnn") == "bart-large-cnn"
    assert model_name("./tiny/marian-ko-en") == "marian-ko-en"
    assert model_name("C:\\models\\opus") == "opus"
    assert model_name("Helsinki-NLP/opus-mt-ko-en") == "Helsinki-NLP/opus-mt-ko-en"  # a hub id, not a path
    assert model_name("en-ko") == "en-ko"


def test_html_pieces_escape_every_text():
    assert "<script>" not in error_html("Unreadable <b>", XSS) and "&lt;script&gt;" in error_html("t", XSS)
    article = {"en": [XSS], "ko": ["가."], "ja": ["あ。"]}
    html = article_html(make(article=article, segments=[Segment(en=XSS, ko="가.", ja="あ。", paragraph=0)]))
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'lang="ja"' in html and 'data-s="0"' in html


def test_downloads_are_named_after_the_input():
    result = make()
    assert download_stem({"kind": "file", "name": "snow report.docx"}, result) == "snow-report"
    assert download_stem({"kind": "file", "name": "../../서울 뉴스.pdf"}, result) == "서울-뉴스"
    assert (
        download_stem({"kind": "url", "final_url": "https://n.example/a/tram-line.html?x=1"}, result)
        == "tram-line"
    )
    assert download_stem({"kind": "text"}, result) == "article-ko"


def test_docx_has_a_three_language_table_tagged_by_language(tmp_path):
    path = write_docx(make(), tmp_path / "r.docx")
    table = Document(str(path)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["English", "한국어", "日本語"]
    assert [c.text for c in table.rows[1].cells] == ["The city doubles its night buses.", "가.", "直。"]
    ja_run = table.rows[1].cells[2].paragraphs[0].runs[0]._element
    assert 'w:eastAsia="ja-JP"' in ja_run.xml
