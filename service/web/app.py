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

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from service.web.backend import Backend
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


def create_app(backend: Backend | None = None, *, ui: bool = True, warm_up: bool = True) -> FastAPI:
    """FastAPI app with the JSON API and (unless `ui=False`) the Gradio page mounted at `/`.

    Run it with uvicorn (`python app.py`, or `uvicorn --factory service.web.app:create_app`).
    """
    backend = backend or Backend()
    log.info("%s", backend.access.describe())

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

        from service.web.gradio_ui import CSS, THEME, build_demo

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
        )
        app.state.demo = demo
    return app
