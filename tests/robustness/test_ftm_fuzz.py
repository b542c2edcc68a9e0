"""Fuzzing the FtM importer: whatever a file holds, `import_ftm` stores it or refuses it with
InvalidInput (MarkingError included) naming where — never another exception — and a refused
file leaves nothing of itself in the store. On SQLite and PostgreSQL.

Four kinds of file: lines of arbitrary text; arbitrary JSON values; entities that are nearly
valid (a real schema and properties, then one thing mutated: the schema, a property name, a
value's type or text, the id); and values of every property type drawn from text that a
cleaner might choke on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from followthemoney import model
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.intel.models import Entity, StatementRow
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.security.models import MarkingRow

from worlds import World

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MARKINGS = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])


def stored(world: World) -> tuple[int, int, int]:
    with world.store.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Entity)) or 0,
            session.scalar(select(func.count()).select_from(StatementRow)) or 0,
            session.scalar(select(func.count()).select_from(MarkingRow)) or 0,
        )


def note(outcome: str) -> None:
    """Tally the outcome in Hypothesis' statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(outcome)


def attempt(world: World, lines: list[str], *, skip_bad: bool = False) -> None:
    """Import the lines as us.analyst: stored, or refused with InvalidInput and nothing kept.
    Any other exception fails the test (Hypothesis then shrinks the file that raised it)."""
    before = stored(world)
    try:
        with transaction(world.store.sessions) as session:
            summary = import_ftm(
                session=session,
                actor=world.actors["us.analyst"],
                lines=lines,
                file_name="fuzz.jsonl",
                source="fuzz",
                markings_in=MARKINGS,
                skip_bad=skip_bad,
                batch_size=3,  # several batches even in a short file: a late refusal
            )
    except InvalidInput as error:
        note(f"refused: {(error.field or '').split('.')[0]}")
        assert error.render("en") and error.render("es")
        assert stored(world) == before, "a refused file left something behind"
        return
    note("stored" if summary.entities else "nothing to store")
    assert summary.lines == len(lines)
    assert summary.entities + summary.rejected <= len(lines)


# --- what files are made of -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
CONCRETE = sorted(name for name, schema in model.schemata.items() if not schema.abstract)
ALL_SCHEMAS = sorted(model.schemata)


def _props(schema_name: str) -> list[str]:
    return sorted(model.schemata[schema_name].properties)


VALID = [
    {
        "id": "fz-p",
        "schema": "Person",
        "properties": {"name": ["Ana Ríos"], "birthDate": ["1980-02-03"]},
    },
    {
        "id": "fz-c",
        "schema": "Company",
        "properties": {"name": ["Químicos SA"], "jurisdiction": ["mx"]},
    },
    {"id": "fz-o", "schema": "Ownership", "properties": {"owner": ["fz-p"], "asset": ["fz-c"]}},
    {"id": "fz-v", "schema": "Vehicle", "properties": {"registrationNumber": ["ABC-123"]}},
    {"id": "fz-b", "schema": "BankAccount", "properties": {"iban": ["DE89370400440532013000"]}},
]
odd_text = st.text() | st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud7ff",
        "x" * 5000,
        "1" * 400,
        "2024-13-45",
        "🙂" * 50,
        "\n",
        "../",
    ]
)
odd_value = (
    odd_text
    | st.integers()
    | st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.lists(odd_text, max_size=3)
    | st.dictionaries(st.text(max_size=5), odd_text, max_size=2)
)


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    entity = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    how = draw(st.sampled_from(["schema", "prop", "value", "values", "id", "properties", "drop"]))
    if how == "schema":
        entity["schema"] = draw(st.sampled_from(ALL_SCHEMAS) | odd_value)
    elif how == "prop":
        name = draw(st.sampled_from(_props(draw(st.sampled_from(ALL_SCHEMAS)))) | st.text())
        entity["properties"][name] = [draw(odd_text)]
    elif how == "value":
        prop = draw(st.sampled_from(sorted(entity["properties"])))
        entity["properties"][prop] = [draw(odd_value)]
    elif how == "values":
        prop = draw(st.sampled_from(sorted(entity["properties"])))
        entity["properties"][prop] = draw(odd_value)
    elif how == "id":
        entity["id"] = draw(odd_value | st.text(min_size=120, max_size=140))
    elif how == "properties":
        entity["properties"] = draw(odd_value)
    else:
        entity.pop(draw(st.sampled_from(["id", "schema", "properties"])))
    return entity


@st.composite
def typed_values(draw: st.DrawFn) -> dict[str, Any]:
    """A value for a property of every type followthemoney has, from text a cleaner may
    choke on: dates, countries, e-mails, URLs, phones, IBANs, IPs, numbers, JSON, HTML…"""
    schema_name = draw(st.sampled_from(CONCRETE))
    schema = model.schemata[schema_name]
    props = sorted(p.name for p in schema.properties.values() if not p.stub)
    prop = draw(st.sampled_from(props))
    values = draw(
        st.lists(odd_text | st.from_regex(r"[\w.@:/+-]{0,60}", fullmatch=True), max_size=3)
    )
    return {
        "id": draw(st.text(min_size=1, max_size=20)),
        "schema": schema_name,
        "properties": {prop: values},
    }


def as_lines(entities: list[Any]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) + "\n" for e in entities]


# --- the properties -----------------------------------------------------------------------------


@FUZZ
@given(lines=st.lists(st.text(), max_size=6))
def test_arbitrary_text_lines(world: World, lines: list[str]) -> None:
    attempt(world, lines)
    attempt(world, lines, skip_bad=True)


@FUZZ
@given(values=st.lists(json_values, max_size=5))
def test_arbitrary_json_values(world: World, values: list[Any]) -> None:
    attempt(world, as_lines(values))


@FUZZ
@given(
    good=st.lists(st.sampled_from(VALID), max_size=6),
    bad=st.lists(near_valid(), min_size=1, max_size=2),
    where=st.integers(min_value=0, max_value=6),
)
def test_nearly_valid_entities(
    world: World, good: list[dict[str, Any]], bad: list[dict[str, Any]], where: int
) -> None:
    entities = [*good[:where], *bad, *good[where:]]
    attempt(world, as_lines(entities))
    attempt(world, as_lines(entities), skip_bad=True)


@FUZZ
@given(entities=st.lists(typed_values(), min_size=1, max_size=4))
def test_values_of_every_property_type(world: World, entities: list[dict[str, Any]]) -> None:
    attempt(world, as_lines(entities))


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000,
        '{"a":' * 50_000,
        '{"id": "x", "schema": "Person", "properties": {"name": ['
        + "[" * 5000
        + "]" * 5000
        + "]}}",
        "\ufeff" + json.dumps(VALID[0]),
        json.dumps(VALID[0]) + " trailing",
        "NaN",
        '{"id": "x", "schema": "Person", "properties": {"name": [1e999]}}',
    ],
    ids=["deep-array", "deep-object", "deep-value", "bom", "trailing", "nan", "infinity"],
)
def test_pathological_lines(world: World, raw: str) -> None:
    attempt(world, [raw + "\n"])
