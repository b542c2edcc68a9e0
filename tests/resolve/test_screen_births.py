"""Screening's candidate search with a birth date, on both backends: a name token's places go
to namesakes whose birth date agrees (as the engine compares dates) or who have none, read
from the statements the reader may see only."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.resolve import screening
from vinculo.resolve.scoring import screen_batch_scorer, screen_scorer

from worlds import World, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])
NAME = "Teodoro Zamora Quiroz"


def zamora(entity_id: str, born: str | None = None) -> EntityIn:
    properties = {"name": [NAME]} | ({"birthDate": [born]} if born else {})
    return EntityIn(id=entity_id, schema="Person", properties=properties)


def found(world: World, who: str, query: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The candidates `screen` and `screen_many` keep for `query`, threshold 0 (ids, sorted)."""
    entity = screening.query_entity({"schema": "Person", "properties": query})
    with transaction(world.store.sessions) as session:
        one, _total = screening.screen(
            session=session,
            actor=world.actors[who],
            entity=entity,
            scorer=screen_scorer(),
            limit=50,
            threshold=0.0,
        )
        many = screening.screen_many(
            session=session,
            actor=world.actors[who],
            entities=[entity],
            scorer=screen_batch_scorer(threshold=0.0),
            limit=50,
            threshold=0.0,
        )
    return sorted(str(c.entity.id) for c in one), sorted(str(c.entity.id) for c in many[0][0])


def test_a_birth_date_gives_the_places_to_namesakes_of_that_age(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screening, "PER_TOKEN", 6)
    analyst = fresh_world.actors["us.analyst"]
    # Filed first, so by rank and order they take a common name's places.
    others = [zamora(f"per-zamora-old-{i}", f"19{50 + i}-02-03") for i in range(6)]
    file_report(fresh_world.store, analyst, "Namesakes", BOTH, others)
    agreeing = {
        "per-zamora-same": "1980-06-11",
        "per-zamora-swapped": "1980-11-06",
        "per-zamora-year-off": "1979-06-11",
        "per-zamora-typo": "1908-06-11",  # two digits of the year swapped: one edit
        "per-zamora-month": "1980-06-02",
    }
    disagreeing = {"per-zamora-two-years": "1982-01-01", "per-zamora-other": "1993-06-11"}
    later = [zamora(i, b) for i, b in {**agreeing, **disagreeing}.items()]
    later.append(zamora("per-zamora-unknown"))
    file_report(fresh_world.store, analyst, "Later", BOTH, later)

    with_birth = {"name": [NAME], "birthDate": ["1980-06-11"]}
    one, many = found(fresh_world, "mx.analyst", with_birth)
    assert one == many
    assert set(agreeing) | {"per-zamora-unknown"} <= set(one)
    assert not set(one) & set(disagreeing)
    assert not any(i.startswith("per-zamora-old") for i in one)
    # Without one, the first six namesakes filed take a token's places, as before.
    one, many = found(fresh_world, "mx.analyst", {"name": [NAME]})
    assert one == many
    assert {f"per-zamora-old-{i}" for i in range(6)} <= set(one)
    assert "per-zamora-same" not in one


def test_only_a_birth_date_the_reader_may_see_narrows(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screening, "PER_TOKEN", 6)
    analyst = fresh_world.actors["us.analyst"]
    # Both nations see the name; only the United States sees a birth date that disagrees.
    file_report(fresh_world.store, analyst, "Shared", BOTH, [zamora("per-zamora-half")])
    file_report(
        fresh_world.store, analyst, "U.S. only", USA_ONLY, [zamora("per-zamora-half", "1950-02-03")]
    )
    query = {"name": [NAME], "birthDate": ["1980-06-15"]}
    mx_one, mx_many = found(fresh_world, "mx.analyst", query)
    us_one, us_many = found(fresh_world, "us.analyst", query)
    assert mx_one == mx_many and us_one == us_many
    # To the Mexican reader it is a namesake of unknown age; the U.S. reader's is too old.
    assert "per-zamora-half" in mx_one
    assert "per-zamora-half" not in us_one


def test_every_agreeing_birth_year_is_looked_at() -> None:
    """_near_years holds the year of every stored date _agrees with."""
    pick = random.Random(3)
    start = date(1900, 1, 1)
    days = [start + timedelta(days=pick.randrange(120 * 365)) for _ in range(400)]
    for query in days[:40]:
        q = screening._born(query.isoformat())
        assert q is not None
        years = screening._near_years([q])
        for stored in days:
            r = screening._born(stored.isoformat())
            assert r is not None
            if screening._agrees(q, r):
                assert int(r[0][:4]) in years


def test_the_engine_levels_that_agree() -> None:
    q = screening._born("1980-06-11")
    assert q is not None
    for value, agrees in [
        ("1980-06-11", True),
        ("1980-11-06", True),  # day and month swapped
        ("1981-06-11", True),  # year off by one
        ("1908-06-11", True),  # one transposition
        ("1930-06-11", True),  # one digit
        ("1980-06-28", True),  # year and month
        ("1981-07-11", False),  # within two years only
        ("1983-06-12", False),
        ("1930-07-11", False),
    ]:
        r = screening._born(value)
        assert r is not None
        assert screening._agrees(q, r) is agrees, value
        if agrees:
            assert int(value[:4]) in screening._near_years([q])
