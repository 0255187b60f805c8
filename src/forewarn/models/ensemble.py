"""A log-odds blend of the EWP elastic net and LightGBM, weighted inside each training window.

The blend is ``w * z_trees + (1 - w) * z_linear`` on the log-odds scale, so contributions
and bias add up exactly. The weight ``w`` is the only choice made from data, and it is made
from the training window alone, by inner temporal validation: for a window ending at T,
both components are refitted on every earlier window ending at E = Y - 2 and forecast the
rows of Y, for the last ``inner_years`` years Y <= T; ``w`` minimises the log loss of those
forecasts. Their outcomes (onsets by Y + 2 <= T + 2) are known when the window's forecast is
made, so no later year is used. Backtests fit all windows together and share the refits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import clone

from forewarn.data.schema import PREDICTORS
from forewarn.models.base import Done, FloatArray, ForecastModel, expit
from forewarn.models.boosting import LightGBMModel
from forewarn.models.elasticnet import EWPElasticNet
from forewarn.models.parallel import counting, fork_map

MIN_TRAIN_YEARS = 10  # windows shorter than this are not refitted for validation


class BlendedEnsemble(ForecastModel):
    """Elastic net (EWP predictors) + LightGBM (all features), blended on the log-odds.

    ``X`` must be a DataFrame holding the EWP predictors (``year`` among them) plus any
    extra features for the trees.
    """

    version = "1"

    def __init__(
        self,
        linear: EWPElasticNet | None = None,
        trees: LightGBMModel | None = None,
        weights: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
        inner_years: int = 10,
        lead: int = 2,
        workers: int = 1,
        fixed_weight: float | None = None,
    ) -> None:
        self.linear = linear
        self.trees = trees
        self.weights = weights
        self.inner_years = inner_years
        self.lead = lead
        self.workers = workers
        self.fixed_weight = fixed_weight

    def fit(
        self, X: pd.DataFrame, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> Self:
        """Fit with inner validation of the weight, or at ``fixed_weight`` (then weighted)."""
        if self.fixed_weight is not None:
            return self._fit_fixed(X, y, sample_weight)
        if sample_weight is not None:
            raise ValueError("sample_weight needs fixed_weight")
        years = np.asarray(X["year"])
        params = self.get_params(deep=False)
        fitted = self.fit_nested(X, y, years, [int(years.max())], params=params)[0]
        self.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
        return self

    def _fit_fixed(
        self, X: pd.DataFrame, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None
    ) -> Self:
        assert self.fixed_weight is not None
        self._check_X(X, fitting=True)
        target = self._set_classes(y)
        linear = clone(self.linear if self.linear is not None else EWPElasticNet())
        trees = clone(self.trees if self.trees is not None else LightGBMModel())
        self.linear_ = linear.fit(X[list(PREDICTORS)], target, sample_weight=sample_weight)
        self.trees_ = trees.fit(X, target, sample_weight=sample_weight)
        self.weight_ = float(self.fixed_weight)
        self.validation_ = 0
        return self

    def band_template(self) -> BlendedEnsemble:
        """This blend's weight and lambda, frozen, with one tree seed: for bootstrap refits."""
        return BlendedEnsemble(
            linear=self.linear_.band_template(),
            trees=self.trees_.band_template(),
            fixed_weight=self.weight_,
        )

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
    ) -> list[BlendedEnsemble]:
        """One fitted blend per training set ``years <= end``, sharing every refit.

        ``done(completed, total)`` reports the refits of the trees as they finish.
        """
        template = cls(**(params or {}))
        data = _Data(X, np.asarray(y, dtype=np.float64), np.asarray(years, dtype=np.int64))
        fit_ends = template._fit_ends(ends, int(data.years.min()))
        parts = template._components(data, fit_ends, max(workers, template.workers), done)
        scores = _validation_scores(data, fit_ends, parts, template.lead)
        return [template._assemble(data, parts[fit_ends.index(t)], scores, t) for t in ends]

    def _fit_ends(self, ends: Sequence[int], first_year: int) -> list[int]:
        inner = {t - self.lead - k for t in ends for k in range(self.inner_years)}
        usable = {e for e in inner if e - first_year + 1 >= MIN_TRAIN_YEARS}
        return sorted(usable | set(ends))

    def _components(
        self, data: _Data, ends: list[int], workers: int, done: Done | None
    ) -> list[tuple[EWPElasticNet, LightGBMModel]]:
        linear = self.linear if self.linear is not None else EWPElasticNet()
        trees = self.trees if self.trees is not None else LightGBMModel()
        lin = data.X[list(PREDICTORS)]
        nets = EWPElasticNet.fit_nested(
            lin, data.y, data.years, ends, workers=workers, params=linear.get_params(deep=False)
        )
        boosted = fork_map(_fit_trees, (trees, data), ends, workers, counting(done, len(ends)))
        return list(zip(nets, boosted, strict=True))

    def _assemble(
        self,
        data: _Data,
        part: tuple[EWPElasticNet, LightGBMModel],
        scores: pd.DataFrame,
        end: int,
    ) -> BlendedEnsemble:
        model = BlendedEnsemble(**self.get_params(deep=False))
        rows = data.years <= end
        model._check_X(data.X[rows], fitting=True)
        model._set_classes(data.y[rows])
        model.linear_, model.trees_ = part
        inner = scores[scores["year"].between(end - self.inner_years + 1, end)]
        model.weight_, model.validation_ = _choose_weight(inner, self.weights)
        return model

    def _split(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        names = self.feature_names()
        return x[:, [names.index(p) for p in PREDICTORS]], x

    def _log_odds(self, x: FloatArray) -> FloatArray:
        lin, full = self._split(x)
        w = self.weight_
        return np.asarray(w * self.trees_._log_odds(full) + (1 - w) * self.linear_._log_odds(lin))

    def _contributions(self, x: FloatArray) -> FloatArray:
        lin, full = self._split(x)
        out = self.weight_ * self.trees_._contributions(full)
        names = self.feature_names()
        columns = [names.index(p) for p in PREDICTORS]
        out[:, columns] += (1 - self.weight_) * self.linear_._contributions(lin)
        return np.asarray(out)


@dataclass(frozen=True)
class _Data:
    X: pd.DataFrame
    y: FloatArray
    years: npt.NDArray[np.int64]


def _fit_trees(shared: tuple[LightGBMModel, _Data], end: int) -> LightGBMModel:
    template, data = shared
    rows = data.years <= end
    model: LightGBMModel = clone(template)
    return model.fit(data.X[rows], data.y[rows])


def _validation_scores(
    data: _Data, ends: list[int], parts: list[tuple[EWPElasticNet, LightGBMModel]], lead: int
) -> pd.DataFrame:
    """Each refit's log-odds for the rows ``lead`` years after its window, with outcomes."""
    frames = []
    for end, (net, trees) in zip(ends, parts, strict=True):
        rows = data.years == end + lead
        if not rows.any():
            continue
        X = data.X[rows]
        frames.append(pd.DataFrame({
            "year": end + lead,
            "y": data.y[rows],
            "linear": net.decision_function(X[list(PREDICTORS)]),
            "trees": trees.decision_function(X),
        }))  # fmt: skip
    if not frames:  # windows too short to validate (early base years): no scores at all
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("year", "y", "linear", "trees")})
    return pd.concat(frames, ignore_index=True)


def _choose_weight(scores: pd.DataFrame, weights: tuple[float, ...]) -> tuple[float, int]:
    """The weight with the lowest validation log loss (0.5 without validation events)."""
    if scores.empty or scores["y"].sum() == 0:
        return 0.5, len(scores)
    losses = [_log_loss(scores, w) for w in weights]
    return float(weights[int(np.argmin(losses))]), len(scores)


def _log_loss(scores: pd.DataFrame, w: float) -> float:
    p = np.clip(expit(w * scores["trees"].to_numpy() + (1 - w) * scores["linear"].to_numpy()),
                1e-15, 1 - 1e-15)  # fmt: skip
    y = scores["y"].to_numpy()
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
