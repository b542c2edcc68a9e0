"""Feature records from FtM entities: phones as national digits, addresses in parts."""

from __future__ import annotations

from typing import Any

from vinculo.resolve.records import from_entities


def person(entity_id: str, country: str | None, *phones: str) -> dict[str, Any]:
    props: dict[str, list[str]] = {"name": ["Ana Ruiz Mora"], "phone": list(phones)}
    if country:
        props["country"] = [country]
    return {"id": entity_id, "schema": "Person", "properties": props}


def phones(*entities: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    rows = from_entities(entities).table.select(["unique_id", "ph1", "ph2"]).to_pylist()
    return {r["unique_id"]: (r["ph1"], r["ph2"]) for r in rows}


def test_the_same_ten_digits_on_a_us_and_a_mexican_record_are_one_phone() -> None:
    found = phones(
        person("us", "us", "(656) 555-0142"),
        person("mx-bare", "mx", "6565550142"),
        person("mx-spaced", "mx", "65 6555 0142"),
        person("mx-e164", None, "+52 656 555 0142"),
        person("mx-mobile", "mx", "+52 1 656 555 0142"),
    )
    assert {ph1 for ph1, _ in found.values()} == {"6565550142"}


def test_a_us_and_a_mexican_phone_with_other_digits_differ() -> None:
    found = phones(person("us", "us", "(915) 532-0142"), person("mx", "mx", "65 6555 0142"))
    assert found["us"][0] == "9155320142"
    assert found["mx"][0] == "6565550142"


def test_the_second_phone_and_a_second_phone_alone() -> None:
    found = phones(
        person("two", "mx", "65 6555 0142", "+1 915 532 0142"),
        person("junk-first", "mx", "--", "65 6555 0142"),  # "--" sorts first
    )
    assert found["two"] == ("9155320142", "6565550142")  # sorted as written: "+1…" first
    # The only readable phone is the record's phone, so the phone comparison sees it.
    assert found["junk-first"] == ("6565550142", None)


def test_a_number_phonenumbers_refuses_is_flagged_and_compared_on_its_digits() -> None:
    result = from_entities([person("odd", "us", "(099) 555-0142")])
    assert result.table.column("ph1").to_pylist() == ["0995550142"]
    assert [f.reason for f in result.flags["odd"]] == ["not a valid phone number"]


ADDRESSES = [
    # (one-line address, city, postcode)
    ("1234 Main St, Apt 4, El Paso, TX 79901-1234", "el paso", "79901"),
    ("Calle Juárez 45, Col. Centro, C.P. 32000, Ciudad Juárez, Chih.", "ciudad juarez", "32000"),
    ("Calle Juárez 45, Col. Centro, 32000 Ciudad Juárez, Chih.", "ciudad juarez", "32000"),
    ("Av. Reforma 100, Col. Juárez, Ciudad de México", "ciudad de mexico", None),
    # Four-digit postcodes, a second address line and the state between.
    ("12 miller place, rosetta village, kellerville, 4210, qld", "kellerville", "4210"),
    ("95 grylls crescent, barrack heights, nsw, 4221", "barrack heights", "4221"),
    # A house number is never the postcode.
    ("2250 Calle Oro, Nogales", "nogales", None),
]


def test_a_one_line_address_gives_its_city_and_postcode() -> None:
    entities = [
        {"id": f"a{i}", "schema": "Person", "properties": {"name": ["Ana Ruiz"], "address": [a]}}
        for i, (a, _, _) in enumerate(ADDRESSES)
    ]
    rows = from_entities(entities).table.select(["city", "postcode"]).to_pylist()
    assert [(r["city"], r["postcode"]) for r in rows] == [(c, p) for _, c, p in ADDRESSES]
