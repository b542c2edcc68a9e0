"""Network analysis against networkx, on the same graphs in the same run.

    .venv/bin/python bench/network.py [--quick] [--nodes 200000] [--edges 1000000]
                                      [--samples 256] [--peer-big]

Targets (issue 5):
  1. correctness: betweenness and PageRank equal networkx's within 1e-9 (PageRank against
     networkx run to convergence, tol=1e-12) on Padgett's Florentine families and on the demo
     graph (as us.analyst sees it, from a freshly seeded store); the Medici come first;
  2. speed: exact betweenness at least 30x faster than networkx on a 5,000-node, 25,000-edge
     graph (G(n, m), seeded);
  3. scale: a 200,000-node, 1,000,000-edge graph stored in a SQLite file (bench/out/, made once
     through vinculo's bulk statement path and reused while the schema is the same) loads from
     the store as an analyst sees it and gets sampled betweenness, PageRank and Leiden in under
     60 s, with a peak memory under 4 GB (measured in a child process: ru_maxrss).
     Betweenness is sampled from as many sources as `vinculo network analyze` picks for the
     graph (64 at a million links; `--samples` to choose). networkx's PageRank on the same
     graph is timed beside it; `--peer-big` also times networkx's sampled betweenness (same
     k) there, which takes many minutes.

Prints PASS or MISS per target; exits non-zero only when something cannot run.
`--quick` shrinks the scale run (20,000 nodes, 100,000 edges) to try the script out.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import networkx as nx
from _common import OUT, console, die, machine_line, schema_heads, verdict
from rich.table import Table

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import statement_rows
from vinculo.migrations.runner import upgrade
from vinculo.network import service
from vinculo.network.analysis import (
    Indexed,
    betweenness,
    communities,
    eigenvector,
    pagerank,
    sample_sources,
    to_igraph,
)
from vinculo.network.build import Edge, Graph, Node
from vinculo.security.markings import Markings
from vinculo.security.policy import marking_id_for
from vinculo.settings import Settings

TOLERANCE = 1e-9
SPEEDUP = 30.0
BIG_SECONDS = 60.0
BIG_BYTES = 4 * 1024**3


# --- graphs in both libraries -----------------------------------------------------------------


def graph_from_nx(g: nx.Graph) -> Graph:
    out = Graph(nodes={str(n): Node(str(n), "Person", str(n)) for n in g.nodes})
    for a, b in g.edges:
        out.edges.append(Edge(str(a), str(b), "UnknownLink", None, False))
    return out


def nx_from_indexed(indexed: Indexed) -> nx.Graph:
    """networkx's copy of the analysed graph: the same nodes, pairs and weights."""
    g = nx.Graph()
    g.add_nodes_from(indexed.ids)
    ig_graph = indexed.g
    for edge in ig_graph.es:
        g.add_edge(indexed.ids[edge.source], indexed.ids[edge.target], weight=edge["weight"])
    return g


def compare(indexed: Indexed, g: nx.Graph, weighted: bool) -> dict[str, Any]:
    ours_b, _ = betweenness(indexed)
    ours_p = pagerank(indexed, weighted=weighted)
    theirs_b = nx.betweenness_centrality(g)
    theirs_p = nx.pagerank(g, tol=1e-12, max_iter=100_000, weight="weight" if weighted else None)
    ids = indexed.ids
    db = max(abs(ours_b[i] - theirs_b[n]) for i, n in enumerate(ids))
    dp = max(abs(ours_p[i] - theirs_p[n]) for i, n in enumerate(ids))
    top_b = ids[max(range(len(ids)), key=lambda i: (ours_b[i], -i))]
    top_p = ids[max(range(len(ids)), key=lambda i: (ours_p[i], -i))]
    return {
        "nodes": len(ids),
        "edges": indexed.g.ecount(),
        "betweenness_diff": db,
        "pagerank_diff": dp,
        "top_betweenness": top_b,
        "top_pagerank": top_p,
        "nx_top_betweenness": max(theirs_b, key=lambda n: theirs_b[n]),
        "nx_top_pagerank": max(theirs_p, key=lambda n: theirs_p[n]),
    }


