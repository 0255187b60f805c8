"""``/api/worker``: the state of delivery (last tick, backlog, failures), for admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from forewarn.api.context import utc_now
from forewarn.api.deps import Admin, ContextDep, SessionDep
from forewarn.notify import status

router = APIRouter(prefix="/api/worker", tags=["worker"])


@router.get("/status")
def worker_status(user: Admin, context: ContextDep, session: SessionDep) -> dict[str, Any]:
    """Last tick, outbox depth, oldest undelivered notification, failures, warnings."""
    return status.status(session, context.ladder, utc_now()).as_dict()
