"""The outbox: who is told about what, written in the transaction of the change (both back
ends)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.notify import subscriptions
from forewarn.response import actions, clock
from forewarn.response.actions import Decision, Verb
from forewarn.response.ladder import Ladder, Roles, load_ladder
from forewarn.store.alerts import record_alert, record_alerts
from forewarn.store.outbox import DIGEST, EMAIL, HELD, PENDING, WEBHOOK
from forewarn.store.tables import ActionRow, NotificationRow
from forewarn.warning.alerts import AlertCandidate

from .conftest import MONDAY, add_user, insert_alerts, notifications


@pytest.fixture
def ladder(settings: Settings) -> Ladder:
    return load_ladder(settings)


def _people(engine: Engine) -> dict[str, int]:
    return {
        "amara": add_user(engine, "amara", "analyst"),
        "ari": add_user(engine, "ari", "analyst", language="id", digest=True),
        "nomail": add_user(engine, "nomail", "analyst", email_address=None),
        "bao": add_user(engine, "bao", "head_of_unit", language="id"),
        "carmen": add_user(engine, "carmen", "special_adviser"),
        "dina": add_user(engine, "dina", role="decision"),
        "elif": add_user(engine, "elif", "secretary_general"),
        "gaia": add_user(engine, "gaia", "ga_president"),
    }


def _subscribe(engine: Engine, *events: str) -> int:
    made = ledger.retrying(
        engine, lambda s: subscriptions.subscribe(s, "https://hooks.example.org/x", events, "t")
    )
    return made.id


def test_opened_actions_tell_each_owner_once_and_alerts_tell_decision_staff(
    engine: Engine, ladder: Ladder
) -> None:
    people = _people(engine)
    hook = _subscribe(engine, "action.opened", "alert.raised")
    (alert_id,) = insert_alerts(engine, [{"iso3": "SDN", "level": "warning"}])
    clock.tick(engine, ladder, MONDAY)
    with Session(engine) as session:
        opened = list(session.query(ActionRow).order_by(ActionRow.id))
    rows = notifications(engine)
    per_user = Counter((r.user_id, r.action_id) for r in rows if r.user_id is not None)
    assert max(per_user.values()) == 1
    analyst_actions = [a.id for a in opened if a.owner == "analyst"]
    amara = {r.action_id for r in rows if r.user_id == people["amara"]}
    assert amara == set(analyst_actions)
    assert all(
        r.channel == EMAIL and r.state == PENDING for r in rows if r.user_id == people["amara"]
    )
    held = [r for r in rows if r.user_id == people["ari"]]  # the digest user
    assert {r.action_id for r in held} == set(analyst_actions)
    assert {(r.channel, r.state) for r in held} == {(DIGEST, HELD)}
    assert not [r for r in rows if r.user_id == people["nomail"]]
    assert {r.event for r in rows if r.user_id == people["dina"]} == {"alert.raised"}
    assert not [r for r in rows if r.user_id == people["elif"]]  # no emergency action
    hooks = [r for r in rows if r.webhook_id == hook]
    assert Counter(r.event for r in hooks) == {"action.opened": len(opened), "alert.raised": 1}
    assert all(r.channel == WEBHOOK for r in hooks)
    assert len({r.uid for r in rows}) == len(rows)
    # each notification names the ledger entry of its change
    with Session(engine) as session:
        kinds = {e.seq: e.kind for e in ledger.entries_about(session, f"alert:{alert_id}")}
    assert {r.event_seq for r in rows if r.event == "alert.raised"} <= set(kinds)
    # a second tick changes nothing and writes nothing
    clock.tick(engine, ladder, MONDAY)
    assert len(notifications(engine)) == len(rows)


def test_a_rolled_back_change_leaves_no_notification(engine: Engine) -> None:
    add_user(engine, "dina", role="decision")
    candidate = AlertCandidate(
        iso3="SDN", ccode=625, country="Sudan", level="emergency", rule="r", base_year=2024,
        snapshot={},
    )  # fmt: skip

    def work(session: Session) -> None:
        record_alerts(session, [candidate], MONDAY, on_new=record_alert)
        assert session.query(NotificationRow).count() == 1  # written in this transaction
        raise RuntimeError("the change fails after the notification was written")

    with pytest.raises(RuntimeError):
        ledger.retrying(engine, work)
    assert notifications(engine) == []
    ledger.retrying(engine, lambda s: record_alerts(s, [candidate], MONDAY, on_new=record_alert))
    (row,) = notifications(engine)
    assert (row.event, row.payload["alert"]["country"]) == ("alert.raised", "Sudan")


def test_watch_alerts_tell_no_one(engine: Engine) -> None:
    add_user(engine, "dina", role="decision")
    candidate = AlertCandidate(
        iso3="NOR", ccode=385, country="Norway", level="watch", rule="r", base_year=2024,
        snapshot={},
    )  # fmt: skip
    ledger.retrying(engine, lambda s: record_alerts(s, [candidate], MONDAY, on_new=record_alert))
    assert notifications(engine) == []


def test_escalation_tells_the_new_owner_and_the_owner_who_missed_it(
    engine: Engine, ladder: Ladder
) -> None:
    people = _people(engine)
    insert_alerts(engine, [{"iso3": "MMR", "level": "warning"}])
    clock.tick(engine, ladder, MONDAY)
    before = {r.id for r in notifications(engine)}
    # on Thursday the head of unit's 3-day note to the Special Adviser is overdue
    clock.tick(engine, ladder, dt.datetime(2025, 3, 7, 9, tzinfo=dt.UTC))
    new = [r for r in notifications(engine) if r.id not in before and r.user_id is not None]
    with Session(engine) as session:
        note = session.query(ActionRow).filter_by(action="adviser_note", generation=0).one()
        onward = session.query(ActionRow).filter_by(escalated_from=note.id).one()
    missed = [r for r in new if r.user_id == people["bao"]]
    assert [(r.event, r.action_id, r.payload["audience"]) for r in missed] == [
        ("action.escalated", note.id, "missed")
    ]
    assert missed[0].payload["to_action"]["owner"] == "special_adviser"
    told = [r for r in new if r.user_id == people["carmen"] and r.action_id == onward.id]
    assert [(r.event, r.payload["audience"]) for r in told] == [("action.escalated", "owner")]
    assert told[0].payload["from_action"]["id"] == note.id
    assert not [r for r in new if r.event == "action.overdue" and r.user_id == people["bao"]]
    assert not [r for r in new if r.event == "action.opened" and r.action_id == onward.id]


def test_an_overdue_action_with_nowhere_to_go_tells_its_owner(
    engine: Engine, ladder: Ladder
) -> None:
    people = _people(engine)
    insert_alerts(engine, [{"iso3": "SYR", "level": "emergency"}])
    clock.tick(engine, ladder, MONDAY)
    clock.tick(engine, ladder, dt.datetime(2025, 3, 6, 9, tzinfo=dt.UTC))
    overdue = notifications(engine, NotificationRow.event == "action.overdue")
    assert [(r.user_id, r.payload["action"]["action"]) for r in overdue] == [
        (people["elif"], "council_meeting")
    ]


def test_a_veto_tells_decision_staff_and_the_debate_is_opened_for_its_owner(
    engine: Engine, ladder: Ladder
) -> None:
    people = _people(engine)
    insert_alerts(engine, [{"iso3": "SYR", "level": "emergency"}])
    clock.tick(engine, ladder, MONDAY)
    with Session(engine) as session:
        meeting = session.query(ActionRow).filter_by(action="council_meeting").one()
    roles = Roles("test", {"elif": frozenset({"secretary_general"})})
    decision = Decision(Verb.BLOCK, "elif", MONDAY, reference="S/2025/1", veto=True)
    ledger.retrying(engine, lambda s: actions.decide(s, ladder, roles, meeting.id, decision))
    blocked = notifications(engine, NotificationRow.event == "action.blocked")
    assert [(r.user_id, r.payload["block"]["reference"]) for r in blocked] == [
        (people["dina"], "S/2025/1")
    ]
    debate = notifications(engine, NotificationRow.user_id == people["gaia"])
    assert [(r.event, r.payload["action"]["triggered_by"]) for r in debate] == [
        ("action.opened", meeting.id)
    ]
