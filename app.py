"""Start the web app: the Gradio page, its client endpoints and the JSON API, on one port.

    python app.py                                   # http://127.0.0.1:7860
    SERVICE_MODELS=/tmp/t/models.toml python app.py # tiny offline models (python -m service models tiny /tmp/t)

Host and port come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (as for any Gradio app; on a
Hugging Face Space the host defaults to 0.0.0.0 and the port to 7860). Access control is off unless
SERVICE_AUTH, SERVICE_API_TOKEN or SERVICE_RATE_LIMIT are set (docs/endpoints.md, service/web/access.py).
"""

import os

# Before gradio or huggingface_hub are imported: no usage analytics, no telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def main() -> None:
    import logging

    import uvicorn

    from service.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    on_space = bool(os.environ.get("SPACE_ID"))
    host = os.environ.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if on_space else "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT") or 7860)
    try:
        app = create_app()
    except ValueError as exc:  # a malformed setting (SERVICE_AUTH, SERVICE_RATE_LIMIT, a limit, ...)
        raise SystemExit(f"Configuration error: {exc}") from None
    print(f"Serving on http://{host}:{port} (page /, JSON API /api/v1/process, health /api/v1/health)")
    # Behind the Spaces proxy, trust its X-Forwarded-* headers so Gradio builds https URLs.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="*" if on_space else None,
    )


if __name__ == "__main__":
    main()
