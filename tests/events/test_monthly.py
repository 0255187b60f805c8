"""The monthly series on the real CAF file, against an independent computation from the raw
GeoJSON (plain Python over the features, no pandas, no forewarn code)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from forewarn.events import monthly
from forewarn.events.storage import events_root

ALL = None


def _month_shift(month: str, k: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + k
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] != last:
        out.append(_month_shift(out[-1], 1))
    return out


@pytest.fixture(scope="module")
def raw(caf_geojson: Path) -> list[dict[str, Any]]:
    """Each event's fields as the monitor should see them, read with json alone; death
    estimates that disagree widened to min-max (the documented --repair-estimates rule)."""
    events = []
    for feature in json.loads(caf_geojson.read_text(encoding="utf-8"))["features"]:
        p = feature["properties"]
        trio = (p["best"], p["low"], p["high"])
        events.append(
            {
                "month": p["date_start"][:7],
                "type": p["type_of_violence"],
                "area": p["adm_1"] or None,
                "best": p["best"],
                "low": min(trio),
                "high": max(trio),
                "civilians": p["deaths_civilians"],
                "government": p["side_a"].startswith("Government of"),
            }
        )
    return events


def _expected(raw: list[dict[str, Any]], months: list[str], admin1: bool) -> dict[tuple, dict]:
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    hit: dict[tuple, set[str]] = defaultdict(set)  # (month, type) -> areas with events
    for e in raw:
        for kind in (e["type"], ALL):
            hit[(e["month"], kind)].add(e["area"]) if e["area"] else None
            keys = [(e["month"], None, kind)]
            if admin1:
                keys = [(e["month"], e["area"], kind)] if e["area"] else []
            for key in keys:
                s = sums[key]
                s["events"] += 1
                s["deaths_best"] += e["best"]
                s["deaths_low"] += e["low"]
                s["deaths_high"] += e["high"]
                s["deaths_civilians"] += e["civilians"]
                if e["type"] == 3:
                    who = "government" if e["government"] else "nonstate"
                    s[f"osv_{who}_events"] += 1
                    s[f"osv_{who}_deaths"] += e["best"]
    out = {}
    for month in months:
        for kind in (1, 2, 3, ALL):
            now = hit[(month, kind)]
            before = set().union(*(hit[(_month_shift(month, -k), kind)] for k in range(1, 13)))
            areas = sorted({e["area"] for e in raw if e["area"]}) if admin1 else [None]
            for area in areas:
                figures = dict(sums.get((month, area, kind), {}))
                inside = now if area is None else now & {area}
                figures["areas"] = len(inside)
                figures["new_areas"] = len(inside - before)
                out[(month, area, kind)] = figures
    return out


def _actual(frame: Any) -> dict[tuple, dict]:
    out = {}
    for r in monthly.records(frame):
        key = (r.pop("month"), r.pop("admin1"), r.pop("type_of_violence"))
        r.pop("iso3")
        out[key] = {k: v for k, v in r.items() if v}
    return out


@pytest.mark.parametrize("admin1", [False, True], ids=["country", "admin1"])
def test_the_series_match_an_independent_count_of_the_raw_file(
    caf_store: Path, raw: list[dict[str, Any]], admin1: bool
) -> None:
    table = monthly.counts(caf_store, "ged", "CAF")
    first = min(e["month"] for e in raw)
    last = max(e["month"] for e in raw)
    frame = monthly.series(table, "CAF", monthly.span_of(table, None, None), admin1=admin1)
    months = _months(first, last)
    expected = {
        k: {n: v for n, v in f.items() if v} for k, f in _expected(raw, months, admin1).items()
    }
    assert _actual(frame) == expected
    assert sorted(set(frame["month"])) == months  # every month, quiet ones too


def test_months_without_events_are_present_with_zeros(caf_store: Path) -> None:
    table = monthly.counts(caf_store, "ged", "CAF")
    frame = monthly.series(table, "CAF", monthly.Span(192001, 192012))
    assert len(frame) == 12 * 4 and set(frame["month"]) == {f"1920-{m:02d}" for m in range(1, 13)}
    assert (frame[monthly.FIGURES] == 0).all().all()


def test_the_json_of_the_command(
    caf_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from .test_import import run_cli

    out = tmp_path / "caf.json"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        caf_store.parent,
        "events",
        "monthly",
        "CAF",
        "--admin1",
        "--from",
        "2013-01",
        "--to",
        "2013-12",
        "--json",
        str(out),
    )
    assert code == 0, err
    rows = json.loads(out.read_text())
    assert {"iso3", "month", "admin1", "type_of_violence", "events", "deaths_best"} <= set(rows[0])
    assert {r["month"] for r in rows} == {f"2013-{m:02d}" for m in range(1, 13)}
    assert all(r["admin1"] for r in rows) and {r["type_of_violence"] for r in rows} == {
        None,
        1,
        2,
        3,
    }
    code, _, err = run_cli(
        monkeypatch, capsys, caf_store.parent, "events", "monthly", "CAF", "--from", "2013-13"
    )
    assert code == 2 and "not a month" in err and len(err.strip().splitlines()) == 1


def test_the_store_of_the_fixture_is_where_the_cli_looks(caf_store: Path) -> None:
    assert caf_store == events_root(caf_store.parent)
