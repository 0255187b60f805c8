"""The batched path solver: glmnet's objective (checked against glum) and glmnet's path."""

from __future__ import annotations

import numpy as np
import pytest
from glum import GeneralizedLinearRegressor

from forewarn.data.panel import Panel
from forewarn.data.schema import OUTCOMES, PREDICTORS
from forewarn.models.enet_path import PathBatch, PathResult, solve_path


@pytest.fixture(scope="module")
def window(panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    frame = panel.frame
    rows = frame[list(PREDICTORS) + list(OUTCOMES)].notna().all(axis=1) & (frame["year"] <= 1995)
    x = frame.loc[rows, list(PREDICTORS)].to_numpy(float)
    return x, frame.loc[rows, "mk_onset_1or2"].to_numpy(float)


@pytest.fixture(scope="module")
def path(window: tuple[np.ndarray, np.ndarray]) -> PathResult:
    x, y = window
    one = np.zeros(1, dtype=np.intp)
    return solve_path(PathBatch(x, y, np.ones((1, len(y))), one, np.array([len(y)]), one))


def test_path_starts_at_lambda_max_and_is_log_spaced(path: PathResult) -> None:
    lambdas = path.lambdas[0, : path.length[0]]
    assert np.all(path.coefs[0, 0] == 0)  # lambda_max: every coefficient zero
    assert np.any(path.coefs[0, 1] != 0)  # the next lambda lets one in
    ratios = lambdas[1:] / lambdas[:-1]
    assert np.allclose(ratios, 1e-4 ** (1 / 99))


def test_path_stops_when_deviance_ratio_stalls(path: PathResult) -> None:
    n = int(path.length[0])
    ratio = path.dev_ratio[0, :n]
    assert 5 <= n < 100
    assert ratio[n - 1] - ratio[n - 2] < 1e-5  # glmnet's fdev rule
    assert np.all(np.diff(ratio[: n - 1]) >= 1e-5)


@pytest.mark.parametrize("index", [3, 15, 30])
def test_solutions_match_glum(
    window: tuple[np.ndarray, np.ndarray], path: PathResult, index: int
) -> None:
    x, y = window
    lam = float(path.lambdas[0, index])
    reference = GeneralizedLinearRegressor(
        family="binomial", alpha=lam, l1_ratio=0.5, scale_predictors=True, gradient_tol=1e-10
    ).fit(x, y)
    scale = x.std(axis=0)
    assert np.max(np.abs((reference.coef_ - path.coefs[0, index]) * scale)) < 2e-3
    eta_ours = path.intercepts[0, index] + x @ path.coefs[0, index]
    eta_glum = reference.intercept_ + x @ reference.coef_
    assert np.max(np.abs(eta_ours - eta_glum)) < 2e-2


def test_weights_zero_rows_out(window: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = window
    n = len(y)
    keep = np.arange(n) % 3 != 0
    weights = np.vstack([np.ones(n), keep.astype(float)])
    ids, one = np.array([0, 1]), np.zeros(1, np.intp)
    two = solve_path(PathBatch(x, y, weights, ids, np.array([n, n]), ids, nlambda=20,
                               lambda_min_ratio=0.05))  # fmt: skip
    rows = np.array([keep.sum()])
    alone = solve_path(PathBatch(x[keep], y[keep], np.ones((1, keep.sum())), one, rows, one,
                                 nlambda=20, lambda_min_ratio=0.05))  # fmt: skip
    k = int(min(two.length[1], alone.length[0])) - 1
    assert np.allclose(two.coefs[1, k], alone.coefs[0, k], atol=1e-3)
