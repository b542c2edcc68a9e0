"""Training events through the service, on both backends: events all or nothing, each seat
through the Leahy gate (the person and their unit) with nothing stored on a refusal, a
suspended unit refused with its reason in English and Spanish, an event a reader may not see
answering as a missing one, and the totals the accountability view reads."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from training_world import (
    BOTH,
    CADET,
    START,
    SUSPENDED,
    UNIT,
    USA_ONLY,
    add_units_and_vetter,
    vet,
)

from vinculo.assistance import training as service
from vinculo.assistance.training_models import TrainingEvent, TrainingParticipant
from vinculo.assistance.training_schemas import SeatCreate, TrainingCreate
from vinculo.db import transaction
from vinculo.errors import InvalidFields, NotFound
from vinculo.oversight import vetting
from vinculo.security.audit import AuditRow

from worlds import World


def event_in(**changes: object) -> TrainingCreate:
    base: dict[str, object] = {
        "course": "Human rights in the use of force",
        "starts_on": START,
        "ends_on": START + timedelta(days=4),
        "state": "Baja California",
        "municipality": "Tijuana",
        "human_rights": True,
        "human_rights_hours": "12.5",
        "provider": "INL Mexico",
        "markings": BOTH,
    }
    return TrainingCreate.model_validate(base | changes)


def create(world: World, who: str = "us.analyst", **changes: object) -> str:
    with transaction(world.store.sessions) as session:
        return service.create_training(
            session=session, actor=world.actors[who], training_in=event_in(**changes)
        ).id


def seat(world: World, event_id: str, unit: str, person: str | None = None) -> None:
    with transaction(world.store.sessions) as session:
        service.seat(
            session=session,
            actor=world.actors["us.analyst"],
            event_id=event_id,
            seat_in=SeatCreate(person_entity_id=person, unit_entity_id=unit),
        )


def seats(world: World) -> int:
    with transaction(world.store.sessions) as session:
        return int(
            session.execute(select(func.count()).select_from(TrainingParticipant)).scalar_one()
        )


def test_seats_pass_the_gate_for_the_person_and_the_unit(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    event = create(fresh_world)
    # Nobody is vetted yet: the person is asked first, then the unit; nothing is stored.
    with pytest.raises(vetting.NotVetted) as caught:
        seat(fresh_world, event, UNIT, CADET)
    assert caught.value.render("en") == (
        f"field person_entity_id: {CADET} has no vetting request for training seat"
    )
    vet(fresh_world, CADET, "person", "training")
    with pytest.raises(vetting.NotVetted) as caught:
        seat(fresh_world, event, UNIT, CADET)
    assert caught.value.field == "unit_entity_id"
    assert seats(fresh_world) == 0
    # An approval for equipment is no approval for training.
    vet(fresh_world, UNIT, "unit", "equipment")
    with pytest.raises(vetting.NotVetted):
        seat(fresh_world, event, UNIT, CADET)
    unit_approval = vet(fresh_world, UNIT, "unit", "training")
    seat(fresh_world, event, UNIT, CADET)
    seat(fresh_world, event, UNIT)  # the unit itself
    with pytest.raises(InvalidFields) as bad:
        seat(fresh_world, event, UNIT, "per-nobody")
    assert bad.value.by_field("en") == {
        "person_entity_id": ["no entity per-nobody that you may see"]
    }
    with pytest.raises(Exception, match="already has a seat"):
        seat(fresh_world, event, UNIT, CADET)
    assert seats(fresh_world) == 2
    with transaction(fresh_world.store.sessions) as session:
        body = service.get_training(
            session=session, actor=fresh_world.actors["mx.analyst"], event_id=event
        )
        stored = session.execute(select(TrainingParticipant)).scalars().all()
        assert {s.unit_vetting_id for s in stored} == {unit_approval}
        changes = [
            r.detail
            for r in session.execute(
                select(AuditRow).where(AuditRow.kind == "training", AuditRow.action == "write")
            ).scalars()
        ]
    assert [(p.person_entity_id, p.unit_entity_id) for p in body.participants] == [
        (CADET, UNIT),
        (None, UNIT),
    ]
    assert body.participants[0].person_caption == "Lorena Ávila Cárdenas"
    assert (body.seats, body.human_rights_hours) == (2, Decimal("12.50"))
    assert len(changes) == 3 and '"seated"' in str(changes[1])


def test_a_suspended_unit_blocks_a_training_seat_with_its_reason(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    event = create(fresh_world)
    vet(fresh_world, CADET, "person", "training")
    vet(fresh_world, SUSPENDED, "unit", "training")
    seat(fresh_world, event, SUSPENDED, CADET)
    vet(fresh_world, SUSPENDED, "unit", "disbursement", status="suspended")
    with pytest.raises(vetting.NotVetted) as caught:
        seat(fresh_world, event, SUSPENDED)
    assert caught.value.render("en") == (
        f"field unit_entity_id: {SUSPENDED} is suspended in Leahy vetting: "
        "no assistance may reach it"
    )
    assert caught.value.render("es") == (
        f"campo unit_entity_id: {SUSPENDED} está suspendido en la verificación Leahy: "
        "ninguna asistencia puede llegarle"
    )
    assert seats(fresh_world) == 1


def test_an_event_a_reader_may_not_see_answers_as_a_missing_one(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    shown = create(fresh_world)
    hidden = create(fresh_world, markings=USA_ONLY, course="Secret course")
    vet(fresh_world, UNIT, "unit", "training")
    seat(fresh_world, shown, UNIT)
    seat(fresh_world, hidden, UNIT)
    mexican = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        listed = service.list_trainings(session=session, actor=mexican)
        assert ([e.id for e in listed.items], listed.total) == ([shown], 1)
        by_unit = service.list_trainings(session=session, actor=mexican, unit=UNIT)
        assert by_unit.total == 1
        errors = []
        for event_id in (hidden, "0123456789abcdef"):
            with pytest.raises(NotFound) as caught:
                service.get_training(session=session, actor=mexican, event_id=event_id)
            errors.append(caught.value.render("es"))
            with pytest.raises(NotFound) as caught:
                service.seat(
                    session=session,
                    actor=mexican,
                    event_id=event_id,
                    seat_in=SeatCreate(unit_entity_id=UNIT),
                )
            errors.append(caught.value.render("es"))
        assert errors[:2] == errors[2:]
        theirs = service.training_summary(session=session, actor=mexican, unit_ids=[UNIT])
        ours = service.training_summary(
            session=session, actor=fresh_world.actors["us.analyst"], unit_ids=[UNIT]
        )
    assert (theirs.events, theirs.seats, theirs.human_rights_hours) == (1, 1, Decimal("12.50"))
    assert (ours.events, ours.seats, ours.human_rights_seat_hours) == (2, 2, Decimal("25.00"))


def test_bad_input_stores_nothing_and_names_the_fields(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    with pytest.raises(InvalidFields) as caught:
        create(
            fresh_world,
            course=" ",
            ends_on=START - timedelta(days=1),
            human_rights=False,
            programme_id="0123456789abcdef",
        )
    assert set(caught.value.by_field("es")) == {
        "course",
        "ends_on",
        "human_rights_hours",
        "programme_id",
    }
    with transaction(fresh_world.store.sessions) as session:
        assert session.execute(select(func.count()).select_from(TrainingEvent)).scalar_one() == 0


def test_totals_by_fiscal_year(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, UNIT, "unit", "training")
    first = create(fresh_world, starts_on=date(2024, 9, 30), ends_on=date(2024, 10, 2))
    second = create(
        fresh_world, starts_on=date(2024, 10, 1), human_rights=False, human_rights_hours="0"
    )
    with transaction(fresh_world.store.sessions) as session:
        for event_id in (first, second):
            service.seat(
                session=session,
                actor=fresh_world.actors["us.analyst"],
                event_id=event_id,
                seat_in=SeatCreate(unit_entity_id=UNIT),
            )
        actor = fresh_world.actors["us.analyst"]
        fy24 = service.training_summary(
            session=session, actor=actor, unit_ids=[UNIT], fiscal_year=2024
        )
        fy25 = service.training_summary(
            session=session, actor=actor, unit_ids=[UNIT], fiscal_year=2025
        )
        other = service.training_summary(session=session, actor=actor, unit_ids=[SUSPENDED])
    assert (fy24.events, fy24.human_rights_events, fy24.human_rights_hours) == (
        1,
        1,
        Decimal("12.50"),
    )
    assert (fy25.events, fy25.human_rights_events, fy25.human_rights_hours) == (1, 0, Decimal("0"))
    assert (other.events, other.seats) == (0, 0)
