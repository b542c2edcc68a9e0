"""Centrality, communities and structure on igraph (and leidenalg for communities).

The analysed graph is undirected and simple: the links between two nodes (an ownership, three
payments, two reports naming both) become one edge whose `weight` is how many there are.
Betweenness counts hops and ignores weights (a weight here is the strength of a tie, not a
distance); PageRank and Leiden use them.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import igraph as ig
import leidenalg

from vinculo.network.build import Graph

# Above this many nodes `analyze` samples betweenness sources instead of using all of them:
# SAMPLE_SOURCES, fewer on a graph so large that each source's search is slow (a budget of
# SAMPLE_WORK edge visits, never under MIN_SOURCES).
EXACT_BETWEENNESS_LIMIT = 20_000
SAMPLE_SOURCES = 256
MIN_SOURCES = 64
SAMPLE_WORK = 64_000_000
LEIDENALG_LIMIT = 200_000
# igraph draws its random numbers from one generator for the whole process.
_IGRAPH_RNG = threading.Lock()
DAMPING = 0.85


@contextmanager
def seeded_igraph(seed: int = 0) -> Iterator[None]:
    """igraph's random numbers from a generator of our own seed, one caller at a time.

    igraph draws from one generator for the whole process (Python's `random` unless told
    otherwise), so an unseeded call's result would depend on whatever else the process did
    before it: other readers' requests included. Seeding it makes each answer a function of
    the reader's own graph alone.
    """
    with _IGRAPH_RNG:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


@dataclass
class Indexed:
    """The igraph form of a Graph: vertex i is node `ids[i]`."""

    g: ig.Graph
    ids: list[str]
    index: dict[str, int]


def to_igraph(graph: Graph) -> Indexed:
    ids = list(graph.nodes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    pairs = []
    weights = []
    for edge in graph.edges:
        a, b = index.get(edge.source), index.get(edge.target)
        if a is None or b is None or a == b:
            continue
        pairs.append((a, b))
        weights.append(edge.weight)
    g = ig.Graph(n=len(ids), edges=pairs, directed=False)
    g.es["weight"] = weights
    g.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    return Indexed(g, ids, index)


@dataclass(frozen=True)
class NodeMetrics:
    degree: int
    betweenness: float
    eigenvector: float
    pagerank: float
    community: int


@dataclass(frozen=True)
class Summary:
    nodes: int
    edges: int  # linked pairs
    links: int  # links between them (several per pair: an ownership and three payments)
    dropped: int  # links dropped: an end missing or not visible
    components: int
    largest_component: int
    density: float
    communities: int
    modularity: float
    betweenness: str  # "exact", or "sampled from k of n sources"


@dataclass
class Analysis:
    graph: Graph
    indexed: Indexed
    metrics: dict[str, NodeMetrics]
    summary: Summary
    articulation_points: list[str] = field(default_factory=list)
    bridges: list[tuple[str, str]] = field(default_factory=list)

    def ranked(self, by: str = "betweenness") -> list[str]:
        """Node ids, most central first (ties by id, so the order is stable)."""
        return sorted(self.metrics, key=lambda i: (-getattr(self.metrics[i], by), i))

    def to_json(self) -> dict[str, Any]:
        nodes = []
        for node_id in self.ranked():
            node = self.graph.nodes[node_id]
            item: dict[str, Any] = {"id": node_id, "schema": node.schema, "caption": node.caption}
            if len(node.members) > 1:
                item["members"] = list(node.members)
            item.update(asdict(self.metrics[node_id]))
            nodes.append(item)
        return {
            "graph": asdict(self.summary),
            "articulation_points": self.articulation_points,
            "bridges": [list(pair) for pair in self.bridges],
            "nodes": nodes,
        }


def betweenness(
    indexed: Indexed, *, samples: int | None = None, seed: int = 0
) -> tuple[list[float], str]:
    """Betweenness of every node, normalised as networkx normalises it (by the number of
    pairs of other nodes, (n-1)(n-2)/2), exact or sampled.

    igraph has no sampled betweenness of its own. Sampling here is Brandes and Pich's
    estimator (the one networkx's `k=` uses): the dependencies of a uniform sample of k source
    vertices, from igraph's subset betweenness (`sources=`), scaled by n/k. It is unbiased,
    and its error falls as 1/sqrt(k).
    """
    g = indexed.g
    n = g.vcount()
    if n < 3:
        return [0.0] * n, "exact"
    scale = 2.0 / ((n - 1) * (n - 2))
    if samples is None or samples >= n:
        raw = g.betweenness(directed=False)
        how = "exact"
    else:
        sources = sorted(random.Random(seed).sample(range(n), samples))
        raw = g.betweenness(directed=False, sources=sources)
        scale *= n / samples
        how = f"sampled from {samples} of {n} sources"
    return [float(v) * scale for v in raw], how


def pagerank(indexed: Indexed, *, weighted: bool = True) -> list[float]:
    """PageRank with damping 0.85, solved exactly by PRPACK (no iteration tolerance)."""
    weights = "weight" if weighted and indexed.g.ecount() else None
    return [float(v) for v in indexed.g.pagerank(damping=DAMPING, weights=weights)]


def eigenvector(indexed: Indexed) -> list[float]:
    """Eigenvector centrality scaled to a maximum of 1, on the largest component; 0 elsewhere.

    Across components the measure means little (each has its own leading eigenvector), and
    igraph warns as much; the largest component is where an analyst reads it.
    """
    g = indexed.g
    values = [0.0] * g.vcount()
    if g.ecount() == 0:
        return values
    members: list[int] = []
    for part in g.connected_components():
        if len(part) > len(members):
            members = sorted(part)
    if len(members) < 2:
        return values
    # copy_and_delete keeps the vertices in their order, so scores line up with `members`.
    sub = g.induced_subgraph(members, implementation="copy_and_delete")
    # ARPACK starts from a random vector: seeded, the last bits depend on this graph alone.
    with seeded_igraph():
        scores = sub.eigenvector_centrality(weights=None)
    for vertex, score in zip(members, scores, strict=True):
        values[vertex] = float(score) if score > 1e-12 else 0.0
    return values


def communities(indexed: Indexed, *, seed: int = 0) -> tuple[list[int], float]:
    """Leiden communities maximising modularity (weighted), numbered largest first.

    leidenalg up to LEIDENALG_LIMIT linked pairs; above it igraph's own implementation of the
    same algorithm (Traag's, in igraph's C core), which found communities of the same
    modularity six times faster on a million links (bench/network.py, docs/benchmarks.md).
    """
    g = indexed.g
    if g.ecount() == 0:
        # No link, no modularity to speak of (leidenalg gives NaN): each node alone.
        return list(range(g.vcount())), 0.0
    if g.ecount() <= LEIDENALG_LIMIT:
        partition = leidenalg.find_partition(
            g, leidenalg.ModularityVertexPartition, weights="weight", seed=seed, n_iterations=2
        )
        membership = list(partition.membership)
        modularity = float(partition.modularity)
    else:
        with seeded_igraph(seed):
            found = g.community_leiden(
                objective_function="modularity", weights="weight", n_iterations=2
            )
        membership = list(found.membership)
        modularity = float(g.modularity(membership, weights="weight"))
    sizes: dict[int, int] = {}
    first: dict[int, int] = {}
    for vertex, community in enumerate(membership):
        sizes[community] = sizes.get(community, 0) + 1
        first.setdefault(community, vertex)
    order = sorted(sizes, key=lambda c: (-sizes[c], first[c]))
    renumber = {old: new for new, old in enumerate(order)}
    return [renumber[c] for c in membership], modularity


def sample_sources(edges: int) -> int:
    """How many sources to sample betweenness from on a graph of `edges` linked pairs."""
    return max(MIN_SOURCES, min(SAMPLE_SOURCES, SAMPLE_WORK // max(edges, 1)))


def analyze(
    graph: Graph,
    *,
    samples: int | None = None,
    exact_limit: int = EXACT_BETWEENNESS_LIMIT,
    seed: int = 0,
    structure: bool = True,
) -> Analysis:
    """Every measure for every node, and the graph's shape. Betweenness is exact up to
    `exact_limit` nodes, sampled from `samples` (default SAMPLE_SOURCES) sources above."""
    indexed = to_igraph(graph)
    g = indexed.g
    n = g.vcount()
    if samples is None and n > exact_limit:
        samples = sample_sources(g.ecount())
    between, how = betweenness(indexed, samples=samples, seed=seed)
    ranks = pagerank(indexed)
    eigen = eigenvector(indexed)
    membership, modularity = communities(indexed, seed=seed)
    degrees = g.degree()
    metrics = {
        node_id: NodeMetrics(
            degree=int(degrees[i]),
            betweenness=between[i],
            eigenvector=eigen[i],
            pagerank=ranks[i],
            community=membership[i],
        )
        for i, node_id in enumerate(indexed.ids)
    }
    parts = g.connected_components() if n else None
    summary = Summary(
        nodes=n,
        edges=g.ecount(),
        links=len(graph.edges),
        dropped=graph.dropped,
        components=len(parts) if parts is not None else 0,
        largest_component=max(parts.sizes()) if parts is not None and n else 0,
        density=float(g.density(loops=False)) if n > 1 else 0.0,
        communities=len(set(membership)),
        modularity=modularity,
        betweenness=how,
    )
    result = Analysis(graph, indexed, metrics, summary)
    if structure:
        result.articulation_points = sorted(indexed.ids[v] for v in g.articulation_points())
        result.bridges = sorted(
            tuple(sorted((indexed.ids[g.es[e].source], indexed.ids[g.es[e].target])))
            for e in g.bridges()
        )
    return result


# --- change between two time windows ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    date_from: str | None
    date_to: str | None


@dataclass
class Change:
    """What changed from window A to window B: nodes and linked pairs that appeared or went,
    and the nodes whose centrality rose or fell most."""

    before: Summary
    after: Summary
    nodes_added: list[str]
    nodes_removed: list[str]
    pairs_added: list[tuple[str, str]]
    pairs_removed: list[tuple[str, str]]
    risers: list[tuple[str, float, float]]  # (node, pagerank in A, pagerank in B)
    fallers: list[tuple[str, float, float]]


def _pairs(graph: Graph) -> set[tuple[str, str]]:
    return {
        (e.source, e.target) if e.source < e.target else (e.target, e.source) for e in graph.edges
    }


def compare(
    graph: Graph, a: Window, b: Window, *, keep_undated: bool = False, top: int = 10
) -> Change:
    """The graph of dated links in window A against that in window B (undated links are in
    both windows alike, so by default they are left out of both)."""
    first = graph.filtered(date_from=a.date_from, date_to=a.date_to, keep_undated=keep_undated)
    second = graph.filtered(date_from=b.date_from, date_to=b.date_to, keep_undated=keep_undated)
    one, two = analyze(first, structure=False), analyze(second, structure=False)
    before, after = set(first.nodes), set(second.nodes)
    pairs_one, pairs_two = _pairs(first), _pairs(second)
    shifts = []
    for node_id in before | after:
        old = one.metrics[node_id].pagerank if node_id in one.metrics else 0.0
        new = two.metrics[node_id].pagerank if node_id in two.metrics else 0.0
        shifts.append((node_id, old, new))
    shifts.sort(key=lambda s: (s[1] - s[2], s[0]))
    risers = [s for s in shifts if s[2] > s[1]][:top]
    fallers = [s for s in reversed(shifts) if s[2] < s[1]][:top]
    return Change(
        before=one.summary,
        after=two.summary,
        nodes_added=sorted(after - before),
        nodes_removed=sorted(before - after),
        pairs_added=sorted(pairs_two - pairs_one),
        pairs_removed=sorted(pairs_one - pairs_two),
        risers=risers,
        fallers=fallers,
    )
