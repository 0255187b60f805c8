"""The outbox as a queue: claiming notifications by lease, and recording each outcome.

Claiming takes up to ``limit`` due notifications that no live lease holds and leases them to
one worker, in a transaction of its own: ``BEGIN IMMEDIATE`` on SQLite (workers take turns),
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (a worker skips the rows another is claiming). The
messages are sent outside any transaction; then :func:`settle` records the outcomes in one
transaction, with one ledger entry each (``notification.delivered``, ``.deferred`` or
``.failed``). A worker that dies between sending and settling leaves its lease to run out,
and the notifications are sent again under the same ids: delivery is at least once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import Conflict, NotFound
from forewarn.notify.config import Retry
from forewarn.notify.smtp import DEFERRED, DELIVERED, FAILED, Outcome
from forewarn.response.clock import as_utc
from forewarn.store import outbox
from forewarn.store.tables import NotificationRow, UserRow

WORKER_ACTOR = "forewarn-worker"
KINDS = {
    DELIVERED: "notification.delivered",
    DEFERRED: "notification.deferred",
    FAILED: "notification.failed",
}


def claim(
    engine: Engine,
    worker: str,
    now: dt.datetime,
    lease: float,
    limit: int,
    channels: Sequence[str] = (outbox.EMAIL, outbox.WEBHOOK),
) -> list[NotificationRow]:
    """Lease up to ``limit`` due notifications of ``channels`` to ``worker``."""
    until = now + dt.timedelta(seconds=lease)

    def work(session: Session) -> list[NotificationRow]:
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.state == outbox.PENDING,
                NotificationRow.channel.in_(list(channels)),
                NotificationRow.next_at <= now,
                or_(NotificationRow.lease_until.is_(None), NotificationRow.lease_until < now),
            )
            .order_by(NotificationRow.next_at, NotificationRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(session.scalars(query))
        for row in rows:
            row.lease_owner, row.lease_until = worker, until
        return rows

    return ledger.retrying(engine, work)


@dataclass(frozen=True)
class Counts:
    """How many deliveries ended each way."""

    delivered: int = 0
    deferred: int = 0
    failed: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.delivered + other.delivered,
            self.deferred + other.deferred,
            self.failed + other.failed,
        )

    @property
    def total(self) -> int:
        return self.delivered + self.deferred + self.failed


def _facts(row: NotificationRow, names: dict[int, str], **extra: Any) -> dict[str, Any]:
    return {
        "notification_id": row.uid,
        "channel": row.channel,
        "user": names.get(row.user_id) if row.user_id is not None else None,
        "webhook_id": row.webhook_id,
        "event": row.event,
        "event_subject": row.subject,
        "event_seq": row.event_seq,
        **extra,
    }


def _record(row: NotificationRow, names: dict[int, str], **extra: Any) -> ledger.Record:
    kind = KINDS[extra.pop("status")]
    return ledger.Record(kind, f"notification:{row.uid}", _facts(row, names, **extra), WORKER_ACTOR)


def _apply(
    row: NotificationRow, outcome: Outcome, retry: Retry, now: dt.datetime
) -> dict[str, Any]:
    """Change ``row`` for ``outcome``; the ledger facts of it."""
    row.attempts += 1
    row.lease_owner = row.lease_until = None
    facts: dict[str, Any] = {"attempt": row.attempts, **dict(outcome.detail or {})}
    if outcome.status == DELIVERED:
        row.state, row.delivered_at, row.last_error = outbox.DELIVERED, now, None
        return {"status": DELIVERED, **facts}
    row.last_error = outcome.error
    facts["error"] = outcome.error
    if outcome.status == FAILED or retry.exhausted(row.attempts):
        row.state, row.failed_at = outbox.FAILED, now
        return {"status": FAILED, **facts, "attempts": row.attempts}
    row.next_at = now + dt.timedelta(seconds=retry.delay(row.attempts))
    return {"status": DEFERRED, **facts, "retry_at": ledger.utc_stamp(row.next_at)}


def _carried(
    session: Session, digest: NotificationRow, names: dict[int, str], now: dt.datetime
) -> list[ledger.Record]:
    """Mark the events a delivered digest carried as delivered (one ledger entry each)."""
    rows = session.scalars(
        select(NotificationRow)
        .where(NotificationRow.digest_id == digest.id, NotificationRow.state == outbox.DIGESTED)
        .order_by(NotificationRow.id)
    )
    records = []
    for row in rows:
        row.state, row.delivered_at = outbox.DELIVERED, now
        records.append(_record(row, names, status=DELIVERED, via=digest.uid))
    return records


def _names(session: Session, rows: Sequence[NotificationRow]) -> dict[int, str]:
    ids = sorted({r.user_id for r in rows if r.user_id is not None})
    if not ids:
        return {}
    found = session.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_(ids)))
    return {user_id: name for user_id, name in found}


def settle(
    engine: Engine,
    results: Sequence[tuple[NotificationRow, Outcome]],
    retry: Retry,
    now: dt.datetime,
) -> Counts:
    """Record the outcomes of a batch, with their ledger entries, in one transaction.

    A notification another worker has settled meanwhile (its lease ran out and it was sent
    again) is left as that worker recorded it."""

    def work(session: Session) -> Counts:
        ids = [row.id for row, _ in results]
        query = select(NotificationRow).where(NotificationRow.id.in_(ids)).with_for_update()
        current = {row.id: row for row in session.scalars(query)}
        names = _names(session, list(current.values()))
        records: list[ledger.Record] = []
        counts = Counts()
        for sent, outcome in results:
            row = current[sent.id]
            if row.state != outbox.PENDING:
                continue
            facts = _apply(row, outcome, retry, now)
            status = facts["status"]
            records.append(_record(row, names, **facts))
            counts += Counts(**{status: 1})
            if status == DELIVERED and row.event == "digest":
                records += _carried(session, row, names, now)
        ledger.append_many(session, records)
        return counts

    if not results:
        return Counts()
    return ledger.retrying(engine, work)


# --- operations: list and retry ---------------------------------------------------------------


def find(session: Session, ref: str) -> NotificationRow:
    """A notification by its id (``12``) or its uid."""
    query = select(NotificationRow)
    if ref.isdigit():
        query = query.where(NotificationRow.id == int(ref))
    else:
        query = query.where(NotificationRow.uid == ref.strip())
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no notification {ref}")
    return row


def listing(
    session: Session, failed: bool = False, limit: int | None = None
) -> list[NotificationRow]:
    """Notifications, newest first; only dead-lettered ones when ``failed``."""
    query = select(NotificationRow).order_by(NotificationRow.id.desc())
    if failed:
        query = query.where(NotificationRow.state == outbox.FAILED)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def requeue(session: Session, ref: str, actor: str, now: dt.datetime) -> NotificationRow:
    """Put a dead-lettered notification back in the queue (attempts start again), with a
    ``notification.retried`` ledger entry; Conflict for one that is not dead-lettered."""
    row = find(session, ref)
    session.refresh(row, with_for_update=True)
    if row.state != outbox.FAILED:
        raise Conflict(f"notification {row.id} is {row.state}, not failed: nothing to retry")
    facts = {"notification_id": row.uid, "attempts_before": row.attempts, "error": row.last_error}
    row.state, row.attempts, row.next_at = outbox.PENDING, 0, now
    row.failed_at = row.lease_owner = row.lease_until = None
    ledger.append(session, "notification.retried", f"notification:{row.uid}", facts, actor)
    return row


def release(engine: Engine, ids: Sequence[int]) -> None:
    """Give up the leases of ``ids`` (a worker stopping before it sent them)."""
    if not ids:
        return

    def work(session: Session) -> None:
        session.execute(
            update(NotificationRow)
            .where(NotificationRow.id.in_(list(ids)), NotificationRow.state == outbox.PENDING)
            .values(lease_owner=None, lease_until=None)
        )

    ledger.retrying(engine, work)


def age(row: NotificationRow, now: dt.datetime) -> float:
    """Seconds since the notification was made."""
    return (as_utc(now) - as_utc(row.created_at)).total_seconds()
