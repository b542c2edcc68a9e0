"""/api/v1/oversight/allegations over real HTTP, on both backends: filing, reading, the
status history, filters and cursors, and bad input answered 422 naming the field in the
reader's language."""

from __future__ import annotations

import httpx
from monitors import add_monitors

from vinculo.pagination import encode_key

from conftest import LiveServer
from worlds import World

PATH = "/api/v1/oversight/allegations"
BODY: dict[str, object] = {
    "summary_en": "Two men taken from their home by uniformed men, not seen since",
    "summary_es": "Dos hombres sacados de su casa por uniformados, sin paradero",
    "occurred_from": "2023-11-04",
    "state": "Tamaulipas",
    "municipality": "Nuevo Laredo",
    "violations": ["enforced_disappearance"],
    "sources": [{"description": "Family's complaint", "reliability": "B", "credibility": 2}],
    "parties": [{"role": "victim", "name": "Joaquín Pérez Duarte", "details": "Mechanic"}],
    "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
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


def test_file_read_triage_and_list(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.monitor") as monitor,
        server.client("us.analyst") as analyst,
    ):
        made = monitor.post(PATH, json=BODY)
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["status"] == "reported" and body["occurred_to"] == "2023-11-04"
        assert body["violations"] == [
            {"code": "enforced_disappearance", "label": "Enforced disappearance"}
        ]
        assert [p["name"] for p in body["parties"]] == ["Joaquín Pérez Duarte"]
        other = monitor.post(PATH, json=BODY | {"violations": ["torture"], "parties": []})
        assert other.status_code == 201
        path = f"{PATH}/{body['id']}"
        spanish = analyst.get(path, headers={"Accept-Language": "es"}).json()
        assert spanish["status_label"] == "Denunciada"
        assert spanish["violations"][0]["label"] == "Desaparición forzada"
        assert spanish["parties"] == []  # us.analyst is not a monitor
        review = analyst.post(f"{path}/status", json={"status": "under_review"})
        assert review.status_code == 200, review.text
        decided = monitor.post(
            f"{path}/status", json={"status": "credible", "reason": "Consistent testimony"}
        )
        steps = [(h["from_status"], h["to_status"], h["actor"]) for h in decided.json()["history"]]
        assert steps == [
            (None, "reported", "mx.monitor"),
            ("reported", "under_review", "us.analyst"),
            ("under_review", "credible", "mx.monitor"),
        ]
        assert walk(analyst) == [other.json()["id"], body["id"]]
        assert walk(analyst, status="credible") == [body["id"]]
        assert walk(analyst, violation="torture") == [other.json()["id"]]
        assert analyst.get(PATH).json()["total"] == 2
        stale = analyst.get(PATH, params={"cursor": encode_key("0123456789abcdef")})
        assert stale.status_code == 422 and stale.json()["error"]["field"] == "cursor"


def test_bad_input_is_422_naming_the_field_in_the_readers_language(fresh_world: World) -> None:
    add_monitors(fresh_world)
    spanish = {"Accept-Language": "es"}
    with LiveServer(fresh_world.store.settings) as server, server.client("mx.monitor") as client:
        wrong = client.post(
            PATH,
            json=BODY | {"violations": ["torture", "jaywalking"], "latitude": 19.4},
            headers=spanish,
        )
        assert wrong.status_code == 422
        errors = {e["field"]: e["message"] for e in wrong.json()["errors"]}
        assert set(errors) == {"longitude", "violations"}
        assert "violación desconocida jaywalking" in errors["violations"]
        shape = client.post(PATH, json=BODY | {"occurred_from": "yesterday"}, headers=spanish)
        assert shape.status_code == 422
        assert shape.json()["errors"][0]["field"] == "occurred_from"
        party = client.post(
            PATH,
            json=BODY
            | {"parties": [{"role": "victim", "name": "X", "markings": {"tlp": "AMBER"}}]},
        )
        assert party.json()["errors"][0]["field"] == "parties.0.markings.groups"
        listed = client.get(PATH, params={"status": "closed"}, headers=spanish)
        assert listed.status_code == 422 and listed.json()["error"]["field"] == "status"
        assert "estado de acusación desconocido" in listed.json()["detail"]
        # Nothing was stored by any of them.
        assert client.get(PATH).json()["total"] == 0


def test_an_auditor_may_not_file_and_the_public_gets_401(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with LiveServer(fresh_world.store.settings) as server:
        with server.client("mx.auditor") as auditor:
            refused = auditor.post(PATH, json=BODY, headers={"Accept-Language": "es"})
            assert refused.status_code == 403
            assert refused.json()["error"]["field"] == "role"
            assert "acusaciones" in refused.json()["detail"]
        with server.client() as public:
            assert public.get(PATH).status_code == 401
            assert public.post(PATH, json=BODY).status_code == 401
