"""Blocking: a pair sharing a phone, an identifier, or a birth date and a surname is scored."""

from __future__ import annotations

from typing import Any

import pytest

from vinculo.resolve.blocking import BLOCKING_RULES
from vinculo.resolve.engine import Engine
from vinculo.resolve.records import from_entities


def person(entity_id: str, **props: str) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person", "properties": {k: [v] for k, v in props.items()}}


# Each right record shares one thing with its left one and nothing else: the name, the birth
# date and the rest differ, so no other rule can propose the pair.
PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "phone, U.S. and Mexican spellings": (
        person(
            "l", name="Ana Ruiz Mora", birthDate="1980-01-02", country="mx", phone="65 6555 0142"
        ),
        person("r", name="Tom Baker", birthDate="1955-07-30", country="us", phone="(656) 555-0142"),
    ),
    "a second phone": (
        person("l", name="Ana Ruiz Mora", birthDate="1980-01-02", phone="+52 656 555 0142"),
        {
            "id": "r",
            "schema": "Person",
            "properties": {
                "name": ["Tom Baker"],
                "birthDate": ["1955-07-30"],
                "phone": ["+1 212 555 0100", "6565550142"],
            },
        },
    ),
    "SSN": (
        person(
            "l", name="Ana Ruiz Mora", birthDate="1980-01-02", socialSecurityNumber="123-45-6789"
        ),
        person("r", name="Tom Baker", birthDate="1955-07-30", socialSecurityNumber="123456789"),
    ),
    "SSN kept as idNumber": (
        person(
            "l", name="Ana Ruiz Mora", birthDate="1980-01-02", socialSecurityNumber="123-45-6789"
        ),
        person("r", name="Tom Baker", birthDate="1955-07-30", idNumber="123 45 6789"),
    ),
    "CURP": (
        person("l", name="Ana Ruiz Mora", birthDate="1985-03-07", idNumber="GALL850307HCHRPS05"),
        person("r", name="Tom Baker", birthDate="1955-07-30", idNumber="GALL850307HCHRPS05"),
    ),
    "birth date and the paternal surname, given names in another order": (
        person("l", name="María Eugenia Trejo Meza", birthDate="1980-07-16"),
        person("r", firstName="Eugenia", lastName="Trejo", birthDate="1980-07-16"),
    ),
    "birth date and the maternal surname as the last name": (
        person("l", name="Ana Lucía Ruiz Mora", birthDate="1980-01-02"),
        person("r", firstName="Lucy", lastName="Mora", birthDate="1980-01-02"),
    ),
    "birth date and a surname one typo apart, the middle name used as the first": (
        person("l", name="Octavio Zacarías Badillo", birthDate="1951-07-31"),
        person("r", firstName="Zacarias", lastName="Badllo", birthDate="1951-07-31"),
    ),
}


@pytest.mark.parametrize("shared", list(PAIRS))
def test_a_pair_sharing_one_thing_is_a_candidate(shared: str) -> None:
    left, right = PAIRS[shared]
    lt, rt = from_entities([left]).table, from_entities([right]).table
    recall, proposed = Engine().blocking_recall(lt, rt, {("l", "r")})
    assert (recall, proposed) == (1.0, 1)


def test_a_pair_sharing_nothing_is_not_a_candidate() -> None:
    left = person("l", name="Ana Ruiz Mora", birthDate="1980-01-02", phone="65 6555 0142")
    right = person("r", name="Tom Baker", birthDate="1980-01-02", phone="(915) 532-0142")
    lt, rt = from_entities([left]).table, from_entities([right]).table
    assert Engine().blocking_recall(lt, rt, {("l", "r")}) == (0.0, 0)


def test_every_rule_is_an_equality_the_budget_can_count() -> None:
    # count_pairs reads a rule as "a = b and c = d"; anything else would break the budget.
    for sql, needs in BLOCKING_RULES:
        for part in sql.split(" and "):
            assert part.count(" = ") == 1, sql
        assert all(f"l.{c}" in sql or f"r.{c}" in sql for c in needs), sql
