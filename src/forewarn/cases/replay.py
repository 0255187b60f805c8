"""Replay a historical case through forewarn, without hindsight.

For each base year B before the case's onset, the forecast is the one an honest backtest
makes: a model trained on the country-years whose outcomes were known by B (years <= B-2)
predicts from year B's predictors. The forecast is taken to be issued on the first working
day of B+1 (the year it covers, with B+2). The default warning rules turn it into alerts
(a new alert only when the country's level changes, as in the live system), each alert opens
the escalation ladder's actions with deadlines as calendar dates, and a veto recorded in the
case opens the ladder's veto-conditional actions. Beside that stands the recorded history,
and the gaps between the two are measured.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from forewarn.cases.timeline import Case, Event
from forewarn.framework.catalogue import Framework
from forewarn.response.ladder import Ladder
from forewarn.warning.rules import RuleSet, evaluate, strongest

ForecastProvider = Callable[[int], pd.DataFrame]
"""Base year -> the full forecast of that year (iso3, ccode, country, risk_2y, rank,
risk_2y_prev), made with data available in that year only."""

LOOKBACK = 4
INACTION_KINDS = ("withdrawal", "cut", "veto", "statement")
VETO_TRIGGER = "veto: "
"""How an action opened by a recorded veto names its trigger: ``veto: <the event's title>``."""


@dataclass(frozen=True)
class YearRisk:
    base_year: int
    issued: dt.date
    risk_2y: float
    rank: int
    countries: int


@dataclass(frozen=True)
class ReplayAlert:
    issued: dt.date
    base_year: int
    level: str
    rule: str
    fired: list[dict[str, Any]]


@dataclass(frozen=True)
class ReplayAction:
    alert_level: str
    action: str
    title: str
    basis: str
    owner: str
    opened: dt.date
    deadline: dt.date
    trigger: str = "alert"


@dataclass(frozen=True)
class Replay:
    case: Case
    forecasts: list[YearRisk]
    alerts: list[ReplayAlert]
    actions: list[ReplayAction]
    gaps: Gaps

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case.id,
            "title": self.case.title,
            "country": self.case.country_iso3,
            "forecasts": [
                _plain(asdict(f)) | {"year": f.base_year, "risk": f.risk_2y} for f in self.forecasts
            ],
            "alerts": [_plain(asdict(a)) for a in self.alerts],
            "actions": [_plain(asdict(a)) for a in self.actions],
            "events": [_event_record(e) for e in self.case.events],
            "gaps": self.gaps.as_dict(),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _event_record(e: Event) -> dict[str, Any]:
    record: dict[str, Any] = {"date": e.date.isoformat(), "kind": e.kind, "title": e.title}
    record["source"] = e.source
    if e.vetoed_by:
        record["vetoed_by"] = list(e.vetoed_by)
    if e.vote:
        record["vote"] = e.vote
    if e.protective is not None:
        record["protective"] = e.protective
        record["protective_source"] = e.protective_source
    return record


def issue_date(base_year: int, ladder: Ladder) -> dt.date:
    """When the forecast from ``base_year`` is taken to be issued: first working day of B+1."""
    return ladder.calendar.add_working_days(dt.date(base_year + 1, 1, 1), 0)


def base_years(case: Case) -> list[int]:
    """The base years replayed: the ``LOOKBACK`` years before the onset year."""
    return list(range(case.onset_year - LOOKBACK, case.onset_year))


def _year_risk(case: Case, base_year: int, frame: pd.DataFrame, ladder: Ladder) -> YearRisk | None:
    row = frame[frame["iso3"] == case.country_iso3]
    if row.empty:
        return None
    r = row.iloc[0]
    issued = issue_date(base_year, ladder)
    return YearRisk(base_year, issued, float(r["risk_2y"]), int(r["rank"]), len(frame))


