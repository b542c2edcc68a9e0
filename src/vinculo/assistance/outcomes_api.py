"""REST routes for programme results and municipal indicators. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.assistance import outcomes
from vinculo.assistance.outcome_schemas import MunicipalList, ResultList
from vinculo.web.deps import ApiActor, SessionDep

router = APIRouter(prefix="/assistance", tags=["assistance"])
Text = Annotated[str | None, Query(max_length=100)]


@router.get("/programmes/{programme_id}/results", response_model=ResultList)
def programme_results(session: SessionDep, actor: ApiActor, programme_id: str) -> ResultList:
    return outcomes.programme_results(session=session, actor=actor, programme_id=programme_id)


@router.get("/indicators", response_model=MunicipalList)
def municipal_indicators(
    session: SessionDep,
    actor: ApiActor,
    municipality: Annotated[str | None, Query(max_length=5)] = None,
    state: Text = None,
    code: Text = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> MunicipalList:
    return outcomes.municipal_indicators(
        session=session,
        actor=actor,
        municipality=municipality,
        state=state,
        code=code,
        limit=limit,
    )
