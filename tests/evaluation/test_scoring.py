"""EWP's two-year scoring (maxrisk2, minrank2) on a hand-made example."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.evaluation.scoring import foos_metrics, rank_within_year, two_year_scores


def test_maxrisk2_and_minrank2_by_hand() -> None:
    predictions = pd.DataFrame({
        "ccode": [1, 2, 1, 2, 1],
        "year": [2000, 2000, 2001, 2001, 2002],
        "risk": [0.1, 0.3, 0.4, 0.2, 0.05],
    })  # fmt: skip
    predictions["rank"] = rank_within_year(predictions)
    assert list(predictions["rank"]) == [2, 1, 1, 2, 1]
    outcomes = pd.DataFrame({
        "ccode": [1, 2, 1, 2, 3],
        "year": [2002, 2002, 2003, 2003, 2002],
        "mk_onset": [1, 0, 0, 1, 1],
    })  # fmt: skip
    scores = two_year_scores(predictions, outcomes, 2002, 2003).set_index(["ccode", "year"])
    assert scores.loc[(1, 2002), "maxrisk2"] == 0.4  # max(2001: 0.4, 2000: 0.1)
    assert scores.loc[(1, 2002), "minrank2"] == 1
    assert scores.loc[(2, 2003), "maxrisk2"] == 0.2  # only 2001 forecast exists
    assert scores.loc[(1, 2003), "maxrisk2"] == 0.4  # max(2002: 0.05, 2001: 0.4)
    assert np.isnan(scores.loc[(3, 2002), "maxrisk2"])  # never forecast
    m = foos_metrics(scores.reset_index())
    assert m.onsets == 3 and m.scored == 4 and m.caught_at_30 == 2
