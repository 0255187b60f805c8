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


LABEL_SIZE = 13.0
"""Font size of the onset labels (``.history .onset-label`` in the dashboard's CSS)."""
LABEL_CHARS = 11
"""Characters allowed for an onset label ("onset 1994", "awal 1994", and a little room)."""
LABEL_GAP = 6.0
"""Horizontal room kept between two labels on one line."""
LABEL_LINE = 1.35 * LABEL_SIZE
"""From one line of labels to the next (a label's box is about 1.2 em high)."""


@dataclass(frozen=True)
class Onset:
    """A year a mass killing began: its vertical line and its label, moved down a line
    wherever it would overlap the label of a close year."""

    x: float
    year: int
    label_x: float
    label_y: float
    anchor: str
    """``start`` (label right of the line) or ``end`` (left of it, near the right edge)."""

    def label_box(self) -> tuple[float, float, float, float]:
        """The room the label may take: left, top, right, bottom (SVG units)."""
        width = label_width()
        left = self.label_x if self.anchor == "start" else self.label_x - width
        return (left, self.label_y - LABEL_SIZE, left + width, self.label_y + 0.3 * LABEL_SIZE)


def label_width() -> float:
    """An upper bound of an onset label's width (0.62 em a character: digits and lower-case
    letters of the dashboard's sans-serif fonts are narrower)."""
    return LABEL_CHARS * 0.62 * LABEL_SIZE


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
    onsets: tuple[Onset, ...]
    """Each onset, its label placed so that no two overlap."""
    digits: int
    """Decimals of the percentages on the risk axis."""


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def nice_step(span: float, steps: Sequence[float], most: int) -> float:
    """The first of ``steps`` that divides ``span`` into at most ``most`` ticks."""
    return next((s for s in steps if span / s <= most), steps[-1])


def _top(points: Sequence[Point]) -> float:
    values = [v for p in points for v in (p.risk, p.high) if v is not None and _finite(v)]
    peak = max(values, default=0.0) or 0.01
    step = nice_step(peak, RISK_STEPS, 5)
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


def onset_marks(onsets: Sequence[tuple[float, int]]) -> tuple[Onset, ...]:
    """The onsets, (x, year) each, with their labels: beside the line (left of it near the
    right edge), each on the first line down where it clears every label already there."""
    width, placed = label_width(), []
    lines: list[list[tuple[float, float]]] = []
    for x, year in onsets:
        late = x > WIDTH - RIGHT - width - 4
        left = x - 4 - width if late else x + 4
        span = (left - LABEL_GAP, left + width + LABEL_GAP)
        row = next((i for i, line in enumerate(lines)
                    if all(span[1] <= a or span[0] >= b for a, b in line)), len(lines))  # fmt: skip
        if row == len(lines):
            lines.append([])
        lines[row].append(span)
        y = TOP + 10 + row * LABEL_LINE
        placed.append(Onset(x, year, x - 4 if late else x + 4, y, "end" if late else "start"))
    return tuple(placed)


def history_chart(points: Sequence[Point]) -> Chart | None:
    """The chart of ``points`` (one per year, in year order); None without any risk value."""
    shown = [p for p in points if _finite(p.risk)]
    if not shown:
        return None
    first, last = points[0].year, points[-1].year
    scale = _Scale(first, max(last - first, 1), _top(points))
    year_step = int(nice_step(scale.span, YEAR_STEPS, 8))
    risk_step = nice_step(scale.top, RISK_STEPS, 5)
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
        onsets=onset_marks([(scale.x(p.year), p.year) for p in points if p.onset]),
        digits=1 if risk_step < 0.01 else 0,
    )
