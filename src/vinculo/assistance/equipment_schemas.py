"""Pydantic shapes for equipment, its custody chain and end-use checks, named by role.
Money is Decimal, given in JSON as a string."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn, MarkingsRead

MAX_ID = 128


class EquipmentCreate(BaseModel):
    type: str = Field(max_length=24, examples=["scanner"], description="equipment type code")
    description: str = Field(default="", max_length=2_000)
    serial_number: str = Field(max_length=200, examples=["RS-7734-0192"])
    value_usd: Decimal = Field(ge=0, le=Decimal("1e15"), decimal_places=2)
    unit_entity_id: str = Field(max_length=MAX_ID, description="The recipient unit")
    delivered_on: date
    programme_id: str | None = Field(default=None, max_length=32)
    check_interval_days: int = Field(default=365, ge=1, le=3650)
    markings: MarkingsIn


class CustodyCreate(BaseModel):
    holder_unit_entity_id: str = Field(max_length=MAX_ID)
    from_date: date
    note: str = Field(default="", max_length=2_000)


class CheckCreate(BaseModel):
    checked_on: date
    scheduled: bool = True
    kind: str = Field(max_length=32, examples=["routine"])
    result: str = Field(max_length=16, examples=["verified"])
    discrepancy: str = Field(default="", max_length=10_000)


class CustodyRead(BaseModel):
    holder_unit_entity_id: str | None  # None when the reader may not see the unit
    holder_caption: str
    from_date: date
    note: str
    recorded_by: str


class CheckRead(BaseModel):
    checked_on: date
    scheduled: bool
    kind: str
    kind_label: str
    result: str
    result_label: str
    discrepancy: str
    checked_by: str


class EquipmentSummary(BaseModel):
    id: str
    type: str
    type_label: str
    description: str
    serial_number: str
    value_usd: Decimal
    unit_entity_id: str | None  # None when the reader may not see the unit
    unit_caption: str
    delivered_on: date
    fiscal_year: int
    programme_id: str | None  # None when the reader may not see the programme
    check_interval_days: int
    last_check: date | None
    next_check_due: date
    overdue: bool  # computed on read: no check in the interval up to today
    discrepancies: int
    markings: MarkingsRead
    banner: str  # the markings as the line shown over the item
    created_by: str
    created_at: datetime


class EquipmentRead(EquipmentSummary):
    custody: list[CustodyRead]
    checks: list[CheckRead]


class EquipmentList(BaseModel):
    items: list[EquipmentSummary]
    total: int
    next_cursor: str | None = None


class EquipmentTotals(BaseModel):
    """What the accountability view shows of equipment for some units: only what the reader
    may see is counted."""

    items: int
    value_usd: Decimal
    checks: int
    overdue: int
    discrepancies: int  # checks that found a discrepancy or did not find the item
