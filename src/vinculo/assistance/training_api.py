"""REST routes for training events and their participants. Thin: each calls one service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vinculo.assistance import training as service
from vinculo.assistance.training_schemas import (
    SeatCreate,
    TrainingCreate,
    TrainingList,
    TrainingRead,
)
from vinculo.web.deps import ApiActor, SessionDep, WriteActor

router = APIRouter(prefix="/assistance/trainings", tags=["assistance"])
Limit = Annotated[int, Query(ge=1, le=200)]
Year = Annotated[int | None, Query(ge=1900, le=2200)]
Text = Annotated[str | None, Query(max_length=300)]


@router.post("", response_model=TrainingRead, status_code=201)
def create_training(
    training_in: TrainingCreate, session: SessionDep, actor: WriteActor
) -> TrainingRead:
    """Record a training event; participants are seated one by one."""
    made = service.create_training(session=session, actor=actor, training_in=training_in)
    return service.training_read(session=session, actor=actor, event=made)


@router.get("", response_model=TrainingList)
def list_trainings(
    session: SessionDep,
    actor: ApiActor,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Limit = 25,
    unit: Text = None,
    programme: Text = None,
    fiscal_year: Year = None,
    human_rights: bool | None = None,
) -> TrainingList:
    """Events newest first, by a unit that sent participants, programme, fiscal year and
    human-rights content."""
    return service.list_trainings(
        session=session,
        actor=actor,
        cursor=cursor,
        limit=limit,
        unit=unit,
        programme=programme,
        fiscal_year=fiscal_year,
        human_rights=human_rights,
    )


@router.get("/{event_id}", response_model=TrainingRead)
def get_training(event_id: str, session: SessionDep, actor: ApiActor) -> TrainingRead:
    """One event with its participants as the account may see them."""
    return service.get_training(session=session, actor=actor, event_id=event_id)


@router.post("/{event_id}/participants", response_model=TrainingRead, status_code=201)
def seat(
    event_id: str, seat_in: SeatCreate, session: SessionDep, actor: WriteActor
) -> TrainingRead:
    """Seat a person from a unit, or a whole unit, through the Leahy gate: 403 naming the
    subject and the reason when either has no valid approval for the training."""
    made = service.seat(session=session, actor=actor, event_id=event_id, seat_in=seat_in)
    return service.get_training(session=session, actor=actor, event_id=made.event_id)
