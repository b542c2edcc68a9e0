"""/api/v1/assistance/trainings and /api/v1/assistance/equipment over real HTTP, on both
backends: seats and deliveries through the Leahy gate (403 with the reason in the reader's
language, nothing stored), checks and the overdue flag, bad input 422 naming the field, and
an event or item a reader may not see answering exactly as a missing one."""

from __future__ import annotations

from datetime import date, timedelta

from training_world import CADET, SUSPENDED, UNIT, add_units_and_vetter, vet

from conftest import LiveServer
from worlds import World

TRAININGS = "/api/v1/assistance/trainings"
EQUIPMENT = "/api/v1/assistance/equipment"
MISSING = "0123456789abcdef"
BOTH = {"tlp": "GREEN", "rel_to": ["USA", "MEX"]}
USA_ONLY = {"tlp": "GREEN", "rel_to": ["USA"]}
START = (date.today() - timedelta(days=30)).isoformat()
EVENT: dict[str, object] = {
    "course": "Derechos humanos y uso de la fuerza",
    "starts_on": START,
    "state": "Baja California",
    "municipality": "Tijuana",
    "human_rights": True,
    "human_rights_hours": "16",
    "provider": "INL Mexico",
    "markings": BOTH,
}
ITEM: dict[str, object] = {
    "type": "helicopter",
    "serial_number": "UH-60M-2291",
    "value_usd": "21000000",
    "unit_entity_id": UNIT,
    "delivered_on": (date.today() - timedelta(days=500)).isoformat(),
    "markings": BOTH,
}
ES = {"Accept-Language": "es"}


def test_trainings_over_http(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, CADET, "person", "training")
    vet(fresh_world, UNIT, "unit", "training")
    vet(fresh_world, SUSPENDED, "unit", "disbursement", status="suspended")
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as analyst,
        server.client("mx.analyst") as mexican,
    ):
        made = analyst.post(TRAININGS, json=EVENT)
        assert made.status_code == 201, made.text
        event = made.json()["id"]
        hidden = analyst.post(TRAININGS, json=EVENT | {"markings": USA_ONLY}).json()["id"]
        seats = f"{TRAININGS}/{event}/participants"
        seated = analyst.post(seats, json={"person_entity_id": CADET, "unit_entity_id": UNIT})
        assert seated.status_code == 201, seated.text
        assert seated.json()["seats"] == 1
        refused = analyst.post(seats, json={"unit_entity_id": SUSPENDED}, headers=ES)
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == (
            f"campo unit_entity_id: {SUSPENDED} está suspendido en la verificación Leahy: "
            "ninguna asistencia puede llegarle"
        )
        assert analyst.get(f"{TRAININGS}/{event}").json()["seats"] == 1
        bad = analyst.post(TRAININGS, json=EVENT | {"course": "", "programme_id": MISSING})
        assert bad.status_code == 422, bad.text
        # The Mexican reader: one event, and the hidden one answers as a missing one.
        listed = mexican.get(TRAININGS, params={"unit": UNIT}).json()
        assert ([e["id"] for e in listed["items"]], listed["total"]) == ([event], 1)
        body = mexican.get(f"{TRAININGS}/{event}").json()
        assert body["participants"][0]["person_caption"] == "Lorena Ávila Cárdenas"
        assert body["banner"] == "TLP:GREEN // REL TO MEX, USA"
        for path, method in (("", "get"), ("/participants", "post")):
            kwargs = {"json": {"unit_entity_id": UNIT}} if method == "post" else {}
            ours = getattr(mexican, method)(f"{TRAININGS}/{hidden}{path}", **kwargs)
            theirs = getattr(mexican, method)(f"{TRAININGS}/{MISSING}{path}", **kwargs)
            assert ours.status_code == 404
            assert (ours.status_code, ours.text) == (theirs.status_code, theirs.text)


def test_equipment_over_http(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, UNIT, "unit", "equipment")
    vet(fresh_world, SUSPENDED, "unit", "disbursement", status="suspended")
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as analyst,
        server.client("mx.analyst") as mexican,
    ):
        refused = analyst.post(EQUIPMENT, json=ITEM | {"unit_entity_id": SUSPENDED})
        assert refused.status_code == 403
        assert "is suspended in Leahy vetting" in refused.json()["error"]["message"]
        made = analyst.post(EQUIPMENT, json=ITEM)
        assert made.status_code == 201, made.text
        item = made.json()
        assert (item["overdue"], item["type_label"], item["value_usd"]) == (
            True,
            "helicopter",
            "21000000.00",
        )
        hidden = analyst.post(EQUIPMENT, json=ITEM | {"markings": USA_ONLY}).json()["id"]
        moved = analyst.post(
            f"{EQUIPMENT}/{item['id']}/custody",
            json={"holder_unit_entity_id": SUSPENDED, "from_date": date.today().isoformat()},
        )
        assert moved.status_code == 403
        checked = analyst.post(
            f"{EQUIPMENT}/{item['id']}/checks",
            json={
                "checked_on": date.today().isoformat(),
                "kind": "blue_lantern_postshipment",
                "result": "discrepancy",
                "scheduled": False,
                "discrepancy": "Tail number repainted",
            },
            headers=ES,
        )
        assert checked.status_code == 201, checked.text
        body = checked.json()
        assert (body["overdue"], body["discrepancies"]) == (False, 1)
        assert body["checks"][0]["kind_label"] == "verificación Blue Lantern posterior al envío"
        assert body["type_label"] == "helicóptero"
        bad = analyst.post(f"{EQUIPMENT}/{item['id']}/checks", json={"checked_on": "x"})
        assert bad.status_code == 422
        assert [
            i["id"] for i in analyst.get(EQUIPMENT, params={"overdue": True}).json()["items"]
        ] == [hidden]
        listed = mexican.get(EQUIPMENT).json()
        assert ([i["id"] for i in listed["items"]], listed["total"]) == ([item["id"]], 1)
        assert mexican.get(EQUIPMENT, params={"overdue": True}).json()["total"] == 0
        check = {"checked_on": date.today().isoformat(), "kind": "routine", "result": "verified"}
        for path, method, payload in (
            ("", "get", None),
            ("/checks", "post", check),
            ("/custody", "post", {"holder_unit_entity_id": UNIT, "from_date": START}),
        ):
            kwargs = {"json": payload} if payload else {}
            ours = getattr(mexican, method)(f"{EQUIPMENT}/{hidden}{path}", **kwargs)
            theirs = getattr(mexican, method)(f"{EQUIPMENT}/{MISSING}{path}", **kwargs)
            assert ours.status_code == 404
            assert (ours.status_code, ours.text) == (theirs.status_code, theirs.text)
