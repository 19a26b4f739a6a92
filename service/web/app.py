"""The whole web application: the JSON API and the Gradio page mounted beside it, on one port.

One process serves everything from one `Backend` (`service.web.backend`):

- `POST /api/v1/process`, `GET /api/v1/health`: the JSON API (`service.web.http_api`);
- `/` : the Gradio page and its client endpoints (`service.web.gradio_ui`).

This is the only module that imports both the page and the routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from service.settings import Settings, own_upload_folder
from service.web.backend import Backend
from service.web.guard import Guard
from service.web.http_api import router

log = logging.getLogger(__name__)


# -- the whole application ----------------------------------------------------------------------------


async def _sweep_uploads_forever() -> None:
    """Every `CACHE_SWEEP_S`, remove what Gradio leaves behind per upload (see `sweep_upload_leftovers`)."""
    from service.web.gradio_ui import CACHE_SWEEP_S, sweep_upload_leftovers

    while True:
        await asyncio.sleep(CACHE_SWEEP_S)
        try:
            removed = await run_in_threadpool(sweep_upload_leftovers)
        except Exception:  # housekeeping must never take the server down
            log.exception("Sweeping Gradio's upload folder failed")
            continue
        if removed:
            log.info("Removed %d empty temporary file(s) left by uploads", removed)


def _gradio_session_check(app: FastAPI):
    """A function telling whether a request carries a logged-in Gradio session (Gradio's own cookie
    and token table, as its `login_check` reads them)."""
    from starlette.routing import Mount

    inner = next(
        (route.app for route in app.routes if isinstance(route, Mount) and hasattr(route.app, "tokens")),
        None,
    )

    def logged_in(connection) -> bool:
        if inner is None:
            return False
        cookie_id = getattr(inner, "cookie_id", "")
        token = connection.cookies.get(f"access-token-{cookie_id}") or connection.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return token is not None and token in inner.tokens

    return logged_in


def create_app(
    backend: Backend | None = None,
    *,
    settings: Settings | None = None,
    ui: bool = True,
    warm_up: bool = True,
) -> FastAPI:
    """FastAPI app with the JSON API and (unless `ui=False`) the Gradio page mounted at `/`.

    Run it with uvicorn (`python app.py`, or `uvicorn --factory service.web.app:create_app`). This is
    an entry point: without a `backend` or `settings` it reads `Settings.from_env()` once.
    """
    backend = backend or Backend(settings=settings or Settings.from_env())
    log.info("%s", backend.access.describe())

    upload_dir, created = own_upload_folder() if ui else (Path(tempfile.gettempdir()), False)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm_up:
            backend.start_warm_up()
        sweeper = asyncio.create_task(_sweep_uploads_forever()) if ui else None
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
            if created:
                shutil.rmtree(upload_dir, ignore_errors=True)

    app = FastAPI(
        title="News summary and translation",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.include_router(router)
    if ui:
        import gradio as gr

        from service.web.gradio_ui import CSS, HEAD, THEME, build_demo

        demo = build_demo(backend)
        access = backend.access
        app = gr.mount_gradio_app(
            app,
            demo,
            path="/",
            auth=list(access.users) if access.login_required else None,
            auth_message="Log in to use the news summary service." if access.login_required else None,
            max_file_size=backend.limits.max_file_bytes,
            show_error=False,
            ssr_mode=False,
            footer_links=["api", "settings"],
            theme=THEME,
            css=CSS,
            head=HEAD,
        )
        app.state.demo = demo
    # Outermost: client address, closed paths, login failures, bodies and file paths (issue 9).
    app.add_middleware(
        Guard,
        access=backend.access,
        upload_dir=upload_dir,
        max_body_bytes=backend.max_body_bytes,
        body_timeout_s=backend.body_timeout_s,
        logged_in=_gradio_session_check(app) if ui else None,
    )
    return app
