"""The REST API over real HTTP on loopback: route by route, what each analyst can reach."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from conftest import LiveServer
from worlds import SEES, World


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    with LiveServer(world.store.settings) as live:
        yield live


@pytest.fixture
def fresh_server(fresh_world: World) -> Iterator[LiveServer]:
    """A server over a world of its own, for tests that write."""
    with LiveServer(fresh_world.store.settings) as live:
        yield live


def all_pages(client: httpx.Client, path: str, **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        query = dict(params, limit=2) | ({"cursor": cursor} if cursor else {})
        body = client.get(path, params=query).raise_for_status().json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_health_and_openapi(server: LiveServer) -> None:
    with server.client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/reports",
        "/api/v1/reports/{report_id}",
        "/api/v1/entities",
        "/api/v1/entities/{entity_id}",
        "/api/v1/entities/import",
        "/api/v1/search",
    ]:
        assert path in paths


def test_api_needs_a_token(server: LiveServer, world: World) -> None:
    with server.client() as client:
        assert client.get("/api/v1/reports").status_code == 401
        assert client.get(f"/api/v1/reports/{world.reports['shared']}").status_code == 401
        bad = client.post("/api/v1/auth/token", data={"username": "mx.analyst", "password": "x"})
        assert bad.status_code == 401
        client.headers["Authorization"] = "Bearer forged"
        assert client.get("/api/v1/reports").status_code == 401


@pytest.mark.parametrize("username", sorted(SEES))
def test_report_routes_give_exactly_the_visible(
    server: LiveServer, world: World, username: str
) -> None:
    by_id = {v: k for k, v in world.reports.items()}
    with server.client(username) as client:
        listed = {by_id[item["id"]] for item in all_pages(client, "/api/v1/reports")}
        assert listed == SEES[username]
        missing = client.get("/api/v1/reports/does-not-exist")
        assert missing.status_code == 404
        for key, report_id in world.reports.items():
            response = client.get(f"/api/v1/reports/{report_id}")
            if key in SEES[username]:
                assert response.status_code == 200
                assert response.json()["title_en"] == world.titles[key]
            else:
                assert response.status_code == 404
                assert response.json()["detail"] == missing.json()["detail"]


def test_mx_analyst_cannot_reach_usa_only_statements_by_any_route(
    server: LiveServer, world: World
) -> None:
    """The REL TO USA report and its statements, tried through every API route."""
    secret_title = world.titles["usa_only"]
    secret_values = ["Tío Pancho", "1979-04-12"]
    report_id = world.reports["usa_only"]
    with server.client("mx.analyst") as client:
        answers = [
            client.get(f"/api/v1/reports/{report_id}"),
            client.get("/api/v1/reports", params={"limit": 200}),
            client.get("/api/v1/entities/per-0001"),
            client.get("/api/v1/entities", params={"limit": 200}),
            client.get("/api/v1/entities", params={"q": "pancho"}),
            client.get("/api/v1/search", params={"q": "Phoenix"}),
            client.get("/api/v1/search", params={"q": "tio pancho"}),
            client.get("/api/v1/search", params={"q": "garcia"}),
        ]
        assert answers[0].status_code == 404
        for answer in answers:
            text = answer.text
            assert secret_title not in text and report_id not in text
            for value in secret_values:
                assert value not in text
        assert client.get("/api/v1/search", params={"q": "Phoenix"}).json()["items"] == []
        entity = client.get("/api/v1/entities/per-0001").json()
        assert "alias" not in entity["properties"]
    with server.client("us.analyst") as client:
        entity = client.get("/api/v1/entities/per-0001").json()
        assert entity["properties"]["alias"] == ["Tío Pancho"]
        hits = client.get("/api/v1/search", params={"q": "Phoenix"}).json()["items"]
        assert [h["id"] for h in hits] == [report_id]


def test_search_is_accent_and_case_insensitive(server: LiveServer, world: World) -> None:
    with server.client("mx.analyst") as client:
        for query in ["garcia", "GARCÍA", "García López", "jose angel"]:
            found = client.get("/api/v1/search", params={"q": query, "kind": "entities"})
            assert [h["id"] for h in found.json()["items"]] == ["per-0001"], query
        spanish = client.get("/api/v1/search", params={"q": "culiacan"}).json()["items"]
        assert [h["id"] for h in spanish] == [world.reports["fgr_amber"]]


def test_create_report_then_read_it_back(fresh_server: LiveServer) -> None:
    report = {
        "title_es": "Entrega de precursores en Manzanillo",
        "body_es": "Se observó la descarga de precursores químicos.",
        "reliability": "B",
        "credibility": 3,
        "predicate": "precursor_diversion",
        "suspicion": "El importador recibe precursores sin permiso sanitario.",
        "attest_no_protected_views": True,
        "review_by": "2027-09-01",
        "markings": {"tlp": "GREEN", "rel_to": ["MEX"]},
        "entities": [{"schema": "Company", "properties": {"name": ["Químicos del Pacífico SA"]}}],
    }
    with fresh_server.client("mx.analyst") as client:
        created = client.post("/api/v1/reports", json=report)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["markings"]["banner"] == "TLP:GREEN // REL TO MEX"
        assert body["agency"] == "FGR" and len(body["entity_ids"]) == 1
        assert client.get(f"/api/v1/reports/{body['id']}").status_code == 200
    with fresh_server.client("us.analyst") as client:
        assert client.get(f"/api/v1/reports/{body['id']}").status_code == 404
        assert client.get(f"/api/v1/entities/{body['entity_ids'][0]}").status_code == 404


def test_bad_report_is_refused_in_the_readers_language(server: LiveServer) -> None:
    report = {
        "title_en": "x",
        "body_en": "y",
        "reliability": "Q",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "suspicion": "Subjects linked to sales.",
        "attest_no_protected_views": True,
        "review_by": "2027-01-01",
        "markings": {"tlp": "GREEN"},
    }
    with server.client("us.analyst") as client:
        english = client.post("/api/v1/reports", json=report)
        spanish = client.post("/api/v1/reports", json=report, headers={"Accept-Language": "es-MX"})
    assert english.status_code == spanish.status_code == 422
    assert english.json()["errors"][0]["field"] == "reliability"
    assert english.json()["detail"] != spanish.json()["detail"]


def test_import_over_the_api_is_all_or_nothing(fresh_server: LiveServer) -> None:
    good = json.dumps({"id": "imp-1", "schema": "Person", "properties": {"name": ["Ana Ríos"]}})
    bad = json.dumps({"id": "imp-2", "schema": "Person", "properties": {"birthDate": ["nope"]}})
    markings = json.dumps({"tlp": "GREEN", "rel_to": ["USA", "MEX"]})
    with fresh_server.client("us.analyst") as client:
        refused = client.post(
            "/api/v1/entities/import",
            files={"file": ("people.jsonl", f"{good}\n{bad}\n")},
            data={"source": "test-import", "markings": markings},
        )
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert (error["file"], error["line"], error["field"]) == (
            "people.jsonl",
            2,
            "properties.birthDate",
        )
        assert client.get("/api/v1/entities/imp-1").status_code == 404
        accepted = client.post(
            "/api/v1/entities/import",
            files={"file": ("people.jsonl", f"{good}\n")},
            data={"source": "test-import", "markings": markings},
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["statements"] == 2
    with fresh_server.client("mx.analyst") as client:
        assert client.get("/api/v1/entities/imp-1").json()["caption"] == "Ana Ríos"
