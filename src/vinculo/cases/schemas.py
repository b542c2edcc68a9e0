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


class TargetRegister(BaseModel):
    """A subject to register on a case. At least one identifier the kind takes must be given
    (cases/target_keys.py); `entity_id` ties it to an entity the registrant may see, so that
    identity resolution's merges meet other spellings of the same subject."""

    kind: str = Field(examples=["person"], max_length=32)
    name: str | None = Field(default=None, max_length=500)
    birth_date: str | None = Field(default=None, max_length=40)
    phones: list[str] = Field(default_factory=list, max_length=20)
    curp: str | None = Field(default=None, max_length=40)
    rfc: str | None = Field(default=None, max_length=40)
    passport: str | None = Field(default=None, max_length=40)
    passport_country: str | None = Field(default=None, max_length=60)
    plate: str | None = Field(default=None, max_length=40)
    plate_country: str | None = Field(default=None, max_length=60)
    plate_state: str | None = Field(default=None, max_length=60)
    account: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=1_000)
    entity_id: str | None = Field(default=None, max_length=128)
    contact_name: str = Field(default="", max_length=200, description="Your name if empty.")
    contact_phone: str = Field(max_length=64, examples=["+1 520 555 0100"])


class TargetRead(BaseModel):
    id: str
    kind: str
    caption: str
    entity_id: str | None
    registered_by: str
    agency: str
    contact_name: str
    contact_agency: str
    contact_phone: str
    registered_at: datetime
    expires_at: datetime
    status: str


class NoticeRead(BaseModel):
    """Another agency has an active interest in this subject: whom to call, nothing else."""

    target_id: str
    contact_name: str
    contact_agency: str
    contact_phone: str
    at: datetime


class CheckedNode(BaseModel):
    """A node a registration was checked against: this node now; a partner as of when its
    pointers were last received (`at`, None if never), `stale` when that is too long ago to
    stand for "no conflict", `quarantined` when its pointers are held."""

    node: str
    at: datetime | None
    stale: bool = False
    quarantined: bool = False


class TargetCheck(BaseModel):
    """A registration and what its check found. `checked` names every node asked and when, so
    an empty `notices` never stands for a partner that was not asked."""

    target: TargetRead
    notices: list[NoticeRead]
    checked: list[CheckedNode]


class TargetList(BaseModel):
    case_id: str
    items: list[TargetRead]
    notices: list[NoticeRead]
