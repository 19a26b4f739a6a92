"""Wiring: every output in its language's slot, every model the one that ran, every input seen once.

Runs on the fake engine (service/engines/fake.py), whose outputs name the model that produced them
(`[en-ko] <sentence>`), and records what each engine received (tests/recording.py). The tiny random
models cannot tell these apart: they write Hangul and kana into both targets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from service import Pipeline
from service.engines.fake import FAKE_WARNING, FakeEngine
from service.text.segment import join_sentences
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO
from tests.recording import recording

pytest.register_assert_rewrite("tests.fakes", "tests.shapes")
from tests.fakes import SMALL_WINDOW, assert_slots, labelled  # noqa: E402
from tests.shapes import assert_result_shape  # noqa: E402

pytest_plugins = ["tests.fakes"]

ARTICLES = {"en": ARTICLE_EN, "ko": ARTICLE_KO, "ja": ARTICLE_JA}
#: The sentences of ARTICLE_KO and ARTICLE_JA, as a reader splits them.
SOURCE_SENTENCES = {
    "ko": [
        "시의회는 화요일 동부 지역과 도심을 잇는 새로운 트램 노선 건설 계획을 승인했다.",
        "사업비는 약 12억 달러로 2030년까지 완공될 예정이다.",
        "김 시장은 이 노선이 20만 명이 넘는 주민의 이동 시간을 절반으로 줄일 것이라고 말했다.",
        "비판론자들은 그 돈을 더 빨리 도입할 수 있는 버스에 써야 한다고 주장했다.",
    ],
    "ja": [
        "市議会は火曜日、東部地区と中心部を結ぶ新しい路面電車の建設計画を承認した。",
        "事業費は約12億ドルで、2030年までに完成する予定だ。",
        "金市長は、この路線によって20万人以上の住民の移動時間が半分になると述べた。",
        "批判的な人々は、その資金をより早く導入できるバスに使うべきだと主張した。",
    ],
}
#: A long report in three paragraphs, sentence by sentence (about 180 fake tokens in all).
LONG_PARAGRAPHS = [
    [
        "The regional transport authority published its annual report on Monday.",
        "Ridership on the tram network rose by 12 percent compared with the previous year.",
        "Bus use fell slightly in the northern districts, where two routes were cut.",
        "The authority said the new timetable had reduced waiting times at peak hours.",
    ],
    [
        "Ticket revenue reached 310 million dollars, the highest figure since 2019.",
        "Operating costs grew faster than revenue because of higher energy prices.",
        "A spokesperson said fares would stay the same until at least next summer.",
        "Unions warned that staff shortages could force more cancellations in winter.",
    ],
    [
        "The report recommends buying forty new trams over the next five years.",
        "It also proposes a night service on the two busiest lines.",
        "The city council will debate the recommendations at its meeting in March.",
        "Residents can read the full report on the authority's website.",
    ],
]


def long_article() -> str:
    return "\n\n".join(" ".join(paragraph) for paragraph in LONG_PARAGRAPHS)


# -- every output in its slot ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["summary", "article"])
@pytest.mark.parametrize("language", ["en", "ko", "ja"])
def test_every_output_sits_in_its_own_slot(fake_pipeline, language, mode):
    data = fake_pipeline.run(ARTICLES[language], length="short", mode=mode).to_dict()
    assert data["source_language"] == language
    assert_slots(data, mode)
    pivot = {f"{language}-en": f"{language}-en"} if language != "en" else {}
    assert data["models"] == {"summarise": "summary", "en-ko": "en-ko", "en-ja": "en-ja", **pivot}
    assert data["warnings"] == [FAKE_WARNING]


@pytest.mark.parametrize("language", ["en", "ko", "ja"])
def test_article_paragraphs_match_the_segments_they_hold(fake_pipeline, language):
    """`segments[].paragraph` groups the rows into exactly the paragraphs of `article`."""
    data = fake_pipeline.run(ARTICLES[language], length="short", mode="article").to_dict()
    article = data["article"]
    count = len(article["en"])
    assert count > 1 and all(len(article[lang]) == count for lang in ("ko", "ja"))
    paragraphs = [row["paragraph"] for row in data["segments"]]
    assert paragraphs == sorted(paragraphs) and set(paragraphs) == set(range(count))
    for lang in ("en", "ko", "ja"):
        for index in range(count):
            rows = [row[lang] for row in data["segments"] if row["paragraph"] == index]
            assert article[lang][index] == join_sentences(rows, lang)


# -- which model ran ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_an_article_goes_to_english_through_its_own_model(fake_models, language):
    pipeline = Pipeline(models=fake_models)  # an empty cache: every sentence reaches a model
    with recording(pipeline) as calls:
        result = pipeline.run(ARTICLES[language], length="short", mode="article")
    other = "ja" if language == "ko" else "ko"
    assert calls.roles()[0] == f"{language}-en"
    assert set(calls.roles()) == {f"{language}-en", "summarise", "en-ko", "en-ja"}
    assert not calls.of(f"{other}-en")
    assert calls.texts(f"{language}-en") == SOURCE_SENTENCES[language]
    assert all((c.job.source, c.job.target) == (language, "en") for c in calls.of(f"{language}-en"))
    assert result.article["en"] and all(
        s.en == f"[{language}-en] {s_}"
        for s, s_ in zip(result.segments, SOURCE_SENTENCES[language], strict=True)
    )


def test_each_translator_is_given_the_english_it_should_translate(fake_models):
    pipeline = Pipeline(models=fake_models)
    with recording(pipeline) as calls:
        result = pipeline.run(ARTICLE_EN, length="short", mode="summary")
    english = [s.en for s in result.segments]
    for target in ("ko", "ja"):
        assert calls.texts(f"en-{target}") == english
        assert all(
            (c.job.task, c.job.source, c.job.target) == ("translate", "en", target)
            for c in calls.of(f"en-{target}")
        )
    [summary_call] = calls.of("summarise")
    assert summary_call.job.task == "summarise" and summary_call.job.sentences == 3


def test_korean_to_japanese_goes_through_english(fake_pipeline):
    sentence = "정부는 새 정책을 발표했다."
    assert fake_pipeline.translate([sentence], "ko", "ja") == [f"[en-ja] [ko-en] {sentence}"]


# -- what the summariser saw --------------------------------------------------------------------------


def test_the_summariser_sees_every_chunk_of_a_long_article(fake_small_window):
    pipeline = Pipeline(models=fake_small_window)
    with recording(pipeline) as calls:
        result = pipeline.run(long_article(), length="short", source_language="en")
    first_pass = calls.batches("summarise")[0]
    sentences = [s for paragraph in LONG_PARAGRAPHS for s in paragraph]
    assert len(first_pass) == result.summary_chunks > 2
    assert " ".join(first_pass) == " ".join(sentences)  # all of them, in order, none twice
    assert first_pass[-1].endswith(sentences[-1])
    counts = FakeEngine().count_tokens(first_pass)
    assert max(counts) <= SMALL_WINDOW
    # Every later call summarises what the earlier ones returned: nothing else enters.
    assert all(len(call.texts) >= 1 for call in calls.of("summarise"))


# -- the translation cache ----------------------------------------------------------------------------


def test_one_model_for_every_direction_keeps_korean_and_japanese_apart(fake_shared):
    """Like the `nllb` set: one model (one label) serves both targets; its cache must not mix them."""
    pipeline = Pipeline(models=fake_shared)
    sentence = "The council approved the plan on Tuesday."
    assert pipeline.translate([sentence], "en", "ko") == [f"[en-ko] {sentence}"]
    assert pipeline.translate([sentence], "en", "ja") == [f"[en-ja] {sentence}"]
    assert pipeline.translate([sentence], "en", "ko") == [f"[en-ko] {sentence}"]
    for _ in range(2):  # the second run is served from the cache
        data = pipeline.run(ARTICLE_EN, length="short", mode="article").to_dict()
        assert_slots(data, "article")


def test_repeated_sentences_are_translated_once_per_model_and_target(fake_models):
    pipeline = Pipeline(models=fake_models)
    repeated = "Officials said the line would open in 2028."
    article = "\n\n".join(
        [
            f"The council approved the tram plan on Tuesday. {repeated}",
            f"Critics said buses would be cheaper. {repeated}",
            f"Construction starts next spring. {repeated} {repeated}",
        ]
    )
    with recording(pipeline) as calls:
        first = pipeline.run(article, length="long", mode="article", source_language="en")
    for role in ("en-ko", "en-ja"):
        assert calls.repeated(role) == {}, role
        assert calls.texts(role).count(repeated) == 1
    rows = [s for s in first.segments if s.en == repeated]
    assert len(rows) == 4 and {(s.ko, s.ja) for s in rows} == {(f"[en-ko] {repeated}", f"[en-ja] {repeated}")}
    with recording(pipeline) as again:
        second = pipeline.run(article, length="long", mode="article", source_language="en")
    assert again.roles() == ["summarise"]  # every sentence came from the cache
    assert second.segments == first.segments


def test_the_shared_model_translates_a_sentence_once_per_target(fake_shared):
    pipeline = Pipeline(models=fake_shared)
    sentence = "Fares will stay the same until next summer."
    with recording(pipeline) as calls:
        pipeline.translate([sentence, sentence], "en", "ko")
        pipeline.translate([sentence], "en", "ja")
        pipeline.translate([sentence], "en", "ko")
    assert calls.texts("en-ko") == [sentence] and calls.texts("en-ja") == [sentence]


# -- the command line ---------------------------------------------------------------------------------


def cli(*args: object) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SERVICE_MODELS"}
    return subprocess.run(
        [sys.executable, "-m", "service", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(("language", "mode"), [("en", "summary"), ("ja", "article")])
def test_cli_json_puts_every_output_in_its_slot(fake_models, tmp_path, language, mode):
    path = tmp_path / f"{language}.txt"
    path.write_text(ARTICLES[language], encoding="utf-8")
    proc = cli("run", path, "--json", "--length", "short", "--mode", mode, "--models", fake_models)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert_result_shape(data)
    assert data["source_language"] == language
    assert_slots(data, mode)


def test_cli_text_output_names_korean_and_japanese_under_their_headings(fake_models, tmp_path):
    path = tmp_path / "ko.txt"
    path.write_text(ARTICLE_KO, encoding="utf-8")
    proc = cli("run", path, "--length", "short", "--models", fake_models)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    korean = out.split("== 한국어 ==\n", 1)[1].split("\n\n", 1)[0]
    japanese = out.split("== 日本語 ==\n", 1)[1].split("\n\n", 1)[0]
    assert korean.startswith("[en-ko] [summary] [ko-en] ") and "[en-ja]" not in korean
    assert japanese.startswith("[en-ja] [summary] [ko-en] ") and "[en-ko]" not in japanese
    assert labelled("ko-en", SOURCE_SENTENCES["ko"][:1])[0] in out


# -- what the summariser was asked for ------------------------------------------------------------------


def test_a_short_article_is_summarised_in_one_call_with_the_length_preset(fake_models):
    pipeline = Pipeline(models=fake_models)
    with recording(pipeline) as calls:
        result = pipeline.run(ARTICLE_EN, length="short")
    [call] = calls.of("summarise")
    assert result.summary_chunks == 1 and len(call.texts) == 1
    assert (call.job.max_new_tokens, call.job.min_new_tokens, call.job.sentences) == (80, 20, 3)


def test_the_model_set_s_own_bounds_and_settings_reach_the_summariser(fake_dir):
    from service.engines.fake import fake_roles
    from service.models.sets import parse_model_set

    roles = fake_roles(max_input_tokens=SMALL_WINDOW)
    roles["summarise"].update(max_new_tokens=42, min_new_tokens=7, num_beams=3)
    pipeline = Pipeline(models=parse_model_set({"roles": roles}))
    with recording(pipeline) as calls:
        pipeline.run(long_article(), length="long", source_language="en")
    first = calls.of("summarise")[0]
    # Partial summaries of chunks: a quarter of the window at most, the set's minimum if smaller.
    assert (first.job.max_new_tokens, first.job.min_new_tokens) == (SMALL_WINDOW // 4, 7)
    assert dict(first.job.generation) == {
        "max_new_tokens": 42,
        "min_new_tokens": 7,
        "num_beams": 3,
        "max_input_tokens": SMALL_WINDOW,
    }
    assert first.job.sentences == 8
    with recording(pipeline) as calls:  # an article that fits: one call, with the set's own bounds
        pipeline.run("The council approved the tram plan on Tuesday.", length="long", source_language="en")
    [call] = calls.of("summarise")
    assert (call.job.max_new_tokens, call.job.min_new_tokens) == (42, 7)


def test_an_article_of_exactly_the_window_is_one_chunk(fake_small_window):
    from service.engines.fake import FakeEngine

    pipeline = Pipeline(models=fake_small_window)
    words = [f"w{i}" for i in range(SMALL_WINDOW - 1)]
    article = " ".join(words) + "."  # SMALL_WINDOW tokens: the words and the full stop
    assert FakeEngine().count_tokens([article]) == [SMALL_WINDOW]
    with recording(pipeline) as calls:
        result = pipeline.run(article, length="short", source_language="en")
    [call] = calls.of("summarise")
    assert result.summary_chunks == 1 and call.texts == (article,)
    assert call.job.max_new_tokens == 80  # the whole-article job, not a chunk's partial summary
