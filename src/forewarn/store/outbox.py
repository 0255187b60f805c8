"""The transactional outbox: the notifications a change calls for, written in its transaction.

Whoever appends a change to the ledger passes the entries to :func:`tell` in the same
transaction; it writes one notification row per recipient (a user by e-mail, or a webhook),
so a notification exists exactly when its change was committed: a crash cannot lose one, and
a change that is rolled back leaves none. Who is told about what:

* ``alert.raised`` at the warning and emergency levels: the users whose role includes
  ``decision`` (decision staff and admins);
* ``action.opened``: every user holding the ladder role that owns the action (a General
  Assembly debate opened by a veto is an opened action too);
* ``action.overdue``: the owners, unless the action escalated in the same tick (then they
  are told of the escalation instead);
* ``action.escalated``: the new owner (about the new action) and the owner who missed it;
* ``action.blocked`` by a veto: decision staff;
* ``action.due_soon`` (written by the worker's reminders, not from a ledger entry): owners.

Webhooks get the events they subscribed to (every block, not only vetoes). Users who chose
the daily digest get their rows ``held`` for it instead of ``pending``. Only active users
with an e-mail address are told. Nothing here sends anything: the dispatcher
(:mod:`forewarn.notify`) delivers the rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from forewarn.ledger import LedgerEntry, utc_stamp
from forewarn.store.tables import ActionRow, AlertRow, NotificationRow, UserRow, WebhookRow

ALERT_LEVELS = frozenset({"warning", "emergency"})
"""Alert levels whose raising is told (the packaged rules' two upper levels)."""
DECISION_ROLES = frozenset({"decision", "admin"})
"""API roles told of alerts and vetoes: those whose role includes ``decision``."""
EVENTS = (
    "alert.raised",
    "action.opened",
    "action.due_soon",
    "action.overdue",
    "action.escalated",
    "action.blocked",
)
"""Events a webhook may subscribe to (``*``: all of them)."""
ALL_EVENTS = "*"

EMAIL, WEBHOOK, DIGEST = "email", "webhook", "digest"
PENDING, HELD, DIGESTED, DELIVERED, FAILED = "pending", "held", "digested", "delivered", "failed"
_TABLE = cast(Table, NotificationRow.__table__)


@dataclass(frozen=True)
class Notice:
    """One event for one audience: ``owner`` (users holding ladder role ``role``),
    ``missed`` (the owners of an escalated action), ``decision`` (decision staff), or
    ``webhook`` only."""

    event: str
    subject: str
    seq: int | None
    audience: str
    payload: Mapping[str, Any]
    alert_id: int | None = None
    action_id: int | None = None
    role: str | None = None
    webhooks: bool = True


# --- the facts a message carries --------------------------------------------------------------


def alert_facts(alert: AlertRow) -> dict[str, Any]:
    """What a message says about an alert."""
    return {
        "id": alert.id,
        "iso3": alert.iso3,
        "country": alert.country,
        "level": alert.level,
        "rule": alert.rule,
        "base_year": alert.base_year,
        "raised_at": utc_stamp(alert.created_at),
    }


def action_facts(action: ActionRow) -> dict[str, Any]:
    """What a message says about an action."""
    return {
        "id": action.id,
        "action": action.action,
        "title": action.title,
        "basis": action.basis,
        "owner": action.owner,
        "state": action.state,
        "deadline": action.deadline.isoformat(),
        "opened_at": utc_stamp(action.created_at),
        "escalated_from": action.escalated_from,
        "triggered_by": action.triggered_by,
    }


@dataclass
class _Rows:
    """The actions and alerts the entries of one call are about, loaded at once."""

    actions: dict[int, ActionRow] = field(default_factory=dict)
    alerts: dict[int, AlertRow] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, entries: Sequence[LedgerEntry]) -> _Rows:
        ids: set[int] = set()
        for e in entries:
            if e.subject.startswith("action:"):
                ids.add(int(e.subject.split(":", 1)[1]))
            if e.kind == "action.escalated":
                ids.add(int(e.payload["to_action_id"]))
        rows = cls()
        if ids:
            found = session.scalars(select(ActionRow).where(ActionRow.id.in_(sorted(ids))))
            rows.actions = {a.id: a for a in found}
        alert_ids = {a.alert_id for a in rows.actions.values()}
        alert_ids |= {int(e.payload["alert_id"]) for e in entries if e.kind == "alert.raised"}
        if alert_ids:
            found_alerts = session.scalars(select(AlertRow).where(AlertRow.id.in_(alert_ids)))
            rows.alerts = {a.id: a for a in found_alerts}
        return rows

    def facts(self, action: ActionRow, **extra: Any) -> dict[str, Any]:
        alert = self.alerts[action.alert_id]
        return {"alert": alert_facts(alert), "action": action_facts(action), **extra}


# --- from ledger entries to notices -----------------------------------------------------------


def _about_alert(rows: _Rows, entry: LedgerEntry) -> list[Notice]:
    alert = rows.alerts[int(entry.payload["alert_id"])]
    if alert.level not in ALERT_LEVELS:
        return []
    facts = {"alert": alert_facts(alert)}
    return [Notice("alert.raised", entry.subject, entry.seq, "decision", facts, alert.id)]


def _notice(
    entry: LedgerEntry, event: str, action: ActionRow, facts: dict[str, Any], **how: Any
) -> Notice:
    return Notice(
        event, f"action:{action.id}", entry.seq, payload=facts, alert_id=action.alert_id,
        action_id=action.id, **how,
    )  # fmt: skip


