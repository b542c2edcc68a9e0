"""Pydantic shapes for cases and task forces, named by role."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsRead

MAX_TITLE = 1_000
MAX_TEXT = 10_000


class TaskForceCreate(BaseModel):
    name_en: str = Field(default="", max_length=200)
    name_es: str = Field(default="", max_length=200)
    agencies: list[str] = Field(examples=[["DEA", "FGR"]])
    tlp: str = Field(default="AMBER", examples=["AMBER"])
    group: str | None = Field(
        default=None,
        description="An existing need-to-know group you belong to; a new one is made if none.",
        max_length=64,
    )
    collection: str | None = Field(
        default=None, description="Alias of the TAXII collection the task force shares in."
    )


class TaskForceSummary(BaseModel):
    id: str
    name_en: str
    name_es: str
    group: str
    collection: str | None
    markings: MarkingsRead


class TaskForceRead(TaskForceSummary):
    agencies: list[str]
    nations: list[str]
    collection_id: str | None
    members: list[str]
    case_ids: list[str]
    created_at: datetime


class TaskForceList(BaseModel):
    items: list[TaskForceSummary]
    total: int
    next_cursor: str | None = None


class CaseCreate(BaseModel):
    title_en: str = Field(default="", max_length=MAX_TITLE)
    title_es: str = Field(default="", max_length=MAX_TITLE)
    lead_agency: str = Field(examples=["DEA"])
    agencies: list[str] = Field(default_factory=list, examples=[["DEA", "FGR"]])
    tlp: str = Field(default="AMBER", examples=["AMBER"])
    task_force: str | None = Field(default=None, description="Id of the task force running it.")


class CaseStatusUpdate(BaseModel):
    status: str = Field(examples=["closed"])
    reason: str = Field(default="", max_length=MAX_TEXT)


class MemberAdd(BaseModel):
    username: str = Field(max_length=64)
    role: str = Field(default="analyst", examples=["analyst"])


class SubjectAdd(BaseModel):
    entity_id: str = Field(max_length=128)


class ReportLink(BaseModel):
    report_id: str = Field(max_length=32)


class TaskCreate(BaseModel):
    title: str = Field(max_length=MAX_TEXT)
    owner: str = Field(max_length=64)
    due: str = Field(description="ISO date, e.g. 2027-01-31", max_length=32)


class MemberRead(BaseModel):
    username: str
    agency: str
    role: str


class SubjectRead(BaseModel):
    entity_id: str
    schema_: str = Field(serialization_alias="schema")
    caption: str


class TaskRead(BaseModel):
    id: int
    title: str
    owner: str
    due: date
    done: bool
    done_at: datetime | None


class EventRead(BaseModel):
    at: datetime
    actor: str
    action: str
    item: str
    note: str


class CaseSummary(BaseModel):
    id: str
    title_en: str
    title_es: str
    lead_agency: str
    status: str
    task_force: str | None
    markings: MarkingsRead
    created_at: datetime


class CaseRead(CaseSummary):
    agencies: list[str]
    nations: list[str]
    group: str
    closing_reason: str
    closed_at: datetime | None
    members: list[MemberRead]
    subjects: list[SubjectRead]
    report_ids: list[str]
    tasks: list[TaskRead]


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    next_cursor: str | None = None


class Timeline(BaseModel):
    case_id: str
    items: list[EventRead]
