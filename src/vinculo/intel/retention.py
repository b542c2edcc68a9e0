"""Review and purge (28 CFR 23.20(h)): criminal intelligence is re-validated or purged
within five years of filing.

A report is *due* once its review-by date has come. A supervisor re-validates it (who, when,
why and the next review-by date are kept in `report_reviews`) or purges it: the report, its
statements, their entries in the full-text index (SQLite triggers; PostgreSQL's GIN indexes
follow the rows), entities left with no statement, and whatever other domains derive from
them, all through intel.deletion's one door and its purge hooks. Each action appends one
audit row; the chain itself is never touched.

Supervisors act only on reports they may see: an invisible report answers as a missing one.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.deletion import delete_report
from vinculo.intel.models import Report, ReportReview, StatementRow
from vinculo.intel.schemas import DueReport, PurgeRead, ReviewRead
from vinculo.intel.service import MAX_RETENTION
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, require

DEFAULT_REVIEW = timedelta(days=365)
EXPIRED = "review-by date passed without re-validation"
MIN_REASON = 10


def _today() -> date:
    return utcnow().date()


def _visible_report(session: Session, actor: Actor, report_id: str) -> Report:
    visible = visible_marking_ids(session=session, actor=actor)
    report = session.execute(
        select(Report).where(Report.id == report_id, Report.marking_id.in_(visible))
    ).scalar_one_or_none()
    if report is None:
        raise NotFound(N_("no such report"), field="id")
    return report


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(N_("say why, in at least {n} characters"), field="reason", n=MIN_REASON)
    return reason


def due_reports(
    *, session: Session, actor: Actor, today: date | None = None, limit: int = 500
) -> list[DueReport]:
    """Reports the supervisor may see whose review-by date has come, most overdue first."""
    require(actor, Permission.RETENTION)
    today = today or _today()
    visible = visible_marking_ids(session=session, actor=actor)
    reviews = (
        select(func.count())
        .select_from(ReportReview)
        .where(ReportReview.report_id == Report.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Report, reviews)
        .where(Report.review_by <= today, Report.marking_id.in_(visible))
        .order_by(Report.review_by, Report.seq)
        .limit(limit)
    ).all()
    items = [
        DueReport(
            id=report.id,
            title=report.title(actor.locale),
            agency=report.agency,
            predicate=report.predicate,
            created_at=report.created_at,
            review_by=report.review_by,
            overdue_days=(today - report.review_by).days,
            reviews=int(count),
        )
        for report, count in rows
    ]
    record(
        session=session,
        actor=actor,
        action="list",
        kind="retention",
        ids=[item.id for item in items],
        detail={"due_on": today.isoformat()},
    )
    return items


def revalidate(
    *,
    session: Session,
    actor: Actor,
    report_id: str,
    reason: str,
    review_by: date | None = None,
    today: date | None = None,
) -> ReviewRead:
    """Keep a report for another period: record who, when and why, and the next review."""
    require(actor, Permission.RETENTION)
    today = today or _today()
    report = _visible_report(session, actor, report_id)
    errors: list[InvalidInput] = []
    try:
        reason = _check_reason(reason)
    except InvalidInput as error:
        errors.append(error)
    review_by = review_by or today + DEFAULT_REVIEW
    if review_by <= today:
        errors.append(
            InvalidInput(N_("the review-by date must be in the future"), field="review_by")
        )
    elif review_by > today + MAX_RETENTION:
        errors.append(
            InvalidInput(
                N_("the review-by date may be at most five years ahead"), field="review_by"
            )
        )
    if errors:
        raise InvalidFields(errors)
    review = ReportReview(
        report_id=report.id,
        reviewer=actor.username or "",
        reviewed_at=utcnow(),
        reason=reason,
        previous_review_by=report.review_by,
        review_by=review_by,
    )
    session.add(review)
    report.review_by = review_by
    session.flush()
    record(
        session=session,
        actor=actor,
        action="revalidate",
        kind="report",
        target=report.id,
        ids=[report.id],
        detail={
            "reason": reason,
            "previous_review_by": review.previous_review_by.isoformat(),
            "review_by": review_by.isoformat(),
            "review": review.id,
        },
    )
    return review_read(review)


def review_read(review: ReportReview) -> ReviewRead:
    return ReviewRead(
        report_id=review.report_id,
        reviewer=review.reviewer,
        reviewed_at=review.reviewed_at,
        reason=review.reason,
        previous_review_by=review.previous_review_by,
        review_by=review.review_by,
    )


def reviews_of(*, session: Session, report_id: str) -> list[ReviewRead]:
    rows = session.execute(
        select(ReportReview).where(ReportReview.report_id == report_id).order_by(ReportReview.id)
    ).scalars()
    return [review_read(r) for r in rows]


def _seen_of_report(session: Session, report_id: str, visible: list[int]) -> tuple[int, set[str]]:
    """How many of the report's statements the actor sees, and the entities they are about."""
    rows = session.execute(
        select(StatementRow.entity_id).where(
            StatementRow.report_id == report_id, StatementRow.marking_id.in_(visible)
        )
    ).all()
    return len(rows), {row.entity_id for row in rows}


def _still_seen(session: Session, entity_ids: list[str], visible: list[int]) -> set[str]:
    found: set[str] = set()
    for chunk in range(0, len(entity_ids), 500):
        part = entity_ids[chunk : chunk + 500]
        found.update(
            session.execute(
                select(StatementRow.entity_id)
                .where(StatementRow.entity_id.in_(part), StatementRow.marking_id.in_(visible))
                .distinct()
            ).scalars()
        )
    return found


def purge(
    *,
    session: Session,
    actor: Actor,
    report_id: str,
    reason: str,
    today: date | None = None,
) -> PurgeRead:
    """Remove a report and everything that came of it; one audit row says who, when, why.

    The answer describes the purge as the supervisor sees it: the statements they could see,
    and the entities they can no longer see. Which entities the store deleted depends on
    statements they may not see (an entity with another agency's statement stays), so it
    goes to the audit row only.
    """
    require(actor, Permission.RETENTION)
    today = today or _today()
    report = _visible_report(session, actor, report_id)
    reason = _check_reason(reason)
    review_by = report.review_by
    visible = visible_marking_ids(session=session, actor=actor)
    before = session.execute(
        select(func.count()).select_from(StatementRow).where(StatementRow.report_id == report.id)
    ).scalar_one()
    seen, seen_entities = _seen_of_report(session, report.id, visible)
    purged = delete_report(session=session, report_id=report.id)
    ordered = sorted(seen_entities)
    gone_for_actor = sorted(set(ordered) - _still_seen(session, ordered, visible))
    record(
        session=session,
        actor=actor,
        action="purge",
        kind="report",
        target=purged.report_id,
        ids=[purged.report_id, *purged.entity_ids],
        detail={
            "reason": reason,
            "review_by": review_by.isoformat(),
            "due": review_by <= today,
            "statements": int(before),
            "entities_deleted": purged.entities_deleted,
        },
    )
    return PurgeRead(report_id=purged.report_id, statements=seen, entities_deleted=gone_for_actor)


def purge_due(
    *, session: Session, actor: Actor, reason: str = EXPIRED, today: date | None = None
) -> list[PurgeRead]:
    """Purge every due report the supervisor may see."""
    due = due_reports(session=session, actor=actor, today=today, limit=1_000_000)
    return [
        purge(session=session, actor=actor, report_id=item.id, reason=reason, today=today)
        for item in due
    ]
