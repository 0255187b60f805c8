"""Forecasts from a base year: EWP's published 2025 forecast reproduced, and the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.panel import Panel
from forewarn.errors import NotFound
from forewarn.models import get_model
from forewarn.models.forecast import ForecastResult, forecast

COLUMNS = ["ccode", "iso3", "country", "base_year", "risk_1y", "risk_2y", "rank",
           "risk_2y_prev", "change", "low", "high", "drivers", "top_drivers"]  # fmt: skip


@pytest.fixture(scope="module")
def ewp(panel: Panel) -> ForecastResult:
    return forecast(get_model("ewp-elasticnet"), panel, 2024, replicates=20)


@pytest.fixture(scope="module")
def published(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    settings = Settings(data_mirror=mirror, cache_dir=tmp_path_factory.mktemp("cache"))
    return pd.read_csv(registry.fetch("ewp-forecasts", settings))


def test_reproduces_ewp_published_2025_forecast(
    ewp: ForecastResult, published: pd.DataFrame
) -> None:
    both = ewp.table.merge(published, on="ccode")
    assert len(both) == len(published) == len(ewp.table)
    spearman = both["risk_2y"].corr(both["risk.2025and2026.from2024"], method="spearman")
    ours = set(ewp.table.nsmallest(10, "rank")["ccode"])
    theirs = set(published.nlargest(10, "risk.2025and2026.from2024")["ccode"])
    assert spearman >= 0.95 and len(ours & theirs) >= 8
    # in fact the reproduction is numerically exact to the published 4 digits
    assert spearman > 0.9999 and ours == theirs
    assert np.abs(both["risk_2y"] - both["risk.2025and2026.from2024"]).max() < 5e-4
    one_year = both["risk_1y"].corr(both["risk.2025only.from2024"], method="spearman")
    previous = both["risk_2y_prev"].corr(both["risk.2024and2025.from2023"], method="spearman")
    assert one_year > 0.99 and previous > 0.99


def test_table_columns_ranks_and_band(ewp: ForecastResult) -> None:
    table = ewp.table
    assert list(table.columns) == COLUMNS
    assert list(table["rank"]) == sorted(table["rank"]) and table["rank"].iloc[0] == 1
    assert table["risk_2y"].is_monotonic_decreasing
    assert table["ccode"].is_unique and len(table) == 168
    assert ((table["low"] <= table["risk_2y"]) & (table["risk_2y"] <= table["high"])).all()
    assert np.allclose(table["change"], table["risk_2y"] - table["risk_2y_prev"], equal_nan=True)
    assert table["drivers"].str.match(r"^[+-]\S+ \d\.\d\d(; [+-]\S+ \d\.\d\d)*$").all()


def test_contributions_explain_the_risk(ewp: ForecastResult) -> None:
    z = ewp.bias + ewp.contributions.sum(axis=1)
    risk = ewp.table.set_index("ccode")["risk_2y"]
    assert np.allclose(1 / (1 + np.exp(-z.loc[risk.index])), risk)
    first = ewp.table.iloc[0]
    top = first["top_drivers"][0]
    assert ewp.contributions.loc[first["ccode"], top["feature"]] == pytest.approx(
        top["contribution"], abs=1e-4
    )


def test_provenance(ewp: ForecastResult, panel: Panel) -> None:
    assert ewp.provenance["panel_sha256"] == panel.sha256
    assert ewp.provenance["train_years"] == [1960, 2022]
    assert len(ewp.provenance["param_hash"]) == 64


@pytest.mark.parametrize("base", [1965, 1968, 1972])
def test_the_default_model_forecasts_from_early_base_years(panel: Panel, base: int) -> None:
    """Windows too short for the blend's inner validation (up to 1972) used to crash with
    KeyError 'year'; the weight then falls back to 0.5, as documented."""
    result = forecast(get_model("forewarn-ensemble"), panel, base, replicates=2)
    assert (result.table["base_year"] == base).all() and len(result.table) > 50
    assert result.table["risk_2y"].between(0, 1).all()


@pytest.mark.parametrize("base", [1950, 1960, 1964, 2025])
def test_base_years_without_enough_history_are_refused_in_one_line(panel: Panel, base: int) -> None:
    with pytest.raises(NotFound, match=rf"cannot forecast from base year {base}: .*1965-2024"):
        forecast(get_model("forewarn-ensemble"), panel, base, replicates=2)
