"""The shared numeric helpers of the models: the logistic function at extreme log-odds."""

from __future__ import annotations

import warnings

import numpy as np

from forewarn.models.base import expit, logit


def test_expit_is_finite_and_silent_at_extreme_log_odds() -> None:
    z = np.array([-1e308, -1000.0, -745.2, -40.0, 0.0, 40.0, 745.2, 1000.0, 1e308, -np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp would raise here
        p = expit(z)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0.0) & (p <= 1.0))
    assert p[0] == 0.0 and p[-3] == 1.0 and p[-2] == 0.0 and p[-1] == 1.0
    assert p[4] == 0.5
    assert np.all(np.diff(p[:-2]) >= 0)  # monotone


def test_expit_matches_the_textbook_formula_where_that_one_is_safe() -> None:
    z = np.linspace(-30, 30, 601)
    assert np.allclose(expit(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-13, atol=0)
    assert np.allclose(expit(z) + expit(-z), 1.0)  # symmetric


def test_expit_inverts_logit() -> None:
    p = np.array([1e-9, 0.01, 0.3, 0.5, 0.9, 1 - 1e-9])
    assert np.allclose(expit(logit(p)), p, rtol=1e-9)
