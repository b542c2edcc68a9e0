"""Tables of planned operations and the deconfliction alerts raised between them.

An operation's place is a circle and its window a span of UTC moments, kept with the IANA
zone of the place so that it is shown in the place's own wall-clock time beside the
reader's. `case_operation_cells` indexes the circles of planned operations by grid cell
(cases/places.py) with their windows, so a check reads the few cells a circle touches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class CaseOperation(Base):
    """A planned operation of a case: what (kind) is the case's own and shown only to its
    readers; the place, window and agency are what the check compares."""

    __tablename__ = "case_operations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    time_zone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    registered_by: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_agency: Mapped[str] = mapped_column(String(16))
    contact_phone: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="planned")


class CaseOperationCell(Base):
    """One grid cell a planned operation's circle touches, with its window: the index a
    check probes (cell, then the window's end). Rows go when the operation stops being
    planned."""

    __tablename__ = "case_operation_cells"

    cell: Mapped[str] = mapped_column(String(16), primary_key=True)
    operation_id: Mapped[str] = mapped_column(
        ForeignKey("case_operations.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_case_operation_cells_window", "cell", "ends_at", "starts_at"),)


class DeconflictionAlert(Base):
    """Two planned operations of different agencies that meet in place and time. Open until
    both sides acknowledged it and someone resolved it; `note` is the resolution's."""

    __tablename__ = "deconfliction_alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    operation_a: Mapped[str] = mapped_column(
        ForeignKey("case_operations.id", ondelete="CASCADE"), index=True
    )
    # None when the other operation is a partner node's (deconfliction_alert_partners).
    operation_b: Mapped[str | None] = mapped_column(
        ForeignKey("case_operations.id", ondelete="CASCADE"), index=True, nullable=True
    )
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class AlertParty(Base):
    """An account told of an alert: a side's registrant ("a" or "b", acknowledging for that
    side) or a watch supervisor ("watch"). The alert is shown to these accounts only."""

    __tablename__ = "deconfliction_alert_parties"

    alert_id: Mapped[str] = mapped_column(
        ForeignKey("deconfliction_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    side: Mapped[str] = mapped_column(String(8))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
