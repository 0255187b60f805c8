"""The Early Warning Project's published forecast (base year 2024) as brief inputs.

A point of comparison for forewarn's own forecast (``forewarn report ... --forecast ewp``).
What it gives:

* ``risk_2y`` and ``risk_1y``: EWP's published probabilities of an onset in 2025-2026 and in
  2025, and their rank; ``change``: minus last year's published 2024-2025 forecast.
* No uncertainty band (EWP publishes none): ``low`` and ``high`` are missing.
* Contributions: each predictor's on the log-odds scale relative to the average country of
  2024, coefficient × (value − mean), from the published elastic-net coefficients (on the
  predictors' own scale: they reproduce the published risks' logits up to a constant). The
  region and calendar-year terms among them are the structural baseline, not drivers
  (:mod:`forewarn.framework.drivers`).
* History: the two published two-year forecasts (base years 2023 and 2024) and the panel's
  onsets (``mk_onset``) of every year. Only the panel's identifiers and onsets are read (the
  file is hash-checked by the registry; validating all 39 predictors is the forecasting
  stage's work).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.countries import countries_of
from forewarn.reports.inputs import PUBLISHED_SOURCE, ForecastInputs, Pairs

PUBLISHED_BASE_YEAR = 2024
SOURCE = PUBLISHED_SOURCE
_RISK_2Y = "risk.2025and2026.from2024"
_RISK_1Y = "risk.2025only.from2024"
_RANK = "rank.2025and2026.from2025"
_LAST_YEAR = "risk.2024and2025.from2023"


def _coefficients(settings: Settings) -> pd.Series:
    frame = pd.read_csv(registry.fetch("ewp-coefficients", settings))
    series = frame.set_index("variable")["coef.full"].astype(float)
    return series.drop("(Intercept)")


def _contributions(published: pd.DataFrame, coefficients: pd.Series) -> dict[str, Pairs]:
    used = coefficients[coefficients != 0]
    values = published[list(used.index)].astype(float)
    contributions = (values - values.mean()) * used
    return {
        str(iso3): [(str(k), float(v)) for k, v in row.items() if v != 0 and not np.isnan(v)]
        for iso3, row in zip(published["iso3"], contributions.to_dict("records"), strict=True)
    }


def _forecast(published: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ccode": published["ccode"].astype(int),
            "iso3": published["iso3"],
            "country": published["country"],
            "risk_1y": published[_RISK_1Y].astype(float),
            "risk_2y": published[_RISK_2Y].astype(float),
            "rank": published[_RANK].astype(int),
            "change": published[_RISK_2Y] - published[_LAST_YEAR],
            "low": np.nan,
            "high": np.nan,
        }
    )


def _history(published: pd.DataFrame, panel: pd.DataFrame, iso3: pd.Series) -> pd.DataFrame:
    onsets = pd.DataFrame(
        {
            "iso3": panel["ccode"].map(iso3),
            "year": panel["year"].astype(int),
            "onset": panel["mk_onset"].fillna(0).astype(bool),
        }
    )
    risks = pd.concat(
        [
            pd.DataFrame({"iso3": published["iso3"], "year": year, "risk_2y": published[column]})
            for year, column in (
                (PUBLISHED_BASE_YEAR - 1, _LAST_YEAR),
                (PUBLISHED_BASE_YEAR, _RISK_2Y),
            )
        ]
    )
    merged = onsets.merge(risks, on=["iso3", "year"], how="outer")
    merged["onset"] = merged["onset"].fillna(False).astype(bool)
    return merged.sort_values(["iso3", "year"]).reset_index(drop=True)


def published_inputs(settings: Settings) -> ForecastInputs:
    """The published EWP forecast, its contributions and history, ready for a brief."""
    panel = pd.read_csv(
        registry.fetch("ewp-panel", settings), usecols=["ccode", "ewp_name", "year", "mk_onset"]
    )
    countries = countries_of(panel)
    iso3 = pd.Series({code: c.iso3 for code, c in countries.items()})
    names = pd.Series({code: c.name for code, c in countries.items()})
    published = pd.read_csv(registry.fetch("ewp-forecasts", settings))
    published["iso3"] = published["ccode"].map(iso3)
    published["country"] = published["ccode"].map(names).fillna(published["ewp_name"])
    published = published.dropna(subset=["iso3"])
    return ForecastInputs(
        base_year=PUBLISHED_BASE_YEAR,
        forecast=_forecast(published),
        contributions=_contributions(published, _coefficients(settings)),
        history=_history(published, panel, iso3),
        source=SOURCE,
    )
