"""A real ``forewarn serve`` on loopback, on a seeded database, for end-to-end tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from forewarn.api.security import Passwords, digest, new_token
from forewarn.config import Settings
from forewarn.framework.assessments import read_file
from forewarn.framework.catalogue import load_framework
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.assessments import save_assessments
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow

FOREWARN = Path(sys.executable).with_name("forewarn")
ASSESSMENT = """country,date,analyst,indicator,judgement,evidence_text,evidence_source,\
evidence_date,reliability,credibility,confidential
SYR,2024-02-01,amara,7.1,present-weak,report,OHCHR,2024-01-10,B,2,false
SYR,2024-02-01,amara,7.2,present-strong,note,contact,2024-01-11,C,3,true
"""


def seed(settings: Settings, folder: Path, alerts: int = 6) -> str:
    """Migrate, add an admin holding every ladder role, alerts, actions and an assessment;
    return the admin's API token."""
    engine = open_database(settings)
    ladder = load_ladder(settings)
    owners = tuple(sorted({a.owner for a in ladder.actions.values()}))
    token = new_token()
    now = dt.datetime.now(dt.UTC)
    hashed = Passwords().hash("seeded admin password")
    with transaction(engine) as session:
        admin = auth.add_user(session, auth.NewUser("admin", hashed, "admin", owners, True), now)
        auth.add_token(session, admin, digest(token), now, label="tests")
        for n in range(alerts):
            iso3 = ("SYR", "MMR", "SDN", "ETH", "COD", "AFG")[n % 6]
            level = ("watch", "warning", "emergency")[n % 3]
            session.add(_alert(iso3, n // 6 + 1, level, now - dt.timedelta(days=n)))
        csv = folder / "seed.csv"
        csv.write_text(ASSESSMENT, encoding="utf-8")
        save_assessments(session, read_file(csv, load_framework()))
    clock.tick(engine, ladder, now)
    engine.dispose()
    return token


def _alert(iso3: str, seq: int, level: str, when: dt.datetime) -> AlertRow:
    return AlertRow(
        iso3=iso3,
        seq=seq,
        ccode=None,
        country=iso3,
        level=level,
        rule="seed",
        base_year=2024,
        created_at=when,
        snapshot={"risk_2y": 0.1},
        previous_id=None,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env |= {
        "FOREWARN_DATABASE_URL": settings.resolved_database_url(),
        "FOREWARN_DATA_DIR": str(settings.data_dir),
        "FOREWARN_CACHE_DIR": str(settings.cache_dir),
        "FOREWARN_SECRET_KEY": settings.secret_key or "",
        "FOREWARN_ENV": settings.env,
    }
    if settings.data_mirror is not None:
        env["FOREWARN_DATA_MIRROR"] = str(settings.data_mirror)
    if settings.trusted_proxies:
        env["FOREWARN_TRUSTED_PROXIES"] = settings.trusted_proxies
    return env


@contextmanager
def served(settings: Settings, log: Path, timeout: float = 60) -> Iterator[str]:
    """``forewarn serve`` on a free loopback port; its base URL. Stopped on exit."""
    port = free_port()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(FOREWARN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: forked model workers included
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(url, process, timeout)
            yield url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and whatever it forked (a forecast computed on request forks model
    workers, which a stopped server would otherwise leave behind)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group
            return
        except subprocess.TimeoutExpired:
            continue


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"forewarn serve exited with {process.returncode}")
        try:
            if httpx2.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"forewarn serve did not answer within {timeout} s")
