"""notifications: users' e-mail, language and digest choice; webhooks; the outbox; reminders,
used acknowledgement links and workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
        batch.add_column(
            sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _when("removed_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_at"),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        _when("lease_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("delivered_at", nullable=True),
        _when("failed_at", nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"]),
        sa.ForeignKeyConstraint(["digest_id"], ["notifications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.create_index("ix_notifications_due", ["state", "next_at"], unique=False)
        for column in ("user_id", "alert_id", "action_id", "digest_id"):
            batch.create_index(f"ix_notifications_{column}", [column], unique=False)
    op.create_table(
        "action_reminders",
        sa.Column("action_id", sa.Integer(), nullable=False),
        _when("reminded_at"),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.PrimaryKeyConstraint("action_id"),
    )
    op.create_table(
        "ack_link_uses",
        sa.Column("link_id", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        _when("used_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.PrimaryKeyConstraint("link_id"),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        _when("started_at"),
        _when("last_round_at", nullable=True),
        _when("last_tick_at", nullable=True),
        sa.Column("last_report", sa.JSON(), nullable=False),
        _when("stopped_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("workers")
    op.drop_table("ack_link_uses")
    op.drop_table("action_reminders")
    with op.batch_alter_table("notifications") as batch:
        for column in ("digest_id", "action_id", "alert_id", "user_id"):
            batch.drop_index(f"ix_notifications_{column}")
        batch.drop_index("ix_notifications_due")
    op.drop_table("notifications")
    op.drop_table("webhooks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest")
        batch.drop_column("language")
        batch.drop_column("email")
