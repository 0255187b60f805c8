"""Plots people would rather look at than read: risk over time, risk-factor profiles, replays.

Each function takes plain values, draws with matplotlib's Agg back end and writes a PNG or
SVG (by the path's suffix).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from textwrap import shorten, wrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from forewarn.cases.replay import Replay
from forewarn.cases.timeline import Event
from forewarn.framework.drivers import FactorShare

LEVEL_COLOURS = {"watch": "#d4a017", "warning": "#d9534f", "emergency": "#7b1fa2"}
PROTECTIVE = "#2e7d32"
KIND_MARKERS = {"warning": "^", "violence": "X", "veto": "v", "decision": "o", "deployment": "s",
                "report": "D", "statement": "P", "withdrawal": "<"}  # fmt: skip


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_risk(history: pd.DataFrame, country: str, path: Path) -> Path:
    """Two-year risk by base year with its band, onset years marked.

    ``history`` has columns year, risk_2y, and optionally low, high, onset (bool).
    """
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(history["year"], history["risk_2y"] * 100, color="#1f4e79", lw=2, label="2-year risk")
    if {"low", "high"} <= set(history.columns):
        band = history.dropna(subset=["low", "high"])
        if len(band) > 1:
            ax.fill_between(band["year"], band["low"] * 100, band["high"] * 100,
                            color="#1f4e79", alpha=0.18, label="uncertainty band")  # fmt: skip
        elif len(band) == 1:
            mid, low, high = (float(band[c].iloc[0]) * 100 for c in ("risk_2y", "low", "high"))
            ax.errorbar(band["year"], [mid], yerr=[[mid - low], [high - mid]], fmt="o",
                        color="#1f4e79", capsize=4, label="current forecast, 5-95%")  # fmt: skip
    if "onset" in history.columns:
        for year in history.loc[history["onset"].astype(bool), "year"]:
            ax.axvline(year, color="#c0392b", ls="--", lw=1)
        ax.plot([], [], color="#c0392b", ls="--", label="onset of mass killing")
    ax.set(title=f"{country}: risk of a new state-led mass killing (next 2 years)",
           xlabel="base year", ylabel="probability (%)")  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_factors(
    profile: Sequence[FactorShare], names: dict[str, str], country: str, path: Path
) -> Path:
    """The risk-factor profile: each factor's share of the risk-raising contributions."""
    rows = [r for r in profile if r.raising > 0][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(rows), 3) + 1.2))
    labels = [shorten(f"{r.factor} {names.get(r.factor, '')}", 52, placeholder="…") for r in rows]
    ax.barh(labels, [r.raising * 100 for r in rows], color="#1f4e79")
    for y, r in enumerate(rows):
        ax.text(r.raising * 100 + 0.5, y, f"{r.raising:.0%}", va="center", fontsize=8)
    ax.set(title=f"{country}: what raises the risk, by Framework risk factor",
           xlabel="share of risk-raising model contributions (%)")  # fmt: skip
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_replay(replay: Replay, path: Path) -> Path:
    """Side-by-side timeline: forewarn's forecasts, alerts and deadlines above; history below,
    each event numbered and listed with its date and title under the chart."""
    return _save(replay_figure(replay), path)


KEY_WIDTH = 140
"""Characters of an event's line in the key below the replay chart."""


