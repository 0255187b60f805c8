"""Tests for the veto loader on the real registry file: defects, supplement, Syria, filters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from forewarn.cases.timeline import load_case
from forewarn.config import Settings
from forewarn.data import registry
from forewarn.unsc.atrocity import ATROCITY_RULES
from forewarn.unsc.members import UnscError
from forewarn.unsc.veto_defects import TEXT_FIELDS, LoadReport
from forewarn.unsc.vetoes import (
    counts,
    filter_vetoes,
    load_vetoes,
    load_vetoes_from,
    member_codes,
    to_records,
)

# Measured on the pinned file (sha256 d6b65d69...) before writing the loader.
MEASURED = {
    "member-flags-disagree": 26,
    "summary-flags-disagree": 4,
    "duplicate-row": 1,
    "meeting-symbol-in-draft": 24,
    "draft-meeting-conflict": 2,
    "embedded-newline": 3,
    "date-format": 214,
    "year-month-disagree": 0,
    "missing-recent-vetoes": 18,
}
SYRIA = [
    ("2011-10-04", {"RUS", "CHN"}), ("2012-02-04", {"RUS", "CHN"}),
    ("2012-07-19", {"RUS", "CHN"}), ("2014-05-22", {"RUS", "CHN"}),
    ("2016-10-08", {"RUS"}), ("2016-12-05", {"RUS", "CHN"}),
    ("2017-02-28", {"RUS", "CHN"}), ("2017-04-12", {"RUS"}),
    ("2017-10-24", {"RUS"}), ("2017-11-16", {"RUS"}), ("2017-11-17", {"RUS"}),
    ("2018-04-10", {"RUS"}), ("2019-09-19", {"RUS", "CHN"}),
    ("2019-12-20", {"RUS", "CHN"}), ("2020-07-07", {"RUS", "CHN"}),
    ("2020-07-10", {"RUS", "CHN"}), ("2022-07-08", {"RUS"}), ("2023-07-11", {"RUS"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def loaded(
    mirror: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, LoadReport]:
    settings = Settings(data_mirror=mirror, cache_dir=tmp_path_factory.mktemp("cache"))
    return load_vetoes(settings)


@pytest.fixture(scope="module")
def frame(loaded: tuple[pd.DataFrame, LoadReport]) -> pd.DataFrame:
    return loaded[0]


@pytest.fixture(scope="module")
def raw(mirror: Path) -> pd.DataFrame:
    """The registry file as it is, for measuring against the loader."""
    path = mirror / registry.dataset("unsc-vetoes").relpath
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _day(text: str) -> date:
    return date.fromisoformat(text)


# -- defects -----------------------------------------------------------------------------------


def test_every_defect_is_counted_as_measured(loaded: tuple[pd.DataFrame, LoadReport]) -> None:
    report = loaded[1]
    assert {d.code: d.count for d in report.defects} == MEASURED
    assert (report.base_rows, report.supplement_rows) == (214, 18)
    for d in report.defects:
        assert len(d.examples) == min(d.count, 3)
        assert d.description and d.treatment


def test_counts_agree_with_the_raw_file(
    raw: pd.DataFrame, loaded: tuple[pd.DataFrame, LoadReport]
) -> None:
    report = loaded[1]
    assert raw["draft"].str.contains("S/PV.", regex=False).sum() == report.count(
        "meeting-symbol-in-draft"
    )
    assert raw["meeting_record"].str.contains("\n").sum() == report.count("embedded-newline")
    assert raw.duplicated().sum() == report.count("duplicate-row")


def test_no_meeting_symbol_remains_in_draft(frame: pd.DataFrame) -> None:
    assert not frame["draft"].str.contains("S/PV", regex=False).any()
    first = frame[frame["date"] == _day("1946-02-16")].iloc[0]
    assert (first["draft"], first["meeting"]) == ("", "S/PV.23")
    beside = frame[frame["date"] == _day("1947-09-15")]
    assert set(beside["draft"]) == {"S/552"}
    assert set(beside["meeting"]) == {"S/PV.202"}


def test_conflicting_meeting_symbols_keep_meeting_record_and_note_the_draft(
    frame: pd.DataFrame,
) -> None:
    row = frame[frame["date"] == _day("1946-06-18")].iloc[0]
    assert row["meeting"] == "S/PV.47"
    assert "S/PV.45" in row["note"]


def test_no_newline_remains(frame: pd.DataFrame) -> None:
    for field in ("draft", "meeting", "agenda", "topic", "region", "source"):
        assert not frame[field].str.contains(r"[\r\n]").any(), field
    row = frame[frame["date"] == _day("2020-07-07")].iloc[0]
    assert row["meeting"] == "S/2020/661; S/2020/657"
    assert "meeting_record" in TEXT_FIELDS


def test_member_veto_columns_are_trusted_over_flags(frame: pd.DataFrame) -> None:
    # line 111 of the file: France, UK and USA named; only UK and USA flagged
    row = frame[(frame["date"] == _day("1976-10-19"))].iloc[0]
    assert set(row["vetoed_by"]) == {"FRA", "GBR", "USA"}


def test_dates_ids_and_seats(frame: pd.DataFrame) -> None:
    assert all(isinstance(d, date) for d in frame["date"])
    assert frame["date"].is_monotonic_increasing
    assert frame["id"].is_unique
    assert list(frame[frame["date"] == _day("1946-06-26")]["id"]) == [
        "1946-06-26#1",
        "1946-06-26#2",
        "1946-06-26#3",
    ]
    ussr = frame[frame["vetoed_by"].map(lambda v: "SUN" in v)]
    assert len(ussr) == 90 and all(s == ("RUS",) for s in ussr["seats"])
    assert (
        max(ussr["date"])
        < _day("1991-12-24")
        <= min(frame[frame["vetoed_by"].map(lambda v: "RUS" in v)]["date"])
    )


# -- supplement --------------------------------------------------------------------------------


def test_supplement_rows_are_present_with_sources(frame: pd.DataFrame) -> None:
    extra = frame[frame["origin"] == "supplement"]
    assert len(extra) == 18
    assert (
        min(extra["date"]) == _day("2022-09-30") > max(frame[frame["origin"] == "registry"]["date"])
    )
    assert extra["source"].str.len().min() > 40
    sudan = extra[extra["date"] == _day("2024-11-18")].iloc[0]
    assert (sudan["yes"], sudan["no"], sudan["abstain"], sudan["seats"]) == (14, 1, 0, ("RUS",))
    assert set(extra[extra["date"] == _day("2025-02-24")]["kind"]) == {"amendment"}


# -- Syria ----------------------------------------------------------------------------------------


def test_syria_record_is_exact(frame: pd.DataFrame) -> None:
    syria = filter_vetoes(frame, topic="syria", since=_day("2011-01-01"))
    got = [(d.isoformat(), set(s)) for d, s in zip(syria["date"], syria["seats"], strict=True)]
    assert got == SYRIA
    assert counts(syria)["by_seat"] == {"RUS": 18, "CHN": 10}
    assert list(syria["origin"]).count("registry") == 17
    assert syria.iloc[-1]["draft"] == ""  # S/2023/506 was not confirmed in a UN document
    assert "SC/15348" in syria.iloc[-1]["source"]


def test_syria_record_agrees_with_the_case_file(frame: pd.DataFrame) -> None:
    case = load_case("syria-2011")
    events = [(e.date, set(e.vetoed_by)) for e in case.events_of_kind("veto")]
    syria = filter_vetoes(frame, topic="SYRIA", since=_day("2011-01-01"), until=_day("2024-12-31"))
    assert events == [(d, set(s)) for d, s in zip(syria["date"], syria["seats"], strict=True)]


# -- atrocity tags ---------------------------------------------------------------------------------


def test_atrocity_tags_follow_the_rule_table(frame: pd.DataFrame) -> None:
    tagged = frame[frame["atrocity"]]
    assert len(tagged) == 33
    rules = dict(zip(tagged["id"], tagged["atrocity_rule"], strict=True))
    assert rules["2015-07-08#1"] == "srebrenica-genocide"
    assert rules["1994-12-02#1"] == "bosnia-war"
    assert rules["2007-01-12#1"] == "myanmar"
    assert rules["2024-11-18#1"] == "darfur-sudan"
    assert rules["2018-02-26#1"] == "yemen"
    untagged = set(frame[~frame["atrocity"]]["id"])
    assert {"1946-02-16#1", "2002-06-30#1", "2024-04-18#1", "2022-02-25#1"} <= untagged


def test_every_atrocity_rule_is_documented() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "security-council.md"
    text = doc.read_text(encoding="utf-8")
    assert [r.id for r in ATROCITY_RULES if f"| `{r.id}` |" not in text] == []


# -- filters ------------------------------------------------------------------------------------


def test_member_aliases(frame: pd.DataFrame) -> None:
    assert member_codes("USSR") == {"SUN"}
    assert member_codes("Russia") == {"RUS"}
    assert member_codes("China") == {"CHN", "TWN"}
    assert member_codes("UK") == {"GBR"}
    total = counts(frame)["by_seat"]["RUS"]
    assert (
        len(filter_vetoes(frame, member="USSR")) + len(filter_vetoes(frame, member="Russia"))
        == total
    )
    with pytest.raises(UnscError, match="never held a permanent seat"):
        member_codes("Japan")
    with pytest.raises(UnscError, match="unknown Security Council member"):
        member_codes("Atlantis")


def test_date_filters_are_inclusive(frame: pd.DataFrame) -> None:
    day = filter_vetoes(frame, since=_day("2017-11-16"), until=_day("2017-11-17"))
    assert list(day["id"]) == ["2017-11-16#1", "2017-11-17#1"]


def test_records_are_json_ready(frame: pd.DataFrame) -> None:
    records = to_records(frame)
    text = json.dumps(records)
    assert len(json.loads(text)) == len(frame)
    last = records[-1]
    assert last["date"] == "2025-09-18" and last["vetoed_by"] == ["USA"] and last["yes"] == 14
    assert records[0]["yes"] is None


# -- bad input ------------------------------------------------------------------------------------


def test_bad_files_raise_one_line_errors(mirror: Path, tmp_path: Path) -> None:
    source = mirror / registry.dataset("unsc-vetoes").relpath
    broken = tmp_path / "vetoes.csv"
    broken.write_text(source.read_text(encoding="utf-8").replace("2/16/1946", "1946-02-16"))
    with pytest.raises(UnscError, match=r"line 2: date '1946-02-16' is not M/D/YYYY"):
        load_vetoes_from(broken)
    no_column = tmp_path / "short.csv"
    no_column.write_text("year,date\n1946,2/16/1946\n")
    with pytest.raises(UnscError, match="missing column 'month'"):
        load_vetoes_from(no_column)
    supplement = tmp_path / "supplement.csv"
    supplement.write_text(
        "date,draft,meeting_record,agenda_item,crisis_topic,member_veto1,member_veto2,"
        "member_veto3,yes,no,abstain,source\n2023-01-05,,,,X,Japan,,,13,1,1,a source\n"
    )
    with pytest.raises(UnscError, match="'Japan'") as caught:
        load_vetoes_from(source, supplement)
    assert "\n" not in str(caught.value)
