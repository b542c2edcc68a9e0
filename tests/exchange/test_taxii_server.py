"""The TAXII 2.1 server read by the official taxii2-client, every object valid for stix2; the
border rule held on every endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from taxii2client.v21 import Server

from vinculo.exchange.markings import TLP2_IDS, statement_id
from vinculo.exchange.stix import EXTENSION_ID
from vinculo.security.markings import TLP
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, LiveServer
from exchange_nodes import (
    BearerAuth,
    all_objects,
    bilateral,
    bilingual_report,
    file_report,
    node_store,
    partner_token,
    publish,
    validate,
)
from worlds import World, build_world

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
# What only the USA may hold: the world's "usa_only" report text and statement values.
USA_ONLY = ("Fentanyl lab supplier payments traced through Phoenix", "Tío Pancho", "1979-04-12")
NOT_TO_MEX = (
    "Confidential informant debrief Tucson",  # AMBER+STRICT DEA
    "Walter Quinn",
    "Red channel warrant preview Mexicali",  # RED
    "Octavio Lugo Ibarra",
)


@pytest.fixture(scope="module", params=BACKENDS)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, LiveServer, str, str]]:
    directory = tmp_path_factory.mktemp("us-node")
    with node_store(request.param, directory, name="us", nation="USA", partners=[MX]) as store:
        world = build_world(store)
        world.reports["bilingual"] = bilingual_report(world)
        collection_id = bilateral(store)
        publish(store)
        token = partner_token(store)
        with LiveServer(store.settings) as server:
            yield world, server, collection_id, token


def test_discovery_and_collections_through_the_official_client(node: tuple) -> None:
    _world, server, collection_id, token = node
    taxii = Server(f"{server.url}/taxii2/", auth=BearerAuth(token))
    assert taxii.title == "Vínculo us"
    root = taxii.api_roots[0]
    assert root.url == f"{server.url}/taxii2/vinculo/"
    assert "application/taxii+json;version=2.1" in root.versions
    assert [c.id for c in root.collections] == [collection_id]
    assert root.collections[0].can_read


def test_every_object_is_valid_stix_and_nothing_usa_only_crosses(node: tuple) -> None:
    world, server, collection_id, token = node
    objects = all_objects(server.url, token, collection_id)
    parsed = validate(objects)
    assert len(parsed) == len(objects) > 10
    text = json.dumps(objects, ensure_ascii=False)
    for secret in USA_ONLY + NOT_TO_MEX:
        assert secret not in text, secret
    assert world.reports["usa_only"] not in text
    reports = {
        o["extensions"][EXTENSION_ID]["report"]["id"] for o in objects if o["type"] == "report"
    }
    expected = {
        world.reports[k] for k in ("shared", "fgr_amber", "fgr_amber_dea", "sonora", "bilingual")
    }
    assert reports == expected
    # The person both reports name crosses with the statements of the shared one only.
    person = next(
        o
        for o in objects
        if o["type"] == "identity"
        and o.get("extensions", {}).get(EXTENSION_ID, {}).get("entity_id") == "per-0001"
    )
    values = {s["value"] for s in person["extensions"][EXTENSION_ID]["statements"]}
    assert values == {"per-0001", "José Ángel García López"}
    assert person["identity_class"] == "individual"
    # TLP 2.0 and REL TO on every object that carries content.
    for obj in objects:
        if obj["type"] in ("identity", "report", "language-content") and EXTENSION_ID in str(obj):
            refs = obj["object_marking_refs"]
            assert set(refs) & set(TLP2_IDS.values()), obj["id"]
            assert any(r == statement_id("REL TO MEX, USA") for r in refs), obj["id"]
    tlp_defs = {o["id"] for o in objects if o["type"] == "marking-definition"}
    assert TLP2_IDS[TLP.GREEN] in tlp_defs
    assert any(o["type"] == "extension-definition" and o["id"] == EXTENSION_ID for o in objects)


def test_spanish_text_comes_as_language_content(node: tuple) -> None:
    _world, server, collection_id, token = node
    objects = all_objects(server.url, token, collection_id, type="language-content")
    assert objects and all(o["type"] == "language-content" for o in objects)
    validate(objects)


def test_filters_versions_and_manifest(node: tuple) -> None:
    _world, server, collection_id, token = node
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"}
    base = f"{server.url}/taxii2/vinculo/collections/{collection_id}"
    with httpx.Client(headers=headers, timeout=30) as client:
        page = client.get(f"{base}/objects/", params={"limit": 3})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("application/taxii+json")
        first = page.headers["X-TAXII-Date-Added-First"]
        last = page.headers["X-TAXII-Date-Added-Last"]
        body = page.json()
        assert body["more"] is True and len(body["objects"]) == 3 and first < last
        after = client.get(f"{base}/objects/", params={"added_after": last, "limit": 1000})
        rest = after.json()["objects"]
        assert {o["id"] for o in rest}.isdisjoint({o["id"] for o in body["objects"]})
        report = next(o for o in rest + body["objects"] if o["type"] == "report")
        one = client.get(f"{base}/objects/{report['id']}/").json()
        assert [o["id"] for o in one["objects"]] == [report["id"]]
        versions = client.get(f"{base}/objects/{report['id']}/versions/").json()
        assert versions["versions"] == [report["modified"]]
        typed = client.get(f"{base}/objects/", params={"match[type]": "report"}).json()
        assert {o["type"] for o in typed["objects"]} == {"report"}
        manifest = client.get(f"{base}/manifest/", params={"match[type]": "report"}).json()
        assert {m["id"] for m in manifest["objects"]} == {o["id"] for o in typed["objects"]}
        assert all(m["media_type"].startswith("application/stix+json") for m in manifest["objects"])
        missing = client.get(f"{base}/objects/report--00000000-0000-4000-8000-000000000000/")
        assert missing.status_code == 404
        assert missing.json()["http_status"] == "404"


def test_a_hidden_object_answers_as_a_missing_one(node: tuple) -> None:
    """A person reading over HTTP Basic (demo): us.analyst sees the USA-only report's object
    only in collections served to them... and mx.analyst, nothing it may not see."""
    _world, server, collection_id, _token = node
    base = f"{server.url}/taxii2/vinculo/collections/{collection_id}"
    with httpx.Client(auth=("mx.analyst", "demo"), timeout=30) as client:
        objects = client.get(f"{base}/objects/", params={"limit": 1000})
        assert objects.status_code == 200
        text = objects.text
        for secret in USA_ONLY + NOT_TO_MEX:
            assert secret not in text
    with httpx.Client(timeout=30) as client:
        refused = client.get(f"{base}/objects/")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/taxii+json")


def test_every_serving_to_the_partner_is_a_dissemination_record(node: tuple) -> None:
    world, server, collection_id, token = node
    all_objects(server.url, token, collection_id)
    from sqlalchemy import select

    from vinculo.security.dissemination import Dissemination

    with world.store.sessions() as session:
        rows = session.execute(select(Dissemination)).scalars().all()
    sent = [r for r in rows if r.recipient == "node:mx" and r.channel == "taxii"]
    assert sent and all(r.sender == "node:us" for r in sent)
    items = set().union(*(json.loads(r.ids) for r in sent))
    assert world.reports["shared"] in items and world.reports["usa_only"] not in items


def test_the_partner_token_reads_nothing_of_the_api(node: tuple) -> None:
    _world, server, _collection_id, token = node
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        assert client.get(f"{server.url}/api/v1/reports").status_code == 403


def test_republishing_changes_nothing(node: tuple) -> None:
    world, _server, _collection_id, _token = node
    assert publish(world.store) == 0


def test_the_stream_tells_a_partner_only_of_what_it_may_receive(node: tuple) -> None:
    """A USA-only report published while the Mexican node listens: no event; a shared one:
    an event naming the collection, and the objects it announces are the shared report's."""
    world, server, collection_id, token = node
    events: list[dict[str, str]] = []
    headers = {"Authorization": f"Bearer {token}"}

    def listen() -> None:
        with (
            httpx.Client(headers=headers, timeout=30) as client,
            client.stream("GET", f"{server.url}/taxii2/vinculo/stream/") as stream,
        ):
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)
    file_report(world.store, world.actors["dea.agent1"], "Stream secret USA", rel_to=("USA",))
    time.sleep(3)
    assert events == []
    shared = file_report(world.store, world.actors["dea.agent1"], "Stream shared with Mexico")
    listener.join(timeout=10)
    assert events and events[0]["collection"] == collection_id
    base = f"{server.url}/taxii2/vinculo/collections/{collection_id}/objects/"
    with httpx.Client(headers=headers, timeout=30) as client:
        fresh = client.get(base, params={"added_after": events[0]["date_added"]}).json()
        assert "objects" not in fresh
        text = client.get(base, params={"limit": 1000, "match[type]": "report"}).text
    assert shared in text and "Stream secret USA" not in text