def _alerts(
    case: Case, provider: ForecastProvider, rules: RuleSet, framework: Framework, ladder: Ladder
) -> tuple[list[YearRisk], list[ReplayAlert]]:
    forecasts, alerts = [], []
    level: str | None = None
    for year in base_years(case):
        frame = provider(year)
        risk = _year_risk(case, year, frame, ladder)
        if risk is None:
            continue
        forecasts.append(risk)
        own = frame[frame["iso3"] == case.country_iso3]
        fired = strongest(rules, evaluate(rules, own, {}, framework)).get(case.country_iso3, [])
        if fired and fired[0].level != level:
            level = fired[0].level
            record = [{"rule": f.rule, "level": f.level, "values": dict(f.values)} for f in fired]
            alerts.append(ReplayAlert(risk.issued, year, level, fired[0].rule, record))
    return forecasts, alerts


def _actions(alerts: Sequence[ReplayAlert], ladder: Ladder) -> list[ReplayAction]:
    opened: set[str] = set()
    out = []
    for alert in alerts:
        for step in ladder.actions_for(alert.level):
            if step.id in opened:
                continue
            opened.add(step.id)
            deadline = ladder.calendar.add_working_days(alert.issued, step.deadline_days)
            out.append(
                ReplayAction(alert.level, step.id, step.title, step.basis, step.owner,
                             alert.issued, deadline)
            )  # fmt: skip
    return out


def _veto_actions(case: Case, ladder: Ladder) -> list[ReplayAction]:
    """Each recorded veto of a draft on the situation opens the ladder's veto-conditional
    actions (a recorded veto is taken to block the Council action the ladder demands)."""
    conditional = [a for a in ladder.actions.values() if a.opens_on_veto_of]
    out = []
    for veto in case.events_of_kind("veto"):
        for step in conditional:
            deadline = ladder.calendar.add_working_days(veto.date, step.deadline_days)
            out.append(
                ReplayAction("veto", step.id, step.title, step.basis, step.owner,
                             veto.date, deadline, VETO_TRIGGER + veto.title)
            )  # fmt: skip
    return out


def _first(events: Sequence[Event], test: Callable[[Event], bool]) -> Event | None:
    return next((e for e in events if test(e)), None)


def N_(message: str) -> str:
    """Mark a label for the translation catalogue (``i18n/babel.cfg`` extracts this module);
    the dashboard and briefs translate it when they show it."""
    return message


@dataclass(frozen=True)
class Span:
    """One measured gap: the days from a dated starting point to a dated end point."""

    key: str
    label: str
    """What is measured, in English (translated by the interfaces that show it)."""
    start: dt.date | None
    end: dt.date | None
    end_event: Event | None = None

    @property
    def days(self) -> int | None:
        """Days from ``start`` to ``end`` (negative when the end came first); None when
        either is missing."""
        return (self.end - self.start).days if self.start and self.end else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "days": self.days}
        out["from"] = self.start.isoformat() if self.start else None
        out["to"] = self.end.isoformat() if self.end else None
        out["to_event"] = _event_record(self.end_event) if self.end_event else None
        return out


SPAN_LABELS: dict[str, str] = {
    "first_alert_to_violence": N_("days from the first alert (any level) to the violence"),
    "first_warning_to_violence": N_("days from the first warning-level alert to the violence"),
    "first_alert_to_protective_decision": N_(
        "days from the first alert (any level) to a protective decision"
    ),
    "first_warning_to_protective_decision": N_(
        "days from the first warning-level alert to a protective decision"
    ),
    "recorded_warning_to_violence": N_("days from the first recorded warning to the violence"),
    "recorded_warning_to_protective_decision": N_(
        "days from the first recorded warning to a protective decision"
    ),
}
"""Every span a replay measures, in the order the interfaces show them."""


