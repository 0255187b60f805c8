"""``/api/alerts``: alerts, newest first, with the evidence frozen when they fired."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.deps import ContextDep, PageDep, RowId, SessionDep, Viewer
from forewarn.data.countries import iso3_of
from forewarn.store.alerts import alert_record, get_alert, list_alerts

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


@router.get("")
def alerts(
    user: Viewer,
    session: SessionDep,
    context: ContextDep,
    page: PageDep,
    level: Annotated[
        str | None,
        Query(max_length=100, description="Only this ladder level, e.g. warning."),
    ] = None,
    country: Annotated[str | None, Query(description="ISO3 code or country name.")] = None,
) -> dict[str, Any]:
    """Alerts, newest first, optionally of one level and one country (paged)."""
    iso3 = iso3_of(country) if country else None
    if level is not None:
        context.ladder.check_level(level)
    return page.of(list_alerts(session, level=level, iso3=iso3), alert_record)


@router.get("/{alert_id}")
def alert(alert_id: RowId, user: Viewer, session: SessionDep) -> dict[str, Any]:
    """One alert."""
    return alert_record(get_alert(session, alert_id))
