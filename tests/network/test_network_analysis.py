"""The measures against networkx on the same graphs, paths, ego networks, structure, key
players against brute force, and change between two periods."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from followthemoney import model

from vinculo.errors import InvalidInput, NotFound
from vinculo.network.analysis import Window, analyze, betweenness, compare, to_igraph
from vinculo.network.build import Edge, Graph, Node, Record, build_graph
from vinculo.network.disrupt import key_players
from vinculo.network.paths import Ambiguous, ego, find_node, paths


def from_networkx(g: nx.Graph, schema: str = "Person") -> Graph:
    out = Graph(nodes={str(n): Node(str(n), schema, str(n)) for n in g.nodes})
    for a, b in g.edges:
        out.edges.append(Edge(str(a), str(b), "UnknownLink", f"{a}-{b}", False))
    return out


def test_florentine_families_match_networkx_and_the_medici_lead() -> None:
    florentine = nx.florentine_families_graph()
    result = analyze(from_networkx(florentine))
    expected_b = nx.betweenness_centrality(florentine)
    expected_p = nx.pagerank(florentine, tol=1e-12, max_iter=10_000)
    for name in florentine.nodes:
        assert result.metrics[name].betweenness == pytest.approx(expected_b[name], abs=1e-9)
        assert result.metrics[name].pagerank == pytest.approx(expected_p[name], abs=1e-9)
        assert result.metrics[name].degree == florentine.degree(name)
    assert result.ranked("betweenness")[0] == "Medici"
    assert result.ranked("pagerank")[0] == "Medici"
    assert result.ranked("eigenvector")[0] == "Medici"
    assert result.summary.components == 1
    assert result.summary.density == pytest.approx(nx.density(florentine))
    assert "Medici" in result.articulation_points
    assert ("Medici", "Salviati") in result.bridges


def test_weighted_pagerank_and_disconnected_graphs_match_networkx() -> None:
    rng = random.Random(3)
    g = nx.gnm_random_graph(120, 200, seed=3)
    g.add_nodes_from(range(120, 125))  # isolated nodes: PageRank's dangling case
    graph = from_networkx(g)
    for a, b in list(g.edges)[:60]:  # a second link on some pairs: weight 2
        graph.edges.append(Edge(str(a), str(b), "Payment", f"p{a}-{b}", True))
        g[a][b]["weight"] = 2.0
    for a, b in g.edges:
        g[a][b].setdefault("weight", 1.0)
    result = analyze(graph)
    pr = nx.pagerank(g, tol=1e-12, max_iter=10_000, weight="weight")
    bc = nx.betweenness_centrality(g)
    for n in g.nodes:
        assert result.metrics[str(n)].pagerank == pytest.approx(pr[n], abs=1e-9)
        assert result.metrics[str(n)].betweenness == pytest.approx(bc[n], abs=1e-9)
    assert result.summary.components == nx.number_connected_components(g)
    assert rng  # seeded data, deterministic


def test_sampled_betweenness_estimates_the_exact_one() -> None:
    g = nx.barabasi_albert_graph(800, 3, seed=5)
    indexed = to_igraph(from_networkx(g))
    exact, how = betweenness(indexed)
    assert how == "exact"
    everything, _ = betweenness(indexed, samples=800)
    assert everything == pytest.approx(exact)
    sampled, how = betweenness(indexed, samples=200, seed=1)
    assert how == "sampled from 200 of 800 sources"
    top = sorted(range(800), key=lambda v: -exact[v])[:10]
    for v in top:  # the hubs are estimated within 25 %
        assert sampled[v] == pytest.approx(exact[v], rel=0.25)
    assert sum(sampled) == pytest.approx(sum(exact), rel=0.1)
    big = analyze(from_networkx(g), exact_limit=500)
    assert big.summary.betweenness.startswith("sampled from 256")


def test_communities_are_deterministic_and_numbered_largest_first() -> None:
    g = nx.connected_caveman_graph(6, 8)
    one = analyze(from_networkx(g))
    two = analyze(from_networkx(g))
    assert [one.metrics[str(n)].community for n in g] == [two.metrics[str(n)].community for n in g]
    assert one.summary.communities == 6
    assert one.summary.modularity > 0.7
    sizes = [sum(1 for m in one.metrics.values() if m.community == c) for c in range(6)]
    assert sizes == sorted(sizes, reverse=True)


def line_graph() -> Graph:
    records = [
        Record("a", model["Person"], {"name": ["Ana"]}),
        Record("b", model["Company"], {"name": ["Acme"]}),
        Record("c", model["Person"], {"name": ["Carla"]}),
        Record("d", model["Company"], {"name": ["Delta"]}),
        Record("e", model["Person"], {"name": ["Ana María"]}),
        Record("o1", model["Ownership"], {"owner": ["a"], "asset": ["b"]}),
        Record("o2", model["Directorship"], {"director": ["c"], "organization": ["b"]}),
        Record("o3", model["Ownership"], {"owner": ["c"], "asset": ["d"]}),
        Record("o4", model["Directorship"], {"director": ["e"], "organization": ["d"]}),
        Record("f1", model["Family"], {"person": ["a"], "relative": ["c"]}),
        Record("u1", model["Associate"], {"person": ["c"], "associate": ["e"]}),
    ]
    return build_graph(records)


def test_shortest_and_k_shortest_paths() -> None:
    graph = line_graph()
    found = paths(graph, "a", "e", k=3)
    assert found[0].nodes == ["a", "c", "e"]
    assert len(found) == 3
    assert [p.length for p in found] == sorted(p.length for p in found)
    assert [e.kind for e in found[0].hops[0]] == ["Family"]


def test_paths_through_companies_only() -> None:
    graph = line_graph()
    # Ana to Carla: directly (a family link), or through the company Acme.
    found = paths(graph, "a", "c", k=3, through=["Company"])
    assert [p.nodes for p in found] == [["a", "c"], ["a", "b", "c"]]
    # Ana to Ana María: only through Carla, a person: no path through companies alone.
    assert paths(graph, "a", "e", through=["Company"]) == []
    assert paths(graph, "a", "e", through=["LegalEntity"])[0].nodes == ["a", "c", "e"]
    with pytest.raises(InvalidInput):
        paths(graph, "a", "e", through=["Nonsense"])
    with pytest.raises(InvalidInput):
        paths(graph, "a", "e", k=0)


def test_finding_a_node_by_id_or_name() -> None:
    graph = line_graph()
    assert find_node(graph, "c", "source") == "c"
    assert find_node(graph, "carla", "source") == "c"  # a name, case aside
    assert find_node(graph, "DELTA", "source") == "d"
    assert find_node(graph, "Ana", "source") == "a"  # the exact name beats "Ana María"
    assert find_node(graph, "ana mar", "source") == "e"
    graph.nodes["z"] = Node("z", "Person", "Ana Ruiz")
    del graph.nodes["a"]  # no exact "Ana" left: "Ana María" and "Ana Ruiz" both match
    with pytest.raises(Ambiguous) as caught:
        find_node(graph, "ana r", "target") if False else find_node(graph, "ana", "target")
    assert {c[0] for c in caught.value.candidates} == {"e", "z"}
    assert caught.value.field == "target"
    with pytest.raises(NotFound):
        find_node(graph, "an", "source")  # too short to stand for a name


def test_ego_networks() -> None:
    graph = line_graph()
    assert set(ego(graph, "a", 1).nodes) == {"a", "b", "c"}
    assert set(ego(graph, "a", 2).nodes) == {"a", "b", "c", "d", "e"}
    with pytest.raises(InvalidInput):
        ego(graph, "a", 4)


def reachable_pairs(g: nx.Graph) -> int:
    return sum(len(c) * (len(c) - 1) // 2 for c in nx.connected_components(g))


@pytest.mark.parametrize("seed", range(6))
def test_each_greedy_step_is_the_best_single_removal(seed: int) -> None:
    g = nx.gnm_random_graph(40, 48, seed=seed)
    graph = from_networkx(g)
    result = key_players(graph, 4)
    assert result.before.reachable_pairs == reachable_pairs(g)
    left = g.copy()
    for step in result.steps:
        best = min(reachable_pairs(nx.restricted_view(left, [v], [])) for v in left.nodes)
        left.remove_node(int(step.removed))
        assert step.after.reachable_pairs == reachable_pairs(left) == best
        assert step.after.components == nx.number_connected_components(left)
        assert step.after.largest_component == max(len(c) for c in nx.connected_components(left))
    assert 0 < result.reduction <= 1


def test_key_players_of_two_stars_joined_by_a_broker() -> None:
    g = nx.Graph()
    g.add_edges_from(("hub1", f"x{i}") for i in range(6))
    g.add_edges_from(("hub2", f"y{i}") for i in range(6))
    g.add_edges_from([("hub1", "broker"), ("broker", "hub2")])
    graph = from_networkx(g)
    result = key_players(graph, 2)
    assert result.removed[0] == "broker" or set(result.removed) == {"hub1", "hub2"}
    assert result.after.reachable_pairs < result.before.reachable_pairs
    companies_only = key_players(graph, 1, candidates=["Company"])
    assert companies_only.steps == []  # every node here is a Person
    with pytest.raises(InvalidInput):
        key_players(graph, 0)


def test_change_between_two_periods() -> None:
    graph = Graph(
        nodes={n: Node(n, "Person", n.upper()) for n in "abcd"},
        edges=[
            Edge("a", "b", "Call", "c1", True, "2024-02-01", "2024-02-01"),
            Edge("b", "c", "Call", "c2", True, "2024-03-01", "2024-03-01"),
            Edge("c", "d", "Call", "c3", True, "2025-06-01", "2025-06-01"),
            Edge("a", "d", "Vehicle:owner", "v", True),
        ],
    )
    change = compare(graph, Window("2024", "2024"), Window("2025", "2025"))
    assert change.nodes_added == ["d"]
    assert change.nodes_removed == ["a", "b"]
    assert change.pairs_added == [("c", "d")]
    assert change.pairs_removed == [("a", "b"), ("b", "c")]
    assert change.before.nodes == 3 and change.after.nodes == 2
    assert {r[0] for r in change.risers} >= {"d"}


def test_not_found_for_missing() -> None:
    with pytest.raises(NotFound):
        find_node(line_graph(), "nobody-at-all", "target")


def test_large_graphs_use_igraphs_own_leiden_deterministically(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vinculo.network import analysis

    monkeypatch.setattr(analysis, "LEIDENALG_LIMIT", 10)
    g = nx.connected_caveman_graph(5, 6)
    one = analyze(from_networkx(g), seed=3)
    two = analyze(from_networkx(g), seed=3)
    assert [one.metrics[str(n)].community for n in g] == [two.metrics[str(n)].community for n in g]
    assert one.summary.communities == 5
    assert one.summary.modularity == pytest.approx(
        nx.community.modularity(
            g,
            [{n for n in g if one.metrics[str(n)].community == c} for c in range(5)],
        )
    )
    assert analysis.sample_sources(1_000_000) == analysis.MIN_SOURCES
    assert analysis.sample_sources(5_000) == analysis.SAMPLE_SOURCES
