"""R's random numbers: known outputs of R (>= 3.6) reproduced exactly."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.models.rrandom import RRandom, cv_folds


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (42, [1, 5, 10, 8, 2, 4, 6, 9, 7, 3]),  # set.seed(42); sample(1:10)
        (123, [3, 10, 2, 8, 6, 9, 1, 7, 5, 4]),
        (1, [9, 4, 7, 1, 2, 5, 3, 10, 6, 8]),
    ],
)
def test_sample_matches_r(seed: int, expected: list[int]) -> None:
    assert list(RRandom(seed).permutation(10) + 1) == expected


def test_runif_matches_r() -> None:
    rng = RRandom(42)  # set.seed(42); runif(3)
    assert [round(rng.unif_rand(), 7) for _ in range(3)] == [0.914806, 0.9370754, 0.2861395]


def test_fast_and_general_paths_agree() -> None:
    for n in (1, 2, 3, 17, 1000):
        fast = RRandom(90035).permutation(n)
        general = RRandom(90035)._permutation_general(n)
        assert np.array_equal(fast, general)


def test_cv_folds_are_balanced_and_seeded() -> None:
    folds = cv_folds(103, nfolds=10, seed=90035)
    assert sorted(np.bincount(folds)[1:]) == [10] * 7 + [11] * 3
    assert np.array_equal(folds, cv_folds(103, nfolds=10, seed=90035))
    assert not np.array_equal(folds, cv_folds(103, nfolds=10, seed=1))
