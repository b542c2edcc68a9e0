"""A report filed after the newest one was purged is published. SQLite numbers a new row one
past the highest left, so once the purged report (and its statements) had been the newest,
the next filing took numbers at or below the publisher's positions, and no publish looked at
it again: a report the partner should have had never went."""

from __future__ import annotations

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
MARKED = dict(tlp="AMBER", shared_with=("DEA", "SEDENA"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_report_filed_after_a_purge_of_the_newest_is_published(
    backend: str, tmp_path: Path
) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        purged = file_report(
            store,
            agent,
            "Ledger to be purged",
            entity_id="per-purged",
            properties={"name": ["Rogelio Ibarra Ponce"]},
            **MARKED,  # type: ignore[arg-type]
        )
        publish(store)
        with transaction(store.sessions) as session:
            retention.purge(
                session=session,
                actor=supervisor,
                report_id=purged,
                reason="Past its review date",
                today=date(2027, 7, 1),
            )
        # No publish in between: a purge from the command line, then an import, as
        # `vinculo retention run --purge-due` and `vinculo import` do with no server up.
        kept = file_report(
            store,
            agent,
            "Crossing log filed after the purge",
            entity_id="per-after",
            properties={"name": ["Teodora Salas Vidal"]},
            **MARKED,  # type: ignore[arg-type]
        )
        publish(store)
        with store.sessions() as session:
            keys = set(session.scalars(select(ExchangeObject.item_key)))
    assert f"report:{kept}" in keys
    assert "entity:per-after" in keys
