"""How screening's birth-date candidate search reads the store, on both backends: a token's
matches in rank and filing order, its entities' birth dates read once (one entity at a time,
or all at once for a large batch), and the same candidates either way as the search written
plainly."""

from __future__ import annotations

import random

import pytest
from followthemoney.statement import StatementEntity
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vinculo.db import transaction
from vinculo.intel.backends import backend_for
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.resolve import screening
from vinculo.resolve.models import RESOLVABLE
from vinculo.security.policy import visible_marking_ids

from conftest import Store
from worlds import World, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])
NAME = "Teodoro Zamora Quiroz"
QUERY = {"name": [NAME], "birthDate": ["1980-06-11"]}


def person(entity_id: str, born: str | None = None, name: str = NAME) -> EntityIn:
    properties = {"name": [name]} | ({"birthDate": [born]} if born else {})
    return EntityIn(id=entity_id, schema="Person", properties=properties)


def plainly(session: Session, entity: StatementEntity, visible: list[int]) -> list[str]:
    """candidate_ids written plainly: each name token's visible matches in rank and filing
    order, kept when the entity has no visible birth date the engine reads or one agreeing
    with the query's, the first PER_TOKEN of them."""
    query = screening._births(entity)
    found: dict[str, None] = {}
    for token, _identifier in screening._tokens(entity):
        matches = backend_for(session).match_statements([token]).subquery()
        ids = session.execute(
            select(StatementRow.entity_id)
            .join(matches, matches.c.seq == StatementRow.seq)
            .where(StatementRow.marking_id.in_(visible), StatementRow.schema.in_(RESOLVABLE))
            .order_by(matches.c.rank, StatementRow.seq)
        ).scalars()
        kept = 0
        for entity_id in ids:
            values = session.execute(
                select(StatementRow.value).where(
                    StatementRow.entity_id == entity_id,
                    StatementRow.prop == "birthDate",
                    StatementRow.marking_id.in_(visible),
                )
            ).scalars()
            stored = [b for b in map(screening._born, values) if b]
            if not stored or any(screening._agrees(q, r) for q in query for r in stored):
                found[entity_id] = None
                kept += 1
                if kept >= screening.PER_TOKEN:
                    break
    return list(found)


def searched(world: World, who: str, query: dict[str, list[str]], *, every: bool) -> list[str]:
    """candidate_ids for `who`, reading the birth dates all at once (`every`) or one entity
    at a time; checked against the search written plainly."""
    entity = screening.query_entity({"schema": "Person", "properties": query})
    with transaction(world.store.sessions) as session:
        visible = visible_marking_ids(session=session, actor=world.actors[who])
        cache = screening.TokenCache()
        found = screening.candidate_ids(
            session=session, entity=entity, visible=visible, cache=cache
        )
        assert cache.every_birth is every
        assert found == plainly(session, entity, visible)
    return found


def test_a_tokens_places_go_in_rank_and_filing_order(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screening, "PER_TOKEN", 3)
    analyst = fresh_world.actors["us.analyst"]
    # The same name, so the same rank: the places go by filing order, to agreeing ones only.
    file_report(
        fresh_world.store,
        analyst,
        "Namesakes",
        BOTH,
        [
            person("per-zq-1950", "1950-02-03"),
            person("per-zq-same", "1980-06-11"),
            person("per-zq-none"),
            person("per-zq-1993", "1993-06-11"),
            person("per-zq-swapped", "1980-11-06"),
            person("per-zq-year-off", "1979-06-11"),
            person("per-zq-month", "1980-06-02"),
        ],
    )
    found = searched(fresh_world, "mx.analyst", QUERY, every=False)
    # Each of the name's three tokens keeps the same first three agreeing or undated.
    assert found == ["per-zq-same", "per-zq-none", "per-zq-swapped"]


