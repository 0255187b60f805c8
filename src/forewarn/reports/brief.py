"""What a country brief and a watchlist say, assembled as plain values from the stages.

The forecast comes in as plain data (:class:`ForecastInputs`), so briefs do not depend on
how it was made. Its frames follow these schemas (checked by :func:`check_forecast` and
:func:`check_history`):

``forecast`` — one row per country, for one base year Y:
    ``ccode`` (int or missing), ``iso3`` (str), ``country`` (display name), ``risk_1y``
    (probability of an onset in Y+1), ``risk_2y`` (in Y+1 or Y+2), ``rank`` (1 = highest
    ``risk_2y``), ``change`` (``risk_2y`` minus last year's; NaN when unknown), ``low`` and
    ``high`` (uncertainty band of ``risk_2y``; NaN when the model gives none).
``drivers`` — per ISO3 code, a sequence of ``(feature, contribution)``: the forecast's
    contributions on the log-odds scale (see :mod:`forewarn.framework.drivers`).
``history`` — one row per country and year: ``iso3``, ``year``, ``risk_2y`` (NaN for a year
    without a forecast), optional ``low`` and ``high``, optional ``onset`` (bool: a state-led
    mass killing began that year).

:func:`forecast_inputs` finds those inputs; :func:`assemble_country_brief` and
:func:`assemble_watchlist` add what the database and the configuration know (assessments,
alerts, actions, the escalation ladder, the response gap) and return frozen values that the
templates render (:mod:`forewarn.reports.render`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.data.countries import iso3_of
from forewarn.errors import ConfigError, NotFound, SchemaError
from forewarn.framework import assessments as fa
from forewarn.framework import drivers as fd
from forewarn.framework.catalogue import Framework, load_framework
from forewarn.i18n import N_
from forewarn.response import actions, gap
from forewarn.response.clock import as_utc
from forewarn.response.ladder import Ladder, load_ladder
from forewarn.store.alerts import list_alerts
from forewarn.store.assessments import load_assessments
from forewarn.store.tables import AlertRow

FORECAST_COLUMNS = (
    "ccode",
    "iso3",
    "country",
    "risk_1y",
    "risk_2y",
    "rank",
    "change",
    "low",
    "high",
)
HISTORY_COLUMNS = ("iso3", "year", "risk_2y")
HISTORY_OPTIONAL = ("low", "high", "onset")
TREND_YEARS = 10
"""How many years before the base year a brief's trend shows."""
TOP_DRIVERS = 8
WATCHLIST_TOP = 30
"""Countries in a watchlist's ranking (the default rules watch the top 30)."""
NEW_ALERT_DAYS = 30
"""A watchlist's "new alerts" were raised at most this many days before it."""
STRUCTURAL_NAME = N_("Structural conditions (region, population, calendar year)")


Pairs = Sequence[tuple[str, float]]


# --- inputs -----------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{what}: missing column {missing[0]!r}")


def check_forecast(frame: pd.DataFrame) -> None:
    """Raise SchemaError unless ``frame`` follows the forecast schema."""
    _require(frame, FORECAST_COLUMNS, "forecast frame")
    if frame["iso3"].duplicated().any():
        raise SchemaError("forecast frame: more than one row for a country")
    if frame["risk_2y"].isna().any():
        raise SchemaError("forecast frame: risk_2y is missing for some country")


def check_history(frame: pd.DataFrame) -> None:
    """Raise SchemaError unless ``frame`` follows the history schema."""
    _require(frame, HISTORY_COLUMNS, "history frame")


