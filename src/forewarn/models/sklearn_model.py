"""Plug any scikit-learn classifier into forewarn: ``SklearnModel(estimator)``.

Contributions are exact for linear models (``coef_ * (x - training mean)`` on the log-odds
scale) and for LightGBM-style models with ``pred_contrib``. For any other classifier they
are occlusion effects: each feature's log-odds change when it alone is set to its training
mean, rescaled so that they add up to the log-odds minus the bias (the log-odds of the
training-mean row). That is an approximation, documented as such.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import clone

from forewarn.models.base import FloatArray, ForecastModel, logit


class SklearnModel(ForecastModel):
    """A wrapped scikit-learn classifier (missing values must be handled by the estimator)."""

    version = "1"

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(
        self, X: pd.DataFrame | FloatArray, y: npt.ArrayLike, sample_weight: Any = None
    ) -> Self:
        if self.estimator is None:
            raise ValueError("SklearnModel needs an estimator")
        x = self._check_X(X, fitting=True)
        target = self._set_classes(y)
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimator_ = clone(self.estimator).fit(x, target.astype(int), **extra)
        self.mean_ = np.nanmean(x, axis=0)
        return self

    def _log_odds(self, x: FloatArray) -> FloatArray:
        return logit(self.estimator_.predict_proba(x)[:, 1])

    def _contributions(self, x: FloatArray) -> FloatArray:
        coef = getattr(self.estimator_, "coef_", None)
        if coef is not None and np.ndim(coef) == 2 and np.shape(coef)[0] == 1:
            return np.asarray((x - self.mean_) * np.asarray(coef)[0])
        return self._occlusion(x)

    def _occlusion(self, x: FloatArray) -> FloatArray:
        base = self._log_odds(x)
        effects = np.empty_like(x)
        for j in range(x.shape[1]):
            moved = x.copy()
            moved[:, j] = self.mean_[j]
            effects[:, j] = base - self._log_odds(moved)
        total = base - self._log_odds(self.mean_[None, :])[0]
        sums = effects.sum(axis=1)
        scale = np.divide(total, sums, out=np.ones_like(total), where=np.abs(sums) > 1e-12)
        return np.asarray(effects * scale[:, None])
