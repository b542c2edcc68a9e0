"""Graphs for the tools analysts already use: GraphML and GEXF (Gephi, yEd, Cytoscape),
nodes and edges as CSV (spreadsheets, i2), and FtM JSON lines (Aleph, another Vínculo).

Node attributes: schema, caption (the label), resolved members, and the measures when an
analysis is given. Edge attributes: kind (the FtM schema or property of the link, or
"mention"), via (the entity that asserts it), weight, start and end dates, directed.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from vinculo.network.analysis import Analysis
from vinculo.network.build import Edge, Graph, Node

FORMATS = ("graphml", "gexf", "csv", "ftm")
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": "application/zip",
    "ftm": "application/x-ndjson",
}
SUFFIXES = {"graphml": ".graphml", "gexf": ".gexf", "csv": ".zip", "ftm": ".ftm.jsonl"}

NODE_FIELDS = ("schema", "caption", "members")
METRIC_FIELDS = (
    ("degree", "int"),
    ("betweenness", "double"),
    ("eigenvector", "double"),
    ("pagerank", "double"),
    ("community", "int"),
)
EDGE_FIELDS = (
    ("kind", "string"),
    ("via", "string"),
    ("weight", "double"),
    ("start", "string"),
    ("end", "string"),
    ("directed", "boolean"),
    ("reports", "string"),
)
# XML 1.0 cannot carry most control characters, even escaped; FtM text may hold them.
_XML_BAD = {c: None for c in range(32) if c not in (9, 10, 13)}


def _clean(value: object) -> str:
    return str(value).translate(_XML_BAD)


def _node_values(node: Node, analysis: Analysis | None) -> dict[str, str]:
    values = {
        "schema": node.schema,
        "caption": node.caption,
        "members": ";".join(node.members) if len(node.members) > 1 else "",
    }
    if analysis is not None and node.id in analysis.metrics:
        m = analysis.metrics[node.id]
        values.update(
            degree=str(m.degree),
            betweenness=repr(m.betweenness),
            eigenvector=repr(m.eigenvector),
            pagerank=repr(m.pagerank),
            community=str(m.community),
        )
    return values


def _edge_values(edge: Edge) -> dict[str, str]:
    return {
        "kind": edge.kind,
        "via": edge.via or "",
        "weight": repr(edge.weight),
        "start": edge.start or "",
        "end": edge.end or "",
        "directed": "true" if edge.directed else "false",
        "reports": ";".join(edge.reports),
    }


def _edge_id(number: int) -> str:
    return f"e{number}"


def graphml(graph: Graph, analysis: Analysis | None = None) -> bytes:
    """GraphML, undirected: a link's direction is in its `directed` attribute (readers such as
    networkx refuse a graph that mixes directed and undirected edges)."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}graphml")
    node_keys = [(f, "string") for f in NODE_FIELDS] + (
        list(METRIC_FIELDS) if analysis is not None else []
    )
    for name, kind in node_keys:
        ET.SubElement(
            root,
            f"{{{ns}}}key",
            {"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": kind},
        )
    for name, kind in EDGE_FIELDS:
        ET.SubElement(
            root,
            f"{{{ns}}}key",
            {"id": f"e_{name}", "for": "edge", "attr.name": name, "attr.type": kind},
        )
    body = ET.SubElement(root, f"{{{ns}}}graph", {"id": "vinculo", "edgedefault": "undirected"})
    for node in graph.nodes.values():
        element = ET.SubElement(body, f"{{{ns}}}node", {"id": _clean(node.id)})
        for name, value in _node_values(node, analysis).items():
            if value:
                ET.SubElement(element, f"{{{ns}}}data", {"key": f"n_{name}"}).text = _clean(value)
    for number, edge in enumerate(graph.edges):
        element = ET.SubElement(
            body,
            f"{{{ns}}}edge",
            {
                "id": _edge_id(number),
                "source": _clean(edge.source),
                "target": _clean(edge.target),
            },
        )
        for name, value in _edge_values(edge).items():
            if value:
                ET.SubElement(element, f"{{{ns}}}data", {"key": f"e_{name}"}).text = _clean(value)
    return _xml(root)


