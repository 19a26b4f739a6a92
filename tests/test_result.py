"""`Result` as users read it: JSON, Markdown and terminal text, checked exactly on a hand-made result.

No models: the result is built by hand, so every line of the three renderings can be asserted, and a
field that goes missing or lands under the wrong heading fails here.
"""

from __future__ import annotations

import json

from service.result import Result, Segment, escape_markdown
from service.text.quality import QualityFlag


def make_result(**changes) -> Result:
    values = dict(
        source_language="ja",
        language_probability=0.987654,
        detection_method="script",
        mode="article",
        length="short",
        summary="Snow [closed] *roads*.",
        translations={"ko": "눈으로 도로가 막혔다.", "ja": "雪で道路が閉鎖された。"},
        segments=[
            Segment(
                en="Snow closed roads.", ko="눈으로 도로가 막혔다.", ja="雪で道路が閉鎖された。", paragraph=0
            ),
            Segment(en="Trains ran | late.", ko="열차가 늦었다.", ja="列車が遅れた。", paragraph=1),
        ],
        models={"summarise": "sum-model", "en-ko": "ko-model", "en-ja": "ja-model", "ja-en": "pivot-model"},
        timings={"clean": 0.000123456, "total": 1.23456789},
        summary_chunks=2,
        article={
            "en": ["Snow closed roads.", "Trains ran late."],
            "ko": ["눈.", "열차."],
            "ja": ["雪。", "列車。"],
        },
        quality=[QualityFlag("translations.ko", "too_short", "Too <short>.")],
        warnings=["Licence: non-commercial."],
    )
    values.update(changes)
    return Result(**values)


def test_to_dict_rounds_numbers_and_keeps_every_field():
    data = make_result().to_dict()
    assert data["language_probability"] == 0.9877
    assert data["timings"] == {"clean": 0.0001, "total": 1.2346}
    assert data["segments"][1] == {
        "en": "Trains ran | late.",
        "ko": "열차가 늦었다.",
        "ja": "列車が遅れた。",
        "paragraph": 1,
        "sources": [],
    }
    assert data["summary_chunks"] == 2 and data["warnings"] == ["Licence: non-commercial."]
    assert data["article"]["ja"] == ["雪。", "列車。"]


def test_to_json_keeps_korean_and_japanese_readable():
    text = make_result().to_json()
    assert "눈으로 도로가 막혔다." in text and "雪で道路が閉鎖された。" in text
    assert json.loads(text) == make_result().to_dict()
    assert "\n" not in make_result().to_json(indent=None)
    assert make_result().to_json().startswith('{\n  "source_language"')


def test_markdown_puts_each_language_under_its_heading_and_escapes_model_output():
    markdown = make_result().to_markdown()
    lines = markdown.splitlines()

    def after(heading: str) -> str:
        return lines[lines.index(heading) + 2]

    assert lines[0] == "# Summary and translations"
    assert "- Source language: ja (p=0.99)" in lines and "- Mode: article, length: short" in lines
    assert "- **Warning:** Licence: non-commercial." in lines  # e.g. the nllb set's licence
    assert after("## English") == r"Snow \[closed\] \*roads\*."
    assert after("## 한국어") == "눈으로 도로가 막혔다."
    assert after("## 日本語") == "雪で道路が閉鎖された。"
    table = lines.index("| # | English | 한국어 | 日本語 |")
    assert lines[table + 1] == "|---|---|---|---|"
    assert lines[table + 2] == "| 1 | Snow closed roads. | 눈으로 도로가 막혔다. | 雪で道路が閉鎖された。 |"
    assert lines[table + 3] == r"| 2 | Trains ran \\| late. | 열차가 늦었다. | 列車が遅れた。 |"
    assert after("## Article (English)") == "Snow closed roads."
    assert after("## 기사 (한국어)") == "눈."
    assert after("## 記事 (日本語)") == "雪。"
    assert after("## Quality warnings") == r"- translations.ko: Too \<short\>."
    models = lines.index("## Models")
    assert lines[models + 2 : models + 6] == [
        "- summarise: `sum-model`",
        "- en-ko: `ko-model`",
        "- en-ja: `ja-model`",
        "- ja-en: `pivot-model`",
    ]
    assert markdown.endswith("`pivot-model`\n")


