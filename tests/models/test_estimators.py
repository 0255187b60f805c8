"""The estimator contract, contributions and provenance of every model class."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from forewarn.data.panel import Panel
from forewarn.data.schema import OUTCOMES, PREDICTORS
from forewarn.models import (
    BlendedEnsemble,
    EWPElasticNet,
    LightGBMModel,
    SklearnModel,
    param_hash,
)
from forewarn.models.base import logit
from forewarn.models.features import temporal_design


@pytest.fixture(scope="module")
def data(panel: Panel) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    frame = panel.frame
    rows = frame[list(PREDICTORS) + list(OUTCOMES)].notna().all(axis=1) & (frame["year"] <= 2000)
    design = temporal_design(frame)
    test = design[(frame["year"] == 2002) & frame[list(PREDICTORS)].notna().all(axis=1)]
    return design[rows], frame.loc[rows, "mk_onset_1or2"].astype(float), test


def _models() -> list[object]:
    return [
        EWPElasticNet(),
        LightGBMModel(n_estimators=30, n_seeds=2),
        SklearnModel(LogisticRegression(max_iter=2000, C=0.1)),
        SklearnModel(DecisionTreeClassifier(max_depth=3, random_state=0)),
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_contract_and_contributions(model: object, data: tuple) -> None:
    X, y, test = data
    columns = list(PREDICTORS) if isinstance(model, EWPElasticNet) else list(X.columns)
    if isinstance(model, SklearnModel):
        columns = list(PREDICTORS)
    with pytest.raises(NotFittedError):
        model.predict_proba(test[columns])  # type: ignore[attr-defined]
    params = model.get_params()  # type: ignore[attr-defined]
    fitted = model.fit(X[columns], y)  # type: ignore[attr-defined]
    assert fitted is model and model.get_params() == params  # type: ignore[attr-defined]
    proba = model.predict_proba(test[columns])  # type: ignore[attr-defined]
    assert proba.shape == (len(test), 2) and np.allclose(proba.sum(axis=1), 1)
    contrib = model.contributions(test[columns])  # type: ignore[attr-defined]
    assert list(contrib.columns) == columns and list(contrib.index) == list(test.index)
    total = model.bias(test[columns]) + contrib.sum(axis=1)  # type: ignore[attr-defined]
    assert np.allclose(total, logit(proba[:, 1]), atol=1e-6)
    assert param_hash(clone(model)) == param_hash(model)  # type: ignore[arg-type]


def test_linear_contributions_are_coef_times_centred_value(data: tuple) -> None:
    X, y, test = data
    model = EWPElasticNet().fit(X[list(PREDICTORS)], y)
    contrib = model.contributions(test[list(PREDICTORS)])
    expected = (test[list(PREDICTORS)] - X[list(PREDICTORS)].mean()) * model.coef_
    assert np.allclose(contrib.to_numpy(), expected.to_numpy())
    assert model.train_years_ == (1960, 2000)


def test_param_hash_is_stable_and_sensitive() -> None:
    assert EWPElasticNet().param_hash == EWPElasticNet().param_hash
    assert EWPElasticNet().param_hash != EWPElasticNet(alpha=0.4).param_hash
    assert len(param_hash(LightGBMModel())) == 64
    assert BlendedEnsemble().param_hash != BlendedEnsemble(inner_years=5).param_hash


def test_lightgbm_is_deterministic(data: tuple) -> None:
    X, y, test = data
    a = LightGBMModel(n_estimators=40).fit(X, y).predict_proba(test)
    b = LightGBMModel(n_estimators=40).fit(X, y).predict_proba(test)
    assert np.array_equal(a, b)


def test_blend_weight_is_chosen_from_the_window_and_adds_up(panel: Panel) -> None:
    frame = panel.frame
    rows = frame[list(PREDICTORS) + list(OUTCOMES)].notna().all(axis=1) & (frame["year"] <= 1990)
    design = temporal_design(frame)
    model = BlendedEnsemble(trees=LightGBMModel(n_estimators=30, n_seeds=1), inner_years=4)
    model.fit(design[rows], frame.loc[rows, "mk_onset_1or2"].astype(float))
    assert model.weight_ in model.weights and model.validation_ > 0
    assert model.train_years_[1] == 1990
    test = design[(frame["year"] == 1992) & frame[list(PREDICTORS)].notna().all(axis=1)]
    total = model.bias(test) + model.contributions(test).sum(axis=1)
    assert np.allclose(total, model.decision_function(test))


def test_fixed_lambda_refit_reproduces_the_cv_fit(data: tuple) -> None:
    X, y, test = data
    cv = EWPElasticNet().fit(X[list(PREDICTORS)], y)
    fixed = cv.band_template().fit(X[list(PREDICTORS)], y, sample_weight=np.ones(len(y)))
    p_cv = cv.predict_proba(test[list(PREDICTORS)])[:, 1]
    p_fixed = fixed.predict_proba(test[list(PREDICTORS)])[:, 1]
    assert np.allclose(p_cv, p_fixed, rtol=2e-2)


def test_parameters_follow_the_constructor_and_nest() -> None:
    model = BlendedEnsemble(linear=EWPElasticNet(alpha=0.3), inner_years=5)
    assert model.get_params()["linear__alpha"] == 0.3
    model.set_params(linear__alpha=0.7, inner_years=6)
    assert (model.linear.alpha, model.inner_years) == (0.7, 6)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="invalid parameter 'nope'"):
        model.set_params(nope=1)
    assert repr(EWPElasticNet(alpha=0.3)) == "EWPElasticNet(alpha=0.3)"
    copy = clone(model)
    assert copy is not model and copy.linear is not model.linear
    assert param_hash(copy) == param_hash(model)


def test_fitting_the_ewp_model_loads_no_scikit_learn() -> None:
    """scikit-learn costs half a second of every backtest; forewarn's own models skip it."""
    probe = (
        "import sys; import numpy as np; from forewarn.models import EWPElasticNet; "
        "rng = np.random.default_rng(0); x = rng.normal(size=(400, 5)); "
        "y = (x[:, 0] + rng.normal(size=400) > 1.5).astype(float); "
        "p = EWPElasticNet().fit(x, y).predict_proba(x); "
        "print(p.shape, 'sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "(400, 2) False False", done.stderr
