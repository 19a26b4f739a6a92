"""Every setting the service reads from its environment, read once, at the entry points.

`Settings.from_env()` is called by `python app.py` (`service.web.app.create_app`) and by the CLI;
everything below them receives the values as arguments (`Pipeline(models=…, limits=…, engines=…)`,
`Backend(settings=…)`). The library itself never reads `SERVICE_*` variables: `Pipeline()` is the
built-in `default` set with the default limits, whatever the environment says. The one exception is
the cache folder's default (`default_cache_dir`), which, like `HF_HOME` for the Hub, a library user
expects to follow the environment.

`VARIABLES` lists every variable with its default and meaning; the README's table is checked
against it by a test, so a new setting cannot go undocumented. A malformed value stops the app
with a message naming the variable (`SettingsError`), rather than being ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from service.fetching.http import FetchSettings
from service.limits import Limits
from service.web.access import Access


class SettingsError(ValueError):
    """A `SERVICE_*` (or server) variable has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


#: Every environment variable the service reads (documented in the README's settings table).
VARIABLES: tuple[Variable, ...] = (
    Variable(
        "SERVICE_MODELS", "`default`", "model set: built-in name (`default`, `nllb`) or TOML file/folder"
    ),
    Variable(
        "SERVICE_CACHE_DIR",
        "`/data/service` (Space storage), else `~/.cache/service`",
        "converted CTranslate2 models (`<dir>/ctranslate2`)",
    ),
    Variable("SERVICE_CT2_THREADS", "per role", "CTranslate2 intra-op threads for every model"),
    Variable("SERVICE_CT2_INTER_THREADS", "per role", "CTranslate2 workers (parallel batches) per model"),
    Variable("SERVICE_MAX_CHARS", "200000", "characters of cleaned text per article"),
    Variable("SERVICE_MAX_FILE_BYTES", "10485760", "bytes per uploaded or read file"),
    Variable("SERVICE_MAX_PDF_PAGES", "200", "pages read from one PDF"),
    Variable("SERVICE_MAX_DOCX_UNCOMPRESSED_BYTES", "52428800", "uncompressed bytes inside one DOCX"),
    Variable("SERVICE_MAX_BATCH_FILES", "50", "files and links in one batch"),
    Variable("SERVICE_CONCURRENCY", "2", "articles processed at once (page, client endpoints, JSON API)"),
    Variable("SERVICE_QUEUE_SIZE", "32", "requests waiting for a slot before new ones are refused"),
    Variable("SERVICE_MAX_BODY_BYTES", "6 × max chars + 64 KiB", "bytes of one JSON request body"),
    Variable("SERVICE_AUTH", "off", "page login: `user:password,user2:pw2`"),
    Variable("SERVICE_API_TOKEN", "off", "bearer token required by the JSON API"),
    Variable("SERVICE_URL_FETCH", "on", "`off` turns off reading articles by link (page, APIs, CLI)"),
    Variable(
        "SERVICE_ALLOW_PRIVATE_URLS",
        "0",
        "`1` lets links reach loopback and private addresses (tests, intranets only), or a list of networks",
    ),
    Variable("SERVICE_MAX_FETCH_BYTES", "10485760", "bytes read from one link (refused mid-download)"),
    Variable("SERVICE_RATE_LIMIT", "off", "requests per client, e.g. `30/minute`"),
    Variable(
        "SERVICE_AUTH_FAILURE_LIMIT",
        "`10/10minute`",
        "failed logins and wrong API tokens per client (then 429)",
    ),
    Variable(
        "SERVICE_TRUSTED_PROXIES",
        "none",
        "proxies (IPs or networks, comma-separated) whose `X-Forwarded-For` is believed",
    ),
    Variable("SERVICE_BODY_TIMEOUT", "30", "seconds a client has to send a request body (then 408)"),
    Variable(
        "SERVICE_MAX_DOCUMENT_ELEMENTS", "100000", "XML/HTML elements read from one document (cost guard)"
    ),
    Variable("GRADIO_SERVER_NAME", "127.0.0.1 (0.0.0.0 on a Space)", "address the server listens on"),
    Variable("GRADIO_SERVER_PORT", "7860", "port the server listens on"),
    Variable(
        "GRADIO_TEMP_DIR",
        "a new private folder",
        "uploads; file arguments are accepted only from inside it",
    ),
    Variable("SPACE_ID", "unset", "set by Hugging Face Spaces; switches on Space-specific behaviour"),
)


