"""Repository functions for alerts: idempotent recording and listing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import NotFound
from forewarn.store import outbox
from forewarn.store.tables import AlertRow

if TYPE_CHECKING:  # a type only: listing alerts needs neither pandas nor the rules
    from forewarn.warning.alerts import AlertCandidate

LedgerHook = Callable[[Session, AlertRow], object]


def latest_alert(session: Session, iso3: str, stream: str | None = None) -> AlertRow | None:
    """The newest alert of a country, if any (of one stream when ``stream`` is given)."""
    query = select(AlertRow).where(AlertRow.iso3 == iso3)
    if stream is not None:
        query = query.where(AlertRow.stream == stream)
    return session.scalars(query.order_by(AlertRow.seq.desc()).limit(1)).first()


def record_alerts(
    session: Session,
    items: Sequence[AlertCandidate],
    now: dt.datetime,
    on_new: LedgerHook | None = None,
) -> list[AlertRow]:
    """Store the candidates that change a country's alert level; return the new rows.

    A country whose newest alert of the candidate's stream (annual forecasts, monthly event
    data) already has the candidate's level gets nothing new (so a re-run on the same inputs
    writes nothing), unless the candidate renews it; otherwise it becomes a new alert linked
    to the country's previous alert of any stream. ``(iso3, seq)`` is unique, so two
    concurrent writers cannot both append the same next alert: one of them fails and its
    transaction is rolled back.
    """
    created = []
    for c in items:
        current = latest_alert(session, c.iso3, c.stream)
        if current is not None and current.level == c.level and not c.renew:
            continue
        latest = latest_alert(session, c.iso3)
        row = AlertRow(
            stream=c.stream,
            iso3=c.iso3,
            seq=latest.seq + 1 if latest else 1,
            ccode=c.ccode,
            country=c.country,
            level=c.level,
            rule=c.rule,
            base_year=c.base_year,
            created_at=now,
            snapshot=dict(c.snapshot),
            previous_id=latest.id if latest else None,
        )
        session.add(row)
        session.flush()
        if on_new is not None:
            on_new(session, row)
        created.append(row)
    return created


def list_alerts(
    session: Session, level: str | None = None, iso3: str | None = None
) -> list[AlertRow]:
    """Alerts, newest first, optionally filtered by level and country."""
    query = select(AlertRow).order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
    if level is not None:
        query = query.where(AlertRow.level == level)
    if iso3 is not None:
        query = query.where(AlertRow.iso3 == iso3)
    return list(session.scalars(query))


def get_alert(session: Session, alert_id: int) -> AlertRow:
    row = session.get(AlertRow, alert_id)
    if row is None:
        raise NotFound(f"no alert #{alert_id}")
    return row


def alert_record(row: AlertRow) -> dict[str, Any]:
    """The JSON form of an alert."""
    return {
        "id": row.id,
        "country": row.country,
        "iso3": row.iso3,
        "ccode": row.ccode,
        "level": row.level,
        "rule": row.rule,
        "base_year": row.base_year,
        "created_at": row.created_at.isoformat(),
        "previous_id": row.previous_id,
        "snapshot": row.snapshot,
        "stream": row.stream,
    }


# --- the ledger's record of an alert ------------------------------------------------------


def alert_payload(alert: AlertRow) -> dict[str, Any]:
    """The facts of an alert as recorded in the ledger (the snapshot by its SHA-256)."""
    created = alert.created_at
    return {
        "alert_id": alert.id,
        "iso3": alert.iso3,
        "seq": alert.seq,
        "country": alert.country,
        "level": alert.level,
        "rule": alert.rule,
        "base_year": alert.base_year,
        "created_at": ledger.utc_stamp(created),
        "previous_id": alert.previous_id,
        "snapshot_sha256": hashlib.sha256(
            ledger.canonical(alert.snapshot).encode("utf-8")
        ).hexdigest(),
    }


WARN_ACTOR = "forewarn-warn"


def raised_record(alert: AlertRow, actor: str = WARN_ACTOR) -> ledger.Record:
    """The "alert.raised" record of ``alert`` (which must have its id)."""
    return ledger.Record("alert.raised", f"alert:{alert.id}", alert_payload(alert), actor)


def record_alert(session: Session, alert: AlertRow, actor: str = WARN_ACTOR) -> ledger.LedgerEntry:
    """Append "alert.raised" for ``alert`` (flushed, so it has an id) in the caller's transaction.

    Fits :func:`record_alerts`' ``on_new`` hook as it is. The alert's notifications (warning
    and emergency levels) are written with it (:mod:`forewarn.store.outbox`).
    """
    entries = ledger.append_many(session, [raised_record(alert, actor)])
    outbox.tell(session, entries)
    return entries[0]
