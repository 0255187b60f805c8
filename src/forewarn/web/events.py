"""The country page's event-data section: the monthly chart, the events map and the provinces.

Read from the event store (:mod:`forewarn.events`) when the country has imported events:
the monthly chart is drawn on the server as SVG geometry (deaths by type of violence as
stacked bars, civilian deaths as a line, the months of monthly alerts marked), the events go
to ``static/js/events.js`` as points for the country's map, and a table sums them by
admin-1 area. Everything covers the last :data:`MONTHS` months up to the last month with
events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forewarn.errors import NotFound
from forewarn.events import monthly, storage
from forewarn.store.tables import AlertRow
from forewarn.web.charts import nice_step

MONTHS = 120
MAX_POINTS = 5_000
"""Events sent to the map at most (the most recent ones)."""
WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 34
TYPES = (1, 2, 3)
STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


@dataclass(frozen=True)
class Bar:
    """One month's stacked bar: (type, y, height) segments and its figures."""

    month: str
    x: float
    width: float
    segments: tuple[tuple[int, float, float], ...]
    deaths: int
    civilians: int
    events: int


@dataclass(frozen=True)
class MonthlyChart:
    """The monthly chart's geometry."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    civilians: str
    y_ticks: tuple[tuple[float, int], ...]
    x_ticks: tuple[tuple[float, str], ...]
    alerts: tuple[tuple[float, str, str], ...]
    """(x, month, level) of each monthly alert in the chart's months."""


@dataclass(frozen=True)
class Province:
    """One admin-1 area's events over the months shown."""

    name: str
    events: int
    deaths: int
    civilians: int
    months: int
    last: str


@dataclass(frozen=True)
class CountryEvents:
    """The event-data section of a country page."""

    source: str
    first: str
    last: str
    chart: MonthlyChart
    rows: list[dict[str, Any]]
    provinces: list[Province]
    points: list[dict[str, Any]]
    total: int
    unplaced: int
    versions: list[str]


def monthly_chart(rows: pd.DataFrame, alerts: Sequence[tuple[str, str]]) -> MonthlyChart:
    """The chart of country-level rows (:func:`forewarn.events.monthly.series`)."""
    totals = rows[rows["type_of_violence"].isna()].set_index("month")
    months = list(totals.index)
    kinds = {
        k: rows[rows["type_of_violence"] == k].set_index("month")["deaths_best"] for k in TYPES
    }
    peak = max(int(totals["deaths_best"].max()), 1)
    step = int(nice_step(peak, STEPS, 5))
    top = -(-peak // step) * step
    span = (WIDTH - RIGHT - LEFT) / max(len(months), 1)

    def y(value: float) -> float:
        return HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP)

    bars = []
    for i, month in enumerate(months):
        base, segments = 0, []
        for k in TYPES:
            value = int(kinds[k].get(month, 0))
            if value:
                segments.append((k, y(base + value), y(base) - y(base + value)))
            base += value
        row = totals.loc[month]
        bars.append(
            Bar(
                month,
                LEFT + i * span,
                max(span - 0.6, 0.6),
                tuple(segments),
                int(row["deaths_best"]),
                int(row["deaths_civilians"]),
                int(row["events"]),
            )
        )
    line = " L".join(f"{b.x + b.width / 2:.1f},{y(b.civilians):.1f}" for b in bars)
    where = {m: LEFT + i * span + span / 2 for i, m in enumerate(months)}
    return MonthlyChart(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        TOP,
        HEIGHT - BOTTOM,
        tuple(bars),
        "M" + line if bars else "",
        tuple((y(v), v) for v in range(0, top + 1, step)),
        tuple((where[m], m[:4]) for m in months if m.endswith("-01")),
        tuple((where[m], m, level) for m, level in alerts if m in where),
    )


def _provinces(events: pd.DataFrame) -> list[Province]:
    placed = events[events["admin1"].notna()]
    out = []
    for name, group in placed.groupby("admin1"):
        months = group["date_start"].dt.strftime("%Y-%m")
        out.append(
            Province(
                str(name),
                len(group),
                int(group["best"].sum()),
                int(group["deaths_civilians"].sum()),
                months.nunique(),
                str(months.max()),
            )
        )
    return sorted(out, key=lambda p: (-p.deaths, p.name))


def _points(events: pd.DataFrame) -> list[dict[str, Any]]:
    recent = events.sort_values("date_start", ascending=False).head(MAX_POINTS)
    return [_point(r) for r in recent.to_dict("records")]


def _point(r: dict[Any, Any]) -> dict[str, Any]:
    return {
        "id": str(r["id"]),
        "lat": round(float(r["latitude"]), 4),
        "lon": round(float(r["longitude"]), 4),
        "type": int(r["type_of_violence"]),
        "deaths": int(r["best"]),
        "civilians": int(r["deaths_civilians"]),
        "date": pd.Timestamp(r["date_start"]).strftime("%Y-%m-%d"),
        "area": None if pd.isna(r["admin1"]) else str(r["admin1"]),
    }


def _alert_months(alerts: Sequence[AlertRow]) -> list[tuple[str, str]]:
    return [
        (str(a.snapshot.get("month")), a.level)
        for a in alerts
        if a.stream == "monthly" and a.snapshot.get("month")
    ]


def country_events(
    data_dir: Path, iso3: str, alerts: Sequence[AlertRow], source: str = "ged"
) -> CountryEvents | None:
    """The section of ``iso3``'s page, or None when no events of it were imported."""
    root = storage.events_root(data_dir)
    manifest = storage.load_manifest(root)
    if iso3 not in manifest.countries(source):
        return None
    try:
        table = monthly.counts(root, source, iso3)
        events = storage.read_events(root, source, iso3)
    except NotFound:
        return None
    last = int(table["month"].max())
    span = monthly.Span(max(int(table["month"].min()), monthly.shift(last, 1 - MONTHS)), last)
    rows = monthly.series(table, iso3, span)
    shown = events[events["date_start"].dt.strftime("%Y%m").astype(int) >= span.first]
    versions = sorted(
        {p.version for p in manifest.partitions.values() if p.source == source and p.iso3 == iso3}
    )
    return CountryEvents(
        source,
        monthly.month_text(span.first),
        monthly.month_text(span.last),
        monthly_chart(rows, _alert_months(alerts)),
        monthly.records(rows[rows["type_of_violence"].isna()]),
        _provinces(shown),
        _points(shown),
        len(shown),
        int(shown["admin1"].isna().sum()),
        versions,
    )
