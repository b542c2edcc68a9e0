"""Key players: the k nodes whose removal most reduces how many pairs can still reach each
other, chosen greedily, with the network before and after each removal.

Reachability is the number of pairs of nodes joined by some path: the sum over connected
components of n(n-1)/2. Removing one node v from a component of c nodes leaves the subtrees
that v separates (in a depth-first search, the children whose low point does not climb above
v) and the rest of the component; so one linear-time depth-first search scores every node at
once (Tarjan's articulation-point search, counting sizes as it goes). Greedy is not optimal —
the optimal set is NP-hard to find (Borgatti's key-player problem) — but each step is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from followthemoney import model

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.network.analysis import to_igraph
from vinculo.network.build import Graph

MAX_K = 50


@dataclass(frozen=True)
class State:
    nodes: int
    reachable_pairs: int
    components: int
    largest_component: int


@dataclass(frozen=True)
class Step:
    removed: str
    before: State
    after: State


@dataclass
class Disruption:
    before: State
    steps: list[Step] = field(default_factory=list)

    @property
    def after(self) -> State:
        return self.steps[-1].after if self.steps else self.before

    @property
    def removed(self) -> list[str]:
        return [s.removed for s in self.steps]

    @property
    def reduction(self) -> float:
        """The share of reachable pairs the removals cut (0 to 1)."""
        if not self.before.reachable_pairs:
            return 0.0
        return 1.0 - self.after.reachable_pairs / self.before.reachable_pairs


def _scan(
    adj: list[list[int]], alive: list[bool], eligible: list[bool], rank: list[tuple[int, int]]
) -> tuple[State, int | None]:
    """The graph's state, and the eligible node whose removal cuts the most reachable pairs."""
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    size = [1] * n
    parent = [-1] * n
    ptr = [0] * n
    sep_sum = [0] * n
    sep_pairs = [0] * n
    timer = 0
    total = 0
    components = 0
    largest = 0
    count = 0
    best: int | None = None
    best_key: tuple[int, int, int] | None = None
    for root in range(n):
        if not alive[root] or disc[root] >= 0:
            continue
        disc[root] = low[root] = timer
        timer += 1
        members = [root]
        stack = [root]
        while stack:
            v = stack[-1]
            neighbours = adj[v]
            if ptr[v] < len(neighbours):
                w = neighbours[ptr[v]]
                ptr[v] += 1
                if not alive[w]:
                    continue
                if disc[w] < 0:
                    parent[w] = v
                    disc[w] = low[w] = timer
                    timer += 1
                    stack.append(w)
                    members.append(w)
                elif w != parent[v] and disc[w] < low[v]:
                    low[v] = disc[w]
                continue
            stack.pop()
            p = parent[v]
            if p >= 0:
                size[p] += size[v]
                if low[v] < low[p]:
                    low[p] = low[v]
                if low[v] >= disc[p]:
                    sep_sum[p] += size[v]
                    sep_pairs[p] += size[v] * (size[v] - 1) // 2
        c = len(members)
        pairs = c * (c - 1) // 2
        total += pairs
        components += 1
        count += c
        largest = max(largest, c)
        for v in members:
            if not eligible[v]:
                continue
            rest = c - 1 - sep_sum[v]
            cut = pairs - sep_pairs[v] - rest * (rest - 1) // 2
            key = (cut, rank[v][0], rank[v][1])
            if best_key is None or key > best_key:
                best, best_key = v, key
    return State(count, total, components, largest), best


def key_players(graph: Graph, k: int = 5, *, candidates: Sequence[str] = ()) -> Disruption:
    """Greedily remove the k nodes (of the `candidates` schemata, or any) that most reduce
    pairwise reachability; the state before and after each removal."""
    if not 1 <= k <= MAX_K:
        raise InvalidInput(N_("k must be between 1 and {n}"), field="k", n=MAX_K)
    wanted = []
    for name in candidates:
        schema = model.get(name)
        if schema is None:
            raise InvalidInput(N_("unknown schema {value}"), field="candidates", value=name)
        wanted.append(schema)
    indexed = to_igraph(graph)
    g = indexed.g
    adj = [list(a) for a in g.get_adjlist()]
    alive = [True] * len(adj)
    eligible = [
        not wanted
        or any(
            (s := model.get(graph.nodes[node_id].schema)) is not None and s.is_a(w) for w in wanted
        )
        for node_id in indexed.ids
    ]
    # Ties go to the node with more links, then to the one whose id sorts first.
    by_id = sorted(range(len(adj)), key=lambda v: indexed.ids[v])
    position = {v: i for i, v in enumerate(by_id)}
    rank = [(len(adj[v]), -position[v]) for v in range(len(adj))]
    state, best = _scan(adj, alive, eligible, rank)
    result = Disruption(before=state)
    for _ in range(k):
        if best is None:
            break
        alive[best] = False
        eligible[best] = False
        after, following = _scan(adj, alive, eligible, rank)
        result.steps.append(Step(indexed.ids[best], state, after))
        state, best = after, following
    return result
