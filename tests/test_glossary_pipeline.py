"""Glossaries, sources and unsupported facts through the whole pipeline.

The fake engine (service/engines/fake.py) copies its input behind a label, so every applied form can
be asserted exactly; the tiny models give gibberish, so with them only the structure is checked.
"""

from __future__ import annotations

import re

import pytest

from service import Pipeline
from service.engines.fake import write_fake_model_set
from service.text.article import prepare
from service.text.glossary import parse_glossary
from tests.conftest import ARTICLE_EN
from tests.shapes import assert_result_shape

pytest_plugins = ["tests.fakes"]

GLOSSARY = """en,ko,ja
Lee Jae-myung,이재명,李在明
Takaichi Sanae,다카이치 사나에,高市早苗
"""
ARTICLE_KO_NAMES = (
    "이재명 대통령은 화요일 서울에서 다카이치 사나에 총리와 정상회담을 했다. "
    "두 정상은 12억 달러 규모의 반도체 협력에 합의했다.\n"
    "이재명 대통령은 회담 뒤 기자들에게 “매우 생산적이었다”고 말했다."
)
ARTICLE_EN_NAMES = (
    "President Lee Jae-myung met Prime Minister Takaichi Sanae in Seoul on Tuesday. "
    "The two leaders agreed on a 1.2 billion dollar chip partnership.\n"
    "Lee Jae-myung's office said the talks were productive."
)


def _cells(result, language):
    return [getattr(row, language) for row in result.segments]


def test_the_pivot_case_korean_name_goes_to_english_and_back(fake_pipeline):
    result = fake_pipeline.run(ARTICLE_KO_NAMES, glossary=GLOSSARY, length="short")
    assert_result_shape(result.to_dict())
    # ko → en: the glossary's English form, not a model's romanisation
    assert result.summary.startswith(
        "[summary] [ko-en] Lee Jae-myung 대통령은 화요일 서울에서 Takaichi Sanae 총리와"
    )
    assert "이재명" not in result.summary
    # en → ko and en → ja: back to 이재명 and 李在明, exactly where the English had the name
    for row in result.segments:
        assert row.ko == "[en-ko] " + row.en.replace("Lee Jae-myung", "이재명").replace(
            "Takaichi Sanae", "다카이치 사나에"
        )
        assert row.ja == "[en-ja] " + row.en.replace("Lee Jae-myung", "李在明").replace(
            "Takaichi Sanae", "高市早苗"
        )
    assert "李在明" in result.translations["ja"] and "이재명" in result.translations["ko"]
    report = {(g["term"], g["language"]): (g["form"], g["segments"]) for g in result.glossary}
    assert report == {
        ("Lee Jae-myung", "en"): ("Lee Jae-myung", [0, 2]),
        ("Takaichi Sanae", "en"): ("Takaichi Sanae", [0]),
        ("Lee Jae-myung", "ko"): ("이재명", [0, 2]),
        ("Takaichi Sanae", "ko"): ("다카이치 사나에", [0]),
        ("Lee Jae-myung", "ja"): ("李在明", [0, 2]),
        ("Takaichi Sanae", "ja"): ("高市早苗", [0]),
    }
    assert not [q for q in result.quality if q.kind in ("glossary", "unsupported")]


def test_english_article_in_article_mode_applies_terms_per_row(fake_pipeline):
    result = fake_pipeline.run(ARTICLE_EN_NAMES, glossary=parse_glossary(GLOSSARY), mode="article")
    rows_with_lee = [i for i, row in enumerate(result.segments) if "Lee Jae-myung" in row.en]
    assert rows_with_lee
    for i in rows_with_lee:
        assert "李在明" in result.segments[i].ja and "이재명" in result.segments[i].ko
    assert result.segments[-1].ja == "[en-ja] 李在明's office said the talks were productive."
    report = {(g["term"], g["language"]): g["segments"] for g in result.glossary}
    assert report[("Lee Jae-myung", "ko")] == rows_with_lee == report[("Lee Jae-myung", "ja")]
    assert ("Lee Jae-myung", "en") not in report  # the article's own English is not glossary output


def test_without_a_glossary_nothing_changes(fake_pipeline):
    result = fake_pipeline.run(ARTICLE_KO_NAMES, length="short")
    assert result.glossary == [] and "이재명" in result.summary


