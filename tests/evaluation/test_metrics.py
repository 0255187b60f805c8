"""Scoring rules against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forewarn.evaluation import metrics


def test_auc_by_hand() -> None:
    # events score 0.9 and 0.4; non-events 0.8, 0.3, 0.1 -> 5 of 6 pairs ordered
    y = [1, 0, 1, 0, 0]
    p = [0.9, 0.8, 0.4, 0.3, 0.1]
    assert metrics.roc_auc(y, p) == pytest.approx(5 / 6)


def test_auc_counts_ties_half_and_skips_missing() -> None:
    assert metrics.roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.7, np.nan]) == pytest.approx(0.75)
    assert math.isnan(metrics.roc_auc([0, 0], [0.1, 0.2]))


def test_brier_and_log_loss_by_hand() -> None:
    y, p = [1, 0, 0, 1], [0.8, 0.2, 0.5, 0.5]
    assert metrics.brier(y, p) == pytest.approx((0.04 + 0.04 + 0.25 + 0.25) / 4)
    expected = -(math.log(0.8) + math.log(0.8) + math.log(0.5) + math.log(0.5)) / 4
    assert metrics.log_loss(y, p) == pytest.approx(expected)


def test_recall_at_k_by_hand() -> None:
    ranks = [1, 12, 25, 31, np.nan, 3]
    y = [1, 1, 1, 1, 1, 0]
    assert metrics.recall_at(ranks, y, 10) == pytest.approx(1 / 5)
    assert metrics.recall_at(ranks, y, 30) == pytest.approx(3 / 5)  # no rank = missed


def test_reliability_bins_by_hand() -> None:
    bins = metrics.reliability([0, 1, 0, 1], [0.001, 0.004, 0.3, 0.9], edges=(0.0, 0.01, 1.0))
    assert [(b.count, b.observed_rate) for b in bins] == [(2, 0.5), (2, 0.5)]
    assert bins[0].mean_forecast == pytest.approx(0.0025)
    assert bins[1].mean_forecast == pytest.approx(0.6)
