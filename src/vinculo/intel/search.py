"""Search over reports and entities, returning only what the actor may see."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vinculo.intel.backends import backend_for, query_tokens
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.schemas import SearchHit, SearchResults
from vinculo.intel.service import captions
from vinculo.pagination import decode_cursor, encode_cursor
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids

KINDS = ("all", "reports", "entities")


def _report_hits(
    session: Session, tokens: list[str], visible: list[int], locale: str, offset: int, limit: int
) -> list[SearchHit]:
    matches = backend_for(session).match_reports(tokens).subquery()
    rows = session.execute(
        select(Report)
        .join(matches, matches.c.seq == Report.seq)
        .where(Report.marking_id.in_(visible))
        .order_by(matches.c.rank, Report.seq.desc())
        .offset(offset)
        .limit(limit)
    ).scalars()
    return [
        SearchHit(kind="report", id=r.id, title=r.title(locale), snippet=r.body(locale)[:240])
        for r in rows
    ]


def _entity_hits(
    session: Session, tokens: list[str], visible: list[int], offset: int, limit: int
) -> list[SearchHit]:
    matches = backend_for(session).match_statements(tokens).subquery()
    best = func.min(matches.c.rank)
    rows = list(
        session.execute(
            select(StatementRow.entity_id, best.label("rank"))
            .join(matches, matches.c.seq == StatementRow.seq)
            .where(StatementRow.marking_id.in_(visible))
            .group_by(StatementRow.entity_id)
            .order_by(best, StatementRow.entity_id)
            .offset(offset)
            .limit(limit)
        )
    )
    ids = [r.entity_id for r in rows]
    caps = captions(session=session, entity_ids=ids, visible=visible)
    return [
        SearchHit(kind="entity", id=i, title=caps[i][1], schema_=caps[i][0])
        for i in ids
        if i in caps
    ]


def search(
    *,
    session: Session,
    actor: Actor,
    q: str,
    kind: str = "all",
    cursor: str | None = None,
    limit: int = 20,
) -> SearchResults:
    """Accent- and case-insensitive prefix search; each kind pages by the same offset."""
    tokens = query_tokens(q)
    offset = decode_cursor(cursor) or 0
    visible = visible_marking_ids(session=session, actor=actor)
    if not tokens or not visible:
        record(session=session, actor=actor, action="search", kind=kind, target=q[:200])
        return SearchResults(query=q, items=[])
    items: list[SearchHit] = []
    more = False
    if kind in ("all", "reports"):
        hits = _report_hits(session, tokens, visible, actor.locale, offset, limit + 1)
        more = more or len(hits) > limit
        items.extend(hits[:limit])
    if kind in ("all", "entities"):
        hits = _entity_hits(session, tokens, visible, offset, limit + 1)
        more = more or len(hits) > limit
        items.extend(hits[:limit])
    record(
        session=session,
        actor=actor,
        action="search",
        kind=kind,
        target=q[:200],
        ids=[hit.id for hit in items],
        detail={"offset": offset},
    )
    return SearchResults(
        query=q, items=items, next_cursor=encode_cursor(offset + limit) if more else None
    )
