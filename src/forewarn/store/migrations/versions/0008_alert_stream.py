"""alerts: the stream (annual forecast or monthly event data) that raised each alert

A country's alert level is kept per stream, so a monthly event-data alert is not swallowed by
an annual alert at the same level. Existing alerts are annual.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("stream", sa.String(16), nullable=False, server_default="annual")
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("stream")
