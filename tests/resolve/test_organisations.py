"""Organisations screened by their names: a unit found under its own name written otherwise,
never under another unit's number; and a vetting request for a unit gets its hit."""

from __future__ import annotations

import pytest
from followthemoney.statement import Statement

from vinculo.db import transaction
from vinculo.intel.ftm import assemble
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import vetting
from vinculo.oversight.vetting_schemas import VettingCreate
from vinculo.resolve.organisations import name_similarity
from vinculo.resolve.scoring import screen_batch_scorer, screen_scorer

from worlds import World, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])


@pytest.mark.parametrize(
    ("left", "right", "low", "high"),
    [
        ("27 Batallón de Infantería", "27º Batallón de Infantería", 1.0, 1.0),
        ("27 Batallón de Infantería", "27o. Batallon de Infanteria", 1.0, 1.0),
        ("28th Infantry Battalion", "28 Batallón de Infantería", 0.85, 0.99),
        ("Policía Estatal de Guerrero", "Policía Estatal de Guerrero, Región Montaña", 0.6, 0.9),
        ("27 Batallón de Infantería", "28 Batallón de Infantería", 0.0, 0.0),
        ("Policía Estatal de Guerrero", "Policía Estatal de Sonora", 0.0, 0.45),
        ("Secretaría de Marina", "Guardia Nacional", 0.0, 0.1),
    ],
)
def test_names_alike_and_unlike(left: str, right: str, low: float, high: float) -> None:
    similarity, _level = name_similarity(left, right)
    assert low <= similarity <= high, (left, right, similarity)
    assert name_similarity(right, left)[0] == pytest.approx(similarity)


def _entity(entity_id: str, schema: str, name: str):  # type: ignore[no-untyped-def]
    return assemble(
        [Statement(entity_id=entity_id, prop="name", schema=schema, value=name, dataset="d")]
    )


def test_one_and_many_at_once_score_a_unit_alike() -> None:
    query = _entity("query", "Organization", "27o Batallón de Infantería")
    candidates = [
        _entity("u27", "PublicBody", "27 Batallón de Infantería"),
        _entity("u28", "PublicBody", "28 Batallón de Infantería"),
        _entity("p1", "Person", "Batallón Infantería"),
    ]
    one = {p.right_id: p.score for p in screen_scorer()(query, candidates)}
    assert one["u27"] == 1.0 and one["u28"] == 0.0 and "p1" not in one
    many = screen_batch_scorer()([(query, candidates)])[0]
    assert [(p.right_id, p.score) for p in many] == [("u27", 1.0)]
    assert many[0].explanation[0]["level"] == "organisation names agree"


def test_a_vetting_request_for_a_unit_finds_it(fresh_world: World) -> None:
    file_report(
        fresh_world.store,
        fresh_world.actors["dea.agent1"],
        "Battalions deployed to Iguala",
        BOTH,
        [
            EntityIn(
                id="u27", schema="PublicBody", properties={"name": ["27 Batallón de Infantería"]}
            ),
            EntityIn(
                id="u28", schema="PublicBody", properties={"name": ["28 Batallón de Infantería"]}
            ),
        ],
    )
    with transaction(fresh_world.store.sessions) as session:
        request = vetting.request_vetting(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            request_in=VettingCreate(
                subject_kind="unit",
                subject_name="27o. Batallon de Infanteria",
                purpose="training",
                programme_officer="J. Smith",
                markings=BOTH,
            ),
        )
        hits = vetting.hits_for(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            request=request,
            scorer=screen_scorer(),
        )
    assert [h.entity_id for h in hits] == ["u27"], hits
