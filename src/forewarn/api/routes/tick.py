"""``/api/tick``: run the clock now (open actions of new alerts, escalate overdue ones)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter

from forewarn import ledger
from forewarn.api.context import ApiContext, utc_now
from forewarn.api.deps import ContextDep, Decider
from forewarn.response import clock

router = APIRouter(prefix="/api/tick", tags=["tick"])


def _receipt(context: ApiContext) -> None:
    ledger.record_receipt(context.engine, context.receipts)


@router.post("")
def tick(user: Decider, context: ContextDep) -> dict[str, Any]:
    """One tick of the clock as of now. A tick that changed something is recorded in the
    ledger as ``clock.tick`` (``recorded`` says whether it was); one that found nothing to
    do leaves the ledger as it was."""
    now = utc_now()
    report = clock.tick(context.engine, context.ladder, now, committed=partial(_receipt, context))
    facts: dict[str, Any] = {
        "now": ledger.utc_stamp(now),
        "alerts": report.alerts,
        "opened": report.opened,
        "overdue": report.overdue,
        "escalated": report.escalated,
    }
    changed = any((report.alerts, report.opened, report.overdue, report.escalated))
    if changed:
        context.write(lambda s: ledger.append(s, "clock.tick", "clock", facts, user.name))
    return {**facts, "recorded": changed}
