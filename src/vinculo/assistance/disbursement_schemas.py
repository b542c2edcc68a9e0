"""Shapes of a ledger row recorded in Vínculo itself (not imported from a published file)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn


class DisbursementCreate(BaseModel):
    """Money recorded against a programme. A disbursement or expenditure names the unit or
    person it reaches, which must hold a valid Leahy approval for disbursements that day."""

    programme_id: str = Field(max_length=32)
    date: date
    type: str = Field(default="3", max_length=16, description="transaction_types code")
    usd: Decimal = Field(max_digits=16, decimal_places=2)
    mxn: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    rate: Decimal | None = Field(default=None, max_digits=14, decimal_places=6)
    recipient_entity_id: str | None = Field(default=None, max_length=128)
    recipient_name: str = Field(default="", max_length=300)
    partner: str = Field(default="", max_length=300)
    reverses: str = Field(default="", max_length=32, description="the ledger row it reverses")
    markings: MarkingsIn | None = Field(
        default=None, description="Default: the programme's own markings"
    )
