"""Pairs as items notifications may point at: a reader sees a pair as the review queue
does (vinculo.resolve.store.visible_pairs_clause). Wired by vinculo.hooks. And assigning a
pair to a colleague, who is notified."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.notify.items import Item, ItemKind
from vinculo.notify.service import notify
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.store import visible_pairs_clause
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, allowed, require
from vinculo.security.service import actor_for

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


def assign_pair(*, session: Session, actor: Actor, pair_id: int, username: str) -> str:
    """Ask a colleague to review a pair: they are notified ("a pair of records was assigned
    to you"), and the assignment is recorded. A pair the actor may not see answers as a
    missing one; a colleague who does not exist, may not resolve or may not see the pair
    (the actor sees it, so that says nothing of the pair) is refused naming the field."""
    require(actor, Permission.RESOLVE)
    if not 0 < pair_id <= MAX_ID or str(pair_id) not in visible_pairs(
        session, actor, [str(pair_id)]
    ):
        raise NotFound(N_("no such pair"), field="id")
    username = username.strip()
    user = session.execute(
        select(User).where(User.username == username, User.active.is_(True))
    ).scalar_one_or_none()
    if user is None or not allowed(actor_for(user), Permission.RESOLVE):
        raise InvalidInput(N_("no colleague by that name may resolve identities"), field="username")
    made = notify(session, recipient=user, kind="pair_assigned", item=Item("pair", str(pair_id)))
    if made is None and str(pair_id) not in visible_pairs(session, actor_for(user), [str(pair_id)]):
        raise InvalidInput(N_("that colleague may not see this pair"), field="username")
    record(
        session=session,
        actor=actor,
        action="assign",
        kind="pair",
        target=str(pair_id),
        ids=[str(pair_id)],
        detail={"assignee": user.username},
    )
    return user.username
