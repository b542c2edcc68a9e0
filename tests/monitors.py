"""Accounts for the allegation tests: monitors in the human-rights monitors' group, and an
auditor outside it, added to a `worlds.World`."""

from __future__ import annotations

from unittest import mock

from vinculo.db import transaction
from vinculo.oversight.allegations import MONITORS
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group

from worlds import World, cheap_demo_hash

# (username, agency, roles, in the monitors' group)
MONITOR_ACCOUNTS = [
    ("mx.monitor", "FGR", ["monitor"], True),
    ("us.monitor", "DEA", ["analyst"], True),
    ("mx.auditor", "FGR", ["auditor"], False),
]


def add_monitors(world: World) -> None:
    """A Mexican monitor (role `monitor`, in the monitors' group), an American analyst in
    that group and a Mexican auditor; the world's other accounts are outside the group."""
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(world.store.sessions) as session,
    ):
        ensure_group(
            session=session,
            code=MONITORS,
            name_en="Human-rights monitors",
            name_es="Observadores de derechos humanos",
        )
        for username, agency, roles, member in MONITOR_ACCOUNTS:
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username,
                    password="demo",
                    agency=agency,
                    roles=roles,
                    groups=[MONITORS] if member else [],
                ),
                demo_password=True,
            )
            world.actors[username] = actor_for(user)
