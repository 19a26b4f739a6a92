"""Start the web app: the Gradio page, its client endpoints and the JSON API, on one port.

    python app.py                                   # http://127.0.0.1:7860
    SERVICE_MODELS=/tmp/t/models.toml python app.py # tiny offline models (python -m service models tiny /tmp/t)

Every setting is read once here (`service.settings.Settings.from_env()`, listed in the README) and
passed down. Host and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (as for any Gradio app;
on a Hugging Face Space the host defaults to 0.0.0.0 and the port to 7860). Access control is off
unless SERVICE_AUTH, SERVICE_API_TOKEN or SERVICE_RATE_LIMIT are set (docs/endpoints.md).
"""

import os

# Before gradio or huggingface_hub are imported: no usage analytics, no telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def main() -> None:
    import logging

    import uvicorn

    from service.settings import Settings, SettingsError
    from service.web.app import create_app
    from service.web.guard import SERVER_OPTIONS

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        app = create_app(settings=settings)
    except (SettingsError, ValueError) as exc:  # a malformed setting (SERVICE_AUTH, a limit, ...)
        raise SystemExit(f"Configuration error: {exc}") from None
    print(
        f"Serving on http://{settings.host}:{settings.port} "
        "(page /, JSON API /api/v1/process, health /api/v1/health)"
    )
    # uvicorn's proxy headers stay off: the app believes X-Forwarded-For/-Proto only from
    # SERVICE_TRUSTED_PROXIES, right-most untrusted hop first (service.web.guard).
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", **SERVER_OPTIONS)


if __name__ == "__main__":
    main()
