"""``forewarn data``: the registry's datasets and the panel check."""

from __future__ import annotations

import typer
from rich.table import Table

from forewarn.cli.app import app, console, settings_of, write_json
from forewarn.data import registry
from forewarn.data.panel import load_panel

data_app = typer.Typer(help="Datasets: where they come from and whether they are verified.")
app.add_typer(data_app, name="data")


@data_app.command("list")
def list_datasets(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show each dataset, its origin, where it would be read from and its hash status."""
    settings = settings_of(ctx)
    rows = [registry.status(d, settings) for d in registry.DATASETS]
    if as_json:
        write_json([_as_dict(r) for r in rows], None)
        return
    table = Table(title="forewarn datasets")
    for col in ("name", "status", "read from", "origin"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = {"verified": "green", "hash mismatch": "red"}.get(r.status.value, "yellow")
        where = f"{r.source}: {r.path}" if r.path else "(would download)"
        table.add_row(r.dataset.name, f"[{style}]{r.status.value}[/]", where, r.dataset.url)
    console.print(table)


def _as_dict(r: registry.Availability) -> dict[str, object]:
    return {
        "name": r.dataset.name,
        "file": r.dataset.relpath,
        "url": r.dataset.url,
        "sha256": r.dataset.sha256,
        "source": r.source,
        "path": str(r.path) if r.path else None,
        "status": r.status.value,
        "description": r.dataset.description,
    }


@data_app.command("check")
def check(ctx: typer.Context) -> None:
    """Fetch and verify the panel, then validate it against its schema."""
    panel = load_panel(settings_of(ctx))
    frame = panel.frame
    console.print(
        f"panel {panel.path.name}: {len(frame):,} country-years, "
        f"{frame['ccode'].nunique()} countries, {frame['year'].min()}-{frame['year'].max()}, "
        f"{int(frame['mk_onset'].sum())} onsets; sha256 {panel.sha256[:12]}… verified"
    )
