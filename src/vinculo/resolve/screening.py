"""Screening: one FtM entity against what the actor may see, ranked, with the reasons.

In the spirit of OpenSanctions' yente `/match`: the query entity is not stored; candidates
are found by the search index (every name token and identifier, one at a time, so a dropped
maternal surname or a reordered name still finds them), filtered by the access policy, then
scored by the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from followthemoney.statement import Statement, StatementEntity
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for, query_tokens
from vinculo.intel.ftm import Where, assemble, check_entity
from vinculo.intel.models import StatementRow
from vinculo.intel.service import assemble_rows, visible_statements
from vinculo.resolve.models import RESOLVABLE
from vinculo.resolve.service import BatchScreenScorer, ScreenScorer
from vinculo.resolve.store import canonical_ids
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids
from vinculo.settings import default_of

QUERY_ID = "query"
# How many statements one token may bring in; a common surname matches thousands.
PER_TOKEN = 2000
MAX_CANDIDATES = 5000
NAME_PROPS = ("name", "alias", "firstName", "middleName", "lastName", "fatherName", "motherName")
ID_PROPS = ("idNumber", "taxNumber", "nationalId", "passportNumber", "phone", "email", "innCode")


@dataclass
class Candidate:
    entity: StatementEntity
    score: float
    explanation: list[dict[str, Any]]


def query_entity(data: dict[str, Any], *, where: Where | None = None) -> StatementEntity:
    """The entity to screen, checked like an imported one; it must carry a name."""
    where = where or Where(prefix="entity.")
    entity_id, schema, values = check_entity(data, where, make_id=QUERY_ID)
    if schema not in RESOLVABLE:
        raise InvalidInput(
            N_("only people and organisations can be screened, not {value}"),
            field=f"{where.prefix}schema",
            line=where.line,
            file=where.file,
            value=schema,
        )
    if not any(prop in NAME_PROPS for prop, _, _, _ in values):
        raise InvalidInput(
            N_("the entity has no name"),
            field=f"{where.prefix}properties.name",
            line=where.line,
            file=where.file,
        )
    statements = [
        Statement(entity_id=entity_id, prop=prop, schema=schema, value=value, dataset="query")
        for prop, _, value, _ in values
    ]
    return assemble(statements)


def _tokens(entity: StatementEntity) -> list[str]:
    found: list[str] = []
    for prop in NAME_PROPS + ID_PROPS:
        for value in entity.get(prop, quiet=True):
            found.extend(t for t in query_tokens(value) if len(t) >= 3)
    return list(dict.fromkeys(found))[:24]


def _token_ids(*, session: Session, token: str, visible: list[int]) -> list[str]:
    """Visible people and organisations with a statement matching `token`, best first, at
    most PER_TOKEN of them: the policy filters before the cap takes its place."""
    matches = backend_for(session).match_statements([token]).subquery()
    rows = session.execute(
        select(StatementRow.entity_id)
        .join(matches, matches.c.seq == StatementRow.seq)
        .where(
            StatementRow.marking_id.in_(visible),
            StatementRow.schema.in_(RESOLVABLE),
        )
        .order_by(matches.c.rank, StatementRow.seq)
        .limit(PER_TOKEN)
    )
    return [row.entity_id for row in rows]


def candidate_ids(
    *,
    session: Session,
    entity: StatementEntity,
    visible: list[int],
    per_token: dict[str, list[str]] | None = None,
) -> list[str]:
    """Visible people and organisations sharing a name token or identifier with `entity`.

    The access policy filters the matches before the per-token cap takes the best of them:
    a statement the actor may not see never takes a place among the PER_TOKEN kept.
    `per_token` keeps each token's matches for the next entity of a batch (screen_many):
    the same visible set gives the same matches, so a token is looked up once.
    """
    found: dict[str, None] = {}
    for token in _tokens(entity):
        ids = per_token.get(token) if per_token is not None else None
        if ids is None:
            ids = _token_ids(session=session, token=token, visible=visible)
            if per_token is not None:
                per_token[token] = ids
        for entity_id in ids:
            found[entity_id] = None
            if len(found) >= MAX_CANDIDATES:
                return list(found)
    return list(found)


def screen(
    *,
    session: Session,
    actor: Actor,
    entity: StatementEntity,
    scorer: ScreenScorer,
    limit: int = 10,
    threshold: float | None = None,
) -> tuple[list[Candidate], int]:
    """Ranked candidates at or above `threshold` the actor may see, and how many there were.

    The threshold defaults to the `screening_threshold` setting's default.
    """
    if threshold is None:
        threshold = float(default_of("screening_threshold"))
    visible = visible_marking_ids(session=session, actor=actor)
    results: list[Candidate] = []
    total = 0
    if visible:
        ids = candidate_ids(session=session, entity=entity, visible=visible)
        rows = visible_statements(session=session, entity_ids=ids, visible=visible)
        # Resolved identities the actor sees are screened as one profile.
        canon = canonical_ids(session=session, actor=actor, entity_ids=list(rows))
        grouped: dict[str, list[StatementRow]] = {}
        for entity_id, entity_rows in rows.items():
            grouped.setdefault(canon[entity_id], []).extend(entity_rows)
        candidates = [_as_one(root, r) for root, r in grouped.items()]
        scored = sorted(
            (p for p in scorer(entity, candidates) if p.score >= threshold),
            key=lambda p: (-p.score, p.right_id),
        )
        total = len(scored)
        by_id = {c.id: c for c in candidates}
        results = [
            Candidate(by_id[p.right_id], p.score, p.explanation)
            for p in scored[:limit]
            if p.right_id in by_id
        ]
    record(
        session=session,
        actor=actor,
        action="match",
        kind="entity",
        ids=[str(c.entity.id) for c in results],
        detail={"schema": entity.schema.name, "threshold": threshold, "total": total},
    )
    return results, total


def _as_one(root: str, rows: list[StatementRow]) -> StatementEntity:
    entity = assemble_rows(rows)
    entity.id = root
    return entity


def _statements(
    *, session: Session, entity_ids: list[str], visible: list[int]
) -> dict[str, list[Statement]]:
    """visible_statements as FtM statements, read as plain rows: the same statements in the
    same order, without an ORM object for each of a batch's hundreds of thousands."""
    columns = (
        StatementRow.entity_id,
        StatementRow.prop,
        StatementRow.schema,
        StatementRow.value,
        StatementRow.dataset,
        StatementRow.lang,
        StatementRow.original_value,
        StatementRow.id,
        StatementRow.canonical_id,
        StatementRow.first_seen,
        StatementRow.last_seen,
    )
    found: dict[str, list[Statement]] = {}
    for chunk in range(0, len(entity_ids), 500):
        for row in session.execute(
            select(*columns)
            .where(
                StatementRow.entity_id.in_(entity_ids[chunk : chunk + 500]),
                StatementRow.marking_id.in_(visible),
            )
            .order_by(StatementRow.seq)
        ):
            found.setdefault(row.entity_id, []).append(
                Statement(
                    entity_id=row.entity_id,
                    prop=row.prop,
                    schema=row.schema,
                    value=row.value,
                    dataset=row.dataset,
                    lang=row.lang,
                    original_value=row.original_value,
                    id=row.id,
                    canonical_id=row.canonical_id,
                    first_seen=row.first_seen.isoformat(),
                    last_seen=row.last_seen.isoformat(),
                )
            )
    return found


