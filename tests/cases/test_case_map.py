"""The case map through the service and over HTTP: only what the reader may see is drawn,
each feature with its marking; a hidden address changes no count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from map_world import MapWorld, build_map_world
from sqlalchemy.orm import Session

from vinculo.cases import map as case_map
from vinculo.cases import map_views, marked
from vinculo.cases.map import MapData
from vinculo.cases.operation_models import CaseOperation
from vinculo.db import transaction
from vinculo.errors import NotFound

from conftest import BACKENDS, LiveServer, make_store
from worlds import build_world

US_ONLY = {"adr-usa1", "adr-usa2"}


@pytest.fixture(scope="module", params=BACKENDS)
def mw(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MapWorld]:
    for store in make_store(request.param, Path(tmp_path_factory.mktemp("map")), demo=True):
        yield build_map_world(build_world(store))


def _map(mw: MapWorld, username: str, case_id: str | None = None) -> MapData:
    with transaction(mw.world.store.sessions) as session:
        who = marked.actor_again(session=session, actor=mw.world.actors[username])
        if case_id is None:
            return case_map.cases_map(session=session, actor=who)
        return case_map.case_map(session=session, actor=who, case_id=case_id)


def _ids(data: MapData, layer: str) -> set[str]:
    return {f.id for f in data.features if f.layer == layer}


def test_each_analyst_is_drawn_only_what_they_may_see(mw: MapWorld) -> None:
    us = _map(mw, "us.analyst", mw.case_id)
    mx = _map(mw, "mx.analyst", mw.case_id)
    assert _ids(us, "address") == {"adr-map1", "adr-usa1", "adr-usa2"}
    assert _ids(mx, "address") == {"adr-map1"}
    assert mx.counts()["address"] == 1 and us.counts()["address"] == 3
    # The crossing at a port with no coordinates of its own is placed at the port.
    for data in (us, mx):
        (crossing,) = [f for f in data.features if f.layer == "crossing"]
        assert crossing.id == "trp-map1" and crossing.subjects == ["Hilario Cota Ruiz"]
        assert (crossing.lat, crossing.lon) == (31.3312, -110.9712)
        assert crossing.path == [(-110.942, 31.3044), (-110.9712, 31.3312)]
        assert crossing.date == "2026-09-18"
        unplaced = {f.label for f in data.unplaced}
        assert unplaced == {
            "Rancho El Álamo, Caborca, Sonora",
            "Calle Sin Número, Magdalena de Kino, Sonora",
        }
    # Every feature drawn from data names its markings; mx.analyst's only the shared ones.
    for f in mx.features:
        if f.layer == "port":
            assert f.markings == []
        else:
            assert [sorted(m.rel_to) for m in f.markings] == [["MEX", "USA"]], f.id
    # What ties an address to its subject counts: the U.S.-only link to adr-usa1 is named.
    (usa1,) = [f for f in us.features if f.id == "adr-usa1"]
    assert sorted(m.rel_to for m in usa1.markings) == [
        frozenset({"USA"}),
        frozenset({"MEX", "USA"}),
    ]
    text = json.dumps(case_map.map_read(mx, "ref").model_dump(mode="json"))
    for secret in (*US_ONLY, "Phoenix", "Tucson, AZ", "Dwayne", "per-usa2"):
        assert secret not in text
    assert case_map.map_read(us, "ref").banner == "TLP:GREEN // REL TO USA"


def test_the_map_of_every_case_and_a_hidden_case(mw: MapWorld) -> None:
    assert _ids(_map(mw, "mx.analyst"), "address") == {"adr-map1"}
    assert _ids(_map(mw, "us.analyst"), "address") == {"adr-map1", "adr-usa1", "adr-usa2"}
    with pytest.raises(NotFound) as hidden:
        _map(mw, "mx.analyst", mw.hidden_case_id)
    with pytest.raises(NotFound) as missing:
        _map(mw, "mx.analyst", "0" * 16)
    assert hidden.value.render("es") == missing.value.render("es")
    assert len(_ids(_map(mw, "us.analyst"), "port")) == len(case_map.ports()) >= 10


def _operation(session: Session, op_id: str, case_id: str, lat: float, lon: float) -> None:
    session.add(
        CaseOperation(
            id=op_id,
            case_id=case_id,
            kind="search_warrant",
            agency="DEA",
            latitude=lat,
            longitude=lon,
            radius_m=800.0,
            time_zone="America/Phoenix",
            starts_at=datetime(2026, 12, 10, 13, 0),
            ends_at=datetime(2026, 12, 10, 17, 0),
            registered_by="us.analyst",
            contact_name="Ana Ruiz",
            contact_agency="DEA",
            contact_phone="+1 602 555 0100",
        )
    )


def test_planned_operations_are_drawn_under_their_cases_marking(mw: MapWorld) -> None:
    with transaction(mw.world.store.sessions) as session:
        _operation(session, "op-map-shared", mw.case_id, 31.31, -110.94)
        _operation(session, "op-map-hidden", mw.hidden_case_id, 32.22, -110.97)
    us, mx = _map(mw, "us.analyst"), _map(mw, "mx.analyst")
    assert _ids(us, "operation") == {"op-map-shared", "op-map-hidden"}
    assert _ids(mx, "operation") == {"op-map-shared"} and mx.counts()["operation"] == 1
    (op,) = [f for f in mx.features if f.layer == "operation"]
    assert op.radius_m == 800.0 and (op.lat, op.lon) == (31.31, -110.94)
    # The window in the place's own time zone (Arizona keeps UTC-7 all year).
    assert op.date == "2026-12-10T06:00-07:00/2026-12-10T10:00-07:00"
    assert op.detail == "America/Phoenix"
    shown = {loc: map_views.when(op, loc) for loc in ("en", "es")}
    assert shown["en"].startswith("12/10/26, 6:00") and shown["en"].endswith("(America/Phoenix)")
    assert shown["es"].startswith("10/12/26, 6:00"), shown
    assert op.label.startswith("Search warrant")
    assert [m.groups for m in op.markings] and all(m.tlp.value == "AMBER" for m in op.markings)
    read = case_map.map_read(mx, "ref")
    assert read.layers == ["port", "address", "crossing", "operation"]
    assert "op-map-hidden" not in json.dumps(read.model_dump(mode="json"))


def test_the_map_over_http(mw: MapWorld) -> None:
    with (
        LiveServer(mw.world.store.settings) as server,
        server.client("us.analyst") as us,
        server.client("mx.analyst") as mx,
    ):
        path = f"/api/v1/cases/{mw.case_id}/map"
        for client, expected in ((us, 3), (mx, 1)):
            answer = client.get(path)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["counts"]["address"] == expected
            assert all(f["banner"] for f in body["features"])
            assert client.get("/api/v1/map").json()["counts"]["address"] == expected
        for secret in US_ONLY:
            assert secret not in mx.get(path).text and secret not in mx.get("/api/v1/map").text
        hidden = mx.get(f"/api/v1/cases/{mw.hidden_case_id}/map")
        missing = mx.get("/api/v1/cases/0123456789abcdef/map")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(mw.hidden_case_id, "ID") == missing.text.replace(
            "0123456789abcdef", "ID"
        )
