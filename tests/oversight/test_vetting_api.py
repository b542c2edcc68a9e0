"""/api/v1/oversight/vetting over real HTTP, on both backends: a request screened at
creation, decisions and their history, filters and cursors, bad input answered 422 naming
the field in the reader's language, and hidden requests changing nothing a reader sees."""

from __future__ import annotations

import httpx
from test_vetting import UNIT, add_unit_and_vetter

from vinculo.pagination import encode_key

from conftest import LiveServer
from worlds import World

PATH = "/api/v1/oversight/vetting"
BODY: dict[str, object] = {
    "subject_kind": "unit",
    "subject_entity_id": UNIT,
    "purpose": "training",
    "programme_officer": "J. Smith, INL Mexico City",
    "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
}
PERSON: dict[str, object] = BODY | {
    "subject_kind": "person",
    "subject_entity_id": None,
    "subject_name": "Walter Quinn",
    "purpose": "disbursement",
}


def walk(client: httpx.Client, **params: object) -> list[str]:
    found: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        answer = client.get(PATH, params=query)
        assert answer.status_code == 200, answer.text
        found += [item["id"] for item in answer.json()["items"]]
        cursor = answer.json()["next_cursor"]
        if not cursor:
            return found


def test_request_screen_decide_and_list(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as analyst,
        server.client("us.vetter") as vetter,
        server.client("mx.analyst") as mexican,
    ):
        unit = analyst.post(PATH, json=BODY)
        assert unit.status_code == 201, unit.text
        body = unit.json()
        assert (body["status"], body["subject_name"]) == ("pending", "27 Batallón de Infantería")
        person = analyst.post(PATH, json=PERSON).json()
        # Screened at creation, against what the requester sees.
        assert [h["entity_id"] for h in person["hits"]] == ["per-dea_strict"]
        assert person["hits"][0]["schema"] == "Person" and person["hits"][0]["score"] > 0.5
        assert mexican.get(f"{PATH}/{person['id']}").json()["hits"] == []
        path = f"{PATH}/{body['id']}/decision"
        refused = analyst.post(path, json={"status": "approved", "reason": "x"})
        assert refused.status_code == 403
        approval = {"status": "approved", "reason": "Nothing found", "valid_until": "2099-12-31"}
        assert vetter.post(path, json=approval).status_code == 200
        suspended = vetter.post(
            path,
            json={
                "status": "suspended",
                "reason": "Credible allegation of torture",
                "duty_to_inform": "Government of Mexico informed through the embassy",
                "remediation": "Investigation by the FGR; retraining",
            },
        )
        assert suspended.status_code == 200, suspended.text
        spanish = mexican.get(f"{PATH}/{body['id']}", headers={"Accept-Language": "es"}).json()
        assert (spanish["status_label"], spanish["purpose_label"]) == (
            "suspendido",
            "plaza de capacitación",
        )
        steps = [(h["to_status"], h["actor"]) for h in spanish["history"]]
        assert steps == [("approved", "us.vetter"), ("suspended", "us.vetter")]
        assert spanish["history"][1]["duty_to_inform"].startswith("Government of Mexico")
        assert walk(mexican) == [person["id"], body["id"]]
        assert walk(mexican, status="suspended") == [body["id"]]
        assert walk(mexican, purpose="disbursement") == [person["id"]]
        assert walk(mexican, subject=UNIT) == [body["id"]]
        assert walk(mexican, subject="Walter Quinn") == [person["id"]]
        stale = mexican.get(PATH, params={"cursor": encode_key("0123456789abcdef")})
        assert stale.status_code == 422 and stale.json()["error"]["field"] == "cursor"


def test_bad_input_is_422_naming_the_field(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as analyst,
        server.client("us.vetter") as vetter,
    ):
        bad = analyst.post(
            PATH, json=BODY | {"purpose": "bribe"}, headers={"Accept-Language": "es"}
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["field"] == "purpose"
        assert "propósito de verificación desconocido bribe" in bad.json()["error"]["message"]
        missing = analyst.post(PATH, json={"purpose": "training"})
        assert missing.status_code == 422
        made = analyst.post(PATH, json=BODY).json()
        no_end = vetter.post(
            f"{PATH}/{made['id']}/decision", json={"status": "approved", "reason": "ok"}
        )
        assert no_end.status_code == 422 and no_end.json()["error"]["field"] == "valid_until"
        status = analyst.get(PATH, params={"status": "lost"})
        assert status.status_code == 422 and status.json()["error"]["field"] == "status"
        assert analyst.get(PATH).json()["total"] == 1


def test_hidden_requests_change_nothing_a_mexican_reader_observes(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.analyst") as writer,
        server.client("us.vetter") as vetter,
        server.client("mx.analyst") as reader,
    ):

        def observe() -> dict[str, tuple[int, str]]:
            seen: dict[str, tuple[int, str]] = {}
            for params in (
                {},
                {"subject": UNIT},
                {"status": "suspended"},
                {"purpose": "equipment"},
                {"cursor": encode_key("0123456789abcdef")},
            ):
                answer = reader.get(PATH, params=params)
                seen[str(params)] = (answer.status_code, answer.text)
            missing = reader.get(f"{PATH}/0123456789abcdef")
            seen["missing"] = (missing.status_code, missing.text)
            return seen

        shown = writer.post(PATH, json=BODY).json()
        shown_seen = reader.get(f"{PATH}/{shown['id']}").json()
        before = observe()
        hidden = []
        for markings in (
            {"tlp": "GREEN", "rel_to": ["USA"]},
            {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["us.vetter"]},
            {"tlp": "AMBER+STRICT", "rel_to": ["USA", "MEX"]},
        ):
            made = writer.post(
                PATH, json=BODY | {"purpose": "equipment", "markings": markings}
            ).json()
            decided = vetter.post(
                f"{PATH}/{made['id']}/decision", json={"status": "suspended", "reason": "x"}
            )
            assert decided.status_code == 200, decided.text
            hidden.append(made["id"])
        assert observe() == before
        assert reader.get(f"{PATH}/{shown['id']}").json() == shown_seen
        for request_id in hidden:
            ours = reader.get(f"{PATH}/{request_id}")
            assert (ours.status_code, ours.text) == before["missing"]
            cursor = reader.get(PATH, params={"cursor": encode_key(request_id)})
            assert (cursor.status_code, cursor.text) == before[
                str({"cursor": encode_key("0123456789abcdef")})
            ]
