"""Tables of joint cases and task forces.

A case and a task force each point at a row of `markings`, as a report does, so the one
policy decides who reads them; the need-to-know group named in that marking is the case's
(or task force's) own group in `groups`, which its members join.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vinculo.db import Base
from vinculo.security.models import utcnow


class TaskForce(Base):
    """A standing group of agencies of one or more nations, with its own cases and the
    TAXII collection (exchange_collections.alias) its shared items travel in."""

    __tablename__ = "task_forces"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    group_code: Mapped[str] = mapped_column(ForeignKey("groups.code"))
    collection_alias: Mapped[str | None] = mapped_column(String(64), nullable=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def name(self, locale: str) -> str:
        return (self.name_es if locale == "es" else self.name_en) or self.name_en


class TaskForceAgency(Base):
    __tablename__ = "task_force_agencies"

    task_force_id: Mapped[str] = mapped_column(
        ForeignKey("task_forces.id", ondelete="CASCADE"), primary_key=True
    )
    agency: Mapped[str] = mapped_column(String(16), primary_key=True)


class Case(Base):
    """A joint case. Closing it changes its status; nothing of it is deleted."""

    __tablename__ = "cases"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    title_en: Mapped[str] = mapped_column(Text, default="")
    title_es: Mapped[str] = mapped_column(Text, default="")
    lead_agency: Mapped[str] = mapped_column(String(16))
    group_code: Mapped[str] = mapped_column(ForeignKey("groups.code"))
    task_force_id: Mapped[str | None] = mapped_column(
        ForeignKey("task_forces.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    closing_reason: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def title(self, locale: str) -> str:
        first, second = (
            (self.title_es, self.title_en) if locale == "es" else (self.title_en, self.title_es)
        )
        return first or second


class CaseAgency(Base):
    __tablename__ = "case_agencies"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    agency: Mapped[str] = mapped_column(String(16), primary_key=True)


class CaseMember(Base):
    """An account on a case, with its role there (vocab/case_roles.yml)."""

    __tablename__ = "case_members"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CaseSubject(Base):
    """An entity the case works on. Shown to a member only as far as they may see it."""

    __tablename__ = "case_subjects"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CaseReport(Base):
    """A report linked to the case. Shown to a member only if they may see the report."""

    __tablename__ = "case_reports"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CaseTask(Base):
    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CaseEvent(Base):
    """One line of a case's timeline: what happened, by whom, when. `item` names the entity,
    report, account or task it concerns (`kind:id`), so a reader is shown only the lines
    whose item they may see."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)


class CaseTarget(Base):
    """A subject registered on a case for deconfliction. What the analyst wrote (`caption`)
    is part of the case and shown only to its readers; the check uses `case_target_hashes`
    alone, so another case's registration is never read for its content."""

    __tablename__ = "case_targets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    caption: Mapped[str] = mapped_column(Text, default="")
    entity_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    registered_by: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str] = mapped_column(String(16))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_agency: Mapped[str] = mapped_column(String(16))
    contact_phone: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")


class CaseTargetHash(Base):
    """One keyed hash of a registered target under the node-local key, indexed by the hash
    first so that a check is one index probe per key, whatever the number registered."""

    __tablename__ = "case_target_hashes"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    target_id: Mapped[str] = mapped_column(
        ForeignKey("case_targets.id", ondelete="CASCADE"), primary_key=True
    )


class CaseNotice(Base):
    """What one side of a deconfliction hit was told: the other registration's contact and
    nothing else of it (the deliberate disclosure of ../shared/MARKINGS.md)."""

    __tablename__ = "case_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("case_targets.id", ondelete="CASCADE"))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_agency: Mapped[str] = mapped_column(String(16))
    contact_phone: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# Planned operations and their alerts live in their own module; named here so that every
# table of the domain is known wherever its models are.
from vinculo.cases.operation_models import (  # noqa: E402
    AlertParty,
    CaseOperation,
    CaseOperationCell,
    DeconflictionAlert,
)

__all__ = [
    "AlertParty",
    "Case",
    "CaseAgency",
    "CaseEvent",
    "CaseMember",
    "CaseNotice",
    "CaseOperation",
    "CaseOperationCell",
    "CaseReport",
    "CaseSubject",
    "CaseTarget",
    "CaseTargetHash",
    "CaseTask",
    "DeconflictionAlert",
    "TaskForce",
    "TaskForceAgency",
]
