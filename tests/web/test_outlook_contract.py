"""The dashboard's contract with the forecasting stage, checked against the real stage.

The other dashboard tests use a stand-in (``standin.py``); this one asks the real
``forewarn.outlook`` for the frames the dashboard reads and checks their columns and types,
so that the stand-in and the stage cannot drift apart unnoticed.
"""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from forewarn.config import Settings

pytestmark = pytest.mark.slow

FORECAST = {"ccode", "iso3", "country", "risk_1y", "risk_2y", "rank", "change", "low", "high",
            "drivers", "profile"}  # fmt: skip
HISTORY = {"year", "risk_2y", "low", "high", "onset"}


def _outlook() -> object:
    try:
        return importlib.import_module("forewarn.outlook")
    except ModuleNotFoundError:
        pytest.skip("the forecasting stage (forewarn.outlook) is not installed yet")


def test_the_real_forecast_has_what_the_dashboard_reads(settings: Settings) -> None:
    outlook = _outlook()
    frame = outlook.current_forecast(settings)  # type: ignore[attr-defined]
    assert isinstance(frame, pd.DataFrame) and set(frame.columns) >= FORECAST
    assert frame["iso3"].is_unique and frame["risk_2y"].between(0, 1).all()
    by_rank = frame.sort_values("rank")
    assert by_rank["rank"].iloc[0] == 1 and by_rank["risk_2y"].is_monotonic_decreasing
    first = by_rank.iloc[0]
    for driver in first["drivers"]:
        assert {"feature", "label", "value"} <= set(driver)
    for row in first["profile"]:
        assert {"factor", "raising", "net"} <= set(row)
    history = outlook.risk_history(settings, str(first["iso3"]))  # type: ignore[attr-defined]
    assert isinstance(history, pd.DataFrame) and set(history.columns) >= HISTORY
    assert history["onset"].map(lambda v: isinstance(v, bool) or v in (0, 1)).all()


def test_the_real_stage_gives_what_the_briefs_read(settings: Settings) -> None:
    outlook = _outlook()
    current = outlook.current(settings)  # type: ignore[attr-defined]
    assert isinstance(current.base_year, int) and set(current.frame.columns) >= FORECAST
    provenance = current.provenance
    assert provenance.model and provenance.model_version and len(provenance.data_sha256) == 64
    histories = outlook.histories(settings)  # type: ignore[attr-defined]
    assert set(histories.columns) >= HISTORY | {"iso3"}
    assert histories["year"].max() == current.base_year
