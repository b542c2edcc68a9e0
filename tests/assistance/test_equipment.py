"""Equipment through the service, on both backends: a delivery and every transfer of custody
through the Leahy gate (a suspended unit refused with its reason in English and Spanish,
nothing stored), end-use checks with their results, an item overdue for its check flagged on
read, an item a reader may not see answering as a missing one, and the totals the
accountability view reads."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from training_world import BOTH, SUSPENDED, UNIT, USA_ONLY, add_units_and_vetter, vet

from vinculo.assistance import equipment as service
from vinculo.assistance.equipment_models import EquipmentCheck, EquipmentCustody, EquipmentItem
from vinculo.assistance.equipment_schemas import CheckCreate, CustodyCreate, EquipmentCreate
from vinculo.db import transaction
from vinculo.errors import InvalidFields, NotFound
from vinculo.oversight import vetting
from vinculo.security.audit import AuditRow

from worlds import World

TODAY = date.today()


def item_in(**changes: object) -> EquipmentCreate:
    base: dict[str, object] = {
        "type": "scanner",
        "description": "Gamma-ray cargo scanner",
        "serial_number": "RS-7734-0192",
        "value_usd": "1250000.00",
        "unit_entity_id": UNIT,
        "delivered_on": TODAY - timedelta(days=400),
        "markings": BOTH,
    }
    return EquipmentCreate.model_validate(base | changes)


def deliver(world: World, **changes: object) -> str:
    with transaction(world.store.sessions) as session:
        return service.deliver(
            session=session, actor=world.actors["us.analyst"], equipment_in=item_in(**changes)
        ).id


def check(world: World, item_id: str, **changes: object) -> None:
    base: dict[str, object] = {
        "checked_on": TODAY - timedelta(days=10),
        "kind": "routine",
        "result": "verified",
    }
    with transaction(world.store.sessions) as session:
        service.add_check(
            session=session,
            actor=world.actors["us.analyst"],
            item_id=item_id,
            check_in=CheckCreate.model_validate(base | changes),
        )


def count(world: World, table: type[EquipmentItem | EquipmentCustody | EquipmentCheck]) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_delivery_custody_checks_and_the_overdue_flag(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    with pytest.raises(vetting.NotVetted) as caught:
        deliver(fresh_world)
    assert caught.value.render("en") == (
        f"field unit_entity_id: {UNIT} has no vetting request for equipment transfer"
    )
    assert count(fresh_world, EquipmentItem) == 0
    vet(fresh_world, UNIT, "unit", "equipment")
    late = deliver(fresh_world)
    checked = deliver(fresh_world, type="drone", serial_number="DJI-1", value_usd="15000")
    recent = deliver(
        fresh_world,
        type="radio",
        serial_number="R-1",
        value_usd="900.5",
        delivered_on=TODAY - timedelta(days=20),
    )
    short = deliver(
        fresh_world, type="vehicle", serial_number="V-1", value_usd="40000", check_interval_days=30
    )
    check(fresh_world, checked)
    check(
        fresh_world,
        short,
        checked_on=TODAY - timedelta(days=31),
        result="discrepancy",
        kind="enhanced",
        scheduled=False,
        discrepancy="Odometer does not match the log",
    )
    with pytest.raises(InvalidFields) as bad:
        check(fresh_world, late, kind="glance", result="not_found")
    assert set(bad.value.by_field("en")) == {"kind", "discrepancy"}
    mexican = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        flagged = service.list_equipment(session=session, actor=mexican, overdue=True)
        fine = service.list_equipment(session=session, actor=mexican, overdue=False)
        body = service.get_equipment(session=session, actor=mexican, item_id=short)
        writes = session.execute(
            select(func.count()).where(AuditRow.kind == "equipment", AuditRow.action == "write")
        ).scalar_one()
    # Delivered 400 days ago and never checked; checked 31 days ago with a 30-day interval.
    assert sorted(i.id for i in flagged.items) == sorted([late, short]) and flagged.total == 2
    assert sorted(i.id for i in fine.items) == sorted([checked, recent])
    assert body.overdue and body.next_check_due == TODAY - timedelta(days=1)
    assert body.discrepancies == 1
    assert [(c.kind_label, c.result, c.discrepancy) for c in body.checks] == [
        ("enhanced end-use check", "discrepancy", "Odometer does not match the log")
    ]
    assert [(c.holder_unit_entity_id, c.from_date) for c in body.custody] == [
        (UNIT, TODAY - timedelta(days=400))
    ]
    assert writes == 6  # four deliveries, two checks
    with transaction(fresh_world.store.sessions) as session:
        totals = service.equipment_summary(session=session, actor=mexican, unit_ids=[UNIT])
    assert totals.model_dump() == {
        "items": 4,
        "value_usd": Decimal("1305900.50"),
        "checks": 2,
        "overdue": 2,
        "discrepancies": 1,
    }


def test_a_suspended_unit_blocks_delivery_and_transfer(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, UNIT, "unit", "equipment")
    vet(fresh_world, SUSPENDED, "unit", "equipment")
    item = deliver(fresh_world)
    vet(fresh_world, SUSPENDED, "unit", "training", status="suspended")
    english = f"{SUSPENDED} is suspended in Leahy vetting: no assistance may reach it"
    spanish = (
        f"{SUSPENDED} está suspendido en la verificación Leahy: ninguna asistencia puede llegarle"
    )
    with pytest.raises(vetting.NotVetted) as caught:
        deliver(fresh_world, unit_entity_id=SUSPENDED)
    assert caught.value.render("en") == f"field unit_entity_id: {english}"
    assert caught.value.render("es") == f"campo unit_entity_id: {spanish}"
    with (
        pytest.raises(vetting.NotVetted) as caught,
        transaction(fresh_world.store.sessions) as session,
    ):
        service.transfer(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            item_id=item,
            custody_in=CustodyCreate(
                holder_unit_entity_id=SUSPENDED, from_date=TODAY - timedelta(days=5)
            ),
        )
    assert caught.value.render("en") == f"field holder_unit_entity_id: {english}"
    assert caught.value.render("es") == f"campo holder_unit_entity_id: {spanish}"
    assert (count(fresh_world, EquipmentItem), count(fresh_world, EquipmentCustody)) == (1, 1)


def test_an_item_a_reader_may_not_see_answers_as_a_missing_one(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, UNIT, "unit", "equipment")
    shown = deliver(fresh_world)
    hidden = deliver(fresh_world, markings=USA_ONLY, serial_number="SECRET-1")
    mexican = fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        listed = service.list_equipment(session=session, actor=mexican, unit=UNIT)
        assert ([i.id for i in listed.items], listed.total) == ([shown], 1)
        answers = []
        for item_id in (hidden, "0123456789abcdef"):
            with pytest.raises(NotFound) as caught:
                service.get_equipment(session=session, actor=mexican, item_id=item_id)
            answers.append(caught.value.render("en"))
            with pytest.raises(NotFound) as caught:
                service.add_check(
                    session=session,
                    actor=mexican,
                    item_id=item_id,
                    check_in=CheckCreate(checked_on=TODAY, kind="routine", result="verified"),
                )
            answers.append(caught.value.render("en"))
        assert answers[:2] == answers[2:]
        theirs = service.equipment_summary(session=session, actor=mexican, unit_ids=[UNIT])
        ours = service.equipment_summary(
            session=session, actor=fresh_world.actors["us.analyst"], unit_ids=[UNIT]
        )
    assert (theirs.items, theirs.value_usd, theirs.overdue) == (1, Decimal("1250000.00"), 1)
    assert (ours.items, ours.value_usd, ours.overdue) == (2, Decimal("2500000.00"), 2)
