"""The network pages: the interactive graph, the path finder and the disruption view.

Each page embeds the graph it draws as a JSON data block (frontend/graph.js reads it); the
graph holds only what the reader may see, built by `vinculo.network.service`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, NotFound, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.intel.marks import entity_markings, narrowest_first, report_markings
from vinculo.intel.views import Show, marking_chip, property_label, schema_label
from vinculo.network import export as exports
from vinculo.network import service
from vinculo.network.analysis import Analysis, analyze, seeded_igraph, to_igraph
from vinculo.network.build import MENTION, Edge, Graph
from vinculo.network.paths import MAX_HOPS, MAX_PATHS, Ambiguous
from vinculo.network.service import Filters
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import visible_marking_ids
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

# Strings the graph script shows, in the reader's language ({n} is filled in by the script).
SCRIPT_STRINGS = {
    "pick": N_("Click a node to see who it is and how it is linked; double-click opens it."),
    "members": N_("{n} records resolved as this one identity"),
    "open": N_("Open profile"),
    "expand": N_("Expand its links"),
    "path_from": N_("Find a path from here"),
    "centre": N_("Show its neighbourhood"),
    "linked": N_("Linked to {n}"),
    "community": N_("Community"),
    "community_n": N_("Community {n}"),
    "betweenness": N_("Betweenness"),
    "pagerank": N_("PageRank"),
    "degree": N_("Links"),
    "eigenvector": N_("Eigenvector"),
    "too_large_ego": N_("Its neighbourhood is too large to draw here."),
    "expanded": N_("{n} new nodes added around it."),
    "failed": N_("Its links could not be loaded; try again."),
    "no_match": N_("No node by that name in this drawing."),
    "marked": N_("Drawn from items marked:"),
    "loading": N_("Drawing the network…"),
}


# --- what the pages and the API send ---------------------------------------------------------


def kind_label(kind: str, locale: str) -> str:
    """A link kind in the reader's language: Ownership, "Vehicle: Owner", co-mention."""
    if kind == MENTION:
        return gettext(locale, N_("named in the same report"))
    if ":" in kind:
        schema, prop = kind.split(":", 1)
        return f"{schema_label(schema, locale)}: {property_label(schema, prop, locale).lower()}"
    return schema_label(kind, locale)


def edge_id(edge: Edge) -> str:
    """Stable across requests, so links fetched again (expanding a node) are not doubled."""
    key = f"{edge.via or ''}|{edge.source}|{edge.target}|{edge.kind}|{','.join(edge.reports)}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


# Layouts of graphs drawn lately, by the graph's shape: the network pages draw the same
# graph again and again (a reload, going back, another view of it), and the layout was over
# half of their time (bench/pages.py). A layout is a function of the node order and the
# links alone (seeded), so whose request made it cannot show in another's.
LAYOUTS_KEPT = 32
_layouts: OrderedDict[str, dict[str, tuple[float, float]]] = OrderedDict()
_layouts_lock = threading.Lock()


