"""Bad input to resolution: each problem named by file, line and field, in both languages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vinculo.errors import InvalidInput
from vinculo.resolve.files import load


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join(
            (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines
        ),
        encoding="utf-8",
    )
    return path


def person(entity_id: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person", "properties": props}


def refused(path: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        load(path)
    assert caught.value.file == str(path)
    return caught.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    error = refused(path)
    assert "empty" in error.render("en")
    assert "vacío" in error.render("es")


def test_not_json(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", [person("a", name=["Ana Ruiz"]), "name,dob"])
    error = refused(path)
    assert (error.line, error.field) == (2, "line")
    assert "line 2" in error.render("en") and "línea 2" in error.render("es")


def test_not_ftm(tmp_path: Path) -> None:
    error = refused(write(tmp_path / "a.jsonl", [{"id": "a", "name": "Ana"}]))
    assert (error.line, error.field) == (1, "schema")
    assert "FtM" in error.render("en")
    error = refused(
        write(tmp_path / "b.jsonl", [{"id": "a", "schema": "Persona", "properties": {}}])
    )
    assert error.field == "schema" and "Persona" in error.render("en")
    error = refused(write(tmp_path / "c.jsonl", [[1, 2, 3]]))
    assert error.field == "entity"


def test_record_with_no_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "n.jsonl",
        [person("a", name=["Ana Ruiz"]), person("b", birthDate=["1985-03-07"])],
    )
    error = refused(path)
    assert (error.line, error.field) == (2, "properties.name")
    assert "no name" in error.render("en")
    assert "nombre" in error.render("es")


def test_impossible_date(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", [person("a", name=["Ana Ruiz"], birthDate=["1985-02-30"])])
    error = refused(path)
    assert (error.line, error.field) == (1, "properties.birthDate")
    assert "1985-02-30" in error.render("en")
    assert "1985-02-30" in error.render("es") and error.render("es") != error.render("en")


def test_invalid_curp_is_a_warning_and_the_record_stays(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.jsonl",
        [
            person("a", name=["Ana Ruiz"]),
            person("b", name=["José Luis García López"], idNumber=["GALL850307HCHRPS09"]),
        ],
    )
    loaded = load(path)
    made = loaded.features()
    assert made.table.num_rows == 2
    assert made.table.column("curp").to_pylist() == [None, None]
    [warning] = loaded.warnings
    assert (warning.line, warning.field, warning.file) == (2, "properties.idNumber", str(path))
    assert "GALL850307HCHRPS09" in warning.render("en")
    assert "CURP" in warning.render("es") and "evidencia" in warning.render("es")


def test_old_phone_forms_and_plates_from_vehicles(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.jsonl",
        [
            person("a", name=["José García"], phone=["044 656 123 4567"]),
            {
                "id": "v",
                "schema": "Vehicle",
                "properties": {"registrationNumber": ["ABC-12-34"], "owner": ["a"]},
            },
            {"id": "r", "schema": "Address", "properties": {"full": ["Calle 1, Juárez"]}},
        ],
    )
    made = load(path).features()
    row = made.table.to_pylist()[0]
    assert made.table.num_rows == 1
    assert row["ph1"] == "+526561234567"
    assert row["plate"] == "ABC1234"


def test_only_other_entities(tmp_path: Path) -> None:
    path = write(tmp_path / "o.jsonl", [{"id": "r", "schema": "Address", "properties": {}}])
    error = refused(path)
    assert "no person or organisation" in error.render("en")
