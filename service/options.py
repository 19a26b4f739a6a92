"""What a user (or a web request) may choose per run, validated in one place.

The page, the CLI, the JSON API and the library all take these same options; models are not among
them, by design (they come from the deployment's model set, never from a request).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import InputError
from service.languages import SOURCE_LANGUAGES


@dataclass(frozen=True)
class Length:
    """How long a summary should be: sentences for extractive, tokens for abstractive engines."""

    sentences: int
    min_new_tokens: int
    max_new_tokens: int


LENGTHS: dict[str, Length] = {
    "short": Length(sentences=3, min_new_tokens=20, max_new_tokens=80),
    "medium": Length(sentences=5, min_new_tokens=50, max_new_tokens=150),
    "long": Length(sentences=8, min_new_tokens=100, max_new_tokens=260),
}
MODES = ("summary", "article")


@dataclass(frozen=True)
class PipelineOptions:
    """Per-run choices a user (or a web request) may make. Models are not among them, by design."""

    source_language: str = "auto"
    length: str = "medium"
    mode: str = "summary"
    #: Remove news furniture (bylines, captions, share buttons …) and take out the headline; every
    #: removed line is listed in `Result.removed`. False keeps every line as story.
    clean: bool = True

    def with_(
        self,
        *,
        source_language: str | None = None,
        length: str | None = None,
        mode: str | None = None,
        clean: bool | None = None,
    ) -> PipelineOptions:
        """These options with the given ones replaced (None keeps the current value)."""
        return PipelineOptions(
            source_language=self.source_language if source_language is None else source_language,
            length=self.length if length is None else length,
            mode=self.mode if mode is None else mode,
            clean=self.clean if clean is None else clean,
        )

    def validated(self) -> PipelineOptions:
        checks = (
            ("source_language", self.source_language, SOURCE_LANGUAGES),
            ("length", self.length, tuple(LENGTHS)),
            ("mode", self.mode, MODES),
        )
        for name, value, allowed in checks:
            if value not in allowed:
                raise InputError(f"Unknown {name} {value!r}; choose one of: {', '.join(allowed)}")
        if not isinstance(self.clean, bool):
            raise InputError(f"clean must be true or false, not {self.clean!r}")
        return self
