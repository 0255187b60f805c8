"""Repository functions for analyst assessments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forewarn import ledger
from forewarn.errors import Conflict, NotFound
from forewarn.framework.assessments import Assessment, Evidence, Judgement, to_records
from forewarn.store.tables import AssessmentRow, EvidenceRow, JudgementRow


def _evidence_row(e: Evidence) -> EvidenceRow:
    return EvidenceRow(
        text=e.text,
        source=e.source,
        observed_on=e.date,
        reliability=e.reliability,
        credibility=e.credibility,
        confidential=e.confidential,
        confidentiality_stated=True,
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


def _evidence(row: EvidenceRow) -> Evidence:
    """The evidence item; one whose confidentiality was never stated is treated as
    confidential (fail closed) until an administrator reviews it."""
    return Evidence(
        row.text, row.source, row.observed_on, row.reliability, row.credibility,
        row.confidential or not row.confidentiality_stated,
    )  # fmt: skip


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
                tuple(_evidence(e) for e in j.evidence),
            )
            for j in row.judgements
        ),
    )


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


@dataclass(frozen=True)
class UnstatedEvidence:
    """An evidence item stored before confidentiality had to be stated (migration 0004).

    ``stored_confidential`` is what the old importer stored (usually ``False``: the default
    that made it public); until reviewed it is withheld as if confidential."""

    evidence_id: int
    assessment_id: int
    iso3: str
    assessed_on: dt.date
    analyst: str
    imported_at: dt.datetime
    indicator: str
    source: str
    observed_on: dt.date
    reliability: str
    credibility: int
    stored_confidential: bool
    text: str

    def as_dict(self, include_text: bool) -> dict[str, Any]:
        """The JSON form; the evidence text only when asked for."""
        record = {
            "evidence_id": self.evidence_id,
            "assessment_id": self.assessment_id,
            "country": self.iso3,
            "date": self.assessed_on.isoformat(),
            "analyst": self.analyst,
            "imported_at": self.imported_at.isoformat(),
            "indicator": self.indicator,
            "source": self.source,
            "evidence_date": self.observed_on.isoformat(),
            "reliability": self.reliability,
            "credibility": self.credibility,
            "stored_confidential": self.stored_confidential,
        }
        if include_text:
            record["text"] = self.text
        return record


def unstated_evidence(session: Session) -> list[UnstatedEvidence]:
    """Evidence whose confidentiality was never stated explicitly, oldest first."""
    query = (
        select(EvidenceRow, JudgementRow, AssessmentRow)
        .join(JudgementRow, EvidenceRow.judgement_id == JudgementRow.id)
        .join(AssessmentRow, JudgementRow.assessment_id == AssessmentRow.id)
        .where(EvidenceRow.confidentiality_stated.is_(False))
        .order_by(EvidenceRow.id)
    )
    return [
        UnstatedEvidence(
            e.id, a.id, a.iso3, a.assessed_on, a.analyst, a.imported_at, j.indicator_id,
            e.source, e.observed_on, e.reliability, e.credibility, e.confidential, e.text,
        )
        for e, j, a in session.execute(query).all()
    ]  # fmt: skip


def review_confidentiality(
    session: Session, evidence_id: int, confidential: bool, actor: str
) -> dict[str, Any]:
    """State an evidence item's confidentiality after review, with an "evidence.reviewed"
    ledger entry (ids and the decision, never the text); return the entry's payload."""
    row = session.get(EvidenceRow, evidence_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no evidence item #{evidence_id}")
    judgement = session.get(JudgementRow, row.judgement_id)
    assert judgement is not None
    payload = {
        "evidence_id": row.id,
        "assessment_id": judgement.assessment_id,
        "was_stated": row.confidentiality_stated,
        "was_confidential": row.confidential,
        "confidential": confidential,
    }
    row.confidential, row.confidentiality_stated = confidential, True
    ledger.append(session, "evidence.reviewed", f"evidence:{row.id}", payload, actor)
    return payload