@dataclass(frozen=True, eq=False)
class ForecastInputs:
    """One base year's forecast, its drivers and the risk history, as plain data."""

    base_year: int
    forecast: pd.DataFrame
    drivers: Mapping[str, Pairs]
    history: pd.DataFrame
    source: str
    """Who made the forecast, in one line shown on every brief (model and version)."""

    def __post_init__(self) -> None:
        check_forecast(self.forecast)
        check_history(self.history)

    def row(self, iso3: str) -> Mapping[str, Any]:
        """The forecast row of ``iso3``; NotFound when the forecast has no such country."""
        found = self.forecast[self.forecast["iso3"] == iso3]
        if found.empty:
            raise NotFound(f"no forecast for country {iso3!r} in base year {self.base_year}")
        return dict(found.iloc[0])

    def resolve(self, query: str) -> str:
        """The ISO3 code of a country of the forecast, given by ISO3 code or name."""
        text = query.strip()
        for iso3, name in zip(self.forecast["iso3"], self.forecast["country"], strict=True):
            if text.upper() == str(iso3) or text.lower() == str(name).lower():
                return str(iso3)
        try:
            code = iso3_of(text)
        except NotFound:
            raise NotFound(f"unknown country {query!r}") from None
        self.row(code)
        return code


FORECASTS = ("forewarn", "ewp")
"""Whose forecast a brief is made from: forewarn's own model (default), or the Early
Warning Project's published 2025 assessment (base year 2024), for comparison."""


def from_forecasting_stage(
    settings: Settings, base_year: int | None, model: str | None = None
) -> ForecastInputs:
    """forewarn's own forecast from ``base_year`` (None: the panel's last year), the drivers
    of each country, and the risk history up to that base year (the backtest's honest
    forecasts, then the forecast itself)."""
    from forewarn import outlook

    current = outlook.current(settings, base_year, model)
    frame = current.frame
    drivers = {
        str(iso3): [(str(d["feature"]), float(d["value"])) for d in items]
        for iso3, items in zip(frame["iso3"], frame["drivers"], strict=True)
    }
    history = outlook.histories(settings, model)
    history = history[history["year"] <= current.base_year].reset_index(drop=True)
    p = current.provenance
    source = (
        f"forewarn, model {p.model} v{p.model_version} (parameters {p.param_hash[:12]}), "
        f"data {p.data_file} (SHA-256 {p.data_sha256[:12]})"
    )
    return ForecastInputs(current.base_year, frame, drivers, history, source)


def forecast_inputs(
    settings: Settings, base_year: int | None = None, forecast: str = "forewarn"
) -> ForecastInputs:
    """The forecast a brief is made from: ``forecast`` is "forewarn" (the default model) or
    "ewp" (the published EWP assessment, base year 2024 only); ConfigError otherwise."""
    if forecast == "forewarn":
        return from_forecasting_stage(settings, base_year)
    if forecast != "ewp":
        raise ConfigError(f"unknown forecast {forecast!r} (use one of: {', '.join(FORECASTS)})")
    from forewarn.reports.published import PUBLISHED_BASE_YEAR, published_inputs

    if base_year not in (None, PUBLISHED_BASE_YEAR):
        raise NotFound(
            f"no forecast for base year {base_year}: the published EWP assessment has base "
            f"year {PUBLISHED_BASE_YEAR} only"
        )
    return published_inputs(settings)


# --- values -----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _flag(value: Any) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def finite(value: float | None) -> bool:
    """Whether ``value`` is a real number (not None, not NaN)."""
    return value is not None and not math.isnan(value)


@dataclass(frozen=True)
class Risk:
    """A country's risk now: probabilities, rank among ``countries``, change, band."""

    risk_1y: float | None
    risk_2y: float
    rank: int
    countries: int
    change: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class TrendPoint:
    """The two-year risk forecast from one base year, and whether an onset began that year."""

    year: int
    risk_2y: float | None
    low: float | None
    high: float | None
    rank: int | None
    onset: bool


@dataclass(frozen=True)
class Driver:
    """One model feature's contribution to the forecast, in the Framework's terms."""

    feature: str
    label: str
    contribution: float
    factors: tuple[str, ...]


@dataclass(frozen=True)
class ProfileRow:
    """One risk factor's share of the risk-raising contributions (see ``drivers.profile``)."""

    factor: str
    name: str
    raising: float
    net: float


@dataclass(frozen=True)
class FactorFinding:
    """An analyst's score of one risk factor (method: ``framework.assessments.score``)."""

    factor: str
    name: str
    score: float | None
    completeness: float
    judged: int
    total: int
    high: bool


