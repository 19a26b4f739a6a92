"""The exact shape of a result: docs/result.schema.json, for every test that sees one.

`Result.to_dict()`, the JSON API's body, `run --json` and the Gradio `/process` details (the result
plus `input`) are all checked against the one schema file users read, so a dropped, renamed or
unexpected key fails a test wherever it happens.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "docs" / "result.schema.json"


@cache
def result_schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def details_schema() -> dict[str, Any]:
    """The Gradio /process `details`: a result plus `input` (where the article came from)."""
    schema = copy.deepcopy(result_schema())
    schema["properties"]["input"] = {"$ref": "#/$defs/input"}
    schema["required"].append("input")
    return schema


def shape_errors(data: Any, schema: dict[str, Any] | None = None) -> list[str]:
    validator = Draft202012Validator(schema or result_schema())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(data)
    ]


def assert_result_shape(data: Any) -> None:
    errors = shape_errors(data)
    assert not errors, "\n".join(errors)


def assert_details_shape(data: Any) -> None:
    errors = shape_errors(data, details_schema())
    assert not errors, "\n".join(errors)
