"""The network an actor may see, from the store: built per actor from visible statements only,
analysed, and every read of it appended to the audit chain with the ids it returned."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from followthemoney import model
from followthemoney.types import registry
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel.service import assemble_rows, visible_statements
from vinculo.network import export as exports
from vinculo.network.analysis import Analysis, Change, Window, analyze, compare
from vinculo.network.build import Graph, build_graph, store_records
from vinculo.network.disrupt import Disruption, key_players
from vinculo.network.paths import MAX_PATHS, Path, check_schemata, ego, find_node, path_graph, paths
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, require

DEFAULT_DRAW_LIMIT = 2500
_DAY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _real_day(value: str) -> bool:
    """A year, a month of a year or a day of the calendar: 2026-13-45 has the shape only."""
    padded = value + "-01-01"[len(value) - 4 :]
    try:
        date.fromisoformat(padded)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Filters:
    """What part of the actor's network to look at."""

    schemata: tuple[str, ...] = ()  # node schemata (and their descendants)
    links: tuple[str, ...] = ()  # link kinds: an FtM schema, a property qname, or "mention"
    date_from: str | None = None
    date_to: str | None = None
    keep_undated: bool = True
    mentions: bool = True

    def check(self) -> Filters:
        check_schemata(self.schemata, field="schema")
        for name, value in (("date_from", self.date_from), ("date_to", self.date_to)):
            if value is not None and not _DAY.match(value):
                raise InvalidInput(N_("not a valid date; write it as YYYY-MM-DD"), field=name)
            if value is not None and not _real_day(value):
                # The page shows only the message, so it names the field itself.
                raise InvalidInput(
                    N_("{name}: {value} is not a real date; write YYYY, YYYY-MM or YYYY-MM-DD"),
                    field=name,
                    name=name,
                    value=value,
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(N_("the start date is after the end date"), field="date_from")
        return self

    def apply(self, graph: Graph) -> Graph:
        if self == Filters():
            return graph
        return graph.filtered(
            schemata=self.schemata,
            links=self.links,
            date_from=self.date_from,
            date_to=self.date_to,
            keep_undated=self.keep_undated,
            mentions=self.mentions,
        )

    def detail(self) -> dict[str, Any]:
        return {
            "schemata": list(self.schemata),
            "links": list(self.links),
            "date_from": self.date_from,
            "date_to": self.date_to,
            "keep_undated": self.keep_undated,
            "mentions": self.mentions,
        }


def canonical_ids(*, session: Session, actor: Actor) -> Mapping[str, str]:
    """Entity id -> resolved identity, only merges the actor may see (the graph then shows
    each identity as one node, named after a member the actor sees)."""
    from vinculo.resolve.store import canonical_ids as resolved

    return resolved(session=session, actor=actor)


def load(*, session: Session, actor: Actor) -> Graph:
    """The whole network the actor may see (not audited: callers record what they return)."""
    visible = visible_marking_ids(session=session, actor=actor)
    records, mentions = store_records(session=session, visible=visible)
    return build_graph(
        records, mentions=mentions, canonical=canonical_ids(session=session, actor=actor)
    )


def _ids(graph: Graph) -> list[str]:
    return exports.entity_ids(graph)


def audit(
    session: Session,
    actor: Actor,
    target: str,
    graph: Graph | None,
    detail: dict[str, Any],
    action: str = "read",
) -> None:
    record(
        session=session,
        actor=actor,
        action=action,
        kind="network",
        target=target,
        ids=_ids(graph) if graph is not None else [],
        detail=detail,
    )


@dataclass
class GraphResult:
    """A graph to show, its analysis, or — when it is too large to draw — only its size."""

    graph: Graph
    analysis: Analysis | None
    too_large: bool = False
    limit: int = DEFAULT_DRAW_LIMIT
    schema_counts: dict[str, int] = field(default_factory=dict)
    center: str | None = None


def _result(graph: Graph, limit: int, center: str | None = None) -> GraphResult:
    counts = dict(Counter(n.schema for n in graph.nodes.values()).most_common())
    if len(graph.nodes) > limit:
        return GraphResult(Graph(dropped=graph.dropped), None, True, limit, counts)
    return GraphResult(graph, analyze(graph), False, limit, counts, center)


@dataclass
class Available:
    """What the filters can choose from: node schemata and link kinds, with how many."""

    schemata: dict[str, int]
    links: dict[str, int]


def available(graph: Graph) -> Available:
    return Available(
        schemata=dict(Counter(n.schema for n in graph.nodes.values()).most_common()),
        links=dict(Counter(e.kind for e in graph.edges).most_common()),
    )


def network(
    *,
    session: Session,
    actor: Actor,
    filters: Filters,
    limit: int = DEFAULT_DRAW_LIMIT,
    graph: Graph | None = None,
) -> GraphResult:
    """The actor's network, filtered and analysed; past `limit` nodes only its size.
    `graph` is the actor's whole network when the caller has loaded it already."""
    whole = graph if graph is not None else load(session=session, actor=actor)
    graph = filters.check().apply(whole)
    result = _result(graph, limit)
    detail = filters.detail() | {"nodes": len(graph.nodes), "too_large": result.too_large}
    audit(session, actor, "graph", result.graph, detail)
    return result


def ego_network(
    *,
    session: Session,
    actor: Actor,
    entity_id: str,
    hops: int = 1,
    filters: Filters = Filters(),
    limit: int = DEFAULT_DRAW_LIMIT,
    graph: Graph | None = None,
) -> GraphResult:
    """The nodes within `hops` links of an entity. Missing and hidden answer alike."""
    whole = graph if graph is not None else load(session=session, actor=actor)
    graph = filters.check().apply(whole)
    center = find_node(graph, entity_id, "id")
    result = _result(ego(graph, center, hops), limit, center)
    audit(session, actor, center, result.graph, filters.detail() | {"ego": hops})
    return result


@dataclass
class PathResult:
    source: str
    target: str
    paths: list[Path]
    graph: Graph  # the nodes on the paths and the links they take


def find_paths(
    *,
    session: Session,
    actor: Actor,
    source: str,
    target: str,
    k: int = 1,
    through: Sequence[str] = (),
    filters: Filters = Filters(),
) -> PathResult:
    """The k shortest paths between two entities the actor may see, optionally only through
    nodes of the `through` schemata. Either end missing or hidden: the same NotFound."""
    if not 1 <= k <= MAX_PATHS:
        raise InvalidInput(N_("ask for between 1 and {n} paths"), field="k", n=MAX_PATHS)
    graph = filters.check().apply(load(session=session, actor=actor))
    a = find_node(graph, source, "source")
    b = find_node(graph, target, "target")
    found = paths(graph, a, b, k=k, through=through)
    sub = path_graph(graph, found, ends=(a, b))
    audit(
        session, actor, f"path:{a}>{b}", sub, filters.detail() | {"k": k, "through": list(through)}
    )
    return PathResult(a, b, found, sub)


@dataclass
class DisruptionResult:
    graph: Graph
    analysis: Analysis | None
    disruption: Disruption
    too_large: bool = False
    limit: int = DEFAULT_DRAW_LIMIT

    @property
    def removed(self) -> list[str]:
        return self.disruption.removed


def disruption(
    *,
    session: Session,
    actor: Actor,
    k: int = 5,
    candidates: Sequence[str] = (),
    filters: Filters = Filters(),
    limit: int = DEFAULT_DRAW_LIMIT,
) -> DisruptionResult:
    """The k key players of the actor's network and the network before and after."""
    graph = filters.check().apply(load(session=session, actor=actor))
    found = key_players(graph, k, candidates=candidates)
    too_large = len(graph.nodes) > limit
    shown = Graph(dropped=graph.dropped) if too_large else graph
    removed = Graph(nodes={i: graph.nodes[i] for i in found.removed})
    audit(
        session,
        actor,
        "disrupt",
        removed if too_large else shown,
        filters.detail() | {"k": k, "candidates": list(candidates)},
    )
    return DisruptionResult(
        shown if not too_large else removed,
        None if too_large else analyze(graph),
        found,
        too_large,
        limit,
    )


def check_windows(a: Window, b: Window) -> None:
    """Each of the four dates is YYYY, YYYY-MM or YYYY-MM-DD, or not given."""
    for name, value in (
        ("a_from", a.date_from),
        ("a_to", a.date_to),
        ("b_from", b.date_from),
        ("b_to", b.date_to),
    ):
        if value is not None and not _DAY.match(value):
            raise InvalidInput(N_("not a valid date; write it as YYYY-MM-DD"), field=name)


def changes(
    *, session: Session, actor: Actor, a: Window, b: Window, filters: Filters = Filters()
) -> tuple[Change, Graph]:
    """What changed between two time windows of the actor's network."""
    check_windows(a, b)
    graph = filters.check().apply(load(session=session, actor=actor))
    change = compare(graph, a, b)
    named = (
        set(change.nodes_added)
        | set(change.nodes_removed)
        | {n for pair in change.pairs_added + change.pairs_removed for n in pair}
        | {s[0] for s in change.risers + change.fallers}
    )
    shown = graph.subgraph(named)
    audit(session, actor, "changes", shown, filters.detail() | {"a": str(a), "b": str(b)})
    return change, shown


# --- exports ---------------------------------------------------------------------------------


def strip_dangling(entity: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """The entity without references to entities outside the graph (hidden, missing or left
    out by the filters): an export never carries a dangling id."""
    schema = model.get(entity["schema"])
    properties: dict[str, list[str]] = {}
    for name, values in entity.get("properties", {}).items():
        prop = schema.get(name) if schema is not None else None
        if prop is not None and prop.type == registry.entity:
            values = [v for v in values if v in known]
        if values:
            properties[name] = values
    return {**entity, "properties": properties}


def ftm_entities(*, session: Session, actor: Actor, graph: Graph) -> list[dict[str, Any]]:
    """The graph's entities as FtM, each made of the actor's visible statements only."""
    ids = exports.entity_ids(graph)
    known = set(ids)
    visible = visible_marking_ids(session=session, actor=actor)
    found = visible_statements(session=session, entity_ids=ids, visible=visible)
    out = []
    for entity_id in ids:
        rows = found.get(entity_id)
        if rows:
            entity = assemble_rows(rows).to_dict()
            out.append(strip_dangling(entity, known))
    return out


def render_export(
    graph: Graph, fmt: str, *, analysis: Analysis | None, entities: list[dict[str, Any]]
) -> bytes:
    if fmt == "graphml":
        return exports.graphml(graph, analysis)
    if fmt == "gexf":
        return exports.gexf(graph, analysis)
    if fmt == "csv":
        return exports.csv_zip(graph, analysis)
    return "".join(exports.ftm_lines(entities)).encode("utf-8")


def export(
    *,
    session: Session,
    actor: Actor,
    fmt: str,
    filters: Filters = Filters(),
    metrics: bool = True,
) -> tuple[bytes, Graph]:
    """The actor's network as a file in `fmt` (graphml, gexf, csv — a zip of nodes.csv and
    edges.csv — or ftm). Exporting is the `disseminate` permission's; recorded as an export."""
    require(actor, Permission.DISSEMINATE)
    if fmt not in exports.FORMATS:
        raise InvalidInput(
            N_("unknown format {value}; use one of {formats}"),
            field="format",
            value=fmt,
            formats=", ".join(exports.FORMATS),
        )
    graph = filters.check().apply(load(session=session, actor=actor))
    analysis = analyze(graph) if metrics and fmt != "ftm" else None
    entities = ftm_entities(session=session, actor=actor, graph=graph) if fmt == "ftm" else []
    audit(session, actor, f"export:{fmt}", graph, filters.detail(), action="export")
    return render_export(graph, fmt, analysis=analysis, entities=entities), graph
