"""From being told to acknowledging: the time between the first notification a person
received about an action (or an alert and its actions) and the first acknowledgement.

A separate figure from the warning-to-response gap of :mod:`forewarn.response.gap` (which
counts from the alert): it separates "nobody was told" from "they were told and did not
answer". Counted are deliveries to people (e-mail, including events carried by a digest);
webhooks go to systems. The first acknowledgement is the first time an owner acknowledged,
completed, refused or blocked the action. Times are in hours.

The totals count those told who did not answer, as the gap does
(:mod:`forewarn.response.waiting`): the median over the acknowledged alone says how many it
covers; the median over everyone told counts the unanswered as still waiting (Kaplan–Meier);
and the share acknowledged within 1, 5 and 10 working days of being told counts the
unanswered as not acknowledged (those told too recently to judge left out).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forewarn.response import waiting
from forewarn.response.actions import State
from forewarn.response.clock import as_utc
from forewarn.response.gap import alerts_and_actions
from forewarn.response.ladder import Calendar
from forewarn.response.waiting import Case, Median, Within
from forewarn.store import outbox
from forewarn.store.tables import ActionRow, NotificationRow

_TOUCHED = frozenset({State.DONE.value, State.REFUSED.value, State.BLOCKED.value})


@dataclass(frozen=True)
class ActionTold:
    """One action: when its owners were first told, and when one first answered."""

    action_id: int
    alert_id: int
    owner: str
    first_told_at: str | None
    acknowledged_at: str | None
    hours_to_ack: float | None
    hours_waiting: float | None


@dataclass(frozen=True)
class AlertTold:
    """One alert: the first person told about it or its actions, and the first answer."""

    alert_id: int
    iso3: str
    country: str
    level: str
    first_told_at: str | None
    acknowledged_at: str | None
    hours_to_ack: float | None
    hours_waiting: float | None


@dataclass(frozen=True)
class ToldTotals:
    """Of the ``actions`` (``alerts``), how many had someone told, how many of those were
    acknowledged after, and how long it took: ``median_hours_to_ack`` covers only those
    acknowledged; ``*_answer`` adds the median over everyone told (Kaplan–Meier) and
    ``*_within`` the share acknowledged within N working days of being told."""

    actions_told: int
    actions_acknowledged_after: int
    median_hours_to_ack: float | None
    alerts_told: int
    alerts_acknowledged_after: int
    alerts_median_hours_to_ack: float | None
    actions: int
    alerts: int
    actions_answer: Median
    alerts_answer: Median
    actions_within: tuple[Within, ...]
    alerts_within: tuple[Within, ...]


@dataclass(frozen=True)
class ToldReport:
    actions: tuple[ActionTold, ...]
    alerts: tuple[AlertTold, ...]
    totals: ToldTotals

    def as_dict(self) -> dict[str, Any]:
        return {
            "totals": asdict(self.totals),
            "alerts": [asdict(a) for a in self.alerts],
            "actions": [asdict(a) for a in self.actions],
        }


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return round((as_utc(end) - as_utc(start)).total_seconds() / 3600, 2)


def _stamp(moment: dt.datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def first_touch(action: ActionRow) -> dt.datetime | None:
    """When an owner first answered the action (acknowledged, done, refused or blocked)."""
    moments = [as_utc(action.acknowledged_at)] if action.acknowledged_at else []
    if action.state in _TOUCHED and action.closed_at is not None:
        moments.append(as_utc(action.closed_at))
    return min(moments, default=None)


def _told(session: Session, column: Any, ids: Sequence[int]) -> dict[int, dt.datetime]:
    """The first delivery to a person per action (or alert) id."""
    found: dict[int, dt.datetime] = {}
    for start in range(0, len(ids), 500):
        query = (
            select(column, func.min(NotificationRow.delivered_at))
            .where(
                column.in_(ids[start : start + 500]),
                NotificationRow.user_id.is_not(None),
                NotificationRow.state == outbox.DELIVERED,
            )
            .group_by(column)
        )
        found.update({int(k): as_utc(v) for k, v in session.execute(query) if v})
    return found


def _figures(
    told: dt.datetime | None, touched: dt.datetime | None, now: dt.datetime
) -> tuple[float | None, float | None]:
    if told is None:
        return None, None
    if touched is None:
        return None, _hours(told, now)
    return max(_hours(told, touched), 0.0), None


def _cases(rows: Sequence[ActionTold | AlertTold]) -> list[Case]:
    """Everyone told, as a case waiting from the first notification to the answer."""
    found = []
    for row in rows:
        if row.first_told_at is None:
            continue
        told = dt.datetime.fromisoformat(row.first_told_at)
        answered = (
            None if row.acknowledged_at is None else dt.datetime.fromisoformat(row.acknowledged_at)
        )
        found.append(Case(told, None if answered is None else max(answered, told)))
    return found


def _totals(
    per_action: Sequence[ActionTold],
    per_alert: Sequence[AlertTold],
    now: dt.datetime,
    calendar: Calendar,
) -> ToldTotals:
    actions, alerts = _cases(per_action), _cases(per_alert)
    on_actions = waiting.median(actions, now, "hours")
    on_alerts = waiting.median(alerts, now, "hours")
    return ToldTotals(
        actions_told=on_actions.cases,
        actions_acknowledged_after=on_actions.answered,
        median_hours_to_ack=on_actions.answered_only,
        alerts_told=on_alerts.cases,
        alerts_acknowledged_after=on_alerts.answered,
        alerts_median_hours_to_ack=on_alerts.answered_only,
        actions=len(per_action),
        alerts=len(per_alert),
        actions_answer=on_actions,
        alerts_answer=on_alerts,
        actions_within=waiting.windows(actions, now, calendar),
        alerts_within=waiting.windows(alerts, now, calendar),
    )


def report(
    session: Session,
    now: dt.datetime,
    country: str | None = None,
    calendar: Calendar | None = None,
) -> ToldReport:
    """The told-to-acknowledged figures for every alert raised by ``now`` and its actions;
    working days follow ``calendar`` (the ladder's; default Monday to Friday)."""
    alerts, by_alert = alerts_and_actions(session, now, country)
    alert_ids = [a.id for a in alerts]
    rows = [row for actions in by_alert.values() for row in actions]
    rows.sort(key=lambda r: r.id)
    told_action = _told(session, NotificationRow.action_id, [r.id for r in rows])
    told_alert = _told(session, NotificationRow.alert_id, alert_ids)
    per_action = []
    touches: dict[int, list[dt.datetime]] = defaultdict(list)
    for row in rows:
        touched = first_touch(row)
        if touched is not None:
            touches[row.alert_id].append(touched)
        told = told_action.get(row.id)
        to_ack, waiting = _figures(told, touched, now)
        per_action.append(ActionTold(row.id, row.alert_id, row.owner, _stamp(told),
                                     _stamp(touched), to_ack, waiting))  # fmt: skip
    per_alert = []
    for alert in alerts:
        told = told_alert.get(alert.id)
        after = [t for t in touches[alert.id] if told is None or t >= told]
        touched = min(after, default=None)
        to_ack, waiting = _figures(told, touched, now)
        per_alert.append(AlertTold(alert.id, alert.iso3, alert.country, alert.level, _stamp(told),
                                   _stamp(touched), to_ack, waiting))  # fmt: skip
    totals = _totals(per_action, per_alert, now, calendar or Calendar())
    return ToldReport(tuple(per_action), tuple(per_alert), totals)
