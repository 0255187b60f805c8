"""Load benchmark of the REST API: a real ``forewarn serve`` on loopback, many clients.

    python benchmarks/api_load.py [--seconds 10] [--max-requests 50000] [--clients 50]
        [--endpoint /api/alerts --endpoint /api/actions ...] [--alerts 300] [--workers 1]
        [--no-access-log] [--skip-reference]
        [--viewers 10] [--ledger-entries 5000] [--uncached 2]

Seeds a fresh SQLite database in a temporary folder (an admin with an API token, ``--alerts``
alerts and the actions a tick opens), starts ``forewarn serve`` on 127.0.0.1, then runs
``--clients`` concurrent clients (one aiohttp session) that cycle through the endpoints
(default: the ranking, ``/api/forecasts``, and one country, ``/api/countries/MMR``) until
``--seconds`` pass or ``--max-requests`` are sent, whichever comes first. Prints requests per
second and p50/p95 latency per endpoint and overall, against the 50 ms p95 target.

Costly viewers, alongside those readers (the readers' p95 is what they cost the others):

* ``--viewers N`` clients hammer ``/api/ledger/verify`` and ``/api/ledger/export`` (seed a
  longer ledger with ``--ledger-entries``);
* ``--uncached N`` clients ask for forecasts of base years nobody asked for before
  (``/api/forecasts?base_year=Y``, a new ``Y`` each time from 2023 down).

Answers 202 (computing), 429 (limited) and, for a refused base year, 404 are counted apart
from failures.

The yardstick is measured in the same run: the same response bodies served by a bare
FastAPI app on the same uvicorn (``reference_api.py``), under the same load; the ratios say
what forewarn's authentication, routing and logging add on this machine at this moment.
Traffic goes to loopback only.
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
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

from forewarn import ledger
from forewarn.api.security import Passwords, digest, new_token
from forewarn.config import Settings
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow

DEFAULT_ENDPOINTS = ("/api/forecasts", "/api/countries/MMR")
TARGET_P95 = 0.050  # seconds, at 50 concurrent clients
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
COUNTRIES = ("SYR", "MMR", "SDN", "ETH", "COD", "AFG", "YEM", "SSD", "MLI", "NGA")


# --- the database and the server --------------------------------------------------------------


def seed(settings: Settings, alerts: int, entries: int = 0) -> str:
    """A migrated database with an admin, ``alerts`` alerts and their actions, and
    ``entries`` more ledger entries; the token."""
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
    for start in range(0, entries, 1000):
        notes = [
            ledger.Record("note", f"bench:{n}", {"n": n, "text": "x" * 80}, "bench")
            for n in range(start, min(entries, start + 1000))
        ]
        with ledger.write_transaction(engine) as session:
            ledger.append_many(session, notes)
    ledger.record_receipt(engine, ledger.receipts_path(settings.data_dir, _url(settings)))
    engine.dispose()
    return token


def _url(settings: Settings) -> str:
    return settings.resolved_database_url()


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
def served(command: Sequence[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """A server started by ``command`` plus ``--host``/``--port`` on a free loopback port,
    its output in ``log``; its base URL."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--host", HOST, "--port", str(port)], env=env, stdout=out, stderr=out
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


def forewarn_serve(workers: int, access_log: bool) -> list[str]:
    """``forewarn serve`` (the access log, when on, goes to the log file)."""
    logging = "--access-log" if access_log else "--no-access-log"
    return [str(BIN / "forewarn"), "serve", "--workers", str(workers), logging]


def reference_serve(bodies: Path) -> tuple[list[str], dict[str, str]]:
    """uvicorn serving ``bodies`` from the bare app of ``reference_api.py`` (no access log)."""
    command = [str(BIN / "uvicorn"), "--factory", "reference_api:make_app", "--no-access-log"]
    env = dict(os.environ) | {"FOREWARN_BENCH_BODIES": str(bodies), "PYTHONPATH": str(HERE)}
    return command, env


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


# --- the load ---------------------------------------------------------------------------------


COUNTED_APART = {202: "computing", 429: "limited", 404: "refused"}
"""Answers that are not failures in the costly-viewer scenarios."""
LEDGER_ENDPOINTS = ("/api/ledger/verify", "/api/ledger/export")
UNCACHED = "/api/forecasts?base_year=*"