class _DropPlaceholder:
    """Wraps an engine; for one role its output loses placeholder [T1] (as a real model may)."""

    def __init__(self, engine, drop: bool):
        self._engine, self._drop = engine, drop
        self.label, self.max_input_tokens = engine.label, engine.max_input_tokens

    def count_tokens(self, texts):
        return self._engine.count_tokens(texts)

    def generate(self, texts, job):
        out = self._engine.generate(texts, job)
        return [re.sub(r"\[T1\]", "", o) for o in out] if self._drop else out


def test_a_lost_placeholder_is_retranslated_without_it_and_flagged(fake_models):
    pipeline = Pipeline(models=fake_models)  # its own cache: the mangled outputs must not leak
    original = pipeline.engine
    pipeline.engine = lambda role: _DropPlaceholder(original(role), role == "en-ja")
    result = pipeline.run(ARTICLE_EN_NAMES, glossary=GLOSSARY, mode="article")
    for i, row in enumerate(result.segments):
        if "Lee Jae-myung" in row.en or "Takaichi Sanae" in row.en:
            assert row.ja == f"[en-ja] {row.en}"  # translated again, plain: no guessing
            assert "李在明" not in row.ja
            flags = [q for q in result.quality if q.field == f"segments[{i}].ja"]
            assert [q.kind for q in flags] == ["glossary"], flags
            assert "did not survive translation into Japanese" in flags[0].message
        assert "이재명" in row.ko if "Lee Jae-myung" in row.en else True
    assert not [g for g in result.glossary if g["language"] == "ja"]
    assert [g for g in result.glossary if g["language"] == "ko"]


def test_extractive_summary_sources_are_its_own_sentences(fake_dir):
    path = write_fake_model_set(fake_dir / "fake-extractive.toml")
    text = path.read_text(encoding="utf-8").replace(
        '[roles.summarise]\nengine = "fake"\nmodel = "summary"', '[roles.summarise]\nengine = "extractive"'
    )
    path.write_text(text, encoding="utf-8")
    result = Pipeline(models=path).run(ARTICLE_EN, length="medium")
    story = prepare(ARTICLE_EN, "en").paragraphs
    assert len(result.segments) >= 3
    for row in result.segments:
        assert len(row.sources) == 1
        source = row.sources[0]
        assert source["score"] == 1.0 and source["text"] == row.en
        assert story[source["paragraph"]][source["sentence"]] == row.en


def test_summary_sources_of_a_korean_article_point_at_its_korean_sentences(fake_pipeline):
    result = fake_pipeline.run(ARTICLE_KO_NAMES, length="short")
    story = prepare(ARTICLE_KO_NAMES, "ko").paragraphs
    for row in result.segments:
        assert row.sources, row
        best = row.sources[0]
        assert best["text"] == story[best["paragraph"]][best["sentence"]]
        assert best["text"] in row.ko  # the fake chain carries the Korean sentence through


class _Plant:
    """Wraps an engine; appends planted claims to summaries, or rewrites a figure in translations."""

    def __init__(self, engine, role: str):
        self._engine, self._role = engine, role
        self.label, self.max_input_tokens = engine.label, engine.max_input_tokens

    def count_tokens(self, texts):
        return self._engine.count_tokens(texts)

    def generate(self, texts, job):
        out = self._engine.generate(texts, job)
        if self._role == "summarise":
            return [o + " Costs rose 3.5% to 1.3 billion dollars, said Park Ji-sung of Busan." for o in out]
        if self._role == "en-ko":
            return [o.replace("200,000", "30만") for o in out]
        return out


def test_planted_unsupported_facts_are_all_flagged_and_nothing_else(fake_models):
    pipeline = Pipeline(models=fake_models)
    original = pipeline.engine
    pipeline.engine = lambda role: _Plant(original(role), role)
    result = pipeline.run(ARTICLE_EN, length="short")
    flags = [(q.field, q.message) for q in result.quality if q.kind == "unsupported"]
    assert flags == [
        ("summary", '"3.5%" is not in the article'),
        ("summary", '"1.3 billion" is not in the article'),
        ("summary", '"Park Ji-sung" is not in the article'),
        ("summary", '"Busan" is not in the article'),
        ("translations.ko", '"30만" is not in the English summary'),
    ]
    assert_result_shape(result.to_dict())


