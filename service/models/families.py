"""What differs between seq2seq families, written down as data.

Marian, T5, BART, M2M100 and NLLB all load through the same Auto classes and all `generate`; they
differ only in how the task and the languages are signalled to the model:

- a target-language token forced as the first generated token (M2M100 `__ko__`, NLLB `kor_Hang`),
  with the source language set on the tokenizer;
- a `>>kor<<` token prepended to the source text (multilingual Marian models, when their vocabulary
  has it);
- a text prompt from `prompts/` (T5).

Engines read a `Family` record instead of branching on model names, so adding a family is adding a
record here. A model's family is recognised from `config.model_type` plus the tokens its vocabulary
holds (NLLB and M2M100 share a model type but not their language codes); a model set can name the
family explicitly with `family = "..."`.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field

from service.errors import ModelSetError
from service.languages import LANGUAGES, NAMES
from service.models.prompts import load_prompt

LANGUAGE_NAMES = NAMES


@dataclass(frozen=True)
class Family:
    name: str
    #: `config.model_type` values this family covers.
    model_types: tuple[str, ...]
    #: A token that must be in the vocabulary for this family to match (tells NLLB from M2M100).
    marker_token: str | None = None
    #: Language → code set as `tokenizer.src_lang` before encoding the source.
    source_codes: Mapping[str, str] = field(default_factory=dict)
    #: Language → token forced as the first generated token (HF `forced_bos_token_id`,
    #: CTranslate2 `target_prefix`).
    target_tokens: Mapping[str, str] = field(default_factory=dict)
    #: Language → token prepended to the source text, used only if the vocabulary has it.
    source_prefix_tokens: Mapping[str, str] = field(default_factory=dict)
    #: Name of a template file in `prompts/` for prompt-driven models.
    prompt: str | None = None

    def prepare_source(self, text: str, *, task: str, source: str, target: str, vocab: Container[str]) -> str:
        """The text as this family expects to read it for `task` from `source` into `target`."""
        if self.prompt:
            template = load_prompt(self.prompt).get(task)
            if template:
                text = template.format(
                    text=text,
                    source_name=LANGUAGE_NAMES.get(source, source),
                    target_name=LANGUAGE_NAMES.get(target, target),
                )
        if task == "translate":
            prefix = self.source_prefix_tokens.get(target)
            if prefix and prefix in vocab:
                text = f"{prefix} {text}"
        return text

    def source_code(self, language: str) -> str | None:
        return self.source_codes.get(language)

    def target_token(self, language: str, task: str) -> str | None:
        return self.target_tokens.get(language) if task == "translate" else None


NLLB_CODES = {code: lang.nllb for code, lang in LANGUAGES.items()}
M2M100_CODES = {code: lang.m2m100 for code, lang in LANGUAGES.items()}

#: Checked in order; the first match wins, so more specific records come first.
FAMILIES: tuple[Family, ...] = (
    Family(
        "nllb",
        model_types=("m2m_100", "nllb_moe"),
        marker_token="kor_Hang",
        source_codes=NLLB_CODES,
        target_tokens=NLLB_CODES,
    ),
    Family(
        "m2m100",
        model_types=("m2m_100",),
        marker_token="__ko__",
        source_codes=M2M100_CODES,
        target_tokens={k: f"__{v}__" for k, v in M2M100_CODES.items()},
    ),
    Family(
        "marian",
        model_types=("marian",),
        source_prefix_tokens={"en": ">>eng<<", "ko": ">>kor<<", "ja": ">>jpn<<"},
    ),
    Family("t5", model_types=("t5", "mt5", "umt5", "longt5"), prompt="t5"),
    Family("bart", model_types=("bart", "pegasus", "led")),
)
BY_NAME = {f.name: f for f in FAMILIES}


def resolve_family(model_type: str, has_token: Callable[[str], bool], override: str | None = None) -> Family:
    """The family record for a loaded model; `override` (from the model set) wins when given."""
    if override:
        try:
            return BY_NAME[override]
        except KeyError:
            raise ModelSetError(f"Unknown family {override!r}; families are {', '.join(BY_NAME)}") from None
    for family in FAMILIES:
        if model_type in family.model_types and (
            family.marker_token is None or has_token(family.marker_token)
        ):
            return family
    # An encoder-decoder we have no record for still works for tasks that need no signalling.
    return Family(model_type or "generic", model_types=(model_type,))
