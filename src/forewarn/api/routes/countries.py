"""``/api/countries``: the forecast countries, and one country's forecast with its history."""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from forewarn.api.computing import COMPUTING, ready
from forewarn.api.context import ApiContext
from forewarn.api.deps import ContextDep, Viewer
from forewarn.api.routes.forecasts import (
    COLUMNS,
    DETAILS,
    BaseYear,
    Model,
    base_year_of,
    forecast_frame,
    forecast_job,
    history_frame,
    history_job,
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


@router.get("", response_model=dict[str, Any], responses=COMPUTING)
async def countries(
    user: Viewer, context: ContextDep, base_year: BaseYear = None, model: Model = None
) -> Response:
    """The countries of the current forecast, by name, with their rank and two-year risk
    (202 with ``Retry-After`` while a forecast not asked for before is computed)."""
    pending = await ready(context, *forecast_job(context, base_year, model))
    if pending is not None:
        return pending

    def build() -> dict[str, Any]:
        frame = forecast_frame(context, base_year, model)
        listed = frame[list(LISTED)].sort_values("country", key=lambda s: s.str.lower())
        return {"base_year": base_year_of(frame, base_year), "items": records(listed)}

    return await context.json_response(f"countries:{base_year}:{model}", build)


@router.get("/{iso3}", response_model=dict[str, Any], responses=COMPUTING)
async def country(
    iso3: str, user: Viewer, context: ContextDep, base_year: BaseYear = None, model: Model = None
) -> Response:
    """One country (ISO3 code or name): its forecast, drivers, risk-factor profile and the
    history of its two-year risk with the uncertainty band and the onsets (202 with
    ``Retry-After`` while a forecast or history not asked for before is computed)."""
    pending = await ready(context, *forecast_job(context, base_year, model))
    if pending is not None:
        return pending
    code = iso3.strip().upper()
    known = context.cached_value(f"forecast.codes:{base_year}:{model}")
    if known is None or code not in known:  # a name, or the forecast is not loaded yet
        code = await run_in_threadpool(resolve, context, iso3, base_year, model)
    pending = await ready(context, *history_job(context, code, model))
    if pending is not None:
        return pending

    def build() -> dict[str, Any]:
        frame = forecast_frame(context, base_year, model)
        row = find_row(frame, code)
        history = history_frame(context, code, model).sort_values("year")
        return {
            "base_year": base_year_of(frame, base_year),
            "model": model,
            **{key: row.get(key) for key in (*COLUMNS, *DETAILS)},
            "history": records(history[[c for c in history.columns if c != "iso3"]]),
        }

    return await context.json_response(f"country:{code}:{base_year}:{model}", build)


def resolve(context: ApiContext, query: str, base_year: int | None, model: str | None) -> str:
    """The ISO3 code of the forecast country ``query`` names (code or name); NotFound else.

    Also keeps the forecast's set of codes, which later requests by code check first."""
    frame = forecast_frame(context, base_year, model)
    codes: frozenset[str] = context.cached(
        f"forecast.codes:{base_year}:{model}", lambda: frozenset(frame["iso3"].astype(str))
    )
    text = query.strip().upper()
    return text if text in codes else str(find_row(frame, query)["iso3"])
