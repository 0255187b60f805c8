"""The ledger's tables: the entries and the head row (SQLAlchemy 2 declarative)."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forewarn.orm import Base


class LedgerRow(Base):
    """One entry of the hash-chained ledger; ``hash`` is SHA-256 of the entry's canonical JSON.

    ``payload`` holds the canonical JSON text and ``recorded_at`` the exact timestamp string
    that were hashed, so no back end can re-render them differently.
    """

    __tablename__ = "ledger"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    payload: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signer: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    """The Ed25519 public key (hex) that signed the entry; None for entries written before
    signing began."""
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True, default=None)


class LedgerHeadRow(Base):
    """The ledger's head (entry count and newest hash), kept apart from the entries.

    Updated in every transaction that appends, so deleting the newest entries is detectable;
    ``ledger_id`` names this ledger in the receipts kept outside the database.
    ``signed_from`` is the first entry that must be signed (set when signing was introduced).
    """

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ledger_id: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    signed_from: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
