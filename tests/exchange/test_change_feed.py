"""The publisher's own change feed: a purge notes what it took, a release the items it names;
the next publish looks at them again and empties the feed (the audit chain is not read)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from vinculo.db import transaction
from vinculo.exchange import release
from vinculo.exchange.changes import note_changed
from vinculo.exchange.models import ExchangeChange, ExchangeObject
from vinculo.intel import retention
from vinculo.intel.models import Report
from vinculo.settings import PartnerConfig

from conftest import BACKENDS, Store
from exchange_nodes import bilateral, fbi_agent_and_supervisor, file_report, node_store, publish

MX = PartnerConfig(name="mx", nation="MEX", account="node.mx")


def _feed(sessions: object) -> list[tuple[str, bool, bool]]:
    with sessions() as session:  # type: ignore[operator]
        rows = session.execute(select(ExchangeChange).order_by(ExchangeChange.seq)).scalars()
        return [(r.item_id, r.deleted, r.report) for r in rows]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_purge_is_noted_in_the_feed_and_published_from_it(backend: str, tmp_path: Path) -> None:
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        report_id = file_report(store, agent, "Ledger seized at the crossing", entity_id="per-x")
        file_report(store, agent, "Second sighting of the courier", entity_id="per-x")
        publish(store)
        assert _feed(store.sessions) == []
        with transaction(store.sessions) as session:
            retention.purge(
                session=session,
                actor=supervisor,
                report_id=report_id,
                reason="Past its review date, purged by the supervisor",
                today=date(2027, 7, 1),
            )
        assert _feed(store.sessions) == [(report_id, True, True), ("per-x", True, False)]
        publish(store)
        assert _feed(store.sessions) == []
        with store.sessions() as session:
            revoked = session.execute(
                select(ExchangeObject.revoked).where(
                    ExchangeObject.item_key == f"report:{report_id}"
                )
            ).scalars()
            assert list(revoked) == [True]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_release_is_published_from_the_feed_alone(backend: str, tmp_path: Path) -> None:
    """Nothing in the statements' or reports' positions tells of an approval: the feed does.
    With the feed's rows taken away before the publish, the released item stays out."""
    with node_store(backend, tmp_path, name="us", nation="USA", partners=[MX]) as store:
        agent, supervisor = fbi_agent_and_supervisor(store)
        bilateral(store)
        file_report(store, agent, "Source-controlled wiretap", orcon=True, entity_id="per-o")
        publish(store)
        assert "Source-controlled wiretap" not in _published(store)

        # Approved, and the feed's rows taken away before the publisher runs.
        with transaction(store.sessions) as session:
            for item in release.pending(session=session, actor=supervisor):
                release.decide(
                    session=session,
                    actor=supervisor,
                    request_id=item.id,
                    approve=True,
                    reason="cleared for the bilateral agreement",
                )
            noted = session.execute(select(ExchangeChange.deleted)).scalars().all()
            assert noted and not any(noted)
            session.execute(delete(ExchangeChange))
        publish(store)
        assert "Source-controlled wiretap" not in _published(store)
        # The approval stands; what the feed would have said is put back, and only then
        # does the release reach the collection.
        with transaction(store.sessions) as session:
            reports = session.execute(select(Report.id)).scalars().all()
            note_changed(session=session, item_ids=[*reports, "per-o"])
        publish(store)
        assert "Source-controlled wiretap" in _published(store)
        assert _feed(store.sessions) == []


def _published(store: Store) -> str:
    with store.sessions() as session:
        return "\n".join(session.execute(select(ExchangeObject.payload)).scalars())
