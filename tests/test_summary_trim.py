"""One summariser pass for an article up to 1.5 windows long: the least central sentences are left
out (the lead paragraph never), listed in `Result.summary_left_out`; longer articles still get
map-reduce over every sentence, round after round until the partial summaries fit. On the fake
engine with a 60-token window (tests/fakes.py), whose summary is its input's first sentences
(`[summary] ` before them, so the number of labels says how many rounds a sentence went through)
and which refuses any input over its window. Its `summary_sentences` setting makes it a condensing
summariser (one sentence of each chunk), so the second and later rounds are reached."""

from __future__ import annotations

import pytest

from service import Pipeline
from service.engines.base import Job
from service.engines.fake import FakeEngine, fake_roles
from service.models.sets import parse_model_set
from service.summary import MAX_TRIM_WINDOWS, summarise_english, trim_to_window
from service.text.segment import split_paragraphs, split_sentences
from tests.fakes import SMALL_WINDOW
from tests.recording import Calls, RecordingEngine, recording

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


# -- trimming at its boundaries --------------------------------------------------------------------------

#: Two paragraphs (77 fake tokens): the lead, then a body whose first sentence is off the topic.
TWO_PARAGRAPHS = [LEAD, [BODY[1][0], BODY[0][0], BODY[0][1], BODY[1][1]]]
OFF_TOPIC, _, RESIDENTS, _ = TWO_PARAGRAPHS[1]


def test_two_paragraphs_are_enough_to_trim_and_the_least_central_go_first():
    """A lead and one body paragraph can be trimmed; the body's least central sentences go first,
    starting with the one right after the lead (the first that may go), and only as many as needed."""
    text = article(TWO_PARAGRAPHS)
    assert count(text) == 77
    kept, left_out = trim_to_window(text, FakeEngine().count_tokens, 62)
    assert left_out == [OFF_TOPIC, RESIDENTS]
    assert kept == article([LEAD, [BODY[0][0], BODY[1][1]]])
    assert count(kept) == 51


def test_a_text_trimmed_to_exactly_the_window_is_kept_without_dropping_more():
    """Leaving out the least central sentence brings the text to exactly the window: that fits, so
    nothing more is left out (and the result is not refused as too long)."""
    text = article(TWO_PARAGRAPHS)
    assert count(text) - count(RESIDENTS) == 63
    kept, left_out = trim_to_window(text, FakeEngine().count_tokens, 63)
    assert left_out == [RESIDENTS]
    assert count(kept) == 63
    assert kept == article([LEAD, [OFF_TOPIC, BODY[0][0], BODY[1][1]]])


def test_trimming_stops_only_when_the_running_count_and_the_joined_text_both_fit():
    """Tokenizers are not additive (the joined text can count fewer tokens than its sentences): the
    running total must fit as well as the joined text, or one sentence more is left out. Counted in
    characters, dropping a sentence also drops the space before it, so the joined text fits one
    character before the running total does."""

    def characters(texts):
        return [len(text) for text in texts]

    text = article(TWO_PARAGRAPHS)
    without_residents = article([LEAD, [OFF_TOPIC, BODY[0][0], BODY[1][1]]])
    limit = len(without_residents)
    assert len(text) - len(RESIDENTS) == limit + 1  # the running total is one over
    kept, left_out = trim_to_window(text, characters, limit)
    assert left_out == [OFF_TOPIC, RESIDENTS]  # in article order
    assert kept == article([LEAD, [BODY[0][0], BODY[1][1]]])


#: A one-sentence paragraph of 13 fake tokens and one of 14, to put an article on either side of
#: exactly one and a half windows.
PIER_13 = "Work on the new pier will begin in the spring of 2027."
PIER_14 = "Work on the new pier will begin in the early spring of 2027."


def summarise_on_fake(text: str, window: int = SMALL_WINDOW, condensing: int | None = None, length="short"):
    """`summarise_english` on the fake summariser, and every call it made."""
    spec = parse_model_set({"roles": fake_roles(max_input_tokens=window, summary_sentences=condensing)}).spec(
        "summarise"
    )
    calls = Calls()
    return summarise_english(RecordingEngine(FakeEngine(spec), "summarise", calls), spec, text, length), calls


