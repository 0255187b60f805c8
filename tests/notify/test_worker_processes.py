"""Real ``forewarn worker`` processes against a real SMTP server and webhook receiver: end to
end on the default data, a worker killed mid-delivery, two workers at once, the SMTP server
down, and settings that stop the worker at start-up."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.i18n import format_day
from forewarn.notify import subscriptions
from forewarn.store.tables import ActionRow, LedgerRow, NotificationRow

from .conftest import (
    CliResult,
    Receiver,
    SmtpServer,
    add_user,
    free_port,
    insert_alerts,
    notifications,
    notify_env,
    run,
    spawn,
    wait_for,
    webhook_ids,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("forewarn-processes")]
LEVELS = ("watch", "warning", "emergency")
STAFF = {
    "amara": "analyst",
    "bao": "head_of_unit",
    "carmen": "special_adviser",
    "dawit": "political_affairs",
    "elif": "secretary_general",
    "farid": "peace_operations",
}


def _finish(proc: subprocess.Popen[str], timeout: float = 300) -> str:
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return err


def _delivered_entries(engine: Engine) -> dict[str, int]:
    """How many ``notification.delivered`` entries each notification has."""
    with Session(engine) as session:
        query = select(LedgerRow.subject, func.count()).where(
            LedgerRow.kind == "notification.delivered"
        )
        rows = session.execute(query.group_by(LedgerRow.subject))
        return {subject.split(":", 1)[1]: int(n) for subject, n in rows}


def _verify(settings: Settings) -> None:
    out = run(settings, "ledger", "verify")
    assert out.returncode == 0, out.stdout + out.stderr


def _mail_ids(messages: list[EmailMessage]) -> list[str]:
    return [str(m["X-Forewarn-Notification"]) for m in messages]


# --- end to end on the default data -----------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_end_to_end_on_the_default_data(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, cli: Callable[..., CliResult]
) -> None:
    people = {  # name: (ladder role, language, digest)
        "amara": ("analyst", "en", False),
        "ari": ("analyst", "id", True),
        "bao": ("head_of_unit", "id", False),
        "carmen": ("special_adviser", "en", False),
        "dawit": ("political_affairs", "id", False),
    }
    for name, (role, lang, digest) in people.items():
        args = ["users", "add", name, "--role", "analyst", "--owner-role", role, "--email",
                f"{name}@example.org", "--language", lang, "--password-stdin"]  # fmt: skip
        made = cli(*args, *(["--digest"] if digest else []), stdin="a long enough password\n")
        assert made.exit_code == 0, made.stderr
    warned = run(db_settings, "warn", "--base-year", "2024")
    assert warned.returncode == 0, warned.stderr
    env = notify_env(smtp.port)
    first = run(db_settings, "worker", "--once", **env)
    assert first.returncode == 0, first.stderr
    listed = cli("actions", "list", "--json")
    opened = {a["id"]: a for a in json.loads(listed.stdout)}
    assert len(opened) > 50
    messages = smtp.box.received()
    by_user: dict[str, list[EmailMessage]] = defaultdict(list)
    for message in messages:
        by_user[str(message["To"]).split("@")[0]].append(message)
    for name, (role, lang, digest) in people.items():
        theirs = {i for i, a in opened.items() if a["owner"] == role}
        got = by_user[name]
        assert {m["Content-Language"] for m in got} == {lang}
        if digest:
            (one,) = got
            assert one["X-Forewarn-Event"] == "digest"
            text = one.get_body(("plain",)).get_content()
            assert text.count("/ack/") == len(theirs)
            for action_id in theirs:
                deadline = opened[action_id]["deadline"]
                assert (
                    format_day(__import__("datetime").date.fromisoformat(deadline), lang, "full")
                    in text
                )
            continue
        assert sorted(int(m["X-Forewarn-Action"]) for m in got) == sorted(theirs)
        for message in got:
            action = opened[int(message["X-Forewarn-Action"])]
            assert message["X-Forewarn-Event"] == "action.opened"
            assert message["X-Forewarn-Deadline"] == action["deadline"]
            day = dt.date.fromisoformat(action["deadline"])
            assert format_day(day, lang) in message["Subject"]
            assert format_day(day, lang, "full") in message.get_body(("plain",)).get_content()
    second = run(db_settings, "worker", "--once", **env)
    assert second.returncode == 0, second.stderr
    assert len(smtp.box.received()) == len(messages)  # nothing new
    rows = notifications(engine)
    entries = _delivered_entries(engine)
    assert set(entries) == {r.uid for r in rows} and set(entries.values()) == {1}
    assert {r.state for r in rows} == {"delivered"}
    _verify(db_settings)
    status = json.loads(cli("worker", "status", "--json").stdout)
    assert status["pending"] == 0 and status["last_tick_at"] and status["failed"] == 0


# --- a killed worker, and two at once ---------------------------------------------------------


def _staff(engine: Engine) -> None:
    for name, role in STAFF.items():
        add_user(engine, name, role)


def _subscribe(engine: Engine, receiver: Receiver, *events: str) -> None:
    ledger.retrying(engine, lambda s: subscriptions.subscribe(s, receiver.url, events, "test"))


def _alerts(engine: Engine, n: int, when: dt.datetime | None = None) -> int:
    """``n`` alerts of every level (raised ``when``, default now); the actions they open."""
    at = when or dt.datetime.now(dt.UTC)
    specs = [{"iso3": f"{i:03d}", "level": LEVELS[i % 3], "created_at": at} for i in range(n)]
    insert_alerts(engine, specs)
    return sum({"watch": 2, "warning": 5, "emergency": 7}[s["level"]] for s in specs)


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(NotificationRow)) or 0)


def _seen(smtp: SmtpServer, receiver: Receiver) -> list[str]:
    return _mail_ids(smtp.box.received()) + webhook_ids(receiver)


def test_a_worker_killed_while_delivering_loses_nothing(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, receiver: Receiver
) -> None:
    _staff(engine)
    _subscribe(engine, receiver, "action.opened")
    total = 2 * _alerts(engine, 110)  # an e-mail to the owner and a webhook per action
    env = notify_env(smtp.port, FOREWARN_NOTIFY_LEASE="2")
    worker = spawn(db_settings, "worker", **env)
    wait_for(lambda: _count(engine) >= total, timeout=120)
    wait_for(lambda: len(smtp.box.messages) + len(receiver.deliveries) >= total // 3, step=0.02)
    worker.send_signal(signal.SIGKILL)
    worker.communicate()
    undelivered = notifications(engine, NotificationRow.state != "delivered")
    assert undelivered, "the worker finished before it was killed"
    time.sleep(2.5)  # the dead worker's leases run out
    _finish(spawn(db_settings, "worker", "--once", **env))
    rows = notifications(engine)
    assert len(rows) == total >= 1000
    assert {r.state for r in rows} == {"delivered"}
    expected = {r.uid for r in rows}
    seen = _seen(smtp, receiver)
    assert set(seen) == expected  # each one at least once, nothing outside the set
    entries = _delivered_entries(engine)
    assert set(entries) == expected and set(entries.values()) == {1}
    _verify(db_settings)


def test_two_workers_at_once_deliver_nothing_under_two_ids(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, receiver: Receiver
) -> None:
    _staff(engine)
    add_user(engine, "dina", role="decision")
    _subscribe(engine, receiver, "*")
    _alerts(engine, 40)
    env = notify_env(smtp.port)
    workers = [spawn(db_settings, "worker", "--once", **env) for _ in range(2)]
    for worker in workers:
        _finish(worker)
    _finish(spawn(db_settings, "worker", "--once", **env))  # what a lost race left due
    rows = notifications(engine)
    assert {r.state for r in rows} == {"delivered"}
    ids_of: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for message in smtp.box.received():
        key = (str(message["To"]), str(message["X-Forewarn-Event"]),
               str(message["X-Forewarn-Action"] or message["X-Forewarn-Alert"]))  # fmt: skip
        ids_of[key].add(str(message["X-Forewarn-Notification"]))
    for delivery in receiver.received():
        body = json.loads(delivery.body)
        about = body["data"].get("action", body["data"]["alert"])["id"]
        ids_of[("webhook", body["event"], str(about), body["data"].get("audience", ""))].add(
            body["id"]
        )
    assert ids_of and max(len(ids) for ids in ids_of.values()) == 1
    assert set(_seen(smtp, receiver)) == {r.uid for r in rows}
    with Session(engine) as session:
        keys = session.execute(select(ActionRow.alert_id, ActionRow.chain, ActionRow.generation))
        assert len(set(keys)) == session.scalar(select(func.count()).select_from(ActionRow))
        opened = session.scalar(select(func.count()).where(LedgerRow.kind == "action.opened"))
        assert opened == session.scalar(select(func.count()).select_from(ActionRow))
    assert set(_delivered_entries(engine).values()) == {1}
    _verify(db_settings)


# --- the SMTP server down ---------------------------------------------------------------------


@pytest.fixture
def api(db_settings: Settings) -> Iterator[str]:
    """A real ``forewarn serve`` on loopback; its base URL."""
    port = free_port()
    proc = spawn(db_settings, "serve", "--port", str(port), "--no-access-log",
                 FOREWARN_SECRET_KEY="s" * 40)  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200
        except httpx.HTTPError:
            assert proc.poll() is None, proc.communicate()[1]
            return False

    wait_for(up, timeout=60, step=0.2)
    yield base
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_while_smtp_is_down_notifications_wait_and_then_drain(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, api: str
) -> None:
    _staff(engine)
    add_user(engine, "root", role="admin")
    token = run(db_settings, "tokens", "create", "root").stdout.strip()
    smtp.stop()
    env = notify_env(smtp.port, FOREWARN_NOTIFY_BACKOFF="0.5", FOREWARN_NOTIFY_BACKOFF_MAX="1",
                     FOREWARN_NOTIFY_MAX_ATTEMPTS="10000")  # fmt: skip
    worker = spawn(db_settings, "worker", **env)
    _alerts(engine, 12)
    headers = {"Authorization": f"Bearer {token}"}

    def backlog() -> dict[str, object]:
        return dict(httpx.get(f"{api}/api/worker/status", headers=headers, timeout=5).json())

    wait_for(lambda: int(backlog()["retrying"]) > 0, timeout=60)  # type: ignore[call-overload]
    status = json.loads(run(db_settings, "worker", "status", "--json").stdout)
    assert status["pending"] == len(notifications(engine)) > 0
    assert status["oldest_undelivered_at"] and "cannot send through" in status["last_error"]
    assert httpx.get(f"{api}/api/alerts", headers=headers, timeout=5).status_code == 200
    time.sleep(1.5)  # retried, still down
    assert smtp.box.received() == []
    smtp.start()
    wait_for(lambda: backlog()["pending"] == 0, timeout=90)
    assert backlog()["failed"] == 0
    assert len(smtp.box.received()) == len(notifications(engine))
    worker.send_signal(signal.SIGTERM)
    err = _finish(worker, timeout=60)
    assert "worker stopped" in err
    status = json.loads(run(db_settings, "worker", "status", "--json").stdout)
    assert status["workers"][0]["stopped_at"] and status["delivered"] > 0
    _verify(db_settings)


# --- settings refused at start-up -------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_real_worker_refuses_a_bad_setting_in_one_line(db_settings: Settings) -> None:
    out = run(db_settings, "worker", **notify_env(1025, FOREWARN_SMTP_TLS="ssl"))
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: FOREWARN_SMTP_TLS='ssl': Input should be 'none', 'starttls' or 'tls'"
    ]