def test_the_unplanted_fake_run_has_no_unsupported_flags(fake_pipeline):
    for article in (ARTICLE_EN, ARTICLE_KO_NAMES, ARTICLE_EN_NAMES):
        for mode in ("summary", "article"):
            result = fake_pipeline.run(article, mode=mode, glossary=GLOSSARY)
            assert not [q for q in result.quality if q.kind == "unsupported"], (article, mode)


def test_model_set_default_glossary(fake_dir):
    folder = fake_dir / "with-glossary"
    folder.mkdir(exist_ok=True)
    (folder / "names.csv").write_text("en,ko,ja\nLee Jae-myung,이재명,李在明\n", encoding="utf-8")
    path = write_fake_model_set(folder / "models.toml")
    text = path.read_text(encoding="utf-8").replace(
        'name = "fake"', 'name = "fake"\nglossary = "names.csv"', 1
    )
    path.write_text(text, encoding="utf-8")
    pipeline = Pipeline(models=folder)
    assert pipeline.run(ARTICLE_EN_NAMES, length="short").segments[0].ja.count("李在明") == 1
    # a request's own glossary wins over the default for the same name
    own = "en,ko,ja\nLee Jae-myung,리재명,李在明さん\n"
    assert "李在明さん" in pipeline.run(ARTICLE_EN_NAMES, length="short", glossary=own).segments[0].ja


def test_a_missing_default_glossary_is_a_model_set_error(fake_dir):
    from service.errors import ServiceError

    path = write_fake_model_set(fake_dir / "bad-glossary.toml")
    text = path.read_text(encoding="utf-8").replace(
        'name = "fake"', 'name = "fake"\nglossary = "nope.csv"', 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ServiceError, match=r"glossary file 'nope\.csv' not found"):
        Pipeline(models=path)


def test_a_bad_glossary_is_an_input_error(fake_pipeline):
    from service.errors import InputError

    with pytest.raises(InputError, match="line 2: 2 cells"):
        fake_pipeline.run(ARTICLE_EN, glossary="en,ko,ja\nLee,이\n")


def test_tiny_models_keep_the_structure(pipeline):
    """Random weights: only structure. Each applied cell holds its form; each other cell that should
    have had a term is flagged as a dropped placeholder."""
    result = pipeline.run(ARTICLE_EN_NAMES, glossary=GLOSSARY, length="short", mode="article")
    data = result.to_dict()
    assert_result_shape(data)
    flagged = {q.field for q in result.quality if q.kind == "glossary"}
    applied = {(lang, i) for g in data["glossary"] for i in g["segments"] for lang in [g["language"]]}
    for i, row in enumerate(result.segments):
        if "Lee Jae-myung" not in row.en:
            continue
        for lang, form in (("ko", "이재명"), ("ja", "李在明")):
            if (lang, i) in applied:
                assert form in getattr(row, lang)
            else:
                assert f"segments[{i}].{lang}" in flagged
    summary_mode = pipeline.run(ARTICLE_EN_NAMES, glossary=GLOSSARY, length="short")
    assert_result_shape(summary_mode.to_dict())
    for row in summary_mode.segments:
        for source in row.sources:
            assert 0 < source["score"] <= 1


def test_translate_building_block_takes_a_glossary_through_the_pivot(fake_pipeline):
    out = fake_pipeline.translate(["이재명은 다카이치 사나에를 만났다."], "ko", "ja", glossary=GLOSSARY)
    assert out == ["[en-ja] [ko-en] 李在明은 高市早苗를 만났다."]
    assert fake_pipeline.translate(["이재명은 말했다."], "ko", "en", glossary=GLOSSARY) == [
        "[ko-en] Lee Jae-myung은 말했다."
    ]


class _InventInPivot(_Plant):
    def generate(self, texts, job):
        out = self._engine.generate(texts, job)
        return [o.replace("12억 달러", "1.3 billion dollars") for o in out] if self._role == "ko-en" else out


def test_a_figure_the_pivot_translation_invented_is_flagged_in_the_summary(fake_models):
    pipeline = Pipeline(models=fake_models)
    original = pipeline.engine
    pipeline.engine = lambda role: _InventInPivot(original(role), role)
    result = pipeline.run(ARTICLE_KO_NAMES, length="short")
    assert "1.3 billion dollars" in result.summary
    flags = [(q.field, q.message) for q in result.quality if q.kind == "unsupported"]
    assert flags == [("summary", '"1.3 billion" is not in the article')]