def test_an_article_of_exactly_one_and_a_half_windows_is_trimmed_and_one_token_more_is_map_reduced():
    at = article([*TWO_PARAGRAPHS, [PIER_13]])
    over = article([*TWO_PARAGRAPHS, [PIER_14]])
    assert (count(at), count(over)) == (MAX_TRIM_WINDOWS * SMALL_WINDOW, MAX_TRIM_WINDOWS * SMALL_WINDOW + 1)
    (summary, chunks, left_out), calls = summarise_on_fake(at)
    assert chunks == 1 and left_out == [OFF_TOPIC, RESIDENTS, PIER_13]
    [call] = calls.calls
    assert call.texts == (article([LEAD, [BODY[0][0], BODY[1][1]]]),)
    assert call.job.max_new_tokens == 80  # the whole-article job
    assert summary == "[summary] " + " ".join([*LEAD, BODY[0][0]])
    (summary, chunks, left_out), calls = summarise_on_fake(over)
    assert chunks == 2 and left_out == []
    [partials] = calls.calls  # two chunks, each summarised with the partial-summary bounds
    assert partials.job.max_new_tokens == SMALL_WINDOW // 4 and summary.count("[summary] ") == 2


# -- map-reduce, round after round ---------------------------------------------------------------------


def district_sentences(n: int) -> list[str]:
    """`n` sentences of 13 fake tokens each, all different."""
    return [f"Residents of district {i} asked the council for a new bus stop." for i in range(1, n + 1)]


def first_sentences(chunks) -> list[str]:
    return [split_sentences(chunk, "en")[0] for chunk in chunks]


def test_a_condensing_summariser_reaches_a_second_round_and_summarises_what_it_returned():
    """24 sentences (312 tokens) in 6 chunks; one sentence of each comes back (96 tokens, still over
    the window but under half the article), so the partial summaries are packed and summarised
    again (2 chunks, 38 tokens), which fits: the final summary is a summary of summaries."""
    sentences = district_sentences(24)
    (summary, chunks, left_out), calls = summarise_on_fake(" ".join(sentences), condensing=1)
    first, second, final = calls.calls
    assert chunks == len(first.texts) == 6 and left_out == []
    assert " ".join(first.texts) == " ".join(sentences)
    partials = [f"[summary] {s}" for s in first_sentences(first.texts)]
    assert count(" ".join(partials)) == 96
    assert " ".join(second.texts) == " ".join(partials) and len(second.texts) == 2
    assert final.texts == (" ".join(f"[summary] {s}" for s in first_sentences(second.texts)),)
    assert summary == f"[summary] [summary] [summary] {sentences[0]}"
    # Partial summaries are bounded by the window (a quarter, an eighth); the final one by the preset.
    assert [(c.job.max_new_tokens, c.job.min_new_tokens) for c in calls.calls] == [(15, 7), (15, 7), (80, 20)]
    assert {c.job.sentences for c in calls.calls} == {3}


def test_a_third_round_follows_a_second_that_shrank_but_did_not_fit():
    """60 sentences: 15 chunks, then 5 (95 tokens: over the window, under half of 240), then 2."""
    sentences = district_sentences(60)
    (summary, chunks, _), calls = summarise_on_fake(" ".join(sentences), condensing=1)
    assert chunks == 15
    assert [len(c.texts) for c in calls.calls] == [15, 5, 2, 1]
    assert summary == f"[summary] [summary] [summary] [summary] {sentences[0]}"


