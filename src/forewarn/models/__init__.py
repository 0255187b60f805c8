"""Forecasting models: scikit-learn-compatible estimators and the registry of named models.

Later stages use :func:`get_model` / :data:`MODELS` (each a :class:`ModelSpec`: estimator
factory plus feature builder) and :func:`forewarn.models.forecast.forecast`.
"""

from forewarn.models.base import ForecastModel, param_hash
from forewarn.models.boosting import LightGBMModel
from forewarn.models.elasticnet import EWPElasticNet
from forewarn.models.ensemble import BlendedEnsemble
from forewarn.models.registry import MODELS, ModelSpec, default_model, get_model, sklearn_spec
from forewarn.models.sklearn_model import SklearnModel

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
