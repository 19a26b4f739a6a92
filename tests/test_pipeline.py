"""End-to-end runs on tiny random-weight models of all five families, offline.

Outputs are gibberish; the assertions are about structure a user relies on: every field present,
languages detected, sentence alignment, paragraph counts, determinism, no truncation, clear errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from service import EmptyInput, InputError, InputTooLarge, Limits, Pipeline, UnsupportedLanguage
from service.text.clean import clean_text
from service.text.segment import split_paragraphs, split_sentences
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO

RESULT_KEYS = {"source_language", "summary", "translations", "segments", "models", "timings"}


@contextmanager
def recording_inputs(engine) -> Iterator[list[str]]:
    """Record every text the engine is asked to generate from, while still generating."""
    seen: list[str] = []
    original = engine.generate

    def spy(texts, job):
        seen.extend(texts)
        return original(texts, job)

    engine.generate = spy
    try:
        yield seen
    finally:
        del engine.generate


def structure_ok(data: dict) -> None:
    assert set(data) >= RESULT_KEYS
    assert set(data["translations"]) == {"ko", "ja"}
    assert data["summary"].strip()
    assert all(isinstance(v, float) and v >= 0 for v in data["timings"].values())
    assert {"summarise", "en-ko", "en-ja"} <= set(data["models"])
    for segment in data["segments"]:
        assert set(segment) >= {"en", "ko", "ja"}
    json.dumps(data)  # JSON-ready


@pytest.mark.parametrize(
    ("article", "language", "pivot_role"),
    [(ARTICLE_EN, "en", None), (ARTICLE_KO, "ko", "ko-en"), (ARTICLE_JA, "ja", "ja-en")],
)
def test_article_in_each_language(pipeline, article, language, pivot_role):
    result = pipeline.run(article, length="short")
    data = result.to_dict()
    structure_ok(data)
    assert data["source_language"] == language
    assert data["translations"]["ko"].strip() and data["translations"]["ja"].strip()
    if pivot_role:  # Korean/Japanese input went through English first, with its own model
        assert pivot_role in data["models"]
        assert data["timings"]["to_english"] > 0
    else:
        assert "to_english" not in data["timings"]


def test_every_family_serves_its_role(pipeline):
    """The tiny set gives each role a different family; each loads and generates through the real path."""
    from service.engines.transformers import TransformersEngine

    expected = {"summarise": "bart", "en-ko": "marian", "en-ja": "nllb", "ko-en": "m2m100", "ja-en": "t5"}
    for role, family in expected.items():
        engine = pipeline.engine(role)
        assert isinstance(engine, TransformersEngine)
        assert engine.family.name == family


def test_language_signalling_per_family(pipeline):
    from service.engines.base import Job

    nllb = pipeline.engine("en-ja")
    kwargs = nllb.generation_kwargs(Job("translate", source="en", target="ja"), 10)
    assert kwargs["forced_bos_token_id"] == nllb.tokenizer.convert_tokens_to_ids("jpn_Jpan")
    assert kwargs["forced_bos_token_id"] != nllb.tokenizer.unk_token_id
    m2m = pipeline.engine("ko-en")
    kwargs = m2m.generation_kwargs(Job("translate", source="ko", target="en"), 10)
    assert kwargs["forced_bos_token_id"] == m2m.tokenizer.convert_tokens_to_ids("__en__")
    marian = pipeline.engine("en-ko")
    prepared = marian.family.prepare_source(
        "Hi.", task="translate", source="en", target="ko", vocab=marian._vocab
    )
    assert prepared == ">>kor<< Hi."
    t5 = pipeline.engine("ja-en")
    prepared = t5.family.prepare_source(
        "こんにちは。", task="translate", source="ja", target="en", vocab=t5._vocab
    )
    assert prepared == "translate Japanese to English: こんにちは。"


def test_same_input_same_output(tiny_models):
    # Two fresh pipelines: the session's shared one has a translation cache filled by earlier tests,
    # whose sentences were batched with others (random-weight tiny models are batch-sensitive).
    first = Pipeline(models=tiny_models).run(ARTICLE_EN, length="short").to_dict()
    again = Pipeline(models=tiny_models).run(ARTICLE_EN, length="short").to_dict()
    for data in (first, again):
        data.pop("timings")
    assert first == again


def test_segments_line_up_with_summary_sentences(pipeline):
    result = pipeline.run(ARTICLE_EN, length="short")
    assert [s.en for s in result.segments] == split_sentences(result.summary, "en")
    assert all(s.ko.strip() and s.ja.strip() for s in result.segments)


def test_article_mode_keeps_paragraphs_and_aligns_every_sentence(pipeline):
    paragraphs = split_paragraphs(clean_text(ARTICLE_EN))
    result = pipeline.run(ARTICLE_EN, mode="article", length="short")
    assert result.article is not None
    assert [len(result.article[lang]) for lang in ("en", "ko", "ja")] == [len(paragraphs)] * 3
    sentences = [s for p in paragraphs for s in split_sentences(p, "en")]
    assert [s.en for s in result.segments] == sentences
    assert [s.paragraph for s in result.segments] == [
        i for i, p in enumerate(paragraphs) for _ in split_sentences(p, "en")
    ]
    assert all(s.ko.strip() and s.ja.strip() for s in result.segments)


def test_article_mode_for_korean_keeps_the_original_korean(pipeline):
    result = pipeline.run(ARTICLE_KO, mode="article", length="short")
    paragraphs = split_paragraphs(clean_text(ARTICLE_KO))
    assert result.article["ko"] == paragraphs
    assert len(result.article["en"]) == len(result.article["ja"]) == len(paragraphs)


def test_fifty_thousand_characters_are_chunked_not_truncated(tiny_greedy):
    pipeline = Pipeline(models=tiny_greedy)
    body = "\n".join(ARTICLE_EN.splitlines()[2:])
    article = "\n".join([body] * 75)
    assert len(article) >= 50_000
    result = pipeline.run(article, length="short")
    assert result.summary_chunks > 1
    assert result.summary.strip()
    # The summariser was given every sentence: chunks are packed from all of them.
    from service.text.chunking import pack

    engine = pipeline.engine("summarise")
    sentences = [s for p in split_paragraphs(article) for s in split_sentences(p, "en")]
    chunks = pack(sentences, engine.count_tokens, engine.max_input_tokens)
    assert len(chunks) == result.summary_chunks
    assert " ".join(chunks) == " ".join(sentences)
    assert max(engine.count_tokens(chunks)) <= engine.max_input_tokens


def test_sentence_longer_than_the_window_is_translated_whole(tiny_greedy):
    pipeline = Pipeline(models=tiny_greedy)
    words = ("economy growth market policy government rates bank trade " * 90).split()[:720]
    run_on = " ".join(words)  # ~5,000 characters, no punctuation at all
    assert len(run_on) >= 5000
    engine = pipeline.engine("en-ko")
    assert engine.count_tokens([run_on])[0] > engine.max_input_tokens
    with recording_inputs(engine) as seen:
        [translation] = pipeline.translate([run_on], "en", "ko")
    assert translation.strip()
    assert len(seen) > 1
    assert max(engine.count_tokens(seen)) <= engine.max_input_tokens
    assert " ".join(seen).split() == words


def test_extractive_summary_is_made_of_article_sentences(tiny_extractive):
    pipeline = Pipeline(models=tiny_extractive)
    article = clean_text(ARTICLE_EN)
    sentences = {s for p in split_paragraphs(article) for s in split_sentences(p, "en")}
    wanted = {"short": 3, "medium": 5, "long": 8}
    for length, count in wanted.items():
        result = pipeline.run(ARTICLE_EN, length=length)
        chosen = split_sentences(result.summary, "en")
        assert len(chosen) == count
        assert set(chosen) <= sentences
        assert result.models["summarise"] == "extractive"


def test_extractive_summary_keeps_article_order(tiny_extractive):
    pipeline = Pipeline(models=tiny_extractive)
    article = clean_text(ARTICLE_EN)
    order = [s for p in split_paragraphs(article) for s in split_sentences(p, "en")]
    chosen = split_sentences(pipeline.run(ARTICLE_EN, length="medium").summary, "en")
    positions = [order.index(s) for s in chosen]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", EmptyInput, "empty"),
        ("   \n\n\t ", EmptyInput, "empty"),
        ("2026 12 31 100,000 55%", EmptyInput, "no letters"),
        ("🎉🎉🎉 👍", EmptyInput, "no letters"),
        (
            "Die Regierung hat am Montag eine neue Wirtschaftspolitik angekündigt.",
            UnsupportedLanguage,
            "English",
        ),
        ("政府周一宣布了一项新的经济政策，股市随后大幅上涨。", UnsupportedLanguage, "Chinese"),
    ],
)
def test_clear_errors(pipeline, text, error, words):
    with pytest.raises(error, match=words):
        pipeline.run(text)


def test_bad_options_are_named(pipeline):
    with pytest.raises(InputError, match="length"):
        pipeline.run(ARTICLE_EN, length="huge")
    with pytest.raises(InputError, match="mode"):
        pipeline.run(ARTICLE_EN, mode="poem")
    with pytest.raises(InputError, match="source_language 'fr'"):
        pipeline.run(ARTICLE_EN, source_language="fr")
    # run() takes typed keyword arguments: a model is not among them (Python itself refuses it)
    with pytest.raises(TypeError, match="model"):
        pipeline.run(ARTICLE_EN, model="evil/model")


def test_max_chars_limit_names_the_limit(tiny_models):
    pipeline = Pipeline(models=tiny_models, limits=Limits(max_chars=100))
    with pytest.raises(InputTooLarge, match="max_chars=100"):
        pipeline.run(ARTICLE_EN)


def test_given_source_language_skips_detection(pipeline):
    result = pipeline.run(ARTICLE_KO, source_language="ko", length="short")
    assert result.source_language == "ko"
    assert result.detection_method == "given"


def test_progress_names_each_stage(pipeline):
    stages = []
    pipeline.run(ARTICLE_KO, progress=lambda stage, fraction: stages.append((stage, fraction)))
    names = [s for s, _ in stages]
    assert "Detecting language" in names and "Summarising in English" in names
    assert "Translating the article into English" in names
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_repeated_sentences_are_translated_once(tiny_models):
    pipeline = Pipeline(models=tiny_models)
    engine = pipeline.engine("en-ko")
    with recording_inputs(engine) as calls:
        first = pipeline.translate(["Stocks rose. Stocks rose.", "Stocks rose."], "en", "ko")
        second = pipeline.translate(["Stocks rose."], "en", "ko")
    assert calls == ["Stocks rose."]
    assert first[1] == second[0]


def test_korean_to_japanese_goes_through_english(pipeline):
    [out] = pipeline.translate(["정부는 새 정책을 발표했다."], "ko", "ja")
    assert out.strip()


def test_pipeline_is_safe_to_share_between_threads(pipeline):
    from concurrent.futures import ThreadPoolExecutor

    texts = [ARTICLE_EN, ARTICLE_KO, ARTICLE_JA] * 2
    expected = [pipeline.run(t, length="short").summary for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: pipeline.run(t, length="short").summary, texts))
    assert got == expected


def test_licence_warning_is_carried_into_results(tiny_dir):
    from service.models.sets import load_model_set

    text = (tiny_dir / "models.toml").read_text() + ""
    path = tiny_dir / "models-nc.toml"
    path.write_text('licence_warning = "NON-COMMERCIAL test"\n' + text)
    assert load_model_set(path).licence_warning == "NON-COMMERCIAL test"
    result = Pipeline(models=path).run(ARTICLE_EN, length="short")
    assert result.warnings == ["NON-COMMERCIAL test"]
