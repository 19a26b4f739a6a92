"""One summariser pass for an article up to 1.5 windows long: the least central sentences are left
out (the lead paragraph never), listed in `Result.summary_left_out`; longer articles still get
map-reduce over every sentence. On the fake engine with a 60-token window (tests/fakes.py), whose
summary is its input's first sentences and which refuses any input over its window."""

from __future__ import annotations

import pytest

from service import Pipeline
from service.engines.fake import FakeEngine
from service.summary import MAX_TRIM_WINDOWS, trim_to_window
from service.text.segment import split_paragraphs, split_sentences
from tests.fakes import SMALL_WINDOW
from tests.recording import recording

pytest.register_assert_rewrite("tests.shapes")
from tests.shapes import assert_result_shape  # noqa: E402

pytest_plugins = ["tests.fakes"]

LEAD = [
    "The harbour authority approved a new ferry terminal on Monday.",
    "The terminal will open in 2029 and serve three islands.",
]
BODY = [
    [
        "The ferry terminal will cost 80 million dollars, paid by the harbour authority.",
        "Island residents said the ferry terminal would shorten their trips to the mainland.",
    ],
    [
        "A bakery near the old pier sells cinnamon buns on Sundays.",
        "The harbour authority said ferry tickets would not rise before the terminal opens.",
    ],
]


def article(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs)


def count(text: str) -> int:
    return FakeEngine().count_tokens([text])[0]


@pytest.fixture
def pipeline(fake_small_window) -> Pipeline:
    return Pipeline(models=fake_small_window)


def test_an_article_a_little_over_the_window_gets_one_pass_and_lists_what_it_left_out(pipeline):
    text = article([LEAD, *BODY])
    limit = pipeline.engine("summarise").max_input_tokens
    assert limit < count(text) <= MAX_TRIM_WINDOWS * limit, "the fixture must be between 1 and 1.5 windows"
    with recording(pipeline) as calls:
        result = pipeline.run(text, source_language="en", length="short")
    assert_result_shape(result.to_dict())
    passes = calls.of("summarise")
    assert len(passes) == 1 and len(passes[0].texts) == 1 and result.summary_chunks == 1
    read = passes[0].texts[0]
    assert count(read) <= limit
    assert result.summary_left_out, "something had to be left out"
    # Nothing dropped silently: every sentence was either read or listed, none both, in order.
    sentences = [s for p in [LEAD, *BODY] for s in p]
    read_sentences = [s for p in split_paragraphs(read) for s in split_sentences(p, "en")]
    assert sorted(read_sentences + result.summary_left_out) == sorted(sentences)
    assert not set(read_sentences) & set(result.summary_left_out)
    assert read_sentences == [s for s in sentences if s in read_sentences]
    assert result.summary_left_out == [s for s in sentences if s in result.summary_left_out]
    # The lead is always kept, and the off-topic sentence goes first.
    assert read_sentences[: len(LEAD)] == LEAD
    assert "A bakery near the old pier sells cinnamon buns on Sundays." in result.summary_left_out
    assert result.to_dict()["summary_left_out"] == result.summary_left_out


def test_an_article_that_fits_is_read_whole(pipeline):
    result = pipeline.run(article([LEAD, BODY[0]]), source_language="en")
    assert result.summary_left_out == [] and result.summary_chunks == 1


def test_an_article_over_one_and_a_half_windows_is_map_reduced_over_every_sentence(pipeline):
    paragraphs = [LEAD, *BODY, *BODY, *BODY]
    text = article([[f"{s[:-1]} in part {n}." for s in p] for n, p in enumerate(paragraphs)])
    limit = pipeline.engine("summarise").max_input_tokens
    assert count(text) > MAX_TRIM_WINDOWS * limit
    with recording(pipeline) as calls:
        result = pipeline.run(text, source_language="en")
    assert result.summary_left_out == [] and result.summary_chunks > 1
    first_pass = calls.batches("summarise")[0]
    assert " ".join(first_pass) == " ".join(
        s for p in split_paragraphs(text) for s in split_sentences(p, "en")
    )


def test_a_lead_longer_than_the_window_falls_back_to_map_reduce():
    long_lead = " ".join(f"Sentence number {n} of the lead paragraph is here." for n in range(8))
    text = long_lead + "\n\nA short second paragraph."
    assert count(long_lead) > SMALL_WINDOW
    assert trim_to_window(text, FakeEngine().count_tokens, SMALL_WINDOW) is None


def test_one_paragraph_is_never_trimmed():
    text = " ".join(LEAD + BODY[0] + BODY[1])
    assert trim_to_window(text, FakeEngine().count_tokens, SMALL_WINDOW) is None


def test_the_renderings_list_what_the_summariser_did_not_read(pipeline):
    result = pipeline.run(article([LEAD, *BODY]), source_language="en")
    assert result.summary_left_out
    for rendering in (result.to_markdown(), result.to_text()):
        assert "Not read by the summariser" in rendering
        for sentence in result.summary_left_out:
            assert sentence.split()[1] in rendering  # Markdown escapes punctuation, words stay
