"""Screening: one FtM entity against what the actor may see, ranked, with the reasons.

In the spirit of OpenSanctions' yente `/match`: the query entity is not stored; candidates
are found by the search index (every name token and identifier, one at a time, so a dropped
maternal surname or a reordered name still finds them), filtered by the access policy and,
when the query has a birth date, by the birth dates the reader may see (`candidate_ids`),
then scored by the engine.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from followthemoney.statement import Statement, StatementEntity
from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for, query_tokens
from vinculo.intel.ftm import Where, assemble, check_entity
from vinculo.intel.models import StatementRow
from vinculo.intel.service import assemble_rows, visible_statements
from vinculo.resolve.models import RESOLVABLE
from vinculo.resolve.records import _dates as birth_dates
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
_STATEMENTS = StatementRow.__table__
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


def _tokens(entity: StatementEntity) -> list[tuple[str, bool]]:
    """The entity's search tokens, names first, each with whether an identifier gave it."""
    found: dict[str, bool] = {}
    for prop in NAME_PROPS + ID_PROPS:
        for value in entity.get(prop, quiet=True):
            for token in query_tokens(value):
                if len(token) >= 3:
                    found[token] = found.get(token, False) or prop in ID_PROPS
    return list(found.items())[:24]


Born = tuple[str, str | None]
"""A birth date as the engine compares it: the ISO date and its day/month-swapped reading."""


@lru_cache(maxsize=65536)
def _born(value: str) -> Born | None:
    dob, alt, _year = birth_dates(value)
    return (dob, alt) if dob else None


