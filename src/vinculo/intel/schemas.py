"""Pydantic shapes for reports, entities and search, named by role."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

MAX_TITLE = 1_000
MAX_BODY = 100_000


class MarkingsIn(BaseModel):
    tlp: str = Field(examples=["GREEN"])
    rel_to: list[str] = Field(default_factory=list, examples=[["USA", "MEX"]])
    orcon: bool = False
    groups: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    shared_with: list[str] = Field(default_factory=list)


class MarkingsRead(BaseModel):
    tlp: str
    originator: str
    rel_to: list[str]
    orcon: bool
    groups: list[str]
    recipients: list[str]
    shared_with: list[str]
    banner: str


class EntityIn(BaseModel):
    """An FtM entity as in FtM JSON: an id (optional: one is made), a schema, properties."""

    id: str | None = None
    schema_: str = Field(alias="schema", examples=["Person"])
    properties: dict[str, list[str]] = Field(default_factory=dict)

    model_config = {"populate_by_name": True}


class ReportCreate(BaseModel):
    # Bounded so the four texts together stay within what PostgreSQL's full-text index holds
    # (a tsvector of at most 1 MB; a longer text was a 500).
    title_en: str = Field(default="", max_length=MAX_TITLE)
    title_es: str = Field(default="", max_length=MAX_TITLE)
    body_en: str = Field(default="", max_length=MAX_BODY)
    body_es: str = Field(default="", max_length=MAX_BODY)
    reliability: str = Field(examples=["B"])
    credibility: int = Field(examples=[2])
    predicate: str = Field(examples=["fentanyl_production"])
    suspicion: str = Field(
        max_length=MAX_BODY, description="The reasonable-suspicion statement (28 CFR 23.20)."
    )
    review_by: date
    attest_no_protected_views: bool = Field(
        description=(
            "Required, and must be true (28 CFR 23.20(b)): the report holds no information "
            "about the political, religious or social views, associations or activities of "
            "anyone, unless it directly relates to the criminal conduct."
        ),
    )
    markings: MarkingsIn
    entities: list[EntityIn] = Field(default_factory=list)


class ReportRead(BaseModel):
    id: str
    title_en: str
    title_es: str
    body_en: str
    body_es: str
    agency: str
    nation: str
    reliability: str
    credibility: int
    predicate: str
    suspicion: str
    review_by: date
    attest_no_protected_views: bool
    created_at: datetime
    markings: MarkingsRead
    entity_ids: list[str] = Field(default_factory=list)


class ReportList(BaseModel):
    items: list[ReportRead]
    next_cursor: str | None = None


class StatementRead(BaseModel):
    id: str
    prop: str
    value: str
    lang: str | None
    source: str
    report_id: str | None
    markings: MarkingsRead
    first_seen: datetime
    last_seen: datetime


class EntityRead(BaseModel):
    id: str
    schema_: str = Field(serialization_alias="schema")
    caption: str
    properties: dict[str, list[str]]
    statements: list[StatementRead] = Field(default_factory=list)


class EntitySummary(BaseModel):
    id: str
    schema_: str = Field(serialization_alias="schema")
    caption: str


class EntityList(BaseModel):
    items: list[EntitySummary]
    next_cursor: str | None = None


class SearchHit(BaseModel):
    kind: str = Field(description="report or entity")
    id: str
    title: str
    snippet: str = ""
    schema_: str | None = Field(default=None, serialization_alias="schema")


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
    next_cursor: str | None = None


class ImportSummary(BaseModel):
    source: str
    lines: int
    entities: int
    statements: int
    rejected: int
    reject_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


# --- retention (28 CFR 23.20(h)) ----------------------------------------------------------


class DueReport(BaseModel):
    """A report whose review-by date has come: re-validate it or purge it."""

    id: str
    title: str
    agency: str
    predicate: str
    created_at: datetime
    review_by: date
    overdue_days: int = Field(description="Days since the review-by date (0: due today).")
    reviews: int = Field(description="How many times it was re-validated before.")


class DueList(BaseModel):
    items: list[DueReport]


class RevalidateIn(BaseModel):
    reason: str = Field(description="Why the report is kept: it still meets the criteria.")
    review_by: date | None = Field(
        default=None, description="The next review; default one year ahead, at most five."
    )


class ReviewRead(BaseModel):
    """A re-validation: who, when, why, and until when."""

    report_id: str
    reviewer: str
    reviewed_at: datetime
    reason: str
    previous_review_by: date
    review_by: date


class PurgeRead(BaseModel):
    """What a purge removed, as the supervisor who purged may see it: the statements of the
    report they could see, and the entities they no longer see. The audit chain keeps a row
    of what the store removed; nothing else remains."""

    report_id: str
    statements: int
    entities_deleted: list[str]
