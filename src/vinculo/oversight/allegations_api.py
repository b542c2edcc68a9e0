"""REST routes for allegations of human-rights violations. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.oversight import allegations as service
from vinculo.oversight.allegation_schemas import (
    AllegationCreate,
    AllegationList,
    AllegationRead,
    StatusUpdate,
)
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter(prefix="/oversight/allegations", tags=["oversight"])
Limit = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=128)]


@router.post("", response_model=AllegationRead, status_code=201)
def file_allegation(
    allegation_in: AllegationCreate, session: SessionDep, actor: WriteActor
) -> AllegationRead:
    made = service.file_allegation(session=session, actor=actor, allegation_in=allegation_in)
    return service.allegation_read(session=session, actor=actor, allegation=made)


@router.get("", response_model=AllegationList)
def list_allegations(
    session: SessionDep,
    actor: ApiActor,
    cursor: str | None = None,
    limit: Limit = 25,
    unit: Text = None,
    status: Text = None,
    violation: Text = None,
) -> AllegationList:
    return service.list_allegations(
        session=session,
        actor=actor,
        cursor=cursor,
        limit=limit,
        unit=unit,
        status=status,
        violation=violation,
    )


@router.get("/{allegation_id}", response_model=AllegationRead)
def get_allegation(allegation_id: str, session: SessionDep, actor: ApiActor) -> AllegationRead:
    return service.get_allegation(session=session, actor=actor, allegation_id=allegation_id)


@router.post("/{allegation_id}/status", response_model=AllegationRead)
def set_status(
    allegation_id: str, status_in: StatusUpdate, session: SessionDep, actor: WriteActor
) -> AllegationRead:
    made = service.set_status(
        session=session, actor=actor, allegation_id=allegation_id, status_in=status_in
    )
    return service.allegation_read(session=session, actor=actor, allegation=made)
