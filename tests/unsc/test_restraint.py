"""Tests for the veto-restraint scenarios on the real veto record."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from forewarn.cases.timeline import list_cases, load_case
from forewarn.config import Settings
from forewarn.unsc.members import UnscError
from forewarn.unsc.restraint import (
    Scenario,
    ScenarioResult,
    VoteCount,
    judge,
    load_scenarios,
    run_scenarios,
)
from forewarn.unsc.vetoes import load_vetoes

NO_COUNT = {
    "1994-12-02#1", "2007-01-12#1", "2017-11-17#1", "2018-02-26#1", "2018-06-01#1",
    "2020-07-10#1",
}  # fmt: skip


@pytest.fixture(scope="module")
def frame(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    settings = Settings(data_mirror=mirror, cache_dir=tmp_path_factory.mktemp("cache"))
    return load_vetoes(settings)[0]


@pytest.fixture(scope="module")
def results(frame: pd.DataFrame) -> dict[str, ScenarioResult]:
    return {r.scenario.id: r for r in run_scenarios(frame, load_scenarios())}


def test_packaged_scenarios() -> None:
    scenarios = {s.id: s for s in load_scenarios()}
    assert list(scenarios) == ["none", "french-mexican", "act-code", "full"]
    assert scenarios["none"].bound == frozenset()
    assert scenarios["french-mexican"].bound == {"FRA"}
    assert scenarios["act-code"].bound == {"FRA", "GBR"}
    assert scenarios["full"].bound == {"CHN", "FRA", "GBR", "RUS", "USA"}


def test_no_restraint_passes_nothing(results: dict[str, ScenarioResult]) -> None:
    none = results["none"]
    assert none.number("passes") == 0
    assert none.number("blocked") == len(none.outcomes) == 33
    assert none.number("unknown") == 0
    assert none.blocked_by() == {"RUS": 25, "CHN": 13, "USA": 8}


def test_more_restraint_never_passes_fewer(results: dict[str, ScenarioResult]) -> None:
    passes = [results[s].number("passes") for s in ("french-mexican", "act-code", "full")]
    assert passes[2] >= passes[1] >= passes[0] >= 0
    # France and the United Kingdom cast none of the atrocity-tagged vetoes
    assert passes[:2] == [0, 0]
    assert results["act-code"].blocked_by() == results["none"].blocked_by()


def test_full_restraint_reports_unknown_counts_apart(results: dict[str, ScenarioResult]) -> None:
    full = results["full"]
    assert full.number("blocked") == 0
    assert {o.veto_id for o in full.outcomes if o.status == "unknown"} == NO_COUNT
    assert full.number("passes") == 27
    record = full.to_record()
    assert record["unknown_no_vote_count"] == 6
    assert record["optimistic_passes"] == 33
    unknown = next(d for d in record["drafts"] if d["id"] == "2017-11-17#1")
    assert unknown["status"] == "unknown (no recorded vote count)"
    assert unknown["yes"] is None and unknown["vote_count_source"] is None


def test_vote_counts_come_from_the_row_or_a_case_file(results: dict[str, ScenarioResult]) -> None:
    by_id = {o.veto_id: o for o in results["full"].outcomes}
    first = by_id["2011-10-04#1"]
    assert (first.yes, first.required, first.status) == (9, 9, "passes")
    assert first.count_source == "case syria-2011: 9-2-4"
    assert by_id["2015-07-08#1"].count_source == "case srebrenica-1995: 10-1-4"
    assert by_id["2023-07-11#1"].count_source == "supplement row"


def _row(on: date, seats: tuple[str, ...]) -> pd.Series:
    return pd.Series({"id": "x", "date": on, "draft": "", "topic": "", "seats": seats})


def test_judge_applies_the_threshold_of_the_day() -> None:
    full = Scenario("full", "t", frozenset({"CHN", "FRA", "GBR", "RUS", "USA"}), "n", ())
    act = Scenario("act-code", "t", frozenset({"FRA", "GBR"}), "n", ())
    before = date(1960, 5, 1)
    assert judge(_row(before, ("RUS",)), full, VoteCount(7, 2, 2, "s")).status == "passes"
    assert judge(_row(before, ("RUS",)), full, VoteCount(6, 2, 3, "s")).status == "fails"
    assert judge(_row(date(2020, 1, 1), ("RUS",)), full, VoteCount(8, 1, 6, "s")).required == 9
    blocked = judge(_row(date(2020, 1, 1), ("GBR", "USA")), act, None)
    assert (blocked.status, blocked.blocked_by, blocked.set_aside) == (
        "blocked",
        ("USA",),
        ("GBR",),
    )


def test_bad_scenario_file(tmp_path: Path) -> None:
    text = resources.files("forewarn.unsc") / "data" / "restraint.toml"
    bad = tmp_path / "restraint.toml"
    bad.write_text(
        text.read_text(encoding="utf-8").replace('bound = ["FRA"]', 'bound = ["FRA", "RUS"]')
    )
    with pytest.raises(UnscError, match="bound and not_bound must split"):
        load_scenarios(bad)
    bad.write_text("schema = 1\n[[scenario\n")
    with pytest.raises(UnscError, match="invalid TOML"):
        load_scenarios(bad)


def test_supplement_counts_agree_with_the_case_files(frame: pd.DataFrame) -> None:
    recorded = frame[frame["yes"].notna()]
    checked = 0
    for case_id in list_cases():
        for event in load_case(case_id).events_of_kind("veto"):
            same = recorded[
                (recorded["date"] == event.date)
                & (recorded["seats"].map(set) == set(event.vetoed_by))
            ]
            if event.vote and len(same):
                row = same.iloc[0]
                assert f"{row['yes']}-{row['no']}-{row['abstain']}" == event.vote
                checked += 1
    assert checked >= 1  # 11 Jul 2023: 13-1-1 in both
