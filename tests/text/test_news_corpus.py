"""The text stage on the news-page corpus (evaluation/data/news, and the pages written after the
rules in evaluation/data/news-heldout): the issue-10 targets as tests.

Boundary F1 >= 0.98, furniture recall >= 0.95 and precision >= 0.98 per language, no story sentence
ever removed, every story sentence shown as written. The scorer itself is tested first with planted
mistakes, so a broken scorer cannot make the targets pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.evaluation.textcheck import Case, Prediction, load_cases, prepare_prediction, run, score_case

DATA = Path(__file__).resolve().parents[2] / "evaluation" / "data" / "news"
HELD_OUT = DATA.parent / "news-heldout"
CASES = load_cases(DATA)
ALL_CASES = CASES + load_cases(HELD_OUT)


@pytest.fixture(scope="module")
def tallies():
    return run(ALL_CASES)


def test_corpus_is_big_enough_and_well_formed():
    by_language = {lang: [c for c in CASES if c.language == lang] for lang in ("ko", "ja", "en")}
    assert all(len(cases) >= 10 for cases in by_language.values())
    for case in ALL_CASES:
        assert case.sentences and case.removed, case.id
        assert all(r["reason"] and r["text"] in case.text for r in case.removed), case.id
        assert all(s in case.text for s in case.sentences), case.id


@pytest.mark.parametrize("language", ["ko", "ja", "en"])
def test_targets_per_language(tallies, language):
    figures = tallies[language].figures()
    assert figures["boundary_f1"] >= 0.98, tallies[language].errors
    assert figures["furniture_recall"] >= 0.95, tallies[language].errors
    assert figures["furniture_precision"] >= 0.98, tallies[language].errors
    assert figures["as_written"] == 1.0, tallies[language].errors


def test_no_story_sentence_is_ever_removed(tallies):
    assert tallies["all"].story_removed == []


def test_titles_are_found(tallies):
    assert tallies["all"].figures()["titles"] >= 0.95, tallies["all"].errors


# -- the scorer catches what it should -----------------------------------------------------------------


def _case() -> Case:
    return Case(
        id="t",
        language="en",
        title="Headline here",
        text="Headline here\nBy Jane Doe\nOne sentence. Two sentence.\nShare\n",
        sentences=["One sentence.", "Two sentence."],
        removed=[{"text": "By Jane Doe", "reason": "byline"}, {"text": "Share", "reason": "share"}],
    )


def test_scorer_perfect_prediction():
    right = Prediction(
        "Headline here", ["One sentence.", "Two sentence."], [("By Jane Doe", "b"), ("Share", "s")]
    )
    figures = score_case(_case(), right).figures()
    assert figures["boundary_f1"] == 1.0 and figures["furniture_recall"] == 1.0 and figures["titles"] == 1.0


def test_scorer_counts_a_missed_boundary_and_kept_furniture():
    merged = Prediction(None, ["One sentence. Two sentence."], [("Share", "share")])
    tally = score_case(_case(), merged)
    figures = tally.figures()
    assert figures["boundary_recall"] == 0.5
    assert figures["furniture_recall"] == 0.5
    assert figures["titles"] == 0.0
    assert figures["as_written"] == 0.0


def test_scorer_flags_a_removed_story_sentence_and_normalised_text():
    wrong = Prediction("Headline here", ["One sentence."], [("Two sentence.", "caption")])
    tally = score_case(_case(), wrong)
    assert tally.story_removed == ["t: Twosentence."]
    folded = Prediction("Headline here", ["One sentence.", "Ｔｗｏ sentence."], [])
    assert score_case(_case(), folded).figures()["as_written"] == 0.5


def test_scorer_counts_an_extra_cut():
    split = Prediction("Headline here", ["One", "sentence.", "Two sentence."], [])
    assert score_case(_case(), split).figures()["boundary_precision"] == pytest.approx(2 / 3)


def test_prepare_prediction_uses_the_text_stage():
    prediction = prepare_prediction(_case())
    assert prediction.title == "Headline here"
    assert prediction.sentences == ["One sentence.", "Two sentence."]
    assert [r for r, _ in prediction.removed] == ["By Jane Doe", "Share"]


def test_textcheck_command_prints_figures(capsys):
    assert main(["textcheck", "--data", str(DATA), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == {"ko", "ja", "en", "all"}
    assert figures["all"]["articles"] == len(CASES)


def test_textcheck_command_rejects_a_folder_without_cases(tmp_path, capsys):
    assert main(["textcheck", "--data", str(tmp_path)]) == 2
    assert "No *.json news cases" in capsys.readouterr().err
