"""``forewarn events``: import event data, monthly series, monthly warnings and replays."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from forewarn import ledger
from forewarn.cli.app import app, console, err_console, fitting, prose, settings_of, write_json
from forewarn.config import Settings
from forewarn.data import registry
from forewarn.data.countries import iso3_of
from forewarn.errors import NotFound

events_app = typer.Typer(help="Event data (UCDP GED, ACLED): import, monthly series, warnings.")
app.add_typer(events_app, name="events")

SourceOption = typer.Option("ged", "--source", help="Which stored events: ged or acled.")
PROGRESS_EVERY = 5
"""Chunks (of about 32 MB) between two progress lines when stderr is not a terminal."""


@contextmanager
def _rows_progress(label: str) -> Iterator[Callable[[int], None]]:
    """Rows read so far: a spinner on a terminal, else a line on stderr every few chunks."""
    if not sys.stderr.isatty():
        calls = [0]

        def line(rows: int) -> None:
            calls[0] += 1
            if calls[0] % PROGRESS_EVERY == 0:
                print(f"{label}: {rows:,} rows read", file=sys.stderr, flush=True)

        yield line
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda rows: bar.update(task, description=f"{label}: {rows:,} rows read")


def _source_file(settings: Settings, name: str) -> tuple[Path, str, bool]:
    """(path, sha256, from the registry) for a file path or a registry dataset name."""
    path = Path(name)
    if path.exists():
        return path, registry.sha256_of(path), False
    if name in {d.name for d in registry.DATASETS}:
        fetched = registry.fetch(name, settings)
        return fetched, registry.dataset(name).sha256, True
    raise NotFound(f"{name}: no such file or registry dataset (see forewarn data list)")


@events_app.command("import")
def import_command(
    ctx: typer.Context,
    path: str = typer.Argument(
        ...,
        help="Event file (CSV, .csv.gz, GeoJSON) or a registry dataset name such as ucdp-ged-caf.",
    ),
    fmt: str = typer.Option(
        None, "--format", help="ged-csv, ged-geojson or acled-csv (default: guessed from the file)."
    ),
    version: str = typer.Option(
        None, "--version", help="Release of the data (e.g. 23.1) when the file name does not say."
    ),
    repair: bool = typer.Option(
        False,
        "--repair-estimates",
        help="Widen low-high to include best where the estimates disagree (each id is recorded).",
    ),
) -> None:
    """Validate an event file and store its events (nothing is stored if any row is bad)."""
    from forewarn.events.storage import events_root, import_events

    settings = settings_of(ctx)
    source, sha256, pinned = _source_file(settings, path)
    with _rows_progress(f"importing {source.name}") as progress:
        report = import_events(
            events_root(settings.data_dir),
            source,
            fmt,
            sha256=sha256,
            version=version,
            repair=repair or pinned,
            progress=progress,
        )
    r = report.record
    if report.unchanged:
        console.print(
            f"{source.name}: already imported ({r.events:,} events, {r.source} "
            f"{r.version}); nothing changed"
        )
        return
    console.print(
        f"{source.name}: {r.events:,} {r.source} {r.version} events, {r.first} to {r.last}, "
        f"{len(r.countries)} countr{'y' if len(r.countries) == 1 else 'ies'}; "
        f"{report.partitions} partitions written, {r.replaced} replaced"
        + (f"; {r.skipped:,} events that are not organised violence skipped" if r.skipped else "")
        + (f"; {r.repaired} events' death estimates widened" if r.repaired else "")
    )


@events_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The imports that made the event store, and what it holds per source and country."""
    from forewarn.events.storage import events_root, load_manifest

    manifest = load_manifest(events_root(settings_of(ctx).data_dir))
    if as_json:
        write_json(manifest.as_dict(), None)
        return
    table = Table("source", "country", "years", "events", "version", "file")
    rows: dict[tuple[str, str], list[Any]] = {}
    for p in manifest.partitions.values():
        rows.setdefault((p.source, p.iso3), []).append(p)
    for (source, iso3), parts in sorted(rows.items()):
        years = f"{min(p.year for p in parts)}-{max(p.year for p in parts)}"
        versions = ", ".join(sorted({p.version for p in parts}))
        files = ", ".join(sorted({p.file for p in parts}))
        table.add_row(source, iso3, years, f"{sum(p.rows for p in parts):,}", versions, files)
    console.print(table)


