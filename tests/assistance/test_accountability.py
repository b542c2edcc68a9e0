"""The accountability view through the service, on both backends: the question answered
for a unit and a fiscal year, each reader's answer made only of what that reader may see,
and no protected person in it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from accountability_world import (
    HIDDEN_USD,
    OTHER_UNIT,
    RECEIVED_2024,
    UNIT_ID,
    UNIT_NAME,
    VICTIM,
    build_accountable,
)

from vinculo.assistance.accountability import accountability
from vinculo.db import transaction

from worlds import World


def view(world: World, who: str, **filters: object):  # type: ignore[no-untyped-def]
    with transaction(world.store.sessions) as session:
        return accountability(session=session, actor=world.actors[who], **filters)  # type: ignore[arg-type]


def test_the_question_answered_for_a_unit_and_a_fiscal_year(fresh_world: World) -> None:
    build_accountable(fresh_world)
    found = view(fresh_world, "mx.analyst", unit_id=UNIT_ID, fiscal_year=2024)
    assert found.unit_caption == UNIT_NAME
    assert [y.fiscal_year for y in found.years] == [2024]
    year = found.years[0]
    assert {m.type: m.usd for m in year.money} == {
        "2": Decimal("500000.00"),
        "3": RECEIVED_2024,
    }
    assert year.received_usd == found.received_usd == RECEIVED_2024
    assert found.allegations == year.allegations == 2
    assert {c.code: c.count for c in found.allegations_by_status} == {
        "credible": 1,
        "reported": 1,
    }
    assert {c.code: c.count for c in found.allegations_by_violation} == {
        "torture": 1,
        "arbitrary_detention": 1,
    }
    assert found.vetting_status == "suspended"
    assert [v.status for v in found.vetting] == ["suspended"]
    assert [s.to_status for s in year.vetting_decisions] == []  # decided today, not in FY2024
    assert [(s.state, s.received_usd, s.allegations) for s in found.states] == [
        ("Guerrero", RECEIVED_2024, 2)
    ]
    assert found.banner == "TLP:GREEN // REL TO MEX, USA"


def test_every_year_and_the_vetting_history(fresh_world: World) -> None:
    build_accountable(fresh_world)
    found = view(fresh_world, "mx.analyst", unit_id=UNIT_ID)
    years = [y.fiscal_year for y in found.years]
    assert years == sorted(years, reverse=True) and {2023, 2024} <= set(years)
    by_year = {y.fiscal_year: y for y in found.years}
    assert by_year[2023].received_usd == Decimal("120000.00")
    assert found.received_usd == RECEIVED_2024 + Decimal("120000.00")
    steps = [s for y in found.years for s in y.vetting_decisions]
    assert [(s.from_status, s.to_status) for s in steps] == [("pending", "suspended")]


def test_a_reader_of_more_sees_more_and_the_totals_follow(fresh_world: World) -> None:
    build_accountable(fresh_world)
    mx = view(fresh_world, "mx.analyst", unit_id=UNIT_ID, fiscal_year=2024)
    us = view(fresh_world, "us.analyst", unit_id=UNIT_ID, fiscal_year=2024)
    assert us.received_usd == mx.received_usd + HIDDEN_USD
    assert us.allegations == mx.allegations + 1
    assert sorted(v.status for v in us.vetting) == ["approved", "suspended"]
    # The most restrictive status a reader may see is the unit's.
    assert us.vetting_status == "suspended"
    assert us.banner == "TLP:GREEN // REL TO USA"


def test_hidden_rows_answer_as_nothing(fresh_world: World) -> None:
    made = build_accountable(fresh_world)
    hidden = view(fresh_world, "mx.analyst", programme_id=made.hidden_programme)
    missing = view(fresh_world, "mx.analyst", programme_id="0123456789abcdef")
    assert hidden.model_dump(exclude={"programme"}) == missing.model_dump(exclude={"programme"})
    assert hidden.years == [] and hidden.allegations == 0 and hidden.vetting == []
    # A unit the reader may not see (no entity of that id) matches nothing at all.
    nobody = view(fresh_world, "mx.analyst", unit_id="unit-none-such")
    assert nobody.allegations == 0 and nobody.vetting == [] and nobody.received_usd == 0


def test_a_programme_brings_the_units_it_paid(fresh_world: World) -> None:
    made = build_accountable(fresh_world)
    found = view(fresh_world, "mx.analyst", programme_id=made.visible_programme)
    assert found.allegations == 2  # those against the battalion the programme paid
    assert found.vetting_status == "suspended"
    partner = view(fresh_world, "mx.analyst", partner="Instituto de Formación Policial")
    assert {s.state for s in partner.states} == {"Guerrero", "Sonora"}
    sonora = view(fresh_world, "mx.analyst", unit_id=OTHER_UNIT)
    assert sonora.allegations == 0 and sonora.vetting_status == "approved"
    assert sonora.received_usd == Decimal("75000.00")


def test_training_and_equipment_in_the_year(fresh_world: World) -> None:
    build_accountable(fresh_world)
    mx = view(fresh_world, "mx.analyst", unit_id=OTHER_UNIT, fiscal_year=2024)
    assert (mx.training.events, mx.training.seats, mx.training.human_rights_events) == (1, 1, 1)
    assert mx.equipment.items == 1 and mx.equipment.value_usd == Decimal("125000.00")
    assert mx.years[0].equipment == mx.equipment and mx.years[0].training == mx.training
    us = view(fresh_world, "us.analyst", unit_id=OTHER_UNIT, fiscal_year=2024)
    assert us.equipment.value_usd == Decimal("125999.00")
    assert us.banner == "TLP:GREEN // REL TO USA"
    # Every year, each with its own: FY2023 had none.
    whole = view(fresh_world, "mx.analyst", unit_id=OTHER_UNIT)
    by_year = {y.fiscal_year: y for y in whole.years}
    assert by_year[2024].equipment.items == 1
    battalion = view(fresh_world, "mx.analyst", unit_id=UNIT_ID)
    assert battalion.training.seats == 0 and battalion.equipment.items == 0


def test_no_protected_person_in_any_answer(fresh_world: World) -> None:
    build_accountable(fresh_world)
    for who in ("us.analyst", "mx.analyst"):
        for filters in ({}, {"unit_id": UNIT_ID}, {"fiscal_year": 2024}):
            assert VICTIM not in view(fresh_world, who, **filters).model_dump_json()


def test_the_answer_in_spanish(fresh_world: World) -> None:
    build_accountable(fresh_world)
    actor = replace(fresh_world.actors["mx.analyst"], locale="es")
    with transaction(fresh_world.store.sessions) as session:
        found = accountability(session=session, actor=actor, unit_id=UNIT_ID, fiscal_year=2024)
    assert found.vetting_status_label == "suspendido"
    assert {m.type_label for m in found.years[0].money} == {
        "Desembolso",
        "Compromiso de salida (obligación)",
    }
    assert {c.label for c in found.allegations_by_violation} == {
        "Tortura",
        "Detención arbitraria",
    }


def test_a_unit_asked_for_by_the_name_the_source_wrote(fresh_world: World) -> None:
    build_accountable(fresh_world)
    by_name = view(fresh_world, "mx.analyst", unit_id=UNIT_NAME, fiscal_year=2024)
    by_id = view(fresh_world, "mx.analyst", unit_id=UNIT_ID, fiscal_year=2024)
    # The same ledger rows, each once (they carry both the name and the id)…
    assert by_name.received_usd == by_id.received_usd == RECEIVED_2024
    assert by_name.years[0].money == by_id.years[0].money
    # …but a name is no entity: no allegations or vetting are matched by it.
    assert by_name.allegations == 0 and by_name.vetting == []
