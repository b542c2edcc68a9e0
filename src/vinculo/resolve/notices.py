"""Pairs as items notifications may point at: a reader sees a pair as the review queue
does (vinculo.resolve.store.visible_pairs_clause). Wired by vinculo.hooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.i18n import N_
from vinculo.notify.items import ItemKind
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.store import visible_pairs_clause
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids

MAX_ID = 2**31 - 1


def visible_pairs(session: Session, actor: Actor, ids: list[str]) -> set[str]:
    numbers = [int(i) for i in ids if i.isdigit() and 0 < int(i) <= MAX_ID]
    visible = visible_marking_ids(session=session, actor=actor)
    if not numbers or not visible:
        return set()
    rows = session.execute(
        select(ResolutionPair.id).where(
            ResolutionPair.id.in_(numbers), visible_pairs_clause(visible)
        )
    )
    return {str(row.id) for row in rows}


PAIR = ItemKind("pair", visible_pairs, lambda i: f"/resolve/pairs/{i}", N_("pair {id}"))
