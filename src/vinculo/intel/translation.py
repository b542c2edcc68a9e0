"""Translations of reports filed in one language (issue 13, item 7).

A report whose title and text are all in English, or all in Spanish, says so on its page
and offers "add a translation": a title and a summary in the other language, written by a
colleague who may see the report (and may file reports), kept with who wrote it and when,
and recorded on the audit chain. The report itself is not changed (what was filed and
published stays as filed); its page shows the translation to readers of that language.

The translation queue of an agency lists its single-language reports the reader may see
that no one has translated yet, newest first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from vinculo.db import Base
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.i18n import N_
from vinculo.intel.models import Report
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, require

TITLE_MAX = 300
SUMMARY_MIN = 20
SUMMARY_MAX = 5000
QUEUE_PAGE = 50


class ReportTranslation(Base):
    """A report's title and summary in the language it was not filed in."""

    __tablename__ = "report_translations"
    __table_args__ = (UniqueConstraint("report_id", "lang", name="uq_report_translation_lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(32), ForeignKey("reports.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    translator: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def filed_in(report: Report) -> str | None:
    """The one language a report was filed in ("en" or "es"), or None if it has both."""
    english = bool(report.title_en.strip() or report.body_en.strip())
    spanish = bool(report.title_es.strip() or report.body_es.strip())
    if english and not spanish:
        return "en"
    if spanish and not english:
        return "es"
    return None


def other(lang: str) -> str:
    return "es" if lang == "en" else "en"


def translation_of(*, session: Session, report: Report) -> ReportTranslation | None:
    """The translation of a single-language report, if someone has added it. (The caller has
    read the report through the policy: a translation is seen by whoever sees its report.)"""
    lang = filed_in(report)
    if lang is None:
        return None
    return session.execute(
        select(ReportTranslation).where(
            ReportTranslation.report_id == report.id, ReportTranslation.lang == other(lang)
        )
    ).scalar_one_or_none()


def add_translation(
    *, session: Session, actor: Actor, report_id: str, title: str, summary: str
) -> ReportTranslation:
    """Add the title and summary of a single-language report in the other language."""
    # Here: `db upgrade` imports this module's model, and intel.service FtM's (0.25 s of CPU).
    from vinculo.intel.service import get_report

    require(actor, Permission.FILE_REPORT)
    report = get_report(session=session, actor=actor, report_id=report_id)
    lang = filed_in(report)
    errors: list[InvalidInput] = []
    if lang is None:
        raise InvalidInput(N_("this report is in both languages already"), field="lang")
    if translation_of(session=session, report=report) is not None:
        raise InvalidInput(N_("this report has a translation already"), field="lang")
    title, summary = title.strip(), summary.strip()
    if not title:
        errors.append(InvalidInput(N_("this field is required"), field="title"))
    elif len(title) > TITLE_MAX:
        errors.append(InvalidInput(N_("at most {n} characters"), field="title", n=TITLE_MAX))
    if len(summary) < SUMMARY_MIN:
        errors.append(
            InvalidInput(N_("write at least {n} characters"), field="summary", n=SUMMARY_MIN)
        )
    elif len(summary) > SUMMARY_MAX:
        errors.append(InvalidInput(N_("at most {n} characters"), field="summary", n=SUMMARY_MAX))
    if errors:
        raise InvalidFields(errors)
    row = ReportTranslation(
        report_id=report.id,
        lang=other(lang),
        title=title,
        summary=summary,
        translator=actor.username or "",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="translate",
        kind="report",
        target=report.id,
        ids=[report.id],
        detail={"lang": row.lang},
    )
    return row


def _untranslated_clause() -> ColumnElement[bool]:
    """SQL: the report is in one language only and has no translation."""
    has_en = or_(Report.title_en != "", Report.body_en != "")
    has_es = or_(Report.title_es != "", Report.body_es != "")
    translated = exists().where(ReportTranslation.report_id == Report.id)
    return and_(
        or_(and_(has_en, ~has_es), and_(has_es, ~has_en)),
        ~translated,
    )


def queue(*, session: Session, actor: Actor, limit: int = QUEUE_PAGE) -> tuple[list[Report], int]:
    """The actor's agency's single-language reports they may see, untranslated, newest
    first, and how many there are."""
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not actor.agency:
        return [], 0
    where = and_(
        Report.agency == actor.agency, Report.marking_id.in_(visible), _untranslated_clause()
    )
    rows = list(
        session.execute(
            select(Report).where(where).order_by(Report.seq.desc()).limit(limit)
        ).scalars()
    )
    total = int(session.execute(select(func.count()).select_from(Report).where(where)).scalar_one())
    record(
        session=session,
        actor=actor,
        action="list",
        kind="translation",
        ids=[r.id for r in rows],
    )
    return rows, total


def queue_count(*, session: Session, actor: Actor) -> int:
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or not actor.agency:
        return 0
    return int(
        session.execute(
            select(func.count())
            .select_from(Report)
            .where(
                Report.agency == actor.agency,
                Report.marking_id.in_(visible),
                _untranslated_clause(),
            )
        ).scalar_one()
    )
