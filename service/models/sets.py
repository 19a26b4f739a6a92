"""Model sets: which model serves which role, as configuration rather than code.

A model set maps the five roles (`summarise`, `en-ko`, `en-ja`, `ko-en`, `ja-en`) to a model and the
engine that runs it. Built-in sets live beside this module as TOML; a user's own set is a TOML file
of the same shape. Relative model paths in a file are resolved against the file's folder, so a set
and its models can be moved together (this is how `python -m service models tiny` works).

Model ids only ever come from here, never from request input: a web request can choose the length
or the mode, not which weights the server downloads.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import ModelSetError

ROLES: tuple[str, ...] = ("summarise", "en-ko", "en-ja", "ko-en", "ja-en")
#: `fake` is for wiring tests only (service/engines/fake.py): it labels its input, never translates.
ENGINES: tuple[str, ...] = ("auto", "transformers", "ctranslate2", "extractive", "fake")
#: Engines that need no weights; their `model` may be omitted.
WEIGHTLESS_ENGINES: frozenset[str] = frozenset({"extractive", "fake"})
#: Generation settings a role may set; anything else in a role table is a typo and is rejected.
GENERATION_KEYS: dict[str, type | tuple[type, ...]] = {
    "num_beams": int,
    "no_repeat_ngram_size": int,
    "repetition_penalty": (int, float),
    "length_penalty": (int, float),
    "max_input_tokens": int,
    "batch_tokens": int,
    # Fixed output bounds (override the length presets; benchmarks use them to fix the work done).
    "min_new_tokens": int,
    "max_new_tokens": int,
    # The fake engine only: seconds each call takes (tests of what the page shows during a run).
    "delay_s": (int, float),
    # The fake engine only: sentences each summary keeps (a condensing summariser, map-reduce tests).
    "summary_sentences": int,
}
SPEC_KEYS = {"engine", "model", "revision", "family", "compute_type", *GENERATION_KEYS}
BUILTIN_DIR = Path(__file__).with_name("builtin")


@dataclass(frozen=True)
class ModelSpec:
    """One role's model: where to load it from and how to run it."""

    role: str
    engine: str
    model: str | None
    revision: str | None = None
    family: str | None = None
    compute_type: str | None = None
    generation: Mapping[str, Any] = field(default_factory=dict)
    #: The set this spec came from (built-in name or TOML path), for messages such as the fetch hint.
    model_set: str = "default"

    @property
    def label(self) -> str:
        """What a user sees as 'the model' for this role."""
        if self.model is None:
            return self.engine
        return self.model if self.revision in (None, "main") else f"{self.model}@{self.revision}"


@dataclass(frozen=True)
class ModelSet:
    name: str
    roles: Mapping[str, ModelSpec]
    description: str = ""
    licence_warning: str = ""
    source: str = ""
    #: A default glossary file (optional key `glossary`, relative to the set's folder), applied to every
    #: run; a request's own glossary takes precedence over it (`service.text.glossary`).
    glossary: Path | None = None

    def spec(self, role: str) -> ModelSpec:
        return self.roles[role]

    def describe(self) -> dict[str, str]:
        """Role → model label, for results and reports."""
        return {role: self.roles[role].label for role in ROLES}


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def load_model_set(models: str | os.PathLike | ModelSet | None = None) -> ModelSet:
    """Resolve a model set from a built-in name or a TOML path (None: the built-in `default`).

    The environment is not read here: entry points pass `Settings.models` (`SERVICE_MODELS`)."""
    if isinstance(models, ModelSet):
        return models
    if models is None:
        models = "default"
    text = os.fspath(models)
    builtin = BUILTIN_DIR / f"{text}.toml"
    if "/" not in text and os.sep not in text and not text.endswith(".toml") and builtin.is_file():
        return _parse_file(builtin, base_dir=None, ref=text)
    path = Path(text).expanduser()
    if path.is_dir() and (path / "models.toml").is_file():
        path = path / "models.toml"
    if not path.is_file():
        raise ModelSetError(
            f"Unknown model set {text!r}: not a built-in set ({', '.join(builtin_names())}) "
            f"and no such TOML file"
        )
    return _parse_file(path, base_dir=path.parent, ref=str(path))


