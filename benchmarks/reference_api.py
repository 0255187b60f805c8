"""The yardstick of ``api_load.py``: the same bodies from a bare FastAPI app.

    uvicorn --factory reference_api:make_app   (FOREWARN_BENCH_BODIES=<folder>)

Serves every file ``<n>.json`` of the folder named by ``FOREWARN_BENCH_BODIES`` at the path
written in ``<n>.path``, from memory, with no authentication, database or logging: what
FastAPI and uvicorn cost on this machine, so the load benchmark can report forewarn as a
ratio of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response


def make_app() -> FastAPI:
    folder = Path(os.environ["FOREWARN_BENCH_BODIES"])
    app = FastAPI()
    for body_file in sorted(folder.glob("*.json")):
        path = body_file.with_suffix(".path").read_text()
        body = body_file.read_bytes()

        async def serve(body: bytes = body) -> Response:
            return Response(content=body, media_type="application/json")

        app.add_api_route(path, serve, methods=["GET"])
    return app
