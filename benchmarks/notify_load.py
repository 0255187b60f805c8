"""Notifications per second through a local SMTP server and webhook receiver, and the time
from ``warn`` to delivery, against bare ``smtplib`` and bare HTTP posting.

    python benchmarks/notify_load.py [--alerts 120] [--rounds 10] [--poll 2] [--postgres URL]

Receivers (aiosmtpd and an aiohttp webhook receiver) run in a process of their own on
127.0.0.1. Throughput: a fresh database gets owners for every ladder role and ``--alerts``
alerts; a tick writes one e-mail per action (and, in a second database, one webhook per
action); the dispatcher of ``forewarn worker`` then delivers them (claiming by lease,
rendering in the owner's language, signing, recording each outcome in the ledger), and the
messages per second are timed. The yardstick, measured in the same run: the same number of
messages, rendered beforehand, sent with bare ``smtplib`` over one connection, and the same
webhook bodies posted with a bare pooled ``httpx`` client from as many threads; the ratio
says what the outbox, leases, rendering and the ledger cost.

Latency: a real ``forewarn worker`` runs (``--poll`` seconds between looks at the outbox);
``--rounds`` times, one new warning alert is recorded as ``forewarn warn`` records it
(``store.alerts.record_alerts`` with the ledger hook) and the time until each of its
notifications reaches a receiver is taken; p50 and p95 over all of them. Its yardstick is
the time to send one message with bare ``smtplib`` on a fresh connection.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from email.utils import parseaddr
from pathlib import Path

import httpx
from sqlalchemy import Engine

from forewarn import ledger
from forewarn.config import Settings
from forewarn.notify import config as notify_config
from forewarn.notify import subscriptions
from forewarn.notify.dispatch import Dispatcher, prepare
from forewarn.notify.smtp import Envelope, wire
from forewarn.notify.webhook import CONCURRENCY, Post, headers
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.alerts import record_alert, record_alerts
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow, NotificationRow
from forewarn.warning.alerts import AlertCandidate

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ROLES = ("analyst", "head_of_unit", "special_adviser", "political_affairs",
         "secretary_general", "peace_operations", "ga_president")  # fmt: skip
LEVELS = ("watch", "warning", "emergency")
SECRET = "benchmark-secret-key-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def receivers(folder: Path) -> Iterator[tuple[int, int, Path]]:
    smtp_port, http_port, log = free_port(), free_port(), folder / "received.log"
    log.touch()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "notify_receivers.py"), *map(str, (smtp_port, http_port, log))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    try:
        yield smtp_port, http_port, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def received(log: Path) -> dict[str, float]:
    """First arrival time of each notification id."""
    seen: dict[str, float] = {}
    for line in log.read_text().splitlines():
        _, uid, at = line.split()
        seen.setdefault(uid, float(at))
    return seen


CREATED: list[tuple[str, str]] = []


def fresh_postgres(admin: str, name: str) -> str:
    """A new database on the server at ``admin`` (dropped at the end)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    database = f"fwbench_{name}_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    CREATED.append((admin, database))
    return make_url(admin).set(database=database).render_as_string(hide_password=False)


def drop_created() -> None:
    from sqlalchemy import create_engine, text

    for admin, database in CREATED:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        engine.dispose()


def settings_for(folder: Path, name: str, smtp_port: int, db: str) -> Settings:
    url = f"sqlite:///{folder / name}.db" if db == "sqlite" else fresh_postgres(db, name)
    return Settings(
        data_dir=folder / f"{name}-data", database_url=url, secret_key=SECRET,
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_tls="none",
        mail_from="forewarn <forewarn@example.org>", public_url="http://127.0.0.1:8000",
        worker_poll=2,
    )  # fmt: skip


