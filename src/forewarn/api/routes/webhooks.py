"""``/api/webhooks``: webhook subscriptions, for admins (the secret is shown once)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from forewarn.api.deps import Admin, ContextDep, RowId, SessionDep
from forewarn.notify import subscriptions
from forewarn.store.webhooks import list_webhooks

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


class WebhookBody(BaseModel):
    """A new subscription: where, and which events (``*`` for all)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(..., max_length=2000, description="https:// (http:// only on loopback).")
    events: list[str] = Field(..., min_length=1, max_length=20, description="Events to send.")


@router.get("")
def list_subscriptions(user: Admin, session: SessionDep) -> list[dict[str, Any]]:
    """Live subscriptions (never their secrets)."""
    return [subscriptions.record(r) for r in list_webhooks(session)]


@router.post("", status_code=201)
def add_subscription(body: WebhookBody, user: Admin, context: ContextDep) -> dict[str, Any]:
    """Subscribe a URL; the answer carries the signing secret, shown this once."""
    made = context.write(lambda s: subscriptions.subscribe(s, body.url, body.events, user.name))
    return {"id": made.id, "url": made.url, "events": list(made.events), "secret": made.secret}


@router.delete("/{webhook_id}")
def remove_subscription(webhook_id: RowId, user: Admin, context: ContextDep) -> dict[str, Any]:
    """Stop a subscription (its undelivered notifications fail)."""
    row = context.write(lambda s: subscriptions.unsubscribe(s, webhook_id, user.name))
    return subscriptions.record(row)
