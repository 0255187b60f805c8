"""In-run reference: EWP's backtest with a plain scikit-learn port of the elastic net.

Per origin: ``StandardScaler`` + ``LogisticRegressionCV(penalty="elasticnet",
solver="saga", l1_ratios=[0.5])`` over a small grid of ``Cs``, 10 folds, lambda by the
smallest cross-validated log loss. This is what one would write without a path solver; it
is the yardstick ``run.py`` divides by. Writes the same JSON keys as ``forewarn backtest``.

    python benchmarks/reference_sklearn.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from forewarn.config import Settings
from forewarn.data.panel import load_panel
from forewarn.data.schema import PREDICTORS
from forewarn.evaluation.scoring import foos_metrics, rank_within_year, two_year_scores
from forewarn.evaluation.splits import ewp_origins
from forewarn.models.features import complete_cases

CS = np.logspace(-3, 1, 6)  # inverse penalty strengths: a small grid


def _fit(x: np.ndarray, y: np.ndarray) -> object:
    model = LogisticRegressionCV(
        Cs=CS, penalty="elasticnet", solver="saga", l1_ratios=[0.5], cv=10,
        scoring="neg_log_loss", max_iter=300, tol=1e-3, random_state=0,
    )  # fmt: skip
    return make_pipeline(StandardScaler(), model).fit(x, y)


def backtest(frame: pd.DataFrame) -> pd.DataFrame:
    train, test = complete_cases(frame)
    years = frame["year"].to_numpy()
    parts = []
    for origin in ewp_origins():
        rows = train.to_numpy() & origin.train_mask(years)
        fitted = _fit(frame.loc[rows, list(PREDICTORS)].to_numpy(float),
                      frame.loc[rows, "mk_onset_1or2"].to_numpy(int))  # fmt: skip
        now = test.to_numpy() & origin.test_mask(years)
        risk = fitted.predict_proba(frame.loc[now, list(PREDICTORS)].to_numpy(float))[:, 1]
        parts.append(pd.DataFrame({"ccode": frame.loc[now, "ccode"].to_numpy(),
                                   "year": origin.predict_year, "risk": risk}))  # fmt: skip
    predictions = pd.concat(parts, ignore_index=True)
    predictions["rank"] = rank_within_year(predictions)
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    frame = load_panel(Settings()).frame
    scores = two_year_scores(backtest(frame), frame, 1994, 2024)
    summary = {"model": "sklearn-saga-reference", "protocol": "ewp-foos",
               **foos_metrics(scores).as_dict(),
               "seconds": round(time.perf_counter() - start, 3)}  # fmt: skip
    args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
