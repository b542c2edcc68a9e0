"""Checks FtM entities against the followthemoney model and turns them into statement rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from followthemoney import model
from followthemoney.dataset import Dataset
from followthemoney.exc import InvalidData
from followthemoney.statement import BASE_ID, Statement, StatementEntity

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

# Search folds with the rule resolution folds with (vinculo.text); named here too for intel's
# and the exchange's importers.
from vinculo.text import fold as fold

# Property types whose values people search for: names, identifiers and ways to reach someone.
SEARCHABLE_TYPES = frozenset({"name", "identifier", "email", "phone", "address", "iban"})


@cache
def dataset() -> Dataset:
    return Dataset.make({"name": "vinculo", "title": "Vínculo"})


@dataclass(frozen=True)
class Where:
    """Where an entity came from, for error messages."""

    file: str | None = None
    line: int | None = None
    prefix: str = ""


def _fail(message: str, where: Where, field: str, **params: object) -> InvalidInput:
    return InvalidInput(
        message, field=f"{where.prefix}{field}", line=where.line, file=where.file, **params
    )


def check_entity(
    data: Mapping[str, Any],
    where: Where,
    *,
    make_id: str | None = None,
    skip: Callable[[InvalidInput, str], None] | None = None,
) -> tuple[str, str, list[tuple[str, str, str, str | None]]]:
    """Validate one FtM entity dict; returns (id, schema, [(prop, type, value, original)]).

    Raises InvalidInput naming the field for an unknown schema or property or a bad value.
    followthemoney's own `add` drops a value it cannot clean without a word; an import must
    say which value it refused, so each value is cleaned and checked here. With `skip`, a
    value that cannot be read or is too long is handed to it (the error and the value) and
    left out instead: resolution on files goes on past a dirty value, the import does not.
    """
    if not isinstance(data, Mapping):
        raise _fail(N_("an entity must be a JSON object"), where, "entity")
    schema_name = data.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        raise _fail(N_("unknown schema {value}"), where, "schema", value=schema_name)
    if schema.abstract:
        raise _fail(N_("schema {value} is abstract"), where, "schema", value=schema_name)
    entity_id = data.get("id") or make_id
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise _fail(N_("the entity has no id"), where, "id")
    if len(entity_id) > 128:
        raise _fail(N_("the id is longer than 128 characters"), where, "id")
    properties = data.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise _fail(N_("properties must be a JSON object"), where, "properties")
    values: list[tuple[str, str, str, str | None]] = []
    for prop_name, raw_values in properties.items():
        prop = schema.get(prop_name)
        field = f"properties.{prop_name}"
        if prop is None or prop.stub:
            raise _fail(
                N_("unknown property {prop} for schema {schema}"),
                where,
                field,
                prop=prop_name,
                schema=schema.name,
            )
        items = raw_values if isinstance(raw_values, list) else [raw_values]
        for raw in items:
            if not isinstance(raw, str):
                raise _fail(N_("a value must be text, not {value}"), where, field, value=raw)
            if not raw.strip():
                continue
            cleaned = prop.type.clean(raw, proxy=None)
            problem = None
            if cleaned is None:
                problem = _fail(
                    N_("{value} is not a valid {type}"),
                    where,
                    field,
                    value=raw,
                    type=prop.type.name,
                )
            elif len(cleaned) > prop.type.max_length:
                # followthemoney's own bound for the type; a longer value also overflowed
                # PostgreSQL's full-text index (a 500).
                problem = _fail(
                    N_("a {type} may be at most {n} characters long"),
                    where,
                    field,
                    type=prop.type.name,
                    n=prop.type.max_length,
                )
            if problem is not None:
                if skip is None:
                    raise problem
                skip(problem, raw)
                continue
            assert cleaned is not None
            values.append((prop.name, prop.type.name, cleaned, raw if cleaned != raw else None))
    return entity_id, schema.name, values


def statement_key(source: str, entity_id: str, prop: str, value: str, markings: str) -> str:
    """A statement's id: followthemoney's key of (source, entity, property, value), with the
    signature of the statement's markings beside the source.

    The same fact asserted under other markings is another statement. Keyed without them, a
    repeat under wider markings was absorbed by a row its author could not see (their own
    entity lost the value) and moved that row's `last_seen`. Whoever writes a statement can
    see its markings, so every writer of a row can see it.
    """
    key = Statement.make_key(f"{source}|{markings}", entity_id, prop, value, False)
    assert key is not None  # make_key answers None only for a missing property or value
    return key


def statement_rows(
    *,
    entity_id: str,
    schema: str,
    values: list[tuple[str, str, str, str | None]],
    source: str,
    marking_id: int,
    markings: str,
    report_id: str | None,
    seen: datetime,
) -> Iterator[dict[str, Any]]:
    """Rows for the statements table: the entity's id statement, then one per value.

    `markings` is the signature of the markings `marking_id` names (`Markings.signature`).
    """
    yield {
        "id": statement_key(source, entity_id, BASE_ID, entity_id, markings),
        "entity_id": entity_id,
        "canonical_id": entity_id,
        "schema": schema,
        "prop": BASE_ID,
        "prop_type": "id",
        "value": entity_id,
        "lang": None,
        "original_value": None,
        "dataset": source,
        "report_id": report_id,
        "marking_id": marking_id,
        "norm": None,
        "first_seen": seen,
        "last_seen": seen,
    }
    for prop, type_name, value, original in values:
        yield {
            "id": statement_key(source, entity_id, prop, value, markings),
            "entity_id": entity_id,
            "canonical_id": entity_id,
            "schema": schema,
            "prop": prop,
            "prop_type": type_name,
            "value": value,
            "lang": None,
            "original_value": original,
            "dataset": source,
            "report_id": report_id,
            "marking_id": marking_id,
            "norm": fold(value) if type_name in SEARCHABLE_TYPES else None,
            "first_seen": seen,
            "last_seen": seen,
        }


def assemble(statements: list[Statement]) -> StatementEntity:
    """One entity from the statements an actor may see (the caller filters them).

    Two sources who could not see each other may have used one id for things of clashing
    schemas; a reader who sees both gets the entity as the first source had it, and the
    statements of the other schema are left out of it.
    """
    try:
        return StatementEntity.from_statements(dataset(), statements)
    except InvalidData:
        first = model.get(statements[0].schema)
        fitting = [s for s in statements if _fits(first, s.schema)]
        return StatementEntity.from_statements(dataset(), fitting)


def _fits(schema: Any, name: str) -> bool:
    try:
        model.common_schema(schema, name)
    except InvalidData:
        return False
    return True
