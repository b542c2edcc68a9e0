"""A terrorist group crosses as its `threat-actor` and, beside it, an `intrusion-set` attributed
to it (`attributed-to`): both say only what the threat-actor says, under its markings, for
partner nodes only; they change and go with it, and a purge leaves no version of them holding
what it took."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import stix2
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject
from vinculo.exchange.parts import for_partners_only
from vinculo.exchange.stix import Scope, entity_object, intrusion_set_objects
from vinculo.intel import retention
from vinculo.security.markings import Markings
from vinculo.settings import PartnerConfig

from conftest import BACKENDS
from exchange_nodes import (
    bilateral,
    fbi_agent_and_supervisor,
    file_report,
    node_store,
    publish,
    statement_rows,
)

GREEN = Markings.create(tlp="GREEN", originator="FBI", rel_to=["USA", "MEX"])
SCOPE = Scope("us", "c1")
MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
ALIAS = "Brigada del Desierto"


def _group(topics: list[str]) -> dict:
    values = {"name": ["Frente Armado del Norte"], "alias": ["FAN"], "topics": topics}
    rows = statement_rows("org-ct-1", "Organization", values, GREEN)
    return entity_object(SCOPE, "org-ct-1", rows, {})


def test_a_terrorist_group_brings_an_intrusion_set_attributed_to_it() -> None:
    actor = _group(["crime.terror"])
    intrusion, attribution = intrusion_set_objects(SCOPE, "org-ct-1", actor)
    assert intrusion["type"] == "intrusion-set"
    assert intrusion["name"] == actor["name"] and intrusion["aliases"] == ["FAN"]
    assert intrusion["object_marking_refs"] == actor["object_marking_refs"]
    assert (attribution["relationship_type"], attribution["source_ref"]) == (
        "attributed-to",
        intrusion["id"],
    )
    assert attribution["target_ref"] == actor["id"]
    # Ids of their own, stable: publishing again gives the same objects.
    assert len({actor["id"], intrusion["id"], attribution["id"]}) == 3
    assert intrusion_set_objects(SCOPE, "org-ct-1", actor)[0]["id"] == intrusion["id"]
    for obj in (intrusion, attribution):
        stix2.parse(json.dumps(obj), allow_custom=True)
        assert "extensions" not in obj  # no statements: the threat-actor carries them


def test_no_other_object_brings_one() -> None:
    assert intrusion_set_objects(SCOPE, "org-ct-1", _group(["crime.traffick.drug"])) == []
    person = entity_object(
        SCOPE,
        "per-ct-1",
        statement_rows(
            "per-ct-1", "Person", {"name": ["Ana Ruiz"], "topics": ["crime.terror"]}, GREEN
        ),
        {},
    )
    assert intrusion_set_objects(SCOPE, "per-ct-1", person) == []
    assert for_partners_only("intrusion-set:org-ct-1") and for_partners_only("attribution:org-ct-1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_they_go_with_the_group_and_a_purge_leaves_nothing_of_it(
    backend: str, tmp_path: Path
) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        named = {"entity_id": "org-fan", "schema": "Organization"}
        kept = file_report(
            store,
            agent,
            "Frente Armado del Norte recruits in Sonoyta",
            properties={"name": ["Frente Armado del Norte"], "topics": ["crime.terror"]},
            **named,  # type: ignore[arg-type]
        )
        publish(store)
        with store.sessions() as session:
            keys = set(session.execute(select(ExchangeObject.item_key)).scalars())
        assert {"intrusion-set:org-fan", "attribution:org-fan"} <= keys
        purged = file_report(
            store,
            agent,
            "The group's desert cell",
            properties={"name": ["Frente Armado del Norte"], "alias": [ALIAS]},
            **named,  # type: ignore[arg-type]
        )
        publish(store)
        with store.sessions() as session:
            payloads = session.execute(
                select(ExchangeObject.payload).where(
                    ExchangeObject.item_key == "intrusion-set:org-fan"
                )
            ).scalars()
            assert any(ALIAS in p for p in payloads)
        with transaction(store.sessions) as session:
            retention.purge(
                session=session,
                actor=supervisor,
                report_id=purged,
                reason="The cell's report was filed in error",
                today=date(2027, 7, 1),
            )
        with store.sessions() as session:
            rows = session.execute(select(ExchangeObject)).scalars().all()
        for row in rows:
            assert ALIAS not in row.payload, row.item_key
        current = [r for r in rows if r.item_key == "intrusion-set:org-fan" and not r.revoked]
        assert current and "Frente Armado del Norte" in current[-1].payload
        # The report that made the group terrorist goes too: so do its intrusion set and
        # attribution, by revocations that hold nothing of them.
        with transaction(store.sessions) as session:
            retention.purge(
                session=session,
                actor=supervisor,
                report_id=kept,
                reason="Filed in error",
                today=date(2027, 7, 1),
            )
        with store.sessions() as session:
            left = session.execute(
                select(ExchangeObject).where(
                    ExchangeObject.item_key.in_(["intrusion-set:org-fan", "attribution:org-fan"])
                )
            ).scalars()
            left = list(left)
        assert left and all(r.revoked for r in left)
        assert all("Frente Armado" not in r.payload for r in left)
