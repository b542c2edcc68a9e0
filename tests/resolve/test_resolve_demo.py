"""Resolution on the demo scenario, whose generator records which people it entered twice
(a U.S. spelling of a Mexican name under a new id): every such pair is found, none is
merged wrongly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.demo.scenario import build_scenario
from vinculo.demo.seed import seed_demo
from vinculo.intel.service import visible_statements
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.scoring import run_resolution
from vinculo.resolve.service import resolving_accounts
from vinculo.security.policy import visible_marking_ids

from conftest import make_store


def _someone_reads_both(session: Session, pair: tuple[str, ...]) -> bool:
    for account in resolving_accounts(session):
        visible = visible_marking_ids(session=session, actor=account)
        rows = visible_statements(session=session, entity_ids=pair, visible=visible)
        if all(rows.get(i) for i in pair):
            return True
    return False


def test_the_demo_duplicates_are_found_and_nothing_else_is_merged(tmp_path: Path) -> None:
    truth = {tuple(sorted(pair)) for pair in build_scenario(2026).duplicates}
    assert truth
    for store in make_store("sqlite", tmp_path, demo=True):
        seed_demo(sessions=store.sessions)
        with transaction(store.sessions) as session:
            summary = run_resolution(session=session, actor=None, settings=store.settings)
            seen = {pair for pair in truth if _someone_reads_both(session, pair)}
        with store.sessions() as session:
            pairs = session.execute(
                select(
                    ResolutionPair.left_id,
                    ResolutionPair.right_id,
                    ResolutionPair.judgement,
                    ResolutionPair.owner,
                )
            ).all()
    # The demo's resolution is every account's own run, on what it may read: found means
    # found by some account, and a duplicate no account may read both records of is found
    # by none.
    found = {(p.left_id, p.right_id) for p in pairs}
    merged = {(p.left_id, p.right_id) for p in pairs if p.judgement == "auto"}
    assert len(seen) >= len(truth) * 3 // 4
    assert seen <= found, f"missed: {seen - found}"
    assert not (truth - seen) & found
    assert merged <= truth, f"wrong merges: {merged - truth}"
    assert summary.accounts > 1
    assert summary.merged == sum(1 for p in pairs if p.judgement == "auto")
    assert len(merged) >= len(truth) // 2
