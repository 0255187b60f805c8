"""The warning-to-response gap: how long each alert waited for anyone to act, and what happened.

For every alert: the time from the alert to its first acknowledgement (the first time an
owner touched any of its actions: acknowledged, done, refused or blocked), the time to its
first substantive action (the first ``done``), the number of escalations, and how many of its
actions went overdue, were refused or were blocked (and how many blocks were vetoes). Times
are in days (hours / 24); an alert nobody answered shows how long it has been waiting. The
totals across alerts are the gap the project exists to measure.

The totals count the unanswered (:mod:`forewarn.response.waiting`): besides the median over
the answered alerts (which says nothing of the others, and says how many it covers), the
share of alerts answered within 1, 5 and 10 working days (the never answered counted as not
answered, the too recent left out) and the median over all alerts with the unanswered
counted as still waiting (Kaplan–Meier; "not reached" while more than half may be waiting).
The CLI (``forewarn gap``), the API (``GET /api/gap``), the dashboard and the watchlist
brief all read :func:`report`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forewarn.response import waiting
from forewarn.response.actions import State
from forewarn.response.clock import as_utc
from forewarn.response.ladder import Calendar
from forewarn.response.waiting import Case, Median, Within
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
    """The gap across all alerts.

    ``median_days_to_ack`` and ``median_days_to_done`` cover only the ``acknowledged`` and
    ``done`` alerts; ``first_response`` and ``first_done`` say so and add the median over
    all alerts (Kaplan–Meier); ``answered_within`` counts the never answered as not
    answered."""

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
    first_response: Median
    first_done: Median
    answered_within: tuple[Within, ...]


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


def first_answers(rows: Sequence[ActionRow]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When an owner first answered any of ``rows`` (acknowledged, done, refused or
    blocked it), and when the first of them was done."""
    touches = [t for t in map(_first_touch, rows) if t is not None]
    dones = [as_utc(r.closed_at) for r in rows if r.state == State.DONE and r.closed_at]
    return min(touches, default=None), min(dones, default=None)


def alert_gap(alert: AlertRow, rows: Sequence[ActionRow], now: dt.datetime) -> AlertGap:
    """The response record of one alert from its actions, as of ``now``."""
    states = [State(r.state) for r in rows]
    first_ack, first_done = first_answers(rows)
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


@dataclass(frozen=True)
class Answers:
    """Every alert as a waiting case: for its first response, and for its first action done."""

    first_response: tuple[Case, ...]
    first_done: tuple[Case, ...]


def answers(alerts: Sequence[AlertRow], rows: dict[int, list[ActionRow]]) -> Answers:
    """The cases of ``alerts`` (their actions in ``rows``, by alert id)."""
    firsts = [(as_utc(a.created_at), first_answers(rows[a.id])) for a in alerts]
    return Answers(
        tuple(Case(start, ack) for start, (ack, _) in firsts),
        tuple(Case(start, done) for start, (_, done) in firsts),
    )


def totals(
    gaps: Sequence[AlertGap], cases: Answers, now: dt.datetime, calendar: Calendar
) -> GapTotals:
    """Sum and summarise the per-alert records; ``cases`` (the same alerts) count the
    unanswered as of ``now``, in working days of ``calendar``."""
    moment = as_utc(now)
    first_response = waiting.median(cases.first_response, moment)
    first_done = waiting.median(cases.first_done, moment)
    to_done = [g.days_to_done for g in gaps if g.days_to_done is not None]
    return GapTotals(
        alerts=len(gaps),
        acknowledged=first_response.answered,
        done=first_done.answered,
        never_answered=first_response.waiting,
        median_days_to_ack=first_response.answered_only,
        median_days_to_done=first_done.answered_only,
        mean_days_to_done=round(statistics.fmean(to_done), 2) if to_done else None,
        escalations=sum(g.escalations for g in gaps),
        overdue=sum(g.overdue for g in gaps),
        refused=sum(g.refused for g in gaps),
        blocked=sum(g.blocked for g in gaps),
        vetoed=sum(g.vetoed for g in gaps),
        still_open=sum(g.still_open for g in gaps),
        first_response=first_response,
        first_done=first_done,
        answered_within=waiting.windows(cases.first_response, moment, calendar),
    )


def report(
    session: Session,
    now: dt.datetime,
    country: str | None = None,
    calendar: Calendar | None = None,
) -> GapReport:
    """The gap for every alert raised by ``now`` (of one country, by ISO3 code or name);
    working days follow ``calendar`` (the ladder's; default Monday to Friday)."""
    alerts, by_alert = alerts_and_actions(session, now, country)
    gaps = tuple(alert_gap(a, by_alert[a.id], now) for a in alerts)
    summary = totals(gaps, answers(alerts, by_alert), now, calendar or Calendar())
    return GapReport(as_utc(now).isoformat(), gaps, summary)


def alerts_and_actions(
    session: Session, now: dt.datetime, country: str | None = None
) -> tuple[list[AlertRow], dict[int, list[ActionRow]]]:
    """The alerts raised by ``now`` (of one country, by ISO3 code or name), in order, and the
    actions of each, by alert id."""
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
    return alerts, by_alert
