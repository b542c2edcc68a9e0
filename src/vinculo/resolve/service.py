"""Resolution in the store: score stored entities, merge or queue them, and let analysts decide.

`run` is an account's job (`vinculo resolve run --as`, the page or the API for whoever may
resolve): it scores the entities the account may read and stores each pair above the review
threshold as the account's own, with the markings of the statements it was judged on, leaving
the account's decisions as they were. The host operator's run (`vinculo resolve run`, the
demo) is one such run for every account that may resolve. Everything that reads pairs back
goes through `visible_pairs_clause`, so an account sees only its own pairs, and each only
while it was judged on exactly the statements of it the account may see (resolve.models says
why nothing is shared across accounts).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from followthemoney.statement import StatementEntity
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from vinculo.db import fresh_ids
from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.models import StatementRow
from vinculo.intel.service import assemble_rows, captions, visible_statements
from vinculo.pagination import MAX_POSITION, decode_cursor, encode_cursor
from vinculo.resolve.models import (
    ANALYST,
    AUTO,
    MERGED,
    NO_LONGER_MERGED,
    NO_MATCH,
    PENDING,
    UNSURE,
    ResolutionDecision,
    ResolutionEvidence,
    ResolutionPair,
    scope_key,
)
from vinculo.resolve.models import (
    RESOLVABLE as RESOLVABLE,
)
from vinculo.resolve.store import visible_pairs_clause
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, allowed, require
from vinculo.security.service import actor_for
from vinculo.settings import default_of


@dataclass(frozen=True)
class ScoredPair:
    """What a scorer returns: two entity ids, a probability in [0, 1], and why."""

    left_id: str
    right_id: str
    score: float
    explanation: list[dict[str, Any]] = field(default_factory=list)


Scorer = Callable[[Sequence[StatementEntity]], list[ScoredPair]]
# Scores one query entity against candidates (resolve.screening, assignments).
ScreenScorer = Callable[[StatementEntity, Sequence[StatementEntity]], list[ScoredPair]]
# Many screenings at once: each query with its own candidates, the pairs of each in order.
BatchScreenScorer = Callable[
    [Sequence[tuple[StatementEntity, Sequence[StatementEntity]]]], list[list[ScoredPair]]
]


@dataclass
class RunSummary:
    entities: int = 0
    merged: int = 0
    queued: int = 0
    kept: int = 0
    dropped: int = 0
    # How many accounts' runs it sums: the host operator's run is one per account.
    accounts: int = 1

    def add(self, other: RunSummary) -> None:
        self.entities = max(self.entities, other.entities)
        self.merged += other.merged
        self.queued += other.queued
        self.kept += other.kept
        self.dropped += other.dropped


# A run's scores by the scorer and the markings read: accounts that read the same statements
# with the same model are scored once in the host operator's run.
ScoreCache = dict[tuple[int, frozenset[int]], list[ScoredPair]]


def _judgement(score: float, merge: float) -> str:
    return AUTO if score >= merge else PENDING


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def load_entities(
    *, session: Session, visible: list[int] | None
) -> tuple[list[StatementEntity], dict[str, set[int]]]:
    """Resolvable entities built from the statements read (all when `visible` is None)."""
    query = select(StatementRow).where(StatementRow.schema.in_(RESOLVABLE))
    if visible is not None:
        query = query.where(StatementRow.marking_id.in_(visible or [-1]))
    rows: dict[str, list[StatementRow]] = defaultdict(list)
    for row in session.execute(query.order_by(StatementRow.seq)).scalars():
        rows[row.entity_id].append(row)
    entities = []
    evidence: dict[str, set[int]] = {}
    for entity_id, entity_rows in rows.items():
        entities.append(assemble_rows(entity_rows))
        evidence[entity_id] = {r.marking_id for r in entity_rows}
    return entities, evidence


def resolving_accounts(session: Session) -> list[Actor]:
    """Every active account that may resolve, by name: whom the host operator's run is for."""
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [a for a in (actor_for(u) for u in users) if allowed(a, Permission.RESOLVE)]


def thresholds(merge: float | None, review: float | None) -> tuple[float, float]:
    """The merge and review thresholds, the store's settings where not given, checked."""
    merge = float(default_of("store_merge_threshold")) if merge is None else merge
    review = float(default_of("store_review_threshold")) if review is None else review
    if not 0 <= review <= merge <= 1:
        raise InvalidInput(
            N_("thresholds must satisfy 0 ≤ review ≤ merge ≤ 1"), field="merge_threshold"
        )
    return merge, review


