"""Scoring rules for binary forecasts (pure functions over arrays).

Each function ignores pairs whose forecast is missing, as pROC and R's ``na.rm`` do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.ArrayLike
EPS = 1e-15


def _pairs(y: Array, p: Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(p, dtype=np.float64)
    keep = ~np.isnan(pp) & ~np.isnan(yy)
    return yy[keep], pp[keep]


def roc_auc(y: Array, p: Array) -> float:
    """Area under the ROC curve: P(score of a random event > a random non-event), ties 1/2."""
    yy, pp = _pairs(y, p)
    pos, neg = int(yy.sum()), int(len(yy) - yy.sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(pp).rank(method="average").to_numpy()
    return float((ranks[yy == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def brier(y: Array, p: Array) -> float:
    """Mean squared difference between forecast and outcome."""
    yy, pp = _pairs(y, p)
    return float(np.mean((pp - yy) ** 2))


def log_loss(y: Array, p: Array) -> float:
    """Mean negative log-likelihood (natural log), forecasts clipped to [1e-15, 1 - 1e-15]."""
    yy, pp = _pairs(y, p)
    pp = np.clip(pp, EPS, 1 - EPS)
    return float(-np.mean(yy * np.log(pp) + (1 - yy) * np.log(1 - pp)))


def recall_at(rank: Array, y: Array, k: int) -> float:
    """Share of events whose rank is <= k (an event with no rank counts as missed)."""
    rr = np.asarray(rank, dtype=np.float64)
    events = np.asarray(y, dtype=np.float64) == 1
    if not events.any():
        return float("nan")
    return float(np.mean(np.nan_to_num(rr[events], nan=np.inf) <= k))


@dataclass(frozen=True)
class ReliabilityBin:
    """One row of a reliability table."""

    low: float
    high: float
    count: int
    mean_forecast: float
    observed_rate: float


DEFAULT_EDGES = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 1.0)


def reliability(
    y: Array, p: Array, edges: tuple[float, ...] = DEFAULT_EDGES
) -> list[ReliabilityBin]:
    """Mean forecast against observed rate in fixed bins ``[low, high)`` (last bin closed)."""
    yy, pp = _pairs(y, p)
    index = np.clip(np.searchsorted(edges, pp, side="right") - 1, 0, len(edges) - 2)
    out = []
    for b in range(len(edges) - 1):
        mask = index == b
        n = int(mask.sum())
        mean_p = float(pp[mask].mean()) if n else float("nan")
        rate = float(yy[mask].mean()) if n else float("nan")
        out.append(ReliabilityBin(edges[b], edges[b + 1], n, mean_p, rate))
    return out
