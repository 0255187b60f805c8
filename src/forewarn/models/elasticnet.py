"""The published EWP model: a logistic elastic net with lambda chosen by ``cv.glmnet``.

``EWPElasticNet`` reproduces EWP's ``elogit.fit``: ``set.seed(90035)``, ``cv.glmnet`` with
``alpha = 0.5`` on standardised predictors (coefficients in original units), prediction at
``lambda.min``. ``fixed_lambda`` skips cross-validation and fits at one given lambda, which
bootstrap refits use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from forewarn.models.base import Done, FloatArray, ForecastModel
from forewarn.models.enet_path import PathBatch, solve_path
from forewarn.models.glmnet import CVFit, GlmnetOptions, cv_glmnet, cv_glmnet_nested


class EWPElasticNet(ForecastModel):
    """Logistic elastic net, glmnet-style, lambda by 10-fold CV at minimum deviance.

    ``random_state`` is the R seed (``set.seed``) the CV folds are drawn with, so the folds
    are those R draws. Rows must come in the order R would see them (EWP: panel order).
    """

    version = "1"

    def __init__(
        self,
        alpha: float = 0.5,
        nfolds: int = 10,
        nlambda: int = 100,
        lambda_min_ratio: float = 1e-4,
        thresh: float = 1e-7,
        fixed_lambda: float | None = None,
        random_state: int = 90035,
    ) -> None:
        self.alpha = alpha
        self.nfolds = nfolds
        self.nlambda = nlambda
        self.lambda_min_ratio = lambda_min_ratio
        self.thresh = thresh
        self.fixed_lambda = fixed_lambda
        self.random_state = random_state

    def options(self) -> GlmnetOptions:
        return GlmnetOptions(self.alpha, self.nfolds, self.random_state, self.nlambda,
                             self.lambda_min_ratio, self.thresh)  # fmt: skip

    def fit(
        self,
        X: pd.DataFrame | FloatArray,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
    ) -> Self:
        x = self._check_X(X, fitting=True)
        target = self._set_classes(y)
        weights = np.ones(len(target)) if sample_weight is None else np.asarray(sample_weight)
        if self.fixed_lambda is not None:
            return self._fit_fixed(x, target, weights)
        if sample_weight is not None:
            raise ValueError("sample_weight needs fixed_lambda (cv.glmnet folds are unweighted)")
        return self._adopt(cv_glmnet(x, target, self.options()), x, weights)

    def _fit_fixed(self, x: FloatArray, y: FloatArray, weights: FloatArray) -> Self:
        assert self.fixed_lambda is not None
        lambdas = self.fixed_lambda * np.logspace(2, 0, 25)[None, :]
        batch = PathBatch(x, y, weights[None, :].astype(float), np.zeros(1, dtype=np.intp),
                          np.array([len(y)]), np.zeros(1, dtype=np.intp), self.alpha,
                          thresh=self.thresh, lambdas=lambdas)  # fmt: skip
        path = solve_path(batch)
        fit = CVFit(lambdas[0], np.full(lambdas.shape[1], np.nan), lambdas.shape[1] - 1,
                    float(path.intercepts[0, -1]), path.coefs[0, -1].copy())  # fmt: skip
        return self._adopt(fit, x, weights)

    def _adopt(self, fit: CVFit, x: FloatArray, weights: FloatArray) -> Self:
        self.coef_ = fit.coef
        self.intercept_ = fit.intercept
        self.lambda_ = fit.lambda_min
        self.lambdas_ = fit.lambdas
        self.cv_deviance_ = fit.cv_deviance
        self.mean_ = np.average(x, axis=0, weights=weights)
        return self

    @classmethod
    def fit_nested(
        cls,
        X: pd.DataFrame,
        y: npt.ArrayLike,
        years: npt.ArrayLike,
        ends: Sequence[int],
        *,
        workers: int = 1,
        done: Done | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> list[EWPElasticNet]:
        """One fitted model per training set ``years <= end``, all solved in one batch."""
        template = cls(**(params or {}))
        target = np.asarray(y, dtype=np.float64)
        x = np.asarray(X, dtype=np.float64)
        fits = cv_glmnet_nested(x, target, years, ends, template.options(), workers)
        year = np.asarray(years)
        models = []
        for i, (fit, end) in enumerate(zip(fits, ends, strict=True)):
            rows = year <= end
            models.append(template._fitted(X[rows], target[rows], fit))
            if done is not None:
                done(i + 1, len(ends))
        return models

    def _fitted(self, X: pd.DataFrame, y: FloatArray, fit: CVFit) -> EWPElasticNet:
        model = EWPElasticNet(**self.get_params(deep=False))
        x = model._check_X(X, fitting=True)
        model._set_classes(y)
        return model._adopt(fit, x, np.ones(len(y)))

    def band_template(self) -> EWPElasticNet:
        """The same model at this fit's lambda, without CV: for bootstrap refits."""
        return EWPElasticNet(**{**self.get_params(deep=False), "fixed_lambda": self.lambda_})

    def _log_odds(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.intercept_ + x @ self.coef_)

    def _contributions(self, x: FloatArray) -> FloatArray:
        """``coef * (x - training mean)``: zero for an average training row."""
        return np.asarray((x - self.mean_) * self.coef_)
