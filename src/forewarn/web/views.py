"""What the dashboard's pages show, assembled from the stages as plain values.

Each function reads what one page (or one part of a page) needs and returns frozen values
that the templates render; nothing here knows about HTTP. Confidential evidence is removed
here, before any template sees it, unless the user has clearance.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.api.routes.forecasts import plain, ranked
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import Framework
from forewarn.framework.drivers import STRUCTURAL, TOP_DRIVERS
from forewarn.i18n import N_, country_name, normalise, search_key
from forewarn.response import actions as ra
from forewarn.store.alerts import list_alerts
from forewarn.store.assessments import load_assessments
from forewarn.store.tables import ActionRow, AlertRow, LedgerRow
from forewarn.web.charts import Chart, Point, history_chart

LEDGER_RECENT = 50
STRUCTURAL_NAME = N_("Structural conditions (region, population, calendar year)")


# --- the forecast -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    """One country of the ranking and the map."""

    iso3: str
    country: str
    """The name in the page's language (CLDR's in Indonesian, the data's in English)."""
    rank: int
    risk_2y: float
    risk_1y: float | None
    change: float | None
    low: float | None
    high: float | None
    level: str | None
    search: str = ""
    """The names in both languages and the code, folded for searching (:func:`search_key`)."""

    def matches(self, query: str) -> bool:
        """Whether ``query`` is part of either language's name, or is the ISO3 code."""
        wanted = search_key(query.strip())
        return wanted in self.search or wanted == self.iso3.lower()


def optional_float(value: Any) -> float | None:
    """A plain float, or None for a missing value."""
    found = plain(value)
    return None if found is None else float(found)


def current_level(alerts: Iterable[AlertRow], order: Sequence[str]) -> str | None:
    """The most severe of the current levels of the streams: the newest alert of each stream
    (annual forecast, monthly events) gives that stream's level, so a monthly "watch" raised
    after an annual "emergency" does not hide it. ``order`` lists the levels, lowest first;
    an unknown level ranks below them."""
    newest: dict[str, AlertRow] = {}
    for alert in alerts:
        held = newest.get(alert.stream)
        if held is None or (alert.created_at, alert.id) > (held.created_at, held.id):
            newest[alert.stream] = alert
    if not newest:
        return None
    rank = {level: i for i, level in enumerate(order)}
    return max(newest.values(), key=lambda a: rank.get(a.level, -1)).level


def current_levels(session: Session, order: Sequence[str]) -> dict[str, str]:
    """Each country's current alert level (:func:`current_level`), by ISO3 code."""
    by_country: dict[str, list[AlertRow]] = {}
    for alert in list_alerts(session):
        by_country.setdefault(alert.iso3, []).append(alert)
    found = {iso3: current_level(alerts, order) for iso3, alerts in by_country.items()}
    return {iso3: level for iso3, level in found.items() if level is not None}


def ranking(forecast: pd.DataFrame, levels: Mapping[str, str], lang: str = "en") -> list[RankRow]:
    """The forecast as ranking rows, highest two-year risk first, named in ``lang``."""
    rows = []
    for r in ranked(forecast).to_dict("records"):
        iso3, english = str(r["iso3"]), str(r["country"])
        local = country_name(iso3, "id", english)
        rows.append(
            RankRow(
                iso3=iso3,
                country=local if normalise(lang) == "id" else english,
                rank=int(r["rank"]),
                risk_2y=float(r["risk_2y"]),
                risk_1y=optional_float(r.get("risk_1y")),
                change=optional_float(r.get("change")),
                low=optional_float(r.get("low")),
                high=optional_float(r.get("high")),
                level=levels.get(iso3),
                search=search_key(english, local, iso3),
            )
        )
    return rows


# --- a country --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverView:
    """One predictor's contribution to a country's forecast (log-odds)."""

    feature: str
    label: str
    value: float
    share: float
    """``|value|`` relative to the largest contribution shown (0-1), for the bar."""


@dataclass(frozen=True)
class FactorView:
    """One row of the risk-factor profile."""

    factor: str
    name: str
    raising: float
    net: float


def drivers_of(items: Any, top: int = TOP_DRIVERS) -> list[DriverView]:
    """The largest contributions (by size), from the forecast's ``drivers`` list."""
    found = [d for d in plain(items) or [] if isinstance(d, Mapping)]
    found.sort(key=lambda d: -abs(float(d.get("value") or 0.0)))
    chosen = found[:top]
    biggest = max((abs(float(d.get("value") or 0.0)) for d in chosen), default=0.0) or 1.0
    return [
        DriverView(
            str(d.get("feature", "")),
            str(d.get("label") or d.get("feature", "")),
            float(d.get("value") or 0.0),
            abs(float(d.get("value") or 0.0)) / biggest,
        )
        for d in chosen
    ]


def _factor_name(framework: Framework, factor: str) -> str:
    if factor == STRUCTURAL:
        return STRUCTURAL_NAME
    try:
        return framework.factor(factor).name
    except (KeyError, ValueError):
        return factor


