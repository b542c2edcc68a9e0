"""Reading FtM JSON-lines files for resolution, with errors that name file, line and field.

The same format `vinculo import ftm` takes. People and organisations are resolved; other
entities are read for what they tell about them (a Vehicle's plate goes to its owner) and
otherwise left alone. A file that is not what it says stops the run at its first problem —
empty, not JSON, not FtM, an unknown schema or property — and nothing is written.

Dirty records do not stop it: data made by others holds typed years and swapped days and
months. An impossible date is read with day and month swapped when that is a real date, and
left out otherwise; a value followthemoney cannot read is left out; a record with no name is
kept when it has an identifier, a phone, an e-mail, or a birth date and an address, and
skipped otherwise. An invalid CURP, RFC or SSN stays as written and never counts as
evidence. Each is a `ResolveWarning`; `strict=True` stops at the first date or name problem
instead, as the import does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from followthemoney import model, registry

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
# What a nameless record may still be resolved by: the identifiers, phones and e-mails
# `records.raw_row` reads, or a birth date together with an address.
IDENTIFYING_PROPERTIES = (
    "idNumber",
    "taxNumber",
    "passportNumber",
    "socialSecurityNumber",
    "registrationNumber",
    "innCode",
    "licenseNumber",
    "phone",
    "email",
)
ADDRESS_PROPERTIES = ("address", "street", "city", "postalCode")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# A warning quotes at most this much of a value (a value too long to store may be huge).
_QUOTE = 500

E_EMPTY_FILE = N_("the file is empty: it holds no FtM entity")
E_NOT_JSON = N_("not JSON ({reason}): the file must hold one FtM entity per line")
E_NOT_OBJECT = N_("not an FtM entity: each line must be a JSON object")
E_NO_SCHEMA = N_("not an FtM entity: the line has no schema (is this an FtM JSON-lines file?)")
E_NO_PROPERTIES = N_(
    "not an FtM entity: the line has no properties object (is this an FtM JSON-lines file?)"
)
E_NO_NAME = N_("the {schema} has no name: nothing to resolve it by")
E_BAD_DATE = N_("{value} is not a real date")
E_NOTHING = N_("the file holds no person or organisation to resolve")
W_FLAG = N_("{reason}: {value} is kept as written but not used as evidence")
W_DATE_SWAPPED = N_("{value} is not a real date: read as {used}, with day and month swapped")
W_DATE_DROPPED = N_("{value} is not a real date: left out, never used as evidence")
W_VALUE_DROPPED = N_("{reason}: left out, never used as evidence")
W_NO_NAME_KEPT = N_(
    "the {schema} has no name: kept for its identifier, phone, e-mail or birth date and address"
)
W_NO_NAME_SKIPPED = N_("the {schema} has no name and nothing else to resolve it by: skipped")
# Each kind of warning: its code in the warnings file, what was done, and its short label
# for the console's count. A flag (invalid CURP …) is its own kind, labelled by its reason.
KINDS: dict[str, tuple[str, str]] = {
    "date_swapped": ("swapped", N_("impossible date: day and month swapped")),
    "date_dropped": ("dropped", N_("impossible date: left out")),
    "value_dropped": ("dropped", N_("unreadable value: left out")),
    "no_name_kept": ("kept", N_("no name: kept for its other details")),
    "no_name_skipped": ("skipped", N_("no name and nothing else to resolve by: skipped")),
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class ResolveWarning(VinculoError):
    """A dirty record or value: used as read, repaired, left out or skipped (`action`)."""

    def __init__(self, message: str, *, kind: str, action: str, label: str, **rest: Any) -> None:
        self.kind = kind
        self.action = action
        self.label = label
        super().__init__(message, **rest)

    def detail(self, locale: str) -> str:
        params = dict(self.params)
        reason = params.get("reason")
        if isinstance(reason, VinculoError):
            params["reason"] = reason.detail(locale)
        elif isinstance(reason, str):
            params["reason"] = gettext(locale, reason)
        return gettext(locale, self.message, **params)

    def record(self, locale: str) -> dict[str, Any]:
        """One line of the warnings file."""
        found: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "id": self.params.get("entity"),
            "kind": self.kind,
            "reason": gettext(locale, self.label),
            "value": self.params.get("value"),
            "action": self.action,
        }
        if self.params.get("used") is not None:
            found["used"] = self.params["used"]
        return found


def _warning(message: str, kind: str, **rest: Any) -> ResolveWarning:
    action, label = KINDS[kind]
    return ResolveWarning(message, kind=kind, action=action, label=label, **rest)


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
            kind=_NOT_WORD.sub("_", item.reason.lower()).strip("_"),
            action="kept_not_evidence",
            label=item.reason,
            field=item.field,
            line=self.lines.get(entity_id),
            file=self.file,
            reason=item.reason,
            value=item.value,
            entity=entity_id,
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


@lru_cache(maxsize=65536)
def _real_date(value: str, birth: bool) -> bool:
    """followthemoney reads it, a full date is a day of the calendar, a birth is not to come."""
    if registry.date.clean(value) is None:
        return False
    found = _ISO_DAY.match(value)
    if found is None:
        return True
    try:
        day = date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return False
    return not (birth and day > date.today())


def _swapped(value: str, birth: bool) -> str | None:
    """The date with day and month swapped (1992-14-08 is 1992-08-14), if that is a real one."""
    found = _ISO_DAY.match(value)
    if found is None or found[2] == found[3]:
        return None
    other = f"{found[1]}-{found[3]}-{found[2]}{value[found.end() :]}"
    return other if _real_date(other, birth) else None


def _repair_dates(
    data: dict[str, Any], where: Where, warnings: list[ResolveWarning]
) -> dict[str, Any]:
    """The entity with each impossible date swapped to a real one or left out, each said."""
    spec = model.get(str(data.get("schema")))
    properties: dict[str, Any] = data["properties"]
    if spec is None:
        return data
    repaired: dict[str, Any] | None = None
    for prop, values in properties.items():
        kind = spec.get(prop)
        if kind is None or kind.type is not registry.date:
            continue
        birth = prop == "birthDate"
        items = values if isinstance(values, list) else [values]
        kept: list[Any] = []
        for value in items:
            text = value.strip() if isinstance(value, str) else ""
            if not text or _real_date(text, birth):
                kept.append(value)
                continue
            used = _swapped(text, birth)
            where_at: dict[str, Any] = {
                "field": f"properties.{prop}",
                "line": where.line,
                "file": where.file,
                "entity": data.get("id"),
                "value": value[:_QUOTE],
            }
            if used is None:
                warnings.append(_warning(W_DATE_DROPPED, "date_dropped", **where_at))
                continue
            kept.append(used)
            warnings.append(_warning(W_DATE_SWAPPED, "date_swapped", used=used, **where_at))
        if kept != items:
            repaired = repaired if repaired is not None else dict(properties)
            repaired[prop] = kept
    return data if repaired is None else {**data, "properties": repaired}


def _skipper(
    data: dict[str, Any], where: Where, warnings: list[ResolveWarning]
) -> Callable[[InvalidInput, str], None]:
    def skip(problem: InvalidInput, value: str) -> None:
        warnings.append(
            _warning(
                W_VALUE_DROPPED,
                "value_dropped",
                field=problem.field,
                line=where.line,
                file=where.file,
                entity=data.get("id"),
                value=value[:_QUOTE],
                reason=problem,
            )
        )

    return skip


def parse_line(
    raw: str, where: Where, *, warnings: list[ResolveWarning] | None = None
) -> dict[str, Any]:
    """One line as a checked FtM entity dict; raises InvalidInput naming line and field.

    Given a `warnings` list, an impossible date or an unreadable value is repaired or left
    out and said there; without one, it stops the run as the import does.
    """
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
    if not isinstance(data.get("properties"), dict):
        raise InvalidInput(E_NO_PROPERTIES, field="properties", line=where.line, file=where.file)
    if warnings is None:
        _check_dates(data, where)
    else:
        data = _repair_dates(data, where, warnings)
    # Phones are read here, not by followthemoney, which refuses the old Mexican forms
    # (+52 1 …, 044 …) that records still carry; a phone that cannot be read is a warning.
    phones: list[str] = []
    properties_in = data.get("properties")
    if isinstance(properties_in, dict) and "phone" in properties_in:
        raw_phones = properties_in["phone"]
        items = raw_phones if isinstance(raw_phones, list) else [raw_phones]
        phones = [p for p in items if isinstance(p, str) and p.strip()]
        data = {**data, "properties": {k: v for k, v in properties_in.items() if k != "phone"}}
    skip = None if warnings is None else _skipper(data, where, warnings)
    entity_id, schema, values = check_entity(data, where, skip=skip)
    properties: dict[str, list[str]] = {}
    for prop, _type, value, original in values:
        properties.setdefault(prop, []).append(original if original is not None else value)
    if phones and (spec := model.get(schema)) is not None and spec.get("phone") is not None:
        properties["phone"] = phones
    return {"id": entity_id, "schema": schema, "properties": properties}


def read_entities(
    path: Path | str,
    *,
    progress: Callable[[int], None] | None = None,
    warnings: list[ResolveWarning] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, entity) for every entity of an FtM JSON-lines file, checked (`parse_line`
    says what `warnings` does)."""
    path = Path(path)
    seen = False
    for number, raw in _lines(path):
        if progress is not None:
            progress(len(raw.encode("utf-8")))
        if not raw.strip():
            continue
        seen = True
        yield number, parse_line(raw, Where(file=str(path), line=number), warnings=warnings)
    if not seen:
        raise InvalidInput(E_EMPTY_FILE, file=str(path))


