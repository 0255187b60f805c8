"""What every forewarn model shares: the scikit-learn contract plus provenance and drivers.

The contract (``get_params`` / ``set_params`` from the constructor's arguments, so that
``sklearn.base.clone`` works) is implemented here rather than inherited, so that fitting
and using forewarn's own models does not import scikit-learn (about half a second of every
``forewarn backtest`` or ``forecast``); scikit-learn is loaded only by the models that wrap it.

A model is a binary classifier over a design matrix (a DataFrame whose columns are features).
Beyond ``fit`` / ``predict_proba`` it explains each prediction: ``contributions(X)`` gives
one column per feature on the log-odds scale, and ``bias(X)`` the part no feature explains,
so that ``bias + contributions.sum(axis=1)`` is the log-odds of ``predict_proba``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
Done = Callable[[int, int], None]
"""``done(completed, total)``: progress of a multi-fit call."""


def param_hash(estimator: Any) -> str:
    """SHA-256 of the estimator's class and sorted parameters (stable across runs)."""
    params = estimator.get_params(deep=False)
    text = json.dumps(
        {"class": type(estimator).__qualname__, "params": params},
        sort_keys=True,
        default=_stable_repr,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stable_repr(value: Any) -> Any:
    if hasattr(value, "get_params") and not isinstance(value, type):
        return {"class": type(value).__qualname__, "params": value.get_params(deep=False)}
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    return repr(value)


def logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(p / (1 - p)))


def expit(z: FloatArray) -> FloatArray:
    """The logistic function, without overflow: ``exp`` only ever sees ``-|z|`` (<= 0)."""
    z = np.asarray(z, dtype=np.float64)
    small = np.exp(-np.abs(z))
    return np.asarray(np.where(z >= 0, 1.0 / (1.0 + small), small / (1.0 + small)))


class Estimator:
    """scikit-learn's estimator contract: the parameters are the constructor's arguments,
    kept as attributes of the same names (as ``sklearn.base.BaseEstimator``)."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        if cls.__init__ is object.__init__:
            return []
        parameters = inspect.signature(cls.__init__).parameters.values()
        return sorted(p.name for p in parameters if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params: Any) -> Any:
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items()
                 if k not in defaults or defaults[k].default is not v]  # fmt: skip
        return f"{type(self).__name__}({', '.join(shown)})"


def check_is_fitted(model: object) -> None:
    """Raise scikit-learn's ``NotFittedError`` unless ``model`` has fitted attributes (names
    ending in ``_``), as ``sklearn.utils.validation.check_is_fitted`` does."""
    if any(k.endswith("_") and not k.startswith("__") for k in vars(model)):
        return
    from sklearn.exceptions import NotFittedError

    raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet. Call 'fit' "
                         "with appropriate arguments before using this estimator.")  # fmt: skip


class ForecastModel(Estimator):
    """Base class: input checking, probabilities from log-odds, provenance."""

    version: ClassVar[str] = "1"
    _estimator_type: ClassVar[str] = "classifier"

    def fit(self, X: Any, y: npt.ArrayLike, sample_weight: Any = None) -> Self:
        raise NotImplementedError

    @property
    def param_hash(self) -> str:
        return param_hash(self)

    def _check_X(self, X: pd.DataFrame | FloatArray, *, fitting: bool) -> FloatArray:
        if fitting:
            if isinstance(X, pd.DataFrame):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
                self._record_years(X)
            self.n_features_in_ = int(np.shape(X)[1])
        elif np.shape(X)[1] != self.n_features_in_:
            raise ValueError(f"X has {np.shape(X)[1]} features, expected {self.n_features_in_}")
        return np.asarray(X, dtype=np.float64)

    def _record_years(self, X: pd.DataFrame) -> None:
        """Keep the span of training years (when ``year`` is a feature), for leakage checks."""
        self.n_train_ = len(X)
        if "year" in X.columns and len(X):
            self.train_years_ = (int(X["year"].min()), int(X["year"].max()))

    def feature_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{i}" for i in range(self.n_features_in_)]
        return [str(n) for n in names]

    def _set_classes(self, y: npt.ArrayLike) -> FloatArray:
        target = np.asarray(y, dtype=np.float64)
        if not np.isin(target, (0.0, 1.0)).all():
            raise ValueError("y must be binary (0/1)")
        self.classes_ = np.array([0, 1])
        return target

    def decision_function(self, X: pd.DataFrame | FloatArray) -> FloatArray:
        """Log-odds of the positive class."""
        check_is_fitted(self)
        return self._log_odds(self._check_X(X, fitting=False))

    def predict_proba(self, X: pd.DataFrame | FloatArray) -> FloatArray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame | FloatArray) -> npt.NDArray[np.int_]:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame | FloatArray) -> pd.DataFrame:
        """Per-feature contributions to the log-odds (same rows and columns as ``X``)."""
        check_is_fitted(self)
        values = self._contributions(self._check_X(X, fitting=False))
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(values, columns=self.feature_names(), index=index)

    def bias(self, X: pd.DataFrame | FloatArray) -> FloatArray:
        """The log-odds no feature explains: log-odds minus the sum of contributions."""
        check_is_fitted(self)
        x = self._check_X(X, fitting=False)
        return np.asarray(self._log_odds(x) - self._contributions(x).sum(axis=1))

    def band_template(self) -> ForecastModel:
        """An unfitted estimator for bootstrap refits: this fit's data-driven choices frozen
        where refitting them would be slow. The default is a plain clone."""
        from sklearn.base import clone

        template: ForecastModel = clone(self)
        return template

    def _log_odds(self, x: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _contributions(self, x: FloatArray) -> FloatArray:
        raise NotImplementedError
