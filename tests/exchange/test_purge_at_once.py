"""A purge from the command line (`vinculo retention run --purge-due`), with no server to
publish after it, leaves nothing of the purged report in the TAXII table: its versions give
way to a bare revocation, and the entities it named get a version without its statements,
within the purge's own transaction."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange.models import ExchangeObject
from vinculo.intel import retention
from vinculo.settings import PartnerConfig

from conftest import BACKENDS
from exchange_nodes import bilateral, fbi_agent_and_supervisor, file_report, node_store, publish

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")
TITLE = "Stash house ledger found in Nogales"
ALIAS = "La Contadora Borrada"
KEPT = "Border crossing log kept on file"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_purge_without_a_server_leaves_nothing_in_the_table(backend: str, tmp_path: Path) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        marked = dict(tlp="AMBER", shared_with=("DEA", "SEDENA"), entity_id="per-ledger")
        report_id = file_report(
            store,
            agent,
            TITLE,
            properties={"name": ["Marisol Quintero Lara"], "alias": [ALIAS]},
            **marked,  # type: ignore[arg-type]
        )
        publish(store)
        # A second report names the same person, so the person outlives the purge.
        file_report(
            store,
            agent,
            KEPT,
            properties={"name": ["Marisol Quintero Lara"]},
            **marked,  # type: ignore[arg-type]
        )
        publish(store)
        with store.sessions() as session:
            payloads = session.execute(select(ExchangeObject.payload)).scalars().all()
            assert any(ALIAS in p for p in payloads) and any(TITLE in p for p in payloads)
        # As `vinculo retention run --purge` does: the purge's own transaction, no server.
        with transaction(store.sessions) as session:
            done = retention.purge(
                session=session,
                actor=supervisor,
                report_id=report_id,
                reason="Ledger past its review date, purged by the supervisor",
                today=date(2027, 7, 1),
            )
        assert done.report_id == report_id
        with store.sessions() as session:
            rows = session.execute(select(ExchangeObject)).scalars().all()
    for row in rows:
        assert TITLE not in row.payload and ALIAS not in row.payload, row.item_key
        assert "Nogales" not in row.payload and report_id not in row.payload, row.item_key
    revoked = [r for r in rows if r.item_key == f"report:{report_id}"]
    assert len(revoked) == 1 and revoked[0].revoked
    person = [r for r in rows if r.item_key == "entity:per-ledger"]
    assert len(person) == 1 and not person[0].revoked
    assert "Marisol Quintero Lara" in json.loads(person[0].payload)["name"]
