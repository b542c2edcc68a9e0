"""Search over reports and entities, returning only what the actor may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vinculo.intel.backends import backend_for, query_tokens
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.schemas import SearchHit, SearchResults
from vinculo.intel.service import captions
from vinculo.pagination import decode_cursor, encode_cursor
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids

KINDS = ("all", "reports", "entities")


# Ranking scores every match; a common surname matches tens of thousands of statements. Only
# the newest RANK_WINDOW visible matches are ranked and paged, which an index walk in rowid
# order finds at once (bench/read_paths.py: SQLite search p95 88 -> 35 ms at 1M statements).
RANK_WINDOW = 1000


def _newest_matches(
    matches: Select[Any, Any],
    model: type[Report] | type[StatementRow],
    key: InstrumentedAttribute[Any],
    visible: list[int],
) -> Subquery:
    """(key, rank) of the newest RANK_WINDOW rows of `model` that match and the actor may see."""
    found = matches.subquery()
    return (
        select(key, found.c.rank)
        .join(found, found.c.seq == model.seq)
        .where(model.marking_id.in_(visible))
        .order_by(found.c.seq.desc())
        .limit(RANK_WINDOW)
        .subquery()
    )


def _report_hits(
    session: Session, tokens: list[str], visible: list[int], locale: str, offset: int, limit: int
) -> list[SearchHit]:
    window = _newest_matches(
        backend_for(session).match_reports(tokens), Report, Report.seq, visible
    )
    page = [
        row.seq
        for row in session.execute(
            select(window.c.seq)
            .order_by(window.c.rank, window.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
    ]
    # Whole rows (bodies of a kilobyte or more) only for the page shown.
    found = {
        r.seq: r for r in session.execute(select(Report).where(Report.seq.in_(page))).scalars()
    }
    return [
        SearchHit(
            kind="report",
            id=found[seq].id,
            title=found[seq].title(locale),
            snippet=found[seq].body(locale)[:240],
        )
        for seq in page
        if seq in found
    ]


def _entity_hits(
    session: Session, tokens: list[str], visible: list[int], offset: int, limit: int
) -> list[SearchHit]:
    window = _newest_matches(
        backend_for(session).match_statements(tokens), StatementRow, StatementRow.entity_id, visible
    )
    best = func.min(window.c.rank)
    rows = list(
        session.execute(
            select(window.c.entity_id, best.label("rank"))
            .group_by(window.c.entity_id)
            .order_by(best, window.c.entity_id)
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


def find(
    *,
    session: Session,
    actor: Actor,
    q: str,
    kind: str = "all",
    cursor: str | None = None,
    limit: int = 20,
) -> SearchResults:
    """Accent- and case-insensitive prefix search; each kind pages by the same offset.

    Not audited: callers use `search`, which records the read. Kept apart so the cost of
    auditing can be measured against the search itself (bench/audit_chain.py).
    """
    tokens = query_tokens(q)
    offset = decode_cursor(cursor) or 0
    visible = visible_marking_ids(session=session, actor=actor)
    if not tokens or not visible:
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
    return SearchResults(
        query=q, items=items, next_cursor=encode_cursor(offset + limit) if more else None
    )


def search(
    *,
    session: Session,
    actor: Actor,
    q: str,
    kind: str = "all",
    cursor: str | None = None,
    limit: int = 20,
) -> SearchResults:
    """Search as `find` does, and append the query and the ids returned to the audit chain."""
    results = find(session=session, actor=actor, q=q, kind=kind, cursor=cursor, limit=limit)
    record(
        session=session,
        actor=actor,
        action="search",
        kind=kind,
        target=q[:200],
        ids=[hit.id for hit in results.items],
        detail={"offset": decode_cursor(cursor) or 0},
    )
    return results