def run(
    *,
    session: Session,
    actor: Actor | None,
    scorer: Scorer | None = None,
    scorer_for: Callable[[Actor], Scorer] | None = None,
    merge_threshold: float | None = None,
    review_threshold: float | None = None,
) -> RunSummary:
    """Score what the actor may read and record the pairs as theirs; decisions stay as made.

    The run needs `resolve`. Without an actor it is the host operator's run: one run for
    every account that may resolve, each on what that account may read. Each account is
    scored by `scorer`, or by `scorer_for(account)` (a model trained on its own labels). The
    thresholds default to the store's settings (`store_merge_threshold`,
    `store_review_threshold`).
    """
    if scorer is None and scorer_for is None:
        raise TypeError("give a scorer or scorer_for")

    def pick(account: Actor) -> Scorer:
        if scorer_for is not None:
            return scorer_for(account)
        assert scorer is not None
        return scorer

    merge, review = thresholds(merge_threshold, review_threshold)
    cache: ScoreCache = {}
    if actor is not None:
        require(actor, Permission.RESOLVE)
        return _run_as(session, actor, pick(actor), merge, review, cache)
    total = RunSummary(accounts=0)
    for account in resolving_accounts(session):
        total.add(_run_as(session, account, pick(account), merge, review, cache))
        total.accounts += 1
    return total


def _run_as(
    session: Session,
    actor: Actor,
    scorer: Scorer,
    merge_threshold: float,
    review_threshold: float,
    cache: ScoreCache,
) -> RunSummary:
    owner = actor.username
    assert owner is not None  # require() let only a signed-in account through
    visible = visible_marking_ids(session=session, actor=actor)
    entities, evidence = load_entities(session=session, visible=visible)
    summary = RunSummary(entities=len(entities))
    key = (id(scorer), frozenset(visible))
    found_pairs = cache.get(key)
    if found_pairs is None:
        found_pairs = cache[key] = scorer(entities)
    scored = {
        _ordered(p.left_id, p.right_id): p
        for p in found_pairs
        if p.score >= review_threshold and p.left_id != p.right_id
    }
    # The rows this run may touch: the account's own view of each pair, in one query.
    query = select(ResolutionPair).where(visible_pairs_clause(visible, owner))
    existing = {(p.left_id, p.right_id): p for p in session.execute(query).scalars()}
    decided = _decided_views(session, visible, owner) if scored else {}
    # Random ids: a sequence's next number would tell the owner how many pairs others'
    # runs made since theirs (vinculo.db.fresh_ids).
    new_ids = iter(fresh_ids(session, ResolutionPair.id, sum(k not in existing for k in scored)))
    now = utcnow()
    touched: set[int] = set()
    for key_pair, found in scored.items():
        marks = evidence.get(key_pair[0], set()) | evidence.get(key_pair[1], set())
        pair = existing.pop(key_pair, None)
        explanation = json.dumps(found.explanation, ensure_ascii=False, default=str)
        if pair is None:
            pair = ResolutionPair(
                id=next(new_ids),
                left_id=key_pair[0],
                right_id=key_pair[1],
                owner=owner,
                scope=scope_key(marks),
                score=found.score,
                explanation=explanation,
                judgement=_judgement(found.score, merge_threshold),
                reason="",
                created_at=now,
                updated_at=now,
            )
            session.add(pair)
            session.flush()
            _inherit(session, pair, decided.get(key_pair, []), marks)
        else:
            pair.score = found.score
            pair.explanation = explanation
            pair.updated_at = now
            if pair.judgement not in ANALYST:
                pair.judgement = _judgement(found.score, merge_threshold)
                pair.reason = ""
            session.query(ResolutionEvidence).filter_by(pair_id=pair.id).delete()
        session.add_all(ResolutionEvidence(pair_id=pair.id, marking_id=m) for m in sorted(marks))
        touched.add(pair.id)
        if pair.judgement in ANALYST:
            summary.kept += 1
        elif pair.judgement == AUTO:
            summary.merged += 1
        else:
            summary.queued += 1
    # A merge of the present view that this run no longer makes (a new model, a changed
    # statement) is not undone in silence: while the run still reads both records, it
    # waits for review until an analyst decides it or the run scores it again.
    loaded = {str(e.id) for e in entities}
    for pair in existing.values():
        if pair.left_id not in loaded or pair.right_id not in loaded:
            continue
        if pair.judgement == AUTO or (
            pair.judgement == PENDING and pair.reason == NO_LONGER_MERGED
        ):
            pair.judgement, pair.reason, pair.updated_at = PENDING, NO_LONGER_MERGED, now
            touched.add(pair.id)
            summary.queued += 1
    # The account's other engine pairs this run did not score go — of its present view, and
    # of views it no longer has — unless a colleague assigned one for review; its decisions
    # stay as evidence and labels.
    engine_rows = session.scalars(
        select(ResolutionPair.id).where(
            ResolutionPair.owner == owner,
            ResolutionPair.judgement.in_((AUTO, PENDING)),
            ResolutionPair.assigned_by.is_(None),
        )
    )
    stale = [i for i in engine_rows if i not in touched]
    summary.dropped = len({p.id for p in existing.values()} & set(stale))
    for start in range(0, len(stale), 500):
        part = stale[start : start + 500]
        session.execute(delete(ResolutionPair).where(ResolutionPair.id.in_(part)))
    session.flush()
    record(
        session=session,
        actor=actor,
        action="resolve",
        kind="run",
        detail={
            "entities": summary.entities,
            "merged": summary.merged,
            "queued": summary.queued,
            "kept": summary.kept,
            "dropped": summary.dropped,
            "merge_threshold": merge_threshold,
            "review_threshold": review_threshold,
        },
    )
    return summary