@dataclass(frozen=True)
class Gaps:
    """What a replay measures, computed once; the CLI, the JSON, the dashboard and the plot
    all read it. A protective decision is an event the case file marks ``protective = true``
    (it authorises the protection of civilians, or force to protect them); each span to a
    protective decision ends at the first one on or after its starting point."""

    first_alert: ReplayAlert | None
    """forewarn's first alert of any level."""
    first_warning: ReplayAlert | None
    """forewarn's first alert at warning level or higher."""
    recorded_warning: Event | None
    violence: Event | None
    spans: tuple[Span, ...]
    inaction: tuple[dict[str, Any], ...] = ()

    @property
    def model_warned(self) -> bool:
        return self.first_alert is not None

    def span(self, key: str) -> Span:
        """The span called ``key`` (KeyError for an unknown one)."""
        for span in self.spans:
            if span.key == key:
                return span
        raise KeyError(key)

    def days(self, key: str) -> int | None:
        return self.span(key).days

    def as_dict(self) -> dict[str, Any]:
        def alert(a: ReplayAlert | None) -> dict[str, Any] | None:
            return _plain(asdict(a)) if a else None

        def event(e: Event | None) -> dict[str, Any] | None:
            return _event_record(e) if e else None

        return {
            "first_alert": alert(self.first_alert),
            "first_warning": alert(self.first_warning),
            "first_recorded_warning": event(self.recorded_warning),
            "first_violence": event(self.violence),
            "spans": [s.as_dict() for s in self.spans],
            "days": {s.key: s.days for s in self.spans},
            "inaction": _plain(list(self.inaction)),
            "model_warned": self.model_warned,
        }


def _protective_after(case: Case, day: dt.date | None) -> Event | None:
    if day is None:
        return None
    return _first(case.events, lambda e: e.date >= day and e.protective is True)


def _to_violence(key: str, start: dt.date | None, violence: Event | None) -> Span:
    end = violence.date if violence else None
    return Span(key, SPAN_LABELS[key], start, end, violence)


def _to_protection(key: str, case: Case, start: dt.date | None) -> Span:
    found = _protective_after(case, start)
    return Span(key, SPAN_LABELS[key], start, found.date if found else None, found)


def measure(case: Case, alerts: Sequence[ReplayAlert], actions: Sequence[ReplayAction]) -> Gaps:
    """The gaps between forewarn's replayed alerts and the recorded history."""
    first = alerts[0] if alerts else None
    serious = next((a for a in alerts if a.level != "watch"), None)
    violence = _first(case.events, lambda e: e.kind == "violence")
    recorded = _first(case.events, lambda e: e.kind == "warning")
    alert_day = first.issued if first else None
    warning_day = serious.issued if serious else None
    recorded_day = recorded.date if recorded else None
    spans = (
        _to_violence("first_alert_to_violence", alert_day, violence),
        _to_violence("first_warning_to_violence", warning_day, violence),
        _to_protection("first_alert_to_protective_decision", case, alert_day),
        _to_protection("first_warning_to_protective_decision", case, warning_day),
        _to_violence("recorded_warning_to_violence", recorded_day, violence),
        _to_protection("recorded_warning_to_protective_decision", case, recorded_day),
    )
    return Gaps(first, serious, recorded, violence, spans, tuple(_inaction(case, actions)))


def _inaction(case: Case, actions: Sequence[ReplayAction]) -> list[dict[str, Any]]:
    """For each recorded veto, cut, bare statement or other event the case file marks as
    inaction (a refusal, a demand without enforcement): what the ladder required by then."""
    out = []
    for e in case.events:
        if e.kind not in INACTION_KINDS and not e.inaction:
            continue
        due = [a for a in actions if a.trigger == "alert" and a.deadline <= e.date]
        out.append(
            {
                "event": _event_record(e),
                "required_by_then": [
                    {"action": a.action, "title": a.title, "owner": a.owner, "deadline": a.deadline}
                    for a in due
                ],
            }
        )
    return out


def replay(
    case: Case, provider: ForecastProvider, rules: RuleSet, framework: Framework, ladder: Ladder
) -> Replay:
    """Replay ``case`` with forecasts from ``provider`` and the given rules and ladder."""
    forecasts, alerts = _alerts(case, provider, rules, framework, ladder)
    actions = _actions(alerts, ladder)
    actions += _veto_actions(case, ladder)
    return Replay(case, forecasts, alerts, actions, measure(case, alerts, actions))
