"""Bad input to resolution: a file that is not FtM stops the run, a dirty record is a warning
(or stops a strict run); each problem named by file, line and field, in both languages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vinculo.errors import InvalidInput
from vinculo.resolve.files import load, warnings_path, write_warnings


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


def refused(path: Path, *, strict: bool = False) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        load(path, strict=strict)
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


@pytest.mark.parametrize("strict", [False, True])
def test_not_ftm(tmp_path: Path, strict: bool) -> None:
    error = refused(write(tmp_path / "a.jsonl", [{"id": "a", "name": "Ana"}]), strict=strict)
    assert (error.line, error.field) == (1, "schema")
    assert "FtM" in error.render("en")
    error = refused(
        write(tmp_path / "b.jsonl", [{"id": "a", "schema": "Persona", "properties": {}}]),
        strict=strict,
    )
    assert error.field == "schema" and "Persona" in error.render("en")
    error = refused(write(tmp_path / "c.jsonl", [[1, 2, 3]]), strict=strict)
    assert error.field == "entity"
    # Properties beside the schema instead of in a properties object: not FtM either.
    error = refused(
        write(
            tmp_path / "d.jsonl",
            [person("a", name=["Ana Ruiz"]), {"id": "b", "schema": "Person", "name": "Eva"}],
        ),
        strict=strict,
    )
    assert (error.line, error.field) == (2, "properties")
    assert "properties" in error.render("en") and "FtM" in error.render("es")
    error = refused(
        write(tmp_path / "e.jsonl", [person("a", name=["Ana Ruiz"], nombre=["Ana"])]),
        strict=strict,
    )
    assert (error.line, error.field) == (1, "properties.nombre")


def test_record_with_no_name_stops_a_strict_run(tmp_path: Path) -> None:
    path = write(
        tmp_path / "n.jsonl",
        [person("a", name=["Ana Ruiz"]), person("b", birthDate=["1985-03-07"])],
    )
    error = refused(path, strict=True)
    assert (error.line, error.field) == (2, "properties.name")
    assert "no name" in error.render("en")
    assert "nombre" in error.render("es")


@pytest.mark.parametrize("value", ["1985-02-30", "1992-14-08", "5018-07-07"])
def test_impossible_date_stops_a_strict_run(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "d.jsonl", [person("a", name=["Ana Ruiz"], birthDate=[value])])
    error = refused(path, strict=True)
    assert (error.line, error.field) == (1, "properties.birthDate")
    assert value in error.render("en")
    assert value in error.render("es") and error.render("es") != error.render("en")


def test_impossible_dates_are_swapped_or_left_out(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.jsonl",
        [
            person("a", name=["Ana Ruiz"], birthDate=["1992-14-08"]),  # day and month swapped
            person("b", name=["Eva Soto"], birthDate=["5018-07-07"]),  # a typed year
            person("c", name=["Rosa Díaz"], birthDate=["2001-02-30"]),  # no such day
            person("d", name=["Inés Vega"], birthDate=["2990-01-02"]),  # a birth to come
            person("e", name=["Luz Mora"], birthDate=["1980-05-06", "1980-13-13"]),
            person("f", name=["Ema Paz"], birthDate=["1975-10-11"]),
        ],
    )
    loaded = load(path)
    dates = {row["unique_id"]: row["birthDate"] for row in loaded.rows}
    assert dates == {
        "a": "1992-08-14",
        "b": None,
        "c": None,
        "d": None,
        "e": "1980-05-06",
        "f": "1975-10-11",
    }
    said = [(w.line, w.field, w.kind, w.action) for w in loaded.warnings]
    assert said == [
        (1, "properties.birthDate", "date_swapped", "swapped"),
        (2, "properties.birthDate", "date_dropped", "dropped"),
        (3, "properties.birthDate", "date_dropped", "dropped"),
        (4, "properties.birthDate", "date_dropped", "dropped"),
        (5, "properties.birthDate", "date_dropped", "dropped"),
    ]
    swapped = loaded.warnings[0]
    assert "1992-14-08" in swapped.render("en") and "1992-08-14" in swapped.render("en")
    assert "intercambiados" in swapped.render("es") and "línea 1" in swapped.render("es")
    # The swapped reading is the one compared; a date left out is no evidence at all.
    table = loaded.features().table.to_pylist()
    assert table[0]["dob"] == "1992-08-14"
    assert [row["dob"] for row in table[1:4]] == [None, None, None]
    assert [row["by"] for row in table[1:4]] == [None, None, None]


def test_records_with_no_name_kept_by_what_else_identifies_them(tmp_path: Path) -> None:
    path = write(
        tmp_path / "n.jsonl",
        [
            person("a", name=["Ana Ruiz"]),
            person("b", idNumber=["GALL850307HCHRPS05"]),
            person("c", taxNumber=["GALL850307AB1"]),
            person("d", phone=["+52 656 123 4567"]),
            person("e", email=["ana@example.org"]),
            person("f", birthDate=["1985-03-07"], address=["Calle Juárez 12, Chihuahua"]),
            person("g", birthDate=["1985-03-07"]),  # a birth date alone is not enough
            person("h", address=["Calle Juárez 12, Chihuahua"]),  # nor an address alone
            {"id": "i", "schema": "Company", "properties": {"country": ["mx"]}},
        ],
    )
    loaded = load(path)
    assert [row["unique_id"] for row in loaded.rows] == ["a", "b", "c", "d", "e", "f"]
    assert loaded.lines == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}
    said = [(w.line, w.field, w.kind, w.action) for w in loaded.warnings]
    assert said == [
        *((n, "properties.name", "no_name_kept", "kept") for n in range(2, 7)),
        *((n, "properties.name", "no_name_skipped", "skipped") for n in range(7, 10)),
    ]
    assert "Company" in loaded.warnings[-1].render("en")
    assert "se omite" in loaded.warnings[-1].render("es")
    assert loaded.features().table.num_rows == 6


def test_only_records_with_no_name_and_nothing_else(tmp_path: Path) -> None:
    path = write(tmp_path / "n.jsonl", [person("a", gender=["female"])])
    error = refused(path)
    assert "no person or organisation" in error.render("en")


def test_unreadable_value_is_left_out(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.jsonl",
        [person("a", name=["Ana Ruiz"], email=["not an address", "ana@example.org"])],
    )
    loaded = load(path)
    assert loaded.rows[0]["email"] == "ana@example.org"
    [warning] = loaded.warnings
    assert (warning.line, warning.field, warning.kind) == (1, "properties.email", "value_dropped")
    assert "not an address" in warning.render("en") and "evidencia" in warning.render("es")
    error = refused(path, strict=True)
    assert (error.line, error.field) == (1, "properties.email")


def test_warnings_file_one_line_each_in_line_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "w.jsonl",
        [
            person("a", name=["Ana Ruiz"], idNumber=["GALL850307HCHRPS09"]),
            person("b", birthDate=["1992-14-08"]),
        ],
    )
    loaded = load(path)
    loaded.features()  # the invalid CURP is found here, after line 2's warnings
    out = warnings_path(tmp_path / "pairs.csv")
    assert out.name == "pairs.csv.warnings.jsonl"
    assert write_warnings(out, [loaded], "es") == 3
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(w["line"], w["field"], w["kind"], w["action"]) for w in lines] == [
        (1, "properties.idNumber", "invalid_curp", "kept_not_evidence"),
        (2, "properties.birthDate", "date_swapped", "swapped"),
        (2, "properties.name", "no_name_skipped", "skipped"),
    ]
    assert lines[0]["value"] == "GALL850307HCHRPS09" and lines[0]["reason"] == "CURP no válida"
    assert lines[1]["used"] == "1992-08-14" and {w["file"] for w in lines} == {str(path)}


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
    assert row["ph1"] == "6561234567"  # national digits: "044" and "+52" are gone
    assert row["plate"] == "ABC1234"


def test_only_other_entities(tmp_path: Path) -> None:
    path = write(tmp_path / "o.jsonl", [{"id": "r", "schema": "Address", "properties": {}}])
    error = refused(path)
    assert "no person or organisation" in error.render("en")
