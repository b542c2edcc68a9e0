"""The store's scorers on entities that carry more than one name."""

from __future__ import annotations

from followthemoney.statement import Statement, StatementEntity

from vinculo.intel.ftm import assemble
from vinculo.resolve.records import name_variants, raw_row, variant_entity
from vinculo.resolve.scoring import pair_scorer, screen_scorer


def _person(entity_id: str, *names: str, birth: str | None = None) -> StatementEntity:
    values = [("name", n) for n in names] + ([("birthDate", birth)] if birth else [])
    return assemble(
        [
            Statement(entity_id=entity_id, prop=p, schema="Person", value=v, dataset="test")
            for p, v in values
        ]
    )


def test_a_person_filed_under_two_names_is_found_by_either() -> None:
    score = screen_scorer()
    for names in (("Juana Pérez Soto", "Ana López Ruiz"), ("Ana López Ruiz", "Juana Pérez Soto")):
        candidate = _person("per-2", *names, birth="1980-02-03")
        for query in ("Ana López Ruiz", "Juana Pérez Soto"):
            found = score(_person("query", query), [candidate, _person("per-9", "Pedro Ramos")])
            best = max(found, key=lambda p: p.score)
            assert (best.right_id, best.score > 0.9) == ("per-2", True), (names, query, found)


def test_a_pair_is_scored_on_its_best_names_and_an_entity_never_with_itself() -> None:
    two = _person("per-1", "Juana Pérez Soto", "Ana López Ruiz", birth="1980-02-03")
    one = _person("per-2", "Ana López Ruiz", birth="1980-02-03")
    pairs = pair_scorer(review_threshold=0.5)([two, one, _person("per-3", "Pedro Ramos")])
    assert [(p.left_id, p.right_id) for p in pairs] == [("per-1", "per-2")]
    assert pairs[0].score > 0.9


def test_a_records_values_do_not_depend_on_the_order_they_were_read_in() -> None:
    rows = [
        raw_row({"id": "x", "schema": "Person", "properties": {"name": names, "phone": phones}})
        for names, phones in ((["B b", "A a"], ["+2", "+1"]), (["A a", "B b"], ["+1", "+2"]))
    ]
    assert rows[0] == rows[1]
    assert (rows[0]["name"], rows[0]["phone"], rows[0]["phone2"]) == ("A a", "+1", "+2")


def test_only_full_names_make_variants_and_each_maps_back() -> None:
    entity = {"id": "per-7", "schema": "Person", "properties": {"name": ["B", "A"], "alias": ["C"]}}
    variants = name_variants(entity)
    assert [v["properties"]["name"] for v in variants] == [["A"], ["B"]]
    assert {variant_entity(v["id"]) for v in variants} == {"per-7"}
    assert [v["id"] for v in name_variants({"id": "per-8", "properties": {}})] == ["per-8\x1f0"]
