"""``/api/countries``: the forecast countries, and one country's forecast with its history."""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
from fastapi import APIRouter

from forewarn.api.deps import ContextDep, Viewer
from forewarn.api.routes.forecasts import (
    COLUMNS,
    DETAILS,
    BaseYear,
    Model,
    base_year_of,
    forecast_frame,
    history_frame,
    plain,
    records,
)
from forewarn.data.countries import iso3_of
from forewarn.errors import NotFound

router = APIRouter(prefix="/api/countries", tags=["countries"])

LISTED = ("iso3", "ccode", "country", "rank", "risk_2y")


def find_row(frame: pd.DataFrame, query: str) -> dict[str, Any]:
    """The forecast row of a country given by ISO3 code or name; NotFound otherwise."""
    text = query.strip()
    codes = frame["iso3"].astype(str)
    found = frame[(codes == text.upper()) | (frame["country"].str.lower() == text.lower())]
    if found.empty:
        with contextlib.suppress(NotFound):
            found = frame[codes == iso3_of(text)]
    if found.empty:
        raise NotFound(f"no forecast for country {query!r}")
    row: dict[str, Any] = plain(found.iloc[0].to_dict())
    return row


@router.get("")
def countries(
    user: Viewer, context: ContextDep, base_year: BaseYear = None, model: Model = None
) -> dict[str, Any]:
    """The countries of the current forecast, by name, with their rank and two-year risk."""
    frame = forecast_frame(context, base_year, model)
    listed = frame[list(LISTED)].sort_values("country", key=lambda s: s.str.lower())
    return {"base_year": base_year_of(frame, base_year), "items": records(listed)}


@router.get("/{iso3}")
def country(
    iso3: str, user: Viewer, context: ContextDep, base_year: BaseYear = None, model: Model = None
) -> dict[str, Any]:
    """One country (ISO3 code or name): its forecast, drivers, risk-factor profile and the
    history of its two-year risk with the uncertainty band and the onsets."""
    frame = forecast_frame(context, base_year, model)
    row = find_row(frame, iso3)
    history = history_frame(context, str(row["iso3"]), model).sort_values("year")
    return {
        "base_year": base_year_of(frame, base_year),
        "model": model,
        **{key: row.get(key) for key in (*COLUMNS, *DETAILS)},
        "history": records(history[[c for c in history.columns if c != "iso3"]]),
    }
