"""Screening many vetting requests in one pass (vetting.screen_requests), on both backends:
the same hits, scores and reasons as screening each request through hits_for, and hits only
from the statements the reader may see."""

from __future__ import annotations

from sqlalchemy import select
from test_vetting import BOTH, add_unit_and_vetter, ask

from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import vetting as service
from vinculo.oversight.vetting_models import VettingRequest
from vinculo.resolve.scoring import screen_batch_scorer, screen_scorer

from worlds import World, file_report

USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])


def add_people(world: World) -> None:
    """Namesakes both nations see, and one only the United States sees."""
    people = [
        ("per-quinn-a", "Walter Quinn", "1970-01-01"),
        ("per-quinn-b", "Walter J. Quinn", "1971-05-02"),
        ("per-garcia-b", "José García López", "1980-07-14"),
        ("per-ramos", "María Elena Ramos Ortiz", "1975-03-03"),
    ]
    file_report(
        world.store,
        world.actors["us.analyst"],
        "Namesakes",
        BOTH,
        [
            EntityIn(id=i, schema="Person", properties={"name": [n], "birthDate": [b]})
            for i, n, b in people
        ],
    )
    file_report(
        world.store,
        world.actors["us.analyst"],
        "Held by the United States only",
        USA_ONLY,
        [
            EntityIn(
                id="per-quinn-usa",
                schema="Person",
                properties={"name": ["Walter Quinn"], "birthDate": ["1970-01-01"]},
            )
        ],
    )


def requests(world: World) -> list[str]:
    asked = [
        {"subject_name": "Walter Quinn", "birth_date": "1970-01-01"},
        {"subject_name": "Jose Garcia Lopez"},
        {"subject_name": "María Ramos", "birth_date": "1975-03-03"},
        {"subject_name": "Nobody Anywhere Atall"},
    ]
    made = [
        ask(world, subject_kind="person", subject_entity_id=None, **changes) for changes in asked
    ]
    made.append(ask(world, subject_kind="person", subject_entity_id="per-0001"))
    made.append(ask(world))  # the unit
    return made


def both_ways(
    world: World, who: str, made: list[str]
) -> tuple[dict[str, list[service.HitRead]], dict[str, list[service.HitRead]]]:
    actor = world.actors[who]
    with transaction(world.store.sessions) as session:
        rows = session.execute(select(VettingRequest).where(VettingRequest.id.in_(made))).scalars()
        by_id = {r.id: r for r in rows}
        ordered = [by_id[i] for i in made]
        batch = service.screen_requests(
            session=session, actor=actor, requests=ordered, scorer=screen_batch_scorer()
        )
        single = {
            r.id: service.hits_for(session=session, actor=actor, request=r, scorer=screen_scorer())
            for r in ordered
        }
    return batch, single


def test_the_batch_gives_the_hits_of_one_by_one(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    add_people(fresh_world)
    made = requests(fresh_world)
    for who in ("us.analyst", "mx.analyst", "us.vetter"):
        batch, single = both_ways(fresh_world, who, made)
        assert list(batch) == made
        for request_id in made:
            assert [h.model_dump() for h in batch[request_id]] == [
                h.model_dump() for h in single[request_id]
            ], (who, request_id)
        assert "per-quinn-a" in [h.entity_id for h in batch[made[0]]], who
        assert sum(len(hits) for hits in batch.values()) >= 3, who
        assert batch[made[3]] == []
        # A stored subject is left out of its own hits, as one by one.
        assert "per-0001" not in [h.entity_id for h in batch[made[4]]]


def test_the_batch_hits_only_from_what_the_reader_may_see(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    add_people(fresh_world)
    made = requests(fresh_world)
    theirs, _ = both_ways(fresh_world, "us.analyst", made)
    ours, _ = both_ways(fresh_world, "mx.analyst", made)
    us_quinn = {h.entity_id for h in theirs[made[0]]}
    mx_quinn = {h.entity_id for h in ours[made[0]]}
    # The entity only the United States sees, and the AMBER+STRICT one of the DEA.
    assert {"per-quinn-usa", "per-dea_strict"} <= us_quinn
    assert "per-quinn-usa" not in mx_quinn and "per-dea_strict" not in mx_quinn
    assert "per-quinn-usa" not in str(ours) and "per-dea_strict" not in str(ours)
    # What is hidden changes nothing the Mexican reader is shown of the rest.
    shared = {h.entity_id: h.score for h in theirs[made[0]] if h.entity_id in mx_quinn}
    assert shared == {h.entity_id: h.score for h in ours[made[0]]}
