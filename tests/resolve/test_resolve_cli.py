"""`vinculo resolve link` and `vinculo resolve dedupe`, run as a user runs them (the
command line app, in the test process: tests/command_line.py)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from vinculo.resolve.synthetic import binational, entities_jsonl

from command_line import run_vinculo


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "VINCULO_DATA_DIR": str(tmp_path),
        "COLUMNS": "200",
        "VINCULO_DATABASE_URL": None,
    }
    return run_vinculo("resolve", *args, env=environment)


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[tuple[str, str]]]:
    folder = tmp_path_factory.mktemp("resolve")
    data = binational(1200, 1200, seed=8)
    left, right = folder / "mx.jsonl", folder / "us.jsonl"
    left.write_text("".join(entities_jsonl(data.left)), encoding="utf-8")
    right.write_text("".join(entities_jsonl(data.right)), encoding="utf-8")
    return left, right, data.truth


def test_link_trains_on_the_files_and_writes_pairs(
    files: tuple[Path, Path, set[tuple[str, str]]], tmp_path: Path
) -> None:
    left, right, truth = files
    out, model = tmp_path / "pairs.csv", tmp_path / "model.json"
    done = run(
        tmp_path, "link", str(left), str(right), "--out", str(out), "--save-model", str(model)
    )
    assert done.returncode == 0, done.stderr
    table = rows(out)
    assert table[0] == ["left_id", "right_id", "score"]
    found = {(a, b) for a, b, _ in table[1:]}
    scores = [float(s) for _, _, s in table[1:]]
    assert all(0.9 <= s <= 1.0 for s in scores)
    hits = len(found & truth)
    assert hits / len(found) >= 0.97 and hits / len(truth) >= 0.93
    assert json.loads(model.read_text())["format"] == "vinculo-resolve-model"
    # The saved model scores the same files again, and a higher threshold keeps fewer pairs.
    again = tmp_path / "again.csv"
    done = run(
        tmp_path,
        "link",
        str(left),
        str(right),
        "--out",
        str(again),
        "--model",
        str(model),
        "--threshold",
        "0.99",
    )
    assert done.returncode == 0, done.stderr
    kept = rows(again)[1:]
    assert 0 < len(kept) <= len(found)
    assert all(float(s) >= 0.99 for _, _, s in kept)


def test_dedupe_small_file_uses_the_shipped_model(tmp_path: Path) -> None:
    people = [
        {
            "id": "a",
            "schema": "Person",
            "properties": {
                "name": ["José Luis García López"],
                "birthDate": ["1985-03-07"],
                "idNumber": ["GALL850307HCHRPS05"],
            },
        },
        {
            "id": "b",
            "schema": "Person",
            "properties": {
                "firstName": ["JOSE"],
                "lastName": ["GARCIA"],
                "birthDate": ["1985-07-03"],
                "idNumber": ["GALL850307HCHRPS05"],
            },
        },
        {
            "id": "c",
            "schema": "Person",
            "properties": {"name": ["Ana Ruiz Soto"], "birthDate": ["1990-01-20"]},
        },
        {
            "id": "o",
            "schema": "Company",
            "properties": {"name": ["Transportes del Norte SA de CV"]},
        },
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("".join(entities_jsonl(people)), encoding="utf-8")
    out = tmp_path / "clusters.csv"
    (tmp_path / "clusters.csv.warnings.jsonl").write_text("{}\n", encoding="utf-8")  # stale
    done = run(tmp_path, "dedupe", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = rows(out)
    assert table[0] == ["entity_id", "cluster_id"]
    clusters = dict((e, c) for e, c in table[1:])
    assert set(clusters) == {"a", "b", "c", "o"}
    assert clusters["a"] == clusters["b"]
    assert len({clusters["a"], clusters["c"], clusters["o"]}) == 3
    # A clean file leaves an empty warnings file, so none of an earlier run's stays beside.
    assert (tmp_path / "clusters.csv.warnings.jsonl").read_text(encoding="utf-8") == ""


def test_bad_file_writes_nothing_and_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(
        json.dumps({"id": "a", "schema": "Person", "properties": {"name": ["Ana"]}})
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "schema": "Person",
                "properties": {"name": ["Eva"], "birthDate": ["1985-02-30"]},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "clusters.csv"
    done = run(tmp_path, "dedupe", str(source), "--out", str(out), "--lang", "es", "--strict")
    assert done.returncode == 2
    assert not out.exists()
    message = " ".join(done.stderr.split())
    assert "línea 2" in message and "properties.birthDate" in message and "1985-02-30" in message
    # A file that is not FtM stops the run without --strict too.
    source.write_text(
        json.dumps({"id": "a", "schema": "Person", "properties": {"name": ["Ana"]}})
        + "\nname,dob\n",
        encoding="utf-8",
    )
    done = run(tmp_path, "dedupe", str(source), "--out", str(out), "--lang", "es")
    assert done.returncode == 2 and not out.exists()
    message = " ".join(done.stderr.split())
    assert "línea 2" in message and "campo line" in message and "JSON" in message
    source.write_text(
        json.dumps({"id": "a", "schema": "Persona", "properties": {"name": ["Ana"]}}) + "\n",
        encoding="utf-8",
    )
    done = run(tmp_path, "dedupe", str(source), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    message = " ".join(done.stderr.split())
    assert "line 1" in message and "field schema" in message and "Persona" in message
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    done = run(tmp_path, "link", str(empty), str(source), "--out", str(out))
    assert done.returncode == 2 and "empty" in done.stderr
    assert not out.exists()


def person(entity_id: str, **props: str) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person", "properties": {k: [v] for k, v in props.items()}}


# Clean Mexican records, and U.S. records holding each kind of dirty record (FILE_LINE: what
# the run does with it).
MX = [
    person("mx-1", name="José Luis García López", birthDate="1985-03-07"),
    person("mx-2", firstName="Juan", lastName="Hernández", birthDate="1992-08-14"),
    person("mx-3", name="Ana Beatriz Torres Vega", birthDate="1970-05-05"),
]
US = [
    person("us-1", name="Jose Luis Garcia Lopez", birthDate="1985-03-07"),
    # Day and month swapped: read as 1992-08-14, the evidence that pairs it with mx-2.
    person("us-2", firstName="Juan", lastName="Hernandes", birthDate="1992-14-08"),
    person("us-3", name="Pedro Sánchez Ortiz", birthDate="5018-07-07"),  # a typed year
    person("us-4", name="Luisa Méndez Ríos", birthDate="2001-02-30"),  # no such day
    person("us-5", idNumber="GALL850307HCHRPS05"),  # no name, an identifier
    person("us-6", phone="+1 915 532 0142"),  # no name, a phone
    person("us-7", birthDate="1970-05-05", address="1200 E Main St, El Paso, TX 79901"),
    person("us-8", gender="female"),  # no name and nothing else: skipped
    person("us-9", name="Carmen Ortega Luna", birthDate="1965-11-30"),
]
DIRTY = {
    (2, "properties.birthDate", "us-2", "date_swapped", "swapped", "1992-14-08"),
    (3, "properties.birthDate", "us-3", "date_dropped", "dropped", "5018-07-07"),
    (4, "properties.birthDate", "us-4", "date_dropped", "dropped", "2001-02-30"),
    (5, "properties.name", "us-5", "no_name_kept", "kept", None),
    (6, "properties.name", "us-6", "no_name_kept", "kept", None),
    (7, "properties.name", "us-7", "no_name_kept", "kept", None),
    (8, "properties.name", "us-8", "no_name_skipped", "skipped", None),
}


def counts(stderr: str) -> dict[str, int]:
    """The console's table of warnings: label -> count."""
    found = {}
    for line in stderr.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) == 4 and cells[2].isdigit():
            found[cells[1]] = int(cells[2])
    return found


