"""A purged item leaves the TAXII server for good: its revocation holds nothing of it and
carries the markings of the version it revokes, so a reader who could not see the item sees
nothing of it afterwards, on no endpoint and no stream; its earlier versions are gone from
the store, whose table holds none of the purged text."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject
from vinculo.exchange.stix import REVOKED_NAME, agency_identity_id
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, LiveServer, Store
from exchange_nodes import accounts, bilateral, file_report, node_store, publish, validate

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
TITLE = "Cartel courier ledger seized in El Paso"
ALIAS = "El Contador Purgado"
KEPT = "Courier route kept on file"
ACCOUNTS = [
    ("fbi.agent1", "FBI", ["analyst"]),
    ("fbi.supervisor", "FBI", ["supervisor", "analyst"]),
    ("us.analyst", "DEA", ["analyst"]),
    ("mx.analyst", "FGR", ["analyst"]),
]


@dataclass
class Purged:
    store: Store
    server: LiveServer
    collection: str
    report_stix: str
    entity_stix: str
    # What a listener on the stream heard while the purge happened, per reader.
    heard: dict[str, list[dict[str, str]]]


def _listen(url: str, username: str, heard: list[dict[str, str]], ready: threading.Event) -> None:
    try:
        with (
            httpx.Client(auth=(username, "demo"), timeout=30) as client,
            client.stream("GET", f"{url}/taxii2/vinculo/stream/") as stream,
        ):
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    ready.set()
                if line.startswith("data:"):
                    heard.append(json.loads(line[5:]))
    except (httpx.RemoteProtocolError, httpx.ReadError):
        # The module's server stops while the stream is still open: what was heard is kept,
        # and the thread ends quietly instead of failing whichever test runs next.
        pass


def _objects(server: LiveServer, username: str, collection: str, **params: str) -> httpx.Response:
    with httpx.Client(auth=(username, "demo"), timeout=30) as client:
        return client.get(
            f"{server.url}/taxii2/vinculo/collections/{collection}/objects/",
            params={"limit": "1000", **params},
        )


@pytest.fixture(scope="module", params=BACKENDS)
def purged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Purged]:
    directory = tmp_path_factory.mktemp("purge")
    with node_store(request.param, directory, name="us", nation="USA", partners=[MX]) as store:
        actors = accounts(store, ACCOUNTS)
        collection = bilateral(store)
        # TLP:AMBER by the FBI, shared with the DEA and SEDENA: it crosses to Mexico's node,
        # the DEA analyst sees it, the FGR analyst does not.
        marked = dict(tlp="AMBER", shared_with=("DEA", "SEDENA"), entity_id="per-ledger")
        report_id = file_report(
            store,
            actors["fbi.agent1"],
            TITLE,
            properties={"name": ["Ramiro Tejeda Ocampo"], "alias": [ALIAS]},
            **marked,  # type: ignore[arg-type]
        )
        # A second report names the same person, so the person outlives the purge.
        file_report(
            store,
            actors["fbi.agent1"],
            KEPT,
            properties={"name": ["Ramiro Tejeda Ocampo"]},
            **marked,  # type: ignore[arg-type]
        )
        publish(store)
        with store.sessions() as session:
            keys = {
                row.item_key: row.stix_id
                for row in session.execute(select(ExchangeObject.item_key, ExchangeObject.stix_id))
            }
        heard: dict[str, list[dict[str, str]]] = {"mx.analyst": [], "us.analyst": []}
        with LiveServer(store.settings) as server:
            before = _objects(server, "us.analyst", collection).text
            assert TITLE in before and ALIAS in before
            assert TITLE not in _objects(server, "mx.analyst", collection).text
            listeners = []
            for username, events in heard.items():
                ready = threading.Event()
                thread = threading.Thread(
                    target=_listen, args=(server.url, username, events, ready), daemon=True
                )
                thread.start()
                assert ready.wait(10)
                listeners.append(thread)
            with server.client("fbi.supervisor") as client:
                gone = client.delete(
                    f"/api/v1/reports/{report_id}",
                    params={"reason": "past its review date, no longer needed"},
                )
            assert gone.status_code == 200, gone.text
            publish(store)
            time.sleep(4)  # the streams poll every two seconds
            yield Purged(
                store,
                server,
                collection,
                keys[f"report:{report_id}"],
                keys["entity:per-ledger"],
                heard,
            )


def test_a_reader_who_could_not_see_it_sees_nothing_of_it(purged: Purged) -> None:
    base = f"{purged.server.url}/taxii2/vinculo/collections/{purged.collection}"
    with httpx.Client(auth=("mx.analyst", "demo"), timeout=30) as client:
        for params in ({}, {"match[version]": "all"}, {"match[version]": "first"}):
            objects = client.get(f"{base}/objects/", params={"limit": "1000", **params})
            manifest = client.get(f"{base}/manifest/", params={"limit": "1000", **params})
            for answer in (objects, manifest):
                assert answer.status_code == 200
                assert purged.report_stix not in answer.text
                assert purged.entity_stix not in answer.text
                assert TITLE not in answer.text and ALIAS not in answer.text
                # Nor what only it used: its sharing's marking definition, its agency.
                assert "SEDENA" not in answer.text
                assert agency_identity_id("FBI") not in answer.text
        for stix_id in (purged.report_stix, purged.entity_stix):
            for path in (f"{base}/objects/{stix_id}/", f"{base}/objects/{stix_id}/versions/"):
                missing = client.get(path, params={"match[version]": "all"})
                assert missing.status_code == 404, path
    assert purged.heard["mx.analyst"] == []


def test_a_reader_who_could_see_it_gets_the_bare_revocation(purged: Purged) -> None:
    base = f"{purged.server.url}/taxii2/vinculo/collections/{purged.collection}"
    everything = _objects(
        purged.server, "us.analyst", purged.collection, **{"match[version]": "all"}
    )
    assert TITLE not in everything.text and ALIAS not in everything.text
    objects = everything.json()["objects"]
    validate(objects)
    versions = [o for o in objects if o["id"] == purged.report_stix]
    assert len(versions) == 1, "the earlier versions are gone"
    revoked = versions[0]
    assert revoked["revoked"] is True and revoked["name"] == REVOKED_NAME
    assert set(revoked) == {
        "type",
        "spec_version",
        "id",
        "created",
        "modified",
        "revoked",
        "created_by_ref",
        "object_marking_refs",
        "name",
        "published",
        "object_refs",
    }
    assert revoked["object_refs"] == [revoked["created_by_ref"]]
    lang = [o for o in objects if o["type"] == "language-content"]
    assert all(o["revoked"] and o["contents"] in ({"en": {}}, {"es": {}}) for o in lang)
    # The person outlives the purge, in one version, without what the purged report said.
    people = [o for o in objects if o["id"] == purged.entity_stix]
    assert len(people) == 1 and not people[0].get("revoked")
    assert "Ramiro Tejeda Ocampo" in json.dumps(people[0], ensure_ascii=False)
    with httpx.Client(auth=("us.analyst", "demo"), timeout=30) as client:
        listed = client.get(f"{base}/objects/{purged.report_stix}/versions/").json()
        assert listed["versions"] == [revoked["modified"]]
        manifest = client.get(f"{base}/manifest/", params={"match[version]": "all"}).json()
        assert [m["version"] for m in manifest["objects"] if m["id"] == purged.report_stix] == [
            revoked["modified"]
        ]
    assert any(e["collection"] == purged.collection for e in purged.heard["us.analyst"])


def test_the_table_keeps_nothing_of_the_purged_text(purged: Purged) -> None:
    with purged.store.sessions() as session:
        rows = session.execute(select(ExchangeObject)).scalars().all()
    assert rows
    for row in rows:
        assert TITLE not in row.payload and ALIAS not in row.payload, row.stix_id
        assert "El Paso" not in row.payload
        if row.revoked:
            assert row.marking_ids, "a revocation carries the markings of what it revokes"


@pytest.mark.parametrize("backend", BACKENDS)
def test_revocations_of_an_earlier_release_are_made_bare(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A store where an earlier release wrote a revocation as a full copy with no markings:
    the publisher's next run leaves it bare, marked like what it revokes, and alone."""
    from vinculo.exchange.models import ExchangeState

    directory = tmp_path_factory.mktemp("old-revocation")
    with node_store(backend, directory, name="us", nation="USA", partners=[MX]) as store:
        actors = accounts(store, ACCOUNTS)
        bilateral(store)
        file_report(store, actors["fbi.agent1"], TITLE, tlp="AMBER", shared_with=("DEA", "SEDENA"))
        publish(store)
        with transaction(store.sessions) as session:
            last = session.execute(
                select(ExchangeObject).where(ExchangeObject.stix_type == "report")
            ).scalar_one()
            markings = last.marking_ids
            old = json.loads(last.payload) | {
                "revoked": True,
                "modified": "2030-01-01T00:00:00.000Z",
            }
            session.add(
                ExchangeObject(
                    collection_id=last.collection_id,
                    stix_id=last.stix_id,
                    stix_type="report",
                    modified=old["modified"],
                    date_added="2030-01-01T00:00:00.000000Z",
                    item_key=last.item_key,
                    marking_ids="",
                    content_hash="old",
                    revoked=True,
                    payload=json.dumps(old),
                )
            )
            state = session.get(ExchangeState, "revocations")
            assert state is not None
            session.delete(state)
        publish(store)
        with store.sessions() as session:
            rows = (
                session.execute(select(ExchangeObject).where(ExchangeObject.stix_type == "report"))
                .scalars()
                .all()
            )
        assert len(rows) == 1 and rows[0].revoked and rows[0].marking_ids == markings
        assert TITLE not in rows[0].payload
        validate([json.loads(rows[0].payload)])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_hidden_newer_version_leaves_the_readable_one_last(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A person who may have an object's first version but not its second (a statement they
    may not see joined it) gets the first as "last" and "first" alike, exactly as "all"
    shows it: nothing tells them that a newer version exists."""
    from vinculo.exchange.models import ExchangeCollection
    from vinculo.exchange.serve import Query, Reader, read_objects

    directory = tmp_path_factory.mktemp("hidden-version")
    with node_store(backend, directory, name="us", nation="USA", partners=[MX]) as store:
        actors = accounts(store, ACCOUNTS)
        collection_id = bilateral(store)
        file_report(store, actors["fbi.agent1"], "Border sighting", entity_id="per-both")
        publish(store)
        file_report(
            store,
            actors["fbi.agent1"],
            TITLE,
            tlp="AMBER",
            shared_with=("DEA", "SEDENA"),
            properties={"name": ["Subject of Border sighting"], "alias": [ALIAS]},
            entity_id="per-both",
        )
        publish(store)
        with store.sessions() as session:
            collection = session.get(ExchangeCollection, collection_id)
            assert collection is not None
            stix_id = session.execute(
                select(ExchangeObject.stix_id).where(ExchangeObject.item_key == "entity:per-both")
            ).scalar()
            assert stix_id is not None

            def versions(reader: Reader, asked: str) -> list[str]:
                q = Query(ids=[stix_id], versions=[asked])
                rows, _more = read_objects(
                    session=session,
                    settings=store.settings,
                    reader=reader,
                    collection=collection,
                    q=q,
                )
                return [r.modified for r in rows]

            mx = Reader(actor=actors["mx.analyst"])
            seen = versions(mx, "all")
            assert len(seen) == 1
            assert versions(mx, "last") == versions(mx, "first") == seen
            dea = Reader(actor=actors["us.analyst"])
            both = versions(dea, "all")
            assert len(both) == 2
            assert versions(dea, "last") == both[1:] and versions(dea, "first") == both[:1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_purge_the_reader_may_not_see_changes_no_version_they_may(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A report that never crossed names an entity whose versions the Mexican analyst reads:
    its purge deletes none of those versions and writes none."""
    from vinculo.exchange.models import ExchangeCollection
    from vinculo.exchange.serve import Query, Reader, read_objects
    from vinculo.intel.retention import purge

    directory = tmp_path_factory.mktemp("purge-unseen")
    with node_store(backend, directory, name="us", nation="USA", partners=[MX]) as store:
        actors = accounts(store, ACCOUNTS)
        collection_id = bilateral(store)
        fbi = actors["fbi.agent1"]
        file_report(
            store, fbi, "Seen once", properties={"name": ["Nora Vidal"]}, entity_id="per-seen"
        )
        publish(store)
        file_report(
            store, fbi, "Seen twice", properties={"alias": ["La Nora"]}, entity_id="per-seen"
        )
        publish(store)
        hidden = file_report(
            store,
            fbi,
            TITLE,
            rel_to=("USA",),
            properties={"alias": [ALIAS]},
            entity_id="per-seen",
        )
        publish(store)

        def versions() -> list[str]:
            with store.sessions() as session:
                collection = session.get(ExchangeCollection, collection_id)
                assert collection is not None
                rows, _more = read_objects(
                    session=session,
                    settings=store.settings,
                    reader=Reader(actor=actors["mx.analyst"]),
                    collection=collection,
                    q=Query(versions=["all"], types=["identity"]),
                )
                return [f"{r.stix_id} {r.modified}" for r in rows]

        before = versions()
        assert len(before) >= 2
        with transaction(store.sessions) as session:
            purge(
                session=session,
                actor=actors["fbi.supervisor"],
                report_id=hidden,
                reason="past its review date, no longer needed",
            )
        publish(store)
        assert versions() == before