def replay_figure(replay: Replay) -> Figure:
    """The replay chart as a figure (see :func:`plot_replay`)."""
    events = sorted(replay.case.events, key=lambda e: e.date)
    gaps = _gap_text(replay).splitlines()
    lines = len(gaps) + 2 + len(events)  # the gaps, a blank line, the key's head and events
    rows = max(2.8, 0.75 * len({e.kind for e in events}))  # room for numbers above and below
    fig = plt.figure(figsize=(11, 3.6 + rows + 0.15 * lines), layout="constrained")
    grid = fig.add_gridspec(3, 1, height_ratios=[2.2, rows, 0.15 * lines])
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)
    _replay_top(top, replay)
    core = [e.date for e in events if e.kind != "report"]
    starts = [f.issued for f in replay.forecasts] + core
    if starts:
        span = (min(starts) - dt.timedelta(days=60), max(core or starts) + dt.timedelta(days=120))
        top.set_xlim(_x(span[0]), _x(span[1]))
    _replay_bottom(bottom, events)
    low, high = bottom.get_xlim()
    off = {i for i, e in enumerate(events) if not low <= _x(e.date) <= high}
    notes = [*gaps, "", *_event_key(events, off)]
    top.tick_params(labelbottom=False)
    for label in bottom.get_xticklabels():
        label.set(rotation=30, ha="right")
    text = fig.add_subplot(grid[2])
    text.axis("off")
    text.text(0, 1, "\n".join(notes), fontsize=8, va="top", family="monospace",
              transform=text.transAxes)  # fmt: skip
    fit_title(fig, f"{replay.case.title}: forewarn replayed without hindsight", 11)
    return fig


def fit_title(fig: Figure, title: str, size: float) -> None:
    """``title`` as the figure's title, wrapped at word boundaries until it fits the width."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    shown = fig.suptitle(title, fontsize=size)
    width = len(title)
    while width > 20 and shown.get_window_extent(renderer).width > 0.96 * fig.bbox.width:
        width -= 4
        shown.set_text("\n".join(wrap(title, width)))


def _event_key(events: Sequence[Event], off: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """One line per event, numbered as on the chart: date, kind and title (``off``: the
    indexes of events outside the chart's span, said so)."""
    lines = ["events (numbered as on the chart; green: decisions protecting civilians)"]
    for n, e in enumerate(events, 1):
        mark = " (protective)" if e.protective else ""
        mark += " [outside the period shown]" if n - 1 in off else ""
        head = f"{n:>3}  {e.date.isoformat()}  {e.kind:<11}"
        lines.append(head + shorten(e.title + mark, KEY_WIDTH - len(head), placeholder="…"))
    return lines


def _gap_text(replay: Replay) -> str:
    """The replay's measured gaps, as the CLI and the dashboard show them (same values)."""
    lines = []
    for span in replay.gaps.spans:
        if span.start is None:
            continue
        value = "none on record" if span.days is None else f"{span.days:>5}"
        lines.append(f"{value}  {span.label}")
    return "\n".join(lines) or "forewarn would not have warned before the onset"


def _x(day: dt.date) -> float:
    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]


def _replay_top(ax: Axes, replay: Replay) -> None:
    ax.xaxis_date()
    dates = [_x(f.issued) for f in replay.forecasts]
    ax.plot(dates, [f.risk_2y * 100 for f in replay.forecasts], "o-", color="#1f4e79",
            label="2-year risk at issue (%)")  # fmt: skip
    for a in replay.alerts:
        ax.axvline(_x(a.issued), color=LEVEL_COLOURS.get(a.level, "grey"), lw=2)
        ax.text(_x(a.issued), ax.get_ylim()[1] * 0.9, f" {a.level}", fontsize=8,
                color=LEVEL_COLOURS.get(a.level, "grey"))  # fmt: skip
    deadlines = [_x(a.deadline) for a in replay.actions if a.trigger == "alert"]
    ax.plot(deadlines, [0] * len(deadlines), "|", ms=14, color="#555",
            label="ladder deadlines")  # fmt: skip
    after_veto = [_x(a.deadline) for a in replay.actions if a.trigger != "alert"]
    if after_veto:
        ax.plot(after_veto, [0] * len(after_veto), "v", color="#7b1fa2",
                label="due after a veto (GA debate)")  # fmt: skip
    ax.set_ylabel("forewarn: risk (%)")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)


def label_offset(place: int) -> float:
    """Points above (even places) or below (odd) an event's marker for its number."""
    step = place // 2
    return 6.0 + 8.0 * step if place % 2 == 0 else -6.0 - 8.0 * step


