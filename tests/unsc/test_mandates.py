"""Tests for mandate adequacy on the packaged mission records and on user files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forewarn.unsc.mandates import (
    THRESHOLDS,
    Assessment,
    MandateError,
    assess,
    load_mandates,
    select,
)

GOOD = """
[[mission]]
id = "goodmission-2020"
name = "A well-resourced protection mission"
date = "2020-03-01"
resolution = "S/RES/0000 (2020)"
troops_requested = 12000
requested_by = "Secretary-General"
troops_requested_source = "report of the Secretary-General"
troops_authorised = 11000
troops_authorised_source = "the resolution"
chapter_vii = true
poc_authority = true
protected_population = 500000
protected_population_source = "census"
protected_area = "the whole country"
"""


def _packaged() -> dict[str, Assessment]:
    return {a.mandate.id: a for a in assess(load_mandates())}


def test_unamir_after_912_is_flagged_as_a_cut() -> None:
    cut = _packaged()["unamir-1994-cut"]
    assert cut.flag_codes == ("force-cut-during-crisis",)
    assert "270 troops authorised, down from 2,548 under S/RES/872 (1993)" in cut.flags[0].reason
    assert cut.resourcing_ratio is None
    assert any("troops_requested" in n for n in cut.notes)
    assert any(n.startswith("unsourced: A single 'requested' figure") for n in cut.notes)


def test_unprofor_light_option_is_flagged() -> None:
    light = _packaged()["unprofor-safe-areas-1993"]
    assert light.flag_codes == ("protection-without-force", "severe-under-resourcing")
    assert light.resourcing_ratio == pytest.approx(7600 / 34000)
    assert light.troops_per_1000 == pytest.approx(190.0)
    assert light.protection_promised is True  # safe-area mandate, poc_authority false
    assert "no Chapter VII" not in light.flags[0].reason


def test_records_without_the_figures_are_not_flagged_but_noted() -> None:
    packaged = _packaged()
    assert packaged["unamir-1993"].flags == ()
    expansion = packaged["unamir-ii-1994"]  # S/RES/918 (1994), para. 3 (a), not under Chapter VII
    assert expansion.protection_promised is True
    assert expansion.flag_codes == (
        "protection-without-force", "no-chapter-vii-with-protection-task",
    )  # fmt: skip
    assert any("no troops_requested" in n for n in expansion.notes)


def test_select_by_id_or_mission() -> None:
    assessed = assess(load_mandates())
    assert [a.mandate.id for a in select(assessed, "UNAMIR")] == [
        "unamir-1993",
        "unamir-1994-cut",
        "unamir-ii-1994",
    ]
    assert [a.mandate.id for a in select(assessed, "unprofor-safe-areas-1993")] == [
        "unprofor-safe-areas-1993"
    ]
    assert select(assessed, "monusco") == []


def test_a_good_mandate_is_not_flagged(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    (good,) = assess(load_mandates(path))
    assert good.flags == ()
    assert good.resourcing_ratio == pytest.approx(11000 / 12000)
    assert good.troops_per_1000 == pytest.approx(22.0)
    assert not any(n.startswith("unsourced") or "without" in n for n in good.notes)


def test_json_file_and_the_protection_flags(tmp_path: Path) -> None:
    record = {
        "id": "thin-2001",
        "date": "2001-01-01",
        "troops_requested": 10000,
        "troops_authorised": 3000,
        "chapter_vii": False,
        "poc_authority": True,
    }
    path = tmp_path / "thin.json"
    path.write_text(json.dumps({"mission": [record]}))
    (thin,) = assess(load_mandates(path))
    assert thin.flag_codes == ("protection-without-force", "no-chapter-vii-with-protection-task")
    assert "resourcing ratio 0.30" in thin.flags[0].reason
    assert "no Chapter VII authority" in thin.flags[0].reason
    assert "troops_requested given without troops_requested_source" in thin.notes


def test_a_later_smaller_record_of_the_same_mission_is_a_cut(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(
        json.dumps(
            [
                {"id": "m-1", "mission": "M", "date": "2000-01-01", "troops_authorised": 900},
                {"id": "m-2", "mission": "M", "date": "2000-06-01", "troops_authorised": 450},
                {"id": "other", "date": "2000-07-01", "troops_authorised": 100},
            ]
        )
    )
    flags = {a.mandate.id: a.flag_codes for a in assess(load_mandates(path))}
    assert flags == {"m-1": (), "m-2": ("force-cut-during-crisis",), "other": ()}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.toml", "[[mission]\n", "invalid TOML"),
        ("bad.json", "{", "invalid JSON at line 1"),
        ("bad.json", '[{"id": "x", "date": "2000-01-01", "troops": 5}]', "unknown field 'troops'"),
        (
            "bad.json",
            '[{"id": "x", "date": "2000-01-01", "troops_authorised": -5}]',
            "whole number",
        ),
        ("bad.json", '[{"id": "x", "date": "01/01/2000"}]', "date: expected YYYY-MM-DD"),
        ("bad.json", '[{"date": "2000-01-01"}]', "id: missing"),
        ("bad.json", '[{"id": "x", "date": "2000-01-01", "chapter_vii": "yes"}]', "true or false"),
        ("bad.json", "[]", "no mission records"),
        ("bad.txt", "", "expected a .toml or .json file"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(MandateError, match=message) as caught:
        load_mandates(path)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MandateError, match="cannot read"):
        load_mandates(tmp_path / "absent.toml")


def test_flags_and_thresholds_are_documented() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "security-council.md"
    text = doc.read_text(encoding="utf-8")
    assert THRESHOLDS == {"protection_ratio": 0.5, "severe_ratio": 0.25}
    assert "ratio < 0.5" in text and "ratio < 0.25" in text
    for flag in (
        "protection-without-force",
        "severe-under-resourcing",
        "no-chapter-vii-with-protection-task",
        "force-cut-during-crisis",
    ):
        assert f"| `{flag}` |" in text
