"""Tests for the packaged Security Council membership data and its lookups (real data)."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from forewarn.unsc.members import (
    MembershipData,
    UnscError,
    council_on,
    load_members,
    resolve_member,
)

DATA = resources.files("forewarn.unsc") / "data"
P5_NOW = {"CHN", "FRA", "GBR", "RUS", "USA"}


@pytest.fixture(scope="module")
def data() -> MembershipData:
    return load_members()


def _error(name: str, on: date) -> str:
    with pytest.raises(UnscError) as caught:
        resolve_member(name, on)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- composition ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", range(1946, 2027))
def test_size_and_threshold_every_year(year: int) -> None:
    for on in (date(year, 1, 1), date(year, 7, 1), date(year, 12, 31)):
        council = council_on(on)
        expected = (11, 7) if year < 1966 else (15, 9)
        assert (council.size, council.votes_required) == expected
        assert len(council.members) == council.size
        assert len(council.permanent) == 5
        assert len({m.code for m in council.members}) == council.size


def test_enlargement_applies_from_1966() -> None:
    assert council_on(date(1965, 12, 31)).size == 11
    assert council_on(date(1966, 1, 1)).size == 15
    assert council_on(date(1966, 1, 1)).votes_required == 9


def test_every_year_and_rule_is_sourced(data: MembershipData) -> None:
    assert sorted(data.elected) == list(range(1946, 2027))
    for listed in data.elected.values():
        assert listed.sources
        assert all(key in data.sources for key in listed.sources)
    for holding in data.seats:
        assert holding.sources
    for rule in data.compositions:
        assert rule.sources


def test_dates_outside_the_data_are_errors() -> None:
    for on in (date(1945, 12, 31), date(2027, 1, 1)):
        with pytest.raises(UnscError, match="no Security Council membership recorded"):
            council_on(on)


def test_first_council_of_1946() -> None:
    elected = {m.code for m in council_on(date(1946, 6, 1)).elected}
    assert elected == {"AUS", "BRA", "EGY", "MEX", "NLD", "POL"}


def test_council_of_resolution_1973() -> None:
    members = {m.code for m in council_on(date(2011, 3, 17)).members}
    assert members == {
        "BIH", "BRA", "CHN", "COL", "FRA", "GAB", "DEU", "IND",
        "LBN", "NGA", "PRT", "RUS", "ZAF", "GBR", "USA",
    }  # fmt: skip


def test_german_democratic_republic_sat_in_1980_and_1981() -> None:
    assert resolve_member("East Germany", date(1980, 3, 1)).code == "DDR"
    assert resolve_member("GDR", date(1981, 11, 30)).code == "DDR"
    assert "was not a member" in _error("Germany", date(1980, 3, 1))


def test_latest_elected_members() -> None:
    elected = {m.code for m in council_on(date(2026, 11, 25)).elected}
    assert elected == {"BHR", "COL", "COD", "LVA", "LBR", "DNK", "GRC", "PAK", "PAN", "SOM"}


# --- permanent seats -----------------------------------------------------------------------


def test_china_seat_switch() -> None:
    before, after = date(1971, 10, 24), date(1971, 10, 25)
    assert resolve_member("China", before).code == "TWN"
    assert resolve_member("China", after).code == "CHN"
    assert council_on(before).is_permanent("TWN")
    assert council_on(after).is_permanent("CHN")
    assert not council_on(after).has("TWN")
    assert "was not a member" in _error("PRC", before)
    assert "was not a member" in _error("ROC", after)


def test_ussr_to_russian_federation() -> None:
    assert resolve_member("USSR", date(1991, 12, 23)).code == "SUN"
    assert resolve_member("Russia", date(1991, 12, 24)).code == "RUS"
    assert resolve_member("USSR", date(1980, 5, 1)).code == "SUN"
    assert resolve_member("Soviet Union", date(1950, 1, 1)).code == "SUN"


def test_russia_in_1980_is_an_error() -> None:
    message = _error("Russia", date(1980, 5, 1))
    assert "'Russia'" in message and "1980-05-01" in message


def test_ussr_in_2000_is_an_error() -> None:
    assert "was not a member" in _error("USSR", date(2000, 1, 1))


def test_permanent_members_today() -> None:
    assert {m.code for m in council_on(date(2026, 11, 25)).permanent} == P5_NOW


# --- names and aliases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("UK", "GBR"),
        ("U.K.", "GBR"),
        ("Britain", "GBR"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("gbr", "GBR"),
        ("US", "USA"),
        ("USA", "USA"),
        ("United States of America", "USA"),
        ("France", "FRA"),
        ("Russian Federation", "RUS"),
        ("  russia ", "RUS"),
    ],
)
def test_common_aliases(name: str, code: str) -> None:
    assert resolve_member(name, date(2011, 3, 17)).code == code


@pytest.mark.parametrize(
    ("name", "on", "code"),
    [
        ("Ivory Coast", date(1990, 6, 1), "CIV"),
        ("Cote d'Ivoire", date(2018, 6, 1), "CIV"),
        ("Zaire", date(1982, 6, 1), "COD"),
        ("Ceylon", date(1960, 6, 1), "LKA"),
        ("United Arab Republic", date(1961, 6, 1), "EGY"),
        ("Ukrainian SSR", date(1948, 6, 1), "UKR"),
        ("Byelorussian SSR", date(1974, 6, 1), "BLR"),
        ("Yugoslavia", date(1950, 6, 1), "YUG"),
        ("Czechoslovakia", date(1978, 6, 1), "CSK"),
        ("Turkey", date(2010, 6, 1), "TUR"),
        ("Guinea Bissau", date(1996, 6, 1), "GNB"),
        ("St. Vincent and the Grenadines", date(2021, 6, 1), "VCT"),
        ("South Korea", date(2024, 6, 1), "KOR"),
    ],
)
def test_historic_and_variant_names(name: str, on: date, code: str) -> None:
    assert resolve_member(name, on).code == code


def test_unknown_name_is_a_one_line_error() -> None:
    message = _error("Atlantis", date(2000, 1, 1))
    assert "unknown Security Council member 'Atlantis'" in message


def test_name_with_a_newline_stays_on_one_line() -> None:
    _error("Fr\nance", date(2000, 1, 1))


def test_every_member_resolves_by_code_and_name_every_year(data: MembershipData) -> None:
    for year in data.elected:
        council = council_on(date(year, 6, 30))
        for member in council.members:
            assert resolve_member(member.code, council.on) == member
            assert resolve_member(member.name, council.on) == member


# --- validation of the file ----------------------------------------------------------------


def _packaged_text() -> str:
    return (DATA / "members.toml").read_text(encoding="utf-8")


def test_a_short_year_is_rejected(tmp_path: Path) -> None:
    text = _packaged_text().replace(
        'members = ["AUS", "BRA", "EGY", "MEX", "NLD", "POL"]',
        'members = ["AUS", "BRA", "EGY", "MEX", "NLD"]',
    )
    path = tmp_path / "members.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnscError, match=r"members\.toml: elected_year 1946: expected 6"):
        load_members(path)


def test_an_unknown_source_key_is_rejected(tmp_path: Path) -> None:
    text = _packaged_text().replace('sources = ["ga-2758"]', 'sources = ["nowhere"]', 1)
    path = tmp_path / "members.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnscError, match="unknown source key 'nowhere'"):
        load_members(path)


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(UnscError, match="cannot read"):
        load_members(tmp_path / "absent.toml")


# --- the veto supplement -------------------------------------------------------------------

VETO_COLUMNS = [
    "date", "draft", "meeting_record", "agenda_item", "crisis_topic", "member_veto1",
    "member_veto2", "member_veto3", "yes", "no", "abstain", "source",
]  # fmt: skip


@pytest.fixture(scope="module")
def vetoes() -> list[dict[str, str]]:
    text = (DATA / "vetoes_supplement.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == VETO_COLUMNS
    return list(reader)


def test_veto_rows_are_dated_in_range_and_in_order(vetoes: list[dict[str, str]]) -> None:
    days = [date.fromisoformat(row["date"]) for row in vetoes]
    assert days == sorted(days)
    assert all(date(2022, 7, 9) <= day <= date(2026, 11, 25) for day in days)


def test_every_veto_was_cast_by_a_seated_permanent_member(
    vetoes: list[dict[str, str]],
) -> None:
    for row in vetoes:
        on = date.fromisoformat(row["date"])
        names = [row[f"member_veto{i}"] for i in (1, 2, 3) if row[f"member_veto{i}"]]
        assert names, row["date"]
        for name in names:
            assert council_on(on).is_permanent(resolve_member(name, on).code)


def test_veto_counts_and_symbols_are_well_formed(vetoes: list[dict[str, str]]) -> None:
    for row in vetoes:
        assert row["source"].strip()
        assert not row["draft"] or re.fullmatch(r"S/\d{4}/\d+", row["draft"])
        assert not row["meeting_record"] or re.fullmatch(r"S/PV\.\d+", row["meeting_record"])
        counts = [int(row[k]) for k in ("yes", "no", "abstain") if row[k]]
        assert int(row["yes"]) >= 9, "a veto only counts when the draft had nine votes"
        if len(counts) == 3:
            assert sum(counts) == 15


def test_known_vetoes_are_present(vetoes: list[dict[str, str]]) -> None:
    index = {(row["date"], row["member_veto1"], row["member_veto2"]) for row in vetoes}
    assert ("2022-09-30", "Russia", "") in index
    assert ("2023-10-25", "China", "Russia") in index
    assert ("2024-11-20", "USA", "") in index


# --- veto-restraint scenarios --------------------------------------------------------------


@pytest.fixture(scope="module")
def restraint() -> dict[str, Any]:
    return tomllib.loads((DATA / "restraint.toml").read_text(encoding="utf-8"))


def test_scenarios_partition_the_permanent_members(restraint: dict[str, Any]) -> None:
    scenarios = {s["id"]: s for s in restraint["scenario"]}
    assert set(scenarios) == {"none", "french-mexican", "act-code", "full"}
    for scenario in scenarios.values():
        bound, free = set(scenario["bound"]), set(scenario["not_bound"])
        assert not bound & free and bound | free == P5_NOW
        assert all(key in restraint["sources"] for key in scenario["sources"])
    assert scenarios["none"]["bound"] == []
    assert scenarios["french-mexican"]["bound"] == ["FRA"]
    assert set(scenarios["act-code"]["bound"]) == {"FRA", "GBR"}
    assert set(scenarios["full"]["bound"]) == P5_NOW


def test_commitments_are_sourced(restraint: dict[str, Any]) -> None:
    for commitment in restraint["commitment"]:
        assert commitment["member"] in P5_NOW
        assert commitment["sources"]
        assert all(key in restraint["sources"] for key in commitment["sources"])