def test_markdown_leaves_out_what_a_summary_run_does_not_have():
    markdown = make_result(article=None, quality=[], mode="summary").to_markdown()
    assert "## Article" not in markdown and "기사" not in markdown and "## Quality warnings" not in markdown


def test_terminal_text_names_every_part():
    lines = make_result().to_text().splitlines()
    assert lines[0] == "Source language: ja (p=0.99, script)"
    assert lines[1] == "Summary chunks: 2"
    assert lines[lines.index("== English summary ==") + 1] == "Snow [closed] *roads*."
    assert lines[lines.index("== 한국어 ==") + 1] == "눈으로 도로가 막혔다."
    assert lines[lines.index("== 日本語 ==") + 1] == "雪で道路が閉鎖された。"
    assert lines[lines.index("== Article (en) ==") + 1 : lines.index("== Article (en) ==") + 3] == [
        "Snow closed roads.",
        "Trains ran late.",
    ]
    assert lines[lines.index("== Article (ko) ==") + 1] == "눈."
    assert lines[lines.index("== Article (ja) ==") + 1] == "雪。"
    assert lines[lines.index("== Quality warnings ==") + 1] == "- translations.ko: Too <short>."
    assert "Warning: Licence: non-commercial." in lines
    assert "Models: summarise=sum-model, en-ko=ko-model, en-ja=ja-model, ja-en=pivot-model" in lines
    assert lines[-1] == "Timings: clean 0.00s, total 1.23s"


def test_terminal_text_without_article_quality_or_warnings():
    text = make_result(article=None, quality=[], warnings=[]).to_text()
    assert "== Article" not in text and "Quality warnings" not in text and "Warning:" not in text


def test_escape_markdown_escapes_what_makes_markup_and_nothing_else():
    special = "\\`*_[]<>|~"
    assert escape_markdown(special) == "".join("\\" + c for c in special)
    assert escape_markdown("plain 텍스트 1.5") == "plain 텍스트 1.5"
    # Parentheses and ! stay as written (no link can form without [ ]): no `\(` in a news sentence.
    assert escape_markdown("서울(연합뉴스) 'Wow!' (AP)") == "서울(연합뉴스) 'Wow!' (AP)"
    # Line-start marks that would make a heading or a list are escaped; elsewhere they stay.
    assert escape_markdown("# 1\n- two\n3. three\nA #1 + B - C") == "\\# 1\n\\- two\n3\\. three\nA #1 + B - C"


