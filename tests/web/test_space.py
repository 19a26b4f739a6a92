"""The repository deploys unchanged as a Hugging Face Space: its files must agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from service.models.sets import load_model_set

ROOT = Path(__file__).resolve().parents[2]
#: Needed by `python -m service evaluate` only, not by the app a Space runs.
EVALUATION_ONLY = {"sacrebleu", "rouge-score"}


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with Space front matter"
    return yaml.safe_load(match.group(1))


def requirement_name(line: str) -> str:
    return re.split(r"[\[<>=!~ ;]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_front_matter_matches_the_project():
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    gradio_pin = next(d for d in pyproject()["project"]["dependencies"] if d.startswith("gradio=="))
    assert meta["sdk_version"] == gradio_pin.split("==")[1]
    major, minor = map(int, str(meta["python_version"]).split("."))
    assert (major, minor) >= (3, 11), "transformers 5 needs Python 3.11 or newer"
    assert (ROOT / meta["app_file"]).is_file()
    assert meta["license"] and meta["short_description"]
    default_models = {spec.model for spec in load_model_set("default").roles.values()}
    assert set(meta["preload_from_hub"]) == default_models
    assert set(meta["models"]) >= default_models


def test_requirements_cover_every_runtime_dependency():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    listed = {requirement_name(line) for line in lines if line.strip() and not line.startswith(("#", "-"))}
    needed = {requirement_name(d) for d in pyproject()["project"]["dependencies"]}
    needed -= {"gradio"} | EVALUATION_ONLY  # gradio comes from sdk_version on a Space
    assert needed <= listed, f"missing from requirements.txt: {sorted(needed - listed)}"
    assert "gradio" not in listed
