"""docs/result.schema.json is exact: every result validates, and every dropped or renamed key fails."""

from __future__ import annotations

import copy
import json
from dataclasses import fields

import pytest

from service.result import Result, Segment
from tests.conftest import ARTICLE_EN, ARTICLE_JA, ARTICLE_KO
from tests.shapes import SCHEMA_PATH, assert_result_shape, result_schema, shape_errors

pytest_plugins = ["tests.fakes"]


@pytest.fixture(scope="module")
def results(fake_pipeline) -> list[dict]:
    return [
        fake_pipeline.run(article, length=length, mode=mode).to_dict()
        for article, length, mode in (
            (ARTICLE_EN, "short", "summary"),
            (ARTICLE_KO, "medium", "article"),
            (ARTICLE_JA, "long", "summary"),
            (ARTICLE_JA, "short", "article"),
        )
    ]


def test_the_schema_lists_every_result_field_and_nothing_else():
    """A field added to Result (or removed from it) must be added to (removed from) the schema."""
    schema = result_schema()
    names = {f.name for f in fields(Result)}
    assert set(schema["properties"]) == names
    assert set(schema["required"]) == names
    segment = schema["$defs"]["segment"]
    assert set(segment["properties"]) == set(segment["required"]) == {f.name for f in fields(Segment)}


def test_every_result_validates(results):
    for data in results:
        assert_result_shape(data)
        assert_result_shape(json.loads(json.dumps(data)))  # the JSON text too, not only the dict


def test_tiny_models_result_validates(pipeline):
    """Real engines (the tiny models), not only the fake one."""
    assert_result_shape(pipeline.run(ARTICLE_KO, length="short", mode="article").to_dict())


def _paths(data: dict) -> list[tuple]:
    """Every key path of a result: top-level keys, translations.*, segments[0].*, article.*, quality[0].*."""
    paths: list[tuple] = [(key,) for key in data]
    paths += [("translations", key) for key in data["translations"]]
    paths += [("segments", 0, key) for key in data["segments"][0]]
    if data["article"]:
        paths += [("article", key) for key in data["article"]]
    if data["quality"]:
        paths += [("quality", 0, key) for key in data["quality"][0]]
    return paths


def _container(data, path):
    for step in path[:-1]:
        data = data[step]
    return data


@pytest.mark.parametrize("change", ["drop", "rename"])
def test_a_dropped_or_renamed_key_fails(results, change):
    data = results[1]  # article mode, with quality flags: every kind of key is present
    assert data["article"] and data["quality"]
    for path in _paths(data):
        if path in (("models",), ("timings",)):
            continue
        broken = copy.deepcopy(data)
        parent = _container(broken, path)
        value = parent.pop(path[-1])
        if change == "rename":
            parent[f"{path[-1]}_"] = value
        assert shape_errors(broken), f"{change} {path} went unnoticed"


def test_model_roles_and_timings_are_checked(results):
    data = copy.deepcopy(results[0])
    data["models"]["summariser"] = data["models"].pop("summarise")
    assert shape_errors(data)
    data = copy.deepcopy(results[0])
    del data["timings"]["total"]
    assert shape_errors(data)
    data = copy.deepcopy(results[0])
    data["segments"][0]["paragraph"] = "0"
    assert shape_errors(data)


def test_the_schema_is_linked_from_the_endpoint_docs():
    endpoints = (SCHEMA_PATH.parent / "endpoints.md").read_text(encoding="utf-8")
    assert "result.schema.json" in endpoints
