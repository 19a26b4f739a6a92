"""What `Pipeline.run` asks of each model, tells its caller on the way, and hands back.

On the fake engine (service/engines/fake.py: outputs are `[en-ko] <sentence>`, summaries
`[summary] <first sentences>`), with every engine call recorded (tests/recording.py). These pin down
what a user or an embedding page sees and a model receives: the bounds and settings of each
translation job, the progress messages and their order, the partial results (`on_event`) a page
fills its columns from, the timings, the headline's place, the given language and its warning, the
building blocks (`translate`, `summarise`, `detect`, `warm_up`, `run_url`), and the settings a
`Pipeline` is built with.
"""

from __future__ import annotations

import re
import threading

import pytest

from service import Pipeline
from service.engines.base import Job
from service.engines.fake import FAKE_WARNING, fake_roles
from service.errors import InputError, InputTooLarge, UrlFetchDisabled
from service.fetching import FetchSettings
from service.limits import Limits
from service.models.sets import parse_model_set
from service.options import PipelineOptions
from service.settings import EngineSettings
from service.text.segment import join_sentences
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO
from tests.recording import recording

pytest.register_assert_rewrite("tests.fakes")
from tests.fakes import labelled  # noqa: E402

pytest_plugins = ["tests.fakes"]

TITLE = "Harbour gets a new ferry terminal"
P1 = [
    "The harbour authority approved a new ferry terminal on Monday.",
    "It will open in 2029 and serve three islands.",
]
P2 = [
    "Island residents welcomed the plan.",
    "Tickets will not rise before the terminal opens.",
]
#: A headline, then two paragraphs: the short summary is the first three sentences.
HARBOUR = f"{TITLE}\n\n{' '.join(P1)}\n\n{' '.join(P2)}"
SUMMARY_SENTENCES = [f"[summary] {P1[0]}", P1[1], P2[0]]
SUMMARY = " ".join(SUMMARY_SENTENCES)
#: The sentences of ARTICLE_KO, one paragraph per line (the first line holds two sentences).
KO_PARAGRAPHS = [
    [
        "시의회는 화요일 동부 지역과 도심을 잇는 새로운 트램 노선 건설 계획을 승인했다.",
        "사업비는 약 12억 달러로 2030년까지 완공될 예정이다.",
    ],
    ["김 시장은 이 노선이 20만 명이 넘는 주민의 이동 시간을 절반으로 줄일 것이라고 말했다."],
    ["비판론자들은 그 돈을 더 빨리 도입할 수 있는 버스에 써야 한다고 주장했다."],
]
KO_TITLE = "시의회, 동부 트램 노선 승인"


def fake_set(**changes: dict):
    """A fake model set (one named model per role) with some roles' settings changed."""
    roles = fake_roles()
    for role, settings in changes.items():
        roles[role.replace("_", "-")].update(settings)
    return parse_model_set({"roles": roles})


@pytest.fixture
def pipeline(fake_models) -> Pipeline:
    """A pipeline of its own: an empty translation cache, so every sentence reaches a model."""
    return Pipeline(models=fake_models)


def run_collecting(pipeline: Pipeline, text: str, **options):
    """`run` with every progress report and every event collected, in order."""
    progress: list[tuple[str, float]] = []
    events: list[tuple[str, dict]] = []
    result = pipeline.run(
        text,
        progress=lambda stage, fraction: progress.append((stage, fraction)),
        on_event=lambda kind, data: events.append((kind, data)),
        **options,
    )
    return result, progress, events


# -- the translation jobs -------------------------------------------------------------------------------


def test_translation_jobs_carry_the_default_bounds_and_no_settings(pipeline):
    """Without settings in the model set, each translator is asked for at most 512 new tokens and no
    minimum: a minimum would pad short sentences, a lower maximum would cut long ones."""
    with recording(pipeline) as calls:
        pipeline.run(ARTICLE_KO, length="short", mode="article")
    for role, (source, target) in {
        "ko-en": ("ko", "en"),
        "en-ko": ("en", "ko"),
        "en-ja": ("en", "ja"),
    }.items():
        expected = Job("translate", source=source, target=target, max_new_tokens=512, min_new_tokens=0)
        assert calls.of(role) and all(call.job == expected for call in calls.of(role)), role


