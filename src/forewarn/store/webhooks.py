"""Repository functions for webhook subscriptions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.errors import Conflict, NotFound
from forewarn.store.tables import WebhookRow


def add_webhook(
    session: Session, url: str, events: Sequence[str], secret: str, by: str, now: dt.datetime
) -> WebhookRow:
    """Insert a subscription (the caller checked the URL and events)."""
    row = WebhookRow(
        url=url, events=list(events), secret=secret, created_at=now, created_by=by, removed_at=None
    )
    session.add(row)
    session.flush()
    return row


def list_webhooks(session: Session, include_removed: bool = False) -> list[WebhookRow]:
    """Subscriptions by id (live ones only unless ``include_removed``)."""
    query = select(WebhookRow).order_by(WebhookRow.id)
    if not include_removed:
        query = query.where(WebhookRow.removed_at.is_(None))
    return list(session.scalars(query))


def remove_webhook(session: Session, webhook_id: int, now: dt.datetime) -> WebhookRow:
    """Stop a subscription; NotFound when absent, Conflict when already removed."""
    row = session.get(WebhookRow, webhook_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no webhook {webhook_id}")
    if row.removed_at is not None:
        raise Conflict(f"webhook {webhook_id} is already removed")
    row.removed_at = now
    return row
