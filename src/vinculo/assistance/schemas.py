"""Pydantic shapes for programmes, ledger rows and totals, named by role. Money is Decimal,
given in JSON as a string, so no amount passes through a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from vinculo.intel.schemas import MarkingsRead


class ProgrammeRead(BaseModel):
    id: str
    name_en: str
    name_es: str
    description: str
    pillar: str | None
    pillar_label: str
    goal: str | None
    goal_label: str
    account: str
    account_label: str
    sector: str
    sector_label: str
    partner: str
    funding_agency: str
    managing_agency: str
    source: str
    release: str
    markings: MarkingsRead


class ProgrammeList(BaseModel):
    items: list[ProgrammeRead]
    total: int
    next_cursor: str | None = None


class LedgerRead(BaseModel):
    id: str
    programme_id: str | None  # None when the reader may not see the programme
    fiscal_year: int
    date: date
    type: str
    type_label: str
    partner: str
    unit_name: str
    unit_entity_id: str | None
    usd: Decimal
    constant_usd: Decimal | None
    mxn: Decimal | None
    rate: Decimal | None
    reverses: str
    source: str
    release: str
    markings: MarkingsRead


class LedgerList(BaseModel):
    items: list[LedgerRead]
    total: int
    next_cursor: str | None = None


class TotalRead(BaseModel):
    fiscal_year: int
    type: str
    type_label: str
    usd: Decimal
    count: int


class Totals(BaseModel):
    items: list[TotalRead]