def profile_of(items: Any, framework: Framework) -> list[FactorView]:
    """The risk-factor profile, largest risk-raising share first."""
    found = [p for p in plain(items) or [] if isinstance(p, Mapping)]
    rows = [
        FactorView(
            str(p.get("factor", "")),
            _factor_name(framework, str(p.get("factor", ""))),
            float(p.get("raising") or 0.0),
            float(p.get("net") or 0.0),
        )
        for p in found
    ]
    return sorted(rows, key=lambda r: (-r.raising, r.factor))


def history_points(history: pd.DataFrame) -> list[Point]:
    """The risk history as chart points, in year order."""
    rows = history.sort_values("year").to_dict("records")
    return [
        Point(
            int(r["year"]),
            optional_float(r.get("risk_2y")),
            optional_float(r.get("low")),
            optional_float(r.get("high")),
            bool(plain(r.get("onset")) or False),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AssessmentView:
    """An assessment as the user may see it, and how much evidence was withheld."""

    record: dict[str, Any]
    withheld: int
    day: dt.date


def assessments_of(session: Session, iso3: str, clearance: bool) -> list[AssessmentView]:
    """The country's assessments, newest first; confidential evidence only with clearance."""
    items = sorted(load_assessments(session, iso3), key=lambda a: (a.date, a.id or 0))
    out = []
    for item in reversed(items):
        secret = sum(e.confidential for j in item.judgements for e in j.evidence)
        record = fa.to_records([item], include_confidential=clearance)[0]
        out.append(AssessmentView(record, 0 if clearance else secret, item.date))
    return out


# --- alerts, actions and their timeline -------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    """An action with the alert that opened it, and whether it is overdue today."""

    row: ActionRow
    alert: AlertRow
    overdue: bool
    days_left: int

    @property
    def live(self) -> bool:
        return ra.State(self.row.state) in ra.LIVE or self.row.state == ra.State.OVERDUE


def _alerts_by_id(session: Session, ids: Iterable[int]) -> dict[int, AlertRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(AlertRow).where(AlertRow.id.in_(wanted)))}


def _order(view: ActionView) -> tuple[int, dt.date, int]:
    """Overdue first, then the other live actions by deadline, then closed ones (newest)."""
    if view.overdue:
        return (0, view.row.deadline, view.row.id)
    if view.live:
        return (1, view.row.deadline, view.row.id)
    return (2, dt.date.max, -view.row.id)


def action_views(
    session: Session, today: dt.date, rows: Sequence[ActionRow] | None = None
) -> list[ActionView]:
    """Actions (all of them by default) in queue order: overdue first."""
    found = list(rows) if rows is not None else ra.listing(session)
    alerts = _alerts_by_id(session, (r.alert_id for r in found))
    views = []
    for row in found:
        state = ra.State(row.state)
        overdue = state is ra.State.OVERDUE or ra.is_overdue(row, today)
        views.append(ActionView(row, alerts[row.alert_id], overdue, (row.deadline - today).days))
    return sorted(views, key=_order)


def country_actions(session: Session, alerts: Sequence[AlertRow]) -> list[ActionRow]:
    """Every action opened by one of ``alerts``, by id."""
    ids = [a.id for a in alerts]
    if not ids:
        return []
    query = select(ActionRow).where(ActionRow.alert_id.in_(ids)).order_by(ActionRow.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Entry:
    """A ledger entry as the dashboard shows it."""

    seq: int
    kind: str
    subject: str
    actor: str
    at: str
    hash: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def effective(self) -> str:
        """When it happened (the clock's or decision's time, an alert's creation), else when
        it was recorded."""
        found = self.payload.get("effective_at") or self.payload.get("created_at")
        return str(found or self.at)

    @property
    def action_id(self) -> int | None:
        if self.subject.startswith("action:"):
            return int(self.subject.split(":", 1)[1])
        return None


def _entry(row: LedgerRow) -> Entry:
    payload = json.loads(row.payload)
    return Entry(row.seq, row.kind, row.subject, row.actor, row.recorded_at, row.hash, payload)


def timeline(
    session: Session, alerts: Sequence[AlertRow], rows: Sequence[ActionRow]
) -> list[Entry]:
    """The ledger entries about ``alerts`` and ``rows``, oldest first: the action timeline."""
    subjects = [f"alert:{a.id}" for a in alerts] + [f"action:{r.id}" for r in rows]
    found: list[Entry] = []
    for start in range(0, len(subjects), 500):
        chunk = subjects[start : start + 500]
        query = select(LedgerRow).where(LedgerRow.subject.in_(chunk))
        found += [_entry(r) for r in session.scalars(query)]
    return sorted(found, key=lambda e: e.seq)


def recent_entries(session: Session, limit: int = LEDGER_RECENT) -> list[Entry]:
    """The newest ledger entries, newest first."""
    query = select(LedgerRow).order_by(LedgerRow.seq.desc()).limit(limit)
    return [_entry(r) for r in session.scalars(query)]


def history_chart_of(history: pd.DataFrame) -> tuple[list[Point], Chart | None]:
    """The history's points and their chart."""
    points = history_points(history)
    return points, history_chart(points)
