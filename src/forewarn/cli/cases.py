"""``forewarn replay``: the report's cases replayed through forewarn, beside the record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from forewarn import outlook
from forewarn.cases.replay import Replay, ReplayAlert, Span, base_years, replay
from forewarn.cases.timeline import list_cases, load_case
from forewarn.cli.app import app, console, settings_of, write_json
from forewarn.cli.progress import shown
from forewarn.cli.warning import plot_app
from forewarn.framework.catalogue import load_framework
from forewarn.response.ladder import load_ladder
from forewarn.warning.rules import load_rules


def _replay(ctx: typer.Context, case_id: str, model: str | None) -> Replay:
    settings = settings_of(ctx)
    case = load_case(case_id)
    provider = outlook.provider(settings, model=model, base_years=base_years(case))
    rules = load_rules(settings.rules_file)
    with shown():
        return replay(case, provider, rules, load_framework(), load_ladder(settings))


def _timeline(result: Replay) -> list[tuple[dt.date, str, str]]:
    rows: list[tuple[dt.date, str, str]] = []
    for f in result.forecasts:
        rows.append((f.issued, f"forecast from {f.base_year}: {f.risk_2y:.1%}, rank {f.rank}", ""))
    for a in result.alerts:
        rows.append((a.issued, f"ALERT {a.level.upper()} ({a.rule})", ""))
    for act in result.actions:
        who = f"{act.owner}: {act.title}"
        rows.append(
            (
                act.deadline,
                f"due: {who}" + (f" [{act.trigger}]" if act.trigger != "alert" else ""),
                "",
            )
        )
    for e in result.case.events:
        rows.append((e.date, "", f"{e.kind}: {e.title} [{e.source}]"))
    return sorted(rows, key=lambda r: (r[0], r[2] != ""))


def _print(result: Replay) -> None:
    table = Table(title=result.case.title, show_lines=False)
    table.add_column("date", no_wrap=True)
    table.add_column("forewarn would have", overflow="fold", ratio=1)
    table.add_column("what happened", overflow="fold", ratio=1)
    for day, ours, theirs in _timeline(result):
        table.add_row(day.isoformat(), ours, theirs)
    console.print(table)
    _print_gaps(result)


def _alert_day(label: str, alert: ReplayAlert | None) -> str:
    return f"{label}: {alert.issued.isoformat()} ({alert.level})" if alert else f"{label}: none"


def _print_gaps(result: Replay) -> None:
    """The measured gaps, each labelled with what it counts from and to."""
    gaps = result.gaps
    console.print(_alert_day("first alert (any level)", gaps.first_alert), markup=False)
    console.print(_alert_day("first warning-level alert", gaps.first_warning), markup=False)
    for span in gaps.spans:
        console.print(f"{span.label}: {_span_text(span)}", markup=False, crop=False)


def _span_text(span: Span) -> str:
    if span.start is None:
        return "n/a (no such starting point)"
    if span.end is None:
        return "none on record"
    return f"{span.days} ({span.start.isoformat()} to {span.end.isoformat()})"


@app.command("replay")
def replay_command(
    ctx: typer.Context,
    case: str = typer.Argument(None, help="Case id, e.g. rwanda-1994 (see --list)."),
    list_only: bool = typer.Option(False, "--list", help="List the cases."),
    model: str = typer.Option(None, "--model", help="Model name (default: the best model)."),
    json_path: Path = typer.Option(None, "--json", help="Also write the replay as JSON here."),
) -> None:
    """Replay a case without hindsight: forecasts, alerts, ladder deadlines, and the record."""
    if list_only or case is None:
        for case_id in list_cases():
            console.print(f"{case_id}  {load_case(case_id).title}", markup=False)
        return
    result = _replay(ctx, case, model)
    _print(result)
    if json_path is not None:
        write_json(result.as_dict(), json_path)


@plot_app.command("replay")
def plot_replay_command(
    ctx: typer.Context,
    case: str = typer.Argument(..., help="Case id"),
    model: str = typer.Option(None, "--model"),
    out: Path = typer.Option(None, "--out", help="PNG or SVG file (default: replay-CASE.png)."),
) -> None:
    """Draw a case replay as a side-by-side timeline."""
    from forewarn.plots import plot_replay

    result = _replay(ctx, case, model)
    console.print(f"wrote {plot_replay(result, out or Path(f'replay-{case}.png'))}")
