"""The clock: open the actions of new alerts, and escalate the actions whose deadline passed.

A tick works as of the end of the day of ``now``: alerts raised on or before that day are
taken in, and actions whose deadline (a working day) is before that day are overdue. Alerts
and overdue actions are handled in batches, one short transaction each, so a tick that is
killed half-way leaves a consistent database and the next tick finishes the work. Two clocks
running at once cannot open the same action twice: the alert intake row, the unique
``(alert_id, chain, generation)`` and ``escalated_from`` forbid it. On SQLite every batch
starts with ``BEGIN IMMEDIATE``, so the clocks take turns; on PostgreSQL a batch locks its rows
(``FOR UPDATE SKIP LOCKED``) and leaves those another clock holds to that clock. Either way
each batch re-reads what it locked and skips what is already done, and a batch that still
collides is retried. The same ``now`` twice changes nothing.

An alert that supersedes another (``previous_id``) does not open a ladder action that is
still pending (open, acknowledged or overdue) for an alert it supersedes; a step up from
watch to warning thus adds the warning actions while the desk review already under way
goes on. Deadlines of an alert's actions count from the day the alert was raised (the clock does not
wait for the tick); an escalated action's deadline counts from the day of the escalation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from sqlalchemy import Engine, exists, insert, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.response import actions
from forewarn.response.actions import CLOCK_ACTOR, LIVE, Opening, Plan, State
from forewarn.response.ladder import Ladder, LadderAction
from forewarn.store import outbox
from forewarn.store.alerts import raised_record
from forewarn.store.tables import ActionRow, AlertIntakeRow, AlertRow, LedgerRow

MAX_SUPERSEDED = 100
"""How far back a chain of superseded alerts is followed."""
ALERT_BATCH = 50
"""Alerts taken in per transaction."""
ACTION_BATCH = 100
"""Overdue actions escalated per transaction."""
RECEIPT_EVERY = 20
"""Transactions between two receipts of the ledger head during a tick."""


class Progress(Protocol):
    """What a tick reports as it goes (the CLI draws a progress bar from it)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


class _Silent:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
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


def _lock_pending(session: Session, alert_ids: Sequence[int]) -> list[AlertRow]:
    """Lock the given alerts and keep those not yet taken in; rows another clock holds are
    skipped (it will take them in)."""
    query = (
        select(AlertRow)
        .where(AlertRow.id.in_(alert_ids))
        .order_by(AlertRow.id)
        .with_for_update(skip_locked=True, key_share=True)
    )
    alerts = list(session.scalars(query))
    ids = [a.id for a in alerts]
    taken = set(
        session.scalars(select(AlertIntakeRow.alert_id).where(AlertIntakeRow.alert_id.in_(ids)))
    )
    return [a for a in alerts if a.id not in taken]


def _unrecorded(session: Session, alerts: Sequence[AlertRow]) -> set[int]:
    """The alerts among ``alerts`` with no "alert.raised" ledger entry yet."""
    subjects = {f"alert:{a.id}": a.id for a in alerts}
    query = select(LedgerRow.subject).where(
        LedgerRow.kind == "alert.raised", LedgerRow.subject.in_(list(subjects))
    )
    return set(subjects.values()) - {subjects[s] for s in session.scalars(query)}


def _plans(session: Session, ladder: Ladder, alert: AlertRow, now: dt.datetime) -> list[Plan]:
    raised = as_utc(alert.created_at)
    opening_at = max(as_utc(now), raised)
    steps = steps_for(session, ladder, alert)
    return [(s, Opening(alert.id, s.id, 0, raised.date(), opening_at)) for s in steps]


def take_in(
    session: Session, ladder: Ladder, alert_ids: Sequence[int], now: dt.datetime
) -> tuple[int, int]:
    """Open the actions of those of ``alert_ids`` not taken in yet: (alerts, actions) opened.

    Alerts that have no "alert.raised" entry yet (inserted without the ledger) get one first.
    """
    alerts = _lock_pending(session, alert_ids)
    if not alerts:
        return 0, 0
    unrecorded = _unrecorded(session, alerts)
    plans = {alert.id: _plans(session, ladder, alert, now) for alert in alerts}
    _, opened = actions.insert_actions(session, ladder, [p for ps in plans.values() for p in ps])
    records: list[ledger.Record] = []
    for alert in alerts:
        if alert.id in unrecorded:
            records.append(raised_record(alert, CLOCK_ACTOR))
        records += opened[: len(plans[alert.id])]
        opened = opened[len(plans[alert.id]) :]
    outbox.tell(session, ledger.append_many(session, records))
    intake = [
        {"alert_id": a.id, "opened_at": now, "actions_opened": len(plans[a.id])} for a in alerts
    ]
    session.connection().execute(insert(AlertIntakeRow), intake)
    return len(alerts), sum(len(ps) for ps in plans.values())


# --- the tick ---------------------------------------------------------------------------------


def tick(
    engine: Engine,
    ladder: Ladder,
    now: dt.datetime,
    progress: Progress | None = None,
    committed: Callable[[], None] | None = None,
) -> TickReport:
    """Take in new alerts, then escalate overdue actions, a batch per transaction.

    ``committed`` is called after every ``RECEIPT_EVERY`` transactions that changed something,
    and at the end (the CLI writes a ledger receipt there).
    """
    bar = progress or _Silent()
    counter = _Commits(committed)
    with Session(engine) as session:
        alert_ids = pending_alerts(session, now)
    bar.start("opening actions for new alerts", len(alert_ids))

    def intake(session: Session, ids: Sequence[int]) -> tuple[int, int]:
        return take_in(session, ladder, ids, now)

    alerts, opened = _in_batches(engine, intake, alert_ids, ALERT_BATCH, bar, counter)
    with Session(engine) as session:
        action_ids = due_actions(session, now)
    bar.start("escalating overdue actions", len(action_ids))

    def escalation(session: Session, ids: Sequence[int]) -> tuple[int, int]:
        return actions.escalate(session, ladder, ids, now)

    overdue, escalated = _in_batches(engine, escalation, action_ids, ACTION_BATCH, bar, counter)
    counter.flush()
    return TickReport(alerts, opened, overdue, escalated)


@dataclass
class _Commits:
    """Counts commits that changed something and calls ``hook`` every so many and at the end."""

    hook: Callable[[], None] | None
    pending: int = 0

    def add(self) -> None:
        self.pending += 1
        if self.pending >= RECEIPT_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.hook is not None and self.pending:
            self.hook()
        self.pending = 0


class Batch(Protocol):
    """Work on a batch of ids in one transaction; returns two counts."""

    def __call__(self, session: Session, ids: Sequence[int]) -> tuple[int, int]: ...


def _in_batches(
    engine: Engine,
    work: Batch,
    ids: Sequence[int],
    size: int,
    bar: Progress,
    counter: _Commits,
) -> tuple[int, int]:
    """Run ``work(session, batch)`` on ``ids`` a batch per transaction; sum its two counts."""
    first = second = 0
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        a, b = ledger.retrying(engine, partial(work, ids=batch))
        if a or b:
            first, second = first + a, second + b
            counter.add()
        bar.advance(len(batch))
    return first, second
