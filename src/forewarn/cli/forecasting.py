"""``forewarn models|backtest|forecast|demo``: the forecasting stage on the command line.

The modelling packages (scikit-learn, LightGBM) are imported inside the commands, so other
commands and ``--help`` do not pay for them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import typer
from rich.console import Group, RenderableType
from rich.table import Table

from forewarn.cli.app import app, console, fitting, prose, settings_of, write_json
from forewarn.cli.progress import shown
from forewarn.config import Settings
from forewarn.data.panel import Panel, load_panel

if TYPE_CHECKING:
    from forewarn.evaluation.backtest import BacktestResult
    from forewarn.models.forecast import ForecastResult
    from forewarn.models.registry import ModelSpec

ModelOption = typer.Option(
    None, "--model", help="Model name (see `forewarn models`); default: the default model."
)
DataOption = typer.Option(
    None, "--data", help="Panel CSV to use instead of the registry's (validated the same way)."
)


def workers() -> int:
    """Worker processes for fits: the machine's cores, at most two."""
    return max(1, min(2, os.cpu_count() or 1))


@app.command("models")
def models_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the forecasting models; exactly one is the default."""
    from forewarn.models.registry import MODELS

    rows = [{"name": s.name, "description": s.description, "default": s.default} for s in MODELS]
    if as_json:
        write_json(rows, None)
        return
    table = Table(title="forewarn models")
    for col in ("name", "default", "description"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(str(row["name"]), "yes" if row["default"] else "", str(row["description"]))
    console.print(table)


@contextmanager
def on_cluster(settings: Settings) -> Iterator[None]:
    """Model fits on the Dask cluster of ``FOREWARN_DASK_SCHEDULER`` when it is set (the
    results are the same as in this process)."""
    if not settings.dask_scheduler:
        yield
        return
    from forewarn.cluster import dask_client, fits_on

    with dask_client(settings.dask_scheduler) as client, fits_on(client):
        yield


def _backtest(
    spec: ModelSpec, panel: Panel, settings: Settings, *, use_cache: bool
) -> BacktestResult:
    """The backtest, from the shared results cache (filled if missing) unless ``use_cache``
    is off; progress is shown either way."""
    from forewarn.evaluation.backtest import run_backtest

    with on_cluster(settings), shown() as update:
        if use_cache:
            from forewarn.outlook import backtest_result

            return backtest_result(settings, spec, panel)
        return run_backtest(spec, panel.frame, workers=workers(), progress=update)


@app.command("backtest")
def backtest_command(
    ctx: typer.Context,
    model: str | None = ModelOption,
    json_path: Path | None = typer.Option(None, "--json", help="Write the summary as JSON."),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Write every step's forecast (one row per country-year) as CSV."
    ),
    data: Path | None = DataOption,
    use_cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Read (or fill) the shared results cache, keyed by data, model and code; "
        "--no-cache recomputes without reading or writing it.",
    ),
) -> None:
    """Run EWP's fully out-of-sample backtest (origins 1991-2021) and score it."""
    start = time.perf_counter()
    spec = _spec(model)
    settings = settings_of(ctx)
    panel = load_panel(settings, data)
    result = _backtest(spec, panel, settings, use_cache=use_cache)
    summary = {**result.summary(), "seconds": round(time.perf_counter() - start, 3)}
    console.print(_metrics_table([summary], f"EWP-protocol backtest of {spec.name}"))
    if json_path is not None:
        write_json(summary, json_path)
    if csv_path is not None:
        _write_csv(_named(result.predictions, panel), csv_path)


def _spec(name: str | None) -> ModelSpec:
    from forewarn.models.registry import default_model, get_model

    return default_model() if name is None else get_model(name)