def test_dirty_records_do_not_stop_the_run(tmp_path: Path) -> None:
    left, right = tmp_path / "mx.jsonl", tmp_path / "us.jsonl"
    left.write_text("".join(entities_jsonl(MX)), encoding="utf-8")
    right.write_text("".join(entities_jsonl(US)), encoding="utf-8")
    out = tmp_path / "pairs.csv"
    done = run(tmp_path, "link", str(left), str(right), "--out", str(out))
    assert done.returncode == 0, done.stderr
    found = {(a, b) for a, b, _ in rows(out)[1:]}
    # The swapped date is evidence: without it Juan Hernández and Juan Hernandes stay apart
    # (the control run below).
    assert {("mx-1", "us-1"), ("mx-2", "us-2")} <= found
    assert not any(b in ("us-3", "us-4", "us-8") for _, b in found)
    written = [
        json.loads(line)
        for line in (tmp_path / "pairs.csv.warnings.jsonl").read_text("utf-8").splitlines()
    ]
    assert {
        (w["line"], w["field"], w["id"], w["kind"], w["action"], w["value"]) for w in written
    } == DIRTY
    assert len(written) == len(DIRTY)
    assert all(w["file"] == str(right) for w in written)
    [swapped] = [w for w in written if w["kind"] == "date_swapped"]
    assert swapped["used"] == "1992-08-14"
    assert swapped["reason"] == "impossible date: day and month swapped"
    assert counts(done.stderr) == {
        "no name: kept for its other details": 3,
        "impossible date: left out": 2,
        "impossible date: day and month swapped": 1,
        "no name and nothing else to resolve by: skipped": 1,
    }
    assert "7 warnings: the run went on" in " ".join(done.stderr.split())

    # In Spanish, the same counts and the same file, with its reasons in Spanish.
    done = run(tmp_path, "link", str(left), str(right), "--out", str(out), "--lang", "es")
    assert done.returncode == 0, done.stderr
    assert counts(done.stderr) == {
        "sin nombre: se conserva por sus otros datos": 3,
        "fecha imposible: dejada fuera": 2,
        "fecha imposible: día y mes intercambiados": 1,
        "sin nombre ni otro dato con qué resolver: se omite": 1,
    }
    assert "7 advertencias: la ejecución siguió" in " ".join(done.stderr.split())
    reasons = {
        json.loads(line)["reason"]
        for line in (tmp_path / "pairs.csv.warnings.jsonl").read_text("utf-8").splitlines()
    }
    assert "fecha imposible: día y mes intercambiados" in reasons

    # Control: a date that cannot be swapped into a real one is left out, and the pair that
    # needed it is not found.
    control = tmp_path / "control.jsonl"
    unswappable = [person("us-2", firstName="Juan", lastName="Hernandes", birthDate="1992-14-31")]
    control.write_text("".join(entities_jsonl(unswappable + US[2:])), encoding="utf-8")
    again = tmp_path / "control.csv"
    done = run(tmp_path, "link", str(left), str(control), "--out", str(again))
    assert done.returncode == 0, done.stderr
    assert ("mx-2", "us-2") not in {(a, b) for a, b, _ in rows(again)[1:]}


