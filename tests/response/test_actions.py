"""The action state machine, on both back ends: who may do what, and what is recorded."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import Conflict, Forbidden, NotFound
from forewarn.response import clock
from forewarn.response.actions import (
    Decision,
    InvalidRequest,
    State,
    Verb,
    decide,
    get,
    next_state,
)
from forewarn.response.ladder import Ladder, Roles
from forewarn.store.tables import ActionRow, LedgerRow

from .conftest import MONDAY, SQLITE_ONLY, AlertMaker, CliResult, count_rows

LATER = MONDAY + dt.timedelta(hours=5)


def _open(engine: Engine, ladder: Ladder, raise_alert: AlertMaker, level: str) -> dict[str, int]:
    """Raise one alert, tick, and return its action ids by ladder action."""
    alert_id = raise_alert(level=level)
    clock.tick(engine, ladder, MONDAY)
    with Session(engine) as session:
        rows = session.scalars(select(ActionRow).where(ActionRow.alert_id == alert_id))
        return {r.action: r.id for r in rows}


def _decide(engine: Engine, ladder: Ladder, roles: Roles, action_id: int, d: Decision) -> ActionRow:
    return ledger.retrying(engine, lambda s: decide(s, ladder, roles, action_id, d))


def _state(engine: Engine, action_id: int) -> str:
    with Session(engine) as session:
        return get(session, action_id).state


@pytest.mark.parametrize(
    ("state", "verb", "expected"),
    [
        (State.OPEN, Verb.ACK, State.ACKNOWLEDGED),
        (State.OPEN, Verb.DONE, State.DONE),
        (State.ACKNOWLEDGED, Verb.REFUSE, State.REFUSED),
        (State.ACKNOWLEDGED, Verb.BLOCK, State.BLOCKED),
        (State.OVERDUE, Verb.ACK, State.OVERDUE),
        (State.OVERDUE, Verb.DONE, State.DONE),
    ],
)
def test_transitions(state: State, verb: Verb, expected: State) -> None:
    assert next_state(state, verb) is expected


@pytest.mark.parametrize("closed", [State.DONE, State.REFUSED, State.BLOCKED, State.ESCALATED])
@pytest.mark.parametrize("verb", list(Verb))
def test_closed_actions_cannot_change(closed: State, verb: Verb) -> None:
    with pytest.raises(Conflict):
        next_state(closed, verb)


def test_refusal_without_reason_is_rejected_and_leaves_no_trace(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "warning")
    before = count_rows(engine, LedgerRow)
    for reason in (None, "   "):
        with pytest.raises(InvalidRequest, match="reason"):
            d = Decision(Verb.REFUSE, "dawit", LATER, reason=reason)
            _decide(engine, ladder, roles, ids["preventive_diplomacy"], d)
    assert _state(engine, ids["preventive_diplomacy"]) == "open"
    assert count_rows(engine, LedgerRow) == before
    why = "the parties reject any mediator"
    row = _decide(
        engine, ladder, roles, ids["preventive_diplomacy"],
        Decision(Verb.REFUSE, "dawit", LATER, reason=why),
    )  # fmt: skip
    assert (row.state, row.reason, row.closed_by) == ("refused", why, "dawit")
    with Session(engine) as session:
        entry = ledger.entries_about(session, f"action:{row.id}")[-1]
    assert (entry.kind, entry.actor, entry.payload["reason"]) == ("action.refused", "dawit", why)


@SQLITE_ONLY
def test_a_user_without_the_owner_role_is_forbidden(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "watch")
    outcome = "risk confirmed"
    for user in ("bao", "nobody"):
        with pytest.raises(Forbidden, match="analyst"):
            d = Decision(Verb.DONE, user, LATER, outcome=outcome)
            _decide(engine, ladder, roles, ids["desk_review"], d)
    d = Decision(Verb.DONE, "amara", LATER, outcome=outcome)
    assert _decide(engine, ladder, roles, ids["desk_review"], d).state == "done"


@SQLITE_ONLY
def test_acting_on_a_closed_action_is_a_conflict(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "watch")
    review = ids["desk_review"]
    _decide(engine, ladder, roles, review, Decision(Verb.ACK, "amara", LATER))
    with pytest.raises(Conflict, match="already acknowledged"):
        _decide(engine, ladder, roles, review, Decision(Verb.ACK, "amara", LATER))
    d = Decision(Verb.DONE, "amara", LATER, outcome="risk not confirmed")
    _decide(engine, ladder, roles, review, d)
    for verb in Verb:
        with pytest.raises(Conflict, match="already done"):
            d = Decision(verb, "amara", LATER, reason="r", reference="x", outcome="risk confirmed")
            _decide(engine, ladder, roles, review, d)


@SQLITE_ONLY
def test_done_needs_an_allowed_outcome(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "watch")
    for outcome in (None, "all is well"):
        with pytest.raises(InvalidRequest, match="risk confirmed"):
            d = Decision(Verb.DONE, "amara", LATER, outcome=outcome)
            _decide(engine, ladder, roles, ids["desk_review"], d)


@SQLITE_ONLY
def test_unknown_action_is_not_found(engine: Engine, ladder: Ladder, roles: Roles) -> None:
    with pytest.raises(NotFound):
        _decide(engine, ladder, roles, 999, Decision(Verb.ACK, "amara", LATER))


def test_a_veto_blocks_the_meeting_and_opens_the_ga_debate(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "emergency")
    meeting = ids["council_meeting"]
    with pytest.raises(InvalidRequest, match="reference"):
        _decide(engine, ladder, roles, meeting, Decision(Verb.BLOCK, "elif", LATER, veto=True))
    vetoed_on = dt.datetime(2025, 3, 4, 16, tzinfo=dt.UTC)
    d = Decision(Verb.BLOCK, "elif", vetoed_on, reference="S/2017/172", veto=True)
    row = _decide(engine, ladder, roles, meeting, d)
    assert (row.state, row.reference, row.veto) == ("blocked", "S/2017/172", True)
    with Session(engine) as session:
        debate = session.scalars(select(ActionRow).where(ActionRow.triggered_by == meeting)).one()
        kinds = [e.kind for e in ledger.entries_about(session, f"action:{debate.id}")]
    assert (debate.action, debate.owner, debate.chain) == (
        "ga_debate",
        "ga_president",
        f"ga_debate:{meeting}",
    )
    # ten working days after Tuesday 4 March 2025
    assert debate.deadline == dt.date(2025, 3, 18)
    assert kinds == ["action.opened"]


@SQLITE_ONLY
def test_a_block_without_veto_opens_nothing(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    ids = _open(engine, ladder, raise_alert, "emergency")
    before = count_rows(engine, ActionRow)
    d = Decision(Verb.BLOCK, "elif", LATER, reference="no quorum")
    _decide(engine, ladder, roles, ids["council_meeting"], d)
    assert count_rows(engine, ActionRow) == before
    with pytest.raises(InvalidRequest, match="only a block"):
        d = Decision(Verb.ACK, "farid", LATER, veto=True)
        _decide(engine, ladder, roles, ids["mandate_review"], d)


def test_block_command_reports_the_debate_it_opens(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker, cli: Callable[..., CliResult]
) -> None:
    ids = _open(engine, ladder, raise_alert, "emergency")
    args = ["--by", "elif", "--reference", "S/2017/172", "--now", "2025-03-04T16:00"]
    result = cli("actions", "block", str(ids["council_meeting"]), *args, "--veto")
    assert result.exit_code == 0, result.stderr
    assert "blocked by elif" in result.stdout
    assert "due 2025-03-18 [GA res. 76/262" in result.stdout
    refused = cli("actions", "refuse", str(ids["mandate_review"]), "--by", "farid")
    assert refused.exit_code == 2 and "reason" in refused.stderr
    forbidden = cli("actions", "ack", str(ids["mandate_review"]), "--by", "amara")
    assert forbidden.exit_code == 3
    listed = json.loads(cli("actions", "list", "--owner", "ga_president", "--json").stdout)
    assert [(a["action"], a["state"], a["deadline"]) for a in listed] == [
        ("ga_debate", "open", "2025-03-18")
    ]
    overdue = json.loads(
        cli("actions", "list", "--overdue", "--now", "2025-03-07", "--json").stdout
    )
    assert {a["action"] for a in overdue} == {"adviser_note"}