def screen_many(
    *,
    session: Session,
    actor: Actor,
    entities: Sequence[StatementEntity],
    scorer: BatchScreenScorer,
    limit: int | Sequence[int] = 10,
    threshold: float | None = None,
) -> list[tuple[list[Candidate], int]]:
    """`screen` of each entity, in one pass: what `screen` would answer for each, in order.

    The access policy is read once; each name token is looked up once for the whole batch;
    the statements of every candidate are read once (as plain rows) and each candidate
    profile is assembled once; `scorer` scores every entity against its own candidates
    (scoring.screen_batch_scorer scores them all in one pass). An entity's candidates are
    exactly those `screen` finds for it, grouped by resolved identity from them alone, so a
    hit, its score and its rank are the same as one by one. Each screening is on the audit chain as
    `screen` puts it. `limit` is one for all, or one per entity.
    """
    limits = [limit] * len(entities) if isinstance(limit, int) else list(limit)
    if threshold is None:
        threshold = float(default_of("screening_threshold"))
    visible = visible_marking_ids(session=session, actor=actor)
    answers: list[tuple[list[Candidate], int]] = [([], 0) for _ in entities]
    if visible and entities:
        per_token: dict[str, list[str]] = {}
        wanted = [
            candidate_ids(session=session, entity=e, visible=visible, per_token=per_token)
            for e in entities
        ]
        union = list(dict.fromkeys(i for ids in wanted for i in ids))
        rows = _statements(session=session, entity_ids=union, visible=visible)
        canon = canonical_ids(session=session, actor=actor, entity_ids=list(rows))
        order = {entity_id: n for n, entity_id in enumerate(rows)}
        profiles: dict[tuple[str, tuple[str, ...]], StatementEntity] = {}
        batch: list[tuple[StatementEntity, list[StatementEntity]]] = []
        for entity, ids in zip(entities, wanted, strict=True):
            # As `screen` groups them: by identity, in the order the statements came.
            groups: dict[str, list[str]] = {}
            for entity_id in sorted((i for i in set(ids) if i in order), key=order.__getitem__):
                groups.setdefault(canon[entity_id], []).append(entity_id)
            candidates = []
            for root, members in groups.items():
                key = (root, tuple(members))
                if key not in profiles:
                    profile = assemble([r for m in members for r in rows[m]])
                    profile.id = root
                    profiles[key] = profile
                candidates.append(profiles[key])
            batch.append((entity, candidates))
        for n, ((_entity, candidates), pairs) in enumerate(zip(batch, scorer(batch), strict=True)):
            scored = sorted(
                (p for p in pairs if p.score >= threshold), key=lambda p: (-p.score, p.right_id)
            )
            by_id = {c.id: c for c in candidates}
            answers[n] = (
                [
                    Candidate(by_id[p.right_id], p.score, p.explanation)
                    for p in scored[: limits[n]]
                    if p.right_id in by_id
                ],
                len(scored),
            )
    for entity, (results, total) in zip(entities, answers, strict=True):
        record(
            session=session,
            actor=actor,
            action="match",
            kind="entity",
            ids=[str(c.entity.id) for c in results],
            detail={"schema": entity.schema.name, "threshold": threshold, "total": total},
        )
    return answers
