"""``/docs`` and ``/redoc``: the interactive API documentation, served from this server.

Swagger UI and ReDoc come from the npm registry (``swagger-ui-dist``, ``redoc``), installed
by ``scripts/web-assets.sh`` into the dashboard's vendor folder like its other third-party
assets, so the documentation works without internet access and loads nothing from a CDN.
Each page is sent with a Content-Security-Policy allowing only this server's scripts (the
start-up of Swagger UI is a file of ours, not an inline script).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API</title>
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="/static/vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>
"""
REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API</title>
<link rel="icon" href="/static/favicon.svg"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/static/vendor/redoc.standalone.js"></script></body></html>
"""
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
"""Swagger UI and ReDoc set styles inline and ReDoc searches in a worker."""


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP})


def install(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the vendored assets."""
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _page(SWAGGER.format(title=title))

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _page(REDOC.format(title=title))
