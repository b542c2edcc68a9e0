"""REST routes for Leahy vetting. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.oversight import vetting as service
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate, VettingList, VettingRead
from vinculo.resolve.scoring import screen_scorer
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep, WriteActor

router = APIRouter(prefix="/oversight/vetting", tags=["oversight"])
Limit = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=128)]


@router.post("", response_model=VettingRead, status_code=201)
def request_vetting(
    request_in: VettingCreate, session: SessionDep, actor: WriteActor, settings: SettingsDep
) -> VettingRead:
    """Ask for vetting of a person or unit; the answer holds its screening hits."""
    made = service.request_vetting(session=session, actor=actor, request_in=request_in)
    scorer = screen_scorer(data_dir=settings.data_dir)
    return service.vetting_read(session=session, actor=actor, request=made, scorer=scorer)


@router.get("", response_model=VettingList)
def list_vetting(
    session: SessionDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Limit = 25,
    subject: Text = None,
    purpose: Text = None,
    status: Text = None,
) -> VettingList:
    """Requests newest first, by subject (entity id or name), purpose and status."""
    return service.list_vetting(
        session=session,
        actor=actor,
        cursor=cursor,
        limit=limit,
        subject=subject,
        purpose=purpose,
        status=status,
    )


@router.get("/{request_id}", response_model=VettingRead)
def get_vetting(
    request_id: str, session: SessionDep, actor: ApiActor, settings: SettingsDep
) -> VettingRead:
    """One request with its screening hits as the account may see them, and its history."""
    scorer = screen_scorer(data_dir=settings.data_dir)
    return service.get_vetting(session=session, actor=actor, request_id=request_id, scorer=scorer)


@router.post("/{request_id}/decision", response_model=VettingRead)
def decide(
    request_id: str,
    decision_in: DecisionIn,
    session: SessionDep,
    actor: WriteActor,
    settings: SettingsDep,
) -> VettingRead:
    """Approve (with a validity period), suspend or deny, saying why."""
    made = service.decide(
        session=session, actor=actor, request_id=request_id, decision_in=decision_in
    )
    scorer = screen_scorer(data_dir=settings.data_dir)
    return service.vetting_read(session=session, actor=actor, request=made, scorer=scorer)