def test_a_better_ranked_match_comes_first(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screening, "PER_TOKEN", 2)
    analyst = fresh_world.actors["us.analyst"]
    file_report(
        fresh_world.store,
        analyst,
        "Longer names first",
        BOTH,
        [
            person("per-zq-long-1", "1980-06-11", "Teodoro Zamora Quiroz de la Garza Villarreal"),
            person("per-zq-long-2", "1980-06-11", "Teodoro Zamora Quiroz de la Garza Villarreal"),
            person("per-zq-twice", "1980-06-11", "Teodoro Zamora Zamora"),
        ],
    )
    found = searched(
        fresh_world, "mx.analyst", {"name": ["Zamora"], "birthDate": ["1980-06-11"]}, every=False
    )
    # The full-text rank (the name twice, in a shorter statement) comes before filing order.
    assert found == ["per-zq-twice", "per-zq-long-1"]


@pytest.mark.parametrize("every", [False, True], ids=["one-by-one", "all-at-once"])
def test_both_ways_of_reading_birth_dates_keep_the_same_candidates(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch, every: bool
) -> None:
    monkeypatch.setattr(screening, "PER_TOKEN", 7)
    if every:
        # Any batch counts as large: the first token's entities bring every birth date.
        monkeypatch.setattr(screening, "EVERY_BIRTH_MIN", 0)
        monkeypatch.setattr(screening, "EVERY_BIRTH_SHARE", 0.0)
    analyst = fresh_world.actors["us.analyst"]
    pick = random.Random(5)
    # Filed first, with the name alone: the first place of the token "zamora" on both stores.
    organisation = EntityIn(id="org-zamora", schema="Organization", properties={"name": ["Zamora"]})
    file_report(fresh_world.store, analyst, "A firm", BOTH, [organisation])
    people = []
    for n in range(40):
        born = pick.choice(
            [
                None,
                "1980",  # a year alone: no date the engine reads
                f"{pick.choice([1979, 1980, 1981, 1990])}-{pick.randint(1, 12):02d}-11",
                f"{pick.choice([1980, 1908])}-06-{pick.randint(1, 28):02d}",
                f"19{pick.randint(20, 99)}-{pick.randint(1, 12):02d}-{pick.randint(1, 28):02d}",
            ]
        )
        name = pick.choice([NAME, "Teodoro Zamora", "Zamora Quiroz Teodoro", "Teo Zamorano"])
        people.append(person(f"per-zq-{n}", born, name))
    file_report(fresh_world.store, analyst, "Namesakes", BOTH, people)
    # Birth dates only the United States sees: to a Mexican reader these have none.
    hidden = [person(f"per-zq-{n}", f"19{pick.randint(20, 99)}-01-01") for n in range(0, 40, 3)]
    file_report(fresh_world.store, analyst, "U.S. only", USA_ONLY, hidden)

    for who in ("mx.analyst", "us.analyst"):
        found = searched(fresh_world, who, QUERY, every=every)
        assert "org-zamora" in found  # an organisation has no birth date: it keeps its place
    mx = searched(fresh_world, "mx.analyst", QUERY, every=every)
    us = searched(fresh_world, "us.analyst", QUERY, every=every)
    assert mx != us  # the hidden dates narrow the U.S. reader's search only


def test_the_birth_dates_are_read_through_their_index(store: Store) -> None:
    """The birth-date look-up and the whole-store read can both use migration 0034's partial
    index (PostgreSQL told to avoid a scan of the table, which it prefers while it is small)."""
    with transaction(store.sessions) as session:
        if store.backend == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
        for every, values in (
            (False, {"ids": ["per-a", "per-b"], "visible": [1, 2]}),
            (True, {"visible": [1, 2]}),
        ):
            query = screening._births_query(every=every).params(**values)
            sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if store.backend == "sqlite" else "EXPLAIN "
            plan = " ".join(str(row[-1]) for row in session.execute(text(explain + sql)))
            assert "ix_statements_birth_dates" in plan, plan