def _decided_views(
    session: Session, visible: list[int], owner: str
) -> dict[tuple[str, str], list[tuple[ResolutionPair, set[int]]]]:
    """The owner's decisions on any view of a pair whose evidence is all among `visible`."""
    pairs = {
        p.id: p
        for p in session.scalars(
            select(ResolutionPair).where(
                ResolutionPair.judgement.in_(ANALYST), ResolutionPair.owner == owner
            )
        )
    }
    marks: dict[int, set[int]] = defaultdict(set)
    if pairs:
        for pair_id, marking_id in session.execute(
            select(ResolutionEvidence.pair_id, ResolutionEvidence.marking_id).where(
                ResolutionEvidence.pair_id.in_(list(pairs))
            )
        ):
            marks[pair_id].add(marking_id)
    allowed = set(visible)
    out: dict[tuple[str, str], list[tuple[ResolutionPair, set[int]]]] = defaultdict(list)
    for pair_id, pair in pairs.items():
        if marks[pair_id] <= allowed:
            out[(pair.left_id, pair.right_id)].append((pair, marks[pair_id]))
    return out


def _inherit(
    session: Session,
    pair: ResolutionPair,
    decided: list[tuple[ResolutionPair, set[int]]],
    marks: set[int],
) -> None:
    """A new view of a pair keeps the owner's latest decision made on part of it.

    When the statements of two entities an account sees change (a report under new markings),
    their pair gets a new scope; the decision the account made on a view contained in it
    still holds, since this view holds all of that one. Views not contained are not copied:
    that would carry a judgement on statements the account may no longer see.
    """
    within = [(p, m) for p, m in decided if m <= marks]
    if not within:
        return
    source = max(within, key=lambda pm: (pm[0].updated_at, pm[0].id))[0]
    pair.judgement = source.judgement
    pair.decided_by = source.decided_by
    pair.reason = source.reason
    pair.assigned_by = source.assigned_by
    for decision in session.scalars(
        select(ResolutionDecision)
        .where(ResolutionDecision.pair_id == source.id)
        .order_by(ResolutionDecision.id)
    ):
        session.add(
            ResolutionDecision(
                pair_id=pair.id,
                previous=decision.previous,
                judgement=decision.judgement,
                username=decision.username,
                reason=decision.reason,
                decided_at=decision.decided_at,
            )
        )


