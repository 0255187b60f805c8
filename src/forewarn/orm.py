"""The declarative base every table shares: the store's tables and the ledger's."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table."""
