"""Shapes of the network API: a graph (nodes, links, measures), paths and a disruption."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NodeRead(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    schema_label: str
    caption: str
    members: list[str] = Field(default_factory=list)
    degree: int = 0
    betweenness: float = 0.0
    eigenvector: float = 0.0
    pagerank: float = 0.0
    community: int = 0
    x: float = 0.0
    y: float = 0.0

    model_config = {"populate_by_name": True}


class EdgeRead(BaseModel):
    id: str
    source: str
    target: str
    kind: str = Field(description="FtM schema of the link, a property (Vehicle:owner) or mention")
    kind_label: str
    via: str | None = Field(description="The entity that asserts the link")
    directed: bool
    start: str | None = None
    end: str | None = None
    weight: float = 1.0
    reports: list[str] = Field(default_factory=list)


class SummaryRead(BaseModel):
    nodes: int
    edges: int
    links: int
    dropped: int
    components: int
    largest_component: int
    density: float
    communities: int
    modularity: float
    betweenness: str


class GraphRead(BaseModel):
    nodes: list[NodeRead]
    edges: list[EdgeRead]
    summary: SummaryRead | None
    too_large: bool = False
    limit: int
    node_count: int = Field(description="Nodes after the filters (drawn or not)")
    schema_counts: dict[str, int]
    center: str | None = None
    articulation_points: list[str] = Field(default_factory=list)
    bridges: list[list[str]] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    highlight: list[str] = Field(default_factory=list)
    strings: dict[str, str] = Field(default_factory=dict)


class PathRead(BaseModel):
    nodes: list[str]
    length: int
    hops: list[list[str]] = Field(description="For each hop, the ids of the links it takes")


class PathsRead(BaseModel):
    source: str
    target: str
    paths: list[PathRead]
    graph: GraphRead


class StateRead(BaseModel):
    nodes: int
    reachable_pairs: int
    components: int
    largest_component: int


class StepRead(BaseModel):
    removed: str
    caption: str
    schema_: str = Field(alias="schema")
    before: StateRead
    after: StateRead

    model_config = {"populate_by_name": True}


class DisruptionRead(BaseModel):
    before: StateRead
    after: StateRead
    steps: list[StepRead]
    reduction: float = Field(description="Share of reachable pairs the removals cut, 0 to 1")
    graph: GraphRead


class ShiftRead(BaseModel):
    id: str
    caption: str
    pagerank_a: float
    pagerank_b: float


class ChangesRead(BaseModel):
    before: SummaryRead
    after: SummaryRead
    nodes_added: list[str]
    nodes_removed: list[str]
    pairs_added: list[list[str]]
    pairs_removed: list[list[str]]
    risers: list[ShiftRead]
    fallers: list[ShiftRead]
