"""ledger: Ed25519 signatures of entries, and where signing begins

Each entry appended from now on is signed by the key of the installation that writes it
(``signer``, its public key, and ``signature``). Entries written before this revision stay
unsigned; ``ledger_head.signed_from`` records the first entry that must be signed (the next
one), so an unsigned entry appended later is refused by verification.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger") as batch:
        batch.add_column(sa.Column("signer", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(length=128), nullable=True))
    with op.batch_alter_table("ledger_head") as batch:
        batch.add_column(sa.Column("signed_from", sa.Integer(), nullable=True))
    op.execute("UPDATE ledger_head SET signed_from = count + 1")


def downgrade() -> None:
    with op.batch_alter_table("ledger_head") as batch:
        batch.drop_column("signed_from")
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("signature")
        batch.drop_column("signer")
