"""evidence: whether confidentiality was stated explicitly

Before this revision an evidence item imported without a ``confidential`` value was stored
as public. Existing rows get ``confidentiality_stated = false``: they are withheld from users
without clearance until an administrator reviews them (``forewarn assess audit``). Every row
written from now on states it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(
            sa.Column(
                "confidentiality_stated",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("confidentiality_stated")
