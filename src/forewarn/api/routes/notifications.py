"""``/api/notifications``: what was sent to whom, and putting a failed one back in the queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.context import utc_now
from forewarn.api.deps import Admin, ContextDep, PageDep, RowId, SessionDep
from forewarn.notify import dispatch, queue

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    user: Admin,
    session: SessionDep,
    page: PageDep,
    failed: Annotated[bool, Query(description="Only dead-lettered notifications.")] = False,
) -> dict[str, Any]:
    """Notifications, newest first (paged), as ``forewarn notifications list --json``."""
    return page.of(queue.listing(session, failed), dispatch.describe)


@router.post("/{notification_id}/retry")
def retry(notification_id: RowId, user: Admin, context: ContextDep) -> dict[str, Any]:
    """Queue a dead-lettered notification again; the worker delivers it on its next round."""
    now = utc_now()
    row = context.write(lambda s: queue.requeue(s, str(notification_id), user.name, now))
    return dispatch.describe(row)
