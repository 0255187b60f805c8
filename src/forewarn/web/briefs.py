"""The briefs to download: ``/reports/country/{iso3}`` and ``/reports/watchlist``.

Both are made by :mod:`forewarn.reports` (the same briefs as ``forewarn report``), in the
language of ``?lang=`` (default: the page's) and as ``?format=html`` (one self-contained
file) or ``pdf``. Briefs never include confidential evidence, so any signed-in user may
download them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from forewarn.api.context import ApiContext
from forewarn.api.deps import ContextDep, SessionDep, Viewer
from forewarn.i18n import normalise
from forewarn.reports import render
from forewarn.reports.brief import assemble_country_brief, assemble_watchlist
from forewarn.reports.forecasts import forecast_inputs
from forewarn.reports.inputs import ForecastInputs
from forewarn.web.language import language_of
from forewarn.web.render import PageRoute

router = APIRouter(prefix="/reports", route_class=PageRoute, include_in_schema=False)

Lang = Annotated[str | None, Query(max_length=10, description="en or id")]
Fmt = Annotated[str, Query(alias="format", max_length=10, description="html or pdf")]


def _inputs(context: ApiContext) -> ForecastInputs:
    return context.cached("brief.inputs", lambda: forecast_inputs(context.settings))


BRIEF_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)
"""A brief is one self-contained file: its own styles and inline charts, nothing to run."""
BRIEF_HEADERS = {
    "Content-Security-Policy": BRIEF_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def _send(html: str, kind: render.Format, name: str) -> Response:
    if kind is render.Format.PDF:
        data = render.pdf_of(html).data
        disposition = f'attachment; filename="{name}.pdf"'
        return Response(data, media_type="application/pdf",
                        headers={**BRIEF_HEADERS, "Content-Disposition": disposition})  # fmt: skip
    disposition = f'inline; filename="{name}.html"'
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={**BRIEF_HEADERS, "Content-Disposition": disposition})  # fmt: skip


@router.get("/country/{iso3}")
def country_brief(
    iso3: str,
    request: Request,
    user: Viewer,
    context: ContextDep,
    session: SessionDep,
    lang: Lang = None,
    fmt: Fmt = "html",
) -> Any:
    """A country brief: risk and trend, drivers, findings, alerts, overdue actions, measures."""
    code, kind = normalise(lang or language_of(request)), render.output_format(fmt)
    brief = assemble_country_brief(context.settings, _inputs(context), iso3, session)
    name = f"forewarn-brief-{brief.iso3}-{brief.base_year}-{code}"
    return _send(render.country_html(brief, code), kind, name)


@router.get("/watchlist")
def watchlist(
    request: Request,
    user: Viewer,
    context: ContextDep,
    session: SessionDep,
    lang: Lang = None,
    fmt: Fmt = "html",
) -> Any:
    """The watchlist: the highest-risk countries, new alerts and the warning–response gap."""
    code, kind = normalise(lang or language_of(request)), render.output_format(fmt)
    result = assemble_watchlist(context.settings, _inputs(context), session)
    name = f"forewarn-watchlist-{dt.date.today().isoformat()}-{code}"
    return _send(render.watchlist_html(result, code), kind, name)
