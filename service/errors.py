"""Errors a user can act on.

Every failure that reaches a user (library, CLI, web page, HTTP endpoint) is one of these, so each
layer can turn it into a clear message without guessing: the message itself says what went wrong
and, where there is one, what to do about it. Anything else escaping the library is a bug.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: a problem with the input, the configuration or a model, explained in words."""

    #: Short machine-readable kind, used by the HTTP endpoint and the JSON output.
    code = "error"


class InputError(ServiceError, ValueError):
    """The input cannot be processed as given."""

    code = "bad_input"


class EmptyInput(InputError):
    """Nothing to work on: empty, whitespace only, or no letters at all."""

    code = "empty_input"


class UnsupportedLanguage(InputError):
    """The text is in a language the service does not handle."""

    code = "unsupported_language"

    def __init__(self, message: str, language: str | None = None):
        super().__init__(message)
        self.language = language


class InputTooLarge(InputError):
    """A configured limit was exceeded; the message names the limit and the value."""

    code = "too_large"


class DocumentError(InputError):
    """A file could not be read as a document (corrupt, encrypted, wrong type, no text layer)."""

    code = "bad_document"


class ModelSetError(ServiceError):
    """A model set (built-in name or TOML file) is missing, malformed or incomplete."""

    code = "bad_model_set"


class ModelUnavailable(ServiceError):
    """A model could not be loaded: not downloaded, no network, wrong id or broken files."""

    code = "model_unavailable"

    def __init__(self, message: str, role: str | None = None, model: str | None = None):
        super().__init__(message)
        self.role = role
        self.model = model
