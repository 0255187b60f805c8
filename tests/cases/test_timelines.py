"""Historical case timelines: bundled data loads, is sourced, and bad files fail loudly."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import forewarn
from forewarn.cases.timeline import (
    DECISION_KINDS,
    Case,
    CaseFileError,
    Event,
    list_cases,
    load_case,
)

CASE_IDS = ["libya-2011", "myanmar-2017", "rwanda-1994", "srebrenica-1995", "syria-2011"]
MANDATES = Path(forewarn.__file__).parent / "unsc" / "data" / "mandates.toml"

GOOD_HEAD = """
[case]
id = "{stem}"
title = "Test case"
country_iso3 = "RWA"
ccode = 517
onset_year = 1994
summary = "A test."
"""


def _on(case: Case, date: str) -> list[Event]:
    return [e for e in case.events if e.date == dt.date.fromisoformat(date)]


def _sources(case: Case) -> str:
    return "\n".join(e.source for e in case.events)


def _write(tmp_path: Path, event: str, stem: str = "bad-case") -> Path:
    path = tmp_path / f"{stem}.toml"
    path.write_text(GOOD_HEAD.format(stem=stem) + "\n[[event]]\n" + event, encoding="utf-8")
    return path


def test_list_cases_names_the_five_bundled_cases() -> None:
    assert list_cases() == CASE_IDS


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_loads_sorted_and_fully_sourced(case_id: str) -> None:
    case = load_case(case_id)
    assert case.id == case_id
    assert case.events
    assert [e.date for e in case.events] == sorted(e.date for e in case.events)
    for event in case.events:
        assert event.source.strip(), f"{case_id}: {event.title} has no source"
        assert event.title.strip()
        assert (event.kind == "veto") == bool(event.vetoed_by)


def test_rwanda_has_unamir_the_january_cable_and_the_cut() -> None:
    case = load_case("rwanda-1994")
    assert any("S/RES/872" in e.source for e in _on(case, "1993-10-05"))
    january = _on(case, "1994-01-11")
    assert {e.kind for e in january} == {"warning", "decision"}
    assert all("S/1999/1257" in e.source for e in january)
    cut = [e for e in case.events if "S/RES/912" in e.source and e.kind == "withdrawal"]
    assert [e.date for e in cut] == [dt.date(1994, 4, 21)]
    assert any("S/RES/918" in e.source for e in _on(case, "1994-05-17"))
    assert any(e.vote == "10-0-5" for e in _on(case, "1994-06-22"))
    assert "800,000" in _sources(case)


def test_srebrenica_has_safe_area_resolutions_fall_and_2015_veto() -> None:
    case = load_case("srebrenica-1995")
    for symbol in ("S/RES/819", "S/RES/824", "S/RES/836", "S/RES/844", "S/25939", "A/54/549"):
        assert symbol in _sources(case), symbol
    assert any(e.kind == "violence" for e in _on(case, "1995-07-11"))
    (veto,) = case.events_of_kind("veto")
    assert veto.vetoed_by == ("RUS",)
    assert "S/2015/508" in veto.source
    assert veto.date == dt.date(2015, 7, 8)


def test_libya_has_both_resolutions_with_their_votes_and_the_first_strikes() -> None:
    case = load_case("libya-2011")
    (r1970,) = [e for e in _on(case, "2011-02-26") if "S/RES/1970" in e.source]
    assert r1970.vote == "15-0-0"
    (r1973,) = [e for e in _on(case, "2011-03-17") if "S/RES/1973" in e.source]
    assert r1973.vote == "10-0-5"
    assert [e.kind for e in _on(case, "2011-03-19")] == ["deployment"]
    assert any(e.kind == "violence" for e in case.events if e.date < r1970.date)


def test_syria_vetoes_through_2024() -> None:
    case = load_case("syria-2011")
    vetoes = case.events_of_kind("veto")
    first = vetoes[0]
    assert first.date == dt.date(2011, 10, 4)
    assert "S/2011/612" in first.source
    assert set(first.vetoed_by) == {"RUS", "CHN"}
    assert all(dt.date(2011, 10, 4) <= v.date <= dt.date(2024, 12, 31) for v in vetoes)
    per_member = Counter(m for v in vetoes for m in v.vetoed_by)
    assert len(vetoes) == 18
    assert per_member == Counter({"RUS": 18, "CHN": 10})


def test_syria_has_crackdown_ghouta_and_the_unanimous_resolutions() -> None:
    case = load_case("syria-2011")
    (onset,) = [e for e in case.events if e.date == dt.date(2011, 3, 1)]
    assert onset.date_precision == "month"
    assert any(e.kind == "violence" for e in _on(case, "2013-08-21"))
    assert any("S/RES/2118" in e.source for e in _on(case, "2013-09-27"))
    assert any("S/RES/2165" in e.source for e in _on(case, "2014-07-14"))


def test_myanmar_has_warnings_onset_statement_report_and_icj_order() -> None:
    case = load_case("myanmar-2017")
    before = [e for e in case.events_of_kind("warning") if e.date < dt.date(2017, 8, 25)]
    assert len(before) >= 3
    assert any(e.kind == "violence" for e in _on(case, "2017-08-25"))
    assert [e.kind for e in _on(case, "2017-11-06")] == ["statement"]
    assert "A/HRC/39/64" in _sources(case)
    assert any("ICJ" in e.source for e in _on(case, "2020-01-23"))


def test_load_case_accepts_a_path(tmp_path: Path) -> None:
    event = 'date = "1994-04"\nkind = "cut"\ntitle = "t"\nsource = "s"\nprotective = false\n'
    path = _write(tmp_path, event + 'protective_source = "S/RES/912 (1994), para. 8"\n', "ok")
    (event,) = load_case(path).events
    assert (event.date, event.date_precision, event.kind) == (
        dt.date(1994, 4, 1),
        "month",
        "withdrawal",
    )


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ('date = "1994-04-07"\nkind = "violence"\ntitle = "t"\n', "event[0].source"),
        ('date = "1994-04-07"\nkind = "violence"\ntitle = "t"\nsource = " "\n', "event[0].source"),
        ('date = "1994-13-07"\nkind = "violence"\ntitle = "t"\nsource = "s"\n', "event[0].date"),
        ('date = "7 April 1994"\nkind = "violence"\ntitle = "t"\nsource = "s"\n', "event[0].date"),
        ('date = "1994-04-07"\nkind = "massacre"\ntitle = "t"\nsource = "s"\n', "event[0].kind"),
        ('date = "1994-04-07"\nkind = "veto"\ntitle = "t"\nsource = "s"\n', "event[0].vetoed_by"),
        (
            'date = "1994-04-07"\nkind = "veto"\ntitle = "t"\nsource = "s"\nvetoed_by = ["RWA"]\n',
            "event[0].vetoed_by",
        ),
        (
            'date = "1994-04-07"\nkind = "statement"\ntitle = "t"\nsource = "s"\nvote = "ten"\n',
            "event[0].vote",
        ),
        ('date = "1994-04-07"\nkind = "decision"\ntitle = "t"\nsouce = "s"\n', "event[0]"),
    ],
)
def test_bad_case_file_raises_naming_file_and_field(tmp_path: Path, event: str, field: str) -> None:
    path = _write(tmp_path, event)
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    message = str(info.value)
    assert str(path) in message
    assert field in message
    assert "\n" not in message


def test_unknown_case_id_and_mismatched_id_raise(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no such case file"):
        load_case("atlantis-2099")
    path = tmp_path / "other.toml"
    path.write_text(GOOD_HEAD.format(stem="not-other"), encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"\[case\]\.id"):
        load_case(path)


def test_mandates_give_a_source_for_every_figure() -> None:
    missions = tomllib.loads(MANDATES.read_text(encoding="utf-8"))["mission"]
    ids = {m["id"] for m in missions}
    assert {"unamir-1993", "unamir-1994-cut", "unamir-ii-1994", "unprofor-safe-areas-1993"} <= ids
    for mission in missions:
        assert mission["resolution"].startswith("S/RES/")
        assert isinstance(mission["unsourced"], list)
        for figure in ("troops_requested", "troops_authorised", "protected_population"):
            if figure in mission:
                assert isinstance(mission[figure], int)
                assert mission[f"{figure}_source"].strip(), f"{mission['id']}: {figure}"
    by_id = {m["id"]: m for m in missions}
    assert by_id["unamir-1993"]["troops_authorised"] == 2548
    assert by_id["unamir-1994-cut"]["troops_authorised"] == 270
    assert by_id["unamir-ii-1994"]["troops_authorised"] == 5500
    safe_areas = by_id["unprofor-safe-areas-1993"]
    assert (safe_areas["troops_requested"], safe_areas["troops_authorised"]) == (34000, 7600)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_decision_says_whether_it_protects_and_why(case_id: str) -> None:
    for event in load_case(case_id).events:
        if event.kind in DECISION_KINDS:
            assert event.protective is not None and event.protective_source.strip(), event.title
        else:
            assert event.protective is None and not event.protective_source, event.title


def test_protective_decisions_are_the_ones_that_authorise_protection() -> None:
    rwanda = load_case("rwanda-1994")
    protective = {e.date.isoformat() for e in rwanda.events if e.protective}
    assert protective == {"1994-05-17", "1994-06-22"}  # S/RES/918 and S/RES/929
    (unamir,) = _on(rwanda, "1993-10-05")
    assert unamir.protective is False and "S/RES/872" in unamir.protective_source
    libya = load_case("libya-2011")
    assert [e.protective for e in _on(libya, "2011-03-17") if e.kind == "decision"] == [True]
    assert not any(e.protective for e in load_case("myanmar-2017").events)
