"""REST routes for review and purge (28 CFR 23.20(h)); supervisors only, and only on reports
they may see (an invisible report answers 404, as a missing one does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.intel import retention
from vinculo.intel.schemas import DueList, PurgeRead, RevalidateIn, ReviewRead
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter(tags=["retention"])


@router.get("/retention/due", response_model=DueList)
def due(session: SessionDep, actor: ApiActor) -> DueList:
    """Reports whose review-by date has come, most overdue first."""
    return DueList(items=retention.due_reports(session=session, actor=actor))


@router.post("/reports/{report_id}/revalidate", response_model=ReviewRead)
def revalidate(
    report_id: str, review_in: RevalidateIn, session: SessionDep, actor: WriteActor
) -> ReviewRead:
    """Keep the report for another period; who, when and why are recorded."""
    return retention.revalidate(
        session=session,
        actor=actor,
        report_id=report_id,
        reason=review_in.reason,
        review_by=review_in.review_by,
    )


@router.delete("/reports/{report_id}", response_model=PurgeRead)
def purge(
    report_id: str,
    session: SessionDep,
    actor: WriteActor,
    reason: Annotated[str, Query(max_length=2000, description="Why it is purged.")],
) -> PurgeRead:
    """Purge the report, its statements, their search entries and entities left empty."""
    return retention.purge(session=session, actor=actor, report_id=report_id, reason=reason)
