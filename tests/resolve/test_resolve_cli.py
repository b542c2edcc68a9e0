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
    done = run(tmp_path, "dedupe", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = rows(out)
    assert table[0] == ["entity_id", "cluster_id"]
    clusters = dict((e, c) for e, c in table[1:])
    assert set(clusters) == {"a", "b", "c", "o"}
    assert clusters["a"] == clusters["b"]
    assert len({clusters["a"], clusters["c"], clusters["o"]}) == 3


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
    done = run(tmp_path, "dedupe", str(source), "--out", str(out), "--lang", "es")
    assert done.returncode == 2
    assert not out.exists()
    message = " ".join(done.stderr.split())
    assert "línea 2" in message and "properties.birthDate" in message and "1985-02-30" in message
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    done = run(tmp_path, "link", str(empty), str(source), "--out", str(out))
    assert done.returncode == 2 and "empty" in done.stderr
    assert not out.exists()