def pair_for(
    *,
    session: Session,
    actor: Actor,
    left_id: str,
    right_id: str,
    scorer: ScreenScorer,
    assigned_by: str,
    merge_threshold: float | None = None,
) -> ResolutionPair | None:
    """The actor's own pair of two entities, scored on what they may see of them if they have
    none yet, and kept by their runs as assigned; None when they see nothing of one side."""
    owner = actor.username
    visible = visible_marking_ids(session=session, actor=actor)
    if owner is None or not visible:
        return None
    left_id, right_id = _ordered(left_id, right_id)
    pair = session.execute(
        select(ResolutionPair).where(
            ResolutionPair.left_id == left_id,
            ResolutionPair.right_id == right_id,
            visible_pairs_clause(visible, owner),
        )
    ).scalar_one_or_none()
    if pair is not None:
        pair.assigned_by = assigned_by
        return pair
    rows = visible_statements(session=session, entity_ids=[left_id, right_id], visible=visible)
    sides = {i: [r for r in rows.get(i, []) if r.schema in RESOLVABLE] for i in (left_id, right_id)}
    if not all(sides.values()):
        return None
    left, right = assemble_rows(sides[left_id]), assemble_rows(sides[right_id])
    found = next((p for p in scorer(left, [right]) if p.right_id == right_id), None)
    score = found.score if found is not None else 0.0
    merge, _ = thresholds(merge_threshold, None)
    marks = {r.marking_id for side in sides.values() for r in side}
    now = utcnow()
    (pair_id,) = fresh_ids(session, ResolutionPair.id, 1)
    pair = ResolutionPair(
        id=pair_id,
        left_id=left_id,
        right_id=right_id,
        owner=owner,
        scope=scope_key(marks),
        score=score,
        explanation=json.dumps(found.explanation if found else [], ensure_ascii=False, default=str),
        judgement=_judgement(score, merge),
        reason="",
        assigned_by=assigned_by,
        created_at=now,
        updated_at=now,
    )
    session.add(pair)
    session.flush()
    _inherit(
        session, pair, _decided_views(session, visible, owner).get((left_id, right_id), []), marks
    )
    session.add_all(ResolutionEvidence(pair_id=pair.id, marking_id=m) for m in sorted(marks))
    session.flush()
    return pair


def labels(*, session: Session, actor: Actor | None = None) -> list[tuple[str, str, bool]]:
    """Analysts' accept and reject decisions, as training labels for the engine.

    For an account's run, only its own decisions on pairs it sees: a model it trains is
    shaped by nothing it may not read, nor by what others decided on what they read
    (MARKINGS.md, statistics).
    """
    query = select(ResolutionPair.left_id, ResolutionPair.right_id, ResolutionPair.judgement).where(
        ResolutionPair.judgement.in_(("match", "no_match"))
    )
    if actor is not None:
        visible = visible_marking_ids(session=session, actor=actor)
        query = query.where(visible_pairs_clause(visible, actor.username or ""))
    rows = session.execute(query.distinct())
    return [(r.left_id, r.right_id, r.judgement == "match") for r in rows]


# --- reading pairs back ------------------------------------------------------------------

# What each list of pairs holds: waiting for an analyst, or merged into one identity.
LISTS = {"queue": (PENDING, UNSURE), "merged": MERGED, "rejected": (NO_MATCH,)}


@dataclass
class PairSummary:
    id: int
    left_id: str
    right_id: str
    left_caption: str
    right_caption: str
    schema: str
    score: float
    judgement: str


@dataclass
class PairPage:
    items: list[PairSummary]
    next_cursor: str | None


@dataclass
class Profile:
    id: str
    schema: str
    caption: str
    properties: dict[str, list[str]]


@dataclass
class PairView:
    pair: ResolutionPair
    left: Profile
    right: Profile
    features: list[dict[str, Any]]
    decisions: list[ResolutionDecision]


def visible_pair(*, session: Session, actor: Actor, pair_id: int) -> ResolutionPair:
    """The actor's own pair by id; NotFound alike for a hidden, missing or impossible one."""
    return _visible_pair(session, actor, pair_id, visible_marking_ids(session=session, actor=actor))


def _visible_pair(
    session: Session, actor: Actor, pair_id: int, visible: list[int]
) -> ResolutionPair:
    # An id no table could hold is simply missing (it would overflow SQLite and PostgreSQL).
    if not 0 < pair_id <= MAX_POSITION:
        raise NotFound(N_("no such pair"), field="id")
    pair = session.execute(
        select(ResolutionPair).where(
            ResolutionPair.id == pair_id, visible_pairs_clause(visible, actor.username or "")
        )
    ).scalar_one_or_none()
    if pair is None or not visible:
        raise NotFound(N_("no such pair"), field="id")
    return pair


