"""Pairs as items notifications may point at: a reader sees a pair as the review queue
does (vinculo.resolve.store.visible_pairs_clause). Wired by vinculo.hooks. And assigning a
pair to a colleague, who gets it scored on what they may see, and is notified."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.notify.items import Item, ItemKind
from vinculo.notify.service import notify
from vinculo.resolve.models import ResolutionPair
from vinculo.resolve.service import ScreenScorer, pair_for, visible_pair
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
    if not numbers or not visible or actor.username is None:
        return set()
    rows = session.execute(
        select(ResolutionPair.id).where(
            ResolutionPair.id.in_(numbers), visible_pairs_clause(visible, actor.username)
        )
    )
    return {str(row.id) for row in rows}


PAIR = ItemKind("pair", visible_pairs, lambda i: f"/resolve/pairs/{i}", N_("pair {id}"))


def assign_pair(
    *, session: Session, actor: Actor, pair_id: int, username: str, scorer: ScreenScorer
) -> str:
    """Ask a colleague to review the two entities of one of the actor's pairs.

    The colleague gets the pair as their own, scored on what they may see of the two
    entities (their existing pair if they have one), and is notified ("a pair of records was
    assigned to you"); the assignment is recorded. A pair the actor may not see answers as a
    missing one; a colleague who does not exist or may not resolve is refused naming the
    field. Whether the colleague may see the two entities is not told: it depends on
    statements the actor may not see, so the answer is the same and a colleague who may not
    see them simply gets nothing.
    """
    require(actor, Permission.RESOLVE)
    pair = visible_pair(session=session, actor=actor, pair_id=pair_id)
    username = username.strip()
    user = session.execute(
        select(User).where(User.username == username, User.active.is_(True))
    ).scalar_one_or_none()
    if user is None or not allowed(actor_for(user), Permission.RESOLVE):
        raise InvalidInput(N_("no colleague by that name may resolve identities"), field="username")
    theirs = pair_for(
        session=session,
        actor=actor_for(user),
        left_id=pair.left_id,
        right_id=pair.right_id,
        scorer=scorer,
        assigned_by=actor.username or "",
    )
    if theirs is not None:
        notify(session, recipient=user, kind="pair_assigned", item=Item("pair", str(theirs.id)))
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