def _replay_bottom(ax: Axes, events: Sequence[Event]) -> None:
    """The recorded events by kind, each numbered (stacked where they would overlap)."""
    kinds = sorted({e.kind for e in events})
    dates = [_x(e.date) for e in events]
    if ax.get_autoscalex_on():  # no limits set: the events' own span
        left, right = min(dates, default=0.0), max(dates, default=1.0)
    else:
        left, right = ax.get_xlim()
    close = (right - left) / 60  # numbers of events nearer than this take another place
    placed: dict[str, list[tuple[float, int]]] = {}
    for n, (e, x) in enumerate(zip(events, dates, strict=True), 1):
        y = kinds.index(e.kind)
        colour = PROTECTIVE if e.protective else "#333"
        ax.plot(x, y, KIND_MARKERS.get(e.kind, "D"), color=colour, ms=7)
        row = placed.setdefault(e.kind, [])
        taken = {place for other, place in row if x - other < close}
        place = min(p for p in range(len(taken) + 1) if p not in taken)
        row.append((x, place))
        ax.annotate(str(n), (x, y), xytext=(0, label_offset(place)), textcoords="offset points",
                    ha="center", va="bottom" if place % 2 == 0 else "top", fontsize=7,
                    color=colour)  # fmt: skip
    handles = [ax.plot([], [], KIND_MARKERS.get(k, "D"), color="#333", ls="none", label=k)[0]
               for k in kinds]  # fmt: skip
    if any(e.protective for e in events):
        handles += ax.plot([], [], "o", color=PROTECTIVE, ls="none", label="protective decision")
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=len(handles))
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set_ylim(-0.6, len(kinds) - 0.1 + 0.6)
    ax.set_ylabel("recorded history")
    ax.grid(alpha=0.3)


TYPE_COLOURS = {"1": "#4c72b0", "2": "#8c8c8c", "3": "#c44e52"}
TYPE_NAMES = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def plot_event_replay(doc: dict[str, object], path: Path) -> Path:
    """A monthly-monitor replay (``EventReplay.as_dict()``): deaths by type of violence as
    stacked bars, civilian deaths as a line, alerts marked, the annual two-year risk beside."""
    months = list(doc["months"])  # type: ignore[call-overload]
    x = list(range(len(months)))
    fig, ax = plt.subplots(figsize=(11, 4.8))
    bottom = [0] * len(months)
    for kind in ("1", "2", "3"):
        values = [m["by_type"].get(kind, {}).get("deaths_best", 0) for m in months]
        ax.bar(x, values, bottom=bottom, color=TYPE_COLOURS[kind], label=TYPE_NAMES[kind])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    civilians = [m["figures"].get("deaths_civilians", 0) for m in months]
    ax.plot(x, civilians, color="black", linewidth=1.6, label="civilian deaths")
    top = max([*bottom, 1])
    for i, m in enumerate(months):
        if m["alert"]:
            level = m["alert"]["level"]
            ax.axvline(i, color=LEVEL_COLOURS.get(level, "grey"), linestyle="--", linewidth=1)
            ax.text(i, top * 1.02, level, rotation=90, va="bottom", ha="center", fontsize=8,
                    color=LEVEL_COLOURS.get(level, "grey"))  # fmt: skip
    ax.set_xticks(x[::3], [m["month"] for m in months][::3], rotation=45, ha="right")
    ax.set_ylabel("deaths (best estimate), as known at the month's end")
    ax.set_title(f"{doc['country']}: the monthly monitor replayed, {doc['from']} to {doc['to']}")
    risks = [m["annual"]["risk_2y"] if m["annual"] else None for m in months]
    if any(r is not None for r in risks):
        twin = ax.twinx()
        twin.step(x, [r if r is not None else float("nan") for r in risks], where="mid",
                  color="#2a9d8f", label="annual two-year risk")  # fmt: skip
        twin.set_ylabel("annual model: two-year risk")
        twin.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        twin.set_ylim(bottom=0)
        twin.legend(loc="upper right", fontsize=8)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)