def test_a_translator_s_own_bounds_and_settings_reach_its_jobs_and_no_other(fake_models):
    pipeline = Pipeline(models=fake_set(en_ko={"max_new_tokens": 64, "min_new_tokens": 2, "num_beams": 4}))
    with recording(pipeline) as calls:
        pipeline.run(HARBOUR, length="short", source_language="en")
    assert calls.of("en-ko")[0].job == Job(
        "translate",
        source="en",
        target="ko",
        max_new_tokens=64,
        min_new_tokens=2,
        generation={"max_new_tokens": 64, "min_new_tokens": 2, "num_beams": 4},
    )
    assert calls.of("en-ja")[0].job == Job("translate", source="en", target="ja", max_new_tokens=512)


def test_a_sentence_longer_than_the_translator_window_is_translated_in_pieces_and_joined():
    """Nothing is cut: the 27-token sentence goes to a 20-token translator in two pieces, and the
    Japanese row holds both translated pieces joined the Japanese way (no space)."""
    pipeline = Pipeline(models=fake_set(en_ja={"max_input_tokens": 20, "revision": "window-20"}))
    sentence = (
        "The regional transport authority published its annual report on Monday, and ridership on the "
        "tram network rose by twelve percent compared with the previous year."
    )
    pieces = [
        "The regional transport authority published its annual report on Monday, and ridership",
        "on the tram network rose by twelve percent compared with the previous year.",
    ]
    with recording(pipeline) as calls:
        [japanese] = pipeline.translate([sentence], "en", "ja")
    assert calls.texts("en-ja") == pieces
    assert japanese == "".join(labelled("en-ja", pieces))


# -- progress, timings and partial results ----------------------------------------------------------------


def test_progress_names_each_stage_in_order_with_its_share_of_the_work(pipeline):
    _, progress, _ = run_collecting(pipeline, HARBOUR, length="short")
    assert progress == [
        ("Cleaning text", 0.02),
        ("Detecting language", 0.05),
        ("Splitting sentences", 0.08),
        ("Summarising in English", 0.35),
        ("Translating into Korean and Japanese", 0.65),
        ("Done", 1.0),
    ]
    _, progress, _ = run_collecting(pipeline, ARTICLE_JA, length="short")
    assert progress[3] == ("Translating the article into English", 0.12)
    assert [stage for stage, _ in progress[4:]] == [
        "Summarising in English",
        "Translating into Korean and Japanese",
        "Done",
    ]


def test_each_stage_is_timed_under_its_own_name(pipeline):
    english = pipeline.run(HARBOUR, length="short")
    stages = {"total", "clean", "detect", "load_models", "segment", "summarise", "translate"}
    assert set(english.timings) == stages
    assert all(isinstance(seconds, float) and seconds >= 0 for seconds in english.timings.values())
    assert english.timings["total"] >= english.timings["summarise"] + english.timings["translate"]
    korean = pipeline.run(ARTICLE_KO, length="short")
    assert set(korean.timings) == stages | {"to_english"}


def translation_events(events) -> dict[str, dict]:
    kinds = [kind for kind, _ in events]
    assert kinds == ["summary", "translation", "translation"]
    by_language = {data["language"]: data for kind, data in events[1:]}
    assert set(by_language) == {"ko", "ja"}
    return by_language


def test_summary_mode_events_give_the_summary_then_each_language_s_rows(pipeline):
    result, _, events = run_collecting(pipeline, HARBOUR, length="short")
    assert events[0] == (
        "summary",
        {
            "summary": SUMMARY,
            "summary_chunks": 1,
            "source_language": "en",
            "title": TITLE,
            "rows": SUMMARY_SENTENCES,
            "article": None,
        },
    )
    for target, data in translation_events(events).items():
        rows = labelled(f"en-{target}", SUMMARY_SENTENCES)
        assert data == {
            "language": target,
            "summary": join_sentences(rows, target),
            "article": None,
            "rows": rows,
        }
        assert data["summary"] == result.translations[target]


