"""Webhook subscriptions: a checked URL, the events wanted, and a secret shown once.

A URL must be ``https://``, except on loopback (``http://127.0.0.1:8080/...``) where a local
receiver needs no certificate. Adding and removing are recorded in the ledger
(``webhook.added``, ``webhook.removed``: id, URL and events, never the secret).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import ConfigError
from forewarn.notify.config import is_loopback
from forewarn.store import webhooks
from forewarn.store.outbox import ALL_EVENTS, EVENTS
from forewarn.store.tables import WebhookRow

SECRET_PREFIX = "whsec_"


def check_url(url: str) -> str:
    """``url`` if a webhook may be sent there; ConfigError otherwise."""
    value = url.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ConfigError(f"webhook URL {value!r} is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigError(f"webhook URL {value!r} must be an https:// address")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"webhook URL {value!r} must use https:// (plain http only on loopback addresses)"
        )
    return value


def check_events(events: Sequence[str]) -> list[str]:
    """The events, checked and without repeats (``*`` alone: every event)."""
    wanted = [e.strip() for item in events for e in item.split(",") if e.strip()]
    if not wanted:
        raise ConfigError(f"name the events to send (--events), among: {', '.join(EVENTS)} or *")
    unknown = [e for e in wanted if e not in EVENTS and e != ALL_EVENTS]
    if unknown:
        raise ConfigError(f"unknown event {unknown[0]!r} (known: {', '.join(EVENTS)}, or *)")
    return [ALL_EVENTS] if ALL_EVENTS in wanted else list(dict.fromkeys(wanted))


@dataclass(frozen=True)
class NewWebhook:
    """A subscription just made, with its secret (shown once)."""

    id: int
    url: str
    events: tuple[str, ...]
    secret: str


def record(row: WebhookRow) -> dict[str, Any]:
    """The public form of a subscription (never the secret)."""
    return {
        "id": row.id,
        "url": row.url,
        "events": list(row.events),
        "created_at": ledger.utc_stamp(row.created_at),
        "created_by": row.created_by,
        "removed_at": ledger.utc_stamp(row.removed_at) if row.removed_at else None,
    }


def subscribe(session: Session, url: str, events: Sequence[str], actor: str) -> NewWebhook:
    """Add a subscription in the caller's transaction, with its ledger entry."""
    checked, wanted = check_url(url), check_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = webhooks.add_webhook(session, checked, wanted, secret, actor, dt.datetime.now(dt.UTC))
    facts = {"webhook_id": row.id, "url": row.url, "events": wanted}
    ledger.append(session, "webhook.added", f"webhook:{row.id}", facts, actor)
    return NewWebhook(row.id, row.url, tuple(wanted), secret)


def unsubscribe(session: Session, webhook_id: int, actor: str) -> WebhookRow:
    """Remove a subscription in the caller's transaction, with its ledger entry."""
    row = webhooks.remove_webhook(session, webhook_id, dt.datetime.now(dt.UTC))
    facts = {"webhook_id": row.id, "url": row.url}
    ledger.append(session, "webhook.removed", f"webhook:{row.id}", facts, actor)
    return row


def check_stored(session: Session) -> None:
    """Refuse to start when a live subscription's URL is no longer acceptable."""
    for row in webhooks.list_webhooks(session):
        try:
            check_url(row.url)
        except ConfigError as exc:
            raise ConfigError(
                f"webhook {row.id}: {exc} (remove it: forewarn webhooks remove)"
            ) from None