@dataclass
class Results:
    """Latencies (seconds), failures and answers counted apart, per endpoint."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    apart: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sent: int = 0


@dataclass
class Years:
    """Base years handed out to the uncached clients, newest first, each once."""

    next: int = 2023

    def path(self) -> str:
        self.next -= 1
        return f"/api/forecasts?base_year={self.next + 1}"


async def _get(http: aiohttp.ClientSession, path: str, label: str, results: Results) -> None:
    began = time.perf_counter()
    try:
        async with http.get(path) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    results.latencies[label].append(time.perf_counter() - began)
    if status in COUNTED_APART and label in (*LEDGER_ENDPOINTS, UNCACHED):
        results.apart[label][COUNTED_APART[status]] += 1
    elif status != 200:
        results.failures[label] += 1


async def _client(
    http: aiohttp.ClientSession,
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
        await _get(http, path, path, results)


async def _uncached_client(
    http: aiohttp.ClientSession, years: Years, results: Results, deadline: float
) -> None:
    while time.monotonic() < deadline and years.next >= 1975:
        await _get(http, years.path(), UNCACHED, results)
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Mix:
    """Who loads the server: readers of ``endpoints``, ledger viewers, uncached askers."""

    endpoints: Sequence[str]
    clients: int
    viewers: int = 0
    uncached: int = 0


async def load(url: str, token: str, mix: Mix, seconds: float, limit: int) -> tuple[Results, float]:
    """Run the clients of ``mix`` at once; results and elapsed time.

    The clients share one aiohttp session with a connection each (keep-alive), so the load
    generator itself stays light next to the server on the same machine.
    """
    results = Results()
    headers = {"Authorization": f"Bearer {token}"}
    pool = aiohttp.TCPConnector(limit=mix.clients + mix.viewers + mix.uncached)
    timeout = aiohttp.ClientTimeout(total=60)
    years = Years()
    async with aiohttp.ClientSession(
        base_url=url, headers=headers, connector=pool, timeout=timeout
    ) as http:
        began = time.monotonic()
        deadline = began + seconds
        readers = [
            _client(http, mix.endpoints, results, deadline, limit, n) for n in range(mix.clients)
        ]
        viewers = [
            _client(http, LEDGER_ENDPOINTS, results, deadline, limit, n) for n in range(mix.viewers)
        ]
        askers = [_uncached_client(http, years, results, deadline) for _ in range(mix.uncached)]
        await asyncio.gather(*readers, *viewers, *askers)
        return results, time.monotonic() - began


# --- the report -------------------------------------------------------------------------------


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _line(
    label: str, values: Sequence[float], failures: int, elapsed: float, apart: str = ""
) -> str:
    if not values:
        return f"{label:<28} no requests"
    return (
        f"{label:<28} {len(values):>7} req  {len(values) / elapsed:>8.1f} req/s  "
        f"p50 {1000 * statistics.median(values):>7.1f} ms  "
        f"p95 {1000 * _percentile(values, 0.95):>7.1f} ms  failures {failures}{apart}"
    )


def _apart(counts: Counter[str]) -> str:
    return "".join(f", {what} {n}" for what, n in sorted(counts.items()))


def report(results: Results, elapsed: float, endpoints: Sequence[str] = ()) -> str:
    lines = [
        _line(path, values, results.failures[path], elapsed, _apart(results.apart[path]))
        for path, values in results.latencies.items()
    ]
    if set(results.latencies) - set(endpoints):
        readers = [v for p in endpoints for v in results.latencies.get(p, [])]
        failed = sum(results.failures[p] for p in endpoints)
        lines.append(_line("readers", readers, failed, elapsed))
    everything = [v for values in results.latencies.values() for v in values]
    total_failures = sum(results.failures.values())
    lines.append(_line("all", everything, total_failures, elapsed))
    return "\n".join(lines)


def warm_up(url: str, token: str, endpoints: Sequence[str], bodies: Path) -> None:
    """One untimed request per endpoint, so the load measures serving, not first computation;
    the bodies are kept in ``bodies`` for the reference server."""
    headers = {"Authorization": f"Bearer {token}"}
    bodies.mkdir()
    for n, path in enumerate(endpoints):
        response = httpx.get(f"{url}{path}", headers=headers, timeout=900)
        deadline = time.monotonic() + 900
        while response.status_code == 202 and time.monotonic() < deadline:  # being computed
            time.sleep(float(response.headers.get("retry-after", "1")))
            response = httpx.get(f"{url}{path}", headers=headers, timeout=900)
        response.raise_for_status()
        (bodies / f"{n}.json").write_bytes(response.content)
        (bodies / f"{n}.path").write_text(path.split("?")[0])


def first_check(url: str, token: str) -> None:
    """The first ledger verification after start-up, untimed by the load (it reads the whole
    ledger once); its time is printed."""
    began = time.perf_counter()
    response = httpx.get(
        f"{url}/api/ledger/verify", headers={"Authorization": f"Bearer {token}"}, timeout=900
    )
    response.raise_for_status()
    print(f"first ledger verification: {time.perf_counter() - began:.2f} s")


def p95(results: Results, endpoints: Sequence[str] | None = None) -> float:
    """The p95 latency of ``endpoints`` (default: every request)."""
    chosen = (
        results.latencies if endpoints is None else {p: results.latencies[p] for p in endpoints}
    )
    return _percentile([v for values in chosen.values() for v in values], 0.95)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Load duration (max 120).")
    parser.add_argument("--max-requests", type=int, default=50_000, help="Request cap.")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients.")
    parser.add_argument(
        "--endpoint",
        action="append",
        help="GET path to load (repeat); default: the ranking and one country.",
    )
    parser.add_argument("--alerts", type=int, default=300, help="Alerts to seed.")
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    parser.add_argument(
        "--no-access-log", action="store_true", help="Serve without the access log."
    )
    parser.add_argument(
        "--skip-reference", action="store_true", help="Do not measure the bare-FastAPI yardstick."
    )
    parser.add_argument(
        "--viewers", type=int, default=0, help="Clients hammering ledger verify and export."
    )
    parser.add_argument(
        "--ledger-entries", type=int, default=0, help="Extra ledger entries to seed."
    )
    parser.add_argument(
        "--uncached", type=int, default=0, help="Clients asking for uncomputed base years."
    )
    args = parser.parse_args(argv)
    seconds = min(max(args.seconds, 1.0), 120.0)
    endpoints = tuple(args.endpoint or DEFAULT_ENDPOINTS)
    mix = Mix(endpoints, args.clients, max(args.viewers, 0), max(args.uncached, 0))
    with tempfile.TemporaryDirectory(prefix="forewarn-bench-") as folder:
        root = Path(folder)
        settings = Settings(
            data_dir=root / "data",
            database_url=f"sqlite:///{root / 'forewarn.db'}",
            secret_key=new_token() + new_token(),
        )
        token = seed(settings, args.alerts, max(args.ledger_entries, 0))
        command = forewarn_serve(args.workers, not args.no_access_log)
        with served(command, _env(settings), root / "serve.log") as url:
            warm_up(url, token, endpoints, root / "bodies")
            if mix.viewers:
                first_check(url, token)
            run = load(url, token, mix, seconds, args.max_requests)
            results, elapsed = asyncio.run(run)
        print(
            f"forewarn serve ({args.workers} worker(s), SQLite, {args.alerts} alerts, "
            f"access log {'off' if args.no_access_log else 'on'}), "
            f"{args.clients} clients, {mix.viewers} ledger viewers, {mix.uncached} uncached "
            f"askers, {elapsed:.1f} s on loopback:"
        )
        print(report(results, elapsed, endpoints))
        readers = p95(results, endpoints)
        print(f"target: readers' p95 < {1000 * TARGET_P95:.0f} ms -> {_verdict(readers)}")
        if not args.skip_reference:
            command, env = reference_serve(root / "bodies")
            with served(command, env, root / "reference.log") as url:
                run = load(url, token, Mix(endpoints, args.clients), seconds, args.max_requests)
                yardstick, took = asyncio.run(run)
            print(
                f"reference: the same bodies from a bare FastAPI app (readers only), {took:.1f} s:"
            )
            print(report(yardstick, took))
            rate = sum(len(results.latencies[p]) for p in endpoints) / elapsed
            rate_ref = sum(map(len, yardstick.latencies.values())) / took
            print(
                f"ratio forewarn / reference (readers): p95 {readers / p95(yardstick):.2f}, "
                f"requests per second {rate / rate_ref:.2f}"
            )
    failed = sum(results.failures.values())
    return 1 if failed else 0


def _verdict(value: float) -> str:
    return f"{1000 * value:.1f} ms, " + ("met" if value < TARGET_P95 else "missed")


if __name__ == "__main__":
    raise SystemExit(main())