def _layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions from igraph's Fruchterman–Reingold, started from a circle and seeded: the
    same graph is drawn the same way whatever the process did before."""
    indexed = to_igraph(graph)
    n = indexed.g.vcount()
    if n == 0:
        return {}
    if n == 1:
        return {indexed.ids[0]: (0.0, 0.0)}
    shape = hashlib.sha256(
        json.dumps([indexed.ids, indexed.g.get_edgelist()], separators=(",", ":")).encode()
    ).hexdigest()
    with _layouts_lock:
        if shape in _layouts:
            _layouts.move_to_end(shape)
            return _layouts[shape]
    steps = 500 if n <= 600 else max(120, 300_000 // n)
    with seeded_igraph():
        coords = indexed.g.layout_fruchterman_reingold(
            seed=indexed.g.layout_circle().coords, niter=steps
        ).coords
    found = {
        node_id: (float(coords[i][0]), float(coords[i][1])) for i, node_id in enumerate(indexed.ids)
    }
    with _layouts_lock:
        _layouts[shape] = found
        while len(_layouts) > LAYOUTS_KEPT:
            _layouts.popitem(last=False)
    return found


def payload(
    graph: Graph,
    analysis: Analysis | None,
    locale: str,
    *,
    too_large: bool = False,
    limit: int = service.DEFAULT_DRAW_LIMIT,
    node_count: int | None = None,
    schema_counts: dict[str, int] | None = None,
    center: str | None = None,
    removed: list[str] | None = None,
    highlight: list[str] | None = None,
    marks: GraphMarks | None = None,
) -> dict[str, Any]:
    positions = _layout(graph) if not too_large else {}

    # A graph's nodes and links share a few marking sets: each chip is made once (its words
    # in the reader's language were a quarter of the page's time).
    made: dict[Markings, dict[str, str]] = {}

    def chips(found: list[Markings]) -> list[dict[str, str]]:
        out = []
        for m in found:
            chip = made.get(m)
            if chip is None:
                chip = made[m] = marking_chip(m, locale)
            out.append(chip)
        return out

    nodes = []
    for node in graph.nodes.values():
        item: dict[str, Any] = {
            "id": node.id,
            "schema": node.schema,
            "schema_label": schema_label(node.schema, locale),
            "caption": node.caption,
            "members": list(node.members) if len(node.members) > 1 else [],
        }
        if analysis is not None and node.id in analysis.metrics:
            m = analysis.metrics[node.id]
            item.update(
                degree=m.degree,
                betweenness=m.betweenness,
                eigenvector=m.eigenvector,
                pagerank=m.pagerank,
                community=m.community,
            )
        if marks is not None:
            item["markings"] = chips(marks.nodes.get(node.id, []))
        x, y = positions.get(node.id, (0.0, 0.0))
        item.update(x=x, y=y)
        nodes.append(item)
    edges = [
        {
            "id": edge_id(e),
            "source": e.source,
            "target": e.target,
            "kind": e.kind,
            "kind_label": kind_label(e.kind, locale),
            "via": e.via,
            "directed": e.directed,
            "start": e.start,
            "end": e.end,
            "weight": e.weight,
            "reports": list(e.reports),
            "markings": chips(marks.edge(e)) if marks is not None else [],
        }
        for e in graph.edges
    ]
    summary = None
    if analysis is not None:
        s = analysis.summary
        summary = {k: getattr(s, k) for k in s.__dataclass_fields__}
    return {
        "nodes": nodes,
        "edges": edges,
        "summary": summary,
        "too_large": too_large,
        "limit": limit,
        "node_count": len(graph.nodes) if node_count is None else node_count,
        "schema_counts": schema_counts or {},
        "center": center,
        "articulation_points": analysis.articulation_points if analysis else [],
        "bridges": [list(b) for b in analysis.bridges] if analysis else [],
        "removed": removed or [],
        "highlight": highlight or [],
        "strings": {k: gettext(locale, v) for k, v in SCRIPT_STRINGS.items()},
    }


@dataclass
class GraphMarks:
    """The markings a drawn graph draws on: per node (its records' visible statements), per
    link (the entity asserting it, or the reports naming both ends), and in all."""

    nodes: dict[str, list[Markings]]
    entities: dict[str, list[Markings]]
    reports: dict[str, Markings]

    def edge(self, e: Edge) -> list[Markings]:
        if e.via:
            return self.entities.get(e.via, [])
        return narrowest_first(self.reports[r] for r in e.reports if r in self.reports)

    def every(self) -> list[Markings]:
        found = [m for ms in self.nodes.values() for m in ms]
        found += [m for ms in self.entities.values() for m in ms]
        return narrowest_first([*found, *self.reports.values()])


def graph_marks(*, session: Session, actor: Actor, graph: Graph) -> GraphMarks:
    """A graph's nodes and links have no marking of their own: what they draw on, as far as
    the reader may see it (the graph was built from the same visible statements)."""
    visible = visible_marking_ids(session=session, actor=actor)
    members = {node.id: node.members or (node.id,) for node in graph.nodes.values()}
    ids = {i for found in members.values() for i in found}
    ids |= {e.via for e in graph.edges if e.via}
    by_entity = entity_markings(session=session, entity_ids=ids, visible=visible)
    reports = report_markings(
        session=session, report_ids={r for e in graph.edges for r in e.reports}, visible=visible
    )
    nodes = {
        node_id: narrowest_first(m for i in found for m in by_entity.get(i, []))
        for node_id, found in members.items()
    }
    return GraphMarks(nodes=nodes, entities=by_entity, reports=reports)


def result_payload(
    result: service.GraphResult, locale: str, marks: GraphMarks | None = None
) -> dict[str, Any]:
    return payload(
        result.graph,
        result.analysis,
        locale,
        too_large=result.too_large,
        limit=result.limit,
        node_count=sum(result.schema_counts.values()),
        schema_counts=result.schema_counts,
        center=result.center,
        marks=marks,
    )


# --- the filters, as a form and as a query ---------------------------------------------------


def filters_from(
    schema: list[str] | None,
    link: list[str] | None,
    date_from: str | None,
    date_to: str | None,
    dated_only: str | None,
    no_mentions: str | None,
) -> Filters:
    return Filters(
        schemata=tuple(s for s in (schema or []) if s),
        links=tuple(k for k in (link or []) if k),
        date_from=(date_from or "").strip() or None,
        date_to=(date_to or "").strip() or None,
        keep_undated=not dated_only,
        mentions=not no_mentions,
    )


def filter_query(filters: Filters) -> str:
    pairs: list[tuple[str, str]] = [("schema", s) for s in filters.schemata]
    pairs += [("link", k) for k in filters.links]
    if filters.date_from:
        pairs.append(("date_from", filters.date_from))
    if filters.date_to:
        pairs.append(("date_to", filters.date_to))
    if not filters.keep_undated:
        pairs.append(("dated_only", "1"))
    if not filters.mentions:
        pairs.append(("no_mentions", "1"))
    return urlencode(pairs)


SchemaQ = Annotated[list[str] | None, Query()]
LinkQ = Annotated[list[str] | None, Query()]


def _page(
    request: Request, name: str, *, actor: Actor, status_code: int = 200, **context: Any
) -> Response:
    return render(
        request, name, actor=actor, status_code=status_code, show=Show(actor.locale), **context
    )


def _choices(locale: str, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(s, schema_label(s, locale), n) for s, n in counts.items()]


# --- pages -----------------------------------------------------------------------------------


@router.get("/network", response_class=HTMLResponse)
def network_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    schema: SchemaQ = None,
    link: LinkQ = None,
    date_from: str | None = None,
    date_to: str | None = None,
    dated_only: str | None = None,
    no_mentions: str | None = None,
    center: str | None = None,
    hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 1,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    filters = filters_from(schema, link, date_from, date_to, dated_only, no_mentions)
    locale = actor.locale
    whole = service.load(session=session, actor=actor)
    available = service.available(whole)
    if center:
        result = service.ego_network(
            session=session,
            actor=actor,
            entity_id=center,
            hops=hops,
            filters=filters,
            limit=settings.network_draw_limit,
            graph=whole,
        )
    else:
        result = service.network(
            session=session,
            actor=actor,
            filters=filters,
            limit=settings.network_draw_limit,
            graph=whole,
        )
    marks = graph_marks(session=session, actor=actor, graph=result.graph)
    data = result_payload(result, locale, marks)
    central = []
    if result.analysis is not None:
        for node_id in result.analysis.ranked()[:15]:
            central.append((result.graph.nodes[node_id], result.analysis.metrics[node_id]))
    query = filter_query(filters)
    return _page(
        request,
        "network/graph.html",
        actor=actor,
        tab="graph",
        filters=filters,
        query=query,
        data=data,
        result=result,
        central=central,
        marks=marks,
        schema_choices=_choices(locale, available.schemata),
        link_choices=[(k, kind_label(k, locale), n) for k, n in available.links.items()],
        center=result.center,
        hops=hops,
        max_hops=MAX_HOPS,
        formats=exports.FORMATS,
        export_query=query,
    )


@router.get("/network/ego.json")
def ego_json(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    id: str = "",
    hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 1,
    schema: SchemaQ = None,
    link: LinkQ = None,
    date_from: str | None = None,
    date_to: str | None = None,
    dated_only: str | None = None,
    no_mentions: str | None = None,
) -> Response:
    """The neighbourhood of a node, for the graph script's "expand" (page session)."""
    if not actor.signed_in:
        return sign_in_first(request)
    filters = filters_from(schema, link, date_from, date_to, dated_only, no_mentions)
    result = service.ego_network(
        session=session,
        actor=actor,
        entity_id=id,
        hops=hops,
        filters=filters,
        limit=settings.network_draw_limit,
    )
    marks = graph_marks(session=session, actor=actor, graph=result.graph)
    return JSONResponse(result_payload(result, actor.locale, marks))


@router.get("/network/path", response_class=HTMLResponse)
def path_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    source: str = "",
    target: str = "",
    k: Annotated[int, Query(ge=1, le=MAX_PATHS)] = 3,
    through: Annotated[list[str] | None, Query()] = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    locale = actor.locale
    chosen = [t for t in (through or []) if t]
    result = None
    error: VinculoError | None = None
    candidates: list[tuple[str, str, str]] = []
    status = 200
    data = None
    marks = None
    if source.strip() and target.strip():
        try:
            result = service.find_paths(
                session=session, actor=actor, source=source, target=target, k=k, through=chosen
            )
        except Ambiguous as problem:
            error, candidates, status = problem, problem.candidates, 422
        except NotFound as problem:
            error, status = problem, 404
        except InvalidInput as problem:
            error, status = problem, 422
    if result is not None:
        marks = graph_marks(session=session, actor=actor, graph=result.graph)
        data = payload(
            result.graph,
            analyze(result.graph, structure=False),
            locale,
            highlight=[result.source, result.target],
            marks=marks,
        )
    through_choices = [
        (s, schema_label(s, locale))
        for s in (
            "Person",
            "Company",
            "Organization",
            "LegalEntity",
            "BankAccount",
            "Vehicle",
            "Address",
        )
    ]
    return _page(
        request,
        "network/path.html",
        actor=actor,
        status_code=status,
        tab="path",
        source=source,
        target=target,
        k=k,
        max_k=MAX_PATHS,
        through=chosen,
        through_choices=through_choices,
        result=result,
        error=error,
        not_found=isinstance(error, NotFound),
        candidates=candidates,
        data=data,
        marks=marks,
        kind_label=lambda kind: kind_label(kind, locale),
    )


@router.get("/network/disrupt", response_class=HTMLResponse)
def disrupt_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    candidate: Annotated[list[str] | None, Query()] = None,
    schema: SchemaQ = None,
    link: LinkQ = None,
    date_from: str | None = None,
    date_to: str | None = None,
    dated_only: str | None = None,
    no_mentions: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    locale = actor.locale
    filters = filters_from(schema, link, date_from, date_to, dated_only, no_mentions)
    chosen = [c for c in (candidate or []) if c]
    found = service.disruption(
        session=session,
        actor=actor,
        k=k,
        candidates=chosen,
        filters=filters,
        limit=settings.network_draw_limit,
    )
    data = None
    marks = graph_marks(session=session, actor=actor, graph=found.graph)
    if not found.too_large:
        data = payload(found.graph, found.analysis, locale, removed=found.removed, marks=marks)
    candidate_choices = [
        (s, schema_label(s, locale)) for s in ("Person", "Company", "Organization", "BankAccount")
    ]
    return _page(
        request,
        "network/disrupt.html",
        actor=actor,
        tab="disrupt",
        k=k,
        chosen=chosen,
        candidate_choices=candidate_choices,
        found=found,
        nodes=found.graph.nodes,
        data=data,
        marks=marks,
        query=filter_query(filters),
    )


@router.get("/network/export")
def export_download(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    format: str = "graphml",
    schema: SchemaQ = None,
    link: LinkQ = None,
    date_from: str | None = None,
    date_to: str | None = None,
    dated_only: str | None = None,
    no_mentions: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    filters = filters_from(schema, link, date_from, date_to, dated_only, no_mentions)
    data, _graph = service.export(session=session, actor=actor, fmt=format, filters=filters)
    return download(data, format)


def download(data: bytes, fmt: str) -> Response:
    name = "vinculo-network" + exports.SUFFIXES[fmt]
    return Response(
        content=data,
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
