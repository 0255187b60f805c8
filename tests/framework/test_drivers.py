"""Model predictors in the Framework's terms."""

from __future__ import annotations

import pytest

from forewarn.data.schema import PREDICTORS
from forewarn.framework.catalogue import load_framework
from forewarn.framework.drivers import (
    STRUCTURAL,
    factors_of,
    load_driver_map,
    predictor_of,
    profile,
)


def test_every_predictor_is_mapped_to_real_factors() -> None:
    mapping = load_driver_map()
    ids = {f.id for f in load_framework().factors}
    assert set(mapping.factors) == set(PREDICTORS)
    assert all(set(f) <= ids for f in mapping.factors.values())
    assert factors_of("battledeaths.log2") == ("RF1", "RF13")
    assert factors_of("coup.try.5yr") == ("RF1", "RF8")
    assert factors_of("pol_killing_approved") == ("RF2", "RF4")
    assert factors_of("discrimpop") == ("RF9",)
    assert factors_of("year") == ()


def test_engineered_features_inherit_their_predictor() -> None:
    assert predictor_of("d1_battledeaths.log2") == "battledeaths.log2"
    assert predictor_of("mk_onset_prev_year") == "mk_onset_prev_year"
    assert predictor_of("region_onsets_3y") is None


def test_profile_shares_and_nets() -> None:
    rows = profile({"discrimpop": 0.6, "coup.try.5yr": 0.4, "even_civilrights": -0.5, "year": 0.2})
    by = {r.factor: r for r in rows}
    # positive contributions: RF9 0.6, RF1 0.2, RF8 0.2, structural 0.2 -> total 1.2
    assert by["RF9"].raising == pytest.approx(0.5)
    assert by["RF1"].raising == pytest.approx(0.2 / 1.2)
    assert by[STRUCTURAL].raising == pytest.approx(0.2 / 1.2)
    assert by["RF2"].raising == 0.0 and by["RF2"].net == pytest.approx(-0.25)
    assert by["RF9"].net == pytest.approx(0.6 - 0.25)
    assert sum(r.raising for r in rows) == pytest.approx(1.0)
    assert rows[0].factor == "RF9"
