"""The parts of a brief read from the database as the stages left it: the latest analyst
assessment (without confidential evidence), alerts and where their response stands, overdue
actions, and the measures the escalation ladder requires."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from forewarn.framework import assessments as fa
from forewarn.framework.catalogue import Framework
from forewarn.reports.values import (
    ActionLine,
    AlertLine,
    EvidenceItem,
    FactorFinding,
    Findings,
    JudgementNote,
    Measure,
)
from forewarn.response import actions, gap
from forewarn.response.clock import as_utc
from forewarn.response.ladder import Ladder
from forewarn.store.alerts import list_alerts
from forewarn.store.assessments import load_assessments
from forewarn.store.tables import AlertRow


def _evidence_count(assessment: fa.Assessment) -> int:
    return sum(len(j.evidence) for j in assessment.judgements)


def _notes(assessment: fa.Assessment, framework: Framework) -> tuple[JudgementNote, ...]:
    return tuple(
        JudgementNote(
            j.indicator,
            framework.factor_of(j.indicator),
            j.value,
            tuple(
                EvidenceItem(e.text, e.source, e.date, e.reliability, e.credibility)
                for e in j.evidence
            ),
        )
        for j in assessment.judgements
    )


def findings_of(session: Session, iso3: str, framework: Framework) -> Findings | None:
    """The latest assessment of the country, stripped of confidential evidence."""
    latest = fa.latest_per_country(load_assessments(session, iso3)).get(iso3)
    if latest is None:
        return None
    shown = latest.without_confidential()
    scores = fa.score(shown, framework)
    factors = tuple(
        FactorFinding(f.id, f.name, s.score, s.completeness, s.judged, s.total, s.high)
        for f in framework.factors
        if (s := scores[f.id]).judged
    )
    withheld = _evidence_count(latest) - _evidence_count(shown)
    return Findings(latest.analyst, latest.date, factors, _notes(shown, framework), withheld)


def _alert_line(row: AlertRow, record: gap.AlertGap) -> AlertLine:
    return AlertLine(
        id=row.id,
        iso3=row.iso3,
        country=row.country,
        level=row.level,
        rule=row.rule,
        raised=as_utc(row.created_at),
        actions=record.actions,
        still_open=record.still_open,
        overdue=record.overdue,
        days_to_ack=record.days_to_ack,
        days_waiting=record.days_waiting,
    )


def alert_lines(session: Session, report: gap.GapReport, iso3: str | None) -> list[AlertLine]:
    """The alerts of ``report`` (of one country, or all) with their records, newest first."""
    records = {g.alert_id: g for g in report.alerts}
    rows = list_alerts(session, iso3=iso3)
    return [_alert_line(r, records[r.id]) for r in rows if r.id in records]


def open_alerts(lines: Sequence[AlertLine]) -> tuple[AlertLine, ...]:
    """The current alert (the newest) and every older one with actions still pending."""
    return tuple(a for n, a in enumerate(lines) if n == 0 or a.still_open)


def overdue_of(
    session: Session, alert_ids: Iterable[int], today: dt.date
) -> tuple[ActionLine, ...]:
    """Actions of these alerts that are past their deadline on ``today``."""
    wanted = set(alert_ids)
    return tuple(
        ActionLine(r.id, r.alert_id, r.title, r.owner, r.state, r.deadline)
        for r in actions.listing(session, overdue_on=today)
        if r.alert_id in wanted
    )


def measures_of(ladder: Ladder, level: str | None) -> tuple[Measure, ...]:
    """The measures the ladder requires for an alert at ``level`` (none without an alert)."""
    if level is None:
        return ()
    return tuple(
        Measure(
            a.id,
            a.title,
            a.basis,
            a.owner,
            a.deadline_days,
            ladder.actions[a.escalates_to].title if a.escalates_to else None,
        )
        for a in ladder.actions_for(level)
    )