def seed(settings: Settings, alerts: int, mail: bool, hook_url: str | None) -> Engine:
    engine = open_database(settings)
    hashed = "x"  # nobody logs in
    with transaction(engine) as session:
        for i, role in enumerate(ROLES):
            lang = "id" if i % 2 else "en"
            new = auth.NewUser(f"user{i}", hashed, "analyst", (role,), False,
                               f"user{i}@example.org" if mail else None, lang)  # fmt: skip
            auth.add_user(session, new, dt.datetime.now(dt.UTC))
    if hook_url is not None:
        ledger.retrying(engine, lambda s: subscriptions.subscribe(s, hook_url, ["*"], "bench"))
    now = dt.datetime.now(dt.UTC)
    with transaction(engine) as session:
        session.add_all([
            AlertRow(iso3=f"{i:03d}", seq=1, ccode=None, country=f"Country {i}",
                     level=LEVELS[i % 3], rule="bench", base_year=2024, created_at=now,
                     snapshot={}, previous_id=None)
            for i in range(alerts)
        ])  # fmt: skip
    clock.tick(engine, load_ladder(settings), now)
    return engine


def dispatch_rate(settings: Settings, engine: Engine) -> tuple[int, float]:
    delivery = notify_config.delivery(settings)
    dispatcher = Dispatcher(engine, delivery, "benchmark")
    start = time.perf_counter()
    counts = dispatcher.drain(budget=3600)
    took = time.perf_counter() - start
    dispatcher.close()
    assert counts.deferred == 0 and counts.failed == 0, counts
    return counts.delivered, took


def _rows(engine: Engine) -> list[NotificationRow]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return list(session.scalars(select(NotificationRow).order_by(NotificationRow.id)))


def bare_smtp(settings: Settings, engine: Engine) -> tuple[int, float]:
    """The same messages, rendered beforehand, sent with bare smtplib over one connection."""
    delivery = notify_config.delivery(settings)
    envelopes = [p for p in prepare(engine, _rows(engine), delivery) if isinstance(p, Envelope)]
    sender = parseaddr(delivery.mail.sender)[1]
    messages = [(e.to, wire(delivery.mail.sender, e)) for e in envelopes]
    start = time.perf_counter()
    with smtplib.SMTP(delivery.mail.host, delivery.mail.port) as client:
        for to, data in messages:
            client.sendmail(sender, [to], data)
    return len(messages), time.perf_counter() - start


def bare_http(settings: Settings, engine: Engine) -> tuple[int, float]:
    """The same bodies posted with a bare pooled httpx client from as many threads."""
    posts = [p for p in prepare(engine, _rows(engine), notify_config.delivery(settings))
             if isinstance(p, Post)]  # fmt: skip
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(limits=limits) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        start = time.perf_counter()
        list(pool.map(lambda p: client.post(p.url, content=p.body, headers=headers(p)), posts))
        return len(posts), time.perf_counter() - start


