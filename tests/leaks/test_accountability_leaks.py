"""The accountability view and what a reader may not see: ledger rows, allegations and
vetting requests a Mexican reader may not see (TLP:RED to others, REL TO USA only, AMBER of
another agency) change nothing the reader observes of the view, by any filter; its totals
count and sum only visible rows; a unit the reader may not see answers as one that does not
exist, even where an allegation or request the reader sees names it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
from accountability_world import (
    BOTH,
    OTHER_UNIT,
    PARTNER,
    UNIT_ID,
    VICTIM,
    allege,
    build_accountable,
    ledger_row,
    load,
    page_client,
    rows_csv,
    vet,
)

from vinculo.assistance import equipment as equipment_service
from vinculo.assistance.equipment_schemas import EquipmentCreate
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn

from conftest import LiveServer
from worlds import World, file_report

VIEW = "/api/v1/assistance/accountability"
PAGE = "/assistance/accountability"
HIDDEN_UNIT = "unit-hidden-27"
HIDDEN = [
    (MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["dea.agent1", "us.vetter"]), "red"),
    (MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa"),
    (MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]), "amber"),
]


def _observe(client: httpx.Client, programme: str) -> dict[str, tuple[int, str]]:
    """Everything mx.analyst can learn of the view without naming a hidden thing."""
    seen: dict[str, tuple[int, str]] = {}
    for params in [
        {},
        {"unit": UNIT_ID},
        {"unit": UNIT_ID, "fy": 2024},
        {"unit": OTHER_UNIT},
        {"unit": OTHER_UNIT, "fy": 2024},
        {"fy": 2024},
        {"fy": 2023},
        {"partner": PARTNER},
        {"programme": programme},
        {"unit": "none-such"},
        {"programme": "0123456789abcdef"},
    ]:
        answer = client.get(VIEW, params=params)
        seen[f"{VIEW} {params}"] = (answer.status_code, answer.text)
    return seen


def _add_hidden(world: World) -> None:
    for markings, tag in HIDDEN:
        rows = [
            ledger_row(
                f"SECRET-{tag}", f"Secret {tag}", "Disbursements", 2024, "2024-03-03", "9.99"
            ),
            ledger_row(
                f"SECRET-{tag}", f"Secret {tag}", "Obligations", 2023, "2023-03-03", "77.00"
            ),
        ]
        load(world, rows_csv(rows), markings, f"hidden-{tag}")
        allege(world, markings, "2024-02-02", "enforced_disappearance", "credible")
        vet(world, markings, "equipment", "denied")
        with transaction(world.store.sessions) as session:
            equipment_service.deliver(
                session=session,
                actor=world.actors["us.analyst"],
                equipment_in=EquipmentCreate(
                    type="scanner",
                    serial_number=f"SECRET-{tag}",
                    value_usd=Decimal("31.00"),
                    unit_entity_id=OTHER_UNIT,
                    delivered_on=date(2024, 4, 1),
                    markings=markings,
                ),
            )


def test_hidden_rows_change_nothing_a_mexican_reader_observes(fresh_world: World) -> None:
    made = build_accountable(fresh_world, hidden=False)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.analyst") as reader,
        page_client(server, "mx.analyst") as browser,
    ):
        before = _observe(reader, made.visible_programme)
        whole = reader.get(VIEW, params={"unit": UNIT_ID}).json()
        assert whole["allegations"] == 2 and whole["vetting_status"] == "suspended"
        page_before = browser.get(PAGE, params={"unit": UNIT_ID, "fy": 2024})
        _add_hidden(fresh_world)
        after = _observe(reader, made.visible_programme)
        assert after == before
        with server.client("us.analyst") as writer:
            theirs = writer.get(VIEW, params={"unit": UNIT_ID, "fy": 2024}).json()
        # The writer's view did change: the hidden rows are there for those who may see them.
        ours = reader.get(VIEW, params={"unit": UNIT_ID, "fy": 2024}).json()
        assert Decimal(theirs["received_usd"]) == Decimal(ours["received_usd"]) + Decimal("29.97")
        assert theirs["allegations"] == ours["allegations"] + 3
        assert theirs["vetting_status"] == "suspended"
        assert {v["status"] for v in theirs["vetting"]} == {"suspended", "denied"}
        for body in (ours, theirs):
            assert VICTIM not in str(body)
        page_after = browser.get(PAGE, params={"unit": UNIT_ID, "fy": 2024})
        assert page_after.status_code == page_before.status_code == 200
        assert page_after.text == page_before.text
        for word in ("Secret", "SECRET", "Desaparición", "Enforced disappearance", "denied"):
            assert word not in page_after.text


def test_a_unit_the_reader_may_not_see_answers_as_none(fresh_world: World) -> None:
    build_accountable(fresh_world, hidden=False)
    file_report(
        fresh_world.store,
        fresh_world.actors["dea.agent1"],
        "A unit for U.S. eyes only",
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        [EntityIn(id=HIDDEN_UNIT, schema="PublicBody", properties={"name": ["Unidad 27-R"]})],
    )
    # Allegations and a vetting request both nations may read, naming that unit.
    from vinculo.oversight import allegations as allegation_service
    from vinculo.oversight.allegation_schemas import AllegationCreate

    with transaction(fresh_world.store.sessions) as session:
        allegation_service.file_allegation(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            allegation_in=AllegationCreate(
                summary_en="At the checkpoint",
                occurred_from="2024-05-05",  # type: ignore[arg-type]
                violations=["torture"],
                unit_entity_id=HIDDEN_UNIT,
                markings=BOTH,
            ),
        )
    with LiveServer(fresh_world.store.settings) as server, server.client("mx.analyst") as reader:
        ours = reader.get(VIEW, params={"unit": HIDDEN_UNIT})
        theirs = reader.get(VIEW, params={"unit": "none-such"})
        assert ours.status_code == theirs.status_code == 200
        assert ours.json() | {"unit": ""} == theirs.json() | {"unit": ""}
        assert "Unidad 27-R" not in ours.text
        with server.client("us.analyst") as writer:
            assert writer.get(VIEW, params={"unit": HIDDEN_UNIT}).json()["allegations"] == 1
