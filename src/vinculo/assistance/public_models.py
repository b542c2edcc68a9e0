"""Items a publisher has flagged for public aggregation, and what each counts under."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class PublicFlag(Base):
    """One item that may count in the public tables (../shared/MARKINGS.md, "Public
    aggregates"). `facets` are the values it counts under (fiscal year, force, status …),
    fixed when it was flagged from what the publisher saw, so that what goes public is
    exactly what a person approved; flagging it again brings them up to date."""

    __tablename__ = "public_flags"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # ledger, vetting, allegation
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facets: Mapped[dict[str, Any]] = mapped_column(JSON)
    usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    flagged_by: Mapped[str] = mapped_column(String(64))
    flagged_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
