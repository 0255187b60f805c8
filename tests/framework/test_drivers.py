"""Model predictors in the Framework's terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from forewarn.config import Settings
from forewarn.data.panel import load_panel
from forewarn.data.schema import PREDICTORS
from forewarn.framework.catalogue import load_framework
from forewarn.framework.drivers import (
    STRUCTURAL,
    baseline_of,
    factors_of,
    is_baseline,
    label_of,
    load_driver_map,
    predictor_of,
    profile,
    top_drivers,
)
from forewarn.i18n import gettext_for
from forewarn.models.registry import MODELS


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


def test_region_and_calendar_year_are_the_baseline_never_drivers() -> None:
    baseline = {p for p in PREDICTORS if is_baseline(p)}
    assert baseline == {"reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur", "year", "year_sq"}
    contributions = {"reg.na": 0.08, "year": -0.9, "year_sq": 0.95, "discrimpop": 0.3,
                     "popsize.log2": -0.1, "coup.try.5yr": 0.0}  # fmt: skip
    assert top_drivers(contributions) == [("discrimpop", 0.3), ("popsize.log2", -0.1)]
    assert baseline_of(contributions) == pytest.approx(0.08 - 0.9 + 0.95)
    assert top_drivers(contributions, top=1) == [("discrimpop", 0.3)]


def test_every_feature_of_every_model_has_a_readable_label(mirror: Path, tmp_path: Path) -> None:
    panel = load_panel(Settings(data_mirror=mirror, cache_dir=tmp_path, data_dir=tmp_path))
    features = {str(c) for spec in MODELS for c in spec.features(panel.frame).columns}
    assert "partyban.new.2_chg3" in features
    for feature in features:
        label = label_of(feature)
        assert label != feature and "[" not in label and "_" not in label, (feature, label)
    wanted = "All opposition parties banned: change over three years"
    assert label_of("partyban.new.2_chg3") == wanted


def test_labels_speak_indonesian() -> None:
    _ = gettext_for("id")
    assert label_of("partyban.new.2_chg3", _) == (
        "Semua partai oposisi dilarang: perubahan dalam tiga tahun"
    )
    assert label_of("region_battledeaths.log2", _).startswith("Kematian dalam pertempuran")
    assert label_of("a_feature_of_my_own") == "a_feature_of_my_own"  # unknown: its own name
