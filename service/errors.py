"""Errors a user can act on, and how each one is shown.

Every failure that reaches a user (library, CLI, web page, HTTP endpoint) is one of these, so each
layer can turn it into a clear message without guessing: the message itself says what went wrong
and, where there is one, what to do about it. Anything else escaping the library is a bug.

Each class carries its own presentation, so the layers cannot disagree: `code` (machine-readable,
in JSON errors), `status` (HTTP), `title` (the page's error heading and `AppError.title` for
`gradio_client`) and `exit_code` (the CLI)::

    ServiceError                 error               400  "Cannot process this"       1
    ├── InputError               bad_input           400  "Cannot process this"       2
    │   ├── EmptyInput           empty_input         400  "Empty input"               2
    │   ├── UnsupportedLanguage  unsupported_language 422 "Unsupported language"      2
    │   ├── InputTooLarge        too_large           413  "Too large"                 2
    │   └── DocumentError        bad_document        400  "Unreadable document"       2
    ├── ModelSetError            bad_model_set       500  "Model configuration error" 2
    ├── ModelUnavailable         model_unavailable   503  "Model unavailable"         3
    └── AccessError              forbidden           403  "Not allowed"               1
        ├── Unauthorized         unauthorized        401  "Not allowed"               1
        ├── Forbidden            forbidden           403  "Not allowed"               1
        └── TooManyRequests      too_many_requests   429  "Too many requests"         1
    (links, service.fetching)
    InputError
    └── UrlError                 bad_url             400  "Unusable link"             2
        ├── UrlRefused           url_refused         400  "Link refused"              2
        ├── FetchFailed          fetch_failed        502  "Cannot fetch the page"     2
        │   └── FetchTimeout     fetch_timeout       504  "Cannot fetch the page"     2
        ├── UnsupportedContent   unsupported_content_type 415 "Not an article"        2
        └── RestrictedPage       restricted_page     422  "Not the article"           2
    ServiceError
    └── UrlFetchDisabled         url_fetch_disabled  403  "Links are turned off"      2
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: a problem with the input, the configuration or a model, explained in words."""

    #: Short machine-readable kind, used by the HTTP endpoint and the JSON output.
    code = "error"
    #: HTTP status of the JSON API's answer.
    status = 400
    #: Heading of the page's error message.
    title = "Cannot process this"
    #: Exit status of the CLI.
    exit_code = 1


class InputError(ServiceError, ValueError):
    """The input cannot be processed as given."""

    code = "bad_input"
    exit_code = 2


class EmptyInput(InputError):
    """Nothing to work on: empty, whitespace only, or no letters at all."""

    code = "empty_input"
    title = "Empty input"


class UnsupportedLanguage(InputError):
    """The text is in a language the service does not handle."""

    code = "unsupported_language"
    status = 422
    title = "Unsupported language"

    def __init__(self, message: str, language: str | None = None):
        super().__init__(message)
        self.language = language


class InputTooLarge(InputError):
    """A configured limit was exceeded; the message names the limit and the value."""

    code = "too_large"
    status = 413
    title = "Too large"


class DocumentError(InputError):
    """A file could not be read as a document (corrupt, encrypted, wrong type, no text layer)."""

    code = "bad_document"
    title = "Unreadable document"


class ModelSetError(ServiceError):
    """A model set (built-in name or TOML file) is missing, malformed or incomplete."""

    code = "bad_model_set"
    status = 500
    title = "Model configuration error"
    exit_code = 2


class ModelUnavailable(ServiceError):
    """A model could not be loaded: not downloaded, no network, wrong id or broken files."""

    code = "model_unavailable"
    status = 503
    title = "Model unavailable"
    exit_code = 3

    def __init__(self, message: str, role: str | None = None, model: str | None = None):
        super().__init__(message)
        self.role = role
        self.model = model


class AccessError(ServiceError):
    """A request refused by access control (not the input's fault)."""

    status = 403
    code = "forbidden"
    title = "Not allowed"


class Unauthorized(AccessError):
    """No credentials were sent where they are needed."""

    status = 401
    code = "unauthorized"


class Forbidden(AccessError):
    """Credentials were sent but are not valid."""

    status = 403
    code = "forbidden"


class TooManyRequests(AccessError):
    """The client went over its rate limit; `retry_after` is the wait in whole seconds."""

    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class UrlError(InputError):
    """A link that cannot be used as given: malformed, or not an http(s) address."""

    code = "bad_url"
    title = "Unusable link"


class UrlRefused(UrlError):
    """A link the server will not fetch, for safety: its host is a loopback, private, link-local,
    multicast, reserved or otherwise non-public address (server-side request forgery guard)."""

    code = "url_refused"
    title = "Link refused"


class FetchFailed(UrlError):
    """The page could not be fetched: unreachable host, TLS failure, an HTTP error status, or too
    many redirects. `site_status` is the site's HTTP status when it answered with an error."""

    code = "fetch_failed"
    status = 502
    title = "Cannot fetch the page"

    def __init__(self, message: str, site_status: int | None = None):
        super().__init__(message)
        self.site_status = site_status


class FetchTimeout(FetchFailed):
    """The site was too slow: connecting, a single read, or the whole download ran out of time."""

    code = "fetch_timeout"
    status = 504


class UnsupportedContent(UrlError):
    """The link points at something that is not an article (an image, a video, JSON, ...)."""

    code = "unsupported_content_type"
    status = 415
    title = "Not an article"


class RestrictedPage(UrlError):
    """The page is not the article: a paywall teaser, or a page that asks not to be copied
    (robots `noarchive`). Reported as such instead of summarising the stub as if it were the story."""

    code = "restricted_page"
    status = 422
    title = "Not the article"


class UrlFetchDisabled(ServiceError):
    """Fetching articles by link is switched off on this server (`SERVICE_URL_FETCH=off`)."""

    code = "url_fetch_disabled"
    status = 403
    title = "Links are turned off"
    exit_code = 2
