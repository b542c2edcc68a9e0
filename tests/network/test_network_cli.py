"""`vinculo network …` on an FtM file, run as a user runs it (the command line app, in the
test process: tests/command_line.py)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from command_line import run_vinculo

ENTITIES = [
    {"id": "p1", "schema": "Person", "properties": {"name": ["Ana Ruiz"]}},
    {"id": "p2", "schema": "Person", "properties": {"name": ['=HYPERLINK("x")']}},
    {"id": "p3", "schema": "Person", "properties": {"name": ["Carla Vega"]}},
    {"id": "c1", "schema": "Company", "properties": {"name": ["Acme SA"]}},
    {"id": "o1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["c1"]}},
    {
        "id": "pay1",
        "schema": "Payment",
        "properties": {"payer": ["c1"], "beneficiary": ["p2"], "date": ["2024-05-01"]},
    },
    {"id": "call1", "schema": "Call", "properties": {"caller": ["p2"], "receiver": ["p3"]}},
    {"id": "gh", "schema": "Family", "properties": {"person": ["p1"], "relative": ["ghost"]}},
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_SECRET_KEY": "cli-test"}
    return run_vinculo("network", *args, env=env)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "chain.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in ENTITIES), encoding="utf-8")
    return path


def test_analyze_writes_metrics(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    done = run("analyze", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    metrics = json.loads(out.read_text())
    assert metrics["graph"]["nodes"] == 4 and metrics["graph"]["dropped"] == 1
    assert metrics["graph"]["components"] == 1
    first = metrics["nodes"][0]
    assert set(first) >= {"id", "degree", "betweenness", "pagerank", "community", "eigenvector"}
    assert first["id"] in ("c1", "p2")  # the two in the middle of the chain
    assert metrics["articulation_points"] == ["c1", "p2"]
    assert "1 links dropped" in done.stderr or "1 links" in done.stderr


def test_path_between_two_entities(data: Path) -> None:
    done = run("path", str(data), "p1", "p3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1. (3) Ana Ruiz —[Ownership]— Acme SA —[Payment]—")
    as_json = run("path", str(data), "p1", "p3", "--json", "--k", "2")
    found = json.loads(as_json.stdout)
    assert [n["id"] for n in found[0]["nodes"]] == ["p1", "c1", "p2", "p3"]
    missing = run("path", str(data), "p1", "ghost", "--lang", "es")
    assert missing.returncode == 2
    assert "no existe tal entidad" in missing.stderr or "B" in missing.stderr


def test_disrupt_removes_the_broker_first(data: Path) -> None:
    done = run("disrupt", str(data), "--k", "1", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["before"]["reachable_pairs"] == 6
    assert result["steps"][0]["removed"] in ("c1", "p2")
    assert result["steps"][0]["after"]["reachable_pairs"] == 1  # one pair left of six
    table = run("disrupt", str(data), "--k", "2")
    assert "Acme SA" in table.stdout or "HYPERLINK" in table.stdout


def test_exports_open_in_the_tools(data: Path, tmp_path: Path) -> None:
    graphml = tmp_path / "g.graphml"
    assert run("export", str(data), "--format", "graphml", "--out", str(graphml)).returncode == 0
    g = nx.read_graphml(graphml)
    assert set(g.nodes) == {"p1", "p2", "p3", "c1"}
    assert g.nodes["c1"]["caption"] == "Acme SA" and g.nodes["c1"]["degree"] == 2
    gexf = tmp_path / "g.gexf"
    assert run("export", str(data), "--format", "gexf", "--out", str(gexf)).returncode == 0
    h = nx.read_gexf(gexf)
    assert set(h.nodes) == {"p1", "p2", "p3", "c1"} and h.number_of_edges() == 3
    folder = tmp_path / "csv"
    assert run("export", str(data), "--format", "csv", "--out", str(folder)).returncode == 0
    with (folder / "nodes.csv").open(encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["p2"]["caption"].startswith("'=")  # no formula for a spreadsheet to run
    with (folder / "edges.csv").open(encoding="utf-8") as handle:
        kinds = sorted(r["kind"] for r in csv.DictReader(handle))
    assert kinds == ["Call", "Ownership", "Payment"]
    ftm = run("export", str(data), "--format", "ftm")
    assert ftm.returncode == 0, ftm.stderr
    entities = [json.loads(line) for line in ftm.stdout.splitlines()]
    assert {e["id"] for e in entities} == {"p1", "p2", "p3", "c1", "o1", "pay1", "call1"}
    assert "ghost" not in ftm.stdout  # the dropped link is not exported


def test_bad_input_names_the_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ENTITIES[0]) + "\n" + '{"id": "x", "schema": "Persona"}\n')
    done = run("analyze", str(bad), "--out", str(tmp_path / "m.json"), "--lang", "es")
    assert done.returncode == 2
    text = " ".join(done.stderr.split())
    assert str(bad) in text.replace(" ", "") or "bad.jsonl" in text
    assert "línea 2" in text and "schema" in text
    assert not (tmp_path / "m.json").exists()
    both = run("analyze", str(bad), "--as", "someone")
    assert both.returncode == 2
    neither = run("disrupt")
    assert neither.returncode == 2
    unknown = run("export", str(bad), "--format", "pdf")
    assert unknown.returncode == 2


def test_compare_two_periods(data: Path) -> None:
    done = run("compare", str(data), "--a-from", "2024", "--a-to", "2024", "--b-to", "2023")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Period A: 2 nodes, 1 linked pairs. Period B: 0 nodes")
    as_json = json.loads(
        run("compare", str(data), "--a-from", "2024", "--a-to", "2024", "--json").stdout
    )
    assert as_json["nodes_added"] == [] and as_json["before"]["nodes"] == 2  # dated only
    bad = run("compare", str(data), "--a-from", "last year", "--lang", "es")
    assert bad.returncode == 2 and "a_from" in bad.stderr
