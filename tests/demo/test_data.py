"""The demo's data files: every sentence in both languages, every sentence used and every one
used present, valid identifiers, agencies known to the vocabulary."""

from __future__ import annotations

import ast
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from stdnum.mx import curp

from vinculo import vocab
from vinculo.demo import catalogue
from vinculo.demo.scenario import build_scenario
from vinculo.resolve.identifiers import CURP_STATES, decode_curp, make_curp
from vinculo.resolve.synthetic import _Maker

STORIES = Path(str(resources.files("vinculo.demo"))) / "stories"
# Report 0 of the scenario is written in English only (the fixture tests read it so).
ENGLISH_ONLY = {("fixtures", "payments_through_phoenix")}


def said_in_code() -> dict[tuple[str, str], set[str]]:
    """(file, story) -> the keys its code says, from `say = teller(draft, file, story)` and
    the `say("key", ...)` calls after it in the same function."""
    found: dict[tuple[str, str], set[str]] = {}
    modules = [*STORIES.glob("*.py"), STORIES.parent / "scenario.py"]
    for path in modules:
        tree = ast.parse(path.read_text("utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            current: tuple[str, str] | None = None
            for node in sorted(
                (n for n in ast.walk(func) if isinstance(n, ast.Call)),
                key=lambda n: (n.lineno, n.col_offset),
            ):
                name = node.func.id if isinstance(node.func, ast.Name) else None
                if name == "teller":
                    file, story = (arg.value for arg in node.args[1:])  # type: ignore[attr-defined]
                    current = (file, story)
                    found.setdefault(current, set())
                elif name == "say":
                    assert current is not None, f"{path}:{node.lineno} says before a teller"
                    found[current].add(node.args[0].value)  # type: ignore[attr-defined]
    return found


def story_files() -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    folder = Path(str(resources.files("vinculo.demo"))) / "data" / "stories"
    return {path.stem: catalogue.read(f"stories/{path.stem}") for path in folder.glob("*.yml")}


def test_every_sentence_is_in_english_and_spanish() -> None:
    for file, stories in story_files().items():
        for story, sentences in stories.items():
            for key, sentence in sentences.items():
                assert set(sentence) == {"en", "es"}, (file, story, key)
                assert sentence["en"], (file, story, key)
                if (file, story) not in ENGLISH_ONLY:
                    assert sentence["es"], (file, story, key)


def test_the_code_says_exactly_the_sentences_in_the_files() -> None:
    in_files = {
        (file, story): set(sentences)
        for file, stories in story_files().items()
        for story, sentences in stories.items()
    }
    assert said_in_code() == in_files


@pytest.mark.parametrize("seed", [2026, 1, 2, 3, 7])
def test_every_demo_curp_is_valid_and_agrees_with_its_person(seed: int) -> None:
    checked = 0
    for item in build_scenario(seed).reports:
        for entity in item.report.entities:
            props = entity.properties
            for value in props.get("idNumber", []):
                if len(value) != 18:
                    continue  # a driver's licence or another nation's number
                assert curp.is_valid(value), value
                info = decode_curp(value)
                if props.get("birthDate"):
                    assert info.birth_date is not None
                    assert info.birth_date.isoformat() == props["birthDate"][0], value
                checked += 1
    assert checked > 50


def test_every_mexican_city_codes_its_own_state_in_a_curp() -> None:
    """RENAPO's two letters, not only letters stdnum accepts (CL is Coahuila; Colima is CM)."""
    assert {
        name: CURP_STATES[city.curp_state]
        for name, city in catalogue.MEXICAN_CITIES.items()
        if CURP_STATES[city.curp_state] != city.state
    } == {}


def test_every_synthetic_curp_is_valid() -> None:
    """The synthetic generator for resolution makes its CURPs with the same maker."""
    maker = _Maker(11)
    people = [maker.person() for _ in range(1500)]
    assert all(curp.is_valid(person.curp) for person in people)


def test_the_curp_maker_follows_renapo_where_it_matters() -> None:
    # Particles and a leading María or José do not count: María del Carmen codes as C.
    value = make_curp(
        given="María del Carmen",
        paternal="Cota",
        maternal="Valdez",
        born=date(1990, 5, 1),
        sex="M",
        state="SR",
        homoclave="0",
    )
    assert value.startswith("COVC900501MSRTLR0")
    assert curp.is_valid(value)
    # Initials on RENAPO's list of words get an X in second place (BACA -> BXCA).
    value = make_curp(
        given="Anabel",
        paternal="Barrios",
        maternal="Cruz",
        born=date(2000, 3, 29),
        sex="M",
        state="MC",
        homoclave="G",
    )
    assert value.startswith("BXCA000329M")
    assert curp.is_valid(value)


def test_the_data_names_only_agencies_of_the_vocabulary() -> None:
    known = set(vocab.agencies().codes())
    assert {user.agency for user in catalogue.USERS} <= known
    # The drawn reports are binational; Guatemala's agencies file written-out stories only.
    drawn = {a for a in known if vocab.agency_nation(a) in ("USA", "MEX")}
    assert set(catalogue.AUTHORS) == set(catalogue.AGENCY_WEIGHTS) == drawn
    assert set(catalogue.OWN_PEOPLE) == set(catalogue.PRESS_NAMES) == drawn
