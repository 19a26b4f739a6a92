"""Metric code checked on cases whose scores are known by hand."""

from __future__ import annotations

import importlib.util
import math

import pytest
import sacrebleu

from service.errors import InputError
from service.evaluation import metrics

EN = ["The government announced a new budget on Monday.", "Heavy rain caused flooding in the south."]
KO = ["정부는 월요일 새 예산안을 발표했다.", "폭우로 남부 지역에 홍수가 발생했다."]
JA = ["政府は月曜日に新しい予算案を発表した。", "大雨により南部で洪水が発生した。"]

HAVE_MECAB_JA = (
    importlib.util.find_spec("MeCab") is not None and importlib.util.find_spec("ipadic") is not None
)
HAVE_MECAB_KO = importlib.util.find_spec("mecab_ko") is not None


@pytest.mark.parametrize(("texts", "lang"), [(EN, "en"), (KO, "ko"), (JA, "ja")])
def test_identical_scores_100(texts: list[str], lang: str) -> None:
    assert metrics.bleu(texts, texts, lang).score == pytest.approx(100.0)
    assert metrics.chrf(texts, texts, lang).score == pytest.approx(100.0)


def test_identical_rouge_is_100() -> None:
    assert metrics.rouge(EN, EN) == pytest.approx(dict.fromkeys(metrics.ROUGE_TYPES, 100.0))


def test_disjoint_scores_0() -> None:
    hyp, ref = ["alpha beta gamma delta"], ["one two three four"]
    assert metrics.bleu(hyp, ref, "en").score == 0.0
    assert metrics.chrf(["xyz"], ["abc"]).score == 0.0
    assert metrics.rouge(hyp, ref) == dict.fromkeys(metrics.ROUGE_TYPES, 0.0)
    assert metrics.bleu(["가나다라"], ["마바사아"], "ko").score == 0.0


def test_bleu_partial_by_hand() -> None:
    """hyp "the cat sat on the mat" vs ref "the cat sat on a mat": clipped n-gram precisions are
    5/6, 3/5, 2/4, 1/3 and the lengths are equal (BP = 1), so BLEU = (1/12) ** (1/4)."""
    score = metrics.bleu(["the cat sat on the mat"], ["the cat sat on a mat"], "en").score
    assert score == pytest.approx(100 * (1 / 12) ** 0.25, abs=0.01)  # 53.73


def test_chrf_partial_by_hand() -> None:
    """ "ab" vs "ac": character unigram F = 0.5, bigram F = 0, no longer n-grams exist, so the
    average over the two effective orders is 25."""
    assert metrics.chrf(["ab"], ["ac"]).score == pytest.approx(25.0)


def test_rouge_partial_by_hand() -> None:
    """Same pair as BLEU: 5 of 6 unigrams, 3 of 5 bigrams, LCS of 5 words; P = R in each case."""
    scores = metrics.rouge(["the cat sat on the mat"], ["the cat sat on a mat"])
    assert scores["rouge1"] == pytest.approx(500 / 6)
    assert scores["rouge2"] == pytest.approx(60.0)
    assert scores["rougeL"] == pytest.approx(500 / 6)
    assert scores["rougeLsum"] == pytest.approx(500 / 6)


def test_rouge_averages_documents_and_stems() -> None:
    scores = metrics.rouge(["Prices rising", "x"], ["prices rose", "x"])
    # "rising" and "rose" do not share a Porter stem; "prices" matches: F1 = 0.5, then 1.0 -> mean 75.
    assert scores["rouge1"] == pytest.approx(75.0)
    assert metrics.rouge(["The banks cut rates."], ["Bank cutting rate"])["rouge1"] == pytest.approx(
        100 * 2 * (3 / 4) * 1 / (3 / 4 + 1)
    )


def test_rouge_lsum_splits_sentences() -> None:
    hyp = ["Rates were cut. Stocks rose."]
    ref = ["Stocks rose. Rates were cut."]
    scores = metrics.rouge(hyp, ref)
    assert scores["rougeLsum"] == pytest.approx(100.0)  # sentence-level LCS ignores sentence order
    assert scores["rougeL"] < 100.0