def test_strict_stops_at_the_first_dirty_record(tmp_path: Path) -> None:
    left, right = tmp_path / "mx.jsonl", tmp_path / "us.jsonl"
    left.write_text("".join(entities_jsonl(MX)), encoding="utf-8")
    right.write_text("".join(entities_jsonl(US)), encoding="utf-8")
    out = tmp_path / "pairs.csv"
    done = run(tmp_path, "link", str(left), str(right), "--out", str(out), "--strict")
    assert done.returncode == 2
    assert not out.exists() and not (tmp_path / "pairs.csv.warnings.jsonl").exists()
    message = " ".join(done.stderr.split())
    assert f"file {right}, line 2, field properties.birthDate" in message
    assert "1992-14-08 is not a real date" in message
    done = run(
        tmp_path, "link", str(left), str(right), "--out", str(out), "--strict", "--lang", "es"
    )
    assert done.returncode == 2 and not out.exists()
    message = " ".join(done.stderr.split())
    assert f"archivo {right}, línea 2, campo properties.birthDate" in message
    assert "1992-14-08 no es una fecha real" in message
    # The first record with no name stops a strict run too.
    right.write_text("".join(entities_jsonl([US[0], US[5]])), encoding="utf-8")
    done = run(tmp_path, "link", str(left), str(right), "--out", str(out), "--strict")
    assert done.returncode == 2 and not out.exists()
    message = " ".join(done.stderr.split())
    assert "line 2, field properties.name" in message and "no name" in message