def review_queue(
    *,
    session: Session,
    actor: Actor,
    judgements: Iterable[str] = (PENDING, "unsure"),
    cursor: str | None = None,
    limit: int = 25,
) -> PairPage:
    """Pairs waiting for an analyst, most likely first, as far as the actor may see them."""
    visible = visible_marking_ids(session=session, actor=actor)
    after = decode_cursor(cursor) or 0
    if not visible:
        record(session=session, actor=actor, action="list", kind="pair", ids=[])
        return PairPage(items=[], next_cursor=None)
    rows = list(
        session.execute(
            select(ResolutionPair)
            .where(
                ResolutionPair.judgement.in_(tuple(judgements)),
                visible_pairs_clause(visible, actor.username or ""),
            )
            # Ties by the two ids: row ids are random (fresh_ids), and the order must not be.
            .order_by(ResolutionPair.score.desc(), ResolutionPair.left_id, ResolutionPair.right_id)
            .offset(after)
            .limit(limit + 1)
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    caps = captions(
        session=session,
        entity_ids=[i for r in rows for i in (r.left_id, r.right_id)],
        visible=visible,
    )
    items = []
    for r in rows:
        left = caps.get(r.left_id, ("", r.left_id))
        right = caps.get(r.right_id, ("", r.right_id))
        items.append(
            PairSummary(
                r.id, r.left_id, r.right_id, left[1], right[1], left[0], r.score, r.judgement
            )
        )
    record(
        session=session,
        actor=actor,
        action="list",
        kind="pair",
        ids=[str(i.id) for i in items] + [x for i in items for x in (i.left_id, i.right_id)],
    )
    return PairPage(items=items, next_cursor=encode_cursor(after + limit) if more else None)


def _profile(entity_id: str, rows: list[StatementRow]) -> Profile:
    entity = assemble_rows(rows)
    props = {prop: sorted(set(values)) for prop, values in entity.to_dict()["properties"].items()}
    return Profile(entity_id, entity.schema.name, entity.caption, props)


def get_pair(*, session: Session, actor: Actor, pair_id: int) -> PairView:
    """Both profiles side by side, from the statements the actor may see, and the features."""
    visible = visible_marking_ids(session=session, actor=actor)
    pair = _visible_pair(session, actor, pair_id, visible)
    rows = visible_statements(
        session=session, entity_ids=[pair.left_id, pair.right_id], visible=visible
    )
    if not rows.get(pair.left_id) or not rows.get(pair.right_id):
        raise NotFound(N_("no such pair"), field="id")
    decisions = list(
        session.execute(
            select(ResolutionDecision)
            .where(ResolutionDecision.pair_id == pair.id)
            .order_by(ResolutionDecision.id)
        ).scalars()
    )
    record(
        session=session,
        actor=actor,
        action="read",
        kind="pair",
        target=str(pair.id),
        ids=[str(pair.id), pair.left_id, pair.right_id],
    )
    return PairView(
        pair=pair,
        left=_profile(pair.left_id, rows[pair.left_id]),
        right=_profile(pair.right_id, rows[pair.right_id]),
        features=json.loads(pair.explanation or "[]"),
        decisions=decisions,
    )


# --- deciding ----------------------------------------------------------------------------

DECISIONS = ("match", "no_match", "unsure")


def decide(
    *, session: Session, actor: Actor, pair_id: int, judgement: str, reason: str
) -> ResolutionPair:
    """An analyst's accept, reject or unsure, with a reason; recorded and reversible."""
    require(actor, Permission.RESOLVE)
    if judgement not in DECISIONS:
        raise InvalidInput(N_("the decision must be match, no_match or unsure"), field="judgement")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("give a reason for the decision"), field="reason")
    visible = visible_marking_ids(session=session, actor=actor)
    pair = _visible_pair(session, actor, pair_id, visible)
    return _apply(session, actor, pair, judgement, reason)


def _apply(
    session: Session, actor: Actor, pair: ResolutionPair, judgement: str, reason: str
) -> ResolutionPair:
    previous = pair.judgement
    now = utcnow()
    session.add(
        ResolutionDecision(
            pair_id=pair.id,
            previous=previous,
            judgement=judgement,
            username=actor.username,
            reason=reason,
            decided_at=now,
        )
    )
    pair.judgement = judgement
    pair.decided_by = actor.username
    pair.reason = reason
    pair.updated_at = now
    session.flush()
    record(
        session=session,
        actor=actor,
        action="decide",
        kind="pair",
        target=str(pair.id),
        ids=[str(pair.id), pair.left_id, pair.right_id],
        detail={"previous": previous, "judgement": judgement, "reason": reason},
    )
    return pair


def split(*, session: Session, actor: Actor, entity_id: str, reason: str) -> list[ResolutionPair]:
    """Take `entity_id` out of the identity it was merged into: its merges become rejections."""
    require(actor, Permission.RESOLVE)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("give a reason for the decision"), field="reason")
    visible = visible_marking_ids(session=session, actor=actor)
    pairs = (
        list(
            session.execute(
                select(ResolutionPair).where(
                    or_(ResolutionPair.left_id == entity_id, ResolutionPair.right_id == entity_id),
                    ResolutionPair.judgement.in_(MERGED),
                    visible_pairs_clause(visible, actor.username or ""),
                )
            ).scalars()
        )
        if visible
        else []
    )
    if not pairs:
        raise NotFound(N_("this entity is not merged with any other"), field="id")
    return [_apply(session, actor, p, "no_match", reason) for p in pairs]
