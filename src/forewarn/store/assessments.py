"""Repository functions for analyst assessments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forewarn.errors import Conflict
from forewarn.framework.assessments import Assessment, Evidence, Judgement, to_records
from forewarn.response import ledger
from forewarn.store.tables import AssessmentRow, EvidenceRow, JudgementRow


def _evidence_row(e: Evidence) -> EvidenceRow:
    return EvidenceRow(
        text=e.text,
        source=e.source,
        observed_on=e.date,
        reliability=e.reliability,
        credibility=e.credibility,
        confidential=e.confidential,
    )


def _row(a: Assessment, now: dt.datetime) -> AssessmentRow:
    return AssessmentRow(
        iso3=a.iso3,
        assessed_on=a.date,
        analyst=a.analyst,
        imported_at=now,
        judgements=[
            JudgementRow(
                indicator_id=j.indicator,
                value=j.value,
                evidence=[_evidence_row(e) for e in j.evidence],
            )
            for j in a.judgements
        ],
    )


def save_assessments(session: Session, items: Sequence[Assessment]) -> list[int]:
    """Insert assessments inside the caller's transaction; refuse ones already stored."""
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n, a in enumerate(items, start=1):
        exists = session.scalar(
            select(AssessmentRow.id).where(
                AssessmentRow.iso3 == a.iso3,
                AssessmentRow.assessed_on == a.date,
                AssessmentRow.analyst == a.analyst,
            )
        )
        if exists is not None:
            raise Conflict(
                f"assessment {n} ({a.iso3} {a.date} {a.analyst}) is already stored as #{exists}"
            )
        rows.append(_row(a, now))
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def _value(row: AssessmentRow) -> Assessment:
    return Assessment(
        iso3=row.iso3,
        date=row.assessed_on,
        analyst=row.analyst,
        id=row.id,
        judgements=tuple(
            Judgement(
                j.indicator_id,
                j.value,
                tuple(
                    Evidence(
                        e.text, e.source, e.observed_on, e.reliability, e.credibility,
                        e.confidential,
                    )
                    for e in j.evidence
                ),
            )
            for j in row.judgements
        ),
    )  # fmt: skip


def load_assessments(session: Session, iso3: str | None = None) -> list[Assessment]:
    """Stored assessments, oldest first, optionally of one country."""
    query = (
        select(AssessmentRow)
        .options(selectinload(AssessmentRow.judgements).selectinload(JudgementRow.evidence))
        .order_by(AssessmentRow.assessed_on, AssessmentRow.id)
    )
    if iso3 is not None:
        query = query.where(AssessmentRow.iso3 == iso3)
    return [_value(r) for r in session.scalars(query)]


def ledger_entry(item: Assessment) -> dict[str, Any]:
    """What the ledger keeps of a stored assessment: counts and a SHA-256 of the full record,
    never evidence text (so confidential evidence cannot leak through the ledger)."""
    full = to_records([item], include_confidential=True)[0]
    evidence = [e for j in item.judgements for e in j.evidence]
    return {
        "assessment_id": item.id,
        "iso3": item.iso3,
        "date": item.date.isoformat(),
        "analyst": item.analyst,
        "judgements": len(item.judgements),
        "evidence": len(evidence),
        "confidential_evidence": sum(e.confidential for e in evidence),
        "sha256": hashlib.sha256(ledger.canonical(full).encode("utf-8")).hexdigest(),
    }


def record_assessments(
    session: Session, items: Sequence[Assessment], actor: str
) -> list[Assessment]:
    """Store assessments and append an "assessment.recorded" ledger entry for each, in the
    caller's transaction; return them with their ids."""
    ids = save_assessments(session, items)
    stored = [replace(a, id=i) for a, i in zip(items, ids, strict=True)]
    for item in stored:
        ledger.append(
            session, "assessment.recorded", f"assessment:{item.id}", ledger_entry(item), actor
        )
    return stored
