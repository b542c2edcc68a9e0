"""Pydantic shapes of triage inside, named by role. No shape carries the reporter's receipt
or reply key: they serve only to send replies back."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from vinculo.intel.schemas import MarkingsIn, MarkingsRead

MAX_TEXT = 10_000


class AttachmentRead(BaseModel):
    id: int
    name: str
    content_type: str
    size: int


class ReplyRead(BaseModel):
    status: str
    message: str
    sent_by: str
    sent_at: datetime


class LinkRead(BaseModel):
    entity_id: str
    schema_: str = Field(alias="schema")
    caption: str

    model_config = {"populate_by_name": True}


class AdditionRead(BaseModel):
    what: str
    pulled_at: datetime


class SubmissionSummary(BaseModel):
    id: str
    category: str
    category_label: str
    state: str
    municipality: str
    occurred_on: str
    received_on: str
    lang: str
    what: str
    status: str
    status_label: str
    spam: bool
    report_id: str | None
    allegation_id: str | None
    markings: MarkingsRead


class OutcomeRead(BaseModel):
    """What came of a closed submission, as staff wrote it for the "you said, we did" page."""

    text_en: str
    text_es: str
    written_by: str
    written_at: datetime


class OutcomeIn(BaseModel):
    text_en: str = Field(max_length=MAX_TEXT)
    text_es: str = Field(max_length=MAX_TEXT)


class SubmissionRead(SubmissionSummary):
    additions: list[AdditionRead]
    attachments: list[AttachmentRead]
    replies: list[ReplyRead]
    links: list[LinkRead]
    outcome: OutcomeRead | None = None


class SubmissionList(BaseModel):
    items: list[SubmissionSummary]
    total: int
    next_cursor: str | None = None


class SpamIn(BaseModel):
    spam: bool = True


class ResponseIn(BaseModel):
    status: str = Field(default="", max_length=16, examples=["under_review"])
    message: str = Field(default="", max_length=MAX_TEXT)


class ReportIn(BaseModel):
    """What the triager chooses for a report made from a submission; its body is the
    reporter's words."""

    title_en: str = Field(default="", max_length=500)
    title_es: str = Field(default="", max_length=500)
    predicate: str = Field(examples=["corruption"], max_length=64)
    suspicion: str = Field(max_length=MAX_TEXT)
    reliability: str = Field(default="F", max_length=1)
    credibility: int = Field(default=6)
    review_by: date
    attest_no_protected_views: bool = Field(
        description="Required, and must be true (28 CFR 23.20(b)), as for any report."
    )
    markings: MarkingsIn


class AllegationIn(BaseModel):
    violations: list[str] = Field(max_length=20, examples=[["arbitrary_detention"]])
    occurred_from: date
    reliability: str = Field(default="F", max_length=1)
    credibility: int = Field(default=6)
    unit_entity_id: str | None = Field(default=None, max_length=128)
    markings: MarkingsIn


class MadeRead(BaseModel):
    id: str


class LinkIn(BaseModel):
    entity_ids: list[str] = Field(max_length=50)


class ScreenIn(BaseModel):
    name: str = Field(max_length=500)
    schema_: str = Field(default="Person", alias="schema", max_length=32)

    model_config = {"populate_by_name": True}


class ScreenHit(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    score: float

    model_config = {"populate_by_name": True}


class ScreenRead(BaseModel):
    results: list[ScreenHit]
