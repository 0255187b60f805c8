"""Actions through the API: the clock, the queue, and decisions by the authenticated owner,
recorded in the ledger under that user's name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from .conftest import TokenMaker, assert_error, bearer, insert_alert, ledger_about, ledger_kinds


def _open_warning(client: TestClient, engine: Engine, make_user: TokenMaker, **spec: Any) -> str:
    """Raise a warning alert (today, unless told) and tick; the decision user's token."""
    insert_alert(engine, level="warning", **{"created_at": dt.datetime.now(dt.UTC), **spec})
    token = make_user("clock", "decision")
    assert client.post("/api/tick", headers=bearer(token)).status_code == 200
    return token


def _action(client: TestClient, token: str, action: str) -> dict[str, Any]:
    items = client.get("/api/actions?limit=1000", headers=bearer(token)).json()["items"]
    found: dict[str, Any] = next(a for a in items if a["action"] == action)
    return found


def test_tick_opens_actions_and_is_recorded_with_its_user(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    insert_alert(engine, level="warning", created_at=dt.datetime.now(dt.UTC))
    token = make_user("dana", "decision")
    report = client.post("/api/tick", headers=bearer(token)).json()
    assert report["alerts"] == 1 and report["opened"] == 5 and report["recorded"] is True
    assert ("clock.tick", "dana") in ledger_kinds(engine)
    # ticks that change nothing leave the ledger as it was
    before = ledger_kinds(engine)
    for _ in range(3):
        idle = client.post("/api/tick", headers=bearer(token)).json()
        assert (idle["opened"], idle["overdue"], idle["recorded"]) == (0, 0, False)
    assert ledger_kinds(engine) == before
    listed = client.get("/api/actions", headers=bearer(token)).json()
    assert listed["total"] == 5
    assert {a["owner"] for a in listed["items"]} >= {"special_adviser", "analyst"}


def test_actions_list_pages_and_filters(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    token = _open_warning(client, engine, make_user)
    headers = bearer(token)
    first = client.get("/api/actions?limit=2", headers=headers).json()
    second = client.get("/api/actions?limit=2&offset=2", headers=headers).json()
    assert first["total"] == second["total"] == 5
    assert len(first["items"]) == len(second["items"]) == 2
    assert {a["id"] for a in first["items"]}.isdisjoint(a["id"] for a in second["items"])
    owned = client.get("/api/actions?owner=special_adviser", headers=headers).json()
    assert [a["action"] for a in owned["items"]] == ["council_briefing"]
    assert client.get("/api/actions?overdue=true", headers=headers).json()["total"] == 0


def test_overdue_actions_escalate_and_show_as_overdue(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    insert_alert(engine, level="emergency", created_at=dt.datetime(2025, 3, 3, tzinfo=dt.UTC))
    headers = bearer(make_user("dana", "decision"))
    report = client.post("/api/tick", headers=headers).json()
    assert report["overdue"] >= 1 and report["escalated"] >= 1
    overdue = client.get("/api/actions?overdue=true", headers=headers).json()
    assert "council_meeting" in {a["action"] for a in overdue["items"]}
    assert {a["state"] for a in overdue["items"]} == {"overdue"}


def test_owner_acknowledges_and_the_ledger_names_them(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    _open_warning(client, engine, make_user)
    carmen = make_user("carmen", "decision", "special_adviser")
    briefing = _action(client, carmen, "council_briefing")
    done = client.post(f"/api/actions/{briefing['id']}/ack", headers=bearer(carmen))
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "acknowledged"
    entries = ledger_about(engine, f"action:{briefing['id']}")
    assert [(e.kind, e.actor) for e in entries][-1] == ("action.acknowledged", "carmen")


def test_refusal_needs_a_reason_and_names_the_refuser(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    _open_warning(client, engine, make_user)
    carmen = make_user("carmen", "decision", "special_adviser")
    briefing = _action(client, carmen, "council_briefing")
    url = f"/api/actions/{briefing['id']}/refuse"
    error = assert_error(client.post(url, headers=bearer(carmen)), 422, "invalid_request")
    assert "reason" in error["message"]
    blank = client.post(url, headers=bearer(carmen), json={"reason": "  "})
    assert_error(blank, 422, "invalid_request")
    refused = client.post(url, headers=bearer(carmen), json={"reason": "no quorum this month"})
    assert refused.json()["state"] == "refused"
    last = ledger_about(engine, f"action:{briefing['id']}")[-1]
    assert (last.kind, last.actor, last.payload["reason"]) == (
        "action.refused",
        "carmen",
        "no quorum this month",
    )


def test_the_body_cannot_name_the_actor(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    _open_warning(client, engine, make_user)
    carmen = make_user("carmen", "decision", "special_adviser")
    briefing = _action(client, carmen, "council_briefing")
    for field in ("by", "actor", "user"):
        body = {"reason": "r", field: "elif"}
        response = client.post(
            f"/api/actions/{briefing['id']}/refuse", headers=bearer(carmen), json=body
        )
        error = assert_error(response, 422, "validation_error")
        assert field in error["message"]
    assert ledger_about(engine, f"action:{briefing['id']}")[-1].kind == "action.opened"


def test_only_the_owner_role_may_decide(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    token = _open_warning(client, engine, make_user)
    briefing = _action(client, token, "council_briefing")
    dawit = make_user("dawit", "decision", "political_affairs")
    response = client.post(f"/api/actions/{briefing['id']}/ack", headers=bearer(dawit))
    error = assert_error(response, 403, "forbidden")
    assert "special_adviser" in error["message"]
    admin = make_user("root", "admin")
    assert_error(client.post(f"/api/actions/{briefing['id']}/ack", headers=bearer(admin)), 403)


def test_block_and_done_need_their_fields(
    client: TestClient, engine: Engine, make_user: TokenMaker
) -> None:
    _open_warning(client, engine, make_user)
    carmen = make_user("carmen", "decision", "special_adviser")
    briefing = _action(client, carmen, "council_briefing")
    url = f"/api/actions/{briefing['id']}"
    assert_error(client.post(f"{url}/block", headers=bearer(carmen)), 422, "invalid_request")
    assert_error(client.post(f"{url}/done", headers=bearer(carmen)), 422, "invalid_request")
    done = client.post(f"{url}/done", headers=bearer(carmen), json={"outcome": "briefing held"})
    assert done.json()["state"] == "done"
    again = client.post(f"{url}/ack", headers=bearer(carmen))
    assert_error(again, 409, "conflict")


def test_unknown_action_and_verb(client: TestClient, make_user: TokenMaker) -> None:
    token = make_user("carmen", "decision", "special_adviser")
    assert_error(client.post("/api/actions/999/ack", headers=bearer(token)), 404, "not_found")
    assert_error(client.post("/api/actions/1/approve", headers=bearer(token)), 422)
    assert_error(client.get("/api/actions/999", headers=bearer(token)), 404, "not_found")
