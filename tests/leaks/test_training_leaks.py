"""Training and equipment and what a reader may not see: events and items a Mexican reader
may not see (TLP:RED to others, REL TO USA only, AMBER not shared with the reader's agency),
with their seats, custody, checks and findings, change nothing the reader observes of the
lists, their totals, filters (unit, overdue, human rights, fiscal year) and cursors, of a
missing event or item, or of the totals the accountability view reads."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from training_world import CADET, UNIT, add_units_and_vetter, vet

from vinculo.assistance import equipment as equipment_service
from vinculo.assistance import training as training_service
from vinculo.assistance.equipment_schemas import CheckCreate, EquipmentCreate
from vinculo.assistance.training_schemas import SeatCreate, TrainingCreate
from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.pagination import encode_key

from conftest import LiveServer
from worlds import World

TRAININGS = "/api/v1/assistance/trainings"
EQUIPMENT = "/api/v1/assistance/equipment"
MISSING = "0123456789abcdef"
START = date.today() - timedelta(days=400)


def _store(world: World, markings: MarkingsIn, tag: str) -> tuple[str, str]:
    """An event with a person and a unit seated, and an item with a finding, overdue."""
    actor = world.actors["us.analyst"]
    with transaction(world.store.sessions) as session:
        event = training_service.create_training(
            session=session,
            actor=actor,
            training_in=TrainingCreate(
                course=f"Course {tag}",
                starts_on=START,
                human_rights=True,
                human_rights_hours=8,
                provider=f"Provider {tag}",
                markings=markings,
            ),
        )
        for person in (CADET, None):
            training_service.seat(
                session=session,
                actor=actor,
                event_id=event.id,
                seat_in=SeatCreate(person_entity_id=person, unit_entity_id=UNIT),
            )
        item = equipment_service.deliver(
            session=session,
            actor=actor,
            equipment_in=EquipmentCreate(
                type="drone",
                serial_number=f"Serial {tag}",
                value_usd=1000,
                unit_entity_id=UNIT,
                delivered_on=START,
                markings=markings,
            ),
        )
        equipment_service.add_check(
            session=session,
            actor=actor,
            item_id=item.id,
            check_in=CheckCreate(
                checked_on=START + timedelta(days=1),
                kind="routine",
                result="discrepancy",
                discrepancy=f"Finding {tag}",
            ),
        )
        return event.id, item.id


def _observe(client: httpx.Client) -> dict[str, tuple[int, str]]:
    """Everything mx.analyst can learn of training and equipment without naming a hidden
    event or item: lists and every page of them by every filter, a missing event and item,
    a write to them, and a cursor naming nothing."""
    seen: dict[str, tuple[int, str]] = {}
    year = START.year + 1 if START.month >= 10 else START.year
    queries: list[tuple[str, dict[str, object]]] = [
        (TRAININGS, {}),
        (TRAININGS, {"unit": UNIT}),
        (TRAININGS, {"human_rights": True}),
        (TRAININGS, {"fiscal_year": year}),
        (TRAININGS, {"cursor": encode_key(MISSING)}),
        (EQUIPMENT, {}),
        (EQUIPMENT, {"unit": UNIT}),
        (EQUIPMENT, {"overdue": True}),
        (EQUIPMENT, {"overdue": False}),
        (EQUIPMENT, {"type": "drone", "fiscal_year": year}),
        (EQUIPMENT, {"cursor": encode_key(MISSING)}),
    ]
    for path, params in queries:
        cursor: str | None = None
        page = 0
        while True:
            query = {**params, "limit": 1} | ({"cursor": cursor} if cursor else {})
            answer = client.get(path, params=query)
            seen[f"{path} {params} {page}"] = (answer.status_code, answer.text)
            cursor = answer.json().get("next_cursor") if answer.status_code == 200 else None
            if not cursor:
                break
            page += 1
    for path in (f"{TRAININGS}/{MISSING}", f"{EQUIPMENT}/{MISSING}"):
        answer = client.get(path)
        seen[path] = (answer.status_code, answer.text)
    written = client.post(f"{EQUIPMENT}/{MISSING}/checks", json={"checked_on": "x"})
    seen["write"] = (written.status_code, written.text)
    return seen


def _totals(world: World) -> tuple[object, object]:
    with transaction(world.store.sessions) as session:
        actor = world.actors["mx.analyst"]
        return (
            training_service.training_summary(session=session, actor=actor, unit_ids=[UNIT]),
            equipment_service.equipment_summary(session=session, actor=actor, unit_ids=[UNIT]),
        )


def test_hidden_trainings_and_equipment_change_nothing_a_mexican_reader_observes(
    fresh_world: World,
) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, CADET, "person", "training")
    vet(fresh_world, UNIT, "unit", "training")
    vet(fresh_world, UNIT, "unit", "equipment")
    shown = _store(fresh_world, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), "public")
    with LiveServer(fresh_world.store.settings) as server, server.client("mx.analyst") as reader:
        before = _observe(reader)
        totals_before = _totals(fresh_world)
        assert '"total":1' in before[f"{TRAININGS} {{}} 0"][1]
        assert '"overdue":true' in before[f"{EQUIPMENT} {{'overdue': True}} 0"][1]
        hidden = [
            (MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["dea.agent1"]), "red"),
            (MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa"),
            (MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]), "amber"),
        ]
        secret = [_store(fresh_world, markings, tag) for markings, tag in hidden]
        after = _observe(reader)
        assert after == before
        assert _totals(fresh_world) == totals_before
        for event_id, item_id in secret:
            for path, missing in (
                (f"{TRAININGS}/{event_id}", f"{TRAININGS}/{MISSING}"),
                (f"{EQUIPMENT}/{item_id}", f"{EQUIPMENT}/{MISSING}"),
            ):
                ours, theirs = reader.get(path), reader.get(missing)
                assert ours.status_code == theirs.status_code == 404
                assert ours.text.replace(path.rsplit("/", 1)[1], MISSING) == theirs.text
                cursor = reader.get(
                    path.rsplit("/", 1)[0], params={"cursor": encode_key(path.rsplit("/", 1)[1])}
                )
                nothing = reader.get(path.rsplit("/", 1)[0], params={"cursor": encode_key(MISSING)})
                assert (cursor.status_code, cursor.text) == (nothing.status_code, nothing.text)
        with server.client("us.analyst") as writer:
            everything = writer.get(EQUIPMENT, params={"overdue": True}).json()
            assert everything["total"] == 4
            events = writer.get(TRAININGS, params={"unit": UNIT}).json()
            assert events["total"] == 4
        shown_event = reader.get(f"{TRAININGS}/{shown[0]}").json()
        assert [p["person_entity_id"] for p in shown_event["participants"]] == [CADET, None]
