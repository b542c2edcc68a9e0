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
    """per-0001 (GREEN to both nations, and USA only) and per-fgr_amber_dea (AMBER, shared
    with DEA): a pair DEA's accounts may see and FGR's may not."""

    def score(entities: Any) -> list[resolve_service.ScoredPair]:
        ids = {str(e.id) for e in entities}
        pair = ("per-0001", "per-fgr_amber_dea")
        if set(pair) <= ids:
            return [resolve_service.ScoredPair(*pair, 0.7, [])]
        return []

    with transaction(world.store.sessions) as session:
        resolve_service.run(session=session, actor=None, scorer=score)
        return session.execute(select(ResolutionPair.id)).scalar_one()


def test_a_pair_is_assigned_to_a_colleague_who_may_see_it(fresh_world: World) -> None:
    pair_id = _pair(fresh_world)
    us, mx = fresh_world.actors["us.analyst"], fresh_world.actors["mx.analyst"]
    with transaction(fresh_world.store.sessions) as session:
        with pytest.raises(NotFound):  # mx.analyst may not see the pair: as a missing one
            assign_pair(session=session, actor=mx, pair_id=pair_id, username="us.analyst")
        with pytest.raises(NotFound):
            assign_pair(session=session, actor=us, pair_id=987654, username="dea.agent1")
        with pytest.raises(InvalidInput) as nobody:
            assign_pair(session=session, actor=us, pair_id=pair_id, username="nobody")
        assert nobody.value.field == "username"
        with pytest.raises(InvalidInput) as blind:
            assign_pair(session=session, actor=us, pair_id=pair_id, username="mx.analyst")
        assert blind.value.field == "username"
        assert assign_pair(session=session, actor=us, pair_id=pair_id, username="dea.agent1")
        agent = fresh_world.actors["dea.agent1"]
        (shown,) = notices.list_notifications(session=session, actor=agent)
        assert (shown.kind, shown.item.kind, shown.link) == (
            "pair_assigned",
            "pair",
            f"/resolve/pairs/{pair_id}",
        )
        assert notices.list_notifications(session=session, actor=mx) == []
