"""``/api/events``: the monthly series of the stored event data (as ``forewarn events
monthly``), for one country or its admin-1 areas."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.deps import ContextDep, Viewer
from forewarn.data.countries import iso3_of
from forewarn.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/events", tags=["events"])

MAX_MONTHS = 1200
"""The longest series one request may ask for (a century), so a viewer cannot make the
server build an arbitrarily large grid of months."""
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class Source(StrEnum):
    """Which stored events."""

    GED = "ged"
    ACLED = "acled"


First = Annotated[
    str | None,
    Query(
        alias="from",
        pattern=MONTH,
        description="First month, YYYY-MM (default: the country's first month with events).",
    ),
]
Last = Annotated[
    str | None,
    Query(
        alias="to",
        pattern=MONTH,
        description="Last month, YYYY-MM (default: the country's last month with events).",
    ),
]


@router.get("/{country}/monthly")
def monthly_series(
    user: Viewer,
    context: ContextDep,
    country: str,
    admin1: Annotated[bool, Query(description="By admin-1 area (province).")] = False,
    first: First = None,
    last: Last = None,
    source: Source = Source.GED,
) -> dict[str, Any]:
    """Events and deaths per month by type of violence (``type_of_violence`` null: all
    types), civilian deaths, one-sided violence by government forces and by non-state
    actors, admin-1 areas with violence and those hit for the first time in 12 months.
    An event counts in the month of its ``date_start``; months without events are present
    with zeros. 404 for an unknown country, or one without stored events when ``from`` and
    ``to`` are not both given."""
    from forewarn.events import monthly, storage

    iso3 = iso3_of(country)  # an unknown country is a 404
    if first is not None and last is not None and last < first:
        raise InvalidInput(f"the last month {last} is before the first month {first}", "to")
    root = storage.events_root(context.settings.data_dir)
    stored = storage.load_manifest(root).countries(source.value)
    if iso3 not in stored and (first is None or last is None):  # zero series: months given
        raise NotFound(f"no {source.value} events stored for {iso3}")
    try:
        table = monthly.counts(root, source.value, iso3)
    except NotFound:
        raise NotFound(f"no {source.value} events stored") from None
    span = monthly.span_of(table, first, last)
    if len(monthly.month_range(span.first, span.last)) > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months in one series", "from")
    frame = monthly.series(table, iso3, span, admin1=admin1)
    return {
        "iso3": iso3,
        "source": source.value,
        "from": monthly.month_text(span.first),
        "to": monthly.month_text(span.last),
        "admin1": admin1,
        "series": monthly.records(frame),
    }
