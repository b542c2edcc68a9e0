"""`vinculo resolve run` and `vinculo screen`, run as a user runs them: the command line app
(in the test process: tests/command_line.py) on a real SQLite file, the real engine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from command_line import run_vinculo


def run(home: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    environment = {
        "VINCULO_DATA_DIR": str(home),
        "VINCULO_SECRET_KEY": "cli-test-secret",
        "VINCULO_DEFAULT_LOCALE": lang,
        "VINCULO_DATABASE_URL": None,
    }
    return run_vinculo(*args, env=environment)


def lines(path: Path, *entities: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def person(entity_id: str, **props: list[str]) -> dict[str, object]:
    return {"id": entity_id, "schema": "Person", "properties": props}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a Mexican and a U.S. import of the same man, and an analyst of each."""
    home = tmp_path_factory.mktemp("resolve-cli")
    assert run(home, "db", "upgrade").returncode == 0
    for name, agency in (("ana.dea", "DEA"), ("beto.fgr", "FGR")):
        made = run(
            home, "user", "add", name, "--agency", agency, "--password", "Sonora-frontera-2026"
        )
        assert made.returncode == 0, made.stderr
    mexican = lines(
        home / "mx.jsonl",
        person(
            "mx-1",
            name=["José Luis García López"],
            birthDate=["1985-03-07"],
            idNumber=["GALL850307HCHRPS05"],
        ),
        person("mx-2", name=["Marisol Peña Ruiz"], birthDate=["1990-12-01"]),
    )
    american = lines(
        home / "us.jsonl",
        person("us-1", name=["JOSE GARCIA"], birthDate=["1985-07-03"], alias=["Pepe"]),
        person("us-2", name=["Walter Quinn"], birthDate=["1971-02-11"]),
    )
    for path, who, rel in ((mexican, "beto.fgr", "USA,MEX"), (american, "ana.dea", "USA,MEX")):
        done = run(home, "import", "ftm", str(path), "--as", who, "--tlp", "GREEN", "--rel-to", rel)
        assert done.returncode == 0, done.stderr
    return home


def test_resolve_run_merges_and_says_what_it_did(home: Path) -> None:
    done = run(home, "resolve", "run")
    assert done.returncode == 0, done.stderr
    # One run for each of the two analysts, each merging the same man on its own view.
    assert "4 records compared, 2 pairs merged" in done.stderr
    assert "One run for each of 2 accounts" in done.stderr
    again = run(home, "resolve", "run", "--as", "beto.fgr", lang="es")
    assert again.returncode == 0, again.stderr
    assert "4 registros comparados" in again.stderr
    assert "cuentas" not in again.stderr


def test_screen_ranks_and_explains(home: Path) -> None:
    query = lines(
        home / "query.jsonl",
        person("q-1", name=["Pepe García López"], birthDate=["1985-03-07"]),
        person("q-2", name=["Walter Quin"]),
    )
    done = run(home, "screen", str(query), "--as", "beto.fgr", "--json", "--threshold", "0.2")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["query"] for a in answers] == ["q-1", "q-2"]
    first = answers[0]["results"][0]
    assert first["id"] in ("mx-1", "us-1")
    assert first["features"] and first["score"] > 0.5
    assert answers[1]["results"][0]["id"] == "us-2"
    table = run(home, "screen", str(query), "--as", "beto.fgr")
    assert table.returncode == 0 and "García" in table.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file holds no entity"),
        ("not json\n", "line 1"),
        (json.dumps(person("q", birthDate=["1985-03-07"])) + "\n", "properties.name"),
        (json.dumps(person("q", name=["Ana"], birthDate=["1985-02-30"])) + "\n", "birthDate"),
        (json.dumps({"id": "q", "schema": "Spaceship", "properties": {}}) + "\n", "schema"),
    ],
)
def test_screen_names_the_bad_line(home: Path, content: str, expected: str) -> None:
    bad = home / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    done = run(home, "screen", str(bad), "--as", "ana.dea")
    assert done.returncode == 2
    assert expected in done.stderr and str(bad) in done.stderr


def test_a_sanctions_list_in_ftm_imports_and_screens_like_any_source(home: Path) -> None:
    """Lines shaped as an OpenSanctions FtM export (extra keys: caption, datasets, referents,
    first_seen …; a Sanction entity pointing at the person) import as a source, and a
    record screened against the store finds the sanctioned person."""
    listed = {
        "id": "ofac-12345",
        "caption": "Ismael ZAMBADA GARCIA",
        "schema": "Person",
        "properties": {
            "name": ["Ismael ZAMBADA GARCIA"],
            "alias": ["El Mayo"],
            "birthDate": ["1948-01-01"],
            "nationality": ["mx"],
            "topics": ["sanction"],
        },
        "datasets": ["us_ofac_sdn"],
        "referents": ["ofac-7745"],
        "target": True,
        "first_seen": "2019-02-01T00:00:00",
        "last_seen": "2026-11-27T00:00:00",
        "last_change": "2024-05-02T00:00:00",
    }
    sanction = {
        "id": "ofac-12345-sanction",
        "schema": "Sanction",
        "properties": {"entity": ["ofac-12345"], "authority": ["OFAC"], "program": ["SDNTK"]},
        "datasets": ["us_ofac_sdn"],
    }
    source = lines(home / "sdn.jsonl", listed, sanction)
    done = run(home, "import", "ftm", str(source), "--as", "ana.dea", "--tlp", "CLEAR")
    assert done.returncode == 0, done.stderr
    query = lines(
        home / "suspects.jsonl",
        person("s-1", name=["Ismael Zambada"], birthDate=["1948-01-01"], alias=["Mayo"]),
    )
    found = run(home, "screen", str(query), "--as", "beto.fgr", "--json", "--threshold", "0.5")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert results and results[0]["id"] == "ofac-12345"
