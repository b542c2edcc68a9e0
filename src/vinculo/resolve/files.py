"""Reading FtM JSON-lines files for resolution, with errors that name file, line and field.

The same format `vinculo import ftm` takes. People and organisations are resolved; other
entities are read for what they tell about them (a Vehicle's plate goes to its owner) and
otherwise left alone. A file that cannot be resolved stops at its first problem — empty, not
JSON, not FtM, an unknown schema, a person with no name, an impossible date — and nothing is
written. An invalid CURP, RFC or SSN is only a warning: the record is kept, the value stays
as written, and it never counts as evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import model

from vinculo.errors import InvalidInput, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.intel.ftm import Where, check_entity
from vinculo.resolve.features import ID
from vinculo.resolve.records import Features, Flag, features, raw_row

# Schemata whose entities are resolved: people and organisations.
RESOLVABLE = frozenset({"Person", "Organization", "Company", "LegalEntity", "PublicBody"})
NAME_PROPERTIES = (
    "name",
    "firstName",
    "lastName",
    "fatherName",
    "motherName",
    "middleName",
    "secondName",
)
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")

E_EMPTY_FILE = N_("the file is empty: it holds no FtM entity")
E_NOT_JSON = N_("not JSON ({reason}): the file must hold one FtM entity per line")
E_NOT_OBJECT = N_("not an FtM entity: each line must be a JSON object")
E_NO_SCHEMA = N_("not an FtM entity: the line has no schema (is this an FtM JSON-lines file?)")
E_NO_NAME = N_("the {schema} has no name: nothing to resolve it by")
E_BAD_DATE = N_("{value} is not a real date")
E_NOTHING = N_("the file holds no person or organisation to resolve")
W_FLAG = N_("{reason}: {value} is kept as written but not used as evidence")


class ResolveWarning(VinculoError):
    """Something kept, but not trusted (an invalid identifier)."""

    def detail(self, locale: str) -> str:
        params = dict(self.params)
        if isinstance(params.get("reason"), str):
            params["reason"] = gettext(locale, str(params["reason"]))
        return gettext(locale, self.message, **params)


@dataclass
class Loaded:
    """What a file gave: the raw rows of its people and organisations, and the warnings."""

    file: str
    rows: list[dict[str, str | None]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[ResolveWarning] = field(default_factory=list)

    def features(self) -> Features:
        made = features(self.rows)
        for entity_id, flags in made.flags.items():
            for item in flags:
                self.warnings.append(self._warning(entity_id, item))
        return made

    def _warning(self, entity_id: str, item: Flag) -> ResolveWarning:
        return ResolveWarning(
            W_FLAG,
            field=item.field,
            line=self.lines.get(entity_id),
            file=self.file,
            reason=item.reason,
            value=item.value,
        )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            E_NOT_JSON, field="line", file=str(path), reason=f"not UTF-8: {error.reason}"
        ) from None


def _check_dates(data: dict[str, Any], where: Where) -> None:
    properties = data.get("properties")
    if not isinstance(properties, dict):
        return
    for prop, values in properties.items():
        spec = model.get(str(data.get("schema")))
        kind = spec.get(prop) if spec is not None else None
        if kind is None or kind.type.name != "date":
            continue
        for value in values if isinstance(values, list) else [values]:
            found = _ISO_DAY.match(value) if isinstance(value, str) else None
            if found is None:
                continue
            try:
                date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                raise InvalidInput(
                    E_BAD_DATE,
                    field=f"properties.{prop}",
                    line=where.line,
                    file=where.file,
                    value=value,
                ) from None


def parse_line(raw: str, where: Where) -> dict[str, Any]:
    """One line as a checked FtM entity dict; raises InvalidInput naming line and field."""
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise InvalidInput(
            E_NOT_JSON, field="line", line=where.line, file=where.file, reason=reason
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(E_NOT_OBJECT, field="entity", line=where.line, file=where.file)
    if "schema" not in data:
        raise InvalidInput(E_NO_SCHEMA, field="schema", line=where.line, file=where.file)
    _check_dates(data, where)
    # Phones are read here, not by followthemoney, which refuses the old Mexican forms
    # (+52 1 …, 044 …) that records still carry; a phone that cannot be read is a warning.
    phones: list[str] = []
    properties_in = data.get("properties")
    if isinstance(properties_in, dict) and "phone" in properties_in:
        raw_phones = properties_in["phone"]
        items = raw_phones if isinstance(raw_phones, list) else [raw_phones]
        phones = [p for p in items if isinstance(p, str) and p.strip()]
        data = {**data, "properties": {k: v for k, v in properties_in.items() if k != "phone"}}
    entity_id, schema, values = check_entity(data, where)
    properties: dict[str, list[str]] = {}
    for prop, _type, value, original in values:
        properties.setdefault(prop, []).append(original if original is not None else value)
    if phones and (spec := model.get(schema)) is not None and spec.get("phone") is not None:
        properties["phone"] = phones
    return {"id": entity_id, "schema": schema, "properties": properties}


def read_entities(
    path: Path | str, *, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, entity) for every entity of an FtM JSON-lines file, checked."""
    path = Path(path)
    seen = False
    for number, raw in _lines(path):
        if progress is not None:
            progress(len(raw.encode("utf-8")))
        if not raw.strip():
            continue
        seen = True
        yield number, parse_line(raw, Where(file=str(path), line=number))
    if not seen:
        raise InvalidInput(E_EMPTY_FILE, file=str(path))


def _has_name(properties: dict[str, list[str]]) -> bool:
    return any(properties.get(p) for p in NAME_PROPERTIES)


def load(path: Path | str, *, progress: Callable[[int], None] | None = None) -> Loaded:
    """The people and organisations of a file as raw rows, plates gathered from vehicles."""
    loaded = Loaded(file=str(path))
    plates: dict[str, str] = {}
    for number, entity in read_entities(path, progress=progress):
        schema, properties = entity["schema"], entity["properties"]
        if schema == "Vehicle":
            for owner in properties.get("owner", []) + properties.get("operator", []):
                for plate in properties.get("registrationNumber", [])[:1]:
                    plates.setdefault(owner, plate)
            continue
        spec = model.get(schema)
        if schema not in RESOLVABLE and not (spec is not None and spec.is_a("LegalEntity")):
            continue
        if not _has_name(properties):
            raise InvalidInput(
                E_NO_NAME, field="properties.name", line=number, file=str(path), schema=schema
            )
        if entity["id"] in loaded.lines:
            continue  # the same entity twice: the first wins, as the import does
        loaded.lines[entity["id"]] = number
        loaded.rows.append(raw_row(entity))
    if not loaded.rows:
        raise InvalidInput(E_NOTHING, file=str(path))
    for row in loaded.rows:
        if row["plate"] is None and row[ID] in plates:
            row["plate"] = plates[str(row[ID])]
    return loaded


def load_many(paths: Iterable[Path | str]) -> list[Loaded]:
    return [load(p) for p in paths]
