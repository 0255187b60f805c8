"""The pieces pages are made of: the history chart, the map's scale and join, the views."""

from __future__ import annotations

import pandas as pd

from forewarn.framework.catalogue import load_framework
from forewarn.web import geo, views
from forewarn.web.charts import Point, history_chart


def _points(values: list[float | None], onsets: tuple[int, ...] = ()) -> list[Point]:
    return [
        Point(2000 + i, v, None if v is None else v * 0.5, None if v is None else v * 2,
              2000 + i in onsets)
        for i, v in enumerate(values)
    ]  # fmt: skip


def test_the_chart_draws_line_band_and_onsets() -> None:
    chart = history_chart(_points([0.01, 0.02, 0.03, 0.04], onsets=(2002,)))
    assert chart is not None
    assert chart.line.startswith("M") and chart.line.count("L") == 3
    assert chart.band.endswith("Z") and chart.band.count("M") == 1
    assert [o.year for o in chart.onsets] == [2002]
    assert chart.y_ticks[0][1] == 0 and chart.y_ticks[-1][1] >= 0.08  # the band's top
    assert chart.left <= chart.dots[0][0] < chart.dots[-1][0] <= chart.right
    assert chart.dots[0][1] > chart.dots[-1][1]  # higher risk is drawn higher up


def test_the_chart_breaks_the_line_at_missing_years() -> None:
    chart = history_chart(_points([0.01, None, 0.03, 0.04]))
    assert chart is not None
    assert chart.line.count("M") == 2 and chart.band.count("M") == 2
    assert len(chart.dots) == 3


def test_no_chart_without_any_risk() -> None:
    assert history_chart(_points([None, None])) is None


def test_small_risks_get_decimals_on_the_axis() -> None:
    chart = history_chart(_points([0.001, 0.002]))
    assert chart is not None and chart.digits == 1
    big = history_chart(_points([0.05, 0.1]))
    assert big is not None and big.digits == 0


def test_the_scale_has_one_colour_per_class() -> None:
    assert len(geo.COLOURS) == len(geo.BREAKS) + 1
    assert list(geo.BREAKS) == sorted(geo.BREAKS) and 0.04 in geo.BREAKS  # the warning rule


def test_the_legend_is_formatted_in_the_language() -> None:
    assert [label for _, label in geo.legend("en")] == [
        "< 0.5%", "0.5%–1%", "1%–2%", "2%–4%", "4%–8%", "≥ 8%"]  # fmt: skip
    assert geo.legend("id")[0][1] == "< 0,5%"


def test_numeric_codes_map_to_iso3() -> None:
    table = geo.numeric_to_iso3()
    assert table["004"] == "AFG" and table["840"] == "USA" and table["728"] == "SSD"
    assert all(len(k) == 3 and k.isdigit() for k in table)


def test_drivers_are_the_largest_contributions_scaled_for_bars() -> None:
    items = [{"feature": "a", "label": "A", "value": 0.1},
             {"feature": "b", "label": "B", "value": -0.4},
             {"feature": "c", "label": "", "value": 0.2}]  # fmt: skip
    shown = views.drivers_of(items, top=2)
    assert [(d.feature, d.share) for d in shown] == [("b", 1.0), ("c", 0.5)]
    assert shown[1].label == "c"
    assert views.drivers_of(None) == []


def test_profile_names_factors_and_structural_conditions() -> None:
    rows = views.profile_of(
        [{"factor": "structural", "raising": 0.2, "net": 0.1},
         {"factor": "RF1", "raising": 0.5, "net": 0.3}], load_framework())  # fmt: skip
    assert [r.factor for r in rows] == ["RF1", "structural"]
    assert rows[0].name == "Situations of armed conflict or other forms of instability"
    assert rows[1].name.startswith("Structural conditions")


def test_ranking_rows_keep_missing_numbers_missing() -> None:
    frame = pd.DataFrame(
        {"ccode": [1, 2], "iso3": ["BBB", "AAA"], "country": ["B", "A"], "risk_1y": [0.1, 0.2],
         "risk_2y": [0.2, 0.3], "rank": [2, 1], "change": [float("nan"), 0.01],
         "low": [None, 0.2], "high": [None, 0.4]})  # fmt: skip
    rows = views.ranking(frame, {"AAA": "warning"})
    assert [(r.iso3, r.level, r.change, r.low) for r in rows] == [
        ("AAA", "warning", 0.01, 0.2), ("BBB", None, None, None)]  # fmt: skip


def test_a_lone_band_is_drawn_as_a_short_bar() -> None:
    points = [Point(2000, 0.01, None, None, False), Point(2001, 0.02, 0.01, 0.03, False)]
    chart = history_chart(points)
    assert chart is not None and chart.band.count("L") == 3  # four corners: a visible bar
    xs = {float(part.split(",")[0].lstrip("ML")) for part in chart.band.rstrip(" Z").split()}
    assert len(xs) == 2
