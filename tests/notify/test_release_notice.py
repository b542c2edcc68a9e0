"""A new release request is announced to the originating agency's supervisors who may see
its source, and to no one else."""

from __future__ import annotations

from unittest import mock

import pytest

from vinculo.db import transaction
from vinculo.exchange.builder import queue_releases
from vinculo.hooks import wire_hooks
from vinculo.notify import service as notices
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from worlds import World, cheap_demo_hash


@pytest.fixture(autouse=True)
def _kinds() -> None:
    wire_hooks()


def test_a_release_request_is_announced_to_the_originators_supervisors(
    fresh_world: World,
) -> None:
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(fresh_world.store.sessions) as session,
    ):
        for name, agency in (("dea.sup", "DEA"), ("fgr.sup", "FGR")):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=name, password="demo", agency=agency, roles=["supervisor"]
                ),
                demo_password=True,
            )
            fresh_world.actors[name] = actor_for(user)
    report = fresh_world.reports["usa_only"]
    with transaction(fresh_world.store.sessions) as session:
        queue_releases(session, {(f"report:{report}", "mx-node", "DEA", report)})
    with transaction(fresh_world.store.sessions) as session:
        (told,) = notices.list_notifications(session=session, actor=fresh_world.actors["dea.sup"])
        assert (told.kind, told.item.kind, told.link) == (
            "release_request",
            "release",
            "/exchange/releases",
        )
        for name in ("fgr.sup", "us.analyst", "dea.agent1"):  # not DEA's supervisor
            assert notices.list_notifications(session=session, actor=fresh_world.actors[name]) == []
