"""The clock: open the actions of new alerts, and escalate the actions whose deadline passed.

A tick works as of the end of the day of ``now``: alerts raised on or before that day are
taken in, and actions whose deadline (a working day) is before that day are overdue. Each
alert and each overdue action is handled in its own short transaction, so a tick that is
killed half-way leaves a consistent database and the next tick finishes the work. Two clocks
running at once cannot open the same action twice: the alert intake row, the unique
``(alert_id, chain, generation)`` and ``escalated_from`` forbid it; row locks (PostgreSQL) and
``BEGIN IMMEDIATE`` (SQLite) make the loser re-read and skip, and a loser that still collides
retries. The same ``now`` twice changes nothing.

An alert that supersedes another (``previous_id``) does not open a ladder action that is
still pending (open, acknowledged or overdue) for an alert it supersedes; a step up from
watch to warning thus adds the warning actions while the desk review already under way
goes on. Deadlines of an alert's actions count from the day the alert was raised (the clock does not
wait for the tick); an escalated action's deadline counts from the day of the escalation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from forewarn.response import actions, ledger
from forewarn.response.actions import CLOCK_ACTOR, LIVE, Opening, State
from forewarn.response.ladder import Ladder, LadderAction
from forewarn.store.tables import ActionRow, AlertIntakeRow, AlertRow

MAX_SUPERSEDED = 100
"""How far back a chain of superseded alerts is followed."""


class Progress(Protocol):
    """What a tick reports as it goes (the CLI draws a progress bar from it)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    alerts: int = 0
    opened: int = 0
    overdue: int = 0
    escalated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.alerts or self.opened or self.overdue or self.escalated)


def end_of_day(now: dt.datetime) -> dt.datetime:
    """The first instant after the day of ``now`` (UTC)."""
    day = now.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; naive values (SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


# --- repository -------------------------------------------------------------------------------


def pending_alerts(session: Session, now: dt.datetime) -> list[int]:
    """Ids of alerts raised by the end of ``now``'s day whose actions are not opened yet."""
    taken = exists().where(AlertIntakeRow.alert_id == AlertRow.id)
    query = (
        select(AlertRow.id)
        .where(~taken, AlertRow.created_at < end_of_day(now))
        .order_by(AlertRow.id)
    )
    return list(session.scalars(query))


def due_actions(session: Session, now: dt.datetime) -> list[int]:
    """Ids of open or acknowledged actions whose deadline is before ``now``'s day."""
    query = (
        select(ActionRow.id)
        .where(ActionRow.state.in_([s.value for s in LIVE]), ActionRow.deadline < now.date())
        .order_by(ActionRow.id)
    )
    return list(session.scalars(query))


def _superseded_ids(session: Session, alert: AlertRow) -> list[int]:
    """The alerts ``alert`` supersedes, newest first (following ``previous_id``)."""
    ids: list[int] = []
    previous = alert.previous_id
    while previous is not None and previous not in ids and len(ids) < MAX_SUPERSEDED:
        ids.append(previous)
        previous = session.scalar(select(AlertRow.previous_id).where(AlertRow.id == previous))
    return ids


def pending_chains(session: Session, alert: AlertRow) -> set[str]:
    """Ladder chains still pending (open, acknowledged, overdue) for the alerts superseded."""
    ids = _superseded_ids(session, alert)
    if not ids:
        return set()
    pending = [State.OPEN.value, State.ACKNOWLEDGED.value, State.OVERDUE.value]
    query = select(ActionRow.chain).where(ActionRow.alert_id.in_(ids), ActionRow.state.in_(pending))
    return set(session.scalars(query))


def steps_for(session: Session, ladder: Ladder, alert: AlertRow) -> list[LadderAction]:
    """The ladder actions ``alert`` opens: its level's, less those still pending before it."""
    pending = pending_chains(session, alert)
    return [step for step in ladder.actions_for(alert.level) if step.id not in pending]


def take_in(session: Session, ladder: Ladder, alert_id: int, now: dt.datetime) -> int | None:
    """Open the actions of alert ``alert_id``; None if another clock already did."""
    alert = session.get(AlertRow, alert_id, with_for_update=True)
    if alert is None or session.get(AlertIntakeRow, alert_id) is not None:
        return None
    subject = f"alert:{alert.id}"
    if not ledger.has_entry(session, "alert.raised", subject):
        ledger.record_alert(session, alert, CLOCK_ACTOR)
    raised = as_utc(alert.created_at)
    opened_at = max(as_utc(now), raised)
    steps = steps_for(session, ladder, alert)
    for step in steps:
        opening = Opening(alert.id, step.id, 0, raised.date())
        actions.open_action(session, ladder, step, opening, opened_at)
    session.add(AlertIntakeRow(alert_id=alert.id, opened_at=now, actions_opened=len(steps)))
    return len(steps)


# --- the tick ---------------------------------------------------------------------------------


def tick(
    engine: Engine,
    ladder: Ladder,
    now: dt.datetime,
    progress: Progress | None = None,
    committed: Callable[[], None] | None = None,
) -> TickReport:
    """Take in new alerts, then escalate overdue actions; ``committed`` runs every 100 commits."""
    bar = progress or _Silent()
    counter = _Commits(committed)
    with Session(engine) as session:
        alert_ids = pending_alerts(session, now)
    alerts, opened = _take_in_all(engine, ladder, now, alert_ids, bar, counter)
    with Session(engine) as session:
        action_ids = due_actions(session, now)
    overdue, escalated = _escalate_all(engine, ladder, now, action_ids, bar, counter)
    counter.flush()
    return TickReport(alerts, opened, overdue, escalated)


@dataclass
class _Commits:
    """Counts commits and calls ``hook`` every ``every`` of them and at the end."""

    hook: Callable[[], None] | None
    every: int = 100
    pending: int = 0

    def add(self) -> None:
        self.pending += 1
        if self.pending >= self.every:
            self.flush()

    def flush(self) -> None:
        if self.hook is not None and self.pending:
            self.hook()
        self.pending = 0


def _take_in_all(
    engine: Engine,
    ladder: Ladder,
    now: dt.datetime,
    alert_ids: list[int],
    bar: Progress,
    counter: _Commits,
) -> tuple[int, int]:
    bar.start("opening actions for new alerts", len(alert_ids))
    alerts = opened = 0
    for alert_id in alert_ids:
        count = ledger.retrying(engine, partial(take_in, ladder=ladder, alert_id=alert_id, now=now))
        if count is not None:
            alerts, opened = alerts + 1, opened + count
            counter.add()
        bar.advance()
    return alerts, opened


def _escalate_all(
    engine: Engine,
    ladder: Ladder,
    now: dt.datetime,
    action_ids: list[int],
    bar: Progress,
    counter: _Commits,
) -> tuple[int, int]:
    bar.start("escalating overdue actions", len(action_ids))
    overdue = escalated = 0
    for action_id in action_ids:
        work = partial(actions.escalate, ladder=ladder, action_id=action_id, now=now)
        state = ledger.retrying(engine, work)
        if state is not None:
            overdue += 1
            escalated += state is State.ESCALATED
            counter.add()
        bar.advance()
    return overdue, escalated
