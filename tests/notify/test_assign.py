"""Asking a colleague to review a pair: they are notified if they may resolve and see it; a
pair the asker may not see answers as a missing one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.errors import InvalidInput, NotFound
from vinculo.hooks import wire_hooks
from vinculo.notify import service as notices
from vinculo.resolve import service as resolve_service
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.notices import assign_pair

from worlds import World


@pytest.fixture(autouse=True)
def _kinds() -> None:
    wire_hooks()


def _pair(world: World) -> int:
    """per-0001 (GREEN to both nations, and USA only) and per-dea_strict (AMBER+STRICT, DEA's
    own): a pair DEA's accounts may see both records of, and FGR's only the first."""

    def score(entities: Any) -> list[resolve_service.ScoredPair]:
        ids = {str(e.id) for e in entities}
        pair = ("per-0001", "per-dea_strict")
        if set(pair) <= ids:
            return [resolve_service.ScoredPair(*pair, 0.7, [])]
        return []

    with transaction(world.store.sessions) as session:
        resolve_service.run(session=session, actor=world.actors["us.analyst"], scorer=score)
        return session.execute(select(ResolutionPair.id)).scalar_one()


def _screen(query: Any, candidates: Any) -> list[resolve_service.ScoredPair]:
    return [resolve_service.ScoredPair(str(query.id), str(c.id), 0.71, []) for c in candidates]


def test_a_pair_is_assigned_to_a_colleague_who_may_see_it(fresh_world: World) -> None:
    pair_id = _pair(fresh_world)
    us, mx = fresh_world.actors["us.analyst"], fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:

        def assign(actor: Any, pair: int, name: str) -> str:
            return assign_pair(
                session=session, actor=actor, pair_id=pair, username=name, scorer=_screen
            )

        with pytest.raises(NotFound):  # mx.analyst may not see the pair: as a missing one
            assign(mx, pair_id, "us.analyst")
        with pytest.raises(NotFound):
            assign(us, 987654, "dea.agent1")
        with pytest.raises(InvalidInput) as nobody:
            assign(us, pair_id, "nobody")
        assert nobody.value.field == "username"
        # mx.analyst may not see one of the records: the answer does not say so (it depends
        # on what the asker may not see), and mx.analyst gets nothing.
        assert assign(us, pair_id, "mx.analyst") == "mx.analyst"
        assert assign(us, pair_id, "dea.agent1") == "dea.agent1"
        agent = fresh_world.actors["dea.agent1"]
        (shown,) = notices.list_notifications(session=session, actor=agent)
        theirs = session.execute(
            select(ResolutionPair).where(ResolutionPair.owner == "dea.agent1")
        ).scalar_one()
        # The colleague's own pair of the two records, scored on what they may see, and kept
        # by their runs as assigned.
        assert (theirs.left_id, theirs.right_id, theirs.score, theirs.assigned_by) == (
            "per-0001",
            "per-dea_strict",
            0.71,
            "us.analyst",
        )
        assert (shown.kind, shown.item.kind, shown.link) == (
            "pair_assigned",
            "pair",
            f"/resolve/pairs/{theirs.id}",
        )
        assert notices.list_notifications(session=session, actor=mx) == []
        assert (
            session.execute(
                select(ResolutionPair).where(ResolutionPair.owner == "mx.analyst")
            ).all()
            == []
        )
        # Their run keeps the assigned pair though it scores nothing for them.
        summary = resolve_service.run(session=session, actor=agent, scorer=lambda _e: [])
        assert summary.dropped == 0 and session.get(ResolutionPair, theirs.id) is not None
