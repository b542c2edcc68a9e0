"""REST routes for equipment delivered and its end-use monitoring. Thin: each calls one
service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.assistance import equipment as service
from vinculo.assistance.equipment_schemas import (
    CheckCreate,
    CustodyCreate,
    EquipmentCreate,
    EquipmentList,
    EquipmentRead,
)
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter(prefix="/assistance/equipment", tags=["assistance"])
Limit = Annotated[int, Query(ge=1, le=200)]
Year = Annotated[int | None, Query(ge=1900, le=2200)]
Text = Annotated[str | None, Query(max_length=300)]


@router.post("", response_model=EquipmentRead, status_code=201)
def deliver(equipment_in: EquipmentCreate, session: SessionDep, actor: WriteActor) -> EquipmentRead:
    """Record an item delivered to a unit, through the Leahy gate: 403 naming the unit and
    the reason when it has no valid approval for equipment on the delivery day."""
    made = service.deliver(session=session, actor=actor, equipment_in=equipment_in)
    return service.equipment_read(session=session, actor=actor, item=made)


@router.get("", response_model=EquipmentList)
def list_equipment(
    session: SessionDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Limit = 25,
    unit: Text = None,
    type: Text = None,
    programme: Text = None,
    fiscal_year: Year = None,
    overdue: bool | None = None,
) -> EquipmentList:
    """Items newest first, by unit (recipient or holder), type, programme, fiscal year of
    delivery and whether overdue for a check today."""
    return service.list_equipment(
        session=session,
        actor=actor,
        cursor=cursor,
        limit=limit,
        unit=unit,
        type_=type,
        programme=programme,
        fiscal_year=fiscal_year,
        overdue=overdue,
    )


@router.get("/{item_id}", response_model=EquipmentRead)
def get_equipment(item_id: str, session: SessionDep, actor: ApiActor) -> EquipmentRead:
    """One item with its custody chain and checks as the account may see them."""
    return service.get_equipment(session=session, actor=actor, item_id=item_id)


@router.post("/{item_id}/custody", response_model=EquipmentRead, status_code=201)
def transfer(
    item_id: str, custody_in: CustodyCreate, session: SessionDep, actor: WriteActor
) -> EquipmentRead:
    """Hand the item to another unit, through the Leahy gate."""
    service.transfer(session=session, actor=actor, item_id=item_id, custody_in=custody_in)
    return service.get_equipment(session=session, actor=actor, item_id=item_id)


@router.post("/{item_id}/checks", response_model=EquipmentRead, status_code=201)
def add_check(
    item_id: str, check_in: CheckCreate, session: SessionDep, actor: WriteActor
) -> EquipmentRead:
    """Record an end-use check (scheduled or ad hoc) and its result."""
    service.add_check(session=session, actor=actor, item_id=item_id, check_in=check_in)
    return service.get_equipment(session=session, actor=actor, item_id=item_id)