@dataclass(frozen=True)
class EvidenceItem:
    """A non-confidential evidence item, with its Admiralty grades."""

    text: str
    source: str
    date: dt.date
    reliability: str
    credibility: int


@dataclass(frozen=True)
class JudgementNote:
    """An indicator judgement and its non-confidential evidence."""

    indicator: str
    factor: str
    value: str
    evidence: tuple[EvidenceItem, ...]


@dataclass(frozen=True)
class Findings:
    """The latest analyst assessment, without confidential evidence (``withheld`` counts it)."""

    analyst: str
    date: dt.date
    factors: tuple[FactorFinding, ...]
    judgements: tuple[JudgementNote, ...]
    withheld: int


@dataclass(frozen=True)
class AlertLine:
    """An alert and where its response stands."""

    id: int
    iso3: str
    country: str
    level: str
    rule: str
    raised: dt.datetime
    actions: int
    still_open: int
    overdue: int
    days_to_ack: float | None
    days_waiting: float | None


@dataclass(frozen=True)
class ActionLine:
    """An action past its deadline."""

    id: int
    alert_id: int
    title: str
    owner: str
    state: str
    deadline: dt.date


@dataclass(frozen=True)
class Measure:
    """A measure the escalation ladder requires at the country's alert level."""

    id: str
    title: str
    basis: str
    owner: str
    deadline_days: int
    escalates_to: str | None


@dataclass(frozen=True)
class CountryBrief:
    """Everything a country brief says."""

    iso3: str
    country: str
    base_year: int
    generated: dt.datetime
    source: str
    risk: Risk
    trend: tuple[TrendPoint, ...]
    drivers: tuple[Driver, ...]
    profile: tuple[ProfileRow, ...]
    findings: Findings | None
    level: str | None
    alerts: tuple[AlertLine, ...]
    overdue: tuple[ActionLine, ...]
    measures: tuple[Measure, ...]

    @property
    def has_band(self) -> bool:
        """Whether the forecast gives an uncertainty band (now or in any past year)."""
        return any(finite(p.low) and finite(p.high) for p in self.trend)


@dataclass(frozen=True)
class RankRow:
    """One country of a watchlist's ranking."""

    rank: int
    iso3: str
    country: str
    risk_2y: float
    low: float | None
    high: float | None
    change: float | None
    level: str | None


@dataclass(frozen=True)
class Watchlist:
    """Everything a watchlist says."""

    base_year: int
    generated: dt.datetime
    source: str
    countries: int
    rows: tuple[RankRow, ...]
    new_since: dt.date
    new_alerts: tuple[AlertLine, ...]
    gap: gap.GapTotals
    waiting: tuple[AlertLine, ...]

    @property
    def has_band(self) -> bool:
        """Whether the forecast gives an uncertainty band for any country shown."""
        return any(finite(r.low) and finite(r.high) for r in self.rows)


# --- forecast parts ---------------------------------------------------------------------------


def risk_of(inputs: ForecastInputs, iso3: str) -> Risk:
    """The country's risk now."""
    row = inputs.row(iso3)
    return Risk(
        risk_1y=_number(row["risk_1y"]),
        risk_2y=float(row["risk_2y"]),
        rank=int(row["rank"]),
        countries=len(inputs.forecast),
        change=_number(row["change"]),
        low=_number(row["low"]),
        high=_number(row["high"]),
    )


def _history_ranks(history: pd.DataFrame) -> pd.Series:
    return history.groupby("year")["risk_2y"].rank(ascending=False, method="min")


def _point(row: Mapping[Any, Any], rank: Any) -> TrendPoint:
    rank_value = _number(rank)
    return TrendPoint(
        year=int(row["year"]),
        risk_2y=_number(row["risk_2y"]),
        low=_number(row.get("low")),
        high=_number(row.get("high")),
        rank=None if rank_value is None else int(rank_value),
        onset=_flag(row.get("onset")),
    )


