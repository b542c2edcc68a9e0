"""Building the graph: links read from the followthemoney model, dates, dropped ends, identities
collapsed, co-mentions, and bad files named by file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from vinculo.errors import InvalidInput
from vinculo.network.build import MENTION, Graph, Record, build_graph, file_graph, high

ENTITIES: list[dict[str, Any]] = [
    {"id": "p1", "schema": "Person", "properties": {"name": ["Ana Ruiz"]}},
    {"id": "p2", "schema": "Person", "properties": {"name": ["Beto Soto"]}},
    {"id": "p3", "schema": "Person", "properties": {"name": ["Carla Vega"]}},
    {"id": "c1", "schema": "Company", "properties": {"name": ["Acme SA de CV"]}},
    {
        "id": "o1",
        "schema": "Ownership",
        "properties": {"owner": ["p1"], "asset": ["c1"], "startDate": ["2020-03"]},
    },
    {
        "id": "pay1",
        "schema": "Payment",
        "properties": {"payer": ["c1"], "beneficiary": ["p2"], "date": ["2024-05-01"]},
    },
    {
        "id": "call1",
        "schema": "Call",
        "properties": {"caller": ["p2"], "receiver": ["p3"], "date": ["2025-01-02"]},
    },
    {"id": "v1", "schema": "Vehicle", "properties": {"name": ["Kenworth"], "owner": ["p3"]}},
    {"id": "pp1", "schema": "Passport", "properties": {"number": ["G123"], "holder": ["p1"]}},
    {"id": "fam", "schema": "Family", "properties": {"person": ["p1"], "relative": ["ghost"]}},
]


def write(path: Path, entities: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


@pytest.fixture
def graph(tmp_path: Path) -> Graph:
    return file_graph(write(tmp_path / "g.jsonl", ENTITIES))


def links(graph: Graph) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.kind) for e in graph.edges}


def test_what_becomes_a_node_and_what_a_link(graph: Graph) -> None:
    # Edge schemata and a Call (a record naming two parties) are links, not nodes.
    assert set(graph.nodes) == {"p1", "p2", "p3", "c1", "v1", "pp1"}
    assert links(graph) == {
        ("p1", "c1", "Ownership"),
        ("c1", "p2", "Payment"),
        ("p2", "p3", "Call"),
        ("v1", "p3", "Vehicle:owner"),
        ("pp1", "p1", "Identification:holder"),
    }
    # The Family link names an entity that is not in the file: dropped and counted.
    assert graph.dropped == 1
    assert graph.nodes["pp1"].caption == "G123"
    assert graph.nodes["c1"].caption == "Acme SA de CV"


def test_every_edge_schema_of_the_model_becomes_a_link() -> None:
    """Not a hand list: whatever the model calls an edge links its source to its target."""
    edge_schemata = [s for s in model if s.edge and not s.abstract]
    assert {"Ownership", "Family", "Payment", "UnknownLink", "Membership"} <= {
        s.name for s in edge_schemata
    }
    for schema in edge_schemata:
        source = model.get(schema.edge_source)
        target = model.get(schema.edge_target)
        assert source is None and target is None  # they are property names
        records = [
            Record("a", model["Person"], {"name": ["A"]}),
            Record("b", model["Company"], {"name": ["B"]}),
            Record("x", schema, {schema.edge_source: ["a"], schema.edge_target: ["b"]}),
        ]
        built = build_graph(records)
        assert [(e.source, e.target, e.kind, e.via) for e in built.edges] == [
            ("a", "b", schema.name, "x")
        ], schema.name
        assert built.edges[0].directed == bool(schema.edge_directed)


def test_dates_and_windows(graph: Graph) -> None:
    by_kind = {e.kind: e for e in graph.edges}
    assert (by_kind["Payment"].start, by_kind["Payment"].end) == ("2024-05-01", "2024-05-01")
    # An ownership from a start date on is open-ended; a vehicle's owner is undated.
    assert (by_kind["Ownership"].start, by_kind["Ownership"].end) == ("2020-03", None)
    assert by_kind["Vehicle:owner"].in_window("2024", "2024") is None
    assert by_kind["Ownership"].in_window("2026-01-01", None) is True
    assert by_kind["Ownership"].in_window(None, "2020-02-28") is False
    assert by_kind["Ownership"].in_window(None, "2020-03-05") is True
    assert by_kind["Payment"].in_window("2024-05", "2024-05") is True
    assert by_kind["Payment"].in_window("2024-06", None) is False
    assert high("2024") == "2024-12-31" and high("2024-02") == "2024-02-31"

    dated = graph.filtered(date_from="2024-01-01", date_to="2024-12-31", keep_undated=False)
    assert links(dated) == {("p1", "c1", "Ownership"), ("c1", "p2", "Payment")}
    assert set(dated.nodes) == {"p1", "c1", "p2"}  # nodes left without a link go too
    kept = graph.filtered(date_from="2024-01-01", date_to="2024-12-31")
    assert ("v1", "p3", "Vehicle:owner") in links(kept)
    assert ("p2", "p3", "Call") not in links(kept)


def test_schema_and_link_filters(graph: Graph) -> None:
    people = graph.filtered(schemata=["Person"])
    assert set(people.nodes) == {"p1", "p2", "p3"}
    assert links(people) == {("p2", "p3", "Call")}
    legal = graph.filtered(schemata=["LegalEntity"])  # descendants count
    assert set(legal.nodes) == {"p1", "p2", "p3", "c1"}
    only_dated = graph.filtered(keep_undated=False)  # no window: every dated link, no other
    assert {k for _s, _t, k in links(only_dated)} == {"Ownership", "Payment", "Call"}
    calls = graph.filtered(links=["Call", "Payment"])
    assert {k for _s, _t, k in links(calls)} == {"Call", "Payment"}


def test_resolved_identities_collapse_into_one_node() -> None:
    records = [
        Record("a1", model["Person"], {"name": ["José García"]}),
        Record("a2", model["Person"], {"name": ["Jose Garcia"]}),
        Record("b", model["Company"], {"name": ["Firm"]}),
        Record("o1", model["Ownership"], {"owner": ["a2"], "asset": ["b"]}),
        Record("u1", model["UnknownLink"], {"subject": ["a1"], "object": ["a2"]}),
    ]
    built = build_graph(records, canonical={"a1": "a1", "a2": "a1"})
    assert set(built.nodes) == {"a1", "b"}
    assert built.nodes["a1"].members == ("a1", "a2")
    assert [(e.source, e.target) for e in built.edges] == [("a1", "b")]  # the self-link goes
    assert built.node_of("a2") == "a1"
    # The canonical id the actor cannot see is never a node's name: a visible member is.
    hidden_root = build_graph(records, canonical={"a1": "zz", "a2": "zz"})
    assert set(hidden_root.nodes) == {"a1", "b"}


def test_co_mentions_are_weighted_links() -> None:
    records = [Record(i, model["Person"], {"name": [i.upper()]}) for i in ("x", "y", "z")]
    mentions = {"r1": ["x", "y"], "r2": ["y", "x", "z"], "r3": ["x"]}
    built = build_graph(records, mentions=mentions)
    weights = {(e.source, e.target): (e.weight, e.reports) for e in built.edges}
    assert weights == {
        ("x", "y"): (2.0, ("r1", "r2")),
        ("x", "z"): (1.0, ("r2",)),
        ("y", "z"): (1.0, ("r2",)),
    }
    assert all(e.kind == MENTION and e.via is None for e in built.edges)
    assert not built.filtered(mentions=False).edges
    crowd = {"big": [f"p{i}" for i in range(60)]}
    people = [Record(f"p{i}", model["Person"], {"name": [f"P{i}"]}) for i in range(60)]
    assert not build_graph(people, mentions=crowd).edges  # a listing is not an observation


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("{not json", "line", "malformed JSON"),
        ('{"id": "x", "schema": "Nope"}', "schema", "unknown schema"),
        (
            '{"id": "x", "schema": "Person", "properties": {"colour": ["red"]}}',
            "properties.colour",
            "unknown property",
        ),
        (
            '{"id": "x", "schema": "Person", "properties": {"birthDate": ["yesterday"]}}',
            "properties.birthDate",
            "not a valid date",
        ),
    ],
)
def test_bad_input_names_file_line_and_field(
    tmp_path: Path, line: str, field: str, words: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ENTITIES[0]) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        file_graph(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), 3, field)
    assert words in error.render("en")
    assert "línea 3" in error.render("es")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        '{"id": "p", "schema": "Person", "properties": {"name": ["Peña"]}}'.encode("latin-1")
    )
    with pytest.raises(InvalidInput) as caught:
        file_graph(path)
    assert caught.value.field == "file"


def test_one_id_on_two_lines_merges_as_ftm_does(tmp_path: Path) -> None:
    path = write(
        tmp_path / "twice.jsonl",
        [
            {"id": "p", "schema": "LegalEntity", "properties": {"name": ["Ana"]}},
            {"id": "p", "schema": "Person", "properties": {"alias": ["La Jefa"]}},
            {"id": "c", "schema": "Company", "properties": {"name": ["Firm"]}},
            {
                "id": "d",
                "schema": "Directorship",
                "properties": {"director": ["p"], "organization": ["c"]},
            },
        ],
    )
    built = file_graph(path)
    assert built.nodes["p"].schema == "Person"
    assert len(built.edges) == 1
    clash = write(
        tmp_path / "clash.jsonl",
        [
            {"id": "p", "schema": "Person", "properties": {"name": ["Ana"]}},
            {"id": "p", "schema": "Company", "properties": {"name": ["Ana SA"]}},
        ],
    )
    with pytest.raises(InvalidInput) as caught:
        file_graph(clash)
    assert caught.value.field == "schema"