def _client(settings: Settings) -> Any:
    from forewarn.cluster import dask_client

    return dask_client(settings.dask_scheduler)


@events_app.command("monthly")
def monthly_command(
    ctx: typer.Context,
    country: str = typer.Argument(..., help="ISO3 code or name"),
    admin1: bool = typer.Option(False, "--admin1", help="By admin-1 area (province)."),
    first: str = typer.Option(None, "--from", help="First month, YYYY-MM."),
    last: str = typer.Option(None, "--to", help="Last month, YYYY-MM."),
    json_path: Path = typer.Option(None, "--json", help="Write the series as JSON."),
    source: str = SourceOption,
) -> None:
    """Monthly events and deaths by type of violence (country or admin-1 level)."""
    from forewarn.events import monthly
    from forewarn.events.storage import events_root

    settings = settings_of(ctx)
    iso3 = iso3_of(country)
    with _client(settings) as client:
        table = monthly.counts(events_root(settings.data_dir), source, iso3, client=client)
    span = monthly.span_of(table, first, last)
    frame = monthly.series(table, iso3, span, admin1=admin1)
    if json_path is not None:
        write_json(monthly.records(frame), json_path)
        console.print(f"wrote {len(frame):,} rows to {json_path}")
        return
    wide = _series_table(frame, admin1)
    shown = fitting(wide, lambda: _series_table(frame, admin1, True))
    console.print(shown)
    prose(_legend(shown is not wide))


def _legend(compact: bool) -> str:
    return (
        "deaths (best estimate); civ.: civilian deaths; deaths in state-based (SB), non-state "
        "(NS) and one-sided (OS) violence"
        + ("" if compact else ", the last by government forces / non-state actors")
        + "; areas: admin-1 areas with violence; new: of them, none in the 12 months before"
        + ("; --json for the low-high range and the perpetrators" if compact else "")
    )


def _series_table(frame: Any, admin1: bool, compact: bool = False) -> Table:
    """The series as a table; ``compact`` (a narrow terminal) leaves out the low-high range
    and the perpetrators of one-sided violence, which ``--json`` keeps."""
    totals = frame[frame["type_of_violence"].isna()]
    kinds = {
        k: frame[frame["type_of_violence"] == k].set_index(["month", "admin1"]) for k in (1, 2, 3)
    }
    table = Table(
        "month",
        *(["area"] if admin1 else []),
        "events",
        "deaths",
        *([] if compact else ["low-high"]),
        "civ.",
        "SB",
        "NS",
        "OS" if compact else "OS (gov/NS)",
        "areas",
        "new",
    )
    for r in totals.to_dict("records"):
        if admin1 and not r["events"]:
            continue
        key = (r["month"], r["admin1"])
        per = [kinds[k].loc[[key]].iloc[0] for k in (1, 2, 3)]
        one_sided = str(per[2]["deaths_best"])
        if not compact:
            one_sided += f" ({r['osv_government_deaths']}/{r['osv_nonstate_deaths']})"
        table.add_row(
            r["month"],
            *([r["admin1"]] if admin1 else []),
            str(r["events"]),
            str(r["deaths_best"]),
            *([] if compact else [f"{r['deaths_low']}-{r['deaths_high']}"]),
            str(r["deaths_civilians"]),
            str(per[0]["deaths_best"]),
            str(per[1]["deaths_best"]),
            one_sided,
            str(r["areas"]),
            str(r["new_areas"]),
        )
    return table


