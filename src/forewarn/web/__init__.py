"""The web dashboard: server-rendered pages on the API's own app, in English and Indonesian.

:func:`install` adds the pages (map, ranking, country pages, alert and action queues,
ledger, Security Council, cases, briefs, log-in) and the static files to an app made by
:func:`forewarn.api.create_app`. Third-party browser code and map shapes (d3,
topojson-client, world-atlas) are installed from the npm registry by
``scripts/web-assets.sh`` into ``static/vendor/`` and served from here, never from a CDN,
so the dashboard works without internet access.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
VENDOR = STATIC / "vendor"
VENDOR_FILES = ("d3.min.js", "topojson-client.min.js", "countries-110m.json")
"""What ``scripts/web-assets.sh`` copies into ``static/vendor/`` and the map needs."""


def vendor_ready() -> bool:
    """Whether the third-party assets have been installed (``scripts/web-assets.sh``)."""
    return all((VENDOR / name).is_file() for name in VENDOR_FILES)


def install(app: FastAPI) -> None:
    """Add the dashboard's pages and its static files (``/static``) to ``app``."""
    from forewarn.web import ack, briefs, login, pages

    for module in (login, pages, briefs, ack):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
