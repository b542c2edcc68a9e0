"""Screening: one FtM entity against what the actor may see, ranked, with the reasons.

In the spirit of OpenSanctions' yente `/match`: the query entity is not stored; candidates
are found by the search index (every name token and identifier, one at a time, so a dropped
maternal surname or a reordered name still finds them), filtered by the access policy, then
scored by the engine.
"""

from __future__ import annotations

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
from vinculo.resolve.service import ScreenScorer
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


def candidate_ids(*, session: Session, entity: StatementEntity, visible: list[int]) -> list[str]:
    """Visible people and organisations sharing a name token or identifier with `entity`.

    The access policy filters the matches before the per-token cap takes the best of them:
    a statement the actor may not see never takes a place among the PER_TOKEN kept.
    """
    backend = backend_for(session)
    found: dict[str, None] = {}
    for token in _tokens(entity):
        matches = backend.match_statements([token]).subquery()
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
        for row in rows:
            found[row.entity_id] = None
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