def test_article_mode_events_give_every_row_with_the_headline_first(pipeline):
    result, _, events = run_collecting(pipeline, HARBOUR, length="short", mode="article")
    rows = [TITLE, *P1, *P2]
    assert events[0] == (
        "summary",
        {
            "summary": SUMMARY,
            "summary_chunks": 1,
            "source_language": "en",
            "title": TITLE,
            "rows": rows,
            "article": [TITLE, " ".join(P1), " ".join(P2)],
        },
    )
    for target, data in translation_events(events).items():
        tag = f"en-{target}"
        assert data == {
            "language": target,
            "summary": join_sentences(labelled(tag, SUMMARY_SENTENCES), target),
            "article": [join_sentences(labelled(tag, p), target) for p in ([TITLE], P1, P2)],
            "rows": labelled(tag, rows),
        }
        assert data["article"] == result.article[target]


def test_a_korean_article_s_own_sentences_fill_the_korean_column_of_its_events(pipeline):
    result, _, events = run_collecting(pipeline, ARTICLE_KO, length="short", mode="article")
    english = [labelled("ko-en", p) for p in KO_PARAGRAPHS]
    assert events[0][1]["rows"] == [s for p in english for s in p]
    assert events[0][1]["article"] == [" ".join(p) for p in english]
    korean = translation_events(events)["ko"]
    assert korean["rows"] == [s for p in KO_PARAGRAPHS for s in p]
    assert korean["article"] == [" ".join(p) for p in KO_PARAGRAPHS] == result.article["ko"]
    assert korean["summary"] == result.translations["ko"]
    assert korean["summary"].startswith("[en-ko] [summary] [ko-en] ")
    japanese = translation_events(events)["ja"]
    assert japanese["rows"] == labelled("en-ja", [s for p in english for s in p])


# -- the whole result ---------------------------------------------------------------------------------


def test_a_summary_run_s_result_holds_every_field_from_its_stage(pipeline):
    result = pipeline.run(HARBOUR, length="short")
    assert (result.source_language, result.detection_method, result.mode, result.length) == (
        "en",
        "langdetect",
        "summary",
        "short",
    )
    assert result.language_probability > 0.9
    assert result.summary == SUMMARY
    assert result.translations == {
        t: join_sentences(labelled(f"en-{t}", SUMMARY_SENTENCES), t) for t in ("ko", "ja")
    }
    assert [(s.en, s.ko, s.ja, s.paragraph) for s in result.segments] == [
        (en, f"[en-ko] {en}", f"[en-ja] {en}", 0) for en in SUMMARY_SENTENCES
    ]
    # Each summary sentence points at the article sentence it came from (the headline is not one).
    assert [[(s["paragraph"], s["sentence"], s["text"]) for s in row.sources] for row in result.segments] == [
        [(0, 0, P1[0])],
        [(0, 1, P1[1])],
        [(1, 0, P2[0])],
    ]
    assert result.models == {"summarise": "summary", "en-ko": "en-ko", "en-ja": "en-ja"}
    assert result.summary_chunks == 1 and result.summary_left_out == []
    assert result.article is None
    assert [(q.field, q.kind) for q in result.quality] == [
        ("translations.ko", "untranslated"),
        ("translations.ja", "untranslated"),
    ]
    assert result.warnings == [FAKE_WARNING]
    assert result.title == TITLE and result.removed == [] and result.glossary == []


def test_an_article_run_s_result_holds_every_paragraph_in_every_language(pipeline):
    result = pipeline.run(HARBOUR, length="short", mode="article")
    assert result.mode == "article"
    assert result.article == {
        "en": [TITLE, " ".join(P1), " ".join(P2)],
        **{t: [join_sentences(labelled(f"en-{t}", p), t) for p in ([TITLE], P1, P2)] for t in ("ko", "ja")},
    }
    assert [(s.en, s.paragraph) for s in result.segments] == [
        (TITLE, 0),
        (P1[0], 1),
        (P1[1], 1),
        (P2[0], 2),
        (P2[1], 2),
    ]
    assert [q.field for q in result.quality] == [
        "translations.ko",
        "translations.ja",
        *[f"article.{t}[{i}]" for t in ("ko", "ja") for i in range(3)],
    ]