def florentine() -> dict[str, Any]:
    g = nx.florentine_families_graph()
    result = compare(to_igraph(graph_from_nx(g)), g, weighted=False)
    result["ok"] = (
        result["betweenness_diff"] < TOLERANCE
        and result["pagerank_diff"] < TOLERANCE
        and result["top_betweenness"] == result["top_pagerank"] == "Medici"
        and result["nx_top_betweenness"] == result["nx_top_pagerank"] == "Medici"
    )
    return result


def demo_graph(directory: Path) -> dict[str, Any]:
    from vinculo.demo.seed import seed_demo
    from vinculo.security.service import actor_for, get_by_username

    settings = Settings(database_url=f"sqlite:///{directory / 'demo.db'}", demo=True)
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    seed_demo(sessions=sessions, console=console)
    with transaction(sessions) as session:
        user = get_by_username(session=session, username="us.analyst")
        assert user is not None
        graph = service.load(session=session, actor=actor_for(user))
    engine.dispose()
    indexed = to_igraph(graph)
    result = compare(indexed, nx_from_indexed(indexed), weighted=True)
    result["top_betweenness"] = graph.nodes[result["top_betweenness"]].caption
    result["top_pagerank"] = graph.nodes[result["top_pagerank"]].caption
    result["nx_top_betweenness"] = graph.nodes[result["nx_top_betweenness"]].caption
    result["nx_top_pagerank"] = graph.nodes[result["nx_top_pagerank"]].caption
    result["ok"] = (
        result["betweenness_diff"] < TOLERANCE
        and result["pagerank_diff"] < TOLERANCE
        and result["top_betweenness"] == result["nx_top_betweenness"]
        and result["top_pagerank"] == result["nx_top_pagerank"]
    )
    return result


def speed(nodes: int = 5000, edges: int = 25_000) -> dict[str, Any]:
    g = nx.gnm_random_graph(nodes, edges, seed=5)
    indexed = to_igraph(graph_from_nx(g))
    start = time.perf_counter()
    ours, _ = betweenness(indexed)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = nx.betweenness_centrality(g)
    theirs_s = time.perf_counter() - start
    diff = max(abs(ours[i] - theirs[int(n)]) for i, n in enumerate(indexed.ids))
    ratio = theirs_s / ours_s
    return {
        "nodes": nodes,
        "edges": indexed.g.ecount(),
        "igraph_s": ours_s,
        "networkx_s": theirs_s,
        "speedup": ratio,
        "diff": diff,
        "ok": ratio >= SPEEDUP and diff < TOLERANCE,
    }


# --- the big graph in the store --------------------------------------------------------------

USER = "bench.network"
KINDS = (
    ("UnknownLink", "subject", "object"),
    ("Associate", "person", "associate"),
    ("Ownership", "owner", "asset"),
    ("Payment", "payer", "beneficiary"),
)


