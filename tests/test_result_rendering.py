"""Sources, glossary and edge cases of the three renderings, checked line by line (issue 18).

`test_result.py` covers a run without sources or a glossary; here a summary run has both, in every
arrangement a reader can meet: a sentence with two sources, one with none between two that have
some, a term applied in two rows, two terms. Every line of the Markdown download and the terminal
text is written out by hand, so a marker numbered from the wrong row, a source counted from 0, a
score with the wrong precision or a glossary row on the wrong line fails here.
"""

from __future__ import annotations

import json

from service.result import Result, Segment
from service.text.quality import QualityFlag

#: Article sentences that support the summary (service.text.sources): indices count from 0.
STORM = {"paragraph": 0, "sentence": 2, "score": 0.8125, "text": "폭설로 [속보] 도로가 *막혔다*."}
TRAINS = {"paragraph": 3, "sentence": 0, "score": 0.5, "text": "열차가 <지연>됐다."}
SCHOOLS = {"paragraph": 1, "sentence": 4, "score": 1.0, "text": "학교는 문을 닫았다_오늘."}


def make(**changes) -> Result:
    values = dict(
        source_language="ko",
        language_probability=0.96,
        detection_method="script",
        mode="summary",
        length="short",
        summary="Snow closed roads. Officials met. Schools shut.",
        translations={"ko": "폭설. 회의. 휴교.", "ja": "大雪。会議。休校。"},
        segments=[
            Segment(en="Snow closed roads.", ko="폭설.", ja="大雪。", sources=[STORM, TRAINS]),
            Segment(en="Officials met.", ko="회의.", ja="会議。"),
            Segment(en="Schools shut.", ko="휴교.", ja="休校。", sources=[SCHOOLS]),
        ],
        models={"summarise": "sum-model"},
        timings={"total": 2.5},
        glossary=[
            {"term": "Lee *Jae-myung*", "language": "ja", "form": "李在明_", "segments": [0, 2]},
            {"term": "Seoul", "language": "ko", "form": "<서울>", "segments": [1]},
        ],
    )
    values.update(changes)
    return Result(**values)


#: Every line of the Markdown download of `make()` (written by hand, not generated).
MARKDOWN = (
    "# Summary and translations\n"
    "\n"
    "- Source language: ko (p=0.96)\n"
    "- Mode: summary, length: short\n"
    "\n"
    "## English\n"
    "\n"
    "Snow closed roads. Officials met. Schools shut.\n"
    "\n"
    "## 한국어\n"
    "\n"
    "폭설. 회의. 휴교.\n"
    "\n"
    "## 日本語\n"
    "\n"
    "大雪。会議。休校。\n"
    "\n"
    "## Sentence by sentence\n"
    "\n"
    "| # | English | 한국어 | 日本語 |\n"
    "|---|---|---|---|\n"
    "| 1 | Snow closed roads.[^1-1][^1-2] | 폭설. | 大雪。 |\n"
    "| 2 | Officials met. | 회의. | 会議。 |\n"
    "| 3 | Schools shut.[^3-1] | 휴교. | 休校。 |\n"
    "\n"
    "[^1-1]: Article paragraph 1, sentence 3 (score 0.81): 폭설로 \\[속보\\] 도로가 \\*막혔다\\*.\n"
    "[^1-2]: Article paragraph 4, sentence 1 (score 0.50): 열차가 \\<지연\\>됐다.\n"
    "[^3-1]: Article paragraph 2, sentence 5 (score 1.00): 학교는 문을 닫았다\\_오늘.\n"
    "\n"
    "## Glossary applied\n"
    "\n"
    "- Lee \\*Jae-myung\\* → 李在明\\_ (ja): row 1, row 3\n"
    "- Seoul → \\<서울\\> (ko): row 2\n"
    "\n"
    "## Models\n"
    "\n"
    "- summarise: `sum-model`\n"
)

#: Every line of the terminal text of `make()`: sources and terms unescaped (no markup in a terminal).
TEXT = (
    "Source language: ko (p=0.96, script)\n"
    "Summary chunks: 1\n"
    "\n"
    "== English summary ==\n"
    "Snow closed roads. Officials met. Schools shut.\n"
    "Sources: 1 ← ¶1.3 (0.81), ¶4.1 (0.50); 3 ← ¶2.5 (1.00)\n"
    "Glossary: Lee *Jae-myung* → 李在明_ (ja); Seoul → <서울> (ko)\n"
    "\n"
    "== 한국어 ==\n"
    "폭설. 회의. 휴교.\n"
    "\n"
    "== 日本語 ==\n"
    "大雪。会議。休校。\n"
    "\n"
    "Models: summarise=sum-model\n"
    "Timings: total 2.50s"
)


def test_the_whole_markdown_with_sources_and_glossary():
    assert make().to_markdown() == MARKDOWN


def test_the_whole_terminal_text_with_sources_and_glossary():
    assert make().to_text() == TEXT


def test_sources_and_glossary_survive_json():
    data = json.loads(make().to_json())
    assert data["segments"][0]["sources"] == [STORM, TRAINS]
    assert data["segments"][1]["sources"] == []
    assert data["segments"][2]["sources"] == [SCHOOLS]
    assert data["glossary"][0] == {
        "term": "Lee *Jae-myung*",
        "language": "ja",
        "form": "李在明_",
        "segments": [0, 2],
    }