def test_the_result_lists_what_a_one_pass_summary_left_out(fake_small_window):
    """An article a little over the summariser's window (70 tokens in 60) is read in one pass without
    its least central sentences, which the result names instead of dropping them silently."""
    bakery = "A bakery near the old pier sells cinnamon buns on Sundays."
    extra = [
        "The terminal will have room for four ferries.",
        "Each ferry will carry up to three hundred passengers and forty cars.",
    ]
    text = f"{' '.join(P1)}\n\n{bakery} {' '.join(P2)} {' '.join(extra)}"
    pipeline = Pipeline(models=fake_small_window)
    with recording(pipeline) as calls:
        result = pipeline.run(text, length="short", source_language="en")
    assert result.summary_chunks == 1
    assert result.summary_left_out == [P2[0], extra[0]]
    assert calls.texts("summarise") == [f"{' '.join(P1)}\n\n{bakery} {P2[1]} {extra[1]}"]
    assert result.to_dict()["summary_left_out"] == result.summary_left_out


def test_a_summary_far_shorter_than_the_length_asked_for_is_flagged_against_that_length():
    """A condensing summariser (one sentence, 6 words) on a 60-word article: fine for a short
    summary, flagged for a long one, and the flag names the length that was asked for."""
    text = "Tram fares will not change. " + " ".join(
        [
            "The regional transport authority said on Monday that ticket prices would stay the same "
            "until at least next summer.",
            "Ridership on the tram network rose by 12 percent last year, while operating costs grew "
            "because of higher energy prices.",
            "Unions warned that staff shortages could force more cancellations during the winter months.",
        ]
    )
    pipeline = Pipeline(models=parse_model_set({"roles": fake_roles(summary_sentences=1)}))

    def summary_flags(length):
        result = pipeline.run(text, length=length)
        assert result.summary == "[summary] Tram fares will not change."
        return [(q.kind, q.message) for q in result.quality if q.field == "summary"]

    assert summary_flags("short") == []
    assert summary_flags("long") == [
        ("too_short", "The summary has only 6 words, far fewer than a long summary should have.")
    ]


def test_a_model_set_without_a_licence_warning_adds_no_warning():
    result = Pipeline(models=fake_set()).run(HARBOUR, length="short")
    assert result.warnings == []


class Rewriting:
    """An engine whose outputs are rewritten by `change` (a model that invents or drops something)."""

    def __init__(self, engine, change):
        self._engine, self._change = engine, change
        self.label, self.max_input_tokens = engine.label, engine.max_input_tokens

    def count_tokens(self, texts):
        return self._engine.count_tokens(texts)

    def generate(self, texts, job):
        return [self._change(out) for out in self._engine.generate(texts, job)]


def rewrite(pipeline: Pipeline, role: str, change) -> Pipeline:
    original = pipeline.engine
    pipeline.engine = lambda r: Rewriting(original(r), change) if r == role else original(r)
    return pipeline


def test_a_figure_a_translator_invented_is_flagged_in_the_article_paragraph_too(pipeline):
    """In article mode every translated paragraph is checked against its English paragraph, not
    only the translated summary."""
    text = (
        "The council approved a 1.2 billion dollar tram line on Tuesday. Work starts in the spring."
        "\n\nCritics said buses would be cheaper."
    )
    rewrite(pipeline, "en-ja", lambda out: out.replace("1.2 billion", "1.3 billion"))
    result = pipeline.run(text, mode="article", length="short", source_language="en")
    assert [(q.field, q.message) for q in result.quality if q.kind == "unsupported"] == [
        ("translations.ja", '"1.3 billion" is not in the English summary'),
        ("article.ja[0]", '"1.3 billion" is not in the English paragraph'),
    ]


def test_a_glossary_name_a_translator_added_is_flagged_as_not_in_the_summary(pipeline):
    """The run's glossary is what tells the facts check that 高市早苗 is a name: a Japanese
    translation naming her when the English summary does not is flagged."""
    text = "President Lee Jae-myung visited Tokyo on Tuesday. He met business leaders there."
    rewrite(pipeline, "en-ja", lambda out: out.replace("[en-ja] He met", "[en-ja] 高市早苗 He met"))
    glossary = "en,ko,ja\nTakaichi Sanae,다카이치 사나에,高市早苗\n"
    result = pipeline.run(text, glossary=glossary, length="short", source_language="en")
    assert [(q.field, q.message) for q in result.quality if q.kind == "unsupported"] == [
        ("translations.ja", '"高市早苗" is not in the English summary')
    ]


