"""Tables of deconfliction across nodes on the registering side (cases/pointers.py): each
registration's keyed hashes under every agreement key, the pointers published for it, and the
partners' pointers each registration was told of."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class CaseTargetKeyHash(Base):
    """A registration's keyed hash under one sharing agreement's key.

    Kept at registration, beside the node-local hashes: the clear keys are never stored, and
    the node-local HMAC cannot be turned into an agreement's, so this is what a partner's
    pointer is checked against and what a renewal publishes again."""

    __tablename__ = "case_target_key_hashes"

    target_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_targets.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_case_target_key_hashes_hash", "key_id", "hash"),)


class CaseTargetPointer(Base):
    """The pointer published for a registration under one agreement key, and the partner
    nodes it went to (comma-separated); a renewal or a withdrawal is a new version of it."""

    __tablename__ = "case_target_pointers"

    pointer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    target_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_targets.id", ondelete="CASCADE")
    )
    key_id: Mapped[str] = mapped_column(String(64))
    partners: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_case_target_pointers_target", "target_id"),)


class CasePointerHit(Base):
    """A partner's pointer a registration was told of: told once, however often the pointer
    is renewed or pulled again."""

    __tablename__ = "case_pointer_hits"

    target_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_targets.id", ondelete="CASCADE"), primary_key=True
    )
    pointer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
