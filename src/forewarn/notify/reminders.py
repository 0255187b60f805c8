"""Reminders: an open action whose deadline is one working day away is told to its owners once.

An action qualifies when it is open or acknowledged, its deadline is today or the next
working day of the ladder's calendar, and it was opened before today (the message that
opened it already named a deadline that close). A row in ``action_reminders`` is written with
the notifications, in one transaction per batch, so two workers never remind twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.response.actions import LIVE
from forewarn.response.clock import as_utc
from forewarn.response.ladder import Ladder
from forewarn.store import outbox
from forewarn.store.tables import ActionRow, AlertRow, ReminderRow

BATCH = 100
EVENT = "action.due_soon"


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def due_soon(session: Session, ladder: Ladder, now: dt.datetime) -> list[int]:
    """Ids of live actions due by the next working day, opened before today, not reminded."""
    today = as_utc(now).date()
    horizon = ladder.calendar.add_working_days(today, 1)
    reminded = exists().where(ReminderRow.action_id == ActionRow.id)
    query = (
        select(ActionRow.id)
        .where(
            ActionRow.state.in_([s.value for s in LIVE]),
            ActionRow.deadline >= today,
            ActionRow.deadline <= horizon,
            ActionRow.created_at < _start_of(today),
            ~reminded,
        )
        .order_by(ActionRow.id)
    )
    return list(session.scalars(query))


def _remind(session: Session, ids: Sequence[int], now: dt.datetime) -> int:
    query = (
        select(ActionRow)
        .where(ActionRow.id.in_(list(ids)), ActionRow.state.in_([s.value for s in LIVE]))
        .order_by(ActionRow.id)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    done = set(session.scalars(select(ReminderRow.action_id).where(ReminderRow.action_id.in_(ids))))
    rows = [r for r in rows if r.id not in done]
    if not rows:
        return 0
    alerts = {a.id: a for a in session.scalars(select(AlertRow).where(
        AlertRow.id.in_({r.alert_id for r in rows})))}  # fmt: skip
    notices = [
        outbox.Notice(
            EVENT, f"action:{r.id}", None, "owner",
            {"alert": outbox.alert_facts(alerts[r.alert_id]), "action": outbox.action_facts(r)},
            alert_id=r.alert_id, action_id=r.id, role=r.owner,
        )
        for r in rows
    ]  # fmt: skip
    session.add_all([ReminderRow(action_id=r.id, reminded_at=now) for r in rows])
    session.flush()
    outbox.write(session, notices, now)
    return len(rows)


def remind(engine: Engine, ladder: Ladder, now: dt.datetime) -> int:
    """Write the reminders due as of ``now``; how many actions were reminded."""
    with Session(engine) as session:
        ids = due_soon(session, ladder, now)
    total = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        total += ledger.retrying(engine, lambda s, b=batch: _remind(s, b, now))  # type: ignore[misc]
    return total
