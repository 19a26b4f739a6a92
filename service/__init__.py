"""Bilingual news service: an English, Korean or Japanese article in; an English summary and Korean
and Japanese translations out, on local seq2seq models.

    from service import Pipeline
    result = Pipeline(models="default").run(article_text, length="short")
    print(result.summary, result.translations["ko"], result.translations["ja"])
"""

from service.errors import (
    DocumentError,
    EmptyInput,
    InputError,
    InputTooLarge,
    ModelSetError,
    ModelUnavailable,
    ServiceError,
    UnsupportedLanguage,
)
from service.limits import Limits
from service.models.sets import ROLES, ModelSet, ModelSpec, load_model_set
from service.options import LENGTHS, MODES, PipelineOptions
from service.pipeline import Pipeline
from service.result import Result, Segment
from service.settings import Settings
from service.text.quality import QualityFlag

__all__ = [
    "LENGTHS",
    "MODES",
    "ROLES",
    "DocumentError",
    "EmptyInput",
    "InputError",
    "InputTooLarge",
    "Limits",
    "ModelSet",
    "ModelSetError",
    "ModelSpec",
    "ModelUnavailable",
    "Pipeline",
    "PipelineOptions",
    "QualityFlag",
    "Result",
    "Segment",
    "ServiceError",
    "Settings",
    "UnsupportedLanguage",
    "load_model_set",
]