def test_a_name_the_pivot_lost_is_flagged_on_the_korean_article_s_own_rows(pipeline):
    """In article mode a Korean article's sentences are rows of their own: a glossary name the
    Korean-to-English model dropped is flagged on that row's English cell, not on the summary."""
    text = (
        "이재명 대통령은 화요일 서울에서 일본 총리와 정상회담을 했다. 두 정상은 반도체 협력에 합의했다.\n"
        "이재명 대통령은 회담 뒤 기자들에게 회담이 생산적이었다고 말했다."
    )
    rewrite(pipeline, "ko-en", lambda out: re.sub(r"\[T\d+\]", "", out))
    result = pipeline.run(
        text, glossary="en,ko,ja\nLee Jae-myung,이재명,李在明\n", mode="article", length="short"
    )
    message = (
        'The glossary term "이재명" did not survive translation into English here, so this sentence was '
        "translated again without the glossary; check the name."
    )
    assert [(q.field, q.message) for q in result.quality if q.kind == "glossary"] == [
        ("segments[0].en", message),
        ("segments[2].en", message),
    ]


def test_the_glossary_report_of_a_korean_article_names_its_english_and_japanese_rows(pipeline):
    """In article mode the Korean rows are the article's own sentences: the report lists where the
    glossary put the name into the English (pivot) and Japanese rows, and no Korean entry."""
    text = (
        "이재명 대통령은 화요일 서울에서 일본 총리와 정상회담을 했다. 두 정상은 반도체 협력에 합의했다.\n"
        "이재명 대통령은 회담 뒤 기자들에게 회담이 생산적이었다고 말했다."
    )
    result = pipeline.run(
        text, glossary="en,ko,ja\nLee Jae-myung,이재명,李在明\n", mode="article", length="short"
    )
    assert result.glossary == [
        {"term": "Lee Jae-myung", "language": "en", "form": "Lee Jae-myung", "segments": [0, 2]},
        {"term": "Lee Jae-myung", "language": "ja", "form": "李在明", "segments": [0, 2]},
    ]


def test_the_glossary_report_credits_the_glossary_only_where_it_put_the_name_in(pipeline):
    """A Korean sentence without the name whose English translation mentions it anyway (the model
    added it): in article mode that row is not reported as a glossary row, since the glossary did
    not put the name there."""
    text = "이재명 대통령은 화요일 서울에서 일본 총리와 정상회담을 했다. 두 정상은 반도체 협력에 합의했다."
    rewrite(pipeline, "ko-en", lambda out: out.replace("두 정상은", "Lee Jae-myung and 두 정상은"))
    result = pipeline.run(
        text, glossary="en,ko,ja\nLee Jae-myung,이재명,李在明\n", mode="article", length="short"
    )
    assert "Lee Jae-myung" in result.segments[1].en
    assert [(g["language"], g["segments"]) for g in result.glossary if g["language"] == "en"] == [("en", [0])]


# -- the headline -----------------------------------------------------------------------------------------


def test_the_headline_is_a_row_in_article_mode_but_never_summarised_or_translated_in_summary_mode(pipeline):
    """The headline is the title of the result; in article mode it is also the first row, translated
    like the rest, but the summariser never reads it (it would lead every summary)."""
    text = f"{KO_TITLE}\n\n{ARTICLE_KO}"
    story = [s for p in KO_PARAGRAPHS for s in p]
    english = "\n\n".join(" ".join(labelled("ko-en", p)) for p in KO_PARAGRAPHS)
    with recording(pipeline) as calls:
        result = pipeline.run(text, length="short", mode="summary")
    assert result.title == KO_TITLE
    assert calls.texts("ko-en") == story
    assert calls.texts("summarise") == [english]
    article_pipeline = Pipeline(models=pipeline.model_set)
    with recording(article_pipeline) as calls:
        result = article_pipeline.run(text, length="short", mode="article")
    assert calls.texts("ko-en") == [KO_TITLE, *story]
    assert calls.texts("summarise") == [english]
    assert [s.ko for s in result.segments] == [KO_TITLE, *story]
    assert result.segments[0].en == f"[ko-en] {KO_TITLE}"
    assert result.article["ko"][0] == KO_TITLE


