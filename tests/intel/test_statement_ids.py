"""The same fact asserted under other markings is another statement: nothing one analyst
imports is absorbed by, or moves, a statement they may not see."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from vinculo.intel.ftm import statement_key
from vinculo.security.markings import Markings

from conftest import LiveServer
from worlds import World

LINE = json.dumps(
    {"id": "per-collide", "schema": "Person", "properties": {"name": ["Aurelio Campos Ibarra"]}}
)


@pytest.fixture
def server(fresh_world: World) -> Iterator[LiveServer]:
    with LiveServer(fresh_world.store.settings) as live:
        yield live


def _import(client: httpx.Client, markings: dict[str, object]) -> None:
    response = client.post(
        "/api/v1/entities/import",
        files={"file": ("people.jsonl", LINE.encode(), "application/x-ndjson")},
        data={"source": "wiretap-2026", "markings": json.dumps(markings)},
    )
    assert response.status_code == 200, response.text


def _statements(client: httpx.Client) -> list[dict[str, object]]:
    response = client.get("/api/v1/entities/per-collide")
    assert response.status_code == 200, response.text
    statements: list[dict[str, object]] = response.json()["statements"]
    return statements


def test_a_repeat_under_other_markings_is_its_own_statement(server: LiveServer) -> None:
    with server.client("us.analyst") as us:
        _import(us, {"tlp": "GREEN", "rel_to": ["USA"]})
        before = _statements(us)
    with server.client("mx.analyst") as mx:
        _import(mx, {"tlp": "GREEN", "rel_to": ["USA", "MEX"]})
        entity = mx.get("/api/v1/entities/per-collide")
        assert entity.status_code == 200, entity.text
        assert entity.json()["properties"]["name"] == ["Aurelio Campos Ibarra"]
        mine = entity.json()["statements"]
        assert {s["markings"]["originator"] for s in mine} == {"FGR"}  # type: ignore[index]
    with server.client("us.analyst") as us:
        after = _statements(us)
    # The U.S. rows are as they were; the Mexican ones stand beside them.
    assert [s for s in after if s["id"] in {b["id"] for b in before}] == before
    assert len(after) == 2 * len(before)
    assert {s["id"] for s in mine} == {s["id"] for s in after} - {s["id"] for s in before}


def test_the_key_holds_the_markings() -> None:
    dea = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA"]).signature()
    fgr = Markings.create(tlp="GREEN", originator="FGR", rel_to=["USA"]).signature()
    keys = {statement_key("src", "per-1", "name", "Ana", m) for m in (dea, fgr)}
    assert len(keys) == 2
    assert all(len(k) == 40 for k in keys)
