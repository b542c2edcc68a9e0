"""What the API takes and gives for planned operations and deconfliction alerts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from vinculo.cases.schemas import CheckedNode


class OperationRegister(BaseModel):
    """A planned operation: a circle (centre and radius in metres) and a window given in the
    place's own wall-clock time (its zone is found from the coordinates)."""

    kind: str = Field(examples=["surveillance"], max_length=32)
    latitude: float = Field(examples=[31.3404])
    longitude: float = Field(examples=[-110.9343])
    radius_m: float = Field(examples=[500])
    starts_local: str = Field(max_length=40, examples=["2027-01-20T06:00"])
    ends_local: str = Field(max_length=40, examples=["2027-01-20T12:00"])
    agency: str | None = Field(
        default=None, max_length=16, description="The operating agency; default: yours."
    )
    contact_name: str = Field(default="", max_length=200, description="Your name if empty.")
    contact_phone: str = Field(max_length=64, examples=["+1 520 555 0100"])


class OperationChange(BaseModel):
    """A new place and window for a planned operation; checked again like a new one."""

    latitude: float
    longitude: float
    radius_m: float
    starts_local: str = Field(max_length=40)
    ends_local: str = Field(max_length=40)


class OperationRead(BaseModel):
    id: str
    case_id: str
    kind: str
    agency: str
    latitude: float
    longitude: float
    radius_m: float
    time_zone: str
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    starts_local: str = Field(description="At the place, with its UTC offset")
    ends_local: str = Field(description="At the place, with its UTC offset")
    registered_by: str
    contact_name: str
    contact_agency: str
    contact_phone: str
    registered_at: datetime
    status: str


class ContactRead(BaseModel):
    """Whom to call about one side of an alert: nothing else of its operation or case.
    `side` is "yours" or "theirs" to a side's reader, "a" or "b" to a watch supervisor."""

    side: str
    name: str
    agency: str
    phone: str
    acknowledged_at: datetime | None


class AlertRead(BaseModel):
    """Another agency plans an operation that meets yours in place and time: its contact,
    never its case, title or kind."""

    id: str
    status: str
    raised_at: datetime
    role: str = Field(description="side (one of the two operations) or watch (supervisor)")
    case_id: str | None = Field(description="Your own case, for a side's reader")
    operation_id: str | None = Field(description="Your own operation, for a side's reader")
    contacts: list[ContactRead]
    partner: str | None = Field(
        default=None,
        description="The partner node whose pointer raised it: the other operation is in the "
        "same area on the same day, and its side acknowledges on its own node",
    )
    resolved_at: datetime | None
    note: str
    may_acknowledge: bool
    may_resolve: bool


class AlertList(BaseModel):
    items: list[AlertRead]


class AlertResolve(BaseModel):
    note: str = Field(max_length=10_000, examples=["DEA moves its surveillance to 14:00."])


class OperationCheck(BaseModel):
    """A registration (or change) and the alerts its check raised; `checked` names every
    node asked and when."""

    operation: OperationRead
    alerts: list[AlertRead]
    checked: list[CheckedNode]


class OperationList(BaseModel):
    case_id: str
    items: list[OperationRead]
    alerts: list[AlertRead] = Field(description="Alerts on this case's operations")