def trend_of(inputs: ForecastInputs, iso3: str) -> tuple[TrendPoint, ...]:
    """The country's two-year risk over the last :data:`TREND_YEARS` base years and now."""
    history = inputs.history.assign(_rank=_history_ranks(inputs.history))
    first = inputs.base_year - TREND_YEARS
    mine = history[(history["iso3"] == iso3) & history["year"].between(first, inputs.base_year)]
    points = {int(r["year"]): _point(r, r["_rank"]) for r in mine.to_dict("records")}
    risk = risk_of(inputs, iso3)
    onset = points[inputs.base_year].onset if inputs.base_year in points else False
    points[inputs.base_year] = TrendPoint(
        inputs.base_year, risk.risk_2y, risk.low, risk.high, risk.rank, onset
    )
    return tuple(points[year] for year in sorted(points))


def drivers_of(pairs: Pairs, top: int = TOP_DRIVERS) -> tuple[Driver, ...]:
    """The ``top`` largest contributions (either sign), labelled and mapped to risk factors."""
    chosen = sorted(pairs, key=lambda p: -abs(p[1]))[:top]
    return tuple(Driver(f, fd.label_of(f), float(c), fd.factors_of(f)) for f, c in chosen if c != 0)


def _factor_name(framework: Framework, factor: str) -> str:
    return STRUCTURAL_NAME if factor == fd.STRUCTURAL else framework.factor(factor).name


def profile_of(pairs: Pairs, framework: Framework) -> tuple[ProfileRow, ...]:
    """The risk-factor profile of the forecast's contributions."""
    shares = fd.profile(dict(pairs))
    return tuple(
        ProfileRow(s.factor, _factor_name(framework, s.factor), s.raising, s.net) for s in shares
    )


# --- database parts ---------------------------------------------------------------------------


def _evidence_count(assessment: fa.Assessment) -> int:
    return sum(len(j.evidence) for j in assessment.judgements)


def _notes(assessment: fa.Assessment, framework: Framework) -> tuple[JudgementNote, ...]:
    return tuple(
        JudgementNote(
            j.indicator,
            framework.factor_of(j.indicator),
            j.value,
            tuple(
                EvidenceItem(e.text, e.source, e.date, e.reliability, e.credibility)
                for e in j.evidence
            ),
        )
        for j in assessment.judgements
    )


def findings_of(session: Session, iso3: str, framework: Framework) -> Findings | None:
    """The latest assessment of the country, stripped of confidential evidence."""
    latest = fa.latest_per_country(load_assessments(session, iso3)).get(iso3)
    if latest is None:
        return None
    shown = latest.without_confidential()
    scores = fa.score(shown, framework)
    factors = tuple(
        FactorFinding(f.id, f.name, s.score, s.completeness, s.judged, s.total, s.high)
        for f in framework.factors
        if (s := scores[f.id]).judged
    )
    withheld = _evidence_count(latest) - _evidence_count(shown)
    return Findings(latest.analyst, latest.date, factors, _notes(shown, framework), withheld)


def _alert_line(row: AlertRow, record: gap.AlertGap) -> AlertLine:
    return AlertLine(
        id=row.id,
        iso3=row.iso3,
        country=row.country,
        level=row.level,
        rule=row.rule,
        raised=as_utc(row.created_at),
        actions=record.actions,
        still_open=record.still_open,
        overdue=record.overdue,
        days_to_ack=record.days_to_ack,
        days_waiting=record.days_waiting,
    )


def _alert_lines(session: Session, report: gap.GapReport, iso3: str | None) -> list[AlertLine]:
    """The alerts of ``report`` (of one country, or all) with their records, newest first."""
    records = {g.alert_id: g for g in report.alerts}
    rows = list_alerts(session, iso3=iso3)
    return [_alert_line(r, records[r.id]) for r in rows if r.id in records]


def open_alerts(lines: Sequence[AlertLine]) -> tuple[AlertLine, ...]:
    """The current alert (the newest) and every older one with actions still pending."""
    return tuple(a for n, a in enumerate(lines) if n == 0 or a.still_open)


