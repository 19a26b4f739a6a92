"""Task templates (`prompts/*.toml`): how a prompt-driven model is told what to do.

Kept as files, not strings in code, so a model whose checkpoint expects other wording needs a new
template, not a code change. Installed wheels carry them as `service/_prompts`; a source checkout
reads the repository's `prompts/` folder.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from service.errors import ModelSetError

_CANDIDATE_DIRS = (
    Path(__file__).resolve().parents[1] / "_prompts",
    Path(__file__).resolve().parents[2] / "prompts",
)


@cache
def load_prompt(name: str) -> dict[str, str]:
    """The templates of one prompt file, keyed by task (`summarise`, `translate`)."""
    for folder in _CANDIDATE_DIRS:
        path = folder / f"{name}.toml"
        if path.is_file():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            return {k: str(v) for k, v in data.items()}
    raise ModelSetError(f"Prompt template {name!r} not found in {', '.join(map(str, _CANDIDATE_DIRS))}")
