"""Where a shared object (a marking definition, an agency's identity) comes in a collection
tells a reader nothing of items it may not read.

Two stores differ only in a TLP:AMBER report by SEDENA, published first, which crosses to
Mexico's node but which an FGR analyst may not read. The FGR analyst's answers — every
version, the manifest, each object's versions, what came after a point — are the same in
both once made values (ids, times) are numbered in order of appearance: the TLP:AMBER
definition comes with the FGR analyst's own AMBER report, not with the hidden one before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, or_, select, update

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject, ExchangeState
from vinculo.exchange.stored import SHARED
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
ACCOUNTS = [("mx.peer", "SEDENA", ["analyst"]), ("mx.analyst", "FGR", ["analyst"])]
HIDDEN = "SEDENA convoy sighting near Reynosa"
VISIBLE = "FGR wiretap summary, Monterrey cell"


def _world(store: Store, *, hidden: bool) -> str:
    actors = accounts(store, ACCOUNTS)
    collection = bilateral(store)
    publish(store)
    if hidden:
        file_report(store, actors["mx.peer"], HIDDEN, tlp="AMBER", entity_id="per-convoy")
    publish(store)
    file_report(store, actors["mx.analyst"], VISIBLE, tlp="AMBER", entity_id="per-cell")
    publish(store)
    return collection


@pytest.fixture(params=BACKENDS)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    with (
        node_store(request.param, tmp_path / "a", name="us", nation="USA", partners=[MX]) as a,
        node_store(request.param, tmp_path / "b", name="us", nation="USA", partners=[MX]) as b,
    ):
        yield a, b


def test_a_hidden_item_moves_no_shared_object(two_stores: tuple[Store, Store]) -> None:
    with_hidden, without = two_stores
    seen = taxii_answers(with_hidden, _world(with_hidden, hidden=True))
    assert VISIBLE in seen[0] and HIDDEN not in "".join(seen)
    assert "TLP:AMBER" in seen[0]
    assert seen == taxii_answers(without, _world(without, hidden=False))


def test_a_node_gets_each_shared_object_once(tmp_path: Path) -> None:
    with node_store("sqlite", tmp_path, name="us", nation="USA", partners=[MX]) as store:
        collection = _world(store, hidden=True)
        token = partner_token(store)
        with LiveServer(store.settings) as server:
            got = all_objects(server.url, token, collection)
            every = all_objects(server.url, token, collection, version="all")
    for objects in (got, every):
        versions = [(o["id"], o.get("modified", o.get("created"))) for o in objects]
        assert len(versions) == len(set(versions))
    titles = {o.get("name") for o in got}
    assert {HIDDEN, VISIBLE} <= titles
    # Both reports carry TLP:AMBER: its definition is stored under each, served once.
    amber = [o for o in got if o.get("name") == "TLP:AMBER"]
    assert len(amber) == 1
    with store.sessions() as session:
        copies = session.execute(
            select(ExchangeObject.marking_ids).where(ExchangeObject.stix_id == amber[0]["id"])
        ).all()
    assert len(copies) == 2 and all(c.marking_ids for c in copies)


def test_shared_objects_of_an_older_store_are_marked(tmp_path: Path) -> None:
    """A store whose shared objects carry no markings (earlier releases) gets marked copies
    on its next publish, and an FGR analyst still gets the definitions its items use."""
    with node_store("sqlite", tmp_path, name="us", nation="USA", partners=[MX]) as store:
        collection = _world(store, hidden=True)
        with transaction(store.sessions) as session:
            # As earlier releases wrote them: one copy of each, without markings.
            copies = session.execute(
                select(ExchangeObject.seq, ExchangeObject.stix_id)
                .where(or_shared())
                .order_by(ExchangeObject.seq)
            ).all()
            first = {c.stix_id: c.seq for c in reversed(copies)}
            later = [c.seq for c in copies if first[c.stix_id] != c.seq]
            session.execute(delete(ExchangeObject).where(ExchangeObject.seq.in_(later)))
            session.execute(update(ExchangeObject).where(or_shared()).values(marking_ids=""))
            session.get(ExchangeState, "shared").value = ""  # type: ignore[union-attr]
        publish(store)
        with store.sessions() as session:
            bare = session.execute(
                select(ExchangeObject.seq).where(or_shared(), ExchangeObject.marking_ids == "")
            ).all()
        assert bare == []
        with (
            LiveServer(store.settings) as server,
            httpx.Client(base_url=server.url, auth=("mx.analyst", "demo"), timeout=30) as api,
        ):
            base = f"/taxii2/vinculo/collections/{collection}"
            objects = api.get(f"{base}/objects/").json()["objects"]
    names = [o.get("name") for o in objects]
    assert VISIBLE in names and HIDDEN not in names and names.count("TLP:AMBER") == 1


def or_shared() -> Any:
    return or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED))
