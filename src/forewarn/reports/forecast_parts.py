"""The parts of a country brief read from the forecast: risk now, trend, drivers, the
structural baseline and the risk-factor profile.

Drivers, baseline and profile are read from every contribution of the forecast with the
functions every interface uses (:mod:`forewarn.framework.drivers`), so a brief shows the
profile the dashboard, ``forewarn plot factors`` and the alert snapshot show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from forewarn.framework import drivers as fd
from forewarn.framework.catalogue import Framework
from forewarn.i18n import N_
from forewarn.reports.inputs import ForecastInputs, Pairs
from forewarn.reports.values import Driver, ProfileRow, Risk, TrendPoint

TREND_YEARS = 10
"""How many years before the base year a brief's trend shows."""
STRUCTURAL_NAME = N_("Structural conditions (region, population, calendar year)")


def optional_number(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing (None or NaN)."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _flag(value: Any) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def risk_of(inputs: ForecastInputs, iso3: str) -> Risk:
    """The country's risk now."""
    row = inputs.row(iso3)
    return Risk(
        risk_1y=optional_number(row["risk_1y"]),
        risk_2y=float(row["risk_2y"]),
        rank=int(row["rank"]),
        countries=len(inputs.forecast),
        change=optional_number(row["change"]),
        low=optional_number(row["low"]),
        high=optional_number(row["high"]),
    )


def _history_ranks(history: pd.DataFrame) -> pd.Series:
    return history.groupby("year")["risk_2y"].rank(ascending=False, method="min")


def _point(row: Mapping[Any, Any], rank: Any) -> TrendPoint:
    rank_value = optional_number(rank)
    return TrendPoint(
        year=int(row["year"]),
        risk_2y=optional_number(row["risk_2y"]),
        low=optional_number(row.get("low")),
        high=optional_number(row.get("high")),
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


def drivers_of(pairs: Pairs, top: int = fd.TOP_DRIVERS) -> tuple[Driver, ...]:
    """The ``top`` largest contributions (either sign, baseline terms left out), labelled
    and mapped to risk factors."""
    chosen = fd.top_drivers(dict(pairs), top)
    return tuple(Driver(f, fd.label_of(f), c, fd.factors_of(f)) for f, c in chosen)


def baseline_value(pairs: Pairs) -> float | None:
    """The structural baseline of the contributions (None when there are none)."""
    return fd.baseline_of(dict(pairs)) if pairs else None


def _factor_name(framework: Framework, factor: str) -> str:
    return STRUCTURAL_NAME if factor == fd.STRUCTURAL else framework.factor(factor).name


def profile_of(pairs: Pairs, framework: Framework) -> tuple[ProfileRow, ...]:
    """The risk-factor profile of all the forecast's contributions."""
    shares = fd.profile(dict(pairs))
    return tuple(
        ProfileRow(s.factor, _factor_name(framework, s.factor), s.raising, s.net) for s in shares
    )
