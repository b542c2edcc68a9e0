"""Tables of event deconfliction across nodes (cases/operation_pointers.py): each planned
operation's keyed hashes of space-time cells under every agreement key, the pointers published
for it, and the partner's side of an alert raised by a partner's pointer."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base


class CaseOperationKeyHash(Base):
    """A planned operation's keyed hash of one (grid cell, UTC day) under one agreement's key:
    what a partner's operation pointer is checked against. Rows go when the operation stops
    being planned."""

    __tablename__ = "case_operation_key_hashes"

    operation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_operations.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_case_operation_key_hashes_hash", "key_id", "hash"),)


class CaseOperationPointer(Base):
    """A pointer published for an operation under one agreement key (an operation whose cells
    and days exceed one pointer's hashes has several, numbered by `part`), and the partner
    nodes it went to (comma-separated); a change or an end is a new version of it."""

    __tablename__ = "case_operation_pointers"

    pointer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    operation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_operations.id", ondelete="CASCADE")
    )
    key_id: Mapped[str] = mapped_column(String(64))
    part: Mapped[int] = mapped_column(Integer, default=0)
    partners: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_case_operation_pointers_operation", "operation_id"),)


class PartnerAlertSide(Base):
    """The other side of an alert raised by a partner's pointer: the partner node, its pointer
    and the contact it named (kept, so the alert still says whom to call once the pointer is
    revoked). Such an alert has no local second operation."""

    __tablename__ = "deconfliction_alert_partners"

    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("deconfliction_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    operation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_operations.id", ondelete="CASCADE")
    )
    partner: Mapped[str] = mapped_column(String(64))
    pointer_id: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_agency: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_deconfliction_alert_partners_pair", "operation_id", "pointer_id"),)
