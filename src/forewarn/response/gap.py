"""The warning-to-response gap: how long each alert waited for anyone to act, and what happened.

For every alert: the time from the alert to its first acknowledgement (the first time an
owner touched any of its actions: acknowledged, done, refused or blocked), the time to its
first substantive action (the first ``done``), the number of escalations, and how many of its
actions went overdue, were refused or were blocked (and how many blocks were vetoes). Times
are in days (hours / 24); an alert nobody answered shows how long it has been waiting. The
totals across alerts are the gap the project exists to measure.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forewarn.response.actions import State
from forewarn.response.clock import as_utc
from forewarn.store.tables import ActionRow, AlertRow

_TOUCHED = frozenset({State.DONE, State.REFUSED, State.BLOCKED})


@dataclass(frozen=True)
class AlertGap:
    """One alert's response record."""

    alert_id: int
    iso3: str
    country: str
    level: str
    raised_at: str
    actions: int
    days_to_ack: float | None
    days_to_done: float | None
    days_waiting: float | None
    escalations: int
    overdue: int
    refused: int
    blocked: int
    vetoed: int
    still_open: int


@dataclass(frozen=True)
class GapTotals:
    """The gap across all alerts."""

    alerts: int
    acknowledged: int
    done: int
    never_answered: int
    median_days_to_ack: float | None
    median_days_to_done: float | None
    mean_days_to_done: float | None
    escalations: int
    overdue: int
    refused: int
    blocked: int
    vetoed: int
    still_open: int


@dataclass(frozen=True)
class GapReport:
    """Per-alert records and their totals."""

    now: str
    alerts: tuple[AlertGap, ...]
    totals: GapTotals

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "totals": asdict(self.totals),
            "alerts": [asdict(a) for a in self.alerts],
        }


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round((as_utc(end) - as_utc(start)).total_seconds() / 86400, 2)


def _first_touch(action: ActionRow) -> dt.datetime | None:
    moments = [as_utc(action.acknowledged_at)] if action.acknowledged_at else []
    if State(action.state) in _TOUCHED and action.closed_at is not None:
        moments.append(as_utc(action.closed_at))
    return min(moments, default=None)


def alert_gap(alert: AlertRow, rows: Sequence[ActionRow], now: dt.datetime) -> AlertGap:
    """The response record of one alert from its actions, as of ``now``."""
    touches = [t for t in map(_first_touch, rows) if t is not None]
    dones = [as_utc(r.closed_at) for r in rows if r.state == State.DONE and r.closed_at]
    states = [State(r.state) for r in rows]
    first_ack, first_done = min(touches, default=None), min(dones, default=None)
    return AlertGap(
        alert_id=alert.id,
        iso3=alert.iso3,
        country=alert.country,
        level=alert.level,
        raised_at=as_utc(alert.created_at).isoformat(),
        actions=len(rows),
        days_to_ack=None if first_ack is None else _days(alert.created_at, first_ack),
        days_to_done=None if first_done is None else _days(alert.created_at, first_done),
        days_waiting=_days(alert.created_at, now) if first_done is None else None,
        escalations=sum(r.escalated_from is not None for r in rows),
        overdue=sum(r.overdue_at is not None for r in rows),
        refused=states.count(State.REFUSED),
        blocked=states.count(State.BLOCKED),
        vetoed=sum(r.veto for r in rows),
        still_open=sum(s in {State.OPEN, State.ACKNOWLEDGED, State.OVERDUE} for s in states),
    )


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def totals(gaps: Sequence[AlertGap]) -> GapTotals:
    """Sum and summarise the per-alert records."""
    to_done = [g.days_to_done for g in gaps if g.days_to_done is not None]
    return GapTotals(
        alerts=len(gaps),
        acknowledged=sum(g.days_to_ack is not None for g in gaps),
        done=len(to_done),
        never_answered=sum(g.days_to_ack is None for g in gaps),
        median_days_to_ack=_median(g.days_to_ack for g in gaps),
        median_days_to_done=_median(to_done),
        mean_days_to_done=round(statistics.fmean(to_done), 2) if to_done else None,
        escalations=sum(g.escalations for g in gaps),
        overdue=sum(g.overdue for g in gaps),
        refused=sum(g.refused for g in gaps),
        blocked=sum(g.blocked for g in gaps),
        vetoed=sum(g.vetoed for g in gaps),
        still_open=sum(g.still_open for g in gaps),
    )


def report(session: Session, now: dt.datetime, country: str | None = None) -> GapReport:
    """The gap for every alert raised by ``now`` (of one country, by ISO3 code or name)."""
    query = select(AlertRow).where(AlertRow.created_at <= now).order_by(AlertRow.id)
    if country is not None:
        wanted = country.strip().lower()
        query = query.where(
            or_(func.lower(AlertRow.iso3) == wanted, func.lower(AlertRow.country) == wanted)
        )
    alerts = list(session.scalars(query))
    by_alert: dict[int, list[ActionRow]] = defaultdict(list)
    ids = [a.id for a in alerts]
    for start in range(0, len(ids), 500):
        chunk = select(ActionRow).where(ActionRow.alert_id.in_(ids[start : start + 500]))
        for row in session.scalars(chunk):
            by_alert[row.alert_id].append(row)
    gaps = tuple(alert_gap(a, by_alert[a.id], now) for a in alerts)
    return GapReport(as_utc(now).isoformat(), gaps, totals(gaps))
