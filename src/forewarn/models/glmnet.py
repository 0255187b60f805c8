"""``cv.glmnet`` for logistic elastic nets, for one training set or many nested ones at once.

What R does, and what is reproduced here:

* ``set.seed(seed)`` then folds ``sample(rep(seq(nfolds), length = N))`` over the training
  rows in their given order (:mod:`forewarn.models.rrandom`);
* a full-data ``glmnet`` path (standardised predictors, alpha, 100 lambdas down to
  ``1e-4 * lambda_max``, early stop when the deviance ratio stalls) whose lambdas every fold
  then uses;
* the cross-validated binomial deviance: held-out probabilities clipped to
  ``[1e-5, 1 - 1e-5]``, ``-2 * loglik`` averaged over all held-out rows;
* ``lambda.min``: the largest lambda reaching the minimum, and the full-data coefficients
  there.

Nested training sets (every expanding window of a backtest: rows with year <= T) are solved
in one batch, split over worker processes when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from forewarn.models.base import expit
from forewarn.models.enet_path import FloatArray, IntArray, PathBatch, PathResult, solve_path
from forewarn.models.parallel import balanced, fork_map
from forewarn.models.rrandom import cv_folds

PROB_CLIP = 1e-5  # cv.glmnet's clipping of held-out probabilities


@dataclass(frozen=True)
class GlmnetOptions:
    """The arguments of EWP's ``cv.glmnet`` call (R defaults otherwise)."""

    alpha: float = 0.5
    nfolds: int = 10
    seed: int = 90035
    nlambda: int = 100
    lambda_min_ratio: float = 1e-4
    thresh: float = 1e-7


@dataclass(frozen=True)
class CVFit:
    """One ``cv.glmnet`` result: the path, its CV deviance and the fit at ``lambda.min``."""

    lambdas: FloatArray
    cv_deviance: FloatArray
    index_min: int
    intercept: float
    coef: FloatArray

    @property
    def lambda_min(self) -> float:
        return float(self.lambdas[self.index_min])


@dataclass(frozen=True)
class _Windows:
    """Nested training sets laid out as leading slices of one year-sorted design."""

    x: FloatArray  # rows sorted by year (stable)
    y: FloatArray
    rows: IntArray  # rows of each window
    folds: tuple[IntArray, ...]  # fold id per sorted row of each window


def cv_glmnet(x: FloatArray, y: FloatArray, options: GlmnetOptions) -> CVFit:
    """``cv.glmnet`` on one training set (rows in the order R would see them)."""
    return cv_glmnet_nested(x, y, np.zeros(len(y)), [0], options)[0]


def cv_glmnet_nested(
    x: FloatArray,
    y: FloatArray,
    years: npt.ArrayLike,
    ends: Sequence[int],
    options: GlmnetOptions,
    workers: int = 1,
) -> list[CVFit]:
    """``cv.glmnet`` on each training set ``years <= end`` (rows in R's order)."""
    year = np.asarray(years, dtype=np.int64)
    windows = _layout(np.asarray(x, float), np.asarray(y, float), year, ends, options)
    groups = balanced(windows.rows, workers)
    parts = fork_map(_solve_group, (windows, options), groups, workers)
    fits: dict[int, CVFit] = {}
    for group, part in zip(groups, parts, strict=True):
        fits.update(zip(group, part, strict=True))
    return [fits[i] for i in range(len(ends))]


def _layout(
    x: FloatArray, y: FloatArray, years: npt.NDArray[np.int64], ends: Sequence[int],
    options: GlmnetOptions,
) -> _Windows:  # fmt: skip
    order = np.argsort(years, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    rows, folds = [], []
    for end in ends:
        members = np.flatnonzero(years <= end)
        fold = np.empty(len(members), dtype=np.intp)
        fold[rank[members]] = cv_folds(len(members), options.nfolds, options.seed)
        rows.append(len(members))
        folds.append(fold)
    return _Windows(x[order], y[order], np.asarray(rows, dtype=np.intp), tuple(folds))


def _solve_group(shared: tuple[_Windows, GlmnetOptions], group: list[int]) -> list[CVFit]:
    windows, options = shared
    path = solve_path(_batch(windows, group, options))
    return [_cv_fit(windows, path, i, w, options) for i, w in enumerate(group)]


def _batch(windows: _Windows, group: list[int], options: GlmnetOptions) -> PathBatch:
    n = int(windows.rows[group].max())
    weights: list[FloatArray] = []
    block: list[int] = []
    reference: list[int] = []
    for b, w in enumerate(group):
        rows, fold = int(windows.rows[w]), windows.folds[w]
        reference.append(len(weights))
        for k in range(options.nfolds + 1):
            row_weights = np.zeros(n)
            row_weights[:rows] = fold != k  # k = 0: the full fit (no fold is 0)
            weights.append(row_weights)
            block.append(b)
    return PathBatch(
        windows.x[:n], windows.y[:n], np.asarray(weights), np.asarray(block, dtype=np.intp),
        windows.rows[group], np.asarray(reference, dtype=np.intp), options.alpha,
        options.nlambda, options.lambda_min_ratio, options.thresh,
        center=windows.x.mean(axis=0), spread=windows.x.std(axis=0),
    )  # fmt: skip


def _cv_fit(windows: _Windows, path: PathResult, b: int, w: int, options: GlmnetOptions) -> CVFit:
    length = int(path.length[b])
    ref = b * (options.nfolds + 1)
    total = np.zeros(length)
    x, y = windows.x[: windows.rows[w]], windows.y[: windows.rows[w]]
    for k in range(1, options.nfolds + 1):
        held = windows.folds[w] == k
        eta = path.intercepts[ref + k, :length] + x[held] @ path.coefs[ref + k, :length].T
        prob = np.clip(expit(eta), PROB_CLIP, 1.0 - PROB_CLIP)
        yk = y[held, None]
        total += -2.0 * (yk * np.log(prob) + (1.0 - yk) * np.log(1.0 - prob)).sum(axis=0)
    cvm = total / len(y)
    best = int(np.flatnonzero(cvm <= cvm.min())[0])
    return CVFit(path.lambdas[b, :length].copy(), cvm, best,
                 float(path.intercepts[ref, best]), path.coefs[ref, best].copy())  # fmt: skip
