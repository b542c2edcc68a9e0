"""REST routes of triage inside, under /api/v1/civic. Thin: each calls one service, which
reads through the access policy (a submission the reader may not see answers 404 as a
missing one) and refuses an act without the triage permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from vinculo.civic import service
from vinculo.civic.schemas import (
    AllegationIn,
    LinkIn,
    MadeRead,
    OutcomeIn,
    ReportIn,
    ResponseIn,
    ScreenHit,
    ScreenIn,
    ScreenRead,
    SpamIn,
    SubmissionList,
    SubmissionRead,
)
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(prefix="/civic", tags=["civic"])
Limit = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=64)]


@router.get("/submissions", response_model=SubmissionList)
def list_submissions(
    session: SessionDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Limit = 25,
    status: Text = None,
    category: Text = None,
) -> SubmissionList:
    return service.submission_list(
        session=session,
        actor=actor,
        status=status or None,
        category=category or None,
        cursor=cursor,
        limit=limit,
    )


@router.get("/submissions/{submission_id}", response_model=SubmissionRead)
def get_submission(submission_id: str, session: SessionDep, actor: ApiActor) -> SubmissionRead:
    return service.submission_read(session=session, actor=actor, submission_id=submission_id)


@router.get("/submissions/{submission_id}/attachments/{attachment_id}")
def get_attachment(
    submission_id: str, attachment_id: int, session: SessionDep, actor: ApiActor
) -> Response:
    found = service.get_attachment(
        session=session, actor=actor, submission_id=submission_id, attachment_id=attachment_id
    )
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{found.name}"'},
    )


@router.post("/submissions/{submission_id}/spam", response_model=SubmissionRead)
def mark_spam(
    submission_id: str, spam_in: SpamIn, session: SessionDep, actor: WriteActor
) -> SubmissionRead:
    service.mark_spam(session=session, actor=actor, submission_id=submission_id, spam=spam_in.spam)
    return service.submission_read(session=session, actor=actor, submission_id=submission_id)


@router.post("/submissions/{submission_id}/respond", response_model=SubmissionRead)
def respond(
    submission_id: str,
    response_in: ResponseIn,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> SubmissionRead:
    service.respond(
        session=session,
        actor=actor,
        settings=settings,
        submission_id=submission_id,
        status=response_in.status,
        message=response_in.message,
    )
    return service.submission_read(session=session, actor=actor, submission_id=submission_id)


@router.post("/submissions/{submission_id}/report", response_model=MadeRead, status_code=201)
def to_report(
    submission_id: str, report_in: ReportIn, session: SessionDep, actor: WriteActor
) -> MadeRead:
    made = service.to_report(
        session=session,
        actor=actor,
        submission_id=submission_id,
        choice=service.ReportChoice(
            **report_in.model_dump(exclude={"markings"}), markings=report_in.markings
        ),
    )
    return MadeRead(id=made)


@router.post("/submissions/{submission_id}/allegation", response_model=MadeRead, status_code=201)
def to_allegation(
    submission_id: str, allegation_in: AllegationIn, session: SessionDep, actor: WriteActor
) -> MadeRead:
    made = service.to_allegation(
        session=session,
        actor=actor,
        submission_id=submission_id,
        choice=service.AllegationChoice(
            **allegation_in.model_dump(exclude={"markings"}), markings=allegation_in.markings
        ),
    )
    return MadeRead(id=made)


@router.post("/submissions/{submission_id}/links", response_model=SubmissionRead)
def link_entities(
    submission_id: str, link_in: LinkIn, session: SessionDep, actor: WriteActor
) -> SubmissionRead:
    service.link_entities(
        session=session, actor=actor, submission_id=submission_id, entity_ids=link_in.entity_ids
    )
    return service.submission_read(session=session, actor=actor, submission_id=submission_id)


@router.post("/submissions/{submission_id}/screen", response_model=ScreenRead)
def screen(
    submission_id: str,
    screen_in: ScreenIn,
    session: SessionDep,
    actor: ApiActor,
    settings: SettingsDep,
) -> ScreenRead:
    """Entities the triager may see that match a name the reporter gave."""
    found = service.screen_name(
        session=session,
        actor=actor,
        settings=settings,
        submission_id=submission_id,
        name=screen_in.name,
        schema=screen_in.schema_,
    )
    return ScreenRead(
        results=[ScreenHit(id=i, schema_=s, caption=c, score=sc) for i, s, c, sc in found]
    )


@router.put("/submissions/{submission_id}/outcome", response_model=SubmissionRead)
def write_outcome(
    submission_id: str, outcome_in: OutcomeIn, session: SessionDep, actor: WriteActor
) -> SubmissionRead:
    """Write what came of a closed submission, in both languages ("you said, we did")."""
    service.write_outcome(
        session=session,
        actor=actor,
        submission_id=submission_id,
        text_en=outcome_in.text_en,
        text_es=outcome_in.text_es,
    )
    return service.submission_read(session=session, actor=actor, submission_id=submission_id)
