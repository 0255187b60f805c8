"""``/api/assessments``: analysts' assessments against the Framework's indicators.

Evidence marked confidential is shown only to users with clearance. Writes are
all-or-nothing and each stored assessment is recorded in the ledger with the authenticated
user as actor (the ledger keeps counts and a SHA-256 of the record, never evidence text).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from forewarn.api.deps import Analyst, ContextDep, PageDep, SessionDep, User, Viewer
from forewarn.api.uploads import parse_bytes, parse_json, read_limited
from forewarn.data.countries import iso3_of
from forewarn.errors import SchemaError
from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import Framework, load_framework
from forewarn.store.assessments import load_assessments, record_assessments

router = APIRouter(prefix="/api/assessments", tags=["assessments"])


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000)
    source: str = Field(max_length=2000)
    date: str = Field(description="YYYY-MM-DD")
    reliability: str = Field(description="Source reliability A-F")
    credibility: int | str = Field(description="Information credibility 1-6")
    confidential: StrictBool = Field(
        description="Required: true if the evidence could expose a source (shown only to "
        "users with clearance), false if it may be shown to every user."
    )


class JudgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(
        description="An indicator id of the Framework, e.g. 9.3, or a whole risk factor, e.g. RF10"
    )
    judgement: str = Field(description="absent, present-weak, present-strong or unknown")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=500)


class AssessmentIn(BaseModel):
    """One assessment, as an element of the JSON import format (docs/assessments.md)."""

    model_config = ConfigDict(extra="forbid")

    country: str
    date: str = Field(description="YYYY-MM-DD")
    analyst: str | None = Field(None, description="Defaults to, and must be, the signed-in user.")
    judgements: list[JudgementIn] = Field(max_length=1000)


def _framework(context: ContextDep) -> Framework:
    return context.cached("framework", load_framework)


@router.get("")
def list_assessments(
    user: Viewer,
    session: SessionDep,
    page: PageDep,
    country: Annotated[str | None, Query(description="ISO3 code or country name.")] = None,
) -> dict[str, Any]:
    """Assessments, oldest first (paged); confidential evidence only with clearance."""
    iso3 = iso3_of(country) if country else None
    items = load_assessments(session, iso3)
    render = partial(_render, clearance=user.clearance)
    return page.of(items, render, confidential_shown=user.clearance)


def _render(item: fa.Assessment, clearance: bool) -> dict[str, Any]:
    return fa.to_records([item], include_confidential=clearance)[0]


def _saved(context: ContextDep, items: Sequence[fa.Assessment], user: User) -> dict[str, Any]:
    stored = context.write(lambda s: record_assessments(s, items, user.name))
    shown = fa.to_records(stored, include_confidential=user.clearance)
    return {"ids": [a.id for a in stored], "items": shown}


@router.post("", status_code=201)
def create(body: AssessmentIn, user: Analyst, context: ContextDep) -> dict[str, Any]:
    """Record one assessment by the signed-in analyst."""
    record = body.model_dump(mode="json")
    if record["analyst"] not in (None, user.name):
        raise SchemaError(
            f"analyst must be the signed-in user ({user.name}); "
            "import a file to load assessments recorded by others"
        )
    record["analyst"] = user.name
    parse = partial(fa.read_file, framework=_framework(context))
    items = parse_json([record], "the request body", parse)
    return _saved(context, items, user)


@router.post("/import", status_code=201)
def import_file(
    file: Annotated[UploadFile, File(description="Assessments as .csv or .json")],
    user: Analyst,
    context: ContextDep,
) -> dict[str, Any]:
    """Import a CSV or JSON file of assessments: all of them, or none if any row is bad."""
    name = PurePath(file.filename or "upload").name or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise SchemaError(f"{name}: assessment files are .csv or .json")
    data = read_limited(file.file, context.settings.api_max_upload_bytes)
    parse = partial(fa.read_file, framework=_framework(context))
    items = parse_bytes(data, suffix, name, parse)
    return _saved(context, items, user)