def big_store(path: Path, nodes: int, edges: int) -> Path:
    """A SQLite store holding `nodes` people and companies and `edges` links between them
    (preferential attachment, seeded), GREEN REL TO USA, MEX; made once and reused."""
    stamp = path.with_suffix(".json")
    wanted = {"nodes": nodes, "edges": edges, "heads": schema_heads(), "version": 1}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        console.print(f"reusing {path} ({path.stat().st_size / 1e9:.2f} GB)")
        return path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import create_user

    settings = Settings(database_url=f"sqlite:///{path}")
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    rng = random.Random(2026)
    seen = datetime(2026, 1, 1)
    start = time.perf_counter()
    with transaction(sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username=USER, password="bench-Password-2026", agency="DEA"),
        )
        markings = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"])
        marking = marking_id_for(session=session, markings=markings)
        backend = backend_for(session)
        written = 0

        def flush(entities: list[tuple[str, str, list[tuple[str, str, str, str | None]]]]) -> None:
            nonlocal written
            rows = [
                row
                for entity_id, schema, values in entities
                for row in statement_rows(
                    entity_id=entity_id,
                    schema=schema,
                    values=values,
                    source="bench-network",
                    marking_id=marking,
                    markings=markings.signature(),
                    report_id=None,
                    seen=seen,
                )
            ]
            backend.insert_entities(
                session, [{"id": e[0], "schema": e[1], "created_at": seen} for e in entities]
            )
            backend.upsert_statements(session, rows)
            written += len(rows)

        with backend.bulk_statements(session):
            batch: list[tuple[str, str, list[tuple[str, str, str, str | None]]]] = []
            for n in range(nodes):
                schema = "Company" if n % 7 == 0 else "Person"
                batch.append((f"n{n}", schema, [("name", "name", f"Subject {n}", None)]))
                if len(batch) >= 20_000:
                    flush(batch)
                    batch.clear()
            # Preferential attachment: a node's chance to gain a link grows with its links.
            ends = [0, 1]
            per_node = max(1, round(edges / nodes))
            count = 0
            for n in range(2, nodes):
                for _ in range(per_node):
                    if count >= edges:
                        break
                    other = rng.choice(ends) if rng.random() < 0.8 else rng.randrange(n)
                    if other == n:
                        continue
                    kind, source, target = KINDS[count % len(KINDS)]
                    values = [
                        (source, "entity", f"n{n}", None),
                        (target, "entity", f"n{other}", None),
                    ]
                    if kind == "Payment":
                        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                        values.append(("date", "date", day, None))
                    batch.append((f"l{count}", kind, values))
                    ends += [n, other]
                    count += 1
                    if len(batch) >= 20_000:
                        flush(batch)
                        batch.clear()
            flush(batch)
    engine.dispose()
    stamp.write_text(json.dumps(wanted))
    console.print(
        f"made {path}: {nodes:,} nodes, {count:,} links, {written:,} statements "
        f"in {time.perf_counter() - start:.0f} s ({path.stat().st_size / 1e9:.2f} GB)"
    )
    return path


def big_child(path: Path, samples: int, peer: bool, peer_samples: bool) -> dict[str, Any]:
    """Run in a child process, so its peak memory is this work's alone."""
    from vinculo.security.service import actor_for, get_by_username

    times: dict[str, float] = {}
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    start = time.perf_counter()
    with transaction(sessions) as session:
        user = get_by_username(session=session, username=USER)
        assert user is not None
        graph = service.load(session=session, actor=actor_for(user))
    times["load from the store"] = time.perf_counter() - start
    step = time.perf_counter()
    indexed = to_igraph(graph)
    times["igraph graph"] = time.perf_counter() - step
    step = time.perf_counter()
    samples = samples or sample_sources(indexed.g.ecount())
    _values, how = betweenness(indexed, samples=samples, seed=1)
    times[f"betweenness ({how})"] = time.perf_counter() - step
    step = time.perf_counter()
    pagerank(indexed)
    times["PageRank"] = time.perf_counter() - step
    step = time.perf_counter()
    membership, modularity = communities(indexed, seed=1)
    times["Leiden"] = time.perf_counter() - step
    total = time.perf_counter() - start
    step = time.perf_counter()
    eigenvector(indexed)
    extra = {"eigenvector (not in the target)": time.perf_counter() - step}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result: dict[str, Any] = {
        "nodes": indexed.g.vcount(),
        "pairs": indexed.g.ecount(),
        "links": len(graph.edges),
        "communities": len(set(membership)),
        "modularity": modularity,
        "times": times,
        "extra": extra,
        "total": total,
        "peak_bytes": peak,
    }
    if peer:
        step = time.perf_counter()
        g = nx_from_indexed(indexed)
        result["nx_build"] = time.perf_counter() - step
        step = time.perf_counter()
        nx.pagerank(g, weight="weight")
        result["nx_pagerank"] = time.perf_counter() - step
        if peer_samples:
            step = time.perf_counter()
            nx.betweenness_centrality(g, k=samples or sample_sources(g.number_of_edges()), seed=1)
            result["nx_betweenness"] = time.perf_counter() - step
    engine.dispose()
    return result


