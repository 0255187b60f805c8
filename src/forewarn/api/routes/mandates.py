"""``/api/mandates``: peacekeeping mandate adequacy (resourcing, protection flags)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from forewarn.api.deps import Analyst, Viewer
from forewarn.api.uploads import parse_json
from forewarn.errors import NotFound
from forewarn.unsc import mandates as mt

router = APIRouter(prefix="/api/mandates", tags=["mandates"])


class MandateIn(BaseModel):
    """One mission record, with the fields of the packaged ``mandates.toml``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    date: dt.date
    mission: str | None = None
    name: str | None = None
    resolution: str | None = None
    troops_requested: int | None = Field(None, ge=0)
    requested_by: str | None = None
    troops_requested_source: str | None = None
    troops_authorised: int | None = Field(None, ge=0)
    troops_authorised_source: str | None = None
    chapter_vii: bool | None = None
    poc_authority: bool | None = None
    safe_area: bool | None = None
    protected_population: int | None = Field(None, ge=1)
    protected_population_source: str | None = None
    protected_area: str | None = None
    note: str | None = None
    unsourced: list[str] = Field(default_factory=list)


def _records(items: list[mt.Assessment]) -> list[dict[str, Any]]:
    return [a.to_record() for a in items]


@router.get("")
def list_mandates(user: Viewer) -> list[dict[str, Any]]:
    """The packaged mission records, assessed."""
    return _records(mt.assess(mt.load_mandates()))


@router.get("/check")
def check_packaged(
    user: Viewer,
    mission: Annotated[str, Query(description="A packaged record's id or mission.")],
) -> list[dict[str, Any]]:
    """The assessment of packaged records by id or mission name."""
    chosen = mt.select(mt.assess(mt.load_mandates()), mission)
    if not chosen:
        known = ", ".join(m.id for m in mt.load_mandates())
        raise NotFound(f"no mandate record {mission!r} (known: {known})")
    return _records(chosen)


@router.post("/check")
def check_record(body: MandateIn, user: Analyst) -> list[dict[str, Any]]:
    """Assess a mission record of your own (not stored)."""
    record = body.model_dump(mode="json", exclude_none=True)
    return _records(mt.assess(parse_json([record], "the request body", mt.load_mandates)))
