"""``forewarn report country|watchlist``: printable briefs in English or Bahasa Indonesia."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from sqlalchemy.orm import Session

from forewarn.cli.app import app, console, settings_of
from forewarn.cli.progress import shown
from forewarn.config import Settings
from forewarn.i18n import normalise
from forewarn.store.db import open_existing, require_database

if TYPE_CHECKING:
    from forewarn.reports.inputs import ForecastInputs
    from forewarn.reports.render import Format

# forewarn.reports (matplotlib, pandas) is imported inside the commands, so that every other
# command starts without paying for it.

T = TypeVar("T")

report_app = typer.Typer(help="Printable country briefs and watchlists (HTML or PDF).")
app.add_typer(report_app, name="report")

LANG = typer.Option("en", "--lang", help="Language of the brief: en or id (Bahasa Indonesia).")
FORMAT = typer.Option("html", "--format", help="html (one self-contained file) or pdf.")
OUT = typer.Option(None, "--out", help="File to write; default: a descriptive name here.")
BASE_YEAR = typer.Option(None, "--base-year", help="Base year of the forecast; default: latest.")
FORECAST = typer.Option(
    "forewarn",
    "--forecast",
    help="forewarn (the default model) or ewp (the Early Warning Project's published "
    "2025 assessment, base year 2024, for comparison).",
)


def _prepared(
    ctx: typer.Context, lang: str, fmt: str, base_year: int | None, forecast: str
) -> tuple[Settings, ForecastInputs, str, Format]:
    """The settings, the forecast, the language code and the output format of a brief
    (options are checked before the forecast is read)."""
    from forewarn.reports import render
    from forewarn.reports.forecasts import forecast_inputs

    settings = settings_of(ctx)
    code, kind = normalise(lang), render.output_format(fmt)
    require_database(settings)  # alerts and actions come from it: say so before the forecast
    with shown():
        inputs = forecast_inputs(settings, base_year, forecast)
    return settings, inputs, code, kind


def _assembled(settings: Settings, assemble: Callable[[Session], T]) -> T:
    """Run ``assemble`` with a session on the configured database, then release it."""
    engine = open_existing(settings)
    try:
        with Session(engine) as session:
            return assemble(session)
    finally:
        engine.dispose()


@report_app.command("country")
def country(
    ctx: typer.Context,
    iso3: str = typer.Argument(..., help="The country: ISO3 code (e.g. MMR) or name."),
    lang: str = LANG,
    fmt: str = FORMAT,
    out: Path | None = OUT,
    base_year: int | None = BASE_YEAR,
    forecast: str = FORECAST,
) -> None:
    """A country brief: risk and trend, drivers, findings, alerts, overdue actions, measures."""
    from forewarn.data.countries import iso3_of
    from forewarn.reports import render
    from forewarn.reports.brief import assemble_country_brief

    iso3_of(iso3)  # an unknown country is refused before the forecast is read or computed
    settings, inputs, code, kind = _prepared(ctx, lang, fmt, base_year, forecast)
    brief = _assembled(settings, lambda s: assemble_country_brief(settings, inputs, iso3, s))
    target = out or Path(f"forewarn-brief-{brief.iso3}-{brief.base_year}-{code}.{kind.value}")
    console.print(render.write(render.country_html(brief, code), kind, target))


@report_app.command("watchlist")
def watchlist(
    ctx: typer.Context,
    lang: str = LANG,
    fmt: str = FORMAT,
    out: Path | None = OUT,
    base_year: int | None = BASE_YEAR,
    forecast: str = FORECAST,
) -> None:
    """A watchlist: the highest-risk countries, new alerts and the warning-response gap."""
    from forewarn.reports import render
    from forewarn.reports.brief import assemble_watchlist

    settings, inputs, code, kind = _prepared(ctx, lang, fmt, base_year, forecast)
    result = _assembled(settings, lambda s: assemble_watchlist(settings, inputs, s))
    day = dt.date.today().isoformat()
    target = out or Path(f"forewarn-watchlist-{day}-{code}.{kind.value}")
    console.print(render.write(render.watchlist_html(result, code), kind, target))
