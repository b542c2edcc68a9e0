"""What a partner sends again keeps its place. A crime topic a reader may not see makes an
organisation's `identity` a `threat-actor` for the partner node: the source writes the new
object and then revokes the old one, whose versions stay. However the partner pulls them —
before the topic and after, or once, in pages of any size — it keeps the organisation where
it first came (its statements' rows), before the person named beside it, as without the
topic; before, it stored the organisation after the person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from vinculo.db import transaction
from vinculo.exchange.ingest import Ingest
from vinculo.exchange.stix import Scope, StatementIn, entity_object, revoked_object
from vinculo.intel.models import Report
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.intel.service import list_entities, report_entity_ids
from vinculo.security.markings import Actor, Markings
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, LiveServer, Store
from exchange_nodes import accounts, all_objects, bilateral, node_store, partner_token, publish
from worlds import file_report

GREEN = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"])
AMBER = Markings.create(tlp="AMBER", originator="SEDENA", rel_to=["USA", "MEX"])
FILED = datetime(2026, 12, 3, 14, 0, 0)
TOPIC = datetime(2026, 12, 3, 15, 0, 0)


US = [PartnerConfig(name="us", nation="USA", account="node.us")]
NAME = "Transportes del Norte"


@pytest.fixture(params=BACKENDS)
def receiver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with node_store(request.param, tmp_path, name="mx", nation="MEX", partners=US) as store:
        yield store


def _row(
    entity_id: str, schema: str, prop: str, value: str, seen: datetime, m: Markings
) -> StatementIn:
    return StatementIn(
        id=f"s-{entity_id}-{prop}-{value}",
        entity_id=entity_id,
        schema=schema,
        prop=prop,
        prop_type={"id": "id", "topics": "topic"}.get(prop, "name"),
        value=value,
        lang=None,
        original_value=None,
        dataset="report:abcdef0123456789" if m is GREEN else "src-b",
        report_id=None,
        first_seen=seen,
        last_seen=seen,
        marking_id=1 if m is GREEN else 2,
        markings=m,
    )


def _organisation(*, topic: bool) -> dict:
    rows = [
        _row("org-0", "Organization", "id", "org-0", FILED, GREEN),
        _row("org-0", "Organization", "name", "Transportes del Norte", FILED, GREEN),
    ]
    if topic:
        rows.append(_row("org-0", "Organization", "topics", "crime.traffick.drug", TOPIC, AMBER))
    return entity_object(Scope("us", "c1"), "org-0", rows, {})


def _person() -> dict:
    rows = [
        _row("per-2", "Person", "id", "per-2", FILED, GREEN),
        _row("per-2", "Person", "name", "Juan Pérez Soto", FILED, GREEN),
    ]
    return entity_object(Scope("us", "c1"), "per-2", rows, {})


def _receive(store: Store, objects: list[dict]) -> None:
    with transaction(store.sessions) as session:
        ingest = Ingest(session=session, settings=store.settings, partner="us", collection_id="c1")
        outcome = ingest.objects(objects)
        assert outcome.quarantined == 0, outcome.failures


def _places(store: Store) -> dict[tuple[str, str, str], int]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT seq, entity_id, prop, value FROM statements"))
        return {(r.entity_id, r.prop, r.value): r.seq for r in rows}


def test_an_entity_sent_again_under_another_stix_type_keeps_its_place(receiver: Store) -> None:
    identity = _organisation(topic=False)
    assert identity["type"] == "identity"
    _receive(receiver, [identity, _person()])
    before = _places(receiver)
    threat_actor = _organisation(topic=True)
    assert threat_actor["type"] == "threat-actor"
    revoked = revoked_object(identity, "2026-12-03T15:00:00.000Z", identity["object_marking_refs"])
    _receive(receiver, [revoked, threat_actor])
    after = _places(receiver)
    assert {k: after[k] for k in before} == before
    assert (
        after[("org-0", "topics", "crime.traffick.drug")]
        > before[("per-2", "name", "Juan Pérez Soto")]
    )


# --- the publisher and the partner together ---------------------------------------------------

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
US_ACCOUNTS = [("dea.agent1", "DEA", ["analyst"]), ("mx.peer", "SEDENA", ["analyst"])]
ORG, PERSON = "org-0", "per-2"


def _file(store: Store, actor: Actor, title: str, tlp: str, entities: list[EntityIn]) -> None:
    markings = MarkingsIn(tlp=tlp, rel_to=["USA", "MEX"])
    file_report(
        store, actor, title, markings, entities, body=f"{title}. Observed by the field team."
    )


def _sent(directory: Path, backend: str, *, topic: bool) -> list[list[dict[str, Any]]]:
    """What the U.S. node serves the Mexican node, pulled before the crime topic and after
    it: a DEA report on an organisation and a person, published; then (`topic`) a SEDENA
    crime topic on the organisation, TLP:AMBER, which crosses and which an FGR analyst may
    not read, published on its own."""
    with node_store(backend, directory, name="us", nation="USA", partners=[MX]) as store:
        actors = accounts(store, US_ACCOUNTS)
        collection = bilateral(store)
        _file(
            store,
            actors["dea.agent1"],
            "A trucking company and its driver",
            "GREEN",
            [
                EntityIn(id=ORG, schema="Organization", properties={"name": [NAME]}),
                EntityIn(id=PERSON, schema="Person", properties={"name": ["Juan Pérez Soto"]}),
            ],
        )
        publish(store)
        token = partner_token(store)
        with LiveServer(store.settings) as server:
            first = all_objects(server.url, token, collection, version="all")
            if topic:
                _file(
                    store,
                    actors["mx.peer"],
                    "SEDENA: the trucking company works for a cartel",
                    "AMBER",
                    [
                        EntityIn(
                            id=ORG,
                            schema="Organization",
                            properties={"name": [NAME], "topics": ["crime.traffick.drug"]},
                        )
                    ],
                )
            publish(store)
            every = all_objects(server.url, token, collection, version="all")
    if topic:
        assert "threat-actor" in {o["type"] for o in every}
    return [first, every[len(first) :]]


def _pages(objects: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [objects[start : start + size] for start in range(0, len(objects), size)] or [[]]


def _mx_order(store: Store, pulls: list[list[list[dict[str, Any]]]]) -> tuple[list[str], ...]:
    """Stored page by page, in the order pulled: the FGR analyst's entity list (newest
    first) and the entities of the DEA report as they read it."""
    for pages in pulls:
        for page in pages:
            _receive(store, page)
    reader = accounts(store, [("mx.analyst", "FGR", ["analyst"])])["mx.analyst"]
    with transaction(store.sessions) as session:
        listed = [i.id for i in list_entities(session=session, actor=reader).items]
        report = session.execute(select(Report.id).where(Report.title_en.like("A trucking%")))
        named = report_entity_ids(session=session, report_id=report.scalar_one())
    return listed, named


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crime_topic_published_on_its_own_leaves_the_partners_order(
    tmp_path: Path, backend: str
) -> None:
    """The U.S. node publishes between the report and the topic, so it revokes the
    organisation's `identity` and writes a `threat-actor`. The Mexican node orders the
    organisation before the person, as without the topic, whether it pulled before the
    topic too or only after, one page at a time, a few or all at once."""
    without = _sent(tmp_path / "us-without", backend, topic=False)
    with_topic = _sent(tmp_path / "us-with", backend, topic=True)
    once = without[0] + without[1]
    with node_store(backend, tmp_path / "mx-0", name="mx", nation="MEX", partners=US) as store:
        expected = _mx_order(store, [[once]])
    assert expected == ([PERSON, ORG], [ORG, PERSON])
    everything = with_topic[0] + with_topic[1]
    cases = {f"once, pages of {size}": [_pages(everything, size)] for size in (1, 2, 3, 5, 500)} | {
        f"twice, pages of {size}": [_pages(with_topic[0], size), _pages(with_topic[1], size)]
        for size in (1, 2, 500)
    }
    for number, (case, pulls) in enumerate(cases.items(), start=1):
        directory = tmp_path / f"mx-{number}"
        with node_store(backend, directory, name="mx", nation="MEX", partners=US) as store:
            assert _mx_order(store, pulls) == expected, case
