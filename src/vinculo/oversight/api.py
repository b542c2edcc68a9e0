"""REST routes for security-force units. Thin: each calls one service."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from vinculo.oversight import service
from vinculo.oversight.schemas import ChainRead
from vinculo.web.deps import ApiActor, SessionDep

router = APIRouter(tags=["oversight"])


@router.get("/oversight/units/{unit_id}/chain", response_model=ChainRead)
def chain(unit_id: str, on: date, session: SessionDep, actor: ApiActor) -> ChainRead:
    """The unit, its parents up to the top and each one's commanders on `on`, as the
    account may see them; a unit it may not see answers as a missing one."""
    return service.chain_of_command(session=session, actor=actor, unit_id=unit_id, on=on)
