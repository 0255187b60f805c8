"""Delivery through a real SMTP server and a real webhook receiver on loopback (both back
ends): messages in the user's language, signatures, back-off, dead letters and retry."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.i18n import format_day
from forewarn.notify import config as notify_config
from forewarn.notify import subscriptions
from forewarn.notify.dispatch import Dispatcher
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store.outbox import DELIVERED, FAILED
from forewarn.store.tables import ActionRow, LedgerRow, NotificationRow

from .conftest import (
    MONDAY,
    CliResult,
    Receiver,
    SmtpServer,
    add_user,
    insert_alerts,
    notifications,
    notify_env,
    with_notify,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def receiver_snippet() -> dict[str, Any]:
    """The receiver's signature check from docs/notifications.md, run as a user would."""
    text = DOC.read_text(encoding="utf-8")
    code = text.split("<!-- receiver-snippet -->", 1)[1].split("```python", 1)[1].split("```")[0]
    scope: dict[str, Any] = {}
    exec(compile(code, "receiver_snippet.py", "exec"), scope)
    return scope


def _kinds(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        rows = session.execute(select(LedgerRow.kind, func.count()).group_by(LedgerRow.kind))
        return Counter({kind: int(n) for kind, n in rows})


def test_each_owner_gets_one_message_per_action_in_their_language(
    db_settings: Settings, engine: Engine, smtp: SmtpServer
) -> None:
    settings = with_notify(db_settings, smtp.port)
    delivery = notify_config.delivery(settings)
    add_user(engine, "amara", "analyst")
    add_user(engine, "ari", "analyst", language="id")
    insert_alerts(engine, [{"iso3": "SYR", "country": "Syria", "level": "watch"}])
    ladder = load_ladder(settings)
    clock.tick(engine, ladder, MONDAY)
    with Dispatcher(engine, delivery, "test") as once:
        counts = once.drain()
    assert (counts.delivered, counts.deferred, counts.failed) == (4, 0, 0)
    messages = smtp.box.received()
    with Session(engine) as session:
        opened = {a.id: a for a in session.scalars(select(ActionRow))}
    seen = Counter((m["To"], m["X-Forewarn-Action"]) for m in messages)
    assert set(seen) == {(f"{u}@example.org", str(a)) for u in ("amara", "ari") for a in opened}
    assert max(seen.values()) == 1
    for message in messages:
        action = opened[int(message["X-Forewarn-Action"])]
        lang = "id" if message["To"].startswith("ari") else "en"
        assert message["Content-Language"] == lang
        subject = message["Subject"]
        assert ("Suriah" if lang == "id" else "Syria") in subject
        assert format_day(action.deadline, lang) in subject
        text = message.get_body(("plain",)).get_content()
        assert format_day(action.deadline, lang, "full") in text
        assert message["X-Forewarn-Deadline"] == action.deadline.isoformat()
        if lang == "id":
            assert subject.startswith("[forewarn] Tindakan baru: Suriah")
            assert "Tenggat" in text and "Halo ari," in text
        else:
            assert "Deadline" in text and "Hello amara," in text
        assert re.search(r"http://127\.0\.0\.1:8000/ack/\S+", text)
        uid = message["X-Forewarn-Notification"]
        assert uid in message["Message-ID"]
        html = message.get_body(("html",)).get_content()
        assert f'lang="{lang}"' in html and "/ack/" in html
    rows = notifications(engine)
    assert {r.state for r in rows} == {DELIVERED}
    assert _kinds(engine)["notification.delivered"] == len(rows) == 4
    with Dispatcher(engine, delivery, "again") as once:
        assert once.drain().total == 0
    assert len(smtp.box.received()) == 4


def _one_webhook(engine: Engine, receiver: Receiver, events: str = "*") -> int:
    made = ledger.retrying(
        engine, lambda s: subscriptions.subscribe(s, receiver.url, [events], "test")
    )
    insert_alerts(engine, [{"iso3": "SDN", "level": "emergency"}])
    return made.id


def _secret(engine: Engine, webhook_id: int) -> str:
    from forewarn.store.tables import WebhookRow

    with Session(engine) as session:
        row = session.get(WebhookRow, webhook_id)
        assert row is not None
        return row.secret


def test_webhooks_are_signed_retried_with_backoff_then_delivered(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, receiver: Receiver
) -> None:
    settings = with_notify(db_settings, smtp.port, FOREWARN_NOTIFY_BACKOFF="0.4")
    delivery = notify_config.delivery(settings)
    hook = _one_webhook(engine, receiver, "alert.raised")
    clock.tick(engine, load_ladder(settings), MONDAY)
    (row,) = notifications(engine)
    dispatcher = Dispatcher(engine, delivery, "test", batch=500)
    waits = []
    for attempt in (1, 2):
        before = dt.datetime.now(dt.UTC)
        dispatcher.drain()
        (again,) = notifications(engine, NotificationRow.id == row.id)
        assert (again.state, again.attempts) == ("pending", attempt)
        waits.append((clock.as_utc(again.next_at) - before).total_seconds())
        time.sleep(
            max(0.0, (clock.as_utc(again.next_at) - dt.datetime.now(dt.UTC)).total_seconds())
        )
    # exponential back-off with jitter: attempt n waits base * 2**(n-1), less up to a half
    assert 0.2 <= waits[0] <= 0.4 + 0.3 and 0.4 <= waits[1] <= 0.8 + 0.3
    dispatcher.drain()
    dispatcher.close()
    (done,) = notifications(engine, NotificationRow.id == row.id)
    assert (done.state, done.attempts) == (DELIVERED, 3)
    mine = [d for d in receiver.received() if json.loads(d.body)["id"] == row.uid]
    assert [d.status for d in mine] == [503, 503, 200]
    assert len({d.body for d in mine}) == 1  # the same bytes every time
    assert [d.headers["Forewarn-Attempt"] for d in mine] == ["1", "2", "3"]
    body = json.loads(mine[0].body)
    assert body["event"] == "alert.raised" and body["data"]["alert"]["iso3"] == "SDN"
    assert mine[0].headers["Idempotency-Key"] == row.uid
    verify = receiver_snippet()["verify"]
    secret = _secret(engine, hook)
    for delivery_ in receiver.received():
        assert verify(secret, delivery_.headers["Forewarn-Signature"], delivery_.body)
        assert not verify(secret, delivery_.headers["Forewarn-Signature"], delivery_.body + b" ")
        assert not verify("whsec_wrong", delivery_.headers["Forewarn-Signature"], delivery_.body)
    with Session(engine) as session:
        kinds = [e.kind for e in ledger.entries_about(session, f"notification:{row.uid}")]
    assert kinds == ["notification.deferred", "notification.deferred", "notification.delivered"]


def test_after_the_limit_a_notification_is_dead_lettered_and_retry_delivers_it(
    db_settings: Settings,
    engine: Engine,
    smtp: SmtpServer,
    receiver: Receiver,
    cli: Callable[..., CliResult],
) -> None:
    extra = {"FOREWARN_NOTIFY_MAX_ATTEMPTS": "2", "FOREWARN_NOTIFY_BACKOFF": "0.05"}
    settings = with_notify(db_settings, smtp.port, **extra)
    delivery = notify_config.delivery(settings)
    receiver.always = 503
    _one_webhook(engine, receiver)
    clock.tick(engine, load_ladder(settings), MONDAY)
    dispatcher = Dispatcher(engine, delivery, "test", batch=500)
    dispatcher.drain()
    time.sleep(0.2)
    dispatcher.drain()
    dispatcher.close()
    rows = notifications(engine)
    assert rows and {r.state for r in rows} == {FAILED}
    assert {r.attempts for r in rows} == {2}
    env = notify_env(smtp.port, **extra)
    listed = cli("notifications", "list", "--failed", "--json", **env)
    assert listed.exit_code == 0, listed.stderr
    failed = json.loads(listed.stdout)
    assert sorted(f["uid"] for f in failed) == sorted(r.uid for r in rows)
    assert all("HTTP 503" in f["last_error"] for f in failed)
    receiver.always = None
    receiver.fail_first = 0
    target = rows[0]
    retried = cli("notifications", "retry", str(target.id), **env)
    assert retried.exit_code == 0, retried.stderr
    assert f"notification {target.id} delivered" in retried.stdout
    (after,) = notifications(engine, NotificationRow.id == target.id)
    assert after.state == DELIVERED
    assert json.loads(receiver.received()[-1].body)["id"] == target.uid
    with Session(engine) as session:
        kinds = [e.kind for e in ledger.entries_about(session, f"notification:{target.uid}")]
    assert kinds == ["notification.deferred", "notification.failed", "notification.retried",
                     "notification.delivered"]  # fmt: skip
    again = cli("notifications", "list", "--failed", "--json", **env)
    assert target.uid not in again.stdout


def test_a_receiver_refusing_for_good_fails_at_once(
    db_settings: Settings, engine: Engine, smtp: SmtpServer, receiver: Receiver
) -> None:
    delivery = notify_config.delivery(with_notify(db_settings, smtp.port))
    receiver.always = 410
    _one_webhook(engine, receiver)
    clock.tick(engine, load_ladder(db_settings), MONDAY)
    with Dispatcher(engine, delivery, "test") as once:
        once.drain()
    rows = notifications(engine)
    assert {(r.state, r.attempts) for r in rows} == {(FAILED, 1)}
    assert "HTTP 410" in (rows[0].last_error or "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_smtp_server_defers_and_the_backlog_drains_later(
    db_settings: Settings, engine: Engine, smtp: SmtpServer
) -> None:
    delivery = notify_config.delivery(with_notify(db_settings, smtp.port))
    add_user(engine, "amara", "analyst")
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, load_ladder(db_settings), MONDAY)
    smtp.stop()
    with Dispatcher(engine, delivery, "test") as once:
        counts = once.drain()
    assert (counts.delivered, counts.deferred) == (0, 2)
    rows = notifications(engine)
    assert all("cannot send through 127.0.0.1" in (r.last_error or "") for r in rows)
    smtp.start()
    time.sleep(1.1)
    with Dispatcher(engine, delivery, "test") as once:
        assert once.drain().delivered == 2
    assert len(smtp.box.received()) == 2
