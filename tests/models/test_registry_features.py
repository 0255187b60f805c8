"""The model registry and the feature builders (nothing from later years)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from forewarn.data.panel import Panel
from forewarn.data.schema import PREDICTORS
from forewarn.errors import NotFound
from forewarn.models import MODELS, default_model, get_model, sklearn_spec
from forewarn.models.features import ewp_design, temporal_design


def test_exactly_one_default_and_it_is_not_the_ewp_model() -> None:
    assert [s.name for s in MODELS if s.default] == [default_model().name]
    assert default_model().name == "forewarn-ensemble"
    assert len({s.name for s in MODELS}) == len(MODELS)


def test_unknown_model_is_not_found() -> None:
    with pytest.raises(NotFound, match="unknown model 'nope'"):
        get_model("nope")


def test_any_sklearn_classifier_plugs_in() -> None:
    spec = sklearn_spec("logit", LogisticRegression(max_iter=500))
    assert spec.make().estimator is not None and spec.features is ewp_design


def test_ewp_design_is_the_39_predictors(panel: Panel) -> None:
    assert list(ewp_design(panel.frame).columns) == list(PREDICTORS)


def test_temporal_features_use_only_the_past(panel: Panel) -> None:
    frame = panel.frame
    base = temporal_design(frame)
    changed = frame.copy()
    later = changed["year"] > 2000
    numeric = [c for c in PREDICTORS if c != "year"] + ["mk_onset"]
    changed.loc[later, numeric] = changed.loc[later, numeric] + 1.0
    after = temporal_design(changed)
    early = frame["year"] <= 2000
    assert np.allclose(base[early].to_numpy(float), after[early].to_numpy(float), equal_nan=True)
    assert not np.allclose(base[~early].to_numpy(float), after[~early].to_numpy(float),
                           equal_nan=True)  # fmt: skip


def test_feature_names_trace_back_to_predictors(panel: Panel) -> None:
    columns = temporal_design(panel.frame).columns
    assert all(any(p in c for p in PREDICTORS) for c in columns)
    assert {"discrimpop_chg1", "mk_ever_years_since_onset", "region_mk_onset_prev_year_3y"} <= set(
        columns
    )
