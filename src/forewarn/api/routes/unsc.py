"""``/api/unsc``: Article 27 votes, the veto record, and veto-restraint scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from forewarn.api.deps import Analyst, ContextDep, PageDep, Viewer
from forewarn.errors import NotFound
from forewarn.unsc import restraint as rs
from forewarn.unsc import vetoes as vt
from forewarn.unsc.voting import decide

router = APIRouter(prefix="/api/unsc", tags=["unsc"])


class VoteIn(BaseModel):
    """A recorded vote, as the vote file of ``forewarn unsc decide``."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    matter: Literal["substantive", "procedural"]
    votes: dict[str, Literal["Y", "N", "A", "absent"]] = Field(max_length=30)


@router.post("/decide")
def decide_vote(body: VoteIn, user: Analyst) -> dict[str, Any]:
    """Apply Article 27 of the Charter to a vote: adopted or not, and why."""
    d = decide(body.date, body.matter, body.votes)
    return {"date": body.date.isoformat(), "matter": body.matter, **d.as_dict()}


def _vetoes(context: ContextDep) -> tuple[pd.DataFrame, vt.LoadReport]:
    return context.cached("vetoes", lambda: vt.load_vetoes(context.settings))


@router.get("/vetoes")
def vetoes(
    user: Viewer,
    context: ContextDep,
    page: PageDep,
    member: Annotated[
        str | None, Query(description="Russia, USSR, China, UK, USA, FRA ...")
    ] = None,
    topic: Annotated[str | None, Query(description="Text in the agenda item or topic.")] = None,
    since: Annotated[dt.date | None, Query(description="First date (inclusive).")] = None,
    until: Annotated[dt.date | None, Query(description="Last date (inclusive).")] = None,
    atrocity: Annotated[bool, Query(description="Only atrocity-tagged vetoes.")] = False,
) -> dict[str, Any]:
    """Vetoes with counts per member (paged), and the registry file's repaired defects."""
    frame, report = _vetoes(context)
    chosen = vt.filter_vetoes(
        frame, member=member, topic=topic, since=since, until=until, atrocity=atrocity
    )
    return page.of(vt.to_records(chosen), counts=vt.counts(chosen), defects=report.to_records())


@router.get("/restraint")
def restraint(
    user: Viewer,
    context: ContextDep,
    scenario: Annotated[
        str | None, Query(description="none, french-mexican, act-code or full")
    ] = None,
) -> dict[str, Any]:
    """What if bound permanent members had not vetoed atrocity-related drafts?"""
    scenarios = rs.load_scenarios()
    if scenario is not None:
        scenarios = tuple(s for s in scenarios if s.id == scenario)
        if not scenarios:
            known = ", ".join(s.id for s in rs.load_scenarios())
            raise NotFound(f"no restraint scenario {scenario!r} (known: {known})")
    frame, _ = _vetoes(context)
    results = rs.run_scenarios(frame, scenarios)
    return {"treatment": rs.TREATMENT, "scenarios": [r.to_record() for r in results]}
