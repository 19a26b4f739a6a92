"""What a server shows of its models: their names, never where their files live.

A model set may point at local folders (`/srv/models/opus-mt-ko-en`); a public Space or server must
not tell every visitor its file layout. Every result that leaves the web layer (the page, its
downloads, the JSON API and its stream, the Gradio client endpoints, batch files) goes through
`public_result`, and `/health` names models with `model_name`. The library and the CLI, which run on
the user's own machine, keep the full label.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

from service.result import Result


def model_name(model: str) -> str:
    """A model's name without where it lives: `/srv/models/opus-mt-ko-en` → `opus-mt-ko-en`. A Hub
    id (`Helsinki-NLP/opus-mt-ko-en`, with an `@revision` or not) is a name already and stays."""
    text = str(model)
    if "/" in text or "\\" in text:
        path = PurePath(text.replace("\\", "/"))
        if text.startswith(("/", "./", "../", "~")) or len(path.parts) > 2:
            return path.name or text
    return text


def public_models(models: dict[str, str]) -> dict[str, str]:
    return {role: model_name(model) for role, model in models.items()}


def public_result(result: Result) -> Result:
    """The result with model names instead of model paths (everything else as it is)."""
    return replace(result, models=public_models(result.models))