def test_the_summariser_reads_the_english_paragraphs_apart(pipeline):
    with recording(pipeline) as calls:
        pipeline.run(HARBOUR, length="short")
    assert calls.texts("summarise") == [f"{' '.join(P1)}\n\n{' '.join(P2)}"]


def test_page_furniture_alone_is_refused_as_no_story(pipeline):
    with pytest.raises(InputError) as caught:
        pipeline.run("Related articles", source_language="en")
    assert str(caught.value) == "Only page furniture was found (bylines, dates, captions): no story"


def test_furniture_is_removed_unless_cleaning_is_turned_off(pipeline):
    cleaned = pipeline.run(ARTICLE_EN, length="short", mode="article")
    assert cleaned.title == "City council approves new tram line for the eastern districts"
    assert [r["text"] for r in cleaned.removed] == [
        "Published: 13 Jan. 2026, 19:09 Updated: 13 Jan. 2026, 19:23"
    ]
    kept = pipeline.run(ARTICLE_EN, length="short", mode="article", clean=False)
    assert kept.title is None and kept.removed == []
    assert kept.segments[1].en == "Published: 13 Jan. 2026, 19:09 Updated: 13 Jan. 2026, 19:23"


# -- the source language ----------------------------------------------------------------------------------


def test_a_given_source_language_is_used_as_given_and_said_to_be(pipeline):
    result = pipeline.run(HARBOUR, length="short", source_language="en")
    assert (result.source_language, result.language_probability, result.detection_method) == (
        "en",
        1.0,
        "given",
    )
    assert result.warnings == [FAKE_WARNING]


def test_a_given_language_the_text_contradicts_is_processed_as_given_with_a_warning(pipeline):
    with recording(pipeline) as calls:
        result = pipeline.run(ARTICLE_KO, length="short", source_language="en")
    assert result.source_language == "en" and "ko-en" not in calls.roles()
    assert result.warnings == [
        "source language English was given, but the text is written in Korean script; it was processed as English",
        FAKE_WARNING,
    ]
    assert result.models == {"summarise": "summary", "en-ko": "en-ko", "en-ja": "en-ja"}


def test_a_detected_language_brings_its_own_translator_into_the_models(pipeline):
    result = pipeline.run(ARTICLE_JA, length="short")
    assert (result.source_language, result.detection_method) == ("ja", "script")
    assert result.models == {"summarise": "summary", "en-ko": "en-ko", "en-ja": "en-ja", "ja-en": "ja-en"}
    assert result.warnings == [FAKE_WARNING]


# -- options and settings the pipeline is built with --------------------------------------------------------


def test_the_pipeline_s_own_options_are_the_defaults_of_each_run(fake_models):
    pipeline = Pipeline(
        models=fake_models, options=PipelineOptions(length="short", mode="article", clean=False)
    )
    with recording(pipeline) as calls:
        result = pipeline.run(HARBOUR)
    assert (result.length, result.mode, result.title) == ("short", "article", None)
    assert calls.of("summarise")[0].job.sentences == 3


def test_the_engine_and_fetch_settings_and_limits_given_are_the_ones_used(fake_models):
    engines, fetch, limits = (
        EngineSettings(ct2_threads=3),
        FetchSettings(enabled=False),
        Limits(max_chars=5_000),
    )
    pipeline = Pipeline(models=fake_models, engines=engines, fetch=fetch, limits=limits)
    assert pipeline.engine_settings is engines and pipeline.limits is limits
    assert pipeline.url_reader.settings is fetch and pipeline.url_reader.limits is limits
    with pytest.raises(UrlFetchDisabled):
        pipeline.run_url("https://news.example.com/2026/01/13/tram")


