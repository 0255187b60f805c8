"""``/api/gap``: the warning-to-response gap, per alert and in total."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.context import utc_now
from forewarn.api.deps import ContextDep, SessionDep, Viewer
from forewarn.data.countries import iso3_of
from forewarn.notify import told
from forewarn.response import gap

router = APIRouter(prefix="/api/gap", tags=["gap"])


@router.get("")
def gap_report(
    user: Viewer,
    session: SessionDep,
    context: ContextDep,
    country: Annotated[str | None, Query(description="ISO3 code or country name.")] = None,
) -> dict[str, Any]:
    """How long each alert waited for a response, and what happened (as ``forewarn gap``);
    ``told``: the hours from the first notification to the first acknowledgement.

    In ``totals``, the medians ``median_days_to_ack`` and ``median_days_to_done`` cover only
    the ``acknowledged`` and ``done`` alerts; ``first_response`` and ``first_done`` repeat
    them with what they cover and add ``all_cases``, the median over all alerts with the
    unanswered counted as still waiting (Kaplan–Meier; null when not reached);
    ``answered_within`` gives, per window of working days, how many of the alerts whose
    window is over were answered within it (the never answered count as not answered)."""
    iso3 = iso3_of(country) if country is not None else None  # an unknown country is a 404
    now, calendar = utc_now(), context.ladder.calendar
    return gap.report(session, now, iso3, calendar).as_dict() | {
        "told": told.report(session, now, iso3, calendar).as_dict()
    }
