"""Whose forecast a brief is made from: forewarn's own (default) or the Early Warning
Project's published 2025 assessment (base year 2024), for comparison."""

from __future__ import annotations

from forewarn.config import Settings
from forewarn.errors import ConfigError, NotFound
from forewarn.reports.inputs import MODEL_SOURCE, ForecastInputs, Pairs
from forewarn.reports.published import PUBLISHED_BASE_YEAR, published_inputs

FORECASTS = ("forewarn", "ewp")
"""The forecasts a brief can be made from (``forecast_inputs``'s ``forecast``)."""


def from_forecasting_stage(
    settings: Settings, base_year: int | None, model: str | None = None
) -> ForecastInputs:
    """forewarn's own forecast from ``base_year`` (None: the panel's last year), every
    country's contributions, and the risk history up to that base year (the backtest's
    honest forecasts, then the forecast itself)."""
    from forewarn import outlook

    current = outlook.current(settings, base_year, model)
    frame = current.frame
    table = current.result.contributions
    contributions: dict[str, Pairs] = {}
    features = [str(f) for f in table.columns]
    for iso3, ccode in zip(frame["iso3"], frame["ccode"], strict=True):
        values = table.loc[int(ccode)].to_numpy(dtype=float)
        contributions[str(iso3)] = list(zip(features, map(float, values), strict=True))
    history = outlook.histories(settings, model)
    history = history[history["year"] <= current.base_year].reset_index(drop=True)
    p = current.provenance
    source = MODEL_SOURCE % {
        "model": p.model,
        "version": p.model_version,
        "parameters": p.param_hash[:12],
        "file": p.data_file,
        "sha": p.data_sha256[:12],
    }
    return ForecastInputs(current.base_year, frame, contributions, history, source)


def forecast_inputs(
    settings: Settings, base_year: int | None = None, forecast: str = "forewarn"
) -> ForecastInputs:
    """The forecast a brief is made from: ``forecast`` is "forewarn" (the default model) or
    "ewp" (the published EWP assessment, base year 2024 only); ConfigError otherwise."""
    if forecast == "forewarn":
        return from_forecasting_stage(settings, base_year)
    if forecast != "ewp":
        raise ConfigError(f"unknown forecast {forecast!r} (use one of: {', '.join(FORECASTS)})")
    if base_year not in (None, PUBLISHED_BASE_YEAR):
        raise NotFound(
            f"no forecast for base year {base_year}: the published EWP assessment has base "
            f"year {PUBLISHED_BASE_YEAR} only"
        )
    return published_inputs(settings)
