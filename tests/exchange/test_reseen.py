"""An import that asserts stored statements again moves only their `last_seen`; the
publisher learns of it from its change feed and publishes it at once, so the next build of
the entity, for whatever reason, says nothing new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeChange, ExchangeObject
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.security.markings import Actor
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store
from exchange_nodes import bilateral, fbi_agent_and_supervisor, node_store, publish

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
LINE = json.dumps({"id": "per-r", "schema": "Person", "properties": {"name": ["Rosa Ibarra Leal"]}})


def _import(store: Store, actor: Actor) -> None:
    with transaction(store.sessions) as session:
        import_ftm(
            session=session,
            actor=actor,
            lines=[LINE],
            file_name="people.jsonl",
            source="src-r",
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        )


def _versions(store: Store, key: str) -> list[str]:
    """The `last_seen` of each stored version of a published item, oldest first."""
    with store.sessions() as session:
        rows = session.execute(
            select(ExchangeObject.payload)
            .where(ExchangeObject.item_key == key)
            .order_by(ExchangeObject.seq)
        ).scalars()
        return [json.loads(p)["statements"][0]["last_seen"] for p in rows]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_statement_seen_again_is_published_when_it_is_seen(backend: str, tmp_path: Path) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, _supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        _import(store, agent)
        publish(store)
        with store.sessions() as session:
            (marking,) = session.execute(
                select(ExchangeObject.item_key).where(
                    ExchangeObject.item_key.startswith("part:entity:per-r|")
                )
            ).scalars()
        first = _versions(store, marking)
        assert len(first) == 1

        _import(store, agent)
        with store.sessions() as session:
            feed = session.execute(select(ExchangeChange.item_id)).scalars().all()
        assert feed == ["per-r"]
        assert publish(store) >= 1
        again = _versions(store, marking)
        assert len(again) == 2 and again[1] > again[0], again
        # A run with nothing new writes nothing.
        assert publish(store) == 0 and _versions(store, marking) == again
