"""Table definitions (SQLAlchemy 2 declarative). Every change comes with an Alembic migration.

The ledger's own tables live in :mod:`forewarn.ledger.tables`; importing them here puts every
table in ``Base.metadata`` (which Alembic reads) once this module is imported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forewarn.ledger.tables import LedgerHeadRow, LedgerRow
from forewarn.orm import Base

__all__ = [
    "AckUseRow",
    "ActionRow",
    "AlertIntakeRow",
    "AlertRow",
    "AssessmentRow",
    "Base",
    "EvidenceRow",
    "JudgementRow",
    "LedgerHeadRow",
    "LedgerRow",
    "LoginFailureRow",
    "NotificationRow",
    "ReminderRow",
    "TokenRow",
    "UserRow",
    "WebhookRow",
    "WorkerRow",
]


class AssessmentRow(Base):
    """An analyst's assessment of one country on one date."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("iso3", "assessed_on", "analyst"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), index=True)
    ccode: Mapped[int | None] = mapped_column(Integer)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    analyst: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    judgements: Mapped[list[JudgementRow]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="JudgementRow.id"
    )


class JudgementRow(Base):
    """A judgement on one indicator of the Framework of Analysis."""

    __tablename__ = "judgements"
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    indicator_id: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(16))
    assessment: Mapped[AssessmentRow] = relationship(back_populates="judgements")
    evidence: Mapped[list[EvidenceRow]] = relationship(
        back_populates="judgement", cascade="all, delete-orphan", order_by="EvidenceRow.id"
    )


class EvidenceRow(Base):
    """One evidence item, graded on the Admiralty scale (reliability A-F, credibility 1-6).

    ``confidentiality_stated`` is true when the importer stated ``confidential`` explicitly
    (always, since migration 0004); rows stored before then may have been defaulted to public
    and are withheld as if confidential until an administrator reviews them
    (``forewarn assess audit``).
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("judgements.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int] = mapped_column(Integer)
    confidential: Mapped[bool] = mapped_column(Boolean)
    confidentiality_stated: Mapped[bool] = mapped_column(Boolean)
    judgement: Mapped[JudgementRow] = relationship(back_populates="evidence")


class AlertRow(Base):
    """An alert with the evidence frozen at the moment it fired.

    ``seq`` numbers a country's alerts; the unique ``(iso3, seq)`` pair makes two concurrent
    writers unable to both append the same next alert.
    """

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("iso3", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    ccode: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    base_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    stream: Mapped[str] = mapped_column(String(16), default="annual", server_default="annual")
    """The signal that raised it: "annual" (forecast, assessments) or "monthly" (events)."""


class AlertIntakeRow(Base):
    """Marks an alert whose ladder actions the clock has opened.

    One row per alert (the primary key), written in the transaction that opens the actions, so
    two clocks running at once cannot both open them.
    """

    __tablename__ = "alert_intake"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actions_opened: Mapped[int] = mapped_column(Integer)


class ActionRow(Base):
    """A deadline-bound action opened by an alert, with the ladder's definition frozen in it.

    ``chain`` names the ladder action that opened the chain (``ga_debate:<id>`` for an action
    triggered by a veto of action ``id``) and ``generation`` counts escalations along it; the
    unique ``(alert_id, chain, generation)`` and the unique ``escalated_from`` make a duplicate
    action impossible, whoever runs the clock.
    """

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("alert_id", "chain", "generation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    chain: Mapped[str] = mapped_column(String(96))
    generation: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    outcomes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    escalated_from: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), unique=True)
    triggered_by: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    overdue_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)


class UserRow(Base):
    """A person who signs in to the API: role, the ladder roles they hold, evidence clearance.

    ``role`` is one of viewer, analyst, decision, admin; ``owner_roles`` lists the ladder's
    owner roles (e.g. special_adviser) whose actions the user may decide; ``clearance`` lets
    them read evidence marked confidential. Passwords are stored only as argon2 hashes.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    owner_roles: Mapped[list[str]] = mapped_column(JSON)
    clearance: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    """Where notifications are sent (none: the user is not told by e-mail)."""
    language: Mapped[str] = mapped_column(String(8), default="en")
    """The language of the user's messages: en or id."""
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    """One daily digest instead of a message per event."""


class TokenRow(Base):
    """An API token (``kind`` "api") or a browser session (``kind`` "session").

    Only the SHA-256 of the random secret is stored; the secret is shown once. A revoked or
    expired row no longer authenticates anyone.
    """

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailureRow(Base):
    """A failed log-in, kept for the rate limit (per user name and client address)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


# --- notifications (migration 0005) -----------------------------------------------------------


class WebhookRow(Base):
    """A webhook subscription: where to post, which events, and the signing secret.

    The secret signs every delivery (HMAC-SHA256); it is shown once when the subscription is
    made and kept here because signing needs it. A removed subscription keeps its row (the
    ledger names it) with ``removed_at`` set.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationRow(Base):
    """One message to one recipient (a user by e-mail, or a webhook): the transactional outbox.

    Written in the transaction of the change it is about (``event_seq`` is that change's ledger
    entry), so a notification exists exactly when its change was committed. ``uid`` is the
    stable id every delivery attempt carries (idempotency key, Message-ID); ``key`` makes a
    duplicate impossible whoever writes it. ``state``: ``pending`` (waiting or being retried),
    ``held`` (for the user's daily digest), ``digested`` (carried by digest ``digest_id``),
    ``delivered`` or ``failed`` (dead-lettered). A worker claims a row by a lease
    (``lease_owner`` until ``lease_until``); a lease that runs out makes it claimable again, so
    a crash between sending and marking resends under the same ``uid``.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "state", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))
    event_seq: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id"))
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)


class ReminderRow(Base):
    """Marks an action whose owners were reminded that its deadline is one working day away
    (one row per action, written with the reminders, so two workers cannot both remind)."""

    __tablename__ = "action_reminders"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), primary_key=True)
    reminded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AckUseRow(Base):
    """An acknowledgement link that has been used (links are single-use)."""

    __tablename__ = "ack_link_uses"

    link_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    used_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WorkerRow(Base):
    """A ``forewarn worker`` process: when it started, ticked and last went round."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_round_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_tick_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_report: Mapped[dict[str, Any]] = mapped_column(JSON)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSuccessRow(Base):
    """The last successful log-in of a user name from an address (for the global limit)."""

    __tablename__ = "login_successes"
    __table_args__ = (UniqueConstraint("username", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