# --- the report -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument(
        "--samples", type=int, default=0, help="betweenness sources (default: as analyze picks)"
    )
    parser.add_argument("--peer-big", action="store_true", help="networkx sampled betweenness")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--no-peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        data = big_child(Path(args.child), args.samples, not args.no_peer, args.peer_big)
        print(json.dumps(data))
        return
    if args.quick:
        args.nodes, args.edges = 20_000, 100_000

    console.rule("bench/network.py — network analysis against networkx")
    console.print(machine_line())
    results: list[tuple[str, str, str, bool]] = []

    flo = florentine()
    console.print(f"Florentine families: {flo}")
    results.append(
        (
            "Florentine families: betweenness, PageRank vs networkx; Medici first",
            f"max |Δ| {flo['betweenness_diff']:.1e} / {flo['pagerank_diff']:.1e}; first: "
            f"{flo['top_betweenness']}, {flo['top_pagerank']}",
            "≤ 1e-9, Medici",
            flo["ok"],
        )
    )

    import tempfile

    with tempfile.TemporaryDirectory(prefix="vinculo-bench-network-") as tmp:
        demo = demo_graph(Path(tmp))
    console.print(f"demo graph (us.analyst): {demo}")
    results.append(
        (
            f"demo graph as us.analyst ({demo['nodes']} nodes, {demo['edges']} pairs, weighted)",
            f"max |Δ| {demo['betweenness_diff']:.1e} / {demo['pagerank_diff']:.1e}; first: "
            f"{demo['top_betweenness']} (betweenness), {demo['top_pagerank']} (PageRank)",
            "≤ 1e-9, same first",
            demo["ok"],
        )
    )

    fast = speed()
    console.print(f"exact betweenness, 5,000 nodes / 25,000 edges: {fast}")
    results.append(
        (
            "exact betweenness, G(5,000, 25,000)",
            f"igraph {fast['igraph_s']:.2f} s, networkx {fast['networkx_s']:.1f} s: "
            f"{fast['speedup']:.0f}x (max |Δ| {fast['diff']:.1e})",
            f"≥ {SPEEDUP:.0f}x",
            fast["ok"],
        )
    )

    OUT.mkdir(parents=True, exist_ok=True)
    path = big_store(OUT / f"network-{args.nodes}-{args.edges}.db", args.nodes, args.edges)
    command = [sys.executable, __file__, "--child", str(path), "--samples", str(args.samples)]
    if args.peer_big:
        command.append("--peer-big")
    done = subprocess.run(command, capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        die(f"the scale run failed: {done.stderr[-2000:]}")
    big = json.loads(done.stdout.strip().splitlines()[-1])
    table = Table(title=f"{big['nodes']:,} nodes, {big['pairs']:,} linked pairs from the store")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in {**big["times"], **big["extra"]}.items():
        table.add_row(step, f"{seconds:.1f}")
    if "nx_pagerank" in big:
        table.add_row("networkx: build its graph", f"{big['nx_build']:.1f}")
        table.add_row("networkx: PageRank (its default tol)", f"{big['nx_pagerank']:.1f}")
    if "nx_betweenness" in big:
        table.add_row("networkx: sampled betweenness, same k", f"{big['nx_betweenness']:.1f}")
    console.print(table)
    ok = big["total"] < BIG_SECONDS and big["peak_bytes"] < BIG_BYTES
    results.append(
        (
            f"store → sampled betweenness + PageRank + Leiden, {big['nodes']:,} nodes / "
            f"{big['links']:,} links",
            f"{big['total']:.1f} s, peak {big['peak_bytes'] / 1024**3:.2f} GB "
            f"({big['communities']:,} communities, modularity {big['modularity']:.3f})",
            f"< {BIG_SECONDS:.0f} s, < 4 GB",
            ok,
        )
    )

    summary = Table(title="bench/network.py")
    for heading in ("target", "measured", "wanted", "verdict"):
        summary.add_column(heading)
    for name, measured, wanted, passed in results:
        summary.add_row(name, measured, wanted, verdict(passed))
    console.print(summary)
    for name, _measured, _wanted, passed in results:
        print(f"{'PASS' if passed else 'FAIL'}: {name}")


if __name__ == "__main__":
    main()
