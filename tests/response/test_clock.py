"""The clock on both back ends: opening actions, idempotence, escalation exactly once."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import ConfigError
from forewarn.response import clock
from forewarn.response.actions import Decision, Verb, decide
from forewarn.response.clock import TickReport
from forewarn.response.ladder import Ladder, Roles
from forewarn.store.alerts import record_alert
from forewarn.store.tables import ActionRow, AlertIntakeRow, LedgerRow

from .conftest import MONDAY, SQLITE_ONLY, AlertMaker, CliResult, count_rows, insert_alerts


def _day(month: int, day: int) -> dt.datetime:
    return dt.datetime(2025, month, day, 8, 0, tzinfo=dt.UTC)


def _actions(engine: Engine) -> dict[int, ActionRow]:
    with Session(engine) as session:
        return {r.id: r for r in session.scalars(select(ActionRow))}


def _by_action(engine: Engine, alert_id: int) -> dict[str, ActionRow]:
    return {r.action: r for r in _actions(engine).values() if r.alert_id == alert_id}


def test_tick_opens_the_ladder_with_deadlines_from_the_alert(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    alert = raise_alert(level="emergency")
    report = clock.tick(engine, ladder, _day(3, 4))
    assert report == TickReport(alerts=1, opened=7)
    deadlines = {a: r.deadline.isoformat() for a, r in _by_action(engine, alert).items()}
    assert deadlines == {
        "desk_review": "2025-03-10",
        "framework_assessment": "2025-03-31",
        "adviser_note": "2025-03-06",
        "preventive_diplomacy": "2025-03-17",
        "council_briefing": "2025-03-10",
        "council_meeting": "2025-03-05",
        "mandate_review": "2025-03-17",
    }
    assert {r.state for r in _actions(engine).values()} == {"open"}


def test_the_same_now_twice_changes_nothing(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    for level in ("watch", "warning", "emergency"):
        raise_alert(level=level, iso3=f"C{level[:2].upper()}")
    first = clock.tick(engine, ladder, _day(3, 20))
    assert first.alerts == 3 and first.escalated > 0
    counts = [count_rows(engine, t) for t in (ActionRow, LedgerRow, AlertIntakeRow)]
    assert clock.tick(engine, ladder, _day(3, 20)) == TickReport()
    assert [count_rows(engine, t) for t in (ActionRow, LedgerRow, AlertIntakeRow)] == counts


def test_alerts_are_taken_in_by_the_end_of_their_day(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    raise_alert(level="watch", created_at=dt.datetime(2025, 3, 3, 23, 59, tzinfo=dt.UTC))
    raise_alert(level="watch", iso3="MMR", created_at=dt.datetime(2025, 3, 4, 0, 1, tzinfo=dt.UTC))
    assert clock.tick(engine, ladder, dt.datetime(2025, 3, 3, 1, tzinfo=dt.UTC)).alerts == 1
    assert clock.tick(engine, ladder, _day(3, 4)).alerts == 1


def test_missed_deadlines_escalate_exactly_once(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    alert = raise_alert(level="emergency")
    clock.tick(engine, ladder, _day(3, 3))
    # Tuesday 11 March: desk review, note, briefing and the art. 99 letter are past due
    assert clock.tick(engine, ladder, _day(3, 11)) == TickReport(overdue=4, escalated=3)
    assert clock.tick(engine, ladder, _day(3, 11)) == TickReport()
    assert clock.tick(engine, ladder, _day(3, 12)) == TickReport()
    rows = _actions(engine)
    children = Counter(r.escalated_from for r in rows.values() if r.escalated_from)
    assert set(children.values()) == {1}
    steps = {(rows[p].action, rows[c].action, rows[c].owner) for c, p in _links(rows)}
    assert steps == {
        ("desk_review", "review_by_head", "head_of_unit"),
        ("adviser_note", "adviser_takes_up", "special_adviser"),
        ("council_briefing", "council_meeting", "secretary_general"),
    }
    letter = _by_action(engine, alert)["council_meeting"]
    by_chain = {r.chain: r for r in rows.values() if r.action == "council_meeting"}
    assert by_chain["council_meeting"].state == "overdue"  # nowhere further to go
    assert by_chain["council_briefing"].generation == 1
    assert letter.id in {r.id for r in rows.values()}


def _links(rows: dict[int, ActionRow]) -> list[tuple[int, int]]:
    return [(r.id, r.escalated_from) for r in rows.values() if r.escalated_from is not None]


@SQLITE_ONLY
def test_a_late_tick_escalates_every_missed_action_once_then_counts_anew(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    raise_alert(level="emergency")
    assert clock.tick(engine, ladder, _day(6, 30)) == TickReport(1, 7, 7, 6)
    assert clock.tick(engine, ladder, _day(6, 30)) == TickReport()
    rows = _actions(engine)
    assert {r.deadline for r in rows.values() if r.state == "open"} <= {
        dt.date(2025, 7, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14)
    }
    # the next missed deadlines escalate one step further, once: two reviews by the head of
    # unit to the note, three overdue matters to the art. 99 letter; that letter goes nowhere
    assert clock.tick(engine, ladder, _day(7, 31)) == TickReport(overdue=6, escalated=5)
    assert max(r.generation for r in _actions(engine).values()) == 2


def test_a_superseding_alert_does_not_duplicate_pending_actions(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    watch = raise_alert(level="watch")
    clock.tick(engine, ladder, _day(3, 3))
    review = _by_action(engine, watch)["desk_review"].id
    d = Decision(Verb.DONE, "amara", _day(3, 4), outcome="risk confirmed")
    ledger.retrying(engine, lambda s: decide(s, ladder, roles, review, d))
    warning = raise_alert(level="warning", previous_id=watch, created_at=_day(3, 5))
    assert clock.tick(engine, ladder, _day(3, 5)).opened == 4
    opened = set(_by_action(engine, warning))
    # the desk review was done, so the new level reviews again; the assessment is still pending
    assert opened == {"desk_review", "adviser_note", "preventive_diplomacy", "council_briefing"}


def test_alerts_recorded_by_the_warning_stage_are_not_recorded_twice(
    engine: Engine, ladder: Ladder
) -> None:
    (first,) = insert_alerts(engine, [{"level": "watch"}])
    with ledger.write_transaction(engine) as session:
        from forewarn.store.tables import AlertRow

        alert = session.get(AlertRow, first)
        assert alert is not None
        record_alert(session, alert)
    insert_alerts(engine, [{"level": "watch", "iso3": "MMR"}])
    clock.tick(engine, ladder, _day(3, 3))
    with Session(engine) as session:
        raised = session.scalars(select(LedgerRow).where(LedgerRow.kind == "alert.raised"))
        actors = {r.subject: r.actor for r in raised}
    assert actors == {f"alert:{first}": "forewarn-warn", f"alert:{first + 1}": "forewarn-clock"}


@SQLITE_ONLY
def test_an_alert_level_missing_from_the_ladder_is_a_config_error(
    engine: Engine, ladder: Ladder, raise_alert: AlertMaker
) -> None:
    raise_alert(level="catastrophe")
    with pytest.raises(ConfigError, match="catastrophe"):
        clock.tick(engine, ladder, _day(3, 3))


def test_tick_command_is_idempotent(cli: Callable[..., CliResult], raise_alert: AlertMaker) -> None:
    raise_alert(level="warning", created_at=MONDAY)
    first = cli("tick", "--now", "2025-03-12")
    assert first.exit_code == 0, first.stderr
    assert "5 actions opened for 1 new alerts; 3 overdue, 3 escalated" in first.stdout
    head = cli("ledger", "head", "--json").stdout
    second = cli("tick", "--now", "2025-03-12")
    assert "0 actions opened for 0 new alerts; 0 overdue, 0 escalated" in second.stdout
    assert cli("ledger", "head", "--json").stdout == head
    assert cli("ledger", "verify").exit_code == 0


# --- a blocked action follows the ladder's blocked path ----------------------------------------


def _block(
    engine: Engine, ladder: Ladder, roles: Roles, action_id: int, at: dt.datetime, veto: bool
) -> None:
    d = Decision(Verb.BLOCK, "elif", at, reference="S/2017/172", veto=veto)
    ledger.retrying(engine, lambda s: decide(s, ladder, roles, action_id, d))


def _letters(engine: Engine) -> list[ActionRow]:
    return [r for r in _actions(engine).values() if r.action == "council_meeting"]


def test_a_vetoed_article_99_letter_is_not_opened_again_by_an_escalation(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    alert = raise_alert(level="emergency")
    clock.tick(engine, ladder, _day(3, 3))
    letter = _by_action(engine, alert)["council_meeting"].id
    _block(engine, ladder, roles, letter, _day(3, 4), veto=True)  # opens the GA debate
    # Tuesday 11 March: the missed Council briefing would escalate to the art. 99 letter
    assert clock.tick(engine, ladder, _day(3, 11)) == TickReport(overdue=3, escalated=2)
    assert [r.id for r in _letters(engine)] == [letter]
    debates = [r for r in _actions(engine).values() if r.action == "ga_debate"]
    assert [d.triggered_by for d in debates] == [letter]  # the veto's debate, and no other
    briefing = _by_action(engine, alert)["council_briefing"]
    assert briefing.state == "overdue"  # its blocked path is already open: in plain view
    with Session(engine) as session:
        kinds = select(LedgerRow).where(LedgerRow.subject == f"action:{briefing.id}")
        overdue = [r for r in session.scalars(kinds) if r.kind == "action.overdue"]
    assert [json.loads(r.payload)["escalation_blocked_by"] for r in overdue] == [letter]


def test_an_escalation_into_a_blocked_letter_opens_its_blocked_path(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    alert = raise_alert(level="emergency")
    clock.tick(engine, ladder, _day(3, 3))
    letter = _by_action(engine, alert)["council_meeting"].id
    _block(engine, ladder, roles, letter, _day(3, 4), veto=False)  # blocked, no veto: no debate
    assert not [r for r in _actions(engine).values() if r.action == "ga_debate"]
    clock.tick(engine, ladder, _day(3, 11))
    assert [r.id for r in _letters(engine)] == [letter]
    briefing = _by_action(engine, alert)["council_briefing"]
    (debate,) = [r for r in _actions(engine).values() if r.action == "ga_debate"]
    assert (briefing.state, debate.escalated_from, debate.triggered_by) == (
        "escalated",
        briefing.id,
        letter,
    )
    assert debate.deadline == dt.date(2025, 3, 25)  # ten working days from the escalation
    # the next missed escalation into the letter finds the debate open: it stays overdue
    assert clock.tick(engine, ladder, _day(3, 31)).escalated > 0
    assert [r.id for r in _letters(engine)] == [letter]
    assert len([r for r in _actions(engine).values() if r.action == "ga_debate"]) == 1


def test_a_letter_vetoed_for_a_superseding_alert_is_not_reopened_for_the_one_before(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker
) -> None:
    warning = raise_alert(level="warning")
    clock.tick(engine, ladder, _day(3, 3))
    emergency = raise_alert(level="emergency", previous_id=warning, created_at=_day(3, 4))
    clock.tick(engine, ladder, _day(3, 4))
    letter = _by_action(engine, emergency)["council_meeting"].id
    _block(engine, ladder, roles, letter, _day(3, 5), veto=True)
    clock.tick(engine, ladder, _day(3, 11))  # the warning's briefing is missed
    assert [r.id for r in _letters(engine)] == [letter]
    assert _by_action(engine, warning)["council_briefing"].state == "overdue"
