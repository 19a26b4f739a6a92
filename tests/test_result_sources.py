"""Sources and glossary use in the Markdown download (footnotes) and the terminal text."""

from __future__ import annotations

from service.result import Result, Segment


def make() -> Result:
    source = {"paragraph": 1, "sentence": 0, "score": 0.8125, "text": "이재명 대통령은 [속보] 말했다."}
    return Result(
        source_language="ko",
        language_probability=1.0,
        detection_method="script",
        mode="summary",
        length="short",
        summary="Lee Jae-myung said so. Nothing else.",
        translations={"ko": "이재명은 그렇게 말했다.", "ja": "李在明はそう述べた。"},
        segments=[
            Segment(
                en="Lee Jae-myung said so.",
                ko="이재명은 그렇게 말했다.",
                ja="李在明はそう述べた。",
                sources=[source],
            ),
            Segment(en="Nothing else.", ko="없다.", ja="ない。"),
        ],
        models={},
        timings={},
        glossary=[{"term": "Lee Jae-myung", "language": "ja", "form": "李在明", "segments": [0]}],
    )


def test_markdown_has_footnotes_for_sources_and_lists_applied_terms():
    markdown = make().to_markdown()
    assert "| 1 | Lee Jae-myung said so.[^1-1] |" in markdown
    assert "| 2 | Nothing else. |" in markdown
    assert (
        "[^1-1]: Article paragraph 2, sentence 1 (score 0.81): 이재명 대통령은 \\[속보\\] 말했다." in markdown
    )
    assert "- Lee Jae-myung → 李在明 (ja): row 1" in markdown


def test_text_lists_sources_and_glossary():
    text = make().to_text()
    assert "Sources: 1 ← ¶2.1 (0.81)" in text
    assert "Glossary: Lee Jae-myung → 李在明 (ja)" in text
