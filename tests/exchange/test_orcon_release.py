"""An ORCON release covers its originating agency's items only: two agencies' ORCON data
under one source name wait for two releases, and approving one sends nothing of the other;
an item that comes later waits for a release of its own. Releases decided before releases
named their items keep covering what they were decided on (migration 0012)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from vinculo.db import transaction
from vinculo.exchange import release
from vinculo.exchange.models import ExchangeObject, ReleaseRequest
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.migrations.runner import upgrade
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import MarkingRow
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store, store_at
from exchange_nodes import accounts, bilateral, node_store, publish

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
SOURCE = "joint-wiretap-2026"
ACCOUNTS = [
    ("dea.agent1", "DEA", ["analyst"]),
    ("fbi.agent1", "FBI", ["analyst"]),
    ("dea.supervisor", "DEA", ["supervisor", "analyst"]),
    ("fbi.supervisor", "FBI", ["supervisor", "analyst"]),
]


def _import(store: Store, actor: Actor, entity_id: str, name: str) -> None:
    line = json.dumps({"id": entity_id, "schema": "Person", "properties": {"name": [name]}})
    with transaction(store.sessions) as session:
        import_ftm(
            session=session,
            actor=actor,
            lines=[line],
            file_name="wiretap.jsonl",
            source=SOURCE,
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], orcon=True),
        )


def _published(store: Store) -> str:
    with store.sessions() as session:
        return "\n".join(session.execute(select(ExchangeObject.payload)).scalars())


def _decide(store: Store, actor: Actor) -> list[release.ReleaseItem]:
    with transaction(store.sessions) as session:
        waiting = release.pending(session=session, actor=actor)
        for item in waiting:
            release.decide(
                session=session,
                actor=actor,
                request_id=item.id,
                approve=True,
                reason="cleared for the bilateral agreement",
            )
        return waiting


@pytest.fixture(params=BACKENDS)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with node_store(request.param, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        yield store


def test_a_release_covers_its_originators_items_only(node: Store) -> None:
    actors = accounts(node, ACCOUNTS)
    bilateral(node)
    _import(node, actors["dea.agent1"], "per-dea", "Anselmo Vidrio Cota")
    publish(node)
    _import(node, actors["fbi.agent1"], "per-fbi", "Baltasar Quiroga Nieto")
    publish(node)
    decided = _decide(node, actors["dea.supervisor"])
    assert [(i.originator, i.dataset) for i in decided] == [("DEA", SOURCE)]
    publish(node)
    sent = _published(node)
    assert "Anselmo Vidrio Cota" in sent
    assert "Baltasar Quiroga Nieto" not in sent

    with node.sessions() as session:
        requests = session.execute(select(ReleaseRequest).order_by(ReleaseRequest.id)).scalars()
        queued = {(r.dataset, r.originator, r.items) for r in requests}
    assert queued == {(SOURCE, "DEA", '["per-dea"]'), (SOURCE, "FBI", '["per-fbi"]')}

    # A later item of the same source and agency waits for a release of its own.
    _import(node, actors["dea.agent1"], "per-dea-2", "Casimiro Olea Bañuelos")
    publish(node)
    assert "Casimiro Olea Bañuelos" not in _published(node)
    with node.sessions() as session:
        waiting = session.execute(
            select(ReleaseRequest.items).where(
                ReleaseRequest.originator == "DEA", ReleaseRequest.state == "pending"
            )
        ).scalar_one()
    assert json.loads(waiting) == ["per-dea-2"]

    _decide(node, actors["fbi.supervisor"])
    publish(node)
    sent = _published(node)
    assert "Baltasar Quiroga Nieto" in sent and "Casimiro Olea Bañuelos" not in sent


# --- migration 0012 on a store the release before it made -------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_releases_decided_before_keep_their_originators_items(backend: str, tmp_path: Path) -> None:
    seen = datetime(2026, 11, 1, 12, 0)
    with store_at(backend, tmp_path, "0011") as engine:
        with engine.begin() as connection:
            for marking_id, agency in ((1, "DEA"), (2, "FBI")):
                m = MarkingRow.from_markings(
                    Markings.create(
                        tlp="GREEN", originator=agency, rel_to=["USA", "MEX"], orcon=True
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO markings (id, signature, tlp, originator, rel_to, orcon, "
                        "groups, recipients, shared_with) VALUES (:id, :sig, :tlp, :o, :rel, "
                        ":orcon, '', '', '')"
                    ),
                    {
                        "id": marking_id,
                        "sig": m.signature,
                        "tlp": m.tlp,
                        "o": m.originator,
                        "rel": m.rel_to,
                        "orcon": True,
                    },
                )
            for entity_id, marking_id in (("per-dea", 1), ("per-fbi", 2)):
                connection.execute(
                    text(
                        "INSERT INTO entities (id, schema, created_at) VALUES (:id, 'Person', :at)"
                    ),
                    {"id": entity_id, "at": seen},
                )
                connection.execute(
                    text(
                        "INSERT INTO statements (id, entity_id, canonical_id, schema, prop, "
                        "prop_type, value, dataset, marking_id, first_seen, last_seen) VALUES "
                        "(:id, :e, :c, 'Person', 'id', 'id', :v, :d, :m, :at, :at)"
                    ),
                    {
                        "id": f"s-{entity_id}",
                        "e": entity_id,
                        "c": entity_id,
                        "v": entity_id,
                        "d": SOURCE,
                        "m": marking_id,
                        "at": seen,
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO exchange_releases (dataset, partner, originator, state, "
                    "requested_at, reason) VALUES (:d, 'mx', 'DEA', 'approved', :at, 'ok')"
                ),
                {"d": SOURCE, "at": seen},
            )
        upgrade(engine)
        with engine.connect() as connection:
            items = connection.execute(text("SELECT items FROM exchange_releases")).scalar_one()
        assert json.loads(items) == ["per-dea"]
