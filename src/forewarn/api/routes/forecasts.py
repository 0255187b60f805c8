"""``/api/forecasts``: every country's current forecast, from the forecasting stage.

A forecast not computed yet is computed off the request path (:mod:`forewarn.api.computing`).

The forecast comes from :func:`forewarn.outlook.current_forecast` and a country's risk
history from :func:`forewarn.outlook.risk_history` (which keep their results on disk); both
are read once per app and argument set and then shared (the dashboard reads them through
:func:`forecast_frame` and :func:`history_frame` as well). The JSON of these read-only
resources is encoded once and then served as bytes. Missing numbers (an unknown change, no
uncertainty band) are ``null`` in JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Response

from forewarn.api.computing import COMPUTING, ready
from forewarn.api.context import ApiContext
from forewarn.api.deps import ContextDep, Viewer

router = APIRouter(prefix="/api/forecasts", tags=["forecasts"])

BaseYear = Annotated[
    int | None, Query(ge=1945, le=2100, description="Base year of the forecast; default: latest.")
]
Model = Annotated[
    str | None, Query(max_length=100, description="Model name; default: the stage's default.")
]


Job = tuple[str, Callable[[], pd.DataFrame], str]
"""A computation: its cache name, how to compute it, and what it is, for people."""


def forecast_job(context: ApiContext, base_year: int | None, model: str | None) -> Job:
    def load() -> pd.DataFrame:
        from forewarn import outlook  # imported on first use: it loads the modelling stack

        return outlook.current_forecast(context.settings, base_year=base_year, model=model)

    what = f"the forecast from base year {base_year or 'latest'} (model {model or 'default'})"
    return f"outlook.forecast:{base_year}:{model}", load, what


def history_job(context: ApiContext, iso3: str, model: str | None) -> Job:
    def load() -> pd.DataFrame:
        from forewarn import outlook

        return outlook.risk_history(context.settings, iso3, model=model)

    return f"outlook.history:{iso3}:{model}", load, f"the risk history of {iso3}"


def forecast_frame(
    context: ApiContext, base_year: int | None = None, model: str | None = None
) -> pd.DataFrame:
    """The forecast of every country (one row each), computed once per app and arguments."""
    name, load, _ = forecast_job(context, base_year, model)
    return context.cached(name, load)


def history_frame(context: ApiContext, iso3: str, model: str | None = None) -> pd.DataFrame:
    """One country's risk history (year, risk_2y, low, high, onset), computed once."""
    name, load, _ = history_job(context, iso3, model)
    return context.cached(name, load)


def base_year_of(frame: pd.DataFrame, asked: int | None) -> int | None:
    """The base year of a forecast frame: as the stage records it, else as asked."""
    if "base_year" in frame.columns and len(frame):
        return int(frame["base_year"].iloc[0])
    return asked


def plain(value: Any) -> Any:
    """``value`` as a JSON value: NumPy scalars unwrapped, NaN and NA as None, lists kept."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return plain(value.tolist())
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON objects."""
    return [plain(row) for row in frame.to_dict("records")]


def ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast ordered by rank (1 = highest two-year risk), then ISO3 code."""
    return frame.sort_values(["rank", "iso3"], kind="stable")


COLUMNS = ("ccode", "iso3", "country", "risk_1y", "risk_2y", "rank", "change", "low", "high")
"""What every forecast item carries (``null`` for a missing number)."""
DETAILS = ("drivers", "profile")


@router.get("", response_model=dict[str, Any], responses=COMPUTING)
async def forecasts(
    user: Viewer,
    context: ContextDep,
    base_year: BaseYear = None,
    model: Model = None,
    details: Annotated[
        bool, Query(description="Include each country's drivers and risk-factor profile.")
    ] = False,
) -> Response:
    """Every country's forecast, highest two-year risk first: probabilities of an onset
    within one and two years, rank, change since last year and uncertainty band (and, with
    ``details``, the drivers and risk-factor profile that ``/api/countries/{iso3}`` gives).

    A forecast nobody asked for before is computed in the background: 202 with
    ``Retry-After`` while it is (see ``docs/api.md``)."""
    pending = await ready(context, *forecast_job(context, base_year, model))
    if pending is not None:
        return pending

    def build() -> dict[str, Any]:
        source = forecast_frame(context, base_year, model)
        frame = ranked(source)[[*COLUMNS, *(DETAILS if details else ())]]
        return {
            "base_year": base_year_of(source, base_year),
            "model": model,
            "total": len(frame),
            "items": records(frame),
        }

    return await context.json_response(f"forecasts:{base_year}:{model}:{details}", build)
