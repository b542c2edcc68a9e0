"""Tables of assistance programmes and the funding ledger.

A programme and a ledger row each point at a row of `markings`, as a report or a case does,
so the one policy (`visible_marking_ids`) decides who reads them. Money is `Numeric`, never
a float: a ledger sums to the cent on both backends.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow

# Dollars to the cent, up to a trillion; an exchange rate to six places.
MONEY = Numeric(18, 2)
RATE = Numeric(14, 6)


class Programme(Base):
    """An assistance activity: what the money is for, under which framework, through whom.
    `key` is the source's own id for it (`<source>:<activity id>`), so a re-import finds it."""

    __tablename__ = "assistance_programmes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    name_en: Mapped[str] = mapped_column(Text, default="")
    name_es: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    pillar: Mapped[str | None] = mapped_column(String(32), nullable=True)  # merida_pillars
    goal: Mapped[str | None] = mapped_column(String(32), nullable=True)  # bicentennial_goals
    account: Mapped[str] = mapped_column(String(16))  # funding_accounts
    sector: Mapped[str] = mapped_column(String(8))  # dac_sectors
    partner: Mapped[str] = mapped_column(String(300), default="")
    funding_agency: Mapped[str] = mapped_column(String(200), default="")
    managing_agency: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(100))
    release: Mapped[str] = mapped_column(String(100))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def name(self, locale: str) -> str:
        first, second = (
            (self.name_es, self.name_en) if locale == "es" else (self.name_en, self.name_es)
        )
        return first or second


class LedgerTransaction(Base):
    """One appropriation, obligation, disbursement or expenditure. `key` is stable per
    source row (`<source>:<hash of what identifies the row>`): a revised release of the same
    file updates the row it matches instead of adding one."""

    __tablename__ = "assistance_transactions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("assistance_programmes.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    transaction_date: Mapped[date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(16))  # transaction_types
    partner: Mapped[str] = mapped_column(String(300), default="")
    unit_name: Mapped[str] = mapped_column(String(300), default="")
    unit_entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    usd: Mapped[Decimal] = mapped_column(MONEY)
    constant_usd: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    mxn: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    rate: Mapped[Decimal | None] = mapped_column(RATE, nullable=True)  # MXN per USD
    reverses: Mapped[str] = mapped_column(String(200), default="")  # a reversal's reference
    source: Mapped[str] = mapped_column(String(100))
    release: Mapped[str] = mapped_column(String(100))
    source_line: Mapped[int] = mapped_column(Integer)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_assistance_transactions_year", "fiscal_year", "type"),
        Index("ix_assistance_transactions_partner", "partner"),
        Index("ix_assistance_transactions_unit", "unit_name"),
        # The accountability view of a unit answers from this index alone: every column it
        # groups and sums (bench/assistance.py: p95 1.4 s without it on a million rows).
        Index(
            "ix_assistance_transactions_unit_entity",
            "unit_entity_id",
            "fiscal_year",
            "type",
            "unit_name",
            "marking_id",
            "usd",
        ),
    )


def fiscal_year(day: date) -> int:
    """The U.S. federal fiscal year a day falls in: FY N runs 1 October N-1 to 30 September N."""
    return day.year + 1 if day.month >= 10 else day.year


__all__ = ["LedgerTransaction", "Programme", "fiscal_year"]