def gexf(graph: Graph, analysis: Analysis | None = None) -> bytes:
    """GEXF 1.3 for Gephi, undirected as GraphML is; the caption is each node's label."""
    ns = "http://gexf.net/1.3"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gexf", {"version": "1.3"})
    meta = ET.SubElement(root, f"{{{ns}}}meta")
    ET.SubElement(meta, f"{{{ns}}}creator").text = "Vínculo"
    body = ET.SubElement(
        root, f"{{{ns}}}graph", {"defaultedgetype": "undirected", "mode": "static"}
    )
    node_attrs = ET.SubElement(body, f"{{{ns}}}attributes", {"class": "node"})
    node_keys = [("schema", "string"), ("members", "string")] + (
        [(n, "integer" if k == "int" else k) for n, k in METRIC_FIELDS] if analysis else []
    )
    for name, kind in node_keys:
        ET.SubElement(node_attrs, f"{{{ns}}}attribute", {"id": name, "title": name, "type": kind})
    edge_attrs = ET.SubElement(body, f"{{{ns}}}attributes", {"class": "edge"})
    edge_keys = [(n, k) for n, k in EDGE_FIELDS if n != "weight"]
    for name, kind in edge_keys:
        ET.SubElement(edge_attrs, f"{{{ns}}}attribute", {"id": name, "title": name, "type": kind})
    nodes = ET.SubElement(body, f"{{{ns}}}nodes")
    for node in graph.nodes.values():
        element = ET.SubElement(
            nodes, f"{{{ns}}}node", {"id": _clean(node.id), "label": _clean(node.caption)}
        )
        values = ET.SubElement(element, f"{{{ns}}}attvalues")
        for name, value in _node_values(node, analysis).items():
            if value and name != "caption":
                ET.SubElement(values, f"{{{ns}}}attvalue", {"for": name, "value": _clean(value)})
    edges = ET.SubElement(body, f"{{{ns}}}edges")
    for number, edge in enumerate(graph.edges):
        element = ET.SubElement(
            edges,
            f"{{{ns}}}edge",
            {
                "id": _edge_id(number),
                "source": _clean(edge.source),
                "target": _clean(edge.target),
                "weight": repr(edge.weight),
                "label": _clean(edge.kind),
            },
        )
        values = ET.SubElement(element, f"{{{ns}}}attvalues")
        for name, value in _edge_values(edge).items():
            if value and name != "weight":
                ET.SubElement(values, f"{{{ns}}}attvalue", {"for": name, "value": _clean(value)})
    return _xml(root)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def _cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): text starting with
    = + - @ or a tab gets a leading apostrophe, as OWASP advises."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_tables(graph: Graph, analysis: Analysis | None = None) -> dict[str, str]:
    """nodes.csv and edges.csv."""
    metric_names = [n for n, _k in METRIC_FIELDS] if analysis is not None else []
    nodes = io.StringIO()
    writer = csv.writer(nodes, lineterminator="\n")
    writer.writerow(["id", *NODE_FIELDS, *metric_names])
    for node in graph.nodes.values():
        values = _node_values(node, analysis)
        writer.writerow(
            [_cell(node.id)] + [_cell(values.get(f, "")) for f in (*NODE_FIELDS, *metric_names)]
        )
    edges = io.StringIO()
    writer = csv.writer(edges, lineterminator="\n")
    names = [n for n, _k in EDGE_FIELDS]
    writer.writerow(["source", "target", *names])
    for edge in graph.edges:
        values = _edge_values(edge)
        writer.writerow(
            [_cell(edge.source), _cell(edge.target)] + [_cell(values[n]) for n in names]
        )
    return {"nodes.csv": nodes.getvalue(), "edges.csv": edges.getvalue()}


def csv_zip(graph: Graph, analysis: Analysis | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in csv_tables(graph, analysis).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def entity_ids(graph: Graph) -> list[str]:
    """Every entity the graph is made of: its nodes' members and the entities behind links."""
    ids = dict.fromkeys(m for n in graph.nodes.values() for m in (n.members or (n.id,)))
    ids.update(dict.fromkeys(e.via for e in graph.edges if e.via))
    return list(ids)


def ftm_lines(entities: Iterable[dict[str, Any]]) -> Iterator[str]:
    for entity in entities:
        yield json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n"