def markdown_table() -> str:
    """The README's settings table, rendered from `VARIABLES` (a test keeps the README equal to it)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(rows)


#: Where a Hugging Face Space mounts its persistent storage, when it has some (an upgrade).
SPACE_STORAGE = Path("/data")


def default_cache_dir(environ: Mapping[str, str] | None = None, storage: Path = SPACE_STORAGE) -> Path:
    """`$SERVICE_CACHE_DIR`; else `/data/service` where `/data` exists and is writable (a Space's
    persistent storage); else `~/.cache/service`.

    A Space's own disk is emptied on every restart, and converting the default set to CTranslate2
    again costs 20-30 s and 1.9 GB of peak memory (benchmarks/coldstart.py, README "Deploy to a
    Space"); on persistent storage the conversions are kept and a restart only loads them (0.5 s).
    """
    environ = os.environ if environ is None else environ
    base = environ.get("SERVICE_CACHE_DIR", "").strip()
    if base:
        return Path(base).expanduser()
    if storage.is_dir() and os.access(storage, os.W_OK | os.X_OK):
        return storage / "service"
    return Path.home() / ".cache" / "service"


@dataclass(frozen=True)
class EngineSettings:
    """What engines need beyond the model set: where converted models live, and CPU threads."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    #: CTranslate2 intra-op threads / workers per model; None: chosen per role (`thread_settings`).
    ct2_threads: int | None = None
    ct2_inter_threads: int | None = None


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one process; `Settings()` is every default."""

    models: str = "default"
    limits: Limits = field(default_factory=Limits)
    engines: EngineSettings = field(default_factory=EngineSettings)
    concurrency: int = 2
    queue_size: int = 32
    #: None: `default_max_body_bytes(limits)`.
    max_body_bytes: int | None = None
    #: Seconds a client has to send its whole request body (`service.web.guard`, `http_api`).
    body_timeout_s: float = 30.0
    access: Access = field(default_factory=Access)
    #: Reading articles by link (`service.fetching`).
    fetch: FetchSettings = field(default_factory=FetchSettings)
    host: str = "127.0.0.1"
    port: int = 7860
    #: The Space's id when running on Hugging Face Spaces (`SPACE_ID`), else None.
    space_id: str | None = None

    @property
    def on_space(self) -> bool:
        return self.space_id is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every variable in `VARIABLES` once; raise `SettingsError` naming a bad one."""
        env = dict(os.environ if environ is None else environ)
        space_id = env.get("SPACE_ID", "").strip() or None
        try:
            limits = Limits.from_env(env)
            access = Access.from_env(env)
            fetch = FetchSettings.from_env(env)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        return cls(
            models=env.get("SERVICE_MODELS", "").strip() or "default",
            limits=limits,
            engines=EngineSettings(
                cache_dir=default_cache_dir(env),
                ct2_threads=_int(env, "SERVICE_CT2_THREADS"),
                ct2_inter_threads=_int(env, "SERVICE_CT2_INTER_THREADS"),
            ),
            concurrency=_int(env, "SERVICE_CONCURRENCY") or 2,
            queue_size=_int(env, "SERVICE_QUEUE_SIZE") or 32,
            max_body_bytes=_int(env, "SERVICE_MAX_BODY_BYTES"),
            body_timeout_s=float(_int(env, "SERVICE_BODY_TIMEOUT") or 30),
            access=access,
            fetch=fetch,
            host=env.get("GRADIO_SERVER_NAME", "").strip() or ("0.0.0.0" if space_id else "127.0.0.1"),
            port=_int(env, "GRADIO_SERVER_PORT", minimum=0) or 7860,
            space_id=space_id,
        )


def own_upload_folder(environ: MutableMapping[str, str] | None = None) -> tuple[Path, bool]:
    """The folder Gradio keeps uploads in, made the app's own; returns it and whether it is new.

    `GRADIO_TEMP_DIR` when set; else a new private folder (mode 0700) that `GRADIO_TEMP_DIR` is then
    set to, before any Gradio component exists (they read it when built). Gradio's default,
    `<temp>/gradio`, is shared by every Gradio app on the machine. File arguments are accepted only
    from inside this folder (`service.web.guard`). Read when the app is built, not in `from_env`:
    a test session sets it once for every app it starts."""
    import tempfile

    env: MutableMapping[str, str] = os.environ if environ is None else environ
    configured = env.get("GRADIO_TEMP_DIR", "").strip()
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        return folder, False
    folder = Path(tempfile.mkdtemp(prefix="service-uploads-"))
    env["GRADIO_TEMP_DIR"] = str(folder)
    return folder, True


def _int(env: Mapping[str, str], name: str, *, minimum: int = 1) -> int | None:
    """A whole-number variable; None when unset or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value
