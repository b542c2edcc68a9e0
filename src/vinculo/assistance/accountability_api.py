"""GET /api/v1/assistance/accountability: the accountability view of a unit, programme,
implementing partner and fiscal year, from what the caller may see. Thin: one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.assistance.accountability import AccountabilityRead, accountability
from vinculo.web.deps import ApiActor, SessionDep

router = APIRouter(prefix="/assistance", tags=["assistance"])
# A fiscal year both backends store as an integer; anything else is a 422, not a 500.
Year = Annotated[int | None, Query(ge=1900, le=2200)]
Text = Annotated[str | None, Query(max_length=300)]


@router.get("/accountability", response_model=AccountabilityRead)
def accountability_view(
    session: SessionDep,
    actor: ApiActor,
    unit: Text = None,
    programme: Text = None,
    partner: Text = None,
    fy: Year = None,
) -> AccountabilityRead:
    return accountability(
        session=session,
        actor=actor,
        unit_id=unit,
        programme_id=programme,
        partner=partner,
        fiscal_year=fy,
    )
