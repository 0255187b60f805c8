"""A deployment that tells people through webhooks only: a real ``forewarn worker --once``
with no e-mail settings at all delivers to a real receiver on loopback; e-mail settings are
demanded (one line, exit 2) as soon as e-mail would be used — an active user with an
address, or an e-mail setting the operator gave."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.notify import subscriptions
from forewarn.store.tables import LedgerRow

from .conftest import CliResult, Receiver, add_user, insert_alerts, notifications, run
from .test_delivery import receiver_snippet

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("forewarn-processes")]

FAST = {"FOREWARN_NOTIFY_BACKOFF": "0.2", "FOREWARN_NOTIFY_TIMEOUT": "5"}
"""The only settings a webhook-only worker is given (besides the database)."""
BLANK = {"FOREWARN_SMTP_HOST": "", "FOREWARN_MAIL_FROM": "", "FOREWARN_SMTP_CA_FILE": " ",
         "FOREWARN_PUBLIC_URL": ""}  # fmt: skip
"""E-mail variables left blank in an environment file: unset, not half an e-mail set-up."""


def _subscribe(engine: Engine, receiver: Receiver) -> str:
    made = ledger.retrying(
        engine, lambda s: subscriptions.subscribe(s, receiver.url, ["*"], "test")
    )
    return made.secret


def _alerts(engine: Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    insert_alerts(engine, [{"iso3": "MMR", "level": "warning", "created_at": now},
                           {"iso3": "SDN", "level": "emergency", "created_at": now}])  # fmt: skip


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_webhook_only_worker_needs_no_e_mail_settings(
    db_settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    receiver.fail_first = 0
    add_user(engine, "bao", "head_of_unit", email_address=None)
    add_user(engine, "carmen", "special_adviser", role="decision", email_address=None)
    secret = _subscribe(engine, receiver)
    _alerts(engine)
    out = run(db_settings, "worker", "--once", **FAST, **BLANK)
    assert out.returncode == 0, out.stderr
    assert "e-mail off" in out.stderr and "webhooks only" in out.stderr
    got = receiver.received()
    events = {json.loads(d.body)["event"] for d in got}
    assert {"alert.raised", "action.opened"} <= events
    verify = receiver_snippet()["verify"]
    for delivery in got:
        assert verify(secret, delivery.headers["Forewarn-Signature"], delivery.body)
        assert "/ack/" not in delivery.body.decode()  # no links: no public address needed
    rows = notifications(engine)
    assert rows and {r.channel for r in rows} == {"webhook"}
    assert {r.state for r in rows} == {"delivered"}
    assert len(got) == len(rows)
    with Session(engine) as session:
        kinds = session.scalars(
            select(LedgerRow.kind).where(LedgerRow.kind.like("notification.%"))
        ).all()
    assert set(kinds) == {"notification.delivered"} and len(kinds) == len(rows)
    status = run(db_settings, "worker", "status", "--json")
    assert json.loads(status.stdout)["warnings"] == []  # the webhook tells about new actions


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_status_warns_when_nobody_would_hear_of_new_actions(
    db_settings: Settings, engine: Engine, receiver: Receiver, cli: Callable[..., CliResult]
) -> None:
    add_user(engine, "bao", "head_of_unit", email_address=None)

    def warnings() -> list[str]:
        listed: list[str] = json.loads(cli("worker", "status", "--json").stdout)["warnings"]
        return listed

    (alone,) = warnings()
    assert alone.startswith("nobody is told about new actions: no user has an e-mail address")
    ledger.retrying(
        engine, lambda s: subscriptions.subscribe(s, receiver.url, ["alert.raised"], "test")
    )
    assert warnings() == [alone]  # alerts only: new actions still reach nobody
    ledger.retrying(
        engine, lambda s: subscriptions.subscribe(s, receiver.url, ["action.opened"], "test")
    )
    assert warnings() == []
    add_user(engine, "dawit", "political_affairs")  # e-mail in use: roles without an address
    assert any("'head_of_unit'" in w for w in warnings())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_user_with_an_address_makes_e_mail_settings_required(
    db_settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    add_user(engine, "bao", "head_of_unit")  # bao@example.org
    add_user(engine, "dawit", "political_affairs", email_address=None)
    _subscribe(engine, receiver)
    _alerts(engine)
    out = run(db_settings, "worker", "--once", **FAST)
    assert out.returncode == 2, out.stdout + out.stderr
    line = _one_line(out.stderr)
    assert "FOREWARN_MAIL_FROM is not set" in line
    assert "1 active user(s) have an address (bao)" in line and "dawit" not in line
    assert "bao@example.org" not in line
    assert notifications(engine) == [] and receiver.received() == []  # stopped before the tick
    # with the sender, the public address and the key, it is the next setting that is missing
    given = {"FOREWARN_MAIL_FROM": "forewarn <forewarn@example.org>",
             "FOREWARN_PUBLIC_URL": "https://forewarn.example.org"}  # fmt: skip
    out = run(db_settings, "worker", "--once", **FAST, **given)
    assert out.returncode == 2
    assert "FOREWARN_SECRET_KEY is not set" in _one_line(out.stderr)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"FOREWARN_SMTP_HOST": "smtp.example.org"}, "FOREWARN_MAIL_FROM is not set"),
        ({"FOREWARN_MAIL_FROM": "forewarn@example.org"}, "FOREWARN_PUBLIC_URL is not set"),
        (
            {"FOREWARN_SMTP_USER": "fw", "FOREWARN_SMTP_PASSWORD": "hunter2hunter2"},
            "FOREWARN_MAIL_FROM is not set",
        ),
    ],
    ids=["smtp-host", "mail-from", "smtp-user"],
)
def test_an_e_mail_setting_given_means_e_mail_is_wanted(
    db_settings: Settings, engine: Engine, receiver: Receiver, given: dict[str, str],
    expected: str,
) -> None:  # fmt: skip
    """No user has an address, but the operator set e-mail up half-way: refused, not ignored."""
    add_user(engine, "bao", "head_of_unit", email_address=None)
    _subscribe(engine, receiver)
    out = run(db_settings, "worker", "--once", **FAST, **given)
    assert out.returncode == 2, out.stdout + out.stderr
    line = _one_line(out.stderr)
    assert expected in line and "active user" not in line
    assert "hunter2" not in out.stdout + out.stderr
    assert notifications(engine) == []
