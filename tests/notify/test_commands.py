"""The commands and routes around notifications: users' addresses and languages, webhook
subscriptions (https only, secret shown once), the admin API, and the told figure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.api import create_app
from forewarn.api.security import digest, new_token
from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.notify import told
from forewarn.notify.subscriptions import check_url
from forewarn.response import clock
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.db import transaction
from forewarn.store.tables import ActionRow, NotificationRow, UserRow, WebhookRow

from .conftest import MONDAY, SECRET, CliResult, add_user, insert_alerts, notifications

Cli = Callable[..., CliResult]
PASSWORD = "a long enough password\n"


def test_users_get_an_address_a_language_and_a_digest_choice(cli: Cli, engine: Engine) -> None:
    made = cli("users", "add", "bao", "--role", "analyst", "--owner-role", "head_of_unit",
               "--email", "bao@example.org", "--language", "id-ID", "--password-stdin",
               stdin=PASSWORD)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    (record,) = json.loads(cli("users", "list", "--json").stdout)
    assert (record["email"], record["language"], record["digest"]) == (
        "bao@example.org",
        "id",
        False,
    )
    changed = cli("users", "set", "bao", "--language", "en", "--digest")
    assert changed.exit_code == 0 and "language changed, digest changed" in changed.stdout
    (record,) = json.loads(cli("users", "list", "--json").stdout)
    assert (record["language"], record["digest"]) == ("en", True)
    assert cli("users", "set", "bao", "--email", "").exit_code == 0
    assert json.loads(cli("users", "list", "--json").stdout)[0]["email"] is None
    bad = cli("users", "set", "bao", "--language", "fr")
    assert bad.exit_code == 2 and "unsupported language 'fr'" in bad.stderr
    bad = cli("users", "set", "bao", "--email", "not an address")
    assert bad.exit_code == 2 and "not an e-mail address" in bad.stderr
    assert cli("users", "set", "nobody", "--digest").exit_code == 2
    with Session(engine) as session:
        entries = ledger.entries_about(session, "user:bao")
    assert [e.kind for e in entries] == ["user.added", "user.updated", "user.updated"]
    assert "bao@example.org" not in json.dumps([dict(e.payload) for e in entries])


def test_turning_the_digest_off_sends_what_was_held(engine: Engine) -> None:
    user_id = add_user(engine, "ari", "analyst", digest=True)
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, load_ladder(Settings()), MONDAY)
    assert {r.state for r in notifications(engine)} == {"held"}
    from forewarn.store import outbox

    with transaction(engine) as session:
        auth.set_contact(session, "ari", auth.Contact(digest=False))
        assert outbox.release_held(session, user_id, dt.datetime.now(dt.UTC)) == 2
    assert {(r.state, r.channel) for r in notifications(engine)} == {("pending", "email")}


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.org/x", "ftp://hooks.example.org/x", "https://", "hooks.example.org",
     "http://10.0.0.8/x", "https://h:99999/x"],
)  # fmt: skip
def test_webhook_urls_must_be_https_except_on_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        check_url(url)


@pytest.mark.parametrize(
    "url", ["https://hooks.example.org/x", "http://127.0.0.1:8080/h", "http://[::1]/h",
            "http://localhost:9000/h"],
)  # fmt: skip
def test_webhook_urls_accepted(url: str) -> None:
    assert check_url(url) == url


def test_webhooks_on_the_command_line(cli: Cli, engine: Engine) -> None:
    refused = cli("webhooks", "add", "http://hooks.example.org/x", "--events", "*")
    assert refused.exit_code == 2 and "must use https://" in refused.stderr
    unknown = cli("webhooks", "add", "https://hooks.example.org/x", "--events", "action.lost")
    assert unknown.exit_code == 2 and "unknown event 'action.lost'" in unknown.stderr
    made = cli("webhooks", "add", "https://hooks.example.org/x", "--events",
               "action.opened,alert.raised")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("whsec_") and "shown once" in made.stderr
    listed = cli("webhooks", "list", "--json")
    (record,) = json.loads(listed.stdout)
    assert record["events"] == ["action.opened", "alert.raised"]
    assert secret not in listed.stdout and secret not in cli("webhooks", "list").stdout
    assert cli("webhooks", "remove", str(record["id"])).exit_code == 0
    assert json.loads(cli("webhooks", "list", "--json").stdout) == []
    assert cli("webhooks", "remove", str(record["id"])).exit_code == 2
    with Session(engine) as session:
        kinds = [e.kind for e in ledger.entries_about(session, f"webhook:{record['id']}")]
        assert secret not in json.dumps(
            [dict(e.payload) for e in ledger.entries_about(session, f"webhook:{record['id']}")]
        )
    assert kinds == ["webhook.added", "webhook.removed"]


def _token(engine: Engine, name: str, role: str) -> dict[str, str]:
    add_user(engine, name, role=role)
    token = new_token()
    with transaction(engine) as session:
        user = auth.get_user(session, name)
        auth.add_token(session, user, digest(token), dt.datetime.now(dt.UTC))
    return {"Authorization": f"Bearer {token}"}


def test_the_admin_api_manages_webhooks_and_shows_the_backlog(db_settings: Settings) -> None:
    app = create_app(db_settings.model_copy(update={"secret_key": SECRET, "env": "test"}))
    with TestClient(app) as client:
        engine = app.state.forewarn.engine
        admin = _token(engine, "root", "admin")
        viewer = _token(engine, "vic", "decision")
        body = {"url": "https://hooks.example.org/x", "events": ["*"]}
        assert client.post("/api/webhooks", json=body, headers=viewer).status_code == 403
        bad = client.post(
            "/api/webhooks", json={**body, "url": "http://example.org"}, headers=admin
        )
        assert bad.status_code == 422 and "https" in bad.json()["error"]["message"]
        made = client.post("/api/webhooks", json=body, headers=admin)
        assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
        listed = client.get("/api/webhooks", headers=admin).json()
        assert [w["id"] for w in listed] == [made.json()["id"]] and "secret" not in listed[0]
        add_user(engine, "amara", "analyst")
        insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
        clock.tick(engine, app.state.forewarn.ladder, MONDAY)
        status = client.get("/api/worker/status", headers=admin).json()
        assert status["pending"] == 4 and status["oldest_undelivered_at"]
        assert any("secretary_general" in w for w in status["warnings"])
        assert client.get("/api/worker/status", headers=viewer).status_code == 403
        page = client.get("/api/notifications", headers=admin).json()
        assert page["total"] == 4
        with transaction(engine) as session:
            row = session.scalars(select(NotificationRow)).first()
            assert row is not None
            row.state, row.last_error = "failed", "HTTP 503"
            row_id = row.id
        failed = client.get("/api/notifications?failed=true", headers=admin).json()
        assert [n["id"] for n in failed["items"]] == [row_id]
        retried = client.post(f"/api/notifications/{row_id}/retry", headers=admin)
        assert retried.status_code == 200 and retried.json()["state"] == "pending"
        again = client.post(f"/api/notifications/{row_id}/retry", headers=admin)
        assert again.status_code == 409
        gone = client.delete(f"/api/webhooks/{made.json()['id']}", headers=admin)
        assert gone.status_code == 200 and gone.json()["removed_at"]
        with Session(engine) as session:
            assert session.get(WebhookRow, made.json()["id"]).removed_at is not None  # type: ignore[union-attr]


def test_the_time_from_being_told_to_acknowledging(engine: Engine) -> None:
    add_user(engine, "amara", "analyst")
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, load_ladder(Settings()), MONDAY)
    told_at = MONDAY + dt.timedelta(hours=1)
    with transaction(engine) as session:
        rows = list(session.scalars(select(NotificationRow)))
        for row in rows:
            row.state, row.delivered_at = "delivered", told_at
        first = session.scalars(select(ActionRow).order_by(ActionRow.id)).first()
        assert first is not None
        first.acknowledged_at, first.acknowledged_by = told_at + dt.timedelta(hours=5), "amara"
        first.state = "acknowledged"
        first_id = first.id
    now = MONDAY + dt.timedelta(days=1)
    with Session(engine) as session:
        report = told.report(session, now)
    by_action = {a.action_id: a for a in report.actions}
    assert by_action[first_id].hours_to_ack == 5.0
    other = next(a for i, a in by_action.items() if i != first_id)
    assert other.hours_to_ack is None and other.hours_waiting == 23.0
    (alert,) = report.alerts
    assert alert.hours_to_ack == 5.0
    assert report.totals.actions_told == 2 and report.totals.median_hours_to_ack == 5.0


def test_gap_prints_and_exports_the_told_figure(cli: Cli, engine: Engine, tmp_path: Path) -> None:
    add_user(engine, "amara", "analyst")
    insert_alerts(engine, [{"iso3": "SYR", "level": "watch"}])
    clock.tick(engine, load_ladder(Settings()), MONDAY)
    with transaction(engine) as session:
        for row in session.scalars(select(NotificationRow)):
            row.state, row.delivered_at = "delivered", MONDAY
    out = cli("gap", "--json", str(tmp_path / "gap.json"), "--now", "2025-03-04")
    assert out.exit_code == 0, out.stderr
    assert "from being told to acknowledging" in out.stdout
    data = json.loads((tmp_path / "gap.json").read_text())
    assert data["told"]["totals"]["actions_told"] == 2
    assert data["told"]["alerts"][0]["hours_waiting"] == 15.0  # 09:00 to midnight
    assert UserRow  # the users table holds the recipients