def latency(folder: Path, smtp_port: int, hook_url: str, log: Path, rounds: int, poll: float,
            db: str) -> list[float]:  # fmt: skip
    settings = settings_for(folder, "latency", smtp_port, db).model_copy(
        update={"worker_poll": poll}
    )
    engine = seed(settings, 0, True, hook_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env |= {"FOREWARN_DATABASE_URL": settings.resolved_database_url(),
            "FOREWARN_DATA_DIR": str(settings.data_dir), "FOREWARN_SECRET_KEY": SECRET,
            "FOREWARN_SMTP_HOST": "127.0.0.1", "FOREWARN_SMTP_PORT": str(smtp_port),
            "FOREWARN_SMTP_TLS": "none", "FOREWARN_MAIL_FROM": "forewarn <fw@example.org>",
            "FOREWARN_PUBLIC_URL": "http://127.0.0.1:8000",
            "FOREWARN_WORKER_POLL": str(poll)}  # fmt: skip
    worker = subprocess.Popen([str(BIN / "forewarn"), "worker"], env=env,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    samples: list[float] = []
    try:
        time.sleep(3)
        for i in range(rounds):
            candidate = AlertCandidate(
                iso3=f"L{i:02d}", ccode=None, country=f"Latency {i}", level="warning",
                rule="bench", base_year=2024, snapshot={},
            )  # fmt: skip
            start = time.time()
            ledger.retrying(engine, lambda s, c=candidate: record_alerts(
                s, [c], dt.datetime.now(dt.UTC), on_new=record_alert))  # fmt: skip
            expected = 0
            deadline = time.time() + 60
            while time.time() < deadline:
                rows = [
                    r
                    for r in _rows(engine)
                    if r.payload.get("alert", {}).get("iso3") == f"L{i:02d}"
                ]
                expected = len(rows)
                arrived = received(log)
                if expected and all(r.uid in arrived for r in rows):
                    samples += [arrived[r.uid] - start for r in rows]
                    break
                time.sleep(0.05)
            else:
                raise SystemExit(f"round {i}: not delivered within 60 s")
            time.sleep(poll * 0.37)  # start the next round at another phase of the poll
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        engine.dispose()
    return samples


def bare_one(smtp_port: int) -> float:
    """Seconds to send one small message with bare smtplib on a fresh connection."""
    times = []
    for _ in range(20):
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            client.sendmail("a@example.org", ["b@example.org"], "Subject: x\r\n\r\nhello")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--alerts", type=int, default=120, help="alerts seeded (about 4.7 actions each)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="latency rounds")
    parser.add_argument("--poll", type=float, default=2.0, help="the worker's outbox poll (s)")
    parser.add_argument(
        "--postgres", default=None, help="run on PostgreSQL: a server URL (fresh databases)"
    )
    args = parser.parse_args()
    args.db = args.postgres or "sqlite"
    try:
        run(args)
    finally:
        drop_created()


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, receivers(Path(tmp)) as (smtp_port, http_port, log):
        folder = Path(tmp)
        hook_url = f"http://127.0.0.1:{http_port}/hook"
        print(f"seeding {args.alerts} alerts ...", file=sys.stderr)
        mail_settings = settings_for(folder, "mail", smtp_port, args.db)
        mail_db = seed(mail_settings, args.alerts, True, None)
        sent, took = dispatch_rate(mail_settings, mail_db)
        ref_sent, ref_took = bare_smtp(mail_settings, mail_db)
        hook_settings = settings_for(folder, "hook", smtp_port, args.db)
        hook_db = seed(hook_settings, args.alerts, False, hook_url)
        posted, hook_took = dispatch_rate(hook_settings, hook_db)
        ref_posted, ref_hook_took = bare_http(hook_settings, hook_db)
        print(f"measuring warn -> delivered over {args.rounds} alerts ...", file=sys.stderr)
        samples = latency(folder, smtp_port, hook_url, log, args.rounds, args.poll, args.db)
        one = bare_one(smtp_port)
    mail_rate, ref_mail = sent / took, ref_sent / ref_took
    hook_rate, ref_hook = posted / hook_took, ref_posted / ref_hook_took
    print(
        f"e-mail:   {sent} notifications in {took:.2f} s = {mail_rate:,.0f}/s "
        f"(bare smtplib: {ref_mail:,.0f}/s; ratio {mail_rate / ref_mail:.2f})"
    )
    print(
        f"webhooks: {posted} notifications in {hook_took:.2f} s = {hook_rate:,.0f}/s "
        f"(bare httpx, {CONCURRENCY} threads: {ref_hook:,.0f}/s; ratio {hook_rate / ref_hook:.2f})"
    )
    p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
    print(f"warn -> delivered ({len(samples)} notifications, worker poll {args.poll:g} s): "
          f"p50 {p50:.2f} s, p95 {p95:.2f} s (bare smtplib, one message on a fresh "
          f"connection: {one * 1000:.1f} ms; p50 ratio {p50 / one:,.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