@events_app.command("warn")
def warn_command(
    ctx: typer.Context,
    month: str = typer.Option(
        None, "--month", help="Month to evaluate, YYYY-MM (default: the last month with events)."
    ),
    source: str = SourceOption,
) -> None:
    """Evaluate the monthly rules for every stored country and record the alerts."""
    from forewarn.events.monitor import raise_monthly_alerts
    from forewarn.events.storage import events_root
    from forewarn.store.db import open_database
    from forewarn.warning.monthly import load_monthly_rules

    settings = settings_of(ctx)
    rules = load_monthly_rules(settings.monthly_rules_file)
    engine = open_database(settings)
    now = dt.datetime.now(dt.UTC)
    with _client(settings) as client:
        report = raise_monthly_alerts(
            engine, events_root(settings.data_dir), rules, now, month, source, client=client
        )
    ledger.record_receipt(
        engine, ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
    )
    for c in report.candidates:
        fired = ", ".join(sorted({f["rule"] for f in c.snapshot["fired"]}))
        console.print(f"{c.country} ({c.iso3}): {c.level} — {fired}")
    console.print(
        f"month {report.month}: {report.countries} countries evaluated, "
        f"{len(report.candidates)} at alert level; {len(report.created)} new "
        "alert(s) recorded"
    )


@events_app.command("replay")
def replay_command(
    ctx: typer.Context,
    country: str = typer.Argument(..., help="ISO3 code or name"),
    first: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    last: str = typer.Option(..., "--to", help="Last month, YYYY-MM."),
    json_path: Path = typer.Option(None, "--json", help="Write the replay as JSON."),
    plot: Path = typer.Option(None, "--plot", help="Draw the replay (PNG or SVG)."),
    annual: bool = typer.Option(
        True,
        "--annual/--no-annual",
        help="Set each month beside the annual model's honest forecast (fits models once, cached).",
    ),
    source: str = SourceOption,
) -> None:
    """Replay the monthly monitor without hindsight, beside the annual forecast."""
    from forewarn.events.monitor import replay
    from forewarn.events.storage import events_root
    from forewarn.warning.monthly import load_monthly_rules

    settings = settings_of(ctx)
    iso3 = iso3_of(country)
    forecasts = None
    if annual:
        from forewarn import outlook  # the modelling stack, loaded only when needed

        years = list(range(int(first[:4]) - 1, int(last[:4])))
        forecasts = outlook.provider(settings, base_years=years)
    result = replay(
        events_root(settings.data_dir),
        iso3,
        first,
        last,
        load_monthly_rules(settings.monthly_rules_file),
        forecasts,
        source,
    )
    if json_path is not None:
        write_json(result.as_dict(), json_path)
    if plot is not None:
        from forewarn.plots import plot_event_replay

        console.print(f"wrote {plot_event_replay(result.as_dict(), plot)}")
    console.print(_replay_table(result.as_dict()))
    for note in result.notes:
        console.print(f"note: {note}")


def _replay_table(doc: dict[str, Any]) -> Table:
    table = Table(
        "month",
        "events",
        "deaths",
        "civilian",
        "areas",
        "new",
        "rules fired",
        "provinces flagged",
        "alert",
        "annual risk (rank)",
        title=f"{doc['country']} ({doc['iso3']}): the monthly monitor replayed",
    )
    for m in doc["months"]:
        f, a, alert = m["figures"], m["annual"], m["alert"]
        rules = ", ".join(sorted({x["rule"] for x in m["firings"]}))
        risk = f"{a['risk_2y']:.1%} ({a['rank']}, base {a['base_year']})" if a else ""
        table.add_row(
            m["month"],
            str(f.get("events", 0)),
            str(f.get("deaths_best", 0)),
            str(f.get("deaths_civilians", 0)),
            str(f.get("areas", 0)),
            str(f.get("new_areas", 0)),
            rules,
            ", ".join(m["flagged_areas"]),
            f"{alert['level']} ({alert['rule']})" if alert else "",
            risk,
        )
    return table
