"""The state of delivery: when the clock last ran, the backlog, and what failed.

``forewarn worker status`` and ``GET /api/worker/status`` show it: the last tick and round of
any worker, the workers seen in the last day, how many notifications wait (and how many of
those were already tried), the oldest undelivered one and its age, how many are held for
digests and how many failed for good, and warnings an operator should act on (a ladder role
that nobody with an e-mail address holds: its owners will never be told; in a webhook-only
deployment, no webhook receiving new actions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.response.clock import as_utc
from forewarn.response.ladder import Ladder
from forewarn.store import auth, outbox, webhooks
from forewarn.store.tables import NotificationRow, UserRow, WorkerRow

SEEN = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkerSeen:
    id: str
    host: str
    pid: int
    started_at: str
    last_round_at: str | None
    last_tick_at: str | None
    stopped_at: str | None
    last_report: dict[str, Any]


@dataclass(frozen=True)
class Status:
    """What ``worker status`` reports."""

    now: str
    last_tick_at: str | None
    last_round_at: str | None
    workers: tuple[WorkerSeen, ...]
    pending: int
    retrying: int
    held: int
    failed: int
    delivered: int
    oldest_undelivered_at: str | None
    oldest_undelivered_age_seconds: float | None
    last_error: str | None
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stamp(moment: dt.datetime | None) -> str | None:
    return ledger.utc_stamp(moment) if moment is not None else None


def _workers(session: Session, now: dt.datetime) -> list[WorkerSeen]:
    since = now - SEEN
    query = (
        select(WorkerRow)
        .where(or_(WorkerRow.stopped_at.is_(None), WorkerRow.last_round_at >= since))
        .order_by(WorkerRow.started_at.desc())
        .limit(50)
    )
    return [
        WorkerSeen(w.id, w.host, w.pid, ledger.utc_stamp(w.started_at), _stamp(w.last_round_at),
                   _stamp(w.last_tick_at), _stamp(w.stopped_at), dict(w.last_report or {}))
        for w in session.scalars(query)
    ]  # fmt: skip


def _counts(session: Session) -> dict[str, int]:
    query = select(NotificationRow.state, func.count()).group_by(NotificationRow.state)
    return {state: int(n) for state, n in session.execute(query)}


def unreachable_roles(session: Session, ladder: Ladder) -> list[str]:
    """Ladder roles that no active user with an e-mail address holds."""
    users = session.scalars(
        select(UserRow).where(UserRow.active.is_(True), UserRow.email.is_not(None))
    )
    held = {role for u in users for role in (u.owner_roles or ())}
    return sorted({a.owner for a in ladder.actions.values()} - held)


def reach_warnings(session: Session, ladder: Ladder) -> list[str]:
    """Who would never be told. With e-mail in use: each ladder role nobody with an address
    holds. Without (webhooks only): nothing while a webhook receives new actions, and one
    warning when none does."""
    if not auth.mail_recipients(session):
        hooks = webhooks.list_webhooks(session)
        if any({outbox.ALL_EVENTS, "action.opened"} & set(h.events) for h in hooks):
            return []
        return [
            "nobody is told about new actions: no user has an e-mail address and no webhook "
            "receives action.opened (forewarn users set NAME --email ..., or forewarn "
            "webhooks add URL --events action.opened)"
        ]
    return [
        f"nobody with an e-mail address holds the ladder role {role!r}: its actions' owners "
        "are never told (forewarn users set NAME --email ...)"
        for role in unreachable_roles(session, ladder)
    ]


def status(session: Session, ladder: Ladder, now: dt.datetime) -> Status:
    """The delivery status as of ``now``."""
    counts = _counts(session)
    pending = NotificationRow.state == outbox.PENDING
    retrying = session.scalar(select(func.count()).where(pending, NotificationRow.attempts > 0))
    oldest = session.scalar(select(func.min(NotificationRow.created_at)).where(pending))
    last_error = session.scalar(
        select(NotificationRow.last_error)
        .where(NotificationRow.last_error.is_not(None), NotificationRow.state != outbox.DELIVERED)
        .order_by(NotificationRow.id.desc())
        .limit(1)
    )
    last_tick = session.scalar(select(func.max(WorkerRow.last_tick_at)))
    last_round = session.scalar(select(func.max(WorkerRow.last_round_at)))
    warnings = reach_warnings(session, ladder)
    return Status(
        now=ledger.utc_stamp(now),
        last_tick_at=_stamp(last_tick),
        last_round_at=_stamp(last_round),
        workers=tuple(_workers(session, now)),
        pending=counts.get(outbox.PENDING, 0),
        retrying=int(retrying or 0),
        held=counts.get(outbox.HELD, 0) + counts.get(outbox.DIGESTED, 0),
        failed=counts.get(outbox.FAILED, 0),
        delivered=counts.get(outbox.DELIVERED, 0),
        oldest_undelivered_at=_stamp(oldest),
        oldest_undelivered_age_seconds=(
            round((as_utc(now) - as_utc(oldest)).total_seconds(), 1) if oldest else None
        ),
        last_error=last_error,
        warnings=tuple(warnings),
    )
