"""Gradient-boosted trees (LightGBM) with exact per-feature contributions (TreeSHAP).

Settings are deliberately conservative for ~100 events in ~9,000 rows: shallow trees
(7 leaves), many rows per leaf, row and column subsampling, an L2 penalty and a slow
learning rate. With so few events one boosted model depends visibly on its random seed, so
``n_seeds`` models with consecutive seeds are averaged on the log-odds scale (their SHAP
values average the same way). Training is single-threaded and deterministic; parallelism,
where wanted, runs whole fits side by side.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from forewarn.models.base import FloatArray, ForecastModel


class LightGBMModel(ForecastModel):
    """A LightGBM binary classifier; missing values are handled by the trees."""

    version = "1"

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.03,
        num_leaves: int = 7,
        min_child_samples: int = 40,
        subsample: float = 0.7,
        colsample_bytree: float = 0.3,
        reg_lambda: float = 5.0,
        max_bin: int = 63,
        n_seeds: int = 3,
        random_state: int = 20250903,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.n_seeds = n_seeds
        self.random_state = random_state

    def _params(self, seed: int) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "max_bin": self.max_bin,
            "seed": seed,
            "num_threads": 1,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }

    def fit(
        self,
        X: pd.DataFrame | FloatArray,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        import lightgbm

        x = self._check_X(X, fitting=True)
        target = self._set_classes(y)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        data = lightgbm.Dataset(x, target, weight=weight, params=self._params(0))
        seeds = [self.random_state + k for k in range(self.n_seeds)]
        self.boosters_ = [
            lightgbm.train(self._params(seed), data, num_boost_round=self.n_estimators)
            for seed in seeds
        ]
        return self

    def band_template(self) -> LightGBMModel:
        """One seed instead of ``n_seeds``: for bootstrap refits."""
        return LightGBMModel(**{**self.get_params(deep=False), "n_seeds": 1})

    def _log_odds(self, x: FloatArray) -> FloatArray:
        raw = [b.predict(x, raw_score=True) for b in self.boosters_]
        return np.asarray(np.mean(raw, axis=0), dtype=np.float64)

    def _contributions(self, x: FloatArray) -> FloatArray:
        """Mean TreeSHAP values on the log-odds scale (LightGBM ``pred_contrib``)."""
        shap = [b.predict(x, pred_contrib=True) for b in self.boosters_]
        return np.asarray(np.mean(shap, axis=0), dtype=np.float64)[:, :-1]
