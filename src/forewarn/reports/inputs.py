"""The forecast a brief is made from, as plain data, and the schemas it follows.

Briefs do not depend on how a forecast was made: it comes in as a :class:`ForecastInputs`
whose frames follow these schemas (checked by :func:`check_forecast` and
:func:`check_history`):

``forecast`` — one row per country, for one base year Y:
    ``ccode`` (int or missing), ``iso3`` (str), ``country`` (display name), ``risk_1y``
    (probability of an onset in Y+1), ``risk_2y`` (in Y+1 or Y+2), ``rank`` (1 = highest
    ``risk_2y``), ``change`` (``risk_2y`` minus last year's; NaN when unknown), ``low`` and
    ``high`` (uncertainty band of ``risk_2y``; NaN when the model gives none).
``contributions`` — per ISO3 code, every feature's ``(feature, contribution)`` on the
    log-odds scale (see :mod:`forewarn.framework.drivers`): all of them, since the
    risk-factor profile is made from all of them and the drivers are the largest.
``history`` — one row per country and year: ``iso3``, ``year``, ``risk_2y`` (NaN for a year
    without a forecast), optional ``low`` and ``high``, optional ``onset`` (bool: a state-led
    mass killing began that year).

Who makes them: :mod:`forewarn.reports.forecasts` (forewarn's own forecast, or the
published EWP assessment of :mod:`forewarn.reports.published`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from forewarn.data.countries import iso3_of
from forewarn.errors import NotFound, SchemaError
from forewarn.i18n import N_

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

Pairs = Sequence[tuple[str, float]]
"""A forecast's contributions: ``(feature, contribution on the log-odds scale)``."""


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


MODEL_SOURCE = N_(
    "forewarn, model %(model)s v%(version)s (parameters %(parameters)s), "
    "data %(file)s (SHA-256 %(sha)s)"
)
"""The source line of forewarn's own forecast (:mod:`forewarn.reports.forecasts`)."""
PUBLISHED_SOURCE = N_(
    "Early Warning Project, published statistical risk assessment 2025 (base year 2024)"
)
"""The source line of EWP's published forecast (:mod:`forewarn.reports.published`)."""
SOURCES = (MODEL_SOURCE, PUBLISHED_SOURCE)
"""The source lines a brief translates (:func:`forewarn.i18n.translate_filled`)."""


@dataclass(frozen=True, eq=False)
class ForecastInputs:
    """One base year's forecast, every country's contributions and the risk history."""

    base_year: int
    forecast: pd.DataFrame
    contributions: Mapping[str, Pairs]
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
