"""A report's references name its entities as the person reading may read them.

A report names each entity it asserts in `object_refs` by STIX type, and an organisation with
a crime topic among its statements is a `threat-actor`. Two stores differ only in a crime
topic SEDENA gives, TLP:AMBER, to the organisation a DEA report names: it crosses to
Mexico's node, so the partner is served the organisation as a threat actor and the report
naming it so, but an FGR analyst may not read it. What the FGR analyst is told — every
version, the newest and the oldest, the manifest, each object's versions, what came after a
point, and the live stream's news — is the same in both, whether the topic came before the
report or after it and the report was looked at again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.exchange import serve
from vinculo.exchange.changes import note_changed
from vinculo.exchange.models import ExchangeCollection, ExchangeObject
from vinculo.security.models import User
from vinculo.security.service import actor_for
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, LiveServer, Store
from exchange_nodes import (
    accounts,
    all_objects,
    bilateral,
    file_report,
    node_store,
    partner_token,
    publish,
    taxii_answers,
)

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
ACCOUNTS = [
    ("dea.agent1", "DEA", ["analyst"]),
    ("mx.peer", "SEDENA", ["analyst"]),
    ("mx.analyst", "FGR", ["analyst"]),
]
ORG = "org-transportes"
NAME = "Transportes del Norte"
VISIBLE = "Trucking company moving precursors through Nogales"
VISIBLE_ES = "Empresa de transporte que mueve precursores por Nogales"
HIDDEN = "SEDENA: the trucking company works for a cartel"


def _organisation(*, topic: bool) -> dict[str, list[str]]:
    return {"name": [NAME]} | ({"topics": ["crime.traffick.drug"]} if topic else {})


def _world(store: Store, *, hidden: bool, topic_first: bool) -> tuple[str, str, int]:
    """The collection, the DEA report, and the last row written before it was looked at
    again."""
    actors = accounts(store, ACCOUNTS)
    collection = bilateral(store)

    def topic() -> None:
        if hidden:
            file_report(
                store,
                actors["mx.peer"],
                HIDDEN,
                tlp="AMBER",
                entity_id=ORG,
                schema="Organization",
                properties=_organisation(topic=True),
            )
        publish(store)

    if topic_first:
        topic()
    report = file_report(
        store,
        actors["dea.agent1"],
        VISIBLE,
        title_es=VISIBLE_ES,
        entity_id=ORG,
        schema="Organization",
        properties=_organisation(topic=False),
    )
    publish(store)
    if not topic_first:
        topic()
    with transaction(store.sessions) as session:
        before = int(session.execute(select(func.max(ExchangeObject.seq))).scalar() or 0)
        # Looked at again, as an originator's release has it: the stored report now names
        # the organisation as the partner is served it.
        note_changed(session=session, item_ids=[report])
    publish(store)
    return collection, report, before


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    with (
        node_store(request.param, tmp_path / "a", name="us", nation="USA", partners=[MX]) as a,
        node_store(request.param, tmp_path / "b", name="us", nation="USA", partners=[MX]) as b,
    ):
        yield a, b


@pytest.mark.parametrize("topic_first", [True, False], ids=["topic-first", "topic-after"])
def test_a_hidden_crime_topic_changes_nothing_a_person_is_told(
    two_stores: tuple[Store, Store], topic_first: bool
) -> None:
    with_hidden, without = two_stores
    collection, _report, _before = _world(with_hidden, hidden=True, topic_first=topic_first)
    seen = taxii_answers(with_hidden, collection)
    assert VISIBLE in seen[0] and VISIBLE_ES in seen[0]
    assert HIDDEN not in "".join(seen) and "threat-actor" not in "".join(seen)
    collection, _report, _before = _world(without, hidden=False, topic_first=topic_first)
    assert seen == taxii_answers(without, collection)


def _refs(objects: list[dict[str, Any]]) -> list[list[str]]:
    """The types the DEA report's versions name their entities by."""
    return [
        [ref.partition("--")[0] for ref in o["object_refs"]]
        for o in objects
        if o["type"] == "report" and o.get("name") == VISIBLE
    ]


def test_the_partner_gets_the_threat_actor_and_the_person_no_new_version(tmp_path: Path) -> None:
    with node_store("sqlite", tmp_path, name="us", nation="USA", partners=[MX]) as store:
        collection, report, before = _world(store, hidden=True, topic_first=False)
        token = partner_token(store)
        with LiveServer(store.settings) as server:
            theirs = all_objects(server.url, token, collection, version="all")
        # The partner: the report again, naming a threat actor, and its language content.
        assert _refs(theirs) == [["identity"], ["threat-actor"]]
        assert sum(o["type"] == "language-content" for o in theirs) == 2
        seen = taxii_answers(store, collection)
        every = json.loads(seen[0])["objects"]
        assert _refs(every) == [["identity"]]
        assert sum(o["type"] == "language-content" for o in every) == 1
        # The live stream: the report looked at again is news to the partner only.
        assert _news(store, collection, "mx.analyst", before) == []
        assert f"report:{report}" in _news(store, collection, str(MX.account), before)


def _news(store: Store, collection_id: str, username: str, after: int) -> list[str]:
    """What the live stream tells a reader of the rows written after `after`."""
    with transaction(store.sessions) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        reader = serve.Reader(actor_for(user), partner=MX if username == MX.account else None)
        rows = session.execute(
            select(ExchangeObject).where(ExchangeObject.seq > after).order_by(ExchangeObject.seq)
        ).scalars()
        collection = session.get(ExchangeCollection, collection_id)
        assert collection is not None
        found = serve.news(
            session=session,
            settings=store.settings,
            reader=reader,
            collection=collection,
            rows=list(rows),
        )
        return [r.item_key for r in found]
