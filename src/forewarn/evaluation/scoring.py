"""EWP's scoring of a fully out-of-sample backtest ("ewp-foos").

For every country-year Y, ``maxrisk2`` is the larger of the risks forecast from the
predictors of Y-1 and of Y-2 (each a two-year risk covering Y), ``minrank2`` the better of
the two ranks (1 = highest risk that year). Both are scored against ``mk_onset`` in Y.
A country-year with neither forecast has no ``maxrisk2`` and drops out of the AUC, Brier
score and log loss; an onset there counts as missed by every recall.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from forewarn.evaluation import metrics

PROTOCOL = "ewp-foos"
RECALL_KS = (10, 20, 30)


def rank_within_year(predictions: pd.DataFrame) -> pd.Series:
    """Rank 1 = highest risk among the countries forecast from the same year (ties: min)."""
    return predictions.groupby("year")["risk"].rank(ascending=False, method="min")


def two_year_scores(
    predictions: pd.DataFrame, outcomes: pd.DataFrame, first: int, last: int
) -> pd.DataFrame:
    """``maxrisk2`` / ``minrank2`` for every panel country-year ``first <= Y <= last``.

    ``predictions``: ccode, year (of the predictors), risk, rank. ``outcomes``: the panel's
    ccode, year, mk_onset (and a country name column ``ewp_name`` if present).
    """
    keep = [c for c in ("ccode", "year", "ewp_name", "mk_onset") if c in outcomes.columns]
    rows = outcomes.loc[outcomes["year"].between(first, last), keep].copy()
    forecasts = predictions.set_index(["ccode", "year"])[["risk", "rank"]]
    for lag in (1, 2):
        key = pd.MultiIndex.from_arrays([rows["ccode"], rows["year"] - lag])
        found = forecasts.reindex(key)
        rows[f"risk_{lag}"] = found["risk"].to_numpy()
        rows[f"rank_{lag}"] = found["rank"].to_numpy()
    rows["maxrisk2"] = rows[["risk_1", "risk_2"]].max(axis=1, skipna=True)
    rows["minrank2"] = rows[["rank_1", "rank_2"]].min(axis=1, skipna=True)
    return rows.reset_index(drop=True)


@dataclass(frozen=True)
class FoosMetrics:
    """The headline numbers of one backtest under the EWP protocol."""

    onsets: int
    scored: int
    auc: float
    recall_at_10: float
    recall_at_20: float
    recall_at_30: float
    caught_at_30: int
    brier: float
    log_loss: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def foos_metrics(scores: pd.DataFrame) -> FoosMetrics:
    """AUC, recall at 10/20/30, Brier and log loss of ``maxrisk2`` against ``mk_onset``."""
    y, p, rank = scores["mk_onset"], scores["maxrisk2"], scores["minrank2"]
    recalls = {k: metrics.recall_at(rank, y, k) for k in RECALL_KS}
    caught = int((np.nan_to_num(rank[y == 1].to_numpy(float), nan=np.inf) <= 30).sum())
    return FoosMetrics(
        onsets=int(y.sum()),
        scored=int(p.notna().sum()),
        auc=metrics.roc_auc(y, p),
        recall_at_10=recalls[10],
        recall_at_20=recalls[20],
        recall_at_30=recalls[30],
        caught_at_30=caught,
        brier=metrics.brier(y, p),
        log_loss=metrics.log_loss(y, p),
    )


def onset_table(scores: pd.DataFrame, k: int = 30) -> pd.DataFrame:
    """Every onset: country, year, maxrisk2, minrank2 and whether it was ranked <= k."""
    onsets = scores[scores["mk_onset"] == 1].copy()
    onsets["caught"] = onsets["minrank2"].le(k)
    cols = [c for c in ("ccode", "ewp_name", "year", "maxrisk2", "minrank2", "caught")
            if c in onsets.columns]  # fmt: skip
    return onsets[cols].sort_values(["year", "ccode"]).reset_index(drop=True)
