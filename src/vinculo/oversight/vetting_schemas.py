"""Pydantic shapes for Leahy vetting, named by role.

`hits` and `allegations` are computed for each reader from what that reader may see: a hit
on an entity the reader may not see is not shown at all, and nothing counts it
(../shared/MARKINGS.md lists no disclosure for vetting, so there is no pointer to it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn, MarkingsRead

MAX_TEXT = 20_000
MAX_NAME = 500
MAX_ID = 128


class VettingCreate(BaseModel):
    """A subject by entity id, or by name (and, for a person, birth date) when not stored."""

    subject_kind: str = Field(examples=["unit"], max_length=8, description="person or unit")
    subject_entity_id: str | None = Field(default=None, max_length=MAX_ID)
    subject_name: str = Field(default="", max_length=MAX_NAME)
    birth_date: date | None = None
    purpose: str = Field(
        examples=["training"],
        max_length=24,
        description="training, equipment, disbursement or other",
    )
    programme_officer: str = Field(max_length=200, examples=["J. Smith, INL Mexico City"])
    markings: MarkingsIn


class DecisionIn(BaseModel):
    status: str = Field(examples=["approved"], max_length=16)
    reason: str = Field(max_length=MAX_TEXT)
    valid_from: date | None = Field(default=None, description="Approval: the first valid day")
    valid_until: date | None = Field(default=None, description="Approval: the last valid day")
    duty_to_inform: str = Field(default="", max_length=MAX_TEXT)
    remediation: str = Field(default="", max_length=MAX_TEXT)


class HitRead(BaseModel):
    entity_id: str
    schema_: str = Field(alias="schema")
    caption: str
    score: float
    features: list[dict[str, Any]]

    model_config = {"populate_by_name": True}


class AllegationHitRead(BaseModel):
    """An allegation naming the subject or one of its hits, as unit or alleged perpetrator."""

    id: str
    entity_id: str
    named_as: str  # unit, perpetrator
    status: str
    status_label: str
    occurred_from: date
    violations: list[str]
    violation_labels: list[str]


class DecisionRead(BaseModel):
    at: datetime
    actor: str
    from_status: str
    to_status: str
    reason: str
    valid_from: date | None
    valid_until: date | None
    duty_to_inform: str
    remediation: str


class VettingSummary(BaseModel):
    id: str
    subject_kind: str
    subject_entity_id: str | None
    subject_name: str
    birth_date: date | None
    purpose: str
    purpose_label: str
    programme_officer: str
    status: str
    status_label: str
    valid_from: date | None
    valid_until: date | None
    markings: MarkingsRead
    created_by: str
    created_at: datetime


class VettingRead(VettingSummary):
    hits: list[HitRead]
    allegations: list[AllegationHitRead]
    history: list[DecisionRead]


class VettingList(BaseModel):
    items: list[VettingSummary]
    total: int
    next_cursor: str | None = None
