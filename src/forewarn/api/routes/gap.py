"""``/api/gap``: the warning-to-response gap, per alert and in total."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.context import utc_now
from forewarn.api.deps import SessionDep, Viewer
from forewarn.data.countries import iso3_of
from forewarn.notify import told
from forewarn.response import gap

router = APIRouter(prefix="/api/gap", tags=["gap"])


@router.get("")
def gap_report(
    user: Viewer,
    session: SessionDep,
    country: Annotated[str | None, Query(description="ISO3 code or country name.")] = None,
) -> dict[str, Any]:
    """How long each alert waited for a response, and what happened (as ``forewarn gap``);
    ``told``: the hours from the first notification to the first acknowledgement."""
    iso3 = iso3_of(country) if country is not None else None  # an unknown country is a 404
    now = utc_now()
    return gap.report(session, now, iso3).as_dict() | {
        "told": told.report(session, now, iso3).as_dict()
    }
