"""Table definitions (SQLAlchemy 2 declarative). Every change comes with an Alembic migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


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
    """One evidence item, graded on the Admiralty scale (reliability A-F, credibility 1-6)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("judgements.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int] = mapped_column(Integer)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
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
