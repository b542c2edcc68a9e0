"""Pydantic shapes for allegations, named by role.

`parties` (victims and witnesses) is always present in a read: empty for a reader who may
not see any of them, exactly as for an allegation that has none, so no field tells the two
apart.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn, MarkingsRead

MAX_TEXT = 20_000
MAX_NAME = 500
MAX_ID = 128


class SourceIn(BaseModel):
    description: str = Field(max_length=MAX_TEXT, examples=["Testimony recorded by the NGO"])
    reliability: str = Field(max_length=1, examples=["B"], description="Admiralty A-F")
    credibility: int = Field(examples=[2], description="Admiralty 1-6")


class PartyIn(BaseModel):
    """A victim or witness. Its markings default to the allegation's, for the
    `human-rights-monitors` group; any given must name a need-to-know group."""

    role: str = Field(examples=["victim"], max_length=16)
    name: str = Field(max_length=MAX_NAME)
    details: str = Field(default="", max_length=MAX_TEXT)
    markings: MarkingsIn | None = None


class AllegationCreate(BaseModel):
    summary_en: str = Field(default="", max_length=MAX_TEXT)
    summary_es: str = Field(default="", max_length=MAX_TEXT)
    occurred_from: date = Field(examples=["2024-03-01"])
    occurred_to: date | None = Field(default=None, description="The last day, for a range.")
    state: str = Field(default="", max_length=100, examples=["Guerrero"])
    municipality: str = Field(default="", max_length=200, examples=["Iguala de la Independencia"])
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    violations: list[str] = Field(examples=[["torture"]], max_length=20)
    unit_entity_id: str | None = Field(default=None, max_length=MAX_ID)
    perpetrators: list[str] = Field(default_factory=list, max_length=50)
    sources: list[SourceIn] = Field(default_factory=list, max_length=50)
    parties: list[PartyIn] = Field(default_factory=list, max_length=200)
    markings: MarkingsIn


class StatusUpdate(BaseModel):
    status: str = Field(examples=["under_review"], max_length=16)
    reason: str = Field(default="", max_length=MAX_TEXT)


class ViolationRead(BaseModel):
    code: str
    label: str


class SourceRead(BaseModel):
    description: str
    reliability: str
    credibility: int


class PartyRead(BaseModel):
    role: str
    role_label: str
    name: str
    details: str
    markings: MarkingsRead


class StatusChangeRead(BaseModel):
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    reason: str


class AllegationSummary(BaseModel):
    id: str
    summary_en: str
    summary_es: str
    occurred_from: date
    occurred_to: date
    state: str
    municipality: str
    violations: list[ViolationRead]
    unit_entity_id: str | None
    status: str
    status_label: str
    markings: MarkingsRead
    created_at: datetime


class AllegationRead(AllegationSummary):
    latitude: float | None
    longitude: float | None
    perpetrators: list[str]
    sources: list[SourceRead]
    parties: list[PartyRead]
    history: list[StatusChangeRead]
    created_by: str


class AllegationList(BaseModel):
    items: list[AllegationSummary]
    total: int
    next_cursor: str | None = None