def _births(entity: StatementEntity) -> list[Born]:
    """The query's birth dates that the engine reads as dates."""
    found = (_born(v) for v in entity.get("birthDate", quiet=True))
    return list(dict.fromkeys(b for b in found if b is not None))


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most one (the engine's "one digit differs")."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = sorted((a, b), key=len)
    i = next((n for n, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def _agrees(query: Born, stored: Born) -> bool:
    """The birth dates meet at one of the engine's agreeing birth-date levels
    (resolve.comparisons: exact, day/month swap, year off by one, one digit, year and month).

    The levels left are "within two years" and "all other": with the shipped model each
    outweighs whatever two names can add (log2 Bayes factors -9.7 and -13.2 against at most
    +21.6 for both names and a prior of -13.1), so such a candidate never reaches a screening
    threshold of 0.5 on names and birth date alone.
    """
    (q, q_alt), (r, r_alt) = query, stored
    if q in (r, r_alt) or q_alt == r or q[:7] == r[:7]:
        return True
    if q[5:] == r[5:] and abs(int(q[:4]) - int(r[:4])) == 1:
        return True
    return _one_edit(q, r)


def _near_years(births: list[Born]) -> set[int]:
    """Every birth year a stored date agreeing with one of `births` can have."""
    years: set[int] = set()
    for dob, _alt in births:
        year = dob[:4]
        years.update(int(year) + d for d in (-1, 0, 1))
        for i in range(len(year)):
            # One digit changed, or two neighbours swapped: "one digit differs".
            years.update(int(year[:i] + c + year[i + 1 :]) for c in "0123456789")
            if i + 1 < len(year):
                years.add(int(year[:i] + year[i + 1] + year[i] + year[i + 2 :]))
    return years


@dataclass
class TokenMatches:
    """Every visible statement matching one name token, best first, indexed by the birth
    years of its entity (the statements of an entity with no birth date under None) and by
    its birth dates."""

    entity_ids: list[str]
    by_year: dict[int | None, list[int]]
    by_date: dict[str, list[int]]


@dataclass
class TokenCache:
    """A batch's look-ups, kept for its next entity: the same visible set gives the same
    matches, so each token is looked up once (and each entity's birth dates read once)."""

    capped: dict[str, list[str]] = field(default_factory=dict)
    full: dict[str, TokenMatches] = field(default_factory=dict)
    births: dict[str, list[Born]] = field(default_factory=dict)
    # The searches, made once a batch and run once a token (bound parameters).
    queries: dict[str, Any] = field(default_factory=dict)
    # Each entity's birth years and dates, as `_token_matches` indexes its matches by them.
    keys: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    # Whether `births` holds every visible birth date of the store (_read_births).
    every_birth: bool = False
    # How many visible birth dates the store holds (read when first needed).
    stored_births: int | None = None


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


def _all_matches_query(session: Session) -> Any:
    """Every visible person or organisation statement matching the bound search, in
    `_token_ids`'s order (rank, then seq): their entities' ids, plain columns."""
    matches = backend_for(session).match_statements_bound().subquery()
    return (
        select(_STATEMENTS.c.entity_id)
        .select_from(_STATEMENTS.join(matches, matches.c.seq == _STATEMENTS.c.seq))
        .where(
            _STATEMENTS.c.marking_id.in_(bindparam("visible", expanding=True)),
            _STATEMENTS.c.schema.in_(RESOLVABLE),
        )
        .order_by(matches.c.rank, _STATEMENTS.c.seq)
    )


def _births_query(*, every: bool = False) -> Any:
    """The birth dates of the bound entities (of every entity) the reader may see. The
    property is a literal, not a parameter, so that both stores use the partial index of
    birth dates (migration 0034): each entity's are one look-up, and all of them one scan
    of that index."""
    where = [
        _STATEMENTS.c.prop == literal_column("'birthDate'"),
        _STATEMENTS.c.marking_id.in_(bindparam("visible", expanding=True)),
    ]
    if not every:
        where.append(_STATEMENTS.c.entity_id.in_(bindparam("ids", expanding=True)))
    return select(_STATEMENTS.c.entity_id, _STATEMENTS.c.value).where(*where)


# A batch reads every visible birth date of the store at once when its matches have brought
# this share of them already: one scan of the index is then cheaper than a look-up an entity.
EVERY_BIRTH_SHARE = 0.2
EVERY_BIRTH_MIN = 20_000


def _read_births(
    *,
    session: Session,
    entity_ids: list[str],
    visible: list[int],
    births: dict[str, list[Born]],
    cache: TokenCache,
) -> None:
    """Add the birth dates (as the engine reads them) of `entity_ids` the reader may see to
    `births`: an entity with none the engine reads gets an empty list.

    Once the batch has read a fifth of the store's visible birth dates one entity at a time,
    it reads all of them at once (the same dates: the same query without the entities)."""
    wanted = len(births) + len(entity_ids)
    if cache.stored_births is None and wanted >= EVERY_BIRTH_MIN:
        # Counted once a batch, and only for one that reads many: a single screening's few
        # look-ups are cheaper than counting a large store's.
        counted = select(func.count()).select_from(_births_query(every=True).subquery())
        cache.stored_births = int(session.execute(counted, {"visible": visible}).scalar_one())
    every = (
        not cache.every_birth
        and cache.stored_births is not None
        and wanted > EVERY_BIRTH_SHARE * cache.stored_births
    )
    seen: dict[str, list[str]] = {} if cache.every_birth else {e: [] for e in entity_ids}
    if every:
        cache.every_birth = True
        rows = session.execute(_births_query(every=True), {"visible": visible}).all()
        for entity_id, value in rows:
            seen.setdefault(entity_id, []).append(value)
    elif not cache.every_birth:
        query = cache.queries.get("births")
        if query is None:
            query = cache.queries["births"] = _births_query()
        for chunk in range(0, len(entity_ids), 500):
            chunk_ids = entity_ids[chunk : chunk + 500]
            rows = session.execute(query, {"ids": chunk_ids, "visible": visible}).all()
            for entity_id, value in rows:
                seen[entity_id].append(value)
    for entity_id, values in seen.items():
        if entity_id not in births:
            # In the order of the values, as one query for all used to give them.
            births[entity_id] = list(dict.fromkeys(b for b in map(_born, sorted(values)) if b))
    for entity_id in entity_ids:
        # Read all at once, an entity with no birth date the reader may see is in no row.
        births.setdefault(entity_id, [])


def _token_matches(
    *,
    session: Session,
    token: str,
    visible: list[int],
    births: dict[str, list[Born]],
    cache: TokenCache | None = None,
) -> TokenMatches:
    """Every visible person or organisation statement matching `token`, in `_token_ids`'s
    order, with the birth dates of its entity as the reader may see them.

    The matches are read alone (one column) and the birth dates of entities not seen
    before in the batch once each afterwards: a common token's thousands of matches share
    their entities, which the batch's other tokens have often read already."""
    cache = cache if cache is not None else TokenCache()
    query = cache.queries.get("matches")
    if query is None:
        query = cache.queries["matches"] = _all_matches_query(session)
    search = backend_for(session).search_value([token])
    ids = list(session.execute(query, {"search": search, "visible": visible}).scalars().all())
    if not cache.every_birth:
        fresh = [entity_id for entity_id in dict.fromkeys(ids) if entity_id not in births]
        if fresh:
            _read_births(
                session=session, entity_ids=fresh, visible=visible, births=births, cache=cache
            )
    found = TokenMatches(entity_ids=ids, by_year={}, by_date={})
    by_year, by_date = found.by_year, found.by_date
    undated: list[int] = []
    keys = cache.keys
    for position, entity_id in enumerate(ids):
        dated = keys.get(entity_id)
        if dated is None:
            # Once every visible birth date has been read, an entity not among them has none.
            stored = births.setdefault(entity_id, [])
            dated = keys[entity_id] = tuple((int(dob[:4]), dob) for dob, _alt in stored)
        if not dated:
            undated.append(position)
            continue
        for year, dob in dated:
            by_year.setdefault(year, []).append(position)
            by_date.setdefault(dob, []).append(position)
    if undated:
        by_year[None] = undated
    return found


def _born_ids(
    *, matches: TokenMatches, query: list[Born], births: dict[str, list[Born]]
) -> list[str]:
    """The first PER_TOKEN of `matches` whose entity has no birth date the engine reads, or
    one agreeing with a date of `query`."""
    # A date agreeing from another year has the same month and day (_near_years).
    lists = [matches.by_year.get(None, [])]
    lists += [matches.by_year.get(int(dob[:4]), []) for dob, _alt in query]
    lists += [
        matches.by_date.get(f"{year:04d}{dob[4:]}", [])
        for dob, _alt in query
        for year in sorted(_near_years([(dob, None)]))
    ]
    kept: list[str] = []
    last = -1
    for position in heapq.merge(*lists):
        if position == last:
            continue
        last = position
        entity_id = matches.entity_ids[position]
        stored = births[entity_id]
        if not stored or any(_agrees(q, r) for q in query for r in stored):
            kept.append(entity_id)
            if len(kept) >= PER_TOKEN:
                break
    return kept


def candidate_ids(
    *,
    session: Session,
    entity: StatementEntity,
    visible: list[int],
    cache: TokenCache | None = None,
) -> list[str]:
    """Visible people and organisations sharing a name token or identifier with `entity`.

    The access policy filters the matches before the per-token cap takes the best of them:
    a statement the actor may not see never takes a place among the PER_TOKEN kept. When
    `entity` has a birth date, a name token's places go to those whose birth date, as the
    reader may see it, agrees with it (`_agrees`) or who have none: in a large store a
    common name's first PER_TOKEN would otherwise be namesakes of any age, and the person
    sought among the thousands left out. An identifier brings whoever holds it.
    `cache` keeps each token's matches for the next entity of a batch (screen_many).
    """
    cache = cache if cache is not None else TokenCache()
    query = _births(entity)
    found: dict[str, None] = {}
    for token, identifier in _tokens(entity):
        if query and not identifier:
            if token not in cache.full:
                cache.full[token] = _token_matches(
                    session=session,
                    token=token,
                    visible=visible,
                    births=cache.births,
                    cache=cache,
                )
            ids = _born_ids(matches=cache.full[token], query=query, births=cache.births)
        else:
            if token not in cache.capped:
                cache.capped[token] = _token_ids(session=session, token=token, visible=visible)
            ids = cache.capped[token]
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
        cache = TokenCache()
        wanted = [
            candidate_ids(session=session, entity=e, visible=visible, cache=cache) for e in entities
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
