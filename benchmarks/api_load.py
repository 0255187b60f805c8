"""Load benchmark of the REST API: a real ``forewarn serve`` on loopback, many clients.

    python benchmarks/api_load.py [--seconds 10] [--max-requests 50000] [--clients 50]
        [--endpoint /api/alerts --endpoint /api/actions ...] [--alerts 300] [--workers 1]

Seeds a fresh SQLite database in a temporary folder (an admin with an API token, ``--alerts``
alerts and the actions a tick opens), starts ``forewarn serve`` on 127.0.0.1, then runs
``--clients`` concurrent clients (httpx.AsyncClient) that cycle through the endpoints until
``--seconds`` pass or ``--max-requests`` are sent, whichever comes first. Prints requests per
second and p50/p95 latency per endpoint and overall. Traffic goes to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from forewarn.api.security import Passwords, digest, new_token
from forewarn.config import Settings
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow

DEFAULT_ENDPOINTS = ("/api/alerts", "/api/actions")
HOST = "127.0.0.1"
COUNTRIES = ("SYR", "MMR", "SDN", "ETH", "COD", "AFG", "YEM", "SSD", "MLI", "NGA")


# --- the database and the server --------------------------------------------------------------


def seed(settings: Settings, alerts: int) -> str:
    """A migrated database with an admin, ``alerts`` alerts and their actions; the token."""
    engine = open_database(settings)
    ladder = load_ladder(settings)
    now = dt.datetime.now(dt.UTC)
    token = new_token()
    with transaction(engine) as session:
        user = auth.NewUser("bench", Passwords().hash("benchmark password"), "admin")
        row = auth.add_user(session, user, now)
        auth.add_token(session, row, digest(token), now, label="benchmark")
        for n in range(alerts):
            session.add(_alert(n, now))
    clock.tick(engine, ladder, now)
    engine.dispose()
    return token


def _alert(n: int, now: dt.datetime) -> AlertRow:
    iso3 = COUNTRIES[n % len(COUNTRIES)]
    return AlertRow(
        iso3=iso3,
        seq=n // len(COUNTRIES) + 1,
        ccode=None,
        country=iso3,
        level=("watch", "warning", "emergency")[n % 3],
        rule="benchmark",
        base_year=2024,
        created_at=now - dt.timedelta(hours=n),
        snapshot={"risk_2y": round(0.01 * (n % 50), 2)},
        previous_id=None,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _env(settings: Settings) -> dict[str, str]:
    kept = ("FOREWARN_DATA_MIRROR", "FOREWARN_CACHE_DIR")  # data and cached model results
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_") or k in kept}
    env |= {
        "FOREWARN_DATABASE_URL": settings.resolved_database_url(),
        "FOREWARN_DATA_DIR": str(settings.data_dir),
        "FOREWARN_SECRET_KEY": settings.secret_key or "",
    }
    return env


@contextmanager
def served(settings: Settings, workers: int, log: Path) -> Iterator[str]:
    """``forewarn serve`` on a free loopback port (access log off); its base URL."""
    port = _free_port()
    forewarn = Path(sys.executable).with_name("forewarn")
    command = [str(forewarn), "serve", "--host", HOST, "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)], env=_env(settings), stdout=out, stderr=out
        )
        try:
            url = f"http://{HOST}:{port}"
            _wait(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"forewarn serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("forewarn serve did not start")


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Results:
    """Latencies (seconds) and failures per endpoint."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: int = 0


async def _client(
    http: httpx.AsyncClient,
    endpoints: Sequence[str],
    results: Results,
    deadline: float,
    limit: int,
    start: int,
) -> None:
    turn = start
    while time.monotonic() < deadline and results.sent < limit:
        results.sent += 1
        path = endpoints[turn % len(endpoints)]
        turn += 1
        began = time.perf_counter()
        try:
            response = await http.get(path)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        results.latencies[path].append(time.perf_counter() - began)
        if not ok:
            results.failures[path] += 1


async def load(
    url: str, token: str, endpoints: Sequence[str], clients: int, seconds: float, limit: int
) -> tuple[Results, float]:
    """Run ``clients`` concurrent clients against ``endpoints``; results and elapsed time."""
    results = Results()
    headers = {"Authorization": f"Bearer {token}"}
    pool = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=pool, timeout=30) as http:
        began = time.monotonic()
        deadline = began + seconds
        await asyncio.gather(
            *(_client(http, endpoints, results, deadline, limit, n) for n in range(clients))
        )
        return results, time.monotonic() - began


# --- the report -------------------------------------------------------------------------------


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _line(label: str, values: Sequence[float], failures: int, elapsed: float) -> str:
    if not values:
        return f"{label:<28} no requests"
    return (
        f"{label:<28} {len(values):>7} req  {len(values) / elapsed:>8.1f} req/s  "
        f"p50 {1000 * statistics.median(values):>7.1f} ms  "
        f"p95 {1000 * _percentile(values, 0.95):>7.1f} ms  failures {failures}"
    )


def report(results: Results, elapsed: float) -> str:
    lines = [
        _line(path, values, results.failures[path], elapsed)
        for path, values in results.latencies.items()
    ]
    everything = [v for values in results.latencies.values() for v in values]
    total_failures = sum(results.failures.values())
    lines.append(_line("all", everything, total_failures, elapsed))
    return "\n".join(lines)


def warm_up(url: str, token: str, endpoints: Sequence[str]) -> None:
    """One untimed request per endpoint, so the load measures serving, not first computation."""
    headers = {"Authorization": f"Bearer {token}"}
    for path in endpoints:
        httpx.get(f"{url}{path}", headers=headers, timeout=900).raise_for_status()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Load duration (max 120).")
    parser.add_argument("--max-requests", type=int, default=50_000, help="Request cap.")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients.")
    parser.add_argument(
        "--endpoint", action="append", help="GET path to load (repeat); default: alerts, actions."
    )
    parser.add_argument("--alerts", type=int, default=300, help="Alerts to seed.")
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 1.0), 120.0)
    endpoints = tuple(args.endpoint or DEFAULT_ENDPOINTS)
    with tempfile.TemporaryDirectory(prefix="forewarn-bench-") as folder:
        root = Path(folder)
        settings = Settings(
            data_dir=root / "data",
            database_url=f"sqlite:///{root / 'forewarn.db'}",
            secret_key=new_token() + new_token(),
        )
        token = seed(settings, args.alerts)
        with served(settings, args.workers, root / "serve.log") as url:
            warm_up(url, token, endpoints)
            run = load(url, token, endpoints, args.clients, seconds, args.max_requests)
            results, elapsed = asyncio.run(run)
    print(
        f"forewarn serve ({args.workers} worker(s), SQLite, {args.alerts} alerts), "
        f"{args.clients} clients, {elapsed:.1f} s on loopback:"
    )
    print(report(results, elapsed))
    return 1 if sum(results.failures.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
