"""Tables of allegations of human-rights violations.

An allegation points at a row of `markings`, as a case or a programme does, so the one
policy (`visible_marking_ids`) decides who reads it. Its victims and witnesses are rows of
their own, each with a marking of its own (typically a need-to-know group of human-rights
monitors): a reader sees one only if the policy lets them see both the allegation and it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class Allegation(Base):
    """What happened, when and where, to which violations, by which unit and persons.
    Its status moves through `allegation_status_changes`; nothing of it is deleted."""

    __tablename__ = "allegations"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_es: Mapped[str] = mapped_column(Text, default="")
    occurred_from: Mapped[date] = mapped_column(Date)
    occurred_to: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(100), default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit_entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def summary(self, locale: str) -> str:
        first, second = (
            (self.summary_es, self.summary_en)
            if locale == "es"
            else (self.summary_en, self.summary_es)
        )
        return first or second


class AllegationViolation(Base):
    """One violation an allegation names (a code of vocab/violations.yml)."""

    __tablename__ = "allegation_violations"

    allegation_id: Mapped[str] = mapped_column(
        ForeignKey("allegations.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(48), primary_key=True, index=True)


class AllegationPerpetrator(Base):
    """A person alleged to have taken part: an entity id of the intel store."""

    __tablename__ = "allegation_perpetrators"

    allegation_id: Mapped[str] = mapped_column(
        ForeignKey("allegations.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class AllegationSource(Base):
    """Where the allegation comes from, graded on the Admiralty scales."""

    __tablename__ = "allegation_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[str] = mapped_column(
        ForeignKey("allegations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    reliability: Mapped[str] = mapped_column(String(1))  # admiralty reliability A-F
    credibility: Mapped[int] = mapped_column(Integer)  # admiralty credibility 1-6


class AllegationStatusChange(Base):
    """One step of an allegation's status history: from, to, who, when and why."""

    __tablename__ = "allegation_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[str] = mapped_column(ForeignKey("allegations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_allegation_status_changes_allegation", "allegation_id", "id"),)


class AllegationParty(Base):
    """A victim or witness: the protected part, under a marking of its own."""

    __tablename__ = "allegation_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allegation_id: Mapped[str] = mapped_column(
        ForeignKey("allegations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # victim, witness
    name: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)


__all__ = [
    "Allegation",
    "AllegationParty",
    "AllegationPerpetrator",
    "AllegationSource",
    "AllegationStatusChange",
    "AllegationViolation",
]
