"""The named models: how to build each estimator and its design matrix.

A :class:`ModelSpec` pairs an estimator factory with a feature builder. Feature builders see
the whole panel but build each row only from its own and earlier years of its country (and,
for regional context, of its region), so computing them once for all years leaks nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from forewarn.errors import NotFound
from forewarn.models.features import ewp_design, temporal_design

if TYPE_CHECKING:
    from forewarn.models.base import ForecastModel

Features = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Factory:
    """A model class of forewarn, named by module and class and imported when first called,
    so that naming, listing or looking up cached results of models loads no estimator code.
    Its default parameters and version are part of the code that the results cache hashes
    (:func:`forewarn.evaluation.cache.code_version`)."""

    module: str
    name: str

    def __call__(self) -> ForecastModel:
        model: ForecastModel = getattr(importlib.import_module(self.module), self.name)()
        return model


@dataclass(frozen=True)
class ModelSpec:
    """A named model: estimator factory, feature builder and the outcome it predicts."""

    name: str
    description: str
    default: bool
    make: Callable[[], ForecastModel]
    features: Features = field(default=ewp_design)
    outcome: str = "mk_onset_1or2"

    def estimator(self) -> ForecastModel:
        return self.make()


def sklearn_spec(
    name: str, estimator: object, features: Features = ewp_design, description: str = ""
) -> ModelSpec:
    """A spec for any scikit-learn classifier (wrapped in :class:`SklearnModel`)."""
    from forewarn.models.sklearn_model import SklearnModel

    text = description or f"scikit-learn {type(estimator).__name__} on {features.__name__}"
    return ModelSpec(name, text, False, lambda: SklearnModel(estimator), features)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "forewarn-ensemble",
        "Log-odds blend of the EWP elastic net and LightGBM on EWP predictors plus their "
        "changes, onset history and regional contagion; blend weight chosen inside each "
        "training window by inner temporal validation",
        True,
        Factory("forewarn.models.ensemble", "BlendedEnsemble"),
        temporal_design,
    ),
    ModelSpec(
        "ewp-elasticnet",
        "EWP's published model: logistic elastic net (alpha 0.5), lambda.min by 10-fold "
        "cv.glmnet (R's folds, seed 90035), the 39 EWP predictors",
        False,
        Factory("forewarn.models.elasticnet", "EWPElasticNet"),
        ewp_design,
    ),
    ModelSpec(
        "lightgbm",
        "LightGBM alone on the same features as forewarn-ensemble (a component, for comparison)",
        False,
        Factory("forewarn.models.boosting", "LightGBMModel"),
        temporal_design,
    ),
)


def get_model(name: str, models: tuple[ModelSpec, ...] = MODELS) -> ModelSpec:
    """The spec called ``name``, or :class:`NotFound` listing the known names."""
    for spec in models:
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in models)
    raise NotFound(f"unknown model {name!r} (known: {known})")


def default_model(models: tuple[ModelSpec, ...] = MODELS) -> ModelSpec:
    """The one spec marked default."""
    (spec,) = [s for s in models if s.default]
    return spec
