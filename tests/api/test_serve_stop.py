"""A real ``forewarn serve`` stopped while it computes a forecast in forked model workers:
the server and everything it forked are gone within seconds (no orphaned workers ignoring
SIGTERM with their parent's handlers).

The forecast is computed from scratch (an empty results cache), either in the API's
background computations (``/api/forecasts`` answers 202 at once) or on the request path of a
dashboard page; the signal goes to the server process alone, as ``kill PID`` sends it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from forewarn.config import Settings

from .serving import FOREWARN, free_port, seed, server_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; workers die with parent"),
]

GRACE = 2
"""Seconds the server lets requests under way finish (``--shutdown-grace``)."""


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            found.append(int(entry.name))
    return found


def _wait_for(check: object, timeout: float, what: str) -> float:
    began = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - began < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - began


def _ask_api(url: str, token: str) -> None:
    answer = httpx.get(
        f"{url}/api/forecasts?base_year=2015",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text  # computed in the background


def _open_page(url: str, token: str) -> None:
    """Log in and open the map, which computes the forecast on the request path."""

    def visit() -> None:
        with contextlib.suppress(httpx.HTTPError), httpx.Client(base_url=url, timeout=120) as c:
            c.get("/login")
            form = {"username": "admin", "password": "seeded admin password",
                    "token": c.cookies["forewarn_login"], "next": "/"}  # fmt: skip
            c.post("/login", data=form)
            c.get("/")

    threading.Thread(target=visit, daemon=True).start()


@pytest.mark.parametrize(
    ("ask", "stop"),
    [(_ask_api, signal.SIGTERM), (_open_page, signal.SIGTERM), (_open_page, signal.SIGINT)],
    ids=["api-sigterm", "page-sigterm", "page-sigint"],
)
def test_a_server_stopped_mid_computation_leaves_nothing_behind(
    settings: Settings, tmp_path: Path, ask: object, stop: signal.Signals
) -> None:
    fresh = settings.model_copy(
        update={"cache_dir": tmp_path / "cache", "secret_key": "s" * 40, "env": "test"}
    )
    token = seed(fresh, tmp_path)
    port = free_port()
    command = [str(FOREWARN), "serve", "--port", str(port), "--shutdown-grace", str(GRACE)]
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            command, env=server_env(fresh), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: what it forks joins it
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _answers(url), 60, "the server answering")
        ask(url, token)  # type: ignore[operator]
        _wait_for(lambda: len(_group(server.pid)) > 1, 180, "model workers forked")
        os.kill(server.pid, stop)
        took = _wait_for(lambda: not _group(server.pid), GRACE + 5, "the process group gone")
        log_text = (tmp_path / "serve.log").read_text()
        assert server.wait(5) in (0, -signal.SIGTERM), log_text
        assert took < GRACE + 5
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
