"""What a country brief and a watchlist say, as frozen values the templates render."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from forewarn.response import gap


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
    """One model feature's contribution to the forecast, in the Framework's terms (``label``
    in English, from ``drivers.toml``; templates show ``feature|driver`` in their language)."""

    feature: str
    label: str
    contribution: float
    factors: tuple[str, ...]


@dataclass(frozen=True)
class ProfileRow:
    """One risk factor's share of the risk-raising contributions
    (:func:`forewarn.framework.drivers.profile`, over all contributions)."""

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
    baseline: float | None
    """The structural baseline (region and calendar-year terms, log-odds); None without
    contributions."""
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
