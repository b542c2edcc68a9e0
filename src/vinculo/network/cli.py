"""`vinculo network …`: analyse, find paths, disrupt and export — an FtM JSON-lines file, or
the store as one account may see it (`--as NAME`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, NotFound, VinculoError
from vinculo.i18n import LOCALES, N_, gettext
from vinculo.security.command_line import console
from vinculo.security.markings import Actor
from vinculo.settings import Settings

# The analysis modules (igraph, followthemoney) are imported by the commands that use them:
# every `vinculo` command, `vinculo --help` included, builds this sub-app, and should not pay
# a second for libraries it does not call.
if TYPE_CHECKING:
    from vinculo.network.analysis import Change
    from vinculo.network.build import Graph
    from vinculo.network.disrupt import Disruption
    from vinculo.network.paths import Path as GraphPath

app = typer.Typer(
    help="Network analysis of an FtM file, or of the store as an account sees it.",
    no_args_is_help=True,
)
T = TypeVar("T")

AsUser = Annotated[
    str | None,
    typer.Option("--as", "--user", help="Read the store as this account (instead of a FILE)."),
]
Lang = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: en or es (default: setting).")
]
Samples = Annotated[
    int | None,
    typer.Option(
        help="Sample betweenness from this many source nodes (default: exact up to 20,000 nodes)."
    ),
]


def _locale(settings: Settings, lang: str | None) -> str:
    chosen = lang or settings.default_locale
    return chosen if chosen in LOCALES else "en"


def _fail(error: VinculoError, locale: str) -> typer.Exit:
    console(stderr=True).print(f"[red]{error.render(locale)}[/red]", soft_wrap=True)
    return typer.Exit(code=2)


def _actor(session: Session, username: str) -> Actor:
    from vinculo.security.service import actor_for, get_by_username

    user = get_by_username(session=session, username=username)
    if user is None:
        raise NotFound(N_("unknown account {value}"), value=username)
    return actor_for(user)


@contextmanager
def _store(settings: Settings, username: str) -> Iterator[tuple[Session, Actor]]:
    from vinculo.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session, _actor(session, username)
    finally:
        engine.dispose()


def _source(file: Path | None, as_user: str | None) -> None:
    if (file is None) == (as_user is None):
        raise InvalidInput(N_("give either a FILE or --as ACCOUNT, not both"), field="file")
    if file is not None and not file.is_file():
        raise InvalidInput(N_("no such file"), field="file", file=str(file))


def _run(lang: str | None, work: Callable[[Settings, str], T]) -> T:
    settings = Settings()
    locale = _locale(settings, lang)
    try:
        return work(settings, locale)
    except VinculoError as error:
        raise _fail(error, locale) from None


def _status(locale: str, message: str) -> Any:
    return console(stderr=True).status(gettext(locale, message), spinner="dots")


@app.command("analyze")
def analyze_command(
    file: Annotated[Path | None, typer.Argument(help="FtM JSON-lines file.")] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the metrics JSON.")
    ] = Path("metrics.json"),
    as_user: AsUser = None,
    samples: Samples = None,
    lang: Lang = None,
) -> None:
    """Per node: degree, betweenness, eigenvector, PageRank, community; per graph: components,
    density, communities, articulation points and bridges. Written as JSON to --out."""
    from vinculo.network.analysis import analyze
    from vinculo.network.build import file_graph

    def work(settings: Settings, locale: str) -> dict[str, Any]:
        _source(file, as_user)
        if file is not None:
            with _status(locale, N_("Reading the file…")):
                graph = file_graph(file)
            with _status(locale, N_("Analysing…")):
                return analyze(graph, samples=samples).to_json()
        assert as_user is not None
        from vinculo.network import service

        with _store(settings, as_user) as (session, actor):
            with _status(locale, N_("Reading the store…")):
                graph = service.load(session=session, actor=actor)
            with _status(locale, N_("Analysing…")):
                result = analyze(graph, samples=samples)
            service.audit(session, actor, "analyze", graph, {"samples": samples})
            return result.to_json()

    data = _run(lang, work)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    summary = data["graph"]
    locale = _locale(Settings(), lang)
    console(stderr=True).print(
        gettext(
            locale,
            N_(
                "{nodes} nodes, {edges} linked pairs, {components} components, {communities} "
                "communities, density {density}; {dropped} links dropped (an end missing or not "
                "visible). Metrics written to {path}."
            ),
            nodes=summary["nodes"],
            edges=summary["edges"],
            components=summary["components"],
            communities=summary["communities"],
            density=f"{summary['density']:.4f}",
            dropped=summary["dropped"],
            path=out,
        )
    )
    table = Table(title=gettext(locale, N_("Most central by betweenness")))
    for heading in (N_("Entity"), N_("Schema"), "betweenness", "pagerank", N_("Degree")):
        table.add_column(gettext(locale, heading))
    for node in data["nodes"][:10]:
        table.add_row(
            node["caption"],
            node["schema"],
            f"{node['betweenness']:.4f}",
            f"{node['pagerank']:.4f}",
            str(node["degree"]),
        )
    console().print(table)


def _path_text(graph: Graph, found: GraphPath) -> str:
    parts = [graph.nodes[found.nodes[0]].caption]
    for hop, node_id in zip(found.hops, found.nodes[1:], strict=True):
        kinds = ", ".join(sorted({e.kind for e in hop}))
        parts.append(f"—[{kinds}]— {graph.nodes[node_id].caption}")
    return " ".join(parts)


@app.command("path")
def path_command(
    args: Annotated[
        list[str],
        typer.Argument(help="FILE A B, or A B with --as: entity ids.", metavar="[FILE] A B"),
    ],
    k: Annotated[int, typer.Option("--k", help="How many shortest paths (1 to 10).")] = 1,
    through: Annotated[
        list[str] | None,
        typer.Option(help="Only through nodes of this schema, e.g. Company; repeat for more."),
    ] = None,
    as_user: AsUser = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    lang: Lang = None,
) -> None:
    """The shortest paths between two entities (A or B missing or not visible: not found)."""
    from vinculo.network.build import file_graph
    from vinculo.network.paths import find_node, paths

    def work(settings: Settings, locale: str) -> tuple[Graph, list[GraphPath]]:
        wanted = 2 if as_user else 3
        if len(args) != wanted:
            raise InvalidInput(N_("give FILE A B, or A B with --as ACCOUNT"), field="args")
        if as_user is None:
            file = Path(args[0])
            _source(file, None)
            graph = file_graph(file)
            a = find_node(graph, args[1], "A")
            b = find_node(graph, args[2], "B")
            found = paths(graph, a, b, k=k, through=through or ())
            return graph, found
        from vinculo.network import service

        with _store(settings, as_user) as (session, actor):
            result = service.find_paths(
                session=session,
                actor=actor,
                source=args[0],
                target=args[1],
                k=k,
                through=through or (),
            )
            return result.graph, result.paths

    graph, found = _run(lang, work)
    locale = _locale(Settings(), lang)
    if as_json:
        data = [
            {
                "nodes": [
                    {"id": n, "caption": graph.nodes[n].caption, "schema": graph.nodes[n].schema}
                    for n in p.nodes
                ],
                "hops": [
                    [{"kind": e.kind, "via": e.via, "start": e.start, "end": e.end} for e in hop]
                    for hop in p.hops
                ],
            }
            for p in found
        ]
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if not found:
        console(stderr=True).print(gettext(locale, N_("No path links them.")))
        raise typer.Exit(code=1)
    for number, item in enumerate(found, start=1):
        print(f"{number}. ({item.length}) {_path_text(graph, item)}")


def _disruption_table(graph: Graph, result: Disruption, locale: str) -> Table:
    table = Table(title=gettext(locale, N_("Key players")))
    for heading in (
        "#",
        N_("Removed"),
        N_("Schema"),
        N_("Reachable pairs"),
        N_("Components"),
        N_("Largest component"),
    ):
        table.add_column(gettext(locale, heading))
    state = result.before
    table.add_row(
        "0",
        "—",
        "",
        f"{state.reachable_pairs:,}",
        str(state.components),
        str(state.largest_component),
    )
    for number, step in enumerate(result.steps, start=1):
        node = graph.nodes[step.removed]
        table.add_row(
            str(number),
            node.caption,
            node.schema,
            f"{step.after.reachable_pairs:,}",
            str(step.after.components),
            str(step.after.largest_component),
        )
    return table


@app.command("disrupt")
def disrupt_command(
    file: Annotated[Path | None, typer.Argument(help="FtM JSON-lines file.")] = None,
    k: Annotated[int, typer.Option("--k", help="How many nodes to remove (1 to 50).")] = 5,
    candidates: Annotated[
        list[str] | None,
        typer.Option(help="Only remove nodes of this schema, e.g. Person; repeat for more."),
    ] = None,
    as_user: AsUser = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: Lang = None,
) -> None:
    """The k nodes whose removal most cuts pairwise reachability, greedily, before and after."""
    from vinculo.network.build import Graph, file_graph
    from vinculo.network.disrupt import key_players

    def work(settings: Settings, locale: str) -> tuple[Graph, Disruption]:
        _source(file, as_user)
        if file is not None:
            graph = file_graph(file)
            return graph, key_players(graph, k, candidates=candidates or ())
        assert as_user is not None
        from vinculo.network import service

        with _store(settings, as_user) as (session, actor):
            graph = service.load(session=session, actor=actor)
            found = key_players(graph, k, candidates=candidates or ())
            removed = Graph(nodes={i: graph.nodes[i] for i in found.removed})
            service.audit(session, actor, "disrupt", removed, {"k": k})
            return graph, found

    graph, result = _run(lang, work)
    locale = _locale(Settings(), lang)
    if as_json:
        data = {
            "before": result.before.__dict__,
            "steps": [
                {
                    "removed": s.removed,
                    "caption": graph.nodes[s.removed].caption,
                    "schema": graph.nodes[s.removed].schema,
                    "after": s.after.__dict__,
                }
                for s in result.steps
            ],
            "reduction": result.reduction,
        }
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    console().print(_disruption_table(graph, result, locale))
    console(stderr=True).print(
        gettext(
            locale,
            N_("Removing them cuts {share} of the pairs that could reach each other."),
            share=f"{result.reduction:.0%}",
        )
    )


@app.command("export")
def export_command(
    file: Annotated[Path | None, typer.Argument(help="FtM JSON-lines file.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, gexf, csv (a directory) or ftm.")
    ] = "graphml",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (csv: directory).")] = None,
    metrics: Annotated[bool, typer.Option(help="Add the measures to every node.")] = True,
    as_user: AsUser = None,
    recipient: Annotated[
        str | None, typer.Option(help="Who receives it: records a dissemination (with --as).")
    ] = None,
    purpose: Annotated[str | None, typer.Option(help="Why it is disseminated.")] = None,
    lang: Lang = None,
) -> None:
    """Write the graph as GraphML, GEXF, nodes/edges CSV or FtM JSON lines."""
    from vinculo.network import export as exports
    from vinculo.network.analysis import analyze
    from vinculo.network.build import file_graph, file_records

    def work(settings: Settings, locale: str) -> tuple[bytes, Graph]:
        _source(file, as_user)
        if fmt not in exports.FORMATS:
            raise InvalidInput(
                N_("unknown format {value}; use one of {formats}"),
                field="format",
                value=fmt,
                formats=", ".join(exports.FORMATS),
            )
        if fmt == "csv" and out is None:
            raise InvalidInput(N_("csv writes two files: name a directory with --out"), field="out")
        if file is not None:
            graph = file_graph(file)
            analysis = analyze(graph) if metrics and fmt != "ftm" else None
            from vinculo.network.service import render_export, strip_dangling

            entities: list[dict[str, Any]] = []
            if fmt == "ftm":
                known = set(exports.entity_ids(graph))
                seen: set[str] = set()
                for rec in file_records(file):
                    if rec.id in known and rec.id not in seen:
                        seen.add(rec.id)
                        entity = {"id": rec.id, "schema": rec.schema.name, "properties": rec.props}
                        entities.append(strip_dangling(entity, known))
            return render_export(graph, fmt, analysis=analysis, entities=entities), graph
        assert as_user is not None
        from vinculo.network import service

        with _store(settings, as_user) as (session, actor):
            data, graph = service.export(session=session, actor=actor, fmt=fmt, metrics=metrics)
            if recipient is not None or purpose is not None:
                from vinculo.security.dissemination import disseminate

                disseminate(
                    session=session,
                    actor=actor,
                    recipient=recipient or "",
                    purpose=purpose or "",
                    channel="export",
                    kind="network",
                    ids=exports.entity_ids(graph),
                )
            return data, graph

    data, graph = _run(lang, work)
    locale = _locale(Settings(), lang)
    if fmt == "csv":
        assert out is not None
        out.mkdir(parents=True, exist_ok=True)
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                (out / name).write_bytes(archive.read(name))
    elif out is None:
        sys.stdout.buffer.write(data)
        return
    else:
        out.write_bytes(data)
    console(stderr=True).print(
        gettext(
            locale,
            N_("Wrote {nodes} nodes and {edges} links to {path}."),
            nodes=len(graph.nodes),
            edges=len(graph.edges),
            path=out,
        )
    )


@app.command("compare")
def compare_command(
    file: Annotated[Path | None, typer.Argument(help="FtM JSON-lines file.")] = None,
    a_from: Annotated[str | None, typer.Option(help="Period A from: YYYY[-MM[-DD]].")] = None,
    a_to: Annotated[str | None, typer.Option(help="Period A to.")] = None,
    b_from: Annotated[str | None, typer.Option(help="Period B from.")] = None,
    b_to: Annotated[str | None, typer.Option(help="Period B to.")] = None,
    as_user: AsUser = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    lang: Lang = None,
) -> None:
    """What changed between two periods: entities and linked pairs that appeared or went, and
    whose PageRank rose or fell most (dated links only)."""
    from vinculo.network.analysis import Window, compare
    from vinculo.network.build import file_graph

    a, b = Window(a_from, a_to), Window(b_from, b_to)

    def work(settings: Settings, locale: str) -> tuple[Change, dict[str, str]]:
        _source(file, as_user)
        from vinculo.network import service

        service.check_windows(a, b)
        if file is not None:
            graph = file_graph(file)
            return compare(graph, a, b), {k: n.caption for k, n in graph.nodes.items()}
        assert as_user is not None
        with _store(settings, as_user) as (session, actor):
            change, shown = service.changes(session=session, actor=actor, a=a, b=b)
            return change, {k: n.caption for k, n in shown.nodes.items()}

    change, names = _run(lang, work)
    locale = _locale(Settings(), lang)
    if as_json:
        data = {
            "before": change.before.__dict__,
            "after": change.after.__dict__,
            "nodes_added": change.nodes_added,
            "nodes_removed": change.nodes_removed,
            "pairs_added": [list(p) for p in change.pairs_added],
            "pairs_removed": [list(p) for p in change.pairs_removed],
            "risers": [list(r) for r in change.risers],
            "fallers": [list(f) for f in change.fallers],
        }
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    print(
        gettext(
            locale,
            N_(
                "Period A: {a_nodes} nodes, {a_pairs} linked pairs. Period B: {b_nodes} nodes, "
                "{b_pairs} linked pairs. {added} entities appeared and {removed} went; "
                "{pairs_added} links appeared and {pairs_removed} went."
            ),
            a_nodes=change.before.nodes,
            a_pairs=change.before.edges,
            b_nodes=change.after.nodes,
            b_pairs=change.after.edges,
            added=len(change.nodes_added),
            removed=len(change.nodes_removed),
            pairs_added=len(change.pairs_added),
            pairs_removed=len(change.pairs_removed),
        )
    )
    for heading, shifts in ((N_("Rose most"), change.risers), (N_("Fell most"), change.fallers)):
        if not shifts:
            continue
        print(gettext(locale, heading))
        for node_id, old, new in shifts:
            print(f"  {names.get(node_id, node_id)}  {old:.4f} -> {new:.4f}")
