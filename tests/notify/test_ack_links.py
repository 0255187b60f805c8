"""Acknowledging from the link in an e-mail (both back ends): GET changes nothing, POST
acknowledges as the link's user, and every misuse is refused with a page, changing nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from forewarn.api import create_app
from forewarn.api.context import ApiContext
from forewarn.config import Settings
from forewarn.notify import links
from forewarn.response import clock
from forewarn.store.tables import ActionRow, LedgerRow

from .conftest import MONDAY, SECRET, add_user, insert_alerts

DAY = dt.timedelta(days=7)


@dataclass
class Scene:
    client: TestClient
    engine: Engine
    users: dict[str, int]
    actions: dict[str, int]

    def token(self, user: str, action: str, expires: dt.datetime | None = None) -> str:
        when = expires or dt.datetime.now(dt.UTC) + DAY
        claim = links.Claim(f"n-{user}-{action}", self.users[user], self.actions[action], when)
        return links.make_token(SECRET, claim)

    def state(self) -> tuple[int, dict[int, tuple[str, str | None]]]:
        """The ledger's length and every action's state and acknowledger."""
        with Session(self.engine) as session:
            count = int(session.scalar(select(func.count()).select_from(LedgerRow)) or 0)
            rows = session.scalars(select(ActionRow))
            return count, {r.id: (r.state, r.acknowledged_by) for r in rows}


@pytest.fixture
def scene(db_settings: Settings) -> Iterator[Scene]:
    settings = db_settings.model_copy(update={"secret_key": SECRET, "env": "test"})
    app = create_app(settings)
    with TestClient(app) as client:
        context = app.state.forewarn
        assert isinstance(context, ApiContext)
        engine = context.engine
        users = {
            "amara": add_user(engine, "amara", "analyst"),
            "ari": add_user(engine, "ari", "analyst", language="id"),
            "bao": add_user(engine, "bao", "head_of_unit"),
        }
        insert_alerts(engine, [{"iso3": "MMR", "country": "Myanmar", "level": "warning"}])
        clock.tick(engine, context.ladder, MONDAY)
        with Session(engine) as session:
            found = {a.action: a.id for a in session.scalars(select(ActionRow))}
        yield Scene(client, engine, users, found)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_get_shows_a_confirmation_and_post_acknowledges_as_the_links_user(scene: Scene) -> None:
    before = scene.state()
    url = f"/ack/{scene.token('amara', 'desk_review')}"
    page = scene.client.get(url)
    assert page.status_code == 200
    assert "Desk review of the alert" in page.text and "Acknowledge as amara" in page.text
    assert scene.state() == before  # opening the link changes nothing
    done = scene.client.post(url, data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 200, done.text
    assert 'id="ack-done"' in done.text and "Acknowledged by amara" in done.text
    count, states = scene.state()
    action = scene.actions["desk_review"]
    assert states[action] == ("acknowledged", "amara")
    assert count == before[0] + 1
    with Session(scene.engine) as session:
        last = session.scalars(select(LedgerRow).order_by(LedgerRow.seq.desc())).first()
    assert last is not None
    assert (last.kind, last.subject, last.actor) == (
        "action.acknowledged", f"action:{action}", "amara"
    )  # fmt: skip


def test_the_page_speaks_the_users_language(scene: Scene) -> None:
    page = scene.client.get(f"/ack/{scene.token('ari', 'desk_review')}")
    assert page.status_code == 200
    assert 'lang="id"' in page.text and "Terima sebagai ari" in page.text


def _refused(scene: Scene, url: str, status: int, problem: str, csrf: str = "x") -> None:
    before = scene.state()
    page = scene.client.get(url)
    assert page.status_code == status, page.text
    assert f'data-problem="{problem}"' in page.text and "Nothing" in page.text
    scene.client.cookies.set("forewarn_ack", csrf, path="/ack")
    post = scene.client.post(url, data={"csrf_token": csrf})
    assert post.status_code == status, post.text
    assert f'data-problem="{problem}"' in post.text
    assert scene.state() == before


def test_a_link_works_once(scene: Scene) -> None:
    url = f"/ack/{scene.token('amara', 'desk_review')}"
    page = scene.client.get(url)
    assert scene.client.post(url, data={"csrf_token": _csrf(page.text)}).status_code == 200
    _refused(scene, url, 410, "used")


def test_an_expired_link_is_refused(scene: Scene) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    _refused(scene, f"/ack/{scene.token('amara', 'desk_review', past)}", 410, "expired")


def test_a_link_for_another_users_action_is_refused(scene: Scene) -> None:
    # a link signed for amara, but the note to the Special Adviser is the head of unit's
    _refused(scene, f"/ack/{scene.token('amara', 'adviser_note')}", 403, "not_yours")


def test_a_tampered_link_is_refused(scene: Scene) -> None:
    token = scene.token("amara", "desk_review")
    body, _, signature = token.rpartition(".")
    forged = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    _refused(scene, f"/ack/{forged}", 400, "tampered")
    other = scene.token("amara", "framework_assessment")
    spliced = f"{other.rpartition('.')[0]}.{signature}"
    _refused(scene, f"/ack/{spliced}", 400, "tampered")
    _refused(scene, "/ack/not-a-token", 400, "tampered")


def test_the_confirmation_needs_its_form_token(scene: Scene) -> None:
    url = f"/ack/{scene.token('amara', 'desk_review')}"
    before = scene.state()
    scene.client.get(url)  # sets the cookie
    refused = scene.client.post(url, data={"csrf_token": "guessed"})
    assert refused.status_code == 403 and 'data-problem="form"' in refused.text
    fresh = TestClient(scene.client.app)
    assert fresh.post(url, data={}).status_code == 403
    assert scene.state() == before
