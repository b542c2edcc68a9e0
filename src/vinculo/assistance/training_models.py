"""Tables of training events and their participants.

An event points at a row of `markings`, as a programme or a vetting request does, so the one
policy (`visible_marking_ids`) decides who reads it; its participants are read with it, under
the same marking. A participant is a person (with the unit they come from) or a whole unit,
each seated only through the Leahy gate (oversight/vetting.require_valid_approval), whose
approvals are kept on the seat.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow

# Hours of human-rights content, to the quarter hour.
HOURS = Numeric(7, 2)


class TrainingEvent(Base):
    """A course given on some days at one place, by a provider, under a programme."""

    __tablename__ = "training_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    course: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(100), default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    human_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    human_rights_hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal("0"))
    provider: Mapped[str] = mapped_column(String(300), default="")
    programme_id: Mapped[str | None] = mapped_column(
        ForeignKey("assistance_programmes.id"), nullable=True, index=True
    )
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_training_events_starts_on", "starts_on"),)


class TrainingParticipant(Base):
    """One seat: a person from a unit, or a whole unit (`person_entity_id` empty). The
    approvals the gate found for the person and for the unit are kept with it."""

    __tablename__ = "training_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("training_events.id", ondelete="CASCADE"), index=True
    )
    person_entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    unit_entity_id: Mapped[str] = mapped_column(String(128), index=True)
    person_vetting_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unit_vetting_id: Mapped[str] = mapped_column(String(32))
    seated_by: Mapped[str] = mapped_column(String(64))
    seated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


__all__ = ["TrainingEvent", "TrainingParticipant"]