def overdue_of(
    session: Session, alert_ids: Iterable[int], today: dt.date
) -> tuple[ActionLine, ...]:
    """Actions of these alerts that are past their deadline on ``today``."""
    wanted = set(alert_ids)
    return tuple(
        ActionLine(r.id, r.alert_id, r.title, r.owner, r.state, r.deadline)
        for r in actions.listing(session, overdue_on=today)
        if r.alert_id in wanted
    )


def measures_of(ladder: Ladder, level: str | None) -> tuple[Measure, ...]:
    """The measures the ladder requires for an alert at ``level`` (none without an alert)."""
    if level is None:
        return ()
    return tuple(
        Measure(
            a.id,
            a.title,
            a.basis,
            a.owner,
            a.deadline_days,
            ladder.actions[a.escalates_to].title if a.escalates_to else None,
        )
        for a in ladder.actions_for(level)
    )


# --- assembly ---------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return as_utc(now) if now is not None else dt.datetime.now(dt.UTC)


def assemble_country_brief(
    settings: Settings,
    inputs: ForecastInputs,
    iso3: str,
    session: Session,
    now: dt.datetime | None = None,
) -> CountryBrief:
    """The brief of one country (ISO3 code or name) as of ``now`` (default: now)."""
    moment = _now(now)
    code = inputs.resolve(iso3)
    framework = load_framework()
    pairs = inputs.drivers.get(code, ())
    lines = _alert_lines(session, gap.report(session, moment, country=code), code)
    level = lines[0].level if lines else None
    return CountryBrief(
        iso3=code,
        country=str(inputs.row(code)["country"]),
        base_year=inputs.base_year,
        generated=moment,
        source=inputs.source,
        risk=risk_of(inputs, code),
        trend=trend_of(inputs, code),
        drivers=drivers_of(pairs),
        profile=profile_of(pairs, framework),
        findings=findings_of(session, code, framework),
        level=level,
        alerts=open_alerts(lines),
        overdue=overdue_of(session, [a.id for a in lines], moment.date()),
        measures=measures_of(load_ladder(settings), level),
    )


def _rank_rows(inputs: ForecastInputs, levels: Mapping[str, str], top: int) -> tuple[RankRow, ...]:
    frame = inputs.forecast.sort_values(["rank", "iso3"]).head(top)
    return tuple(
        RankRow(
            int(r["rank"]),
            str(r["iso3"]),
            str(r["country"]),
            float(r["risk_2y"]),
            _number(r["low"]),
            _number(r["high"]),
            _number(r["change"]),
            levels.get(str(r["iso3"])),
        )
        for r in frame.to_dict("records")
    )


def _waiting(lines: Sequence[AlertLine], limit: int = 10) -> tuple[AlertLine, ...]:
    never = [a for a in lines if a.days_to_ack is None]
    return tuple(sorted(never, key=lambda a: (-(a.days_waiting or 0.0), a.id))[:limit])


def assemble_watchlist(
    settings: Settings,
    inputs: ForecastInputs,
    session: Session,
    now: dt.datetime | None = None,
    top: int = WATCHLIST_TOP,
) -> Watchlist:
    """The watchlist as of ``now``: ranking, new alerts and the warning–response gap.

    ``settings`` is not used yet; it keeps the signature alike to
    :func:`assemble_country_brief`'s, so that every caller makes both briefs the same way.
    """
    moment = _now(now)
    report = gap.report(session, moment)
    lines = _alert_lines(session, report, None)
    levels: dict[str, str] = {}
    for line in lines:
        levels.setdefault(line.iso3, line.level)
    since = moment - dt.timedelta(days=NEW_ALERT_DAYS)
    return Watchlist(
        base_year=inputs.base_year,
        generated=moment,
        source=inputs.source,
        countries=len(inputs.forecast),
        rows=_rank_rows(inputs, levels, top),
        new_since=since.date(),
        new_alerts=tuple(a for a in lines if a.raised >= since),
        gap=report.totals,
        waiting=_waiting(lines),
    )
