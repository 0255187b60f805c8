"""Forecasting models: scikit-learn-compatible estimators and the registry of named models.

Later stages use :func:`get_model` / :data:`MODELS` (each a :class:`ModelSpec`: estimator
factory plus feature builder) and :func:`forewarn.models.forecast.forecast`.

The names below are imported on first use (PEP 562), so that reading a cached result or
naming a model does not load scikit-learn and SciPy (about a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forewarn.models.base import ForecastModel, param_hash
    from forewarn.models.boosting import LightGBMModel
    from forewarn.models.elasticnet import EWPElasticNet
    from forewarn.models.ensemble import BlendedEnsemble
    from forewarn.models.registry import MODELS, ModelSpec, default_model, get_model, sklearn_spec
    from forewarn.models.sklearn_model import SklearnModel

_WHERE = {
    "MODELS": "registry",
    "BlendedEnsemble": "ensemble",
    "EWPElasticNet": "elasticnet",
    "ForecastModel": "base",
    "LightGBMModel": "boosting",
    "ModelSpec": "registry",
    "SklearnModel": "sklearn_model",
    "default_model": "registry",
    "get_model": "registry",
    "param_hash": "base",
    "sklearn_spec": "registry",
}

__all__ = [
    "MODELS",
    "BlendedEnsemble",
    "EWPElasticNet",
    "ForecastModel",
    "LightGBMModel",
    "ModelSpec",
    "SklearnModel",
    "default_model",
    "get_model",
    "param_hash",
    "sklearn_spec",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"forewarn.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'forewarn.models' has no attribute {name!r}")
