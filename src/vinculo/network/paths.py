"""Paths between two entities and ego networks, on the graph an actor may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from followthemoney import model
from followthemoney.schema import Schema

from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.ftm import fold
from vinculo.network.analysis import to_igraph
from vinculo.network.build import Edge, Graph

MAX_PATHS = 10
MAX_HOPS = 3


@dataclass
class Path:
    nodes: list[str]
    # For each hop, every link between its two nodes (an ownership and two payments …).
    hops: list[list[Edge]]

    @property
    def length(self) -> int:
        return len(self.nodes) - 1


class Ambiguous(InvalidInput):
    """A name that several nodes answer to; `candidates` are (id, caption, schema)."""

    def __init__(self, value: str, field: str, candidates: list[tuple[str, str, str]]) -> None:
        super().__init__(N_("several entities match {value}: pick one"), field=field, value=value)
        self.candidates = candidates


def find_node(graph: Graph, key: str, field: str) -> str:
    """The node an entity id — or a name, whole or in part — is shown as. Missing and not
    visible answer alike: the graph holds only what the actor may see."""
    key = (key or "").strip()
    found = graph.node_of(key) if key else None
    if found is not None:
        return found
    wanted = fold(key)
    if len(wanted) >= 3:
        for exact in (True, False):
            hits = [
                n
                for n in graph.nodes.values()
                if (fold(n.caption) == wanted if exact else wanted in fold(n.caption))
            ]
            if len(hits) == 1:
                return hits[0].id
            if hits:
                hits.sort(key=lambda n: (n.caption, n.id))
                raise Ambiguous(key, field, [(n.id, n.caption, n.schema) for n in hits[:20]])
    raise NotFound(N_("no such entity"), field=field)


def check_schemata(names: Sequence[str], field: str = "through") -> list[str]:
    for name in names:
        if model.get(name) is None:
            raise InvalidInput(N_("unknown schema {value}"), field=field, value=name)
    return list(names)


def _links_between(graph: Graph) -> dict[tuple[str, str], list[Edge]]:
    found: dict[tuple[str, str], list[Edge]] = {}
    for edge in graph.edges:
        key = (
            (edge.source, edge.target) if edge.source < edge.target else (edge.target, edge.source)
        )
        found.setdefault(key, []).append(edge)
    return found


def paths(
    graph: Graph,
    source: str,
    target: str,
    *,
    k: int = 1,
    through: Sequence[str] = (),
) -> list[Path]:
    """The k shortest paths from `source` to `target` (node ids), fewest hops first.

    `through` keeps the nodes in between to the given schemata (or their descendants):
    ["Company"] finds a path through companies only; the two ends may be anything.
    """
    if not 1 <= k <= MAX_PATHS:
        raise InvalidInput(N_("ask for between 1 and {n} paths"), field="k", n=MAX_PATHS)
    wanted = [s for s in (model.get(n) for n in check_schemata(through)) if s is not None]
    if wanted:
        allowed = {
            node_id
            for node_id, node in graph.nodes.items()
            if any(_is_a(node.schema, w) for w in wanted)
        }
        graph = graph.subgraph(allowed | {source, target})
    if source == target:
        return [Path([source], [])]
    indexed = to_igraph(graph)
    start, end = indexed.index[source], indexed.index[target]
    if end not in set(indexed.g.subcomponent(start)):
        return []  # igraph would warn that it cannot reach the target; nothing links them
    found: list[list[int]] = indexed.g.get_k_shortest_paths(
        start, to=end, k=k, mode="all", output="vpath"
    )
    between = _links_between(graph)
    out = []
    for vertices in found:
        if not vertices:
            continue
        ids = [indexed.ids[v] for v in vertices]
        hops = [between.get((a, b) if a < b else (b, a), []) for a, b in pairwise(ids)]
        out.append(Path(ids, hops))
    return out


def _is_a(schema_name: str, wanted: Schema) -> bool:
    schema = model.get(schema_name)
    return schema is not None and schema.is_a(wanted)


def ego(graph: Graph, center: str, hops: int = 1) -> Graph:
    """The nodes within `hops` links of `center` (1 to MAX_HOPS) and the links among them."""
    if not 1 <= hops <= MAX_HOPS:
        raise InvalidInput(N_("hops must be between 1 and {n}"), field="hops", n=MAX_HOPS)
    indexed = to_igraph(graph)
    near: list[int] = indexed.g.neighborhood(indexed.index[center], order=hops)
    return graph.subgraph(indexed.ids[v] for v in near)


def path_graph(graph: Graph, found: Sequence[Path], ends: Sequence[str] = ()) -> Graph:
    """The nodes of the paths (and the two ends, linked or not) and only the links taken."""
    keep = {n for p in found for n in p.nodes} | set(ends)
    taken = {id(e) for p in found for hop in p.hops for e in hop}
    sub = graph.subgraph(keep)
    sub.edges = [e for e in sub.edges if id(e) in taken]
    return sub
