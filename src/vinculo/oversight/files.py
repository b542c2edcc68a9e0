"""Unit files (YAML or CSV) read into `UnitIn` rows that remember their lines.

Reading only shapes the file: whether a value is right is the import's check
(`oversight.service`), which names the file, line and field of every fault at once.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import yaml
from pydantic import ValidationError

from vinculo.errors import InvalidFields, InvalidInput
from vinculo.i18n import N_
from vinculo.oversight.schemas import Location, Span, UnitIn

UNIT_FIELDS = ("id", "name_es", "name_en", "force", "parent")
LOCATION_FIELDS = ("full", "city", "state", "country")
SPAN_FIELDS = ("name", "id", "start", "end", "role")
# A CSV has one row a commander span: a unit's own fields on its first row, and the later
# rows of the same id adding spans (their unit fields empty or the same).
CSV_COLUMNS = (
    *UNIT_FIELDS,
    "commander",
    "commander_id",
    "commander_start",
    "commander_end",
    *LOCATION_FIELDS,
)


def read_units(text: str, file_name: str) -> list[UnitIn]:
    """The units of a file, by its extension: .csv is CSV, anything else YAML."""
    if file_name.lower().endswith(".csv"):
        return _read_csv(text, file_name)
    return _read_yaml(text, file_name)


# --- YAML ------------------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node, file_name: str, field: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise InvalidInput(N_("give a single value"), file=file_name, line=_line(node), field=field)
    if node.tag == "tag:yaml.org,2002:null":
        return ""
    return str(node.value).strip()


def _mapping(node: yaml.Node, file_name: str, field: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise InvalidInput(
            N_("expected a mapping of field names to values"),
            file=file_name,
            line=_line(node),
            field=field,
        )
    return [(_scalar(k, file_name, field), v) for k, v in node.value]


def _unknown(file_name: str, node: yaml.Node, field: str) -> InvalidInput:
    return InvalidInput(
        N_("unknown field {value}"), file=file_name, line=_line(node), field=field, value=field
    )


def _span(node: yaml.Node, file_name: str, prefix: str) -> dict[str, Any]:
    span: dict[str, Any] = {"line": _line(node)}
    for key, value in _mapping(node, file_name, prefix):
        if key not in SPAN_FIELDS:
            raise _unknown(file_name, value, f"{prefix}.{key}")
        span[key] = _scalar(value, file_name, f"{prefix}.{key}")
    return span


def _read_yaml(text: str, file_name: str) -> list[UnitIn]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InvalidInput(
            N_("malformed YAML: {reason}"),
            file=file_name,
            line=mark.line + 1 if mark is not None else None,
            reason=str(getattr(error, "problem", None) or error),
        ) from None
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise InvalidInput(N_("expected a list of units"), file=file_name, line=_line(root))
    raw: list[tuple[dict[str, Any], dict[str, int], int]] = []
    for index, node in enumerate(root.value):
        unit: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, value in _mapping(node, file_name, f"units[{index}]"):
            lines[key] = _line(value)
            if key in UNIT_FIELDS:
                unit[key] = _scalar(value, file_name, key)
            elif key == "location":
                unit[key] = {
                    k: _scalar(v, file_name, f"location.{k}")
                    for k, v in _mapping(value, file_name, key)
                    if k in LOCATION_FIELDS or _raise(_unknown(file_name, v, f"location.{k}"))
                }
            elif key in ("commanders", "members"):
                if not isinstance(value, yaml.SequenceNode):
                    raise InvalidInput(
                        N_("expected a list"), file=file_name, line=_line(value), field=key
                    )
                unit[key] = [
                    _span(item, file_name, f"{key}[{i}]") for i, item in enumerate(value.value)
                ]
            else:
                raise _unknown(file_name, value, key)
        raw.append((unit, lines, _line(node)))
    return _units([(u, lines, line) for u, lines, line in raw], file_name)


def _raise(error: InvalidInput) -> bool:
    raise error


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(text: str, file_name: str) -> list[UnitIn]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    for column in header:
        if column not in CSV_COLUMNS:
            raise InvalidInput(
                N_("unknown column {value}"), file=file_name, line=1, field=column, value=column
            )
    if "id" not in header:
        raise InvalidInput(N_("the column {value} is missing"), file=file_name, line=1, value="id")
    units: dict[str, tuple[dict[str, Any], int]] = {}
    errors: list[InvalidInput] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(InvalidInput(N_("more values than columns"), file=file_name, line=line))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        unit_id = values.get("id", "")
        own = {k: values[k] for k in UNIT_FIELDS if values.get(k)}
        place = {k: values[k] for k in LOCATION_FIELDS if values.get(k)}
        if unit_id in units and unit_id:
            unit, _first = units[unit_id]
            for key, value in own.items():
                if unit.get(key, value) != value:
                    errors.append(
                        InvalidInput(
                            N_("the unit {id} was given another {field} on an earlier line"),
                            file=file_name,
                            line=line,
                            field=key,
                            id=unit_id,
                        )
                    )
                unit.setdefault(key, value)
            if place:
                unit.setdefault("location", place)
        else:
            unit = dict(own)
            if place:
                unit["location"] = place
            unit["commanders"] = []
            units[unit_id or f"#{line}"] = (unit, line)
        if values.get("commander") or values.get("commander_id") or values.get("commander_start"):
            unit["commanders"].append(
                {
                    "name": values.get("commander", ""),
                    "id": values.get("commander_id") or None,
                    "start": values.get("commander_start", ""),
                    "end": values.get("commander_end", ""),
                    "line": line,
                }
            )
    if errors:
        raise InvalidFields(errors)
    return _units([(unit, {}, line) for unit, line in units.values()], file_name)


# --- both ------------------------------------------------------------------------------------


def _units(raw: list[tuple[dict[str, Any], dict[str, int], int]], file_name: str) -> list[UnitIn]:
    """Every unit read, or every fault of every unit at once."""
    units: list[UnitIn] = []
    errors: list[InvalidInput] = []
    for data, lines, line in raw:
        try:
            units.append(_unit(data, lines, line, file_name))
        except InvalidFields as error:
            errors.extend(error.errors)
    if errors:
        raise InvalidFields(errors)
    return units


def _unit(data: dict[str, Any], lines: dict[str, int], line: int, file_name: str) -> UnitIn:
    """A UnitIn, with dates read here: a date that is not one is named where it was written."""
    errors: list[InvalidInput] = []
    for key in ("commanders", "members"):
        for index, span in enumerate(data.get(key, [])):
            for part in ("start", "end"):
                if not span.get(part):
                    span[part] = None
                    continue
                try:
                    Span.model_validate({"start": span[part]})
                except ValidationError:
                    errors.append(
                        InvalidInput(
                            N_("{value} is not a date (write YYYY-MM-DD)"),
                            file=file_name,
                            line=span.get("line", line),
                            field=f"{key}[{index}].{part}",
                            value=span[part],
                        )
                    )
                    span[part] = None
            if span.get("start") is None and not any(
                e.field == f"{key}[{index}].start" for e in errors
            ):
                errors.append(
                    InvalidInput(
                        N_("give the date the span starts"),
                        file=file_name,
                        line=span.get("line", line),
                        field=f"{key}[{index}].start",
                    )
                )
    if errors:
        raise InvalidFields(errors)
    location = data.get("location")
    return UnitIn(
        id=data.get("id", ""),
        name_es=data.get("name_es", ""),
        name_en=data.get("name_en", ""),
        force=data.get("force", ""),
        parent=data.get("parent", ""),
        location=Location(**location) if location else None,
        commanders=[Span(**s) for s in data.get("commanders", [])],
        members=[Span(**s) for s in data.get("members", [])],
        line=line,
        lines=lines,
    )