def _parse_file(path: Path, base_dir: Path | None, ref: str) -> ModelSet:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelSetError(f"Model set file {path} is not valid TOML: {exc}") from exc
    return parse_model_set(data, source=str(path), base_dir=base_dir, default_name=path.stem, ref=ref)


def parse_model_set(
    data: Mapping[str, Any],
    *,
    source: str = "<dict>",
    base_dir: Path | None = None,
    default_name: str = "",
    ref: str = "",
) -> ModelSet:
    """Validate a model set's data; every problem is reported with the role and key it concerns."""
    where = f"model set {source}"
    roles_data = data.get("roles")
    if not isinstance(roles_data, Mapping):
        raise ModelSetError(f"{where} has no [roles] table; it needs one entry per role: {', '.join(ROLES)}")
    missing = [r for r in ROLES if r not in roles_data]
    if missing:
        raise ModelSetError(
            f"{where} is missing role(s) {', '.join(missing)}; every set needs {', '.join(ROLES)}"
        )
    unknown = sorted(set(roles_data) - set(ROLES))
    if unknown:
        raise ModelSetError(f"{where} has unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    ref = ref or str(data.get("name") or default_name or source)
    specs = {role: _parse_spec(role, roles_data[role], where, base_dir, ref) for role in ROLES}
    return ModelSet(
        name=str(data.get("name") or default_name),
        roles=specs,
        description=str(data.get("description", "")),
        licence_warning=str(data.get("licence_warning", "")),
        source=source,
        glossary=_glossary_path(data.get("glossary"), where, base_dir),
    )


def _glossary_path(value: Any, where: str, base_dir: Path | None) -> Path | None:
    """The set's default glossary file: relative paths start at the set's folder (built-in sets:
    service/models/builtin)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ModelSetError(f"{where}: glossary must be the name of a CSV, TSV or TOML file")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base_dir or BUILTIN_DIR) / path
    if not path.is_file():
        raise ModelSetError(f"{where}: glossary file {value!r} not found (looked for {path})")
    return path


def _parse_spec(role: str, raw: Any, where: str, base_dir: Path | None, ref: str) -> ModelSpec:
    if not isinstance(raw, Mapping):
        raise ModelSetError(f"{where}: role {role} must be a table with at least `engine` and `model`")
    extra = sorted(set(raw) - SPEC_KEYS)
    if extra:
        raise ModelSetError(f"{where}: role {role} has unknown key(s) {', '.join(extra)}")
    engine = raw.get("engine", "auto")
    if engine not in ENGINES:
        raise ModelSetError(
            f"{where}: role {role} has unknown engine {engine!r}; engines are {', '.join(ENGINES)}"
        )
    if engine == "extractive" and role != "summarise":
        raise ModelSetError(f"{where}: role {role}: the extractive engine can only summarise, not translate")
    model = raw.get("model")
    if model is None and engine not in WEIGHTLESS_ENGINES:
        raise ModelSetError(f"{where}: role {role} needs a `model` (a Hub id or a local folder)")
    if model is not None:
        if not isinstance(model, str) or not model.strip():
            raise ModelSetError(f"{where}: role {role}: `model` must be a non-empty string")
        model = _resolve_model_path(model.strip(), base_dir)
    generation = {}
    for key, kind in GENERATION_KEYS.items():
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise ModelSetError(f"{where}: role {role}: `{key}` must be a number, got {value!r}")
            generation[key] = value
    if "delay_s" in generation and engine != "fake":
        raise ModelSetError(f"{where}: role {role}: `delay_s` is for the fake engine only")
    if "summary_sentences" in generation and engine != "fake":
        raise ModelSetError(f"{where}: role {role}: `summary_sentences` is for the fake engine only")
    return ModelSpec(
        role=role,
        engine=engine,
        model=model,
        revision=raw.get("revision"),
        family=raw.get("family"),
        compute_type=raw.get("compute_type"),
        generation=generation,
        model_set=ref,
    )


def _resolve_model_path(model: str, base_dir: Path | None) -> str:
    """Local folders relative to the set file become absolute; anything else is a Hub id."""
    if base_dir is None:
        return model
    candidate = Path(model).expanduser()
    if not candidate.is_absolute():
        candidate = base_dir / candidate
    if candidate.exists() or model.startswith((".", "/", "~")):
        return str(candidate.resolve())
    return model
