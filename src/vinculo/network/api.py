"""REST routes for the network an account may see: the graph, an ego network, paths, key
players, change between two periods, and exports. Thin: each calls one service function,
which builds the graph from visible statements only and records the read on the audit chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from vinculo.network import service
from vinculo.network.analysis import Window, analyze
from vinculo.network.disrupt import MAX_K
from vinculo.network.paths import MAX_HOPS, MAX_PATHS
from vinculo.network.schemas import ChangesRead, DisruptionRead, GraphRead, PathsRead
from vinculo.network.service import Filters
from vinculo.network.views import download, edge_id, filters_from, payload, result_payload
from vinculo.web.deps import ApiActor, SessionDep, SettingsDep

router = APIRouter(prefix="/network", tags=["network"])

Schema = Annotated[
    list[str] | None,
    Query(description="Keep nodes of this FtM schema (or its descendants); repeat for more"),
]
Link = Annotated[
    list[str] | None,
    Query(description="Keep links of this kind: an FtM schema, a property qname, or mention"),
]
Day = Annotated[str | None, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")]
Flag = Annotated[str | None, Query(max_length=5)]


async def _filters(
    schema: Schema = None,
    link: Link = None,
    date_from: Day = None,
    date_to: Day = None,
    dated_only: Flag = None,
    no_mentions: Flag = None,
) -> Filters:
    """The filters most routes take, as query parameters (one dependency, not six copies).

    Async, as every dependency that does no I/O: FastAPI runs a plain `def` dependency in its
    thread pool, a hand-off that costs more than the work."""
    return filters_from(schema, link, date_from, date_to, dated_only, no_mentions)


Filtered = Annotated[Filters, Depends(_filters)]


@router.get("/graph", response_model=GraphRead)
def graph(
    session: SessionDep,
    actor: ApiActor,
    filters: Filtered,
    settings: SettingsDep,
) -> dict[str, Any]:
    """The network the account may see, filtered, with every node's measures; past the draw
    limit (VINCULO_NETWORK_DRAW_LIMIT) only its size by schema (`too_large`)."""
    result = service.network(
        session=session,
        actor=actor,
        filters=filters,
        limit=settings.network_draw_limit,
    )
    return result_payload(result, actor.locale)


@router.get("/ego/{entity_id}", response_model=GraphRead)
def ego(
    entity_id: str,
    session: SessionDep,
    actor: ApiActor,
    filters: Filtered,
    settings: SettingsDep,
    hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 1,
) -> dict[str, Any]:
    """The entities within `hops` links of one; a missing or hidden one answers 404 alike."""
    result = service.ego_network(
        session=session,
        actor=actor,
        entity_id=entity_id,
        hops=hops,
        filters=filters,
        limit=settings.network_draw_limit,
    )
    return result_payload(result, actor.locale)


@router.get("/path", response_model=PathsRead)
def path(
    session: SessionDep,
    actor: ApiActor,
    source: Annotated[str, Query(min_length=1, max_length=200)],
    target: Annotated[str, Query(min_length=1, max_length=200)],
    k: Annotated[int, Query(ge=1, le=MAX_PATHS)] = 1,
    through: Annotated[
        list[str] | None, Query(description="Only through nodes of this schema; repeatable")
    ] = None,
) -> dict[str, Any]:
    """The k shortest paths between two entities (ids or names); either missing or hidden
    answers 404 alike."""
    result = service.find_paths(
        session=session, actor=actor, source=source, target=target, k=k, through=through or ()
    )
    return {
        "source": result.source,
        "target": result.target,
        "paths": [
            {
                "nodes": p.nodes,
                "length": p.length,
                "hops": [[edge_id(e) for e in hop] for hop in p.hops],
            }
            for p in result.paths
        ],
        "graph": payload(result.graph, analyze(result.graph, structure=False), actor.locale),
    }


@router.get("/disrupt", response_model=DisruptionRead)
def disrupt(
    session: SessionDep,
    actor: ApiActor,
    filters: Filtered,
    settings: SettingsDep,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 5,
    candidate: Annotated[
        list[str] | None, Query(description="Only remove nodes of this schema; repeatable")
    ] = None,
) -> dict[str, Any]:
    """The k key players: removed one at a time, each the one that most cuts pairwise
    reachability, with the network's state before and after each removal."""
    found = service.disruption(
        session=session,
        actor=actor,
        k=k,
        candidates=candidate or (),
        filters=filters,
        limit=settings.network_draw_limit,
    )
    d = found.disruption
    nodes = found.graph.nodes
    return {
        "before": d.before.__dict__,
        "after": d.after.__dict__,
        "steps": [
            {
                "removed": s.removed,
                "caption": nodes[s.removed].caption,
                "schema": nodes[s.removed].schema,
                "before": s.before.__dict__,
                "after": s.after.__dict__,
            }
            for s in d.steps
        ],
        "reduction": d.reduction,
        "graph": payload(
            found.graph,
            found.analysis,
            actor.locale,
            too_large=found.too_large,
            limit=found.limit,
            removed=d.removed,
        ),
    }


@router.get("/changes", response_model=ChangesRead)
def changes(
    session: SessionDep,
    actor: ApiActor,
    a_from: Day = None,
    a_to: Day = None,
    b_from: Day = None,
    b_to: Day = None,
    schema: Schema = None,
    link: Link = None,
    no_mentions: Flag = None,
) -> dict[str, Any]:
    """What changed between period A and period B: entities and linked pairs that appeared
    or went, and the entities whose PageRank rose or fell most. Only dated links count."""
    change, shown = service.changes(
        session=session,
        actor=actor,
        a=Window(a_from or None, a_to or None),
        b=Window(b_from or None, b_to or None),
        filters=filters_from(schema, link, None, None, None, no_mentions),
    )

    def shift(item: tuple[str, float, float]) -> dict[str, Any]:
        node = shown.nodes.get(item[0])
        return {
            "id": item[0],
            "caption": node.caption if node else item[0],
            "pagerank_a": item[1],
            "pagerank_b": item[2],
        }

    return {
        "before": change.before.__dict__,
        "after": change.after.__dict__,
        "nodes_added": change.nodes_added,
        "nodes_removed": change.nodes_removed,
        "pairs_added": [list(p) for p in change.pairs_added],
        "pairs_removed": [list(p) for p in change.pairs_removed],
        "risers": [shift(s) for s in change.risers],
        "fallers": [shift(s) for s in change.fallers],
    }


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"description": "The file: GraphML, GEXF, a zip of two CSVs, or FtM"}},
)
def export(
    session: SessionDep,
    actor: ApiActor,
    filters: Filtered,
    format: Annotated[str, Query(pattern="^(graphml|gexf|csv|ftm)$")] = "graphml",
) -> Response:
    """The network as GraphML or GEXF (Gephi), nodes.csv and edges.csv (zipped), or FtM JSON
    lines; needs the `disseminate` permission, and is recorded as an export."""
    data, _graph = service.export(
        session=session,
        actor=actor,
        fmt=format,
        filters=filters,
    )
    return download(data, format)