def test_the_engines_are_loaded_with_the_pipeline_s_engine_settings(fake_models):
    """Engines are shared per model and settings: the pipeline gets the one loaded with its own
    settings (threads, cache folder), not one loaded with the defaults."""
    from service.engines import load_engine

    settings = EngineSettings(ct2_threads=3)
    pipeline = Pipeline(models=fake_models, engines=settings)
    spec = pipeline.model_set.spec("en-ko")
    assert pipeline.engine("en-ko") is load_engine(spec, EngineSettings(ct2_threads=3))
    assert pipeline.engine("en-ko") is not load_engine(spec, EngineSettings())


def test_at_most_two_translations_run_at_once_whatever_the_number_of_runs():
    """One pool of two translation threads per pipeline (one per target): three runs at once on a
    shared pipeline queue their translations instead of starting six on a small machine."""
    pipeline = Pipeline(models=parse_model_set({"roles": fake_roles(delays={"en-ko": 0.2, "en-ja": 0.2})}))
    busy, peak, lock = [0], [0], threading.Lock()
    original = pipeline.engine

    class Counting:
        def __init__(self, inner):
            self._inner = inner
            self.label, self.max_input_tokens = inner.label, inner.max_input_tokens

        def count_tokens(self, texts):
            return self._inner.count_tokens(texts)

        def generate(self, texts, job):
            with lock:
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])
            try:
                return self._inner.generate(texts, job)
            finally:
                with lock:
                    busy[0] -= 1

    pipeline.engine = lambda role: Counting(original(role)) if role in ("en-ko", "en-ja") else original(role)
    runs = [
        threading.Thread(
            target=pipeline.run, args=(text,), kwargs={"length": "short", "source_language": "en"}
        )
        for text in (HARBOUR, " ".join(P1), " ".join(P2))
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert peak[0] == 2


def test_an_article_over_the_character_limit_is_refused_by_name(fake_models):
    text = "The council approved the tram plan on Tuesday."
    pipeline = Pipeline(models=fake_models, limits=Limits(max_chars=len(text) - 1))
    with pytest.raises(InputTooLarge) as caught:
        pipeline.run(text)
    assert str(caught.value) == (
        f"The article's length in characters is {len(text)}, over the limit max_chars={len(text) - 1} "
        "(set SERVICE_MAX_CHARS to change it)"
    )


def test_a_run_s_glossary_is_merged_over_the_model_set_s_default_glossary(fake_dir):
    """The set's default names still apply when a run brings a glossary of its own."""
    folder = fake_dir / "jobs-default-glossary"
    folder.mkdir(exist_ok=True)
    (folder / "names.csv").write_text("en,ko,ja\nTakaichi Sanae,다카이치 사나에,高市早苗\n", encoding="utf-8")
    roles = fake_roles()
    pipeline = Pipeline(models=parse_model_set({"glossary": "names.csv", "roles": roles}, base_dir=folder))
    text = "President Lee Jae-myung met Prime Minister Takaichi Sanae in Seoul on Tuesday."
    result = pipeline.run(text, length="short", glossary="en,ko,ja\nLee Jae-myung,이재명,李在明\n")
    assert {(g["term"], g["language"], g["form"]) for g in result.glossary} == {
        ("Lee Jae-myung", "ko", "이재명"),
        ("Lee Jae-myung", "ja", "李在明"),
        ("Takaichi Sanae", "ko", "다카이치 사나에"),
        ("Takaichi Sanae", "ja", "高市早苗"),
    }


def test_translations_run_on_the_pipeline_s_named_translation_threads(pipeline):
    """Both targets are translated at once on the pool's threads, named for what they do (thread
    dumps and profiles of a busy server show `translate_0`, `translate_1`)."""
    names: dict[str, set[str]] = {"en-ko": set(), "en-ja": set()}
    original = pipeline.engine

    def engine(role):
        inner = original(role)
        if role not in names:
            return inner

        class Spy:
            label, max_input_tokens, count_tokens = inner.label, inner.max_input_tokens, inner.count_tokens

            def generate(self, texts, job):
                names[role].add(threading.current_thread().name)
                return inner.generate(texts, job)

        return Spy()

    pipeline.engine = engine
    pipeline.run(HARBOUR, length="short")
    assert all(n and all(name.startswith("translate_") for name in n) for n in names.values()), names


def test_the_translation_cache_keeps_the_latest_twenty_thousand_sentences(fake_models):
    pipeline = Pipeline(models=fake_models)
    sentences = [f"Item {n} was sold." for n in range(20_001)]
    pipeline.translate(sentences, "en", "ko")
    with recording(pipeline) as calls:
        pipeline.translate([sentences[1], sentences[-1]], "en", "ko")
    assert calls.texts("en-ko") == []  # still cached
    with recording(pipeline) as calls:
        pipeline.translate([sentences[0]], "en", "ko")
    assert calls.texts("en-ko") == [sentences[0]]  # the oldest was let go


# -- building blocks -------------------------------------------------------------------------------------


def test_translate_keeps_each_text_whole_in_its_own_language(fake_pipeline):
    texts = [" ".join(P1), P2[0]]
    assert fake_pipeline.translate(texts, "en", "en") == texts
    assert fake_pipeline.translate(texts, "en", "ja") == [
        "".join(labelled("en-ja", P1)),
        f"[en-ja] {P2[0]}",
    ]
    korean = " ".join(KO_PARAGRAPHS[0])
    assert fake_pipeline.translate([korean], "ko", "ja") == [
        "".join(f"[en-ja] [ko-en] {s}" for s in KO_PARAGRAPHS[0])
    ]
    assert fake_pipeline.translate([korean], "ko", "ko") == [korean]


def test_summarise_reads_english_without_its_furniture_at_the_medium_length_by_default(pipeline):
    """English furniture rules apply (an `Advertisement` line is not story), and the medium preset
    asks for five sentences."""
    text = " ".join(P1 + P2 + ["The first ferry is due to sail in the spring of 2029."])
    with recording(pipeline) as calls:
        summary = pipeline.summarise(f"{text}\nAdvertisement")
    [call] = calls.of("summarise")
    assert call.texts == (text,) and call.job.sentences == 5
    assert summary == f"[summary] {text}"


@pytest.mark.parametrize(("text", "name"), [(ARTICLE_KO, "Korean"), (ARTICLE_JA, "Japanese")])
def test_summarise_refuses_korean_and_japanese_text(pipeline, text, name):
    with pytest.raises(InputError) as caught:
        pipeline.summarise(text)
    assert str(caught.value) == (
        f"summarise() takes English text, but this text is in {name}: use run(), "
        "which translates the article into English first"
    )


def test_detect_reads_the_cleaned_text(fake_pipeline):
    assert fake_pipeline.detect(f"{ARTICLE_KO}\n\nPhoto: Reuters").language == "ko"
    assert fake_pipeline.detect(ARTICLE_JA).language == "ja"


def test_warm_up_reports_each_role_and_readies_the_korean_splitter(monkeypatch):
    import service.pipeline

    split = []
    real = service.pipeline.split_sentences
    monkeypatch.setattr(
        service.pipeline,
        "split_sentences",
        lambda text, language: split.append(language) or real(text, language),
    )
    roles = fake_roles()
    roles["ja-en"] = {"engine": "transformers", "model": "example-org/no-such-translator"}
    pipeline = Pipeline(models=parse_model_set({"roles": roles}))
    status = pipeline.warm_up(["summarise", "en-ko"])
    assert status == {"summarise": None, "en-ko": None} and split == []
    status = pipeline.warm_up(["ko-en", "ja-en"])
    assert status["ko-en"] is None
    assert status["ja-en"].startswith("The ja-en model 'example-org/no-such-translator' could not be loaded")
    assert split == ["ko"]


def test_run_url_runs_the_article_behind_the_link_and_records_its_source(pipeline):
    class Page:
        text = HARBOUR

        def source(self):
            return {"url": "https://news.example.com/harbour", "title": TITLE}

    class Reader:
        def read(self, url):
            assert url == "https://news.example.com/harbour"
            return Page()

    pipeline.url_reader = Reader()
    result = pipeline.run_url("https://news.example.com/harbour", length="short")
    assert result.summary == SUMMARY and result.length == "short"
    assert result.source == {"url": "https://news.example.com/harbour", "title": TITLE}
