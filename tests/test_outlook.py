"""The outlook's shared results: one computation behind the forecast, warn, charts and replays."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from forewarn import outlook
from forewarn.config import Settings
from forewarn.data.panel import load_panel
from forewarn.models.registry import get_model

MODEL = "ewp-elasticnet"  # the fast model; the sharing does not depend on the model


@pytest.mark.slow
def test_a_replay_reads_the_backtests_forecasts_that_the_risk_chart_shows(
    settings: Settings,
) -> None:
    forecasts = outlook.provider(settings, model=MODEL, base_years=[2015, 2016])
    frame = forecasts(2016)
    backtest = outlook.backtest_result(settings, get_model(MODEL), load_panel(settings))
    past = backtest.predictions[backtest.predictions["year"] == 2016].set_index("ccode")
    mine = frame.set_index("ccode")
    pd.testing.assert_series_equal(mine["risk_2y"], past["risk"].loc[mine.index],
                                   check_names=False, check_exact=True)  # fmt: skip
    assert (mine["rank"] == past["rank"].loc[mine.index]).all()
    earlier = past.index.intersection(mine.index)
    previous = backtest.predictions[backtest.predictions["year"] == 2015].set_index("ccode")
    assert mine.loc[earlier, "risk_2y_prev"].equals(previous["risk"].reindex(earlier))


def test_years_before_the_backtest_are_computed_in_one_batch(settings: Settings) -> None:
    spec, panel = get_model(MODEL), load_panel(settings)
    table = outlook.replay_forecasts(settings, spec, panel, [1990, 1991, 1992, 1993])
    honest = outlook.honest_forecasts(settings, spec, panel, [1990, 1991, 1992, 1993])
    pd.testing.assert_frame_equal(table, honest[["ccode", "year", "risk", "rank"]])


@pytest.mark.slow
def test_reading_a_stored_forecast_loads_no_estimator_code(settings: Settings) -> None:
    spec, panel = get_model(MODEL), load_panel(settings)
    outlook.forecast_result(settings, spec, panel)  # computed here, or already stored
    probe = (
        "import sys; from forewarn import outlook; from forewarn.config import Settings; "
        "from forewarn.data.panel import load_panel; from forewarn.models.registry import "
        f"get_model; s = Settings(data_mirror={str(settings.data_mirror)!r}, "
        f"cache_dir={str(settings.cache_dir)!r}); "
        f"r = outlook.forecast_result(s, get_model({MODEL!r}), load_panel(s)); "
        "print(len(r.table) > 100, 'sklearn' in sys.modules, 'lightgbm' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "True False False", done.stderr
