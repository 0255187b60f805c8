"""The risk-history chart of a country page, as SVG geometry the template draws.

The chart is drawn on the server (no script needed to read it): the two-year risk as a
line, its uncertainty band as a shaded area, and the years a mass killing began as
marked vertical lines. The template adds the same numbers as a table for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 34
RISK_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
YEAR_STEPS = (1, 2, 5, 10, 20)
WHISKER = 5.0
"""Half the width of the band drawn for a year whose neighbours have none."""


@dataclass(frozen=True)
class Point:
    """One year of a country's risk history."""

    year: int
    risk: float | None
    low: float | None
    high: float | None
    onset: bool


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the history: paths, ticks and markers."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    line: str
    band: str
    dots: tuple[tuple[float, float, Point], ...]
    x_ticks: tuple[tuple[float, int], ...]
    y_ticks: tuple[tuple[float, float], ...]
    onsets: tuple[tuple[float, int], ...]
    """(x, year) of each onset."""
    digits: int
    """Decimals of the percentages on the risk axis."""


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _step(span: float, steps: Sequence[float], most: int) -> float:
    return next((s for s in steps if span / s <= most), steps[-1])


def _top(points: Sequence[Point]) -> float:
    values = [v for p in points for v in (p.risk, p.high) if v is not None and _finite(v)]
    peak = max(values, default=0.0) or 0.01
    step = _step(peak, RISK_STEPS, 5)
    return math.ceil(peak / step) * step if peak > 0 else step


def _runs(pairs: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for pair in pairs:
        if pair is None:
            runs.append([])
        else:
            runs[-1].append(pair)
    return [r for r in runs if r]


def _path(runs: Sequence[Sequence[tuple[float, float]]]) -> str:
    return " ".join(
        "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in runs if len(run) > 0
    )


@dataclass(frozen=True)
class _Scale:
    first: int
    span: int
    top: float

    def x(self, year: int) -> float:
        return LEFT + (year - self.first) / self.span * (WIDTH - RIGHT - LEFT)

    def y(self, value: float | None) -> float:
        return HEIGHT - BOTTOM - (value or 0.0) / self.top * (HEIGHT - BOTTOM - TOP)


def _line(points: Sequence[Point], scale: _Scale) -> str:
    pairs = [(scale.x(p.year), scale.y(p.risk)) if _finite(p.risk) else None for p in points]
    return _path(_runs(pairs))


def _band(points: Sequence[Point], scale: _Scale) -> str:
    """The uncertainty band: one closed area per run of years that have one."""
    parts, run = [], []
    for p in [*points, None]:
        if p is not None and _finite(p.low) and _finite(p.high):
            run.append(p)
            continue
        if run:
            half = WHISKER if len(run) == 1 else 0.0  # a lone year's band: a short bar
            upper = [(scale.x(q.year) + d, scale.y(q.high)) for q in run for d in (-half, half)]
            lower = [(scale.x(q.year) + d, scale.y(q.low)) for q in reversed(run)
                     for d in (half, -half)]  # fmt: skip
            parts.append(_path([upper + lower]) + " Z")
            run = []
    return " ".join(parts)


def history_chart(points: Sequence[Point]) -> Chart | None:
    """The chart of ``points`` (one per year, in year order); None without any risk value."""
    shown = [p for p in points if _finite(p.risk)]
    if not shown:
        return None
    first, last = points[0].year, points[-1].year
    scale = _Scale(first, max(last - first, 1), _top(points))
    year_step = int(_step(scale.span, YEAR_STEPS, 8))
    risk_step = _step(scale.top, RISK_STEPS, 5)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=HEIGHT - BOTTOM,
        line=_line(points, scale),
        band=_band(points, scale),
        dots=tuple((scale.x(p.year), scale.y(p.risk), p) for p in shown),
        x_ticks=tuple((scale.x(yr), yr) for yr in range(first, last + 1) if yr % year_step == 0),
        y_ticks=tuple(
            (scale.y(i * risk_step), i * risk_step) for i in range(round(scale.top / risk_step) + 1)
        ),
        onsets=tuple((scale.x(p.year), p.year) for p in points if p.onset),
        digits=1 if risk_step < 0.01 else 0,
    )
