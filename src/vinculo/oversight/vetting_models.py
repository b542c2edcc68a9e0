"""Tables of Leahy vetting: requests for a person or a unit, and every decision on them.

A request points at a row of `markings`, as an allegation or a programme does, so the one
policy (`visible_marking_ids`) decides who reads it. Its decisions are kept as history,
never edited: the current status is the last decision's, and "expired" is not stored but
derived from the approval's last valid day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class VettingRequest(Base):
    """Vetting asked for one subject and one purpose. The subject is an entity of the intel
    store (`subject_entity_id`) or, for someone not yet stored, a name (with a birth date
    for a person); the gate on assistance finds approvals by entity id."""

    __tablename__ = "vetting_requests"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(8))  # person, unit
    subject_entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    subject_name: Mapped[str] = mapped_column(String(500), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    purpose: Mapped[str] = mapped_column(String(24))  # training, equipment, disbursement, other
    programme_officer: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_vetting_requests_subject", "subject_entity_id", "purpose"),)


class VettingDecision(Base):
    """One decision: the status it set, who, when and why, the validity an approval gives,
    and the duty-to-inform and remediation steps noted with it."""

    __tablename__ = "vetting_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("vetting_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    duty_to_inform: Mapped[str] = mapped_column(Text, default="")
    remediation: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_vetting_decisions_request", "request_id", "id"),)


__all__ = ["VettingDecision", "VettingRequest"]