def _about_action(rows: _Rows, entry: LedgerEntry, escalated: set[int]) -> list[Notice]:
    action = rows.actions[int(entry.subject.split(":", 1)[1])]
    facts = rows.facts(action)
    if entry.kind == "action.opened":
        if action.escalated_from is not None:  # told as an escalation
            return [_notice(entry, "action.opened", action, facts, audience="webhook")]
        return [_notice(entry, "action.opened", action, facts, audience="owner", role=action.owner)]
    if entry.kind == "action.overdue":
        if action.id in escalated:
            return [_notice(entry, "action.overdue", action, facts, audience="webhook")]
        return [
            _notice(entry, "action.overdue", action, facts, audience="owner", role=action.owner)
        ]
    if entry.kind == "action.escalated":
        new = rows.actions[int(entry.payload["to_action_id"])]
        onward = rows.facts(new, from_action=action_facts(action))
        missed = rows.facts(action, to_action=action_facts(new))
        return [
            _notice(entry, "action.escalated", new, onward, audience="owner", role=new.owner),
            _notice(entry, "action.escalated", action, missed, audience="missed",
                    role=action.owner, webhooks=False),
        ]  # fmt: skip
    if entry.kind == "action.blocked":
        facts["block"] = {k: entry.payload.get(k) for k in ("reference", "reason", "veto")}
        facts["block"]["by"] = entry.actor
        audience = "decision" if entry.payload.get("veto") else "webhook"
        return [_notice(entry, "action.blocked", action, facts, audience=audience)]
    return []


def notices_for(session: Session, entries: Sequence[LedgerEntry]) -> list[Notice]:
    """The notices that ``entries`` (just appended) call for."""
    kinds = {"alert.raised", "action.opened", "action.overdue", "action.escalated"}
    kinds.add("action.blocked")
    relevant = [e for e in entries if e.kind in kinds]
    if not relevant:
        return []
    rows = _Rows.load(session, relevant)
    escalated = {int(e.payload["action_id"]) for e in relevant if e.kind == "action.escalated"}
    found: list[Notice] = []
    for entry in relevant:
        if entry.kind == "alert.raised":
            found += _about_alert(rows, entry)
        else:
            found += _about_action(rows, entry, escalated)
    return found


# --- recipients and rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Audience:
    """Who can be told: active users with an e-mail address, and live webhooks."""

    users: tuple[UserRow, ...]
    webhooks: tuple[WebhookRow, ...]

    @classmethod
    def load(cls, session: Session) -> _Audience:
        users = session.scalars(
            select(UserRow).where(UserRow.active.is_(True), UserRow.email.is_not(None))
        )
        hooks = session.scalars(select(WebhookRow).where(WebhookRow.removed_at.is_(None)))
        return cls(tuple(users), tuple(hooks))

    def users_for(self, notice: Notice) -> list[UserRow]:
        if notice.audience in ("owner", "missed"):
            return [u for u in self.users if notice.role in (u.owner_roles or ())]
        if notice.audience == "decision":
            return [u for u in self.users if u.role in DECISION_ROLES]
        return []

    def webhooks_for(self, notice: Notice) -> list[WebhookRow]:
        if not notice.webhooks:
            return []
        return [w for w in self.webhooks if notice.event in w.events or ALL_EVENTS in w.events]


def _key(notice: Notice, recipient: str) -> str:
    origin = str(notice.seq) if notice.seq is not None else f"{notice.event}:{notice.subject}"
    return f"{origin}:{notice.audience}:{recipient}"


def _row(notice: Notice, now: dt.datetime, **where: Any) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "event": notice.event,
        "subject": notice.subject,
        "event_seq": notice.seq,
        "alert_id": notice.alert_id,
        "action_id": notice.action_id,
        "payload": {"event": notice.event, "audience": notice.audience, **notice.payload},
        "attempts": 0,
        "next_at": now,
        "created_at": now,
        "user_id": None,
        "webhook_id": None,
        **where,
    }


def rows_for(
    audience: _Audience, notices: Iterable[Notice], now: dt.datetime
) -> list[dict[str, Any]]:
    """The notification rows of ``notices``: one per user told and per webhook subscribed."""
    rows = []
    for notice in notices:
        for user in audience.users_for(notice):
            channel, state = (DIGEST, HELD) if user.digest else (EMAIL, PENDING)
            key = _key(notice, f"u{user.id}")
            rows.append(_row(notice, now, key=key, channel=channel, state=state, user_id=user.id))
        for hook in audience.webhooks_for(notice):
            key = _key(notice, f"w{hook.id}")
            rows.append(
                _row(notice, now, key=key, channel=WEBHOOK, state=PENDING, webhook_id=hook.id)
            )
    return rows


def row_for_user(notice: Notice, user: UserRow, now: dt.datetime, key: str) -> dict[str, Any]:
    """The values of one e-mail notification of ``notice`` to ``user`` (sent, not held)."""
    return _row(notice, now, key=key, channel=EMAIL, state=PENDING, user_id=user.id)


def release_held(session: Session, user_id: int, now: dt.datetime) -> int:
    """Send a user's held events one by one after all (they no longer want a digest)."""
    result = session.execute(
        update(NotificationRow)
        .where(NotificationRow.user_id == user_id, NotificationRow.state == HELD)
        .values(state=PENDING, channel=EMAIL, next_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def write(session: Session, notices: Sequence[Notice], now: dt.datetime | None = None) -> int:
    """Write the rows of ``notices`` in the caller's transaction; how many were written."""
    if not notices:
        return 0
    rows = rows_for(_Audience.load(session), notices, now or dt.datetime.now(dt.UTC))
    if rows:
        session.connection().execute(_TABLE.insert(), rows)
    return len(rows)


def tell(session: Session, entries: Sequence[LedgerEntry]) -> int:
    """Write the notifications that ``entries`` (just appended to the ledger in this
    transaction) call for; how many rows were written."""
    return write(session, notices_for(session, entries))
