"""Name parsing, folding and nicknames, on the forms Mexican and U.S. records use."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vinculo.resolve.names import (
    ParsedName,
    fold,
    given_name_keys,
    is_descriptive_nickname,
    nicknames,
    parse_name,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José", "jose"),
        ("ÑUÑEZ", "nunez"),
        ("  García-López,  José\tLuis ", "garcia lopez jose luis"),
        ("Mª Guadalupe", "ma guadalupe"),
        ("O'Brien", "obrien"),
        ("D’Angelo", "dangelo"),
        ("Gómez.Ruíz", "gomez ruiz"),
        ("Strauß Ærø", "strauss aero"),
        ("Güero", "guero"),
        ("", ""),
        (None, ""),
        ("Влади́мир", "vladimir"),
    ],
)
def test_fold(text: str | None, folded: str) -> None:
    assert fold(text) == folded


def _parts(name: ParsedName) -> tuple[tuple[str, ...], str | None, str | None]:
    return name.given, name.paternal, name.maternal


@pytest.mark.parametrize(
    ("text", "given", "paternal", "maternal"),
    [
        # The issue's Mexican record, and its U.S. counterpart with the maternal dropped.
        ("José Luis García López", ("jose", "luis"), "garcia", "lopez"),
        ("JOSE GARCIA", ("jose",), "garcia", None),
        # Surnames first, with and without the comma.
        ("GARCIA LOPEZ, JOSE LUIS", ("jose", "luis"), "garcia", "lopez"),
        ("GARCIA LOPEZ JOSE LUIS", ("jose", "luis"), "garcia", "lopez"),
        ("Garcia Jose", ("jose",), "garcia", None),
        # Hyphenated and glued surnames stand for the two surnames.
        ("García-López José", ("jose",), "garcia", "lopez"),
        ("Jose Garcia-Lopez", ("jose",), "garcia", "lopez"),
        ("JOSE GARCIALOPEZ", ("jose",), "garcia", "lopez"),
        ("Jose Luis Garcialopez", ("jose", "luis"), "garcia", "lopez"),
        ("Javier Pazperales", ("javier",), "paz", "perales"),
        ("JOSE DELACRUZ", ("jose",), "de la cruz", None),
        ("Juan Delosantos Ruiz", ("juan",), "de los santos", "ruiz"),
        ("Maria Delrio", ("maria",), "del rio", None),
        ("Rosa Deleon Delgado", ("rosa",), "de leon", "delgado"),
        # The second given name used alone.
        ("Luis Garcia", ("luis",), "garcia", None),
        # Ma., Ma, Mª for María; initials.
        ("Ma. Guadalupe Hernández", ("maria", "guadalupe"), "hernandez", None),
        ("MA GUADALUPE HERNANDEZ RUIZ", ("maria", "guadalupe"), "hernandez", "ruiz"),
        ("Mª del Carmen Pérez", ("maria", "del carmen"), "perez", None),
        ("Jose L Garcia", ("jose", "l"), "garcia", None),
        ("J. Garcia Lopez", ("j",), "garcia", "lopez"),
        ("Fco. Javier Ruiz", ("francisco", "javier"), "ruiz", None),
        # Particles stay with their surname; given names with particles stay given.
        ("MARIA DE LA LUZ DE LA CRUZ", ("maria", "de la luz"), "de la cruz", None),
        ("Juan Carlos de los Santos Núñez", ("juan", "carlos"), "de los santos", "nunez"),
        ("Juan de Dios Ruiz del Río", ("juan", "de dios"), "ruiz", "del rio"),
        ("Ortega y Gasset, José", ("jose",), "ortega", "gasset"),
        ("José Ortega y Gasset", ("jose",), "ortega", "gasset"),
        # Titles and suffixes are dropped.
        ("Sr(a). Patricia Gómez Ruiz", ("patricia",), "gomez", "ruiz"),
        ("Lic. Ernesto Zedillo Ponce de León", ("ernesto",), "zedillo", "ponce de leon"),
        ("Mr. John Smith Jr.", ("john",), "smith", None),
        ("Smith, John, Jr.", ("john",), "smith", None),
        ("Smith Jr., John", ("john",), "smith", None),
        ("C. Juan Pérez López", ("juan",), "perez", "lopez"),
        ("C Garcia Lopez", ("c",), "garcia", "lopez"),
        # English names with a middle name.
        ("John Michael Smith", ("john", "michael"), "smith", None),
        ("Smith, John", ("john",), "smith", None),
    ],
)
def test_parse_full_names(
    text: str, given: tuple[str, ...], paternal: str | None, maternal: str | None
) -> None:
    parsed = parse_name(text)
    assert _parts(parsed) == (given, paternal, maternal)
    assert parsed.raw == text


def test_parse_split_fields_as_followthemoney_gives_them() -> None:
    # firstName / middleName / lastName / fatherName / motherName.
    assert _parts(parse_name(given="José Luis", last="García López")) == (
        ("jose", "luis"),
        "garcia",
        "lopez",
    )
    assert _parts(parse_name(given="José Luis", father="García", mother="López")) == (
        ("jose", "luis"),
        "garcia",
        "lopez",
    )
    # fatherName wins over a lastName that repeats it.
    assert _parts(parse_name(given="Jose", last="Garcia", father="Garcia", mother="Lopez")) == (
        ("jose",),
        "garcia",
        "lopez",
    )
    # U.S. forms: the paternal surname in the middle-name box, the maternal one as last name.
    assert _parts(parse_name(given="Jose", middle="Garcia", last="Lopez")) == (
        ("jose",),
        "garcia",
        "lopez",
    )
    # A middle name that is a given name stays a given name.
    assert _parts(parse_name(given="Jose", middle="Luis", last="Garcia")) == (
        ("jose", "luis"),
        "garcia",
        None,
    )
    assert _parts(parse_name(given="Ma.", middle="Guadalupe", last="Hernandez-Ruiz")) == (
        ("maria", "guadalupe"),
        "hernandez",
        "ruiz",
    )
    # Fields win over the full name ...
    assert _parts(parse_name("Pedro Páramo", given="Juan", last="Preciado")) == (
        ("juan",),
        "preciado",
        None,
    )
    # ... and the full name fills in what they leave out.
    assert _parts(parse_name("José Luis García López", given="José Luis")) == (
        ("jose", "luis"),
        "garcia",
        "lopez",
    )
    assert _parts(parse_name("José Luis García López", last="García")) == (
        ("jose", "luis"),
        "garcia",
        "lopez",
    )
    assert _parts(parse_name("José Luis García López", given="Pepe", last="Ramos")) == (
        ("pepe",),
        "ramos",
        None,
    )


def test_parse_order_can_be_forced() -> None:
    assert parse_name("Garcia Jose", order="given-first").given == ("garcia",)
    assert parse_name("Jose Garcia", order="surname-first").paternal == "jose"
    with pytest.raises(ValueError, match="order"):
        parse_name("Jose Garcia", order="sideways")


def test_parsed_name_properties() -> None:
    parsed = parse_name("María de la Luz de la Cruz Pérez")
    assert parsed.first_given == "maria"
    assert parsed.given_tokens == ("maria", "luz")
    assert parsed.surnames == ("de la cruz", "perez")
    assert parsed.full_surname == "de la cruz perez"
    assert parsed.initials == ("m", "l")
    assert parsed.full() == "maria de la luz de la cruz perez"
    assert not parsed.is_empty


@pytest.mark.parametrize("text", [None, "", "   ", ",", "-"])
def test_no_name_is_an_empty_parse(text: str | None) -> None:
    parsed = parse_name(text)
    assert parsed.is_empty
    assert parsed.first_given is None
    assert parsed.surnames == ()


def test_one_word_is_a_given_name_unless_it_looks_like_a_surname() -> None:
    assert _parts(parse_name("Pepe")) == (("pepe",), None, None)
    assert _parts(parse_name("Xochitl")) == (("xochitl",), None, None)
    assert _parts(parse_name("GARCIA")) == ((), "garcia", None)
    assert _parts(parse_name("Garcia-Lopez")) == ((), "garcia", "lopez")


# --- nicknames ----------------------------------------------------------------------------


def _vocabulary() -> dict[str, object]:
    text = resources.files("vinculo.vocab").joinpath("nicknames.yml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_nickname_vocabulary_is_large_enough_and_names_its_sources() -> None:
    data = _vocabulary()
    spanish, english = data["spanish"], data["english"]
    assert isinstance(spanish, dict) and isinstance(english, dict)
    assert len(spanish) >= 80
    assert len(english) >= 40
    assert all(names for names in (*spanish.values(), *english.values()))
    sources = data["sources"]
    assert isinstance(sources, list)
    text = " ".join(str(s) for s in sources)
    for source in ("Real Academia Española", "Hipocorístico", "carltonnorthern"):
        assert source in text


def test_nicknames_are_folded() -> None:
    table = nicknames()
    assert table["pepe"] == ["jose"]
    assert table["tono"] == ["antonio"]
    assert table["chema"] == ["jose maria"]
    assert "toño" not in table


@pytest.mark.parametrize(
    ("nickname", "name"),
    [
        ("Pepe", "jose"),
        ("Paco", "francisco"),
        ("Pancho", "francisco"),
        ("Lupe", "guadalupe"),
        ("Lupita", "guadalupe"),
        ("Chuy", "jesus"),
        ("Nacho", "ignacio"),
        ("Beto", "alberto"),
        ("Beto", "roberto"),
        ("Beto", "norberto"),
        ("Beto", "humberto"),
        ("Lalo", "eduardo"),
        ("Memo", "guillermo"),
        ("Chava", "salvador"),
        ("Toño", "antonio"),
        ("TOÑO", "antonio"),
        ("Quique", "enrique"),
        ("Chema", "jose maria"),
        ("Bill", "william"),
        ("Bob", "robert"),
        ("Joe", "joseph"),
        ("Peggy", "margaret"),
    ],
)
def test_given_name_keys_expand_nicknames(nickname: str, name: str) -> None:
    keys = given_name_keys(nickname)
    assert name in keys
    assert fold(nickname) in keys


def test_nicknames_for_two_names_meet_either() -> None:
    assert {"jose maria", "jose", "maria"} <= given_name_keys("Chema")
    assert given_name_keys("Chema") & given_name_keys("José")
    assert given_name_keys("Juanjo") & given_name_keys("Juan")
    assert "carmen" in given_name_keys("Maricarmen")
    assert "del" not in given_name_keys("Maricarmen")


def test_given_name_keys_of_a_plain_name_is_itself_and_its_cognate() -> None:
    assert given_name_keys("José") == {"jose", "joseph"}
    assert given_name_keys("José", cognates=False) == {"jose"}
    assert given_name_keys("Xochitl") == {"xochitl"}
    assert given_name_keys("") == frozenset()


def test_issue_example_pepe_meets_jose_and_joe() -> None:
    mexican = parse_name("José Luis García López")
    assert mexican.first_given is not None
    assert given_name_keys("Pepe") & given_name_keys(mexican.first_given)
    # A U.S. record that calls him Joe meets "Pepe" through Joseph / José.
    assert given_name_keys("Joe") & given_name_keys("Pepe") == {"jose", "joseph"}
    assert not given_name_keys("Joe", cognates=False) & given_name_keys("Pepe", cognates=False)


def test_different_names_do_not_meet() -> None:
    assert not given_name_keys("Pepe") & given_name_keys("Paco")
    assert not given_name_keys("Lupe") & given_name_keys("Chuy")
    assert not given_name_keys("Beto") & given_name_keys("Eduardo")


def test_guero_is_not_a_name() -> None:
    assert is_descriptive_nickname("Güero")
    assert is_descriptive_nickname("CHAPO")
    assert given_name_keys("Güero") == {"guero"}
    assert not is_descriptive_nickname("Pepe")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["auto", "given-first", "surname-first"]))
def test_parse_name_never_raises_and_returns_folded_parts(text: str, order: str) -> None:
    parsed = parse_name(text, order=order)
    for part in (*parsed.given, *parsed.surnames):
        assert part and part == fold(part)
    assert parsed.raw == text.strip()
