"""Readable terminal views of records: the alert list and one alert with its frozen evidence.

The views fit 80 columns: nothing is cut off with an ellipsis. Dates, levels and rule
names are never broken; country names wrap at word boundaries; at narrow widths the level
and the rule share a column (one under the other).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

Record = Mapping[str, Any]


def stamp(iso: str | None) -> str:
    """``2026-12-04T02:50:08.475374+00:00`` as ``2026-12-04 02:50`` (UTC, to the minute)."""
    return "" if not iso else iso[:16].replace("T", " ")


def alert_table(records: Iterable[Record], narrow: bool) -> Table:
    """The alerts, one row each; ``narrow`` stacks level over rule and date over time."""
    table = Table(title="forewarn alerts (times in UTC)")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("country", min_width=12 if narrow else 16)
    if narrow:
        table.add_column("level / rule", no_wrap=True)
    else:
        table.add_column("level", no_wrap=True)
        table.add_column("rule", no_wrap=True)
    table.add_column("base\nyear" if narrow else "base year", no_wrap=True)
    table.add_column("created", min_width=10, no_wrap=not narrow)
    table.add_column("replaces", no_wrap=True)
    for r in records:
        kind = [f"{r['level']}\n{r['rule']}"] if narrow else [r["level"], r["rule"]]
        table.add_row(
            str(r["id"]), f"{r['country']} ({r['iso3']})", *kind, str(r["base_year"]),
            stamp(r["created_at"]), str(r["previous_id"] or ""),
        )  # fmt: skip
    return table


def alert_view(record: Record) -> RenderableType:
    """One alert as a person reads it: what, why (the rules that fired and their figures),
    the forecast and its drivers, and the evidence frozen with it."""
    snap: Record = record.get("snapshot") or {}
    head = Text.assemble(
        (f"Alert {record['id']}", "bold"),
        f" — {record['country']} ({record['iso3']}): ",
        (str(record["level"]).upper(), "bold"),
    )
    parts: list[RenderableType] = [head, _facts(record, snap)]
    parts += _section("Rules that fired", _fired(snap.get("fired") or []))
    forecast = snap.get("forecast")
    if isinstance(forecast, Mapping):
        parts += _section("Forecast", _forecast(forecast))
        parts += _section("Drivers (contribution to the log-odds)", _drivers(forecast))
    series = snap.get("series")
    if isinstance(series, Mapping) and series:
        parts += _section(f"Monthly signal ({snap.get('month', '')})", _pairs(series.items()))
    parts += _section("Evidence frozen with the alert", _evidence(snap))
    parts.append(Text(f"\nThe full record: forewarn alerts show {record['id']} --json", "dim"))
    return Group(*parts)


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _pairs(items: Iterable[tuple[str, Any]]) -> Table | None:
    grid = _grid()
    for key, value in items:
        grid.add_row(str(key), _value(value))
    return grid if grid.row_count else None


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _section(title: str, body: RenderableType | None) -> list[RenderableType]:
    return [] if body is None else [Text(f"\n{title}", "bold"), body]


def _facts(record: Record, snap: Record) -> Table:
    grid = _grid()
    grid.add_row("rule", str(record["rule"]))
    grid.add_row("base year", str(record["base_year"]))
    grid.add_row("raised", f"{stamp(record['created_at'])} UTC")
    grid.add_row("stream", str(record.get("stream") or "annual"))
    if record.get("previous_id"):
        grid.add_row("replaces", f"alert {record['previous_id']}")
    return grid


def _fired(fired: list[Record]) -> Table | None:
    if not fired:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("figures", overflow="fold")
    for f in fired:
        values = f.get("values") or {}
        figures = ", ".join(f"{k} {_value(v)}" for k, v in values.items())
        table.add_row(str(f.get("rule", "")), str(f.get("level", "")), figures)
    return table


def _percent(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "-"


def _forecast(f: Record) -> Table:
    grid = _grid()
    band = ""
    if isinstance(f.get("low"), int | float) and isinstance(f.get("high"), int | float):
        band = f" (band {_percent(f['low'])}–{_percent(f['high'])})"
    grid.add_row("risk over two years", f"{_percent(f.get('risk_2y'))}{band}")
    if "risk_1y" in f:
        grid.add_row("risk over one year", _percent(f["risk_1y"]))
    if isinstance(f.get("risk_2y_prev"), int | float) and isinstance(f.get("risk_2y"), int | float):
        change = (f["risk_2y"] - f["risk_2y_prev"]) * 100
        grid.add_row("a year before", f"{_percent(f['risk_2y_prev'])} ({change:+.1f} pp)")
    if "rank" in f:
        grid.add_row("rank", str(f["rank"]))
    return grid


def _drivers(f: Record) -> Table | None:
    drivers = f.get("drivers") or []
    if not drivers:
        return None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for d in drivers:
        value = d.get("value")
        shown = f"{value:+.2f}" if isinstance(value, int | float) else "-"
        grid.add_row(shown, str(d.get("label") or d.get("feature", "")))
    return grid


_SHOWN = {"rule", "level", "fired", "forecast", "series", "month", "signal"}


def _evidence(snap: Record) -> Table | None:
    grid = _grid()
    data, model = snap.get("data"), snap.get("model")
    if isinstance(data, Mapping):
        grid.add_row("data", f"{data.get('file', '')}\nsha256 {data.get('sha256', '')}")
    if isinstance(model, Mapping):
        version = f" version {model['version']}" if model.get("version") else ""
        grid.add_row(
            "model", f"{model.get('name', '')}{version}\nparameters {model.get('param_hash', '')}"
        )
    if "rules_file" in snap:
        grid.add_row("rules", str(snap["rules_file"]))
    if "assessment_ids" in snap:
        ids = snap["assessment_ids"] or []
        grid.add_row("assessments", ", ".join(map(str, ids)) or "none")
    done = _SHOWN | {"data", "model", "rules_file", "assessment_ids", "base_year"}
    for key, value in snap.items():
        if key not in done:
            grid.add_row(str(key), _value(value))
    return grid if grid.row_count else None
