"""The dispatcher: claim due notifications, render and send them, record the outcomes.

E-mail goes out over one SMTP connection per batch while the batch's webhooks are posted
from a small thread pool. When the SMTP server cannot be reached, the batch is deferred
(with back-off) and no more e-mail is claimed in this round; webhooks go on. A notification
whose recipient no longer exists (a disabled user, a user without an address, a removed
webhook) fails at once, with the reason in the ledger. A worker without e-mail settings
(webhooks only) claims no e-mail: it waits in the outbox for a worker that has them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import jinja2
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.notify import links, smtp, webhook
from forewarn.notify.config import Delivery
from forewarn.notify.queue import Counts, claim, release, settle
from forewarn.notify.render import render
from forewarn.notify.smtp import DEFERRED, FAILED, Envelope, Outcome
from forewarn.response.clock import as_utc
from forewarn.store import outbox
from forewarn.store.tables import NotificationRow, UserRow, WebhookRow

BATCH = 50
MAIL_OFF = "e-mail is not set up on this worker (FOREWARN_MAIL_FROM and the other e-mail settings)"
Prepared = Envelope | webhook.Post | Outcome


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Recipients:
    """The users and webhooks a batch is addressed to."""

    users: Mapping[int, UserRow]
    hooks: Mapping[int, WebhookRow]

    @classmethod
    def load(cls, session: Session, rows: Sequence[NotificationRow]) -> Recipients:
        user_ids = sorted({r.user_id for r in rows if r.user_id is not None})
        hook_ids = sorted({r.webhook_id for r in rows if r.webhook_id is not None})
        users: dict[int, UserRow] = {}
        hooks: dict[int, WebhookRow] = {}
        if user_ids:
            found = session.scalars(select(UserRow).where(UserRow.id.in_(user_ids)))
            users = {u.id: u for u in found}
        if hook_ids:
            subscribed = session.scalars(select(WebhookRow).where(WebhookRow.id.in_(hook_ids)))
            hooks = {h.id: h for h in subscribed}
        return cls(users, hooks)


def _own_actions(row: NotificationRow, user: UserRow) -> list[int]:
    """The actions of ``row`` that ``user`` may acknowledge from the message."""
    payload = row.payload
    if row.event == "digest":
        items = [*payload.get("due", []), *payload.get("overdue", [])]
        return [int(item["action"]["id"]) for item in items]
    action = payload.get("action")
    if action is None or payload.get("audience") != "owner" or row.event == "action.blocked":
        return []
    return [int(action["id"])] if action["owner"] in (user.owner_roles or ()) else []


def _links(
    row: NotificationRow, user: UserRow, delivery: Delivery, url: str, key: str
) -> dict[int, str]:
    made = as_utc(row.created_at)
    found = {}
    for action_id in _own_actions(row, user):
        claim_ = links.claim_for(row.uid, user.id, action_id, made, delivery.link_lifetime)
        found[action_id] = f"{url}/ack/{links.make_token(key, claim_)}"
    return found


def _headers(row: NotificationRow) -> dict[str, str]:
    found = {"X-Forewarn-Event": row.event}
    action = row.payload.get("action")
    if action is not None:
        found["X-Forewarn-Action"] = str(action["id"])
        found["X-Forewarn-Deadline"] = str(action["deadline"])
    if "alert" in row.payload:
        found["X-Forewarn-Alert"] = str(row.payload["alert"]["id"])
    return found


def _dashboard(row: NotificationRow, url: str) -> str:
    action = row.payload.get("action")
    if action is not None:
        return f"{url}/actions?show=all#action-{action['id']}"
    return f"{url}/{'actions?mine=true' if row.event == 'digest' else 'alerts'}"


def prepare_mail(row: NotificationRow, user: UserRow | None, delivery: Delivery) -> Prepared:
    """The e-mail of ``row`` for ``user``, or the reason it cannot be sent."""
    if user is None or not user.active:
        return Outcome(FAILED, "the user is disabled: not sent")
    if not user.email:
        return Outcome(FAILED, "the user has no e-mail address: not sent")
    url, key = delivery.public_url, delivery.link_key
    if delivery.mail is None or url is None or key is None:
        return Outcome(DEFERRED, MAIL_OFF)
    links_ = _links(row, user, delivery, url, key)
    try:
        mail = render(row.payload, user.language, user.name, links_, _dashboard(row, url),
                      row.uid)  # fmt: skip
    except (jinja2.TemplateError, KeyError, TypeError, ValueError) as exc:
        return Outcome(FAILED, f"cannot write the message: {type(exc).__name__}: {exc}"[:300])
    return Envelope(row.uid, user.email, mail, _headers(row))


def prepare_post(row: NotificationRow, hook: WebhookRow | None) -> Prepared:
    """The webhook delivery of ``row``, or the reason it cannot be made."""
    if hook is None or hook.removed_at is not None:
        return Outcome(FAILED, "the webhook subscription was removed: not sent")
    created = ledger.utc_stamp(row.created_at)
    payload = {k: v for k, v in row.payload.items() if k not in ("event", "audience")}
    body = webhook.body(row.uid, row.event, created, payload)
    return webhook.Post(row.uid, hook.url, hook.secret, row.event, body, row.attempts + 1)


def prepare(engine: Engine, rows: Sequence[NotificationRow], delivery: Delivery) -> list[Prepared]:
    """What to send for each of ``rows``, in order."""
    with Session(engine) as session:
        to = Recipients.load(session, rows)
    prepared: list[Prepared] = []
    for row in rows:
        if row.channel == outbox.WEBHOOK:
            prepared.append(prepare_post(row, to.hooks.get(row.webhook_id or 0)))
        else:
            prepared.append(prepare_mail(row, to.users.get(row.user_id or 0), delivery))
    return prepared


@dataclass
class Dispatcher:
    """Delivers the outbox for one worker."""

    engine: Engine
    delivery: Delivery
    worker: str
    batch: int = BATCH
    clock: Callable[[], dt.datetime] = _utc_now
    http: httpx.Client | None = None
    mail_down: bool = field(default=False, init=False)
    mail_error: str | None = field(default=None, init=False)
    """Why the SMTP connection failed in this round, if it did (never a secret)."""

    def _http(self) -> httpx.Client:
        if self.http is None:
            self.http = webhook.client(self.delivery.timeout)
        return self.http

    def close(self) -> None:
        """Close the pooled webhook connections (the dispatcher can be used again)."""
        if self.http is not None:
            self.http.close()
            self.http = None

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, rows: Sequence[NotificationRow]) -> list[Outcome]:
        """Send claimed ``rows``; one outcome each, in order."""
        prepared = prepare(self.engine, rows, self.delivery)
        envelopes = [p for p in prepared if isinstance(p, Envelope)]
        posts = [p for p in prepared if isinstance(p, webhook.Post)]
        with ThreadPoolExecutor(max_workers=1) as background:
            hooks = background.submit(webhook.send_all, posts, self.delivery.timeout, self._http())
            mail = self.delivery.mail
            mailed = smtp.send_batch(mail, envelopes) if mail is not None else smtp.Sent([])
            posted = iter(hooks.result())
        if mailed.connection_failed:
            self.mail_down = True
            self.mail_error = next((o.error for o in mailed.outcomes if o.status == DEFERRED
                                    and o.error), self.mail_error)  # fmt: skip
        sent = iter(mailed.outcomes)
        return [
            p if isinstance(p, Outcome) else next(sent) if isinstance(p, Envelope) else next(posted)
            for p in prepared
        ]

    def run_batch(self) -> tuple[int, Counts]:
        """Claim one batch, send it and settle it: (claimed, outcomes)."""
        mail = not self.mail_down and self.delivery.mail is not None
        channels = (outbox.EMAIL, outbox.WEBHOOK) if mail else (outbox.WEBHOOK,)
        now = self.clock()
        rows = claim(self.engine, self.worker, now, self.delivery.lease, self.batch, channels)
        if not rows:
            return 0, Counts()
        try:
            outcomes = self.send(rows)
        except BaseException:
            release(self.engine, [r.id for r in rows])
            raise
        results = list(zip(rows, outcomes, strict=True))
        return len(rows), settle(self.engine, results, self.delivery.retry, self.clock())

    def drain(self, stop: Callable[[], bool] = lambda: False, budget: float = 60.0) -> Counts:
        """Deliver batches until none is due, ``stop()`` says so, or ``budget`` seconds passed
        (the batch under way is always finished and recorded)."""
        self.mail_down, self.mail_error = False, None
        total = Counts()
        started = time.monotonic()
        while not stop() and time.monotonic() - started < budget:
            claimed, counts = self.run_batch()
            total += counts
            if claimed == 0:
                break
        return total


def deliver_now(engine: Engine, delivery: Delivery, row_id: int, worker: str) -> Counts:
    """Try to deliver notification ``row_id`` at once (``notifications retry``)."""
    dispatcher = Dispatcher(engine, delivery, worker)
    try:
        now = dispatcher.clock()

        def lease(session: Session) -> NotificationRow | None:
            row = session.get(NotificationRow, row_id, with_for_update=True)
            if row is None or row.state != outbox.PENDING:
                return None
            row.lease_owner, row.lease_until = worker, now + dt.timedelta(seconds=delivery.lease)
            return row

        row = ledger.retrying(engine, lease)
        if row is None:
            return Counts()
        outcomes = dispatcher.send([row])
        return settle(engine, [(row, outcomes[0])], delivery.retry, dispatcher.clock())
    finally:
        dispatcher.close()


def describe(row: NotificationRow) -> dict[str, Any]:
    """The JSON form of a notification (``notifications list --json``)."""
    stamp = ledger.utc_stamp
    return {
        "id": row.id,
        "uid": row.uid,
        "event": row.event,
        "subject": row.subject,
        "channel": row.channel,
        "user_id": row.user_id,
        "webhook_id": row.webhook_id,
        "alert_id": row.alert_id,
        "action_id": row.action_id,
        "state": row.state,
        "attempts": row.attempts,
        "next_at": stamp(row.next_at),
        "last_error": row.last_error,
        "created_at": stamp(row.created_at),
        "delivered_at": stamp(row.delivered_at) if row.delivered_at else None,
        "failed_at": stamp(row.failed_at) if row.failed_at else None,
        "digest_id": row.digest_id,
    }
