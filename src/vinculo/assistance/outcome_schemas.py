"""Pydantic shapes for programme results and municipal indicators, named by role. Values
are Decimal, given in JSON as strings, so no figure passes through a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from vinculo.intel.schemas import MarkingsRead


class PeriodRead(BaseModel):
    start: date
    end: date
    target: Decimal | None
    actual: Decimal | None


class IndicatorRead(BaseModel):
    id: str
    code: str
    title: str  # in the reader's language, or the other when only that one is given
    title_en: str
    title_es: str
    measure: str  # unit or percentage
    measure_label: str
    ascending: bool
    baseline_year: int | None
    baseline_value: Decimal | None
    target_year: int | None
    target_value: Decimal | None
    periods: list[PeriodRead]
    source: str
    release: str
    markings: MarkingsRead


class ResultList(BaseModel):
    programme_id: str
    items: list[IndicatorRead]
    total: int


class MunicipalValueRead(BaseModel):
    municipality: str
    state: str
    code: str
    label: str
    unit: str
    year: int
    value: Decimal
    source: str


class MunicipalList(BaseModel):
    items: list[MunicipalValueRead]
    total: int