def test_english_uses_13a() -> None:
    result = metrics.bleu(EN, EN, "en")
    assert result.tokenize == "13a" and "tok:13a" in result.signature and result.note == ""


@pytest.mark.skipif(not HAVE_MECAB_JA, reason="sacrebleu[ja] not installed")
def test_japanese_uses_mecab() -> None:
    result = metrics.bleu(JA, JA, "ja")
    assert result.tokenize == "ja-mecab" and "tok:ja-mecab" in result.signature


@pytest.mark.skipif(not HAVE_MECAB_KO, reason="sacrebleu[ko] not installed")
def test_korean_uses_mecab() -> None:
    result = metrics.bleu(KO, KO, "ko")
    assert result.tokenize == "ko-mecab" and "tok:ko-mecab" in result.signature


def test_mecab_tokenisation_matters() -> None:
    """With 13a a Japanese sentence is one token, so one changed particle zeroes BLEU; a morphological
    (or character) tokeniser gives partial credit. This is why the tokeniser is chosen per language."""
    hyp, ref = ["政府は予算案を発表した。"], ["政府が予算案を発表した。"]
    assert metrics.bleu(hyp, ref, "ja", tokenize="13a").score == 0.0
    assert metrics.bleu(hyp, ref, "ja").score > 30


def test_falls_back_to_char_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    real_bleu = sacrebleu.BLEU

    def broken_mecab(*args, tokenize: str | None = None, **kwargs):
        if tokenize == "ja-mecab":
            raise RuntimeError("Japanese tokenization requires extra dependencies")
        return real_bleu(*args, tokenize=tokenize, **kwargs)

    monkeypatch.setattr(sacrebleu, "BLEU", broken_mecab)
    metrics.resolve_tokenize.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="ja-mecab unavailable"):
            result = metrics.bleu(JA, JA, "ja")
        assert result.tokenize == "char"
        assert "tok:char" in result.signature
        assert "ja-mecab unavailable" in result.note
        assert result.score == pytest.approx(100.0)
    finally:
        metrics.resolve_tokenize.cache_clear()


def test_tokenize_override_is_reported() -> None:
    result = metrics.bleu(KO, KO, "ko", tokenize="char")
    assert result.tokenize == "char" and "tok:char" in result.signature


def test_score_to_dict() -> None:
    data = metrics.chrf(EN, EN).to_dict()
    assert data["name"] == "chrF2" and data["tokenize"] == "none" and math.isclose(data["score"], 100.0)


def test_bleu_tokenizer_matches_metric() -> None:
    split, name = metrics.bleu_tokenizer("en")
    assert name == "13a"
    assert split("Rates rose 2.5%.") == ["Rates", "rose", "2.5", "%", "."]


@pytest.mark.parametrize(
    ("hyps", "refs", "message"),
    [
        (["a"], ["a", "b"], "pair up"),
        ([], [], "nothing to score"),
        ("abc", "abc", "lists of strings"),
        ([None], ["a"], "strings"),
    ],
)
def test_bad_inputs(hyps, refs, message: str) -> None:
    with pytest.raises(InputError, match=message):
        metrics.bleu(hyps, refs, "en")
    with pytest.raises(InputError, match=message):
        metrics.rouge(hyps, refs)


def test_unknown_language() -> None:
    with pytest.raises(InputError, match="unknown target language"):
        metrics.bleu(["a"], ["a"], "fr")


def test_rouge_lsum_sentence_split_keeps_lines_and_quotes() -> None:
    """CNN/DailyMail highlights come one per line, often without a full stop."""
    text = 'Star turns 18\nHe says no plans .\nHe said: "Fine." Then left. Rates rose 3.5 percent.'
    assert metrics._sentences_on_lines(text).splitlines() == [
        "Star turns 18",
        "He says no plans .",
        'He said: "Fine."',
        "Then left.",
        "Rates rose 3.5 percent.",
    ]
