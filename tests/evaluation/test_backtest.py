"""The EWP fully out-of-sample backtest: reproduction, leakage guard, determinism, cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from forewarn.data.panel import Panel
from forewarn.evaluation.backtest import BacktestResult, run_backtest
from forewarn.evaluation.cache import cached, result_key
from forewarn.evaluation.splits import (
    LeakageError,
    RollingOrigin,
    StepRecord,
    check_no_leakage,
    ewp_origins,
)
from forewarn.models import get_model, sklearn_spec


@pytest.fixture(scope="module")
def ewp(panel: Panel) -> BacktestResult:
    return run_backtest(get_model("ewp-elasticnet"), panel.frame)


def test_reproduces_ewp_published_backtest(ewp: BacktestResult) -> None:
    m = ewp.metrics
    assert m.onsets == 39
    assert abs(m.auc - 0.825) <= 0.01
    assert abs(m.caught_at_30 - 27) <= 2
    assert m.recall_at_30 == pytest.approx(m.caught_at_30 / 39)
    # measured: AUC 0.8253, 27 of 39, as published
    assert round(m.auc, 3) == 0.825 and m.caught_at_30 == 27


def test_protocol_shape(ewp: BacktestResult) -> None:
    assert [s.origin.train_end for s in ewp.steps] == list(range(1991, 2022))
    assert set(ewp.predictions["year"]) == set(range(1993, 2024))
    assert ewp.scores["year"].min() == 1994 and ewp.scores["year"].max() == 2024
    summary = ewp.summary()
    assert summary["protocol"] == "ewp-foos" and len(summary["onset_list"]) == 39
    assert sum(b["count"] for b in summary["reliability"]) == summary["scored"]


def test_every_window_ends_at_its_origin(ewp: BacktestResult) -> None:
    check_no_leakage(ewp.steps)
    for step in ewp.steps:
        assert step.last_train_year == step.origin.train_end
        assert step.first_train_year == 1960


def test_guard_refuses_a_window_with_a_later_year() -> None:
    bad = StepRecord(RollingOrigin(2000), 1960, 2001, 100, 10)
    with pytest.raises(LeakageError, match="step 2000: trained on year 2001"):
        check_no_leakage([StepRecord(RollingOrigin(1999), 1960, 1999, 90, 10), bad])


@dataclass(frozen=True, order=True)
class LeakyOrigin(RollingOrigin):
    """A deliberately wrong split: its window takes in the year after the origin."""

    def train_mask(self, years: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(np.asarray(years) <= self.train_end + 1, dtype=bool)


def test_guard_catches_an_injected_leaky_window(panel: Panel) -> None:
    spec = sklearn_spec("logit", LogisticRegression(max_iter=300))
    origins = [RollingOrigin(1999), LeakyOrigin(2000)]
    with pytest.raises(LeakageError, match="step 2000: trained on year 2001"):
        run_backtest(spec, panel.frame, origins, workers=1)
    run_backtest(spec, panel.frame, origins[:1], workers=1)  # the honest one passes


def test_deterministic(ewp: BacktestResult, panel: Panel) -> None:
    again = run_backtest(get_model("ewp-elasticnet"), panel.frame)
    pd.testing.assert_frame_equal(ewp.predictions, again.predictions, check_exact=True)
    assert ewp.metrics == again.metrics
    serial = run_backtest(get_model("ewp-elasticnet"), panel.frame, workers=1)
    assert np.allclose(serial.predictions["risk"], ewp.predictions["risk"], rtol=1e-12)


def test_cache_returns_what_a_fresh_run_computes(
    ewp: BacktestResult, panel: Panel, tmp_path: Path
) -> None:
    spec = get_model("ewp-elasticnet")
    key = result_key(spec, panel.sha256, protocol="ewp-foos")
    assert key == result_key(spec, panel.sha256, protocol="ewp-foos")
    assert key != result_key(spec, "0" * 64, protocol="ewp-foos")
    first = cached(tmp_path, "backtest", key, lambda: ewp)
    second = cached(tmp_path, "backtest", key, lambda: pytest.fail("recomputed"))
    pd.testing.assert_frame_equal(first.predictions, second.predictions)
    assert second.metrics == ewp.metrics


def test_generic_models_run_per_origin(panel: Panel) -> None:
    spec = sklearn_spec("logit", LogisticRegression(max_iter=300, C=0.05))
    result = run_backtest(spec, panel.frame, ewp_origins(2015, 2017), workers=2)
    assert [s.last_train_year for s in result.steps] == [2015, 2016, 2017]
    assert result.predictions["risk"].between(0, 1).all()


@pytest.mark.slow
def test_default_model_beats_ewp(ewp: BacktestResult, panel: Panel) -> None:
    best = run_backtest(get_model("forewarn-ensemble"), panel.frame)
    check_no_leakage(best.steps)
    assert best.metrics.auc > 0.825 and best.metrics.auc > ewp.metrics.auc
    assert best.metrics.caught_at_30 > 27
    assert best.metrics.brier <= ewp.metrics.brier
