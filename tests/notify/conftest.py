"""Real parts on loopback for the notification tests: an SMTP server (aiosmtpd), an HTTP
receiver for webhooks, users with addresses, and ``forewarn`` run in-process or as real
worker processes."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.store import auth
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow, NotificationRow

SECRET = "test-secret-key-" + "x" * 32
FOREWARN = Path(sys.executable).with_name("forewarn")
HASHED = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x" * 16)
MONDAY = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- an SMTP server ---------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the test SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


@dataclass
class SmtpServer:
    """A real SMTP server on 127.0.0.1 that a test can stop and start again."""

    port: int
    box: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


# --- a webhook receiver -----------------------------------------------------------------------


@dataclass
class Delivery:
    at: float
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """A real HTTP server: answers ``fail_first`` deliveries with 503, then 200 (or
    ``always`` when set), and records every request."""

    fail_first: int = 2
    always: int | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self) -> int:
        if self.always is not None:
            return self.always
        return 503 if len(self.deliveries) < self.fail_first else 200

    def received(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                status = receiver.answer()
                receiver.deliveries.append(
                    Delivery(time.time(), dict(self.headers.items()), body, status)
                )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


# --- settings, users and the database ---------------------------------------------------------


def notify_env(smtp_port: int, **extra: str) -> dict[str, str]:
    """The notification settings of a test: local SMTP, fast retries, short leases."""
    env = {
        "FOREWARN_SMTP_HOST": "127.0.0.1",
        "FOREWARN_SMTP_PORT": str(smtp_port),
        "FOREWARN_SMTP_TLS": "none",
        "FOREWARN_MAIL_FROM": "forewarn <forewarn@example.org>",
        "FOREWARN_PUBLIC_URL": "http://127.0.0.1:8000",
        "FOREWARN_SECRET_KEY": SECRET,
        "FOREWARN_NOTIFY_BACKOFF": "0.2",
        "FOREWARN_NOTIFY_BACKOFF_MAX": "1",
        "FOREWARN_NOTIFY_LEASE": "3",
        "FOREWARN_NOTIFY_TIMEOUT": "5",
        "FOREWARN_WORKER_POLL": "0.2",
        "FOREWARN_DIGEST_HOUR": "0",
    }
    env.update(extra)
    return env


def with_notify(settings: Settings, smtp_port: int, **extra: str) -> Settings:
    """``settings`` with the notification settings of :func:`notify_env`."""
    values = {
        k.removeprefix("FOREWARN_").lower(): v for k, v in notify_env(smtp_port, **extra).items()
    }
    return settings.model_copy(update=Settings(**values).model_dump(include=set(values)))


@pytest.fixture
def engine(db_settings: Settings) -> Iterator[Engine]:
    engine = open_database(db_settings)
    yield engine
    engine.dispose()


def add_user(
    engine: Engine,
    name: str,
    *owners: str,
    role: str = "analyst",
    email_address: str | None = "",
    language: str = "en",
    digest: bool = False,
) -> int:
    """A user holding ladder roles ``owners``; the address defaults to name@example.org."""
    address = f"{name}@example.org" if email_address == "" else email_address
    with transaction(engine) as session:
        new = auth.NewUser(name, HASHED, role, owners, False, address, language, digest)
        return auth.add_user(session, new, dt.datetime.now(dt.UTC)).id


def insert_alerts(engine: Engine, specs: list[dict[str, Any]]) -> list[int]:
    """Insert alerts as the warning stage does (without the ledger); their ids."""
    with transaction(engine) as session:
        rows = [
            AlertRow(
                iso3=spec.get("iso3", "SYR"), seq=spec.get("seq", 1), ccode=None,
                country=spec.get("country", spec.get("iso3", "SYR").title()),
                level=spec.get("level", "warning"), rule="test-rule", base_year=2024,
                created_at=spec.get("created_at", MONDAY), snapshot={}, previous_id=None,
            )
            for spec in specs
        ]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def notifications(engine: Engine, *where: Any) -> list[NotificationRow]:
    with Session(engine) as session:
        return list(
            session.scalars(select(NotificationRow).where(*where).order_by(NotificationRow.id))
        )


# --- the command line -------------------------------------------------------------------------


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a CLI run on the test's database and data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env["FOREWARN_DATABASE_URL"] = settings.resolved_database_url()
    env["FOREWARN_DATA_DIR"] = str(settings.data_dir)
    if settings.data_mirror is not None:
        env["FOREWARN_DATA_MIRROR"] = str(settings.data_mirror)
    env["FOREWARN_CACHE_DIR"] = str(settings.cache_dir)
    env.update(extra)
    return env


def run(
    settings: Settings, *args: str, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """``forewarn ARGS`` as a real process; its exit code and output."""
    return subprocess.run(
        [str(FOREWARN), *args], env=cli_env(settings, **env), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


SPAWNED: list[subprocess.Popen[str]] = []


def spawn(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(FOREWARN), *args], env=cli_env(settings, **env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    SPAWNED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _reap() -> Iterator[None]:
    """Whatever a test started and left running (it failed half-way) is killed after it."""
    yield
    while SPAWNED:
        proc = SPAWNED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def wait_for(check: Callable[[], bool], timeout: float = 60, step: float = 0.1) -> None:
    """Wait until ``check()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(step)


def webhook_ids(receiver: Receiver) -> list[str]:
    return [json.loads(d.body)["id"] for d in receiver.received()]


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(db_settings: Settings, main_in_process: Any) -> Callable[..., CliResult]:
    """Run ``forewarn ARGS`` in-process on the test database (``stdin`` optional)."""

    def invoke(*args: str, stdin: str = "", **env: str) -> CliResult:
        return CliResult(*main_in_process(args, cli_env(db_settings, **env), stdin))

    return invoke
