"""The published EWP model's backtest, pinned: speed work must leave its results as they are.

The figures were recorded from this implementation (which reproduces EWP's published AUC
0.825 and 27 of 39 onsets caught at 30, and R/glmnet's forecasts on the same protocol:
``benchmarks/reference_glmnet.R``). Ranks are pinned exactly; probabilities to one part in
a billion, the noise of a different summation order in floating point.
"""

from __future__ import annotations

import pytest

from forewarn.data.panel import Panel
from forewarn.evaluation.backtest import BacktestResult, run_backtest
from forewarn.models.registry import get_model

RTOL = 1e-9
TOP = {1993: (700, 0.3191303620753769), 2005: (750, 0.10330943257799467),
       2023: (483, 0.1277848582035533)}  # fmt: skip  # year: (ccode ranked first, its risk)


@pytest.fixture(scope="module")
def ewp(panel: Panel) -> BacktestResult:
    return run_backtest(get_model("ewp-elasticnet"), panel.frame)


def test_the_metrics_are_the_recorded_ones(ewp: BacktestResult) -> None:
    m = ewp.metrics
    assert (m.onsets, m.scored, m.caught_at_30) == (39, 5032, 27)
    assert m.auc == pytest.approx(0.825311846841989, rel=1e-12)  # ranks only: exact
    assert m.brier == pytest.approx(0.00860666042600117, rel=RTOL)
    assert m.log_loss == pytest.approx(0.05048991205710175, rel=RTOL)


def test_the_forecasts_are_the_recorded_ones(ewp: BacktestResult) -> None:
    predictions = ewp.predictions
    assert len(predictions) == 5032
    assert predictions["risk"].sum() == pytest.approx(123.65456517148019, rel=RTOL)
    for year, (ccode, risk) in TOP.items():
        first = predictions[(predictions["year"] == year) & (predictions["rank"] == 1)]
        assert first["ccode"].tolist() == [ccode]
        assert float(first["risk"].iloc[0]) == pytest.approx(risk, rel=RTOL)
