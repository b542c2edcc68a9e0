"""Entities asserted again: a filing or import that names entities already stored.

Statements seen again keep their row and place and only move `last_seen`, so the exchange's
publisher, which finds what is new by the rows' positions, would not see them: the versions
it serves would carry the older `last_seen` until something else changed the entity — and
that something could be an item the reader may not see (issue 11's soak). intel cannot
import the exchange (it sits above it), so the exchange wires a hook here
(`vinculo.hooks.wire_hooks`) that notes the entities for the publisher's next run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import wiring
from vinculo.intel.models import Entity

CHUNK = 500

ReseenHook = Callable[[Session, list[str]], None]


class ReseenHooks(wiring.Hooks[ReseenHook]):
    """What runs when stored entities are asserted again, in wiring order. Unwired (a script
    that stores without the app), nothing is published either, so nothing runs."""

    def run(self, session: Session, entity_ids: list[str]) -> None:
        for hook in self.hooks:
            hook(session, entity_ids)


RESEEN_HOOKS = ReseenHooks()


def stored_entity_ids(*, session: Session, entity_ids: Sequence[str]) -> list[str]:
    """Which of these entities are already stored (by anyone, under any marking)."""
    ids = list(dict.fromkeys(entity_ids))
    found: list[str] = []
    for start in range(0, len(ids), CHUNK):
        found.extend(
            session.execute(
                select(Entity.id).where(Entity.id.in_(ids[start : start + CHUNK]))
            ).scalars()
        )
    return found