LINK = {
    "kind": "url",
    "url": "https://news.example/a",
    "final_url": "https://news.example/a?x=1",
    "content_type": "text/html",
    "title": "Snow [day]",
    "author": "Kim",
    "date": "2026-01-13",
    "site": "News",
    "format": "html",
    "encoding": "utf-8",
}
#: Every line of the Markdown download, blank lines included (reviewed by hand, not generated blindly).
MARKDOWN = (
    "# Summary and translations\n"
    "\n"
    "- Source language: ja (p=0.99)\n"
    "- Mode: article, length: short\n"
    "- Link: https://news.example/a?x=1\n"
    "- Title: Snow \\[day\\]\n"
    "- Author: Kim\n"
    "- Date: 2026-01-13\n"
    "\n"
    "## English\n"
    "\n"
    "Snow \\[closed\\] \\*roads\\*.\n"
    "\n"
    "## 한국어\n"
    "\n"
    "눈으로 도로가 막혔다.\n"
    "\n"
    "## 日本語\n"
    "\n"
    "雪で道路が閉鎖された。\n"
    "\n"
    "## Sentence by sentence\n"
    "\n"
    "| # | English | 한국어 | 日本語 |\n"
    "|---|---|---|---|\n"
    "| 1 | Snow closed roads. | 눈으로 도로가 막혔다. | 雪で道路が閉鎖された。 |\n"
    "| 2 | Trains ran \\\\| late. | 열차가 늦었다. | 列車が遅れた。 |\n"
    "\n"
    "## Article (English)\n"
    "\n"
    "Snow closed roads.\n"
    "\n"
    "Trains ran late.\n"
    "\n"
    "\n"
    "## 기사 (한국어)\n"
    "\n"
    "눈.\n"
    "\n"
    "열차.\n"
    "\n"
    "\n"
    "## 記事 (日本語)\n"
    "\n"
    "雪。\n"
    "\n"
    "列車。\n"
    "\n"
    "\n"
    "## Quality warnings\n"
    "\n"
    "- translations.ko: Too \\<short\\>.\n"
    "\n"
    "## Models\n"
    "\n"
    "- summarise: `sum-model`\n"
    "- en-ko: `ko-model`\n"
    "- en-ja: `ja-model`\n"
    "- ja-en: `pivot-model`\n"
)
TEXT = (
    "Source language: ja (p=0.99, script)\n"
    "Summary chunks: 2\n"
    "Link: https://news.example/a?x=1\n"
    "Title: Snow [day]\n"
    "Author: Kim\n"
    "Date: 2026-01-13\n"
    "\n"
    "== English summary ==\n"
    "Snow [closed] *roads*.\n"
    "\n"
    "== 한국어 ==\n"
    "눈으로 도로가 막혔다.\n"
    "\n"
    "== 日本語 ==\n"
    "雪で道路が閉鎖された。\n"
    "\n"
    "== Article (en) ==\n"
    "Snow closed roads.\n"
    "Trains ran late.\n"
    "\n"
    "== Article (ko) ==\n"
    "눈.\n"
    "열차.\n"
    "\n"
    "== Article (ja) ==\n"
    "雪。\n"
    "列車。\n"
    "\n"
    "== Quality warnings ==\n"
    "- translations.ko: Too <short>.\n"
    "\n"
    "Warning: Licence: non-commercial.\n"
    "\n"
    "Models: summarise=sum-model, en-ko=ko-model, en-ja=ja-model, ja-en=pivot-model\n"
    "Timings: clean 0.00s, total 1.23s"
)


def test_the_whole_markdown_document_line_by_line():
    assert make_result(source=LINK, warnings=[]).to_markdown() == MARKDOWN


def test_the_whole_terminal_text_line_by_line():
    assert make_result(source=LINK).to_text() == TEXT


def test_a_link_without_final_url_title_author_or_date_shows_what_there_is():
    bare = {**LINK, "final_url": "", "title": None, "author": None, "date": None}
    text = make_result(source=bare).to_text().splitlines()
    assert text[2:4] == ["Link: https://news.example/a", ""]
    markdown = make_result(source=bare, warnings=[]).to_markdown().splitlines()
    assert markdown[4:6] == ["- Link: https://news.example/a", ""]


def test_headline_and_removed_lines_are_shown_escaped_where_markup_could_run():
    result = make_result(
        title="Heavy *snow* in Niigata",
        removed=[
            {"text": "Share on X", "reason": "share button"},
            {"text": "Photo: <Kim>", "reason": "caption"},
        ],
        article=None,
        quality=[],
        warnings=[],
        models={},
    )
    markdown = result.to_markdown()
    assert markdown.startswith(
        "# Summary and translations\n\n**Heavy \\*snow\\* in Niigata**\n\n- Source language"
    )
    assert markdown.endswith(
        "\n\n## Removed from the article\n\n- share button: Share on X\n- caption: Photo: \\<Kim\\>\n\n## Models\n"
    )
    text = result.to_text()
    assert text.startswith(
        "Source language: ja (p=0.99, script)\nSummary chunks: 2\nTitle: Heavy *snow* in Niigata\n\n"
    )
    assert (
        "\n\n== Removed from the article (2 lines) ==\n- share button: Share on X\n- caption: Photo: <Kim>\n\n"
        in text
    )
