"""A stand-in for the forecasting stage (``forewarn.outlook``) made from published numbers.

The dashboard reads its forecast only through ``forewarn.outlook.current_forecast``,
``forewarn.outlook.risk_history`` and, for case replays, ``forewarn.outlook.provider``; the
briefs it offers for download through ``forewarn.outlook.current`` and
``forewarn.outlook.histories``. The web tests install this stand-in in their place so that
they test the dashboard, not the model: the Early Warning Project's published 2025
assessment (base year 2024, 168 countries, with its drivers), read from the data mirror
by :mod:`forewarn.reports.published`, and a risk history derived from it with a band and
onsets that the tests can look for.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from forewarn.config import Settings
from forewarn.errors import NotFound
from forewarn.framework.drivers import baseline_of, label_of, profile, top_drivers
from forewarn.warning.alerts import Provenance

BASE_YEAR = 2024
HISTORY_YEARS = range(2005, 2025)
ONSETS = {"MMR": (2016, 2021), "SDN": (2023,), "NGA": (2009, 2010, 2012)}
"""Years the stand-in history marks as onsets (the tests look for these)."""


@cache
def _published(mirror: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    from forewarn.reports.published import published_inputs

    inputs = published_inputs(Settings(data_mirror=mirror))
    return inputs.forecast.copy(), dict(inputs.contributions)


def forecast_of(settings: Settings) -> pd.DataFrame:
    """The published forecast in the schema of ``current_forecast``, with a band."""
    frame, contributions = _published(str(settings.data_mirror))
    frame = frame.copy()
    frame.insert(3, "base_year", BASE_YEAR)
    frame["risk_2y_prev"] = frame["risk_2y"] - frame["change"]
    frame["low"] = frame["risk_2y"] * 0.7
    frame["high"] = frame["risk_2y"] * 1.4
    every = [dict(contributions.get(iso3, [])) for iso3 in frame["iso3"]]
    frame["drivers"] = [
        [{"feature": f, "label": label_of(f), "value": v} for f, v in top_drivers(c)] for c in every
    ]
    frame["baseline"] = [baseline_of(c) for c in every]
    frame["profile"] = [
        [{"factor": r.factor, "raising": r.raising, "net": r.net} for r in profile(c)]
        for c in every
    ]
    frame["top_drivers"] = frame["drivers"]
    return frame


def history_of(settings: Settings, iso3: str) -> pd.DataFrame:
    """A smooth history ending at the published risk, with onsets for MMR, SDN and NGA."""
    frame = forecast_of(settings)
    return _history(iso3, float(frame.loc[frame["iso3"] == iso3, "risk_2y"].iloc[0]))


def _history(iso3: str, risk: float) -> pd.DataFrame:
    rows = []
    for year in HISTORY_YEARS:
        scale = 0.55 + 0.45 * (year - HISTORY_YEARS[0]) / (len(HISTORY_YEARS) - 1)
        value = risk * scale
        rows.append((year, value, value * 0.7, value * 1.4, year in ONSETS.get(iso3, ())))
    return pd.DataFrame(rows, columns=["year", "risk_2y", "low", "high", "onset"])


def module() -> types.ModuleType:
    """A module with the functions of ``forewarn.outlook`` the dashboard calls (the replay
    provider gives the same published forecast for every base year: good for pages, not
    for judging a replay)."""
    stand_in = types.ModuleType("forewarn.outlook")

    def current_forecast(
        settings: Settings, base_year: int | None = None, model: str | None = None
    ) -> pd.DataFrame:
        if base_year not in (None, BASE_YEAR):
            raise NotFound(f"base year {base_year} is not in the stand-in forecast")
        return forecast_of(settings)

    def risk_history(settings: Settings, iso3: str, model: str | None = None) -> pd.DataFrame:
        return history_of(settings, iso3)

    def provider(
        settings: Settings, model: str | None = None, base_years: list[int] | None = None
    ) -> Callable[[int], pd.DataFrame]:
        return lambda base_year: forecast_of(settings).assign(base_year=base_year)

    def current(
        settings: Settings, base_year: int | None = None, model: str | None = None
    ) -> types.SimpleNamespace:
        frame = current_forecast(settings, base_year, model)
        made_by = Provenance("EWP published 2025 assessment (test stand-in)", "0" * 64,
                             "stand-in", "0", "0" * 12, "packaged default", BASE_YEAR)  # fmt: skip
        return types.SimpleNamespace(base_year=BASE_YEAR, frame=frame, provenance=made_by)

    def histories(settings: Settings, model: str | None = None) -> pd.DataFrame:
        frame = forecast_of(settings)
        return pd.concat(
            _history(c, r).assign(iso3=c)
            for c, r in zip(frame["iso3"], frame["risk_2y"], strict=True)
        )

    stand_in.current = current  # type: ignore[attr-defined]
    stand_in.histories = histories  # type: ignore[attr-defined]
    stand_in.current_forecast = current_forecast  # type: ignore[attr-defined]
    stand_in.risk_history = risk_history  # type: ignore[attr-defined]
    stand_in.provider = provider  # type: ignore[attr-defined]
    return stand_in
