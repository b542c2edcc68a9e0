"""A graph of entities and links, from the store (per actor) or from an FtM JSON-lines file.

What becomes a link is read from the followthemoney model, never from a hand list:

- an *edge schema* (`schema.edge`: Ownership, Family, Payment, Membership, UnknownLink …)
  links each value of its `edge_source` property to each value of its `edge_target`, directed
  as `schema.edge_directed` says; the edge entity is the link, not a node;
- a *record* that is neither an edge nor a Thing (a Call, a Passport, a Sanction …) and names
  two or more parties (entity properties whose range is a LegalEntity: a call's caller and
  receiver) links those parties, in property order; with fewer parties it is a node;
- every other entity is a node, and each of its entity-typed properties (Vehicle.owner,
  Passport.holder, Person.addressEntity, Trip.involved …) is a link to the entity named;
- entities named in one report are linked by co-mention, weighted by the number of reports.

Links carry dates from the schema's temporal properties (`schema.temporal_start` and
`temporal_end`) when the schema is an Interval; `date` alone (a payment's, a call's) is a point
in time, `startDate` without an end an open interval. A link whose end is missing — not in the
file, or not visible to the actor — is dropped and counted, never shown as a dangling id.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.property import Property
from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.langs import LangStr
from rigour.names.pick import pick_lang_name
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import Where, check_entity

MENTION = "mention"
# A report naming more entities than this (a bulk listing, not an observation that these
# people act together) adds no co-mention links: 50 entities would already make 1,225.
MENTION_CAP = 50
# The one temporal property that is a point in time rather than the start of an interval.
POINT_PROPS = frozenset({"date"})


# Plain slotted classes, not frozen: a million links are made per load, and a frozen
# dataclass pays for object.__setattr__ on every field.
@dataclass(slots=True)
class Node:
    id: str
    schema: str
    caption: str
    # Entity ids shown as this one node (resolved identities); just the id when none merged.
    members: tuple[str, ...] = ()


@dataclass(slots=True, eq=False)
class Edge:
    source: str
    target: str
    # The FtM schema of the link (Ownership), a property's qname (Vehicle:owner) or MENTION.
    kind: str
    via: str | None  # the entity that asserts the link; None for a co-mention
    directed: bool
    start: str | None = None
    end: str | None = None
    weight: float = 1.0
    reports: tuple[str, ...] = ()  # co-mention: the reports that name both ends

    def in_window(self, date_from: str | None, date_to: str | None) -> bool | None:
        """Whether the link's dates overlap the window; None when the link has no date."""
        if self.start is None and self.end is None:
            return None
        start = self.start or "0000"
        end = high(self.end) if self.end else "9999"
        if date_to is not None and start > high(date_to):
            return False
        return not (date_from is not None and end < date_from)


def high(day: str) -> str:
    """A partial date as the last day it covers, so "2024-05" compares as "2024-05-31"."""
    if len(day) == 4:
        return day + "-12-31"
    if len(day) == 7:
        return day + "-31"
    return day


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    dropped: int = 0  # links dropped because an end is missing or not visible

    def node_of(self, entity_id: str) -> str | None:
        """The node an entity id is shown as: itself, or the resolved identity holding it."""
        if entity_id in self.nodes:
            return entity_id
        for node in self.nodes.values():
            if entity_id in node.members:
                return node.id
        return None

    def subgraph(self, keep: Iterable[str]) -> Graph:
        """The nodes in `keep` and the links between them."""
        ids = set(keep)
        return Graph(
            nodes={k: v for k, v in self.nodes.items() if k in ids},
            edges=[e for e in self.edges if e.source in ids and e.target in ids],
            dropped=self.dropped,
        )

    def filtered(
        self,
        *,
        schemata: Sequence[str] = (),
        links: Sequence[str] = (),
        date_from: str | None = None,
        date_to: str | None = None,
        keep_undated: bool = True,
        mentions: bool = True,
    ) -> Graph:
        """Nodes of the given schemata (or their descendants), links of the given kinds and
        within the dates. With a date window, nodes left without a link are left out too."""
        nodes = self.nodes
        if schemata:
            wanted = [model.get(s) for s in schemata]
            nodes = {
                k: n
                for k, n in nodes.items()
                if any(w is not None and _schema(n.schema).is_a(w) for w in wanted)
            }
        kinds = set(links)
        # "Only dated links" holds with or without a window.
        dated = date_from is not None or date_to is not None or not keep_undated
        edges = []
        for edge in self.edges:
            if edge.source not in nodes or edge.target not in nodes:
                continue
            if kinds and edge.kind not in kinds:
                continue
            if not mentions and edge.kind == MENTION:
                continue
            if dated:
                inside = edge.in_window(date_from, date_to)
                if inside is False or (inside is None and not keep_undated):
                    continue
            edges.append(edge)
        if dated:
            linked = {e.source for e in edges} | {e.target for e in edges}
            nodes = {k: n for k, n in nodes.items() if k in linked}
        return Graph(nodes=dict(nodes), edges=edges, dropped=self.dropped)


