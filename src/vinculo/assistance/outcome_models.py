"""Tables of outcomes: each programme's result indicators, and municipal indicators.

A programme's indicator points at a row of `markings` as the programme does, so the one
policy (`visible_marking_ids`) decides who reads it; a reader sees an indicator only when
the reader may also see its programme. Municipal indicators are public data (homicides per
100,000, school enrolment …) read from files that name their source; each points at a
TLP:CLEAR marking, so the same policy reads them and every reader sees them alike.

Values are `Numeric`, never a float: a rate or a count reads back as it was written on both
backends.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow

# A rate, a count or a percentage, to four places.
VALUE = Numeric(20, 4)


class ResultIndicator(Base):
    """One indicator of a programme's results: what is measured (a count or a percentage,
    better when it rises or falls), its baseline and its target. `code` is the source's own
    name for it within the programme, so a re-import finds it."""

    __tablename__ = "assistance_indicators"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("assistance_programmes.id"))
    code: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str] = mapped_column(Text, default="")
    title_es: Mapped[str] = mapped_column(Text, default="")
    measure: Mapped[str] = mapped_column(String(16))  # unit or percentage
    ascending: Mapped[bool] = mapped_column(Boolean, default=True)
    baseline_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    baseline_value: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    target_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_value: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    source: Mapped[str] = mapped_column(String(300))
    release: Mapped[str] = mapped_column(String(100))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("programme_id", "code", name="uq_assistance_indicators"),)

    def title(self, locale: str) -> str:
        first, second = (
            (self.title_es, self.title_en) if locale == "es" else (self.title_en, self.title_es)
        )
        return first or second


class ResultPeriod(Base):
    """What an indicator measured in one period (a calendar year unless the file gives
    dates), and the target for that period where the file sets one."""

    __tablename__ = "assistance_indicator_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[str] = mapped_column(
        ForeignKey("assistance_indicators.id", ondelete="CASCADE")
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    actual: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)
    target: Mapped[Decimal | None] = mapped_column(VALUE, nullable=True)

    __table_args__ = (
        UniqueConstraint("indicator_id", "period_start", name="uq_assistance_indicator_periods"),
    )


class MunicipalIndicator(Base):
    """One value of one public indicator (vocab/municipal_indicators.yml) for one
    municipality (its INEGI code: two digits of state, three of municipality) in one year,
    as one source published it. A re-import of the same source updates the value."""

    __tablename__ = "municipal_indicators"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(VALUE)
    source: Mapped[str] = mapped_column(String(300))
    file: Mapped[str] = mapped_column(String(300))
    source_line: Mapped[int] = mapped_column(Integer)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("municipality", "code", "year", "source", name="uq_municipal_indicators"),
        Index("ix_municipal_indicators_code", "code", "year"),
        Index("ix_municipal_indicators_state", "state"),
    )


__all__ = ["MunicipalIndicator", "ResultIndicator", "ResultPeriod"]
