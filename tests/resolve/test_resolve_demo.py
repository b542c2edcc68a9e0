"""Resolution on the demo scenario, whose generator records which people it entered twice
(a U.S. spelling of a Mexican name under a new id): every such pair is found, none is
merged wrongly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from vinculo.db import transaction
from vinculo.demo.scenario import build_scenario
from vinculo.demo.seed import seed_demo
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.scoring import run_resolution

from conftest import make_store


def test_the_demo_duplicates_are_found_and_nothing_else_is_merged(tmp_path: Path) -> None:
    truth = {tuple(sorted(pair)) for pair in build_scenario(2026).duplicates}
    assert truth
    for store in make_store("sqlite", tmp_path, demo=True):
        seed_demo(sessions=store.sessions)
        with transaction(store.sessions) as session:
            summary = run_resolution(session=session, actor=None, settings=store.settings)
        with store.sessions() as session:
            pairs = session.execute(
                select(ResolutionPair.left_id, ResolutionPair.right_id, ResolutionPair.judgement)
            ).all()
    found = {(p.left_id, p.right_id) for p in pairs}
    merged = {(p.left_id, p.right_id) for p in pairs if p.judgement == "auto"}
    assert truth <= found, f"missed: {truth - found}"
    assert merged <= truth, f"wrong merges: {merged - truth}"
    assert summary.merged == len(merged) and summary.merged >= len(truth) // 2
