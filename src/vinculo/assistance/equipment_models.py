"""Tables of equipment delivered and its end-use monitoring.

An item points at a row of `markings`, as a programme does, so the one policy
(`visible_marking_ids`) decides who reads it; its custody chain and checks are read with it,
under the same marking. Whether an item is overdue for its check is never stored: it is
computed on read from its last check (or its delivery) and its check interval.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.assistance.models import MONEY
from vinculo.db import Base
from vinculo.security.models import utcnow

DEFAULT_INTERVAL = 365  # days between end-use checks unless an item names its own


class EquipmentItem(Base):
    """One item delivered to a unit: its type, serial number and value, under a programme."""

    __tablename__ = "equipment_items"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(24))  # equipment.TYPES
    description: Mapped[str] = mapped_column(Text, default="")
    serial_number: Mapped[str] = mapped_column(String(200))
    value_usd: Mapped[Decimal] = mapped_column(MONEY)
    unit_entity_id: Mapped[str] = mapped_column(String(128), index=True)  # the recipient
    delivered_on: Mapped[date] = mapped_column(Date)
    programme_id: Mapped[str | None] = mapped_column(
        ForeignKey("assistance_programmes.id"), nullable=True, index=True
    )
    check_interval_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_INTERVAL)
    vetting_id: Mapped[str] = mapped_column(String(32))  # the approval the gate found
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_equipment_items_serial", "serial_number"),)


class EquipmentCustody(Base):
    """Who holds the item from a day on: the recipient first, then each transfer."""

    __tablename__ = "equipment_custody"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("equipment_items.id", ondelete="CASCADE"))
    holder_unit_entity_id: Mapped[str] = mapped_column(String(128))
    from_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    vetting_id: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_equipment_custody_item", "item_id", "from_date"),)


class EquipmentCheck(Base):
    """One end-use check (Golden Sentry) or Blue Lantern check, scheduled or ad hoc."""

    __tablename__ = "equipment_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("equipment_items.id", ondelete="CASCADE"))
    checked_on: Mapped[date] = mapped_column(Date)
    scheduled: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(32))  # equipment.CHECK_KINDS
    result: Mapped[str] = mapped_column(String(16))  # equipment.RESULTS
    discrepancy: Mapped[str] = mapped_column(Text, default="")
    checked_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_equipment_checks_item", "item_id", "checked_on"),)


__all__ = ["DEFAULT_INTERVAL", "EquipmentCheck", "EquipmentCustody", "EquipmentItem"]