#: Pairs of 19 and 25 fake tokens: a chunk of 44 whose first sentence comes back as 22, exactly half.
HALVING_PAIRS = [
    (
        "The harbour authority approved a new ferry terminal for the three northern islands on a windy Monday morning.",
        "Island residents said at a crowded meeting that the terminal would finally shorten their long trips "
        "to the mainland by almost a whole hour.",
    ),
    (
        "The regional rail operator cancelled forty trains on Tuesday because a signal box near the main station failed.",
        "Commuters waited on cold platforms for hours, and the operator said it would refund every ticket bought "
        "for the whole day in full.",
    ),
    (
        "The city council voted on Wednesday to close two public swimming pools in the eastern districts next year.",
        "Parents said the closures would leave thousands of children without anywhere nearby to learn to swim "
        "during the long hot summer holidays next year.",
    ),
]


def test_partial_summaries_of_exactly_half_the_article_count_as_condensing():
    """`MIN_SHRINK`: a round must at least halve the text. Exactly half is enough, so the partial
    summaries (66 tokens of a 132-token article) are summarised again rather than returned as they are."""
    text = " ".join(s for pair in HALVING_PAIRS for s in pair)
    assert [(count(a), count(b)) for a, b in HALVING_PAIRS] == [(19, 25)] * 3 and count(text) == 132
    (summary, chunks, _), calls = summarise_on_fake(text, condensing=1)
    assert chunks == 3 and [len(c.texts) for c in calls.calls] == [3, 2, 1]
    assert summary == f"[summary] [summary] [summary] {HALVING_PAIRS[0][0]}"


def test_partial_summaries_of_exactly_the_window_are_summarised_in_one_final_call():
    """16 sentences in a 64-token window: 4 chunks of 52, each back as 16 tokens, 64 in all: that fits."""
    sentences = district_sentences(16)
    (summary, chunks, _), calls = summarise_on_fake(" ".join(sentences), window=64, condensing=1)
    assert chunks == 4 and [len(c.texts) for c in calls.calls] == [4, 1]
    assert count(calls.calls[1].texts[0]) == 64
    assert summary == f"[summary] [summary] {sentences[0]}"


def test_a_summariser_that_does_not_condense_returns_its_partial_summaries_in_order():
    """The plain fake keeps every sentence of a chunk (the long preset's 8), so its partial summaries
    are longer than the article: summarising them again would only grow the work."""
    sentences = district_sentences(12)
    (summary, chunks, left_out), calls = summarise_on_fake(" ".join(sentences), length="long")
    [first] = calls.calls
    assert chunks == len(first.texts) == 3 and left_out == []
    assert summary == " ".join(f"[summary] {chunk}" for chunk in first.texts)


@pytest.mark.parametrize(
    ("window", "bounds"),
    [
        (30, (8, 3)),  # a quarter of the window is 7: partial summaries may still write 8 tokens
        (62, (15, 7)),  # whole tokens: 62 / 4 and 62 / 8 round down
    ],
)
def test_partial_summary_bounds_follow_the_window(window, bounds):
    (_, chunks, _), calls = summarise_on_fake(" ".join(district_sentences(12)), window=window, condensing=1)
    assert chunks > 1
    first = calls.calls[0].job
    assert (first.max_new_tokens, first.min_new_tokens) == bounds
    assert type(first.max_new_tokens) is int and type(first.min_new_tokens) is int  # token counts


def test_a_summariser_that_writes_nothing_gives_an_empty_summary():
    """Empty partial summaries are not summarised again: the answer is an empty summary, with the
    number of chunks the first pass had."""

    class Silent(FakeEngine):
        def generate(self, texts, job: Job) -> list[str]:
            return ["  " for _ in texts]

    spec = parse_model_set({"roles": fake_roles(max_input_tokens=SMALL_WINDOW)}).spec("summarise")
    engine = Silent(spec)
    assert summarise_english(engine, spec, " ".join(district_sentences(12)), "short") == ("", 3, [])


def test_the_condensing_setting_is_for_the_fake_engine_only():
    """A real model cannot be told how many sentences to write: a set that tries is refused."""
    from service.errors import ModelSetError

    roles = fake_roles()
    roles["summarise"] = {"engine": "extractive", "summary_sentences": 1}
    with pytest.raises(ModelSetError, match="`summary_sentences` is for the fake engine only"):
        parse_model_set({"roles": roles})
