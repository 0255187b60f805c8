"""Charts for briefs, drawn with matplotlib as inline SVG (no pyplot, no global state).

Text stays text in the SVG (``svg.fonttype = none``), so a brief's labels can be searched
and are set in the page's own font; the ids inside each chart are salted with the chart's
name so that several charts can share one HTML page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from forewarn.reports.values import ProfileRow, RankRow, TrendPoint, finite

Gettext = Callable[[str], str]
Percent = Callable[[float | None], str]

INK = "#1f2933"
RISK = "#b3261e"
BAND = "#f2b8b5"
MUTED = "#7b8794"
WIDTH_IN = 6.7
_RC: Any = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
}


def _svg(figure: Figure, name: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": f"forewarn-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return _prefixed(buffer.getvalue(), name)


def _prefixed(svg: str, name: str) -> str:
    """The ``<svg>`` element alone, its ids and references prefixed with ``name``.

    matplotlib numbers its groups (``figure_1``, ``axes_1``) from 1 in every figure, so two
    charts inlined in one page would otherwise share ids.
    """
    body = svg[svg.index("<svg") :]
    body = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', body)
    body = body.replace("url(#", f"url(#{name}-")
    return re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', body)


def _figure(height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(WIDTH_IN, height), layout="constrained")


def trend_svg(points: Sequence[TrendPoint], _: Gettext, pct: Percent) -> str:
    """Two-year risk by base year, its uncertainty band, and onsets marked below the line."""
    with matplotlib.rc_context(_RC):
        figure = _figure(2.3)
        ax = figure.add_subplot()
        known = [p for p in points if finite(p.risk_2y)]
        banded = [p for p in known if finite(p.low) and finite(p.high)]
        if banded:
            ax.fill_between(
                [p.year for p in banded], [p.low or 0.0 for p in banded],
                [p.high or 0.0 for p in banded], color=BAND, label=_("Uncertainty band"),
            )  # fmt: skip
        ax.plot(
            [p.year for p in known], [p.risk_2y or 0.0 for p in known], color=RISK,
            marker="o", markersize=3.5, linewidth=1.6, label=_("Two-year risk"),
        )  # fmt: skip
        onsets = [p.year for p in points if p.onset]
        if onsets:
            ax.scatter(onsets, [0.0] * len(onsets), marker="^", color=INK, zorder=3, clip_on=False,
                       label=_("Onset of a mass killing"))  # fmt: skip
        _trend_axes(ax, points, _, pct)
        return _svg(figure, "trend")


def _trend_axes(ax: Axes, points: Sequence[TrendPoint], _: Gettext, pct: Percent) -> None:
    years = [p.year for p in points]
    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
        ax.set_xticks(sorted(set(years)))
        ax.tick_params(axis="x", labelrotation=0 if len(years) < 12 else 45)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: pct(v)))
    ax.set_xlabel(_("Base year of the forecast"))
    ax.set_ylabel(_("Two-year risk"))
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.6)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=7.5)


def profile_svg(rows: Sequence[ProfileRow], _: Gettext, pct: Percent) -> str:
    """Each risk factor's share of the risk-raising contributions, largest on top."""
    shown = [r for r in rows if r.raising > 0][:10]
    with matplotlib.rc_context(_RC):
        figure = _figure(0.35 + 0.24 * max(len(shown), 1))
        ax = figure.add_subplot()
        labels = [_("Structural") if r.factor == "structural" else r.factor for r in shown]
        positions = list(range(len(shown)))[::-1]
        ax.barh(positions, [r.raising for r in shown], color=RISK, height=0.62)
        ax.set_yticks(positions, labels)
        for y, row in zip(positions, shown, strict=True):
            ax.text(row.raising, y, " " + pct(row.raising), va="center", fontsize=7.5, color=INK)
        ax.set_xlim(0, max([r.raising for r in shown], default=1.0) * 1.18)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: pct(v)))
        ax.set_xlabel(_("Share of the risk-raising contributions"))
        return _svg(figure, "profile")


def ranking_svg(
    rows: Sequence[RankRow], _: Gettext, pct: Percent, name: Callable[[RankRow], str], top: int = 15
) -> str:
    """The ``top`` highest two-year risks as bars (labelled ``name(row)``), with their bands."""
    shown = list(rows[:top])
    with matplotlib.rc_context(_RC):
        figure = _figure(0.45 + 0.2 * max(len(shown), 1))
        ax = figure.add_subplot()
        positions = list(range(len(shown)))[::-1]
        ax.barh(positions, [r.risk_2y for r in shown], color=RISK, height=0.62)
        for y, row in zip(positions, shown, strict=True):
            if finite(row.low) and finite(row.high):
                ax.plot([row.low or 0.0, row.high or 0.0], [y, y], color=INK, linewidth=1)
        ax.set_yticks(positions, [f"{r.rank}. {name(r)}" for r in shown])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: pct(v)))
        ax.set_xlabel(_("Two-year risk"))
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.6)
        return _svg(figure, "ranking")
