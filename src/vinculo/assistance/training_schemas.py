"""Pydantic shapes for training events and their participants, named by role. Hours are
Decimal, given in JSON as a string."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn, MarkingsRead

MAX_ID = 128


class TrainingCreate(BaseModel):
    course: str = Field(max_length=2_000, examples=["Human rights in the use of force"])
    starts_on: date
    ends_on: date | None = Field(default=None, description="The last day; default: the first")
    state: str = Field(default="", max_length=100, examples=["Baja California"])
    municipality: str = Field(default="", max_length=200, examples=["Tijuana"])
    human_rights: bool = Field(default=False, description="Has human-rights content")
    human_rights_hours: Decimal = Field(default=Decimal("0"), ge=0, le=10_000, decimal_places=2)
    provider: str = Field(default="", max_length=300, examples=["INL Mexico"])
    programme_id: str | None = Field(default=None, max_length=32)
    markings: MarkingsIn


class SeatCreate(BaseModel):
    """A person from a unit (both entity ids), or a whole unit (`unit_entity_id` alone)."""

    person_entity_id: str | None = Field(default=None, max_length=MAX_ID)
    unit_entity_id: str = Field(max_length=MAX_ID)


class SeatRead(BaseModel):
    """A seat as the reader sees it: an entity the reader may not see is not named."""

    id: int
    person_entity_id: str | None
    person_caption: str
    unit_entity_id: str | None
    unit_caption: str
    seated_by: str
    seated_at: datetime


class TrainingSummary(BaseModel):
    id: str
    course: str
    starts_on: date
    ends_on: date
    fiscal_year: int
    state: str
    municipality: str
    human_rights: bool
    human_rights_hours: Decimal
    provider: str
    programme_id: str | None  # None when the reader may not see the programme
    seats: int
    markings: MarkingsRead
    banner: str  # the markings as the line shown over the event
    created_by: str
    created_at: datetime


class TrainingRead(TrainingSummary):
    participants: list[SeatRead]


class TrainingList(BaseModel):
    items: list[TrainingSummary]
    total: int
    next_cursor: str | None = None


class TrainingTotals(BaseModel):
    """What the accountability view shows of training for some units: only what the reader
    may see is counted."""

    events: int
    seats: int
    human_rights_events: int
    human_rights_hours: Decimal  # the events' hours, each event once
    human_rights_seat_hours: Decimal  # hours × seats of the units asked for
