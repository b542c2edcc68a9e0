"""REST routes of the case map: what the reader may see, as features with their markings."""

from __future__ import annotations

from fastapi import APIRouter

from vinculo.cases import map as case_map
from vinculo.cases.map import MapRead
from vinculo.i18n import N_, gettext
from vinculo.web.deps import ApiActor, SessionDep

router = APIRouter(tags=["cases"])

# The banner of public reference data (ports of entry), which carries no marking.
REFERENCE = N_("Public reference data")


@router.get("/map", response_model=MapRead)
def cases_map(session: SessionDep, actor: ApiActor) -> MapRead:
    data = case_map.cases_map(session=session, actor=actor)
    return case_map.map_read(data, gettext(actor.locale, REFERENCE))


@router.get("/cases/{case_id}/map", response_model=MapRead)
def one_case_map(case_id: str, session: SessionDep, actor: ApiActor) -> MapRead:
    data = case_map.case_map(session=session, actor=actor, case_id=case_id)
    return case_map.map_read(data, gettext(actor.locale, REFERENCE))
