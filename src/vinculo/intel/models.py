"""Tables for reports, entities and the marked statements entities are made of."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class Report(Base):
    """An intelligence product: bilingual text, source grading, predicate, markings."""

    __tablename__ = "reports"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    title_en: Mapped[str] = mapped_column(Text, default="")
    title_es: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    body_es: Mapped[str] = mapped_column(Text, default="")
    agency: Mapped[str] = mapped_column(String(16))
    nation: Mapped[str] = mapped_column(String(3))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int] = mapped_column(Integer)
    predicate: Mapped[str] = mapped_column(String(64))
    suspicion: Mapped[str] = mapped_column(Text)
    review_by: Mapped[date] = mapped_column(Date)
    # 28 CFR 23.20(b): the author attested the report holds no protected views or activities
    # unrelated to the criminal conduct (reports filed before the rule existed: false).
    attest_no_protected_views: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    search_text: Mapped[str] = mapped_column(Text, default="")

    def title(self, locale: str) -> str:
        first, second = (
            (self.title_es, self.title_en)
            if locale == "es"
            else (
                self.title_en,
                self.title_es,
            )
        )
        return first or second

    def body(self, locale: str) -> str:
        first, second = (
            (self.body_es, self.body_en)
            if locale == "es"
            else (
                self.body_en,
                self.body_es,
            )
        )
        return first or second


class Entity(Base):
    """The existence of an entity id; what it is made of lives in its statements."""

    __tablename__ = "entities"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(128), unique=True)
    schema: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StatementRow(Base):
    """One FtM statement with the source that asserted it and the markings it carries."""

    __tablename__ = "statements"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    entity_id: Mapped[str] = mapped_column(String(128))
    canonical_id: Mapped[str] = mapped_column(String(128))
    schema: Mapped[str] = mapped_column(String(64))
    prop: Mapped[str] = mapped_column(String(64))
    prop_type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    original_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    dataset: Mapped[str] = mapped_column(String(128))
    report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True
    )
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"))
    norm: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_statements_entity_marking", "entity_id", "marking_id"),
        Index("ix_statements_report", "report_id"),
        # Finds the statements that point at an entity (owner, member, …) for its profile.
        Index(
            "ix_statements_entity_refs",
            "value",
            sqlite_where=text("prop_type = 'entity'"),
            postgresql_where=text("prop_type = 'entity'"),
        ),
        # Screening reads the birth dates of a name's matches by entity (migration 0034).
        Index(
            "ix_statements_birth_dates",
            "entity_id",
            "marking_id",
            "value",
            sqlite_where=text("prop = 'birthDate'"),
            postgresql_where=text("prop = 'birthDate'"),
        ),
    )


class ReportReview(Base):
    """A re-validation (28 CFR 23.20(h)): who reviewed a report, when, why it is kept, and
    until when. Removed with the report when it is purged; the audit chain keeps the record."""

    __tablename__ = "report_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    previous_review_by: Mapped[date] = mapped_column(Date)
    review_by: Mapped[date] = mapped_column(Date)
