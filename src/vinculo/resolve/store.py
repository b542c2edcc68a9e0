"""Resolved identities as each actor may see them: which stored entities are one.

The merges an actor sees are the pairs of their own judged "one" (by their run above the
merge threshold, or by their decision) on exactly the statements of the two entities they
may see; their connected components are the actor's resolved identities. Everything that
reads the store with identities collapsed (entity pages, the network graph, screening) asks
here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, and_, delete, exists, not_, or_, select
from sqlalchemy.orm import Session

from vinculo.intel.deletion import Purged
from vinculo.intel.models import StatementRow
from vinculo.resolve.models import (
    MERGED,
    RESOLVABLE,
    ResolutionEvidence,
    ResolutionPair,
)
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids


def visible_pairs_clause(visible: list[int], owner: str):  # type: ignore[no-untyped-def]
    """SQL condition: the pair is the reader's, judged on exactly the markings they see of it.

    The row is the reader's own (resolve.models says why no other account's is). Every
    evidence marking is among `visible` (nothing was judged on what the reader may not see),
    and every marking of a statement of either entity the reader may see is evidence (the row
    is the reader's present view of the pair, not a narrower one), and the reader sees a
    statement of each entity. So each reader sees at most one row of a pair, and a row judged
    on a view they no longer have stays out of their lists and merges until their next run.
    """
    visible = visible or [-1]
    hidden = exists().where(
        ResolutionEvidence.pair_id == ResolutionPair.id,
        ResolutionEvidence.marking_id.not_in(visible),
    )
    # One test per side, so each is an index lookup on (entity_id, marking_id).
    unjudged = [
        exists().where(
            StatementRow.entity_id == side,
            StatementRow.schema.in_(RESOLVABLE),
            StatementRow.marking_id.in_(visible),
            not_(
                exists()
                .where(
                    ResolutionEvidence.pair_id == ResolutionPair.id,
                    ResolutionEvidence.marking_id == StatementRow.marking_id,
                )
                # Both outer tables, not only the nearest: the pair is two levels up.
                .correlate_except(ResolutionEvidence)
            ),
        )
        for side in (ResolutionPair.left_id, ResolutionPair.right_id)
    ]
    # And the reader sees something of each entity. Every deletion now runs the purge hooks,
    # which drop such a row, but one left by a partner's withdrawal before they did can
    # outlive every statement of one side; listed, it would show that entity's id, and
    # merged, make it a visible profile's canonical id — whether or not statements the
    # reader may not see still keep the entity alive.
    seen = [
        exists().where(
            StatementRow.entity_id == side,
            StatementRow.schema.in_(RESOLVABLE),
            StatementRow.marking_id.in_(visible),
        )
        for side in (ResolutionPair.left_id, ResolutionPair.right_id)
    ]
    return and_(ResolutionPair.owner == owner, not_(hidden), *seen, *(not_(u) for u in unjudged))


def merged_edges(*, session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The (left, right) pairs judged one that the actor may see."""
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or actor.username is None:
        return []
    rows = session.execute(
        select(ResolutionPair.left_id, ResolutionPair.right_id).where(
            ResolutionPair.judgement.in_(MERGED),
            visible_pairs_clause(visible, actor.username),
        )
    )
    return [(r.left_id, r.right_id) for r in rows]


def clusters(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Entity id -> canonical id (the smallest id of its component), for ids in any edge."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            # The smaller id becomes the root, so the canonical id does not depend on order.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {x: find(x) for x in parent}


def canonical_ids(
    *, session: Session, actor: Actor, entity_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """Entity id -> canonical id as the actor sees it; ids in no visible merge map to themselves.

    With `entity_ids` None, only ids that are part of some visible merge are returned.
    """
    mapping = clusters(merged_edges(session=session, actor=actor))
    if entity_ids is None:
        return mapping
    return {i: mapping.get(i, i) for i in entity_ids}


def members(*, session: Session, actor: Actor, entity_id: str) -> list[str]:
    """Every entity id the actor sees as the same identity as `entity_id` (itself included).

    Walked out from the entity, one query per step over the pairs touching what was reached
    (both ends are indexed), rather than by clustering every merge the actor may see: an
    entity page or a target's registration costs what its own identity holds, not what the
    store does.
    """
    visible = visible_marking_ids(session=session, actor=actor)
    if not visible or actor.username is None:
        return [entity_id]
    clause = visible_pairs_clause(visible, actor.username)
    reached, frontier = {entity_id}, {entity_id}
    while frontier:
        ids = sorted(frontier)
        rows = session.execute(
            select(ResolutionPair.left_id, ResolutionPair.right_id).where(
                ResolutionPair.judgement.in_(MERGED),
                clause,
                or_(ResolutionPair.left_id.in_(ids), ResolutionPair.right_id.in_(ids)),
            )
        )
        frontier = {x for r in rows for x in (r.left_id, r.right_id)} - reached
        reached |= frontier
    return sorted(reached)


def forget_purged(session: Session, purged: Purged) -> None:
    """A purge takes with it every judgement made on a purged statement, and only those.

    A pair row is one view of two entities: the statements of both under its evidence
    markings. It was judged on a purged statement exactly when one of its two entities lost
    a statement under one of those markings — the engine's score and an analyst's decision
    alike go (28 CFR 23.20(h)); the next run judges what is left, and a decision on a view
    the purge left whole stays. So whether a reader's pair goes depends only on purged
    statements that reader could see: keyed by entity alone, a statement they may not see
    decided whether their pair outlived the purge, and the merged list told it existed.
    Pairs about an entity left with no statement go too, whatever their evidence.
    """
    about_marking: dict[int, list[str]] = defaultdict(list)
    for entity_id, marking_id in purged.statements:
        about_marking[marking_id].append(entity_id)
    for marking_id, entity_ids in sorted(about_marking.items()):
        judged_on = exists().where(
            ResolutionEvidence.pair_id == ResolutionPair.id,
            ResolutionEvidence.marking_id == marking_id,
        )
        for part in _chunks(entity_ids):
            session.execute(delete(ResolutionPair).where(_about(part), judged_on))
    for part in _chunks(purged.entities_deleted):
        session.execute(delete(ResolutionPair).where(_about(part)))


def _about(entity_ids: list[str]) -> ColumnElement[bool]:
    """SQL condition: the pair is about one of `entity_ids`."""
    return or_(ResolutionPair.left_id.in_(entity_ids), ResolutionPair.right_id.in_(entity_ids))


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    # Bound the number of bound parameters per statement (SQLite's limit).
    for start in range(0, len(items), size):
        yield items[start : start + size]
