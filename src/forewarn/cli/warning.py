"""``forewarn warn``, ``forewarn alerts`` and ``forewarn plot``: warnings and their pictures.

Stages are imported inside the commands that use them, so ``forewarn alerts list`` loads
the database layer only (not pandas, the models or the framework).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from forewarn import ledger
from forewarn.cli.app import app, console, fitting, settings_of, write_json
from forewarn.cli.progress import shown
from forewarn.cli.views import alert_table, alert_view
from forewarn.errors import NotFound
from forewarn.store.alerts import alert_record, get_alert, list_alerts
from forewarn.store.db import open_database, open_existing

if TYPE_CHECKING:
    import pandas as pd

    from forewarn.config import Settings
    from forewarn.framework.drivers import FactorShare

alerts_app = typer.Typer(help="Alerts raised by the warning rules.")
plot_app = typer.Typer(help="Charts: risk over time, risk-factor profile, case replays.")
app.add_typer(alerts_app, name="alerts")
app.add_typer(plot_app, name="plot")


def _receipt(settings: Settings) -> None:
    engine = open_database(settings)
    ledger.record_receipt(
        engine, ledger.receipts_path(settings.data_dir, settings.resolved_database_url())
    )


@app.command("warn")
def warn(
    ctx: typer.Context,
    base_year: int = typer.Option(None, "--base-year", help="Forecast base year (default: last)."),
    model: str = typer.Option(None, "--model", help="Model name (default: the best model)."),
    data: Path = typer.Option(None, "--data", help="Another panel file of the same schema."),
) -> None:
    """Evaluate the warning rules for every country and record the alerts they raise."""
    from forewarn.response.ladder import load_ladder
    from forewarn.warning.rules import check_levels, load_rules

    settings = settings_of(ctx)
    rules = load_rules(settings.rules_file)  # a bad rule file fails before the forecast
    check_levels(rules, load_ladder(settings))
    from forewarn import outlook  # the modelling stack, loaded only when needed
    from forewarn.warning.run import raise_alerts

    with shown():
        current = outlook.current(settings, base_year=base_year, model=model, data=data)
    engine = open_database(settings)
    now = dt.datetime.now(dt.UTC)
    report = raise_alerts(engine, rules, current.frame, current.provenance, now)
    _receipt(settings)
    levels = ", ".join(f"{n} {lv}" for lv, n in sorted(report.per_level().items())) or "none"
    console.print(
        f"base year {current.base_year}, model {current.provenance.model}: "
        f"{len(report.candidates)} countries at alert level ({levels}); "
        f"{len(report.created)} new alert(s) recorded"
    )


@alerts_app.command("list")
def list_command(
    ctx: typer.Context,
    level: str = typer.Option(None, "--level", help="Only this level."),
    country: str = typer.Option(None, "--country", help="Only this country (ISO3 or name)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List alerts, newest first."""
    iso3 = _iso3(country) if country else None
    settings = settings_of(ctx)
    if level is not None:
        from forewarn.response.ladder import load_ladder

        load_ladder(settings).check_level(level)
    with ledger.snapshot(open_existing(settings)) as session:
        records = [alert_record(r) for r in list_alerts(session, level, iso3)]
    if as_json:
        write_json(records, None)
        return
    console.print(fitting(alert_table(records, False), lambda: alert_table(records, True)))


@alerts_app.command("show")
def show_command(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the full record as JSON."),
) -> None:
    """Show one alert with its frozen evidence."""
    with ledger.snapshot(open_existing(settings_of(ctx))) as session:
        record = alert_record(get_alert(session, alert_id))
    if as_json:
        write_json(record, None)
    else:
        console.print(alert_view(record))


def _iso3(country: str) -> str:
    from forewarn.data.countries import iso3_of  # the crosswalk loads pandas: only if asked

    return iso3_of(country)


def _out(path: Path | None, stem: str) -> Path:
    return path or Path(f"{stem}.png")


@plot_app.command("risk")
def plot_risk_command(
    ctx: typer.Context,
    country: str = typer.Argument(..., help="ISO3 code or name"),
    model: str = typer.Option(None, "--model"),
    out: Path = typer.Option(None, "--out", help="PNG or SVG file (default: risk-ISO3.png)."),
) -> None:
    """Risk over time: backtest forecasts, the current forecast, onsets marked."""
    from forewarn.data.countries import iso3_of, name_of
    from forewarn.plots import plot_risk

    iso3 = iso3_of(country)
    from forewarn import outlook  # the modelling stack, loaded only when needed

    with shown():
        history = outlook.risk_history(settings_of(ctx), iso3, model=model)
    if history.empty:
        raise NotFound(f"no forecasts for {name_of(iso3)} ({iso3})")
    console.print(f"wrote {plot_risk(history, name_of(iso3), _out(out, f'risk-{iso3}'))}")


def factor_shares(frame: pd.DataFrame, iso3: str) -> list[FactorShare]:
    """The risk-factor profile ``plot factors`` draws: the forecast table's own."""
    from forewarn.data.countries import name_of
    from forewarn.framework.drivers import shares_of

    row = frame[frame["iso3"] == iso3]
    if row.empty:
        raise NotFound(f"no forecast for {name_of(iso3)} ({iso3})")
    return shares_of(row.iloc[0]["profile"])


@plot_app.command("factors")
def plot_factors_command(
    ctx: typer.Context,
    country: str = typer.Argument(..., help="ISO3 code or name"),
    model: str = typer.Option(None, "--model"),
    base_year: int = typer.Option(None, "--base-year"),
    out: Path = typer.Option(None, "--out", help="PNG or SVG file (default: factors-ISO3.png)."),
) -> None:
    """The country's risk-factor profile from the model's per-predictor contributions."""
    from forewarn.data.countries import iso3_of, name_of
    from forewarn.framework.catalogue import load_framework
    from forewarn.plots import plot_factors

    iso3 = iso3_of(country)
    from forewarn import outlook  # the modelling stack, loaded only when needed

    with shown():
        frame = outlook.current_forecast(settings_of(ctx), base_year=base_year, model=model)
    shares = factor_shares(frame, iso3)
    names = {f.id: f.name for f in load_framework().factors}
    path = plot_factors(shares, names, name_of(iso3), _out(out, f"factors-{iso3}"))
    console.print(f"wrote {path}")
