"""REST routes for assistance programmes and the ledger. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.assistance import service
from vinculo.assistance.schemas import LedgerList, ProgrammeList, Totals
from vinculo.web.deps import ApiActor, SessionDep

router = APIRouter(prefix="/assistance", tags=["assistance"])
Limit = Annotated[int, Query(ge=1, le=200)]
# A fiscal year both backends store as an integer; anything else is a 422, not a 500.
Year = Annotated[int | None, Query(ge=1900, le=2200)]
Text = Annotated[str | None, Query(max_length=300)]


@router.get("/programmes", response_model=ProgrammeList)
def list_programmes(
    session: SessionDep, actor: ApiActor, cursor: str | None = None, limit: Limit = 25
) -> ProgrammeList:
    return service.list_programmes(session=session, actor=actor, cursor=cursor, limit=limit)


@router.get("/ledger", response_model=LedgerList)
def list_ledger(
    session: SessionDep,
    actor: ApiActor,
    cursor: str | None = None,
    limit: Limit = 25,
    fiscal_year: Year = None,
    programme: Text = None,
    partner: Text = None,
    unit: Text = None,
) -> LedgerList:
    return service.list_ledger(
        session=session,
        actor=actor,
        cursor=cursor,
        limit=limit,
        fiscal_year=fiscal_year,
        programme=programme,
        partner=partner,
        unit=unit,
    )


@router.get("/totals", response_model=Totals)
def totals(
    session: SessionDep,
    actor: ApiActor,
    fiscal_year: Year = None,
    programme: Text = None,
    partner: Text = None,
    unit: Text = None,
) -> Totals:
    return service.totals(
        session=session,
        actor=actor,
        fiscal_year=fiscal_year,
        programme=programme,
        partner=partner,
        unit=unit,
    )