def _has_name(properties: dict[str, list[str]]) -> bool:
    return any(properties.get(p) for p in NAME_PROPERTIES)


def _resolvable_without_name(properties: dict[str, list[str]]) -> bool:
    if any(properties.get(p) for p in IDENTIFYING_PROPERTIES):
        return True
    return bool(properties.get("birthDate")) and any(properties.get(p) for p in ADDRESS_PROPERTIES)


def load(
    path: Path | str, *, strict: bool = False, progress: Callable[[int], None] | None = None
) -> Loaded:
    """The people and organisations of a file as raw rows, plates gathered from vehicles.

    `strict`: an impossible date or a record with no name stops the run instead of being a
    warning (the module docstring says what is done with each).
    """
    loaded = Loaded(file=str(path))
    plates: dict[str, str] = {}
    warnings = None if strict else loaded.warnings
    for number, entity in read_entities(path, progress=progress, warnings=warnings):
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
            if strict:
                raise InvalidInput(
                    E_NO_NAME, field="properties.name", line=number, file=str(path), schema=schema
                )
            kept = _resolvable_without_name(properties)
            loaded.warnings.append(
                _warning(
                    W_NO_NAME_KEPT if kept else W_NO_NAME_SKIPPED,
                    "no_name_kept" if kept else "no_name_skipped",
                    field="properties.name",
                    line=number,
                    file=str(path),
                    entity=entity["id"],
                    schema=schema,
                )
            )
            if not kept:
                continue
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


def load_many(paths: Iterable[Path | str], *, strict: bool = False) -> list[Loaded]:
    return [load(p, strict=strict) for p in paths]


def warnings_path(out: Path) -> Path:
    """Where a run's warnings go: beside the CSV it writes, `pairs.csv.warnings.jsonl`."""
    return out.with_name(f"{out.name}.warnings.jsonl")


def write_warnings(path: Path, loaded: Iterable[Loaded], locale: str) -> int:
    """Every warning of the files, one JSON object a line in file and line order; how many."""
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for item in loaded:
            for warning in sorted(item.warnings, key=lambda w: w.line or 0):
                handle.write(json.dumps(warning.record(locale), ensure_ascii=False) + "\n")
                written += 1
    return written