@dataclass(slots=True)
class Record:
    """One entity as the graph builder needs it: its schema and property values."""

    id: str
    schema: Schema
    props: dict[str, list[str]]


@cache
def _schema(name: str) -> Schema:
    found = model.get(name)
    if found is None:
        raise InvalidData(f"unknown schema {name}")
    return found


@cache
def _entity_props(schema: Schema) -> tuple[Property, ...]:
    return tuple(p for p in schema.properties.values() if p.type == registry.entity and not p.stub)


@cache
def _party_props(schema: Schema) -> tuple[Property, ...]:
    legal = model.get("LegalEntity")
    return tuple(
        p for p in _entity_props(schema) if p.range is not None and legal and p.range.is_a(legal)
    )


@cache
def _is_record(schema: Schema) -> bool:
    return not schema.edge and not schema.is_a("Thing")


@cache
def caption_props() -> frozenset[str]:
    """Every property any schema captions its entities by (name, registrationNumber …)."""
    return frozenset(p for s in model for p in s.caption)


def caption(schema: Schema, props: Mapping[str, Sequence[str]]) -> str:
    """The caption followthemoney gives the entity: the first caption property with a value;
    several names are picked between as followthemoney picks them."""
    for name in schema.caption:
        values = props.get(name)
        if not values:
            continue
        prop = schema.properties[name]
        if prop.type == registry.name and len(values) > 1:
            picked = pick_lang_name([LangStr(v, lang=None) for v in values])
            if picked is not None:
                return str(picked)
        return values[0]
    return str(schema.label)