def test_a_partner_posts_an_envelope_through_the_official_client(node: tuple) -> None:
    """POST to a collection that accepts objects: a status resource, each object stored or
    quarantined with its reason."""
    world, server, collection_id, token = node
    from taxii2client.v21 import Collection

    from exchange_nodes import BearerAuth as Auth

    good = {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-05-01T12:00:00.000Z",
        "modified": "2026-05-01T12:00:00.000Z",
        "name": "A partner's identity",
        "identity_class": "organization",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
    }
    unknown = dict(
        good,
        id="identity--2f0b8b51-0d0c-4b5c-9f0e-9b1c1b1b1b1b",
        object_marking_refs=["marking-definition--11111111-2222-4333-8444-555555555555"],
    )
    url = f"{server.url}/taxii2/vinculo/collections/{collection_id}/"
    status = Collection(url, auth=Auth(token)).add_objects(
        {"objects": [good, unknown]}, wait_for_completion=False
    )
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (2, 1, 1)
    assert status.failures[0]["id"] == unknown["id"]
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        again = client.get(f"{server.url}/taxii2/vinculo/status/{status.id}/")
        assert again.status_code == 200 and again.json()["success_count"] == 1
    with world.store.sessions() as session:
        from sqlalchemy import select

        from vinculo.exchange.models import QuarantinedObject, ReceivedObject

        assert session.get(ReceivedObject, good["id"]).partner == "mx"
        reasons = session.execute(select(QuarantinedObject.reason)).scalars().all()
        assert "unknown marking" in reasons


def test_a_changed_password_ends_a_cached_basic_sign_in_at_once(node: tuple) -> None:
    """Demo mode's HTTP Basic sign-in is remembered for a minute, but never past a change of
    the password."""
    world, server, collection_id, _token = node
    from sqlalchemy import select

    from vinculo.db import transaction
    from vinculo.security.models import User
    from vinculo.security.passwords import hash_password

    base = f"{server.url}/taxii2/vinculo/collections/{collection_id}/objects/"
    with httpx.Client(auth=("fgr.mp1", "demo"), timeout=30) as client:
        assert client.get(base).status_code == 200
        with transaction(world.store.sessions) as session:
            user = session.execute(select(User).where(User.username == "fgr.mp1")).scalar_one()
            user.password_hash = hash_password("a-new-long-Passphrase-42")
        assert client.get(base).status_code == 401