def test_without_sources_there_are_no_markers_footnotes_or_sources_line():
    bare = [Segment(en=s.en, ko=s.ko, ja=s.ja) for s in make().segments]
    markdown = make(segments=bare).to_markdown()
    assert "[^" not in markdown
    lines = markdown.splitlines()
    table = lines.index("|---|---|---|---|")
    # The table is followed by one blank line and the glossary, not by an empty footnote block.
    assert lines[table + 4 : table + 7] == ["", "## Glossary applied", ""]
    text = make(segments=bare).to_text().splitlines()
    summary = text.index("== English summary ==")
    assert text[summary + 1 : summary + 4] == [
        "Snow closed roads. Officials met. Schools shut.",
        "Glossary: Lee *Jae-myung* → 李在明_ (ja); Seoul → <서울> (ko)",
        "",
    ]
    assert not any(line.startswith("Sources:") for line in text)


def test_without_a_glossary_there_is_no_glossary_section_or_line():
    markdown = make(glossary=[]).to_markdown()
    assert "Glossary" not in markdown and "→" not in markdown
    assert markdown.endswith(
        "[^3-1]: Article paragraph 2, sentence 5 (score 1.00): 학교는 문을 닫았다\\_오늘.\n"
        "\n"
        "## Models\n"
        "\n"
        "- summarise: `sum-model`\n"
    )
    text = make(glossary=[]).to_text().splitlines()
    summary = text.index("== English summary ==")
    assert text[summary + 2 : summary + 4] == ["Sources: 1 ← ¶1.3 (0.81), ¶4.1 (0.50); 3 ← ¶2.5 (1.00)", ""]
    assert not any(line.startswith("Glossary:") for line in text)


def test_neither_sources_nor_glossary_leaves_the_summary_alone():
    bare = [Segment(en=s.en, ko=s.ko, ja=s.ja) for s in make().segments]
    result = make(segments=bare, glossary=[])
    text = result.to_text().splitlines()
    summary = text.index("== English summary ==")
    assert text[summary + 1 : summary + 4] == [
        "Snow closed roads. Officials met. Schools shut.",
        "",
        "== 한국어 ==",
    ]
    markdown = result.to_markdown()
    assert "| 3 | Schools shut. | 휴교. | 休校。 |\n\n## Models\n" in markdown


def test_one_source_on_a_later_row_is_numbered_by_that_row():
    only_second = [
        Segment(en="Snow closed roads.", ko="폭설.", ja="大雪。"),
        Segment(en="Officials met.", ko="회의.", ja="会議。", sources=[TRAINS]),
    ]
    result = make(segments=only_second, glossary=[])
    lines = result.to_markdown().splitlines()
    assert "| 1 | Snow closed roads. | 폭설. | 大雪。 |" in lines
    assert "| 2 | Officials met.[^2-1] | 회의. | 会議。 |" in lines
    assert "[^2-1]: Article paragraph 4, sentence 1 (score 0.50): 열차가 \\<지연\\>됐다." in lines
    assert "Sources: 2 ← ¶4.1 (0.50)" in result.to_text().splitlines()


def test_a_term_applied_nowhere_lists_no_rows():
    result = make(glossary=[{"term": "Busan", "language": "ko", "form": "부산", "segments": []}])
    assert "\n- Busan → 부산 (ko): \n" in result.to_markdown()
    assert "Glossary: Busan → 부산 (ko)" in result.to_text().splitlines()


def test_a_missing_target_or_article_language_renders_empty_not_none():
    """`translations` and `article` are read with defaults: a result lacking a language (built by
    hand, or by a caller that dropped one) shows an empty section, never "None" and never a crash."""
    result = make(
        translations={},
        mode="article",
        article={"en": ["Snow closed roads."]},
        segments=[Segment(en="Snow closed roads.", ko="폭설.", ja="大雪。")],
        glossary=[],
    )
    markdown = result.to_markdown()
    assert "## 한국어\n\n\n\n## 日本語\n\n\n\n## Sentence by sentence\n" in markdown
    assert (
        "## Article (English)\n\nSnow closed roads.\n\n\n## 기사 (한국어)\n\n\n## 記事 (日本語)\n\n\n## Models"
        in markdown
    )
    text = result.to_text()
    assert "== 한국어 ==\n\n\n== 日本語 ==\n\n\n== Article (en) ==\nSnow closed roads.\n\n" in text
    assert "== Article (ko) ==\n\n== Article (ja) ==\n\nModels:" in text


def test_a_link_record_without_any_url_never_shows_none():
    result = make(source={"kind": "url", "url": None, "final_url": None}, glossary=[])
    assert "- Link: \n" in result.to_markdown()
    assert "\nLink: \n" in result.to_text()


def test_sentences_the_summariser_did_not_read_are_listed_after_the_glossary():
    result = make(
        summary_left_out=["- Weather: *cold*.", "Roads reopen [later]."],
        quality=[QualityFlag("summary", "too_short", "Short.")],
    )
    markdown = result.to_markdown()
    assert markdown.endswith(
        "- Seoul → \\<서울\\> (ko): row 2\n"
        "\n"
        "## Not read by the summariser (least central sentences)\n"
        "\n"
        "- \\- Weather: \\*cold\\*.\n"
        "- Roads reopen \\[later\\].\n"
        "\n"
        "## Quality warnings\n"
        "\n"
        "- summary: Short.\n"
        "\n"
        "## Models\n"
        "\n"
        "- summarise: `sum-model`\n"
    )
    assert "Not read" not in make().to_markdown() and "Not read" not in make().to_text()
    text = result.to_text()
    assert text.startswith(TEXT.split("Models:")[0].rstrip("\n"))
    assert text.endswith(
        "大雪。会議。休校。\n"
        "\n"
        "== Not read by the summariser (2 least central sentences) ==\n"
        "- - Weather: *cold*.\n"
        "- Roads reopen [later].\n"
        "\n"
        "== Quality warnings ==\n"
        "- summary: Short.\n"
        "\n"
        "Models: summarise=sum-model\n"
        "Timings: total 2.50s"
    )
