"""The import graph of `vinculo` has no cycles and its layers point down only.

Every import counts: at the top of a module, inside a function, under TYPE_CHECKING. A failure
names the importing module, the line and the imported module, and the rule it breaks.

The layers, top first (docs/architecture.md draws them). A module belongs to the first layer
with a pattern that matches it; `*` stands for any one domain.

- the entry points (`vinculo`, `python -m vinculo`);
- the app that assembles the web (`web/app.py`), and the purge hooks it wires (`hooks.py`);
- what works through every domain at once: the demo, over the migrations;
- each domain's doors: its API router, pages, command line, live stream, TAXII sign-in (a
  door may use another domain's, as the network pages draw entities as intel's do);
- the web kit every door uses: dependencies, templating, sign-in, error answers, pages of
  its own;
- the domains' cores (models, schemas, services, analysis), themselves in layers: exchange
  and network (independent of each other) over resolve, over intel, over security;
- vocabularies and paging; the database; errors; then the ground: settings, translation,
  text, logging, the registries' deferred wiring.

A module may import one in a lower layer, or one of its own unit in its own layer. Units of one
layer (exchange and network, say) do not import each other. And no set of modules imports
itself round in a circle, within one unit either.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

import grimp
import networkx as nx
import pytest

DOORS = ("api", "views", "cli", "commands", "stream", "taxii_auth", "*_api", "*_views")

# (layer name, its units); a unit is (unit name, module patterns). Top first.
LAYERS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    ("entry points", [("entry", ["vinculo.__main__", "vinculo.cli"])]),
    ("the web app", [("web app", ["vinculo.web.app"])]),
    # The public intake's own app (its own process): over its pages, never the internal app.
    ("the public app", [("public app", ["vinculo.civic.public_app"])]),
    ("the hooks", [("hooks", ["vinculo.hooks"])]),
    ("the demo", [("demo", ["vinculo.demo", "vinculo.demo.*", "vinculo.exchange.demo"])]),
    ("migrations", [("migrations", ["vinculo.migrations", "vinculo.migrations.*"])]),
    (
        "domain doors",
        [("doors", [f"vinculo.*.{door}" for door in DOORS])],
    ),
    ("web kit", [("web kit", ["vinculo.web", "vinculo.web.*"])]),
    # The civic channel: the public intake's core (its store, sealing, scrubbing), and later
    # the triage that turns submissions into reports and allegations.
    ("civic", [("civic", ["vinculo.civic", "vinculo.civic.*"])]),
    # Joint cases read reports and entities and name the exchange's task-force collections.
    ("cases", [("cases", ["vinculo.cases", "vinculo.cases.*"])]),
    # Assistance's programmes and ledger read markings and intel's shapes of them.
    ("assistance", [("assistance", ["vinculo.assistance", "vinculo.assistance.*"])]),
    # Security-force units are entities of intel's store, read through the reader's
    # resolved identities; assistance will refuse money to a unit by its vetting.
    ("oversight", [("oversight", ["vinculo.oversight", "vinculo.oversight.*"])]),
    (
        "domains over resolve",
        [
            ("exchange", ["vinculo.exchange", "vinculo.exchange.*"]),
            ("network", ["vinculo.network", "vinculo.network.*"]),
        ],
    ),
    ("resolve", [("resolve", ["vinculo.resolve", "vinculo.resolve.*"])]),
    # Notifications sit over intel (they point at reports and entities) and under the
    # domains that send them (resolution's pairs, the exchange's release requests).
    ("notify", [("notify", ["vinculo.notify", "vinculo.notify.*"])]),
    ("intel", [("intel", ["vinculo.intel", "vinculo.intel.*"])]),
    ("security", [("security", ["vinculo.security", "vinculo.security.*"])]),
    (
        "vocabularies and paging",
        [("vocab", ["vinculo.vocab", "vinculo.vocab.*"]), ("paging", ["vinculo.pagination"])],
    ),
    ("the store", [("db", ["vinculo.db"])]),
    ("errors", [("errors", ["vinculo.errors"])]),
    (
        "ground",
        [
            ("settings", ["vinculo.settings"]),
            ("i18n", ["vinculo.i18n", "vinculo.locale", "vinculo.locale.*"]),
            ("text", ["vinculo.text"]),
            ("logs", ["vinculo.logs"]),
            ("outbound", ["vinculo.outbound"]),
            # The registries' deferred wiring (the command line wires the hooks on first use).
            ("wiring", ["vinculo.wiring"]),
            ("package", ["vinculo"]),
        ],
    ),
]

# Cycles known and being taken apart, each with the reason it may stay for now. Empty is the
# goal: a cycle listed here is still reported if it grows.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


@dataclass(frozen=True)
class Place:
    layer: int
    layer_name: str
    unit: str


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported} ({self.text.strip()})"


@cache
def graph() -> grimp.ImportGraph:
    # No cache directory: the test writes nothing into the tree.
    return grimp.build_graph("vinculo", cache_dir=None)


def place_of(module: str) -> Place:
    for index, (layer_name, units) in enumerate(LAYERS):
        for unit, patterns in units:
            if any(fnmatchcase(module, pattern) for pattern in patterns):
                return Place(index, layer_name, unit)
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def imports() -> Iterator[Import]:
    g = graph()
    for importer in sorted(g.modules):
        for imported in sorted(g.find_modules_directly_imported_by(importer)):
            for detail in g.get_import_details(importer=importer, imported=imported):
                yield Import(importer, imported, detail["line_number"], detail["line_contents"])


def breach(found: Import) -> str | None:
    """Why an import breaks the layers, or None when it points down or stays in its unit."""
    source, target = place_of(found.importer), place_of(found.imported)
    if target.layer > source.layer or source.unit == target.unit:
        return None
    if target.layer == source.layer:
        return f"{source.unit} and {target.unit} are independent ({source.layer_name})"
    return f"{source.layer_name} ({source.unit}) may not import up into {target.layer_name}"


def test_every_module_has_a_layer() -> None:
    missing = []
    for module in sorted(graph().modules):
        try:
            place_of(module)
        except AssertionError as error:
            missing.append(str(error))
    assert not missing, "\n".join(missing)


def test_imports_point_down() -> None:
    broken = [f"{found}: {why}" for found in imports() if (why := breach(found))]
    assert not broken, "imports that break the layers:\n" + "\n".join(broken)


def _cycles() -> list[list[str]]:
    directed = nx.DiGraph()
    for found in imports():
        directed.add_edge(found.importer, found.imported)
    found_cycles = []
    for component in nx.strongly_connected_components(directed):
        if len(component) > 1 and frozenset(component) not in KNOWN_CYCLES:
            cycle = nx.find_cycle(directed.subgraph(component))
            found_cycles.append([edge[0] for edge in cycle] + [cycle[0][0]])
    return sorted(found_cycles)


def test_no_import_cycles() -> None:
    lines = {}
    for found in imports():
        lines[(found.importer, found.imported)] = found.line
    described = []
    for cycle in _cycles():
        steps = [f"{a}:{lines[(a, b)]} -> {b}" for a, b in itertools.pairwise(cycle)]
        described.append("  " + "\n  ".join(steps))
    assert not described, "import cycles:\n" + "\n\n".join(described)


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("vinculo.security.service", "vinculo.web.app", "may not import up"),
        ("vinculo.exchange.service", "vinculo.network.service", "are independent"),
        ("vinculo.vocab", "vinculo.resolve.names", "may not import up"),
        ("vinculo.intel.views", "vinculo.resolve.store", None),
        ("vinculo.web.app", "vinculo.exchange.api", None),
        ("vinculo.exchange.api", "vinculo.exchange.stream", None),
    ],
)
def test_the_rule_itself(importer: str, imported: str, expected: str | None) -> None:
    """The rule refuses what it should and lets through what it should."""
    why = breach(Import(importer, imported, 1, ""))
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why