def _named(predictions: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    countries = panel.countries
    out = predictions.copy()
    out.insert(1, "iso3", [countries[int(c)].iso3 for c in out["ccode"]])
    out.insert(2, "country", [countries[int(c)].name for c in out["ccode"]])
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


METRICS = (
    ("AUC", "auc", "{:.3f}"),
    ("R@10", "recall_at_10", "{:.2f}"),
    ("R@20", "recall_at_20", "{:.2f}"),
    ("R@30", "recall_at_30", "{:.2f}"),
    ("top30", "caught_at_30", "{}"),
    ("Brier", "brier", "{:.4f}"),
    ("logloss", "log_loss", "{:.3f}"),
    ("time (s)", "seconds", "{:.0f}"),
)
"""The backtest scores shown: header, summary key, format (top30: onsets caught of all)."""


def _metric(summary: dict[str, Any], key: str, form: str) -> str:
    if key == "caught_at_30":
        return f"{summary['caught_at_30']}/{summary['onsets']}"
    return form.format(summary[key])


def _metrics_table(summaries: list[dict[str, Any]], title: str) -> RenderableType:
    """One row per model; where that would cut the model names, one column per model."""
    return fitting(_metrics_rows(summaries, title), lambda: _metrics_columns(summaries, title))


def _metrics_rows(summaries: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("model", no_wrap=True)
    for head, _, _ in METRICS:
        table.add_column(head, justify="right", no_wrap=True)
    for s in summaries:
        table.add_row(s["model"], *(_metric(s, key, form) for _, key, form in METRICS))
    return table


def _metrics_columns(summaries: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("score", no_wrap=True)
    for s in summaries:
        table.add_column(s["model"], justify="right", no_wrap=True)
    for head, key, form in METRICS:
        table.add_row(head, *(_metric(s, key, form) for s in summaries))
    return table


def _forecast(
    spec: ModelSpec, panel: Panel, settings: Settings, base_year: int | None, *, use_cache: bool
) -> ForecastResult:
    """The forecast, from the shared results cache that ``warn``, the charts, the briefs and
    the API read (filled if missing), unless ``use_cache`` is off."""
    from forewarn.models.forecast import forecast
    from forewarn.outlook import forecast_result

    with on_cluster(settings), shown():
        if use_cache:
            return forecast_result(settings, spec, panel, base_year)
        base = panel.last_year if base_year is None else base_year
        return forecast(spec, panel, base, workers=workers())


@app.command("forecast")
def forecast_command(
    ctx: typer.Context,
    model: str | None = ModelOption,
    base_year: int | None = typer.Option(
        None, "--base-year", help="Year whose predictors are used (default: the panel's last)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the full ranked table as CSV."),
    data: Path | None = DataOption,
    top: int = typer.Option(20, "--top", min=1, help="Rows to show."),
    use_cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Read (or fill) the shared results cache that warn, plot, report and the API "
        "read; --no-cache recomputes without reading or writing it.",
    ),
) -> None:
    """Forecast the risk of a mass-killing onset in the next two years for every country."""
    from forewarn.models.forecast import check_base_year

    spec = _spec(model)
    settings = settings_of(ctx)
    panel = load_panel(settings, data)
    check_base_year(panel, base_year)
    result = _forecast(spec, panel, settings, base_year, use_cache=use_cache)
    _print_forecast(result, top)
    if out is not None:
        _write_csv(result.table.drop(columns=["top_drivers"]), out)


def _forecast_table(result: ForecastResult, top: int, compact: bool = False) -> Table:
    """The ranked forecast; ``compact`` lists each country's drivers under its name, one a
    line, and the band under the risk, so that nothing is squeezed at 80 columns."""
    years = f"{result.base_year + 1}-{result.base_year + 2}"
    table = Table(title=f"Risk of a mass-killing onset in {years} ({result.model})")
    heads = ("rank", "country and top drivers", "risk\nband", "1-year", "change") if compact else (
        "rank", "country", "risk", "band", "1-year", "change", "top drivers")  # fmt: skip
    for head in heads:
        left = head.startswith("country") or head == "top drivers"
        table.add_column(head, justify="left" if left else "right", no_wrap=not left,
                         overflow="fold", min_width=16 if left else None)  # fmt: skip
    for row in result.table.head(top).itertuples():
        drivers = _drivers_of(result, int(cast(int, row.ccode)))
        place, band = f"{row.country} ({row.iso3})", f"{row.low:.1%}-{row.high:.1%}"
        risk, change = f"{row.risk_2y:.1%}", _signed(cast(float, row.change))
        if compact:
            cell = Group(place, _driver_grid(drivers))
            table.add_row(str(row.rank), cell, f"{risk}\n{band}", f"{row.risk_1y:.1%}", change)
        else:
            text = "; ".join(f"{label} {v:+.2f}" for label, v in drivers)
            table.add_row(str(row.rank), place, risk, band, f"{row.risk_1y:.1%}", change, text)
    return table


def _driver_grid(drivers: list[tuple[str, float]]) -> Table:
    """Drivers one a line, the value in front and the label wrapped beside it."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    for label, value in drivers:
        grid.add_row(f"  {value:+.2f}", label)
    return grid


def _drivers_of(result: ForecastResult, ccode: int, top: int = 3) -> list[tuple[str, float]]:
    """The country's largest drivers by their labels (baseline terms are not drivers)."""
    from forewarn.framework.drivers import label_of, top_drivers

    row = result.contributions.loc[ccode]
    pairs = top_drivers(
        dict(zip(map(str, row.index), map(float, row.to_numpy()), strict=True)), top
    )
    return [(label_of(f), v) for f, v in pairs]


def _print_forecast(result: ForecastResult, top: int) -> None:
    """The forecast table: on a terminal (or at a ``COLUMNS`` width), one that fits it;
    otherwise at least 150 columns wide, the drivers on the country's line."""
    table = _forecast_table(result, top)
    if console.is_terminal or os.environ.get("COLUMNS"):
        wide = table
        if console.width < 150:  # the drivers need room: below that, one per line
            wide = _forecast_table(result, top, compact=True)
        console.print(wide)
        return
    saved = console.width
    console.width = max(saved, 150)
    try:
        console.print(table)
    finally:
        console.width = saved


def _signed(change: float) -> str:
    return "" if pd.isna(change) else f"{change * 100:+.1f} pp"


@app.command("demo")
def demo_command(ctx: typer.Context) -> None:
    """Data check, backtest summary of the EWP model and forewarn's, and the top-20 forecast.

    Results are cached under the cache folder, keyed by data, model and code, so a second
    run only reads them back.
    """
    settings = settings_of(ctx)
    panel = load_panel(settings)
    frame = panel.frame
    prose(
        f"[bold]1. Data[/]: {panel.path.name}, {len(frame):,} country-years, "
        f"{frame['ccode'].nunique()} countries, {frame['year'].min()}-{frame['year'].max()}, "
        f"{int(frame['mk_onset'].sum())} onsets; sha256 {panel.sha256[:12]}… verified",
        markup=True,
    )
    prose(
        "[bold]2. Backtest[/] (EWP fully out-of-sample protocol, 39 onsets 1994-2024)", markup=True
    )
    specs = [_spec("ewp-elasticnet"), _spec(None)]
    summaries = [_backtest(s, panel, settings, use_cache=True).summary() for s in specs]
    console.print(_metrics_table(summaries, "EWP published: AUC 0.825, 27/39 caught at 30"))
    console.print(f"[bold]3. Forecast[/] from base year {panel.last_year}")
    result = _forecast(specs[1], panel, settings, None, use_cache=True)
    _print_forecast(result, 20)