@cache
def _temporal(schema: Schema) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(start props, end props, dated?) of a schema: only Intervals date their links."""
    return (
        tuple(sorted(schema.temporal_start)),
        tuple(sorted(schema.temporal_end)),
        schema.is_a("Interval"),
    )


def _dates(schema: Schema, props: Mapping[str, Sequence[str]]) -> tuple[str | None, str | None]:
    starts_props, ends_props, dated = _temporal(schema)
    if not dated:
        return None, None
    starts: list[str] = []
    points: list[str] = []
    for name in starts_props:
        values = props.get(name)
        if not values:
            continue
        starts.extend(values)
        if name in POINT_PROPS:
            points.extend(values)
    ends = [v for name in ends_props for v in props.get(name, ())]
    start = min(starts) if starts else None
    if ends:
        return start, max(ends)
    if starts and len(points) == len(starts):
        return start, max(points)
    return start, None


def _links(record: Record) -> tuple[bool, list[Edge]]:
    """Whether the record is a node, and the links it asserts (ends not yet checked)."""
    schema, props = record.schema, record.props
    if schema.edge and schema.edge_source and schema.edge_target:
        start, end = _dates(schema, props)
        return False, [
            Edge(s, t, schema.name, record.id, bool(schema.edge_directed), start, end)
            for s in props.get(schema.edge_source, ())
            for t in props.get(schema.edge_target, ())
        ]
    if _is_record(schema):
        parties = [(p.name, v) for p in _party_props(schema) for v in props.get(p.name, ())]
        if len({v for _p, v in parties}) >= 2:
            start, end = _dates(schema, props)
            # Caller to receiver: directed between two properties, not within one.
            return False, [
                Edge(a, b, schema.name, record.id, pa != pb, start, end)
                for (pa, a), (pb, b) in combinations(parties, 2)
                if a != b
            ]
    start, end = _dates(schema, props)
    return True, [
        Edge(record.id, value, prop.qname, record.id, True, start, end)
        for prop in _entity_props(schema)
        for value in props.get(prop.name, ())
    ]


def build_graph(
    records: Iterable[Record],
    *,
    mentions: Mapping[str, Sequence[str]] | None = None,
    canonical: Mapping[str, str] | None = None,
) -> Graph:
    """The graph of the records; `mentions` is report id -> entity ids it names, `canonical`
    entity id -> resolved identity id (identities collapse into one node)."""
    nodes: dict[str, Node] = {}
    candidates: list[Edge] = []
    for record in records:
        is_node, links = _links(record)
        if is_node:
            nodes[record.id] = Node(
                record.id, record.schema.name, caption(record.schema, record.props), (record.id,)
            )
        candidates.extend(links)
    nodes, id_map = _collapse(nodes, canonical or {})
    graph = Graph(nodes=nodes)
    for edge in candidates:
        source, target = id_map.get(edge.source), id_map.get(edge.target)
        if source is None or target is None:
            graph.dropped += 1
            continue
        if source == target:
            continue  # a link of an identity to itself (two of its records) says nothing
        if (source, target) != (edge.source, edge.target):
            edge = Edge(source, target, edge.kind, edge.via, edge.directed, edge.start, edge.end)
        graph.edges.append(edge)
    if mentions:
        graph.edges.extend(_mention_edges(mentions, id_map))
    return graph


def _collapse(
    nodes: dict[str, Node], canonical: Mapping[str, str]
) -> tuple[dict[str, Node], dict[str, str]]:
    """Nodes of one resolved identity as one node; entity id -> node id for every member."""
    groups: dict[str, list[str]] = defaultdict(list)
    if not canonical:
        return nodes, {entity_id: entity_id for entity_id in nodes}
    for entity_id in nodes:
        groups[canonical.get(entity_id, entity_id)].append(entity_id)
    out: dict[str, Node] = {}
    id_map: dict[str, str] = {}
    for root, members in groups.items():
        if len(members) == 1:
            out[members[0]] = nodes[members[0]]
            id_map[members[0]] = members[0]
            continue
        members.sort()
        # The node is named after the canonical record when the actor sees it, else after the
        # first member the actor sees: never an id the actor could not open.
        head = root if root in members else members[0]
        schema = _schema(nodes[head].schema)
        for member in members:
            try:
                schema = model.common_schema(schema, nodes[member].schema)
            except InvalidData:
                continue
        first = nodes[head]
        out[head] = Node(head, schema.name, first.caption, tuple(members))
        for member in members:
            id_map[member] = head
    return out, id_map


def _mention_edges(mentions: Mapping[str, Sequence[str]], id_map: Mapping[str, str]) -> list[Edge]:
    pairs: Counter[tuple[str, str]] = Counter()
    reports: dict[tuple[str, str], list[str]] = defaultdict(list)
    for report_id, entity_ids in mentions.items():
        named = sorted({id_map[e] for e in entity_ids if e in id_map})
        if len(named) < 2 or len(named) > MENTION_CAP:
            continue
        for pair in combinations(named, 2):
            pairs[pair] += 1
            reports[pair].append(report_id)
    return [
        Edge(a, b, MENTION, None, False, weight=float(n), reports=tuple(reports[(a, b)]))
        for (a, b), n in sorted(pairs.items())
    ]


# --- from the store, per actor ---------------------------------------------------------------


def store_records(
    *, session: Session, visible: Sequence[int], batch: int = 50_000
) -> tuple[Iterator[Record], dict[str, list[str]]]:
    """Records built from the statements whose marking ids are in `visible` (and nothing
    else), one entity at a time, and report id -> entities it names (filled in as the
    records are read).

    Only what the graph needs is read: id statements (schema, reports), entity references,
    dates and caption properties, in entity order, so each entity is finished as soon as its
    last statement is read and a million of them never sit in memory at once. Statements of
    one id under clashing schemas are reconciled as `vinculo.intel.ftm.assemble` does: the
    first schema (in storage order) and those that fit it. Rows come through the driver's
    own cursor (a server-side one on PostgreSQL): SQLAlchemy's row objects cost more than
    the rest of the load at a million statements.
    """
    mentions: dict[str, list[str]] = defaultdict(list)
    if not visible:
        return iter(()), mentions
    return _scan(session, list(visible), batch, mentions), mentions


def _scan(
    session: Session, visible: list[int], batch: int, mentions: dict[str, list[str]]
) -> Iterator[Record]:
    backend = backend_for(session)
    captions = sorted(caption_props())
    sql = (
        "SELECT entity_id, schema, prop, value, id, report_id, seq FROM statements "
        f"WHERE marking_id IN ({backend.marks(len(visible))}) "
        "AND (prop_type IN ('id', 'entity', 'date') "
        f"OR prop IN ({backend.marks(len(captions))})) ORDER BY entity_id"
    )
    cursor = backend.streaming_cursor(session.connection().connection, "vinculo_network")
    current: str | None = None
    rows: list[tuple[Any, ...]] = []
    first_seq: dict[str, int] = {}
    try:
        cursor.execute(sql, (*visible, *captions))
        while True:
            chunk = cursor.fetchmany(batch)
            if not chunk:
                break
            for row in chunk:
                if row[5] is not None and row[2] == "id":
                    mentions[row[5]].append(row[0])
                    first_seq[row[5]] = min(row[6], first_seq.get(row[5], row[6]))
                if row[0] == current:
                    rows.append(row)
                    continue
                if rows:
                    yield _record(rows)
                current, rows = row[0], [row]
        if rows:
            yield _record(rows)
    finally:
        cursor.close()
    # Reports in the order they were stored, not by id: ids are drawn at random, so an
    # order by id would differ between two stores holding the same reports.
    for report_id in sorted(mentions, key=first_seq.__getitem__):
        mentions[report_id] = mentions.pop(report_id)


@cache
def _prop_names(schema: Schema) -> frozenset[str]:
    return frozenset(schema.properties)


def _record(rows: list[tuple[Any, ...]]) -> Record:
    """One entity from its rows (entity id, schema, prop, value, statement id, report id,
    seq)."""
    entity_id = rows[0][0]
    first = rows[0][1]
    if any(r[1] != first for r in rows):
        rows = sorted(rows, key=lambda r: r[6])  # the first schema is the first stored
        names = list(dict.fromkeys(r[1] for r in rows))
        try:
            schema = _schema(names[0])
            for name in names[1:]:
                schema = model.common_schema(schema, name)
        except InvalidData:
            head = _schema(names[0])
            fitting = [n for n in names if _fits(head, n)]
            schema = head
            for name in fitting[1:]:
                schema = model.common_schema(schema, name)
            rows = [r for r in rows if r[1] in fitting]
    else:
        schema = _schema(first)
    known = _prop_names(schema)
    props: dict[str, list[str]] = {}
    several: set[str] | None = None
    for row in rows:
        prop = row[2]
        if prop == "id" or prop not in known:
            continue
        values = props.get(prop)
        if values is None:
            props[prop] = [row[3]]
        else:
            values.append(row[3])
            if several is None:
                several = set()
            several.add(prop)
    if several:
        # Several values in statement-id order: the order followthemoney picks a caption in.
        for prop in several & caption_props():
            props[prop] = [v for _k, v in sorted((r[4], r[3]) for r in rows if r[2] == prop)]
    return Record(entity_id, schema, props)


def _fits(schema: Schema, name: str) -> bool:
    try:
        model.common_schema(schema, name)
    except InvalidData:
        return False
    return True


# --- from an FtM JSON-lines file -------------------------------------------------------------


def file_records(path: Path) -> Iterator[Record]:
    """Records of an FtM JSON-lines file; bad input raises InvalidInput naming file, line and
    field, as `vinculo import ftm` does."""
    try:
        with path.open(encoding="utf-8") as lines:
            yield from parse_lines(lines, str(path))
    except UnicodeDecodeError:
        raise InvalidInput(N_("the file is not UTF-8 text"), field="file", file=str(path)) from None


def parse_lines(lines: Iterable[str], file_name: str) -> Iterator[Record]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = Where(file=file_name, line=number)
        entity_id, schema_name, values = check_entity(_json(raw, where), where)
        props: dict[str, list[str]] = defaultdict(list)
        for prop, _type, value, _original in values:
            props[prop].append(value)
        yield Record(entity_id, _schema(schema_name), dict(props))


def _json(raw: str, where: Where) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise InvalidInput(
            N_("malformed JSON: {reason}"),
            field="line",
            line=where.line,
            file=where.file,
            reason=reason,
        ) from None


def file_graph(path: Path) -> Graph:
    """The graph of an FtM JSON-lines file. Two lines with one id are merged as FtM does."""
    merged: dict[str, Record] = {}
    for record in file_records(path):
        known = merged.get(record.id)
        if known is None:
            merged[record.id] = record
            continue
        try:
            known.schema = model.common_schema(known.schema, record.schema)
        except InvalidData:
            raise InvalidInput(
                N_("entity {id} is stored as {old} and cannot also be a {new}"),
                field="schema",
                file=str(path),
                id=record.id,
                old=known.schema.name,
                new=record.schema.name,
            ) from None
        for prop, values in record.props.items():
            known.props.setdefault(prop, []).extend(values)
    return build_graph(merged.values())
