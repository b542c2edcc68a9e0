"""The network from the store, per actor, on SQLite and PostgreSQL: an analyst's graph — by the
service, the API, the pages, every export and the CLI with --as — never holds a node or a link
that `can_see` denies, a hidden end is dropped rather than shown as a dangling id, a hidden
entity answers as a missing one, resolved identities are one node, and reads are audited."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pytest
from followthemoney import model
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.intel.transfer import import_ftm
from vinculo.network import service
from vinculo.network.build import MENTION, Graph
from vinculo.resolve.models import MATCH, ResolutionEvidence, ResolutionPair, scope_key
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor, Markings, can_see
from vinculo.security.policy import visible_marking_ids
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group

from command_line import run_vinculo
from conftest import BACKENDS, LiveServer, Store, make_store

ACCOUNTS = [
    ("us.analyst", "DEA", ["tf-sonora"], ["analyst"]),
    ("mx.analyst", "FGR", ["tf-sonora"], ["analyst"]),
    ("dea.agent1", "DEA", [], ["analyst"]),
    ("fgr.mp1", "FGR", [], ["analyst"]),
    ("auditor", "FBI", [], ["auditor"]),
]


def person(entity_id: str, name: str) -> EntityIn:
    return EntityIn(id=entity_id, schema_="Person", properties={"name": [name]})


def link(entity_id: str, schema: str, **props: list[str]) -> EntityIn:
    return EntityIn(id=entity_id, schema_=schema, properties=props)


# (key, author, markings, entities). Names carry a word per item ("Qzusa" …), so a leak is a
# substring search of the answer.
ITEMS: list[tuple[str, str, MarkingsIn, list[EntityIn]]] = [
    (
        "shared",
        "dea.agent1",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        [
            person("p-a", "Alma Qzshared"),
            person("p-b", "Bruno Qzshared"),
            EntityIn(id="c-x", schema_="Company", properties={"name": ["Fletes Qzshared SA"]}),
            link("own-1", "Ownership", owner=["p-a"], asset=["c-x"], startDate=["2021-02"]),
            link("pay-1", "Payment", payer=["c-x"], beneficiary=["p-b"], date=["2025-03-01"]),
        ],
    ),
    (
        "usa_only",
        "dea.agent1",
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        [
            person("p-a", "Alma Qzshared"),
            person("p-u", "Ursula Qzusaonly"),
            link("call-u", "Call", caller=["p-a"], receiver=["p-u"], date=["2025-04-02"]),
            EntityIn(
                id="veh-u",
                schema_="Vehicle",
                properties={"name": ["Van Qzusaonly"], "owner": ["p-a"]},
            ),
        ],
    ),
    (
        "fgr_amber",
        "fgr.mp1",
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]),
        [
            person("p-b", "Bruno Qzshared"),
            person("p-bx", "Bruno Qzfgramber Dup"),
            person("p-m", "Mateo Qzfgramber"),
            link("asc-m", "Associate", person=["p-b"], associate=["p-m"]),
        ],
    ),
    (
        "dea_strict",
        "dea.agent1",
        # Names p-m, which only FGR may see: for DEA this link's far end is hidden.
        MarkingsIn(tlp="AMBER+STRICT", rel_to=["USA", "MEX"]),
        [
            person("p-a", "Alma Qzshared"),
            link("lnk-s", "UnknownLink", subject=["p-a"], object=["p-m"]),
        ],
    ),
    (
        "red_mx",
        "dea.agent1",
        MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["mx.analyst"]),
        [
            person("p-r", "Rita Qzredmx"),
            person("p-b", "Bruno Qzshared"),
            link("fam-r", "Family", person=["p-r"], relative=["p-b"]),
        ],
    ),
    (
        "sonora",
        "us.analyst",
        MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"], groups=["tf-sonora"]),
        [
            person("p-t", "Tomas Qzsonora"),
            EntityIn(id="c-x", schema_="Company", properties={"name": ["Fletes Qzshared SA"]}),
            link("mem-t", "Membership", member=["p-t"], organization=["c-x"]),
        ],
    ),
]
# An FtM import, not a report: no co-mentions.
IMPORT = (
    "import_usa",
    "dea.agent1",
    MarkingsIn(tlp="GREEN", rel_to=["USA"]),
    [
        person("p-i", "Ines Qzimport"),
        EntityIn(id="c-x", schema_="Company", properties={"name": ["Fletes Qzshared SA"]}),
        link("dir-i", "Directorship", director=["p-i"], organization=["c-x"]),
    ],
)
ALL_ITEMS = [*ITEMS, IMPORT]


@dataclass
class World:
    store: Store
    actors: dict[str, Actor] = field(default_factory=dict)
    markings: dict[str, Markings] = field(default_factory=dict)


def build(store: Store) -> World:
    world = World(store)
    with transaction(store.sessions) as session:
        ensure_group(session=session, code="tf-sonora", name_en="TF Sonora", name_es="FT Sonora")
        for username, agency, groups, roles in ACCOUNTS:
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency=agency, groups=groups, roles=roles
                ),
                demo_password=True,
            )
            world.actors[username] = actor_for(user)
        for key, author, markings_in, entities in ITEMS:
            create_report(
                session=session,
                actor=world.actors[author],
                report_in=ReportCreate(
                    title_en=f"Report {key}",
                    body_en="Body.",
                    reliability="B",
                    credibility=2,
                    predicate="drug_trafficking",
                    suspicion="Subjects are linked to drug trafficking by payments.",
                    attest_no_protected_views=True,
                    review_by=date(2027, 6, 1),
                    markings=markings_in,
                    entities=entities,
                ),
            )
        key, author, markings_in, entities = IMPORT
        lines = [
            json.dumps({"id": e.id, "schema": e.schema_, "properties": e.properties})
            for e in entities
        ]
        import_ftm(
            session=session,
            actor=world.actors[author],
            lines=lines,
            file_name="import.jsonl",
            source=key,
            markings_in=markings_in,
        )
        for key, author, markings_in, _entities in ALL_ITEMS:
            world.markings[key] = Markings.create(
                tlp=markings_in.tlp,
                originator=world.actors[author].agency or "",
                rel_to=markings_in.rel_to,
                groups=markings_in.groups,
                recipients=markings_in.recipients,
                author=author,
            )
        # p-b and p-bx judged one identity by each reader who sees both, on their own view
        # of them: without the RED statement (FGR's readers) or with it (mx.analyst). A pair
        # is its owner's judgement on one view, seen by its owner alone.
        sides = session.execute(
            select(StatementRow.entity_id, StatementRow.marking_id).where(
                StatementRow.entity_id.in_(["p-b", "p-bx"])
            )
        ).all()
        for name, actor in world.actors.items():
            visible = set(visible_marking_ids(session=session, actor=actor))
            seen = [(entity, mark) for entity, mark in sides if mark in visible]
            if {entity for entity, _ in seen} != {"p-b", "p-bx"}:
                continue
            marks = sorted({mark for _, mark in seen})
            pair = ResolutionPair(
                left_id="p-b",
                right_id="p-bx",
                owner=name,
                scope=scope_key(marks),
                score=0.99,
                judgement=MATCH,
            )
            session.add(pair)
            session.flush()
            session.add_all(ResolutionEvidence(pair_id=pair.id, marking_id=m) for m in marks)
    return world


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    for store in make_store(request.param, tmp_path_factory.mktemp("network"), demo=True):
        yield build(store)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    with LiveServer(world.store.settings) as live:
        yield live


# --- the oracle: what each account may see, from can_see and the items -----------------------


@dataclass
class Expected:
    nodes: set[str]
    links: set[tuple[str, str, str, str]]  # (source, target, kind, via)
    mentions: set[tuple[str, str]]
    secrets: set[str]  # names and ids the account must never receive


def _is_link(entity: EntityIn) -> bool:
    schema = model[entity.schema_]
    return bool(schema.edge) or entity.schema_ == "Call"


def expected(world: World, username: str) -> Expected:
    actor = world.actors[username]
    seen = [i for i in ALL_ITEMS if can_see(actor, world.markings[i[0]])]
    hidden = [i for i in ALL_ITEMS if not can_see(actor, world.markings[i[0]])]
    nodes = {e.id for _k, _a, _m, ents in seen for e in ents if e.id and not _is_link(e)}
    merged = "p-bx" in nodes and "p-b" in nodes
    if merged:
        nodes.discard("p-bx")

    def node(entity_id: str) -> str:
        return "p-b" if merged and entity_id == "p-bx" else entity_id

    links: set[tuple[str, str, str, str]] = set()
    for _k, _a, _m, ents in seen:
        for e in ents:
            assert e.id is not None
            schema = model[e.schema_]
            if schema.edge:
                ends = (e.properties[schema.edge_source][0], e.properties[schema.edge_target][0])
            elif e.schema_ == "Call":
                ends = (e.properties["caller"][0], e.properties["receiver"][0])
            elif "owner" in e.properties:
                ends = (e.id, e.properties["owner"][0])
            else:
                continue
            kind = "Vehicle:owner" if e.schema_ == "Vehicle" else e.schema_
            if node(ends[0]) in nodes and node(ends[1]) in nodes:
                links.add((node(ends[0]), node(ends[1]), kind, e.id))
    mentions: set[tuple[str, str]] = set()
    for key, _a, _m, ents in seen:
        if key == "import_usa":
            continue
        named = sorted({node(e.id) for e in ents if e.id and node(e.id) in nodes})
        mentions.update(combinations(named, 2))
    visible_words = {
        w
        for _k, _a, _m, ents in seen
        for e in ents
        for v in e.properties.get("name", [])
        for w in v.split()
    }
    secrets: set[str] = set()
    for _k, _a, _m, ents in hidden:
        for e in ents:
            assert e.id is not None
            if e.id not in nodes and not any(e.id == v for x in links for v in x):
                secrets.add(e.id)
            for value in e.properties.get("name", []):
                secrets.update(
                    w for w in value.split() if w.startswith("Qz") and w not in visible_words
                )
    if merged:
        secrets.discard("p-bx")  # a member of a merged node the reader sees
    return Expected(nodes, links, mentions, secrets)


def observed(graph: Graph) -> tuple[set[str], set[tuple[str, str, str, str]], set[tuple[str, str]]]:
    links = {(e.source, e.target, e.kind, e.via or "") for e in graph.edges if e.kind != MENTION}
    mentions = {tuple(sorted((e.source, e.target))) for e in graph.edges if e.kind == MENTION}
    return set(graph.nodes), links, mentions  # type: ignore[return-value]


ANALYSTS = ["us.analyst", "mx.analyst", "dea.agent1", "fgr.mp1", "auditor"]


def test_the_oracle_tells_the_analysts_apart(world: World) -> None:
    us, mx = expected(world, "us.analyst"), expected(world, "mx.analyst")
    assert "p-u" in us.nodes and "p-u" not in mx.nodes
    assert "p-m" in mx.nodes and "p-m" not in us.nodes
    assert ("p-a", "p-u", "Call", "call-u") in us.links
    assert not any(link[3] == "lnk-s" for link in us.links)  # its far end is hidden from DEA
    assert {"Qzusaonly", "p-u", "call-u"} <= mx.secrets
    assert {"Qzfgramber", "Qzredmx", "p-m", "p-r"} <= us.secrets


@pytest.mark.parametrize("username", ANALYSTS)
def test_each_actor_graph_is_exactly_what_it_may_see(world: World, username: str) -> None:
    want = expected(world, username)
    with transaction(world.store.sessions) as session:
        graph = service.load(session=session, actor=world.actors[username])
    nodes, links, mentions = observed(graph)
    assert nodes == want.nodes
    assert links == want.links
    assert mentions == want.mentions
    text = json.dumps(
        [(n.id, n.caption, n.members) for n in graph.nodes.values()]
        + [(e.source, e.target, e.via, e.reports) for e in graph.edges]
    )
    assert not {s for s in want.secrets if s in text}


def test_a_hidden_end_is_dropped_and_merges_follow_the_evidence(world: World) -> None:
    with transaction(world.store.sessions) as session:
        us = service.load(session=session, actor=world.actors["us.analyst"])
        mx = service.load(session=session, actor=world.actors["mx.analyst"])
    assert us.dropped == 1  # lnk-s names p-m, whom DEA may not see
    assert "p-m" not in json.dumps([(e.source, e.target) for e in us.edges])
    assert mx.nodes["p-b"].members == ("p-b", "p-bx")
    assert us.nodes["p-b"].members == ("p-b",)


# --- over HTTP: the API and the pages ---------------------------------------------------------


def assert_clean(response: httpx.Response, want: Expected, given: str = "") -> None:
    text = response.text
    leaked = {s for s in want.secrets - {given} if s in text}
    assert not leaked, (response.request.url, leaked)


def api_nodes(body: dict[str, Any]) -> set[str]:
    return {n["id"] for n in body["nodes"]}


@pytest.mark.parametrize("username", ["us.analyst", "mx.analyst", "fgr.mp1", "auditor"])
def test_the_api_gives_each_actor_its_own_graph(
    world: World, server: LiveServer, username: str
) -> None:
    want = expected(world, username)
    with server.client(username) as api:
        whole = api.get("/api/v1/network/graph")
        assert whole.status_code == 200, whole.text
        assert_clean(whole, want)
        body = whole.json()
        assert api_nodes(body) == want.nodes
        ends = {(e["source"], e["target"]) for e in body["edges"]}
        assert all(a in want.nodes and b in want.nodes for a, b in ends)
        assert {e["via"] for e in body["edges"] if e["via"]} == {x[3] for x in want.links}
        filtered = api.get(
            "/api/v1/network/graph", params={"schema": "Company", "no_mentions": "1"}
        )
        assert filtered.status_code == 200
        assert api_nodes(filtered.json()) == want.nodes & {"c-x"}
        dated = api.get("/api/v1/network/graph", params={"date_from": "2025", "dated_only": "1"})
        assert dated.status_code == 200
        assert_clean(dated, want)
        assert {e["kind"] for e in dated.json()["edges"]} <= {"Payment", "Call", "Ownership"}
        if "c-x" in want.nodes:
            ego = api.get("/api/v1/network/ego/c-x", params={"hops": 2})
            assert ego.status_code == 200
            assert_clean(ego, want)
            assert api_nodes(ego.json()) <= want.nodes
        missing = api.get("/api/v1/network/ego/nobody")
        assert missing.status_code == 404
        for secret in sorted(s for s in want.secrets if s.startswith("p-")):
            hidden = api.get(f"/api/v1/network/ego/{secret}")
            assert hidden.status_code == 404
            assert hidden.json()["detail"] == missing.json()["detail"]
            for params in (
                {"source": secret, "target": "p-a"},
                {"source": "p-a", "target": secret},
            ):
                answer = api.get("/api/v1/network/path", params=params)
                assert answer.status_code == 404, answer.text
                assert_clean(answer, want, given=secret)
        disrupt = api.get("/api/v1/network/disrupt", params={"k": 2})
        assert disrupt.status_code == 200
        assert_clean(disrupt, want)
        assert {s["removed"] for s in disrupt.json()["steps"]} <= want.nodes
        changes = api.get(
            "/api/v1/network/changes",
            params={"a_from": "2024", "a_to": "2024", "b_from": "2025", "b_to": "2025"},
        )
        assert changes.status_code == 200, changes.text
        assert_clean(changes, want)
        assert set(changes.json()["nodes_added"]) <= want.nodes


def test_the_api_finds_a_path_through_what_the_actor_sees(world: World, server: LiveServer) -> None:
    with server.client("us.analyst") as api:
        found = api.get("/api/v1/network/path", params={"source": "p-u", "target": "p-t", "k": 3})
        assert found.status_code == 200, found.text
        first = found.json()["paths"][0]["nodes"]
        assert first[0] == "p-u" and first[-1] == "p-t"
        by_name = api.get("/api/v1/network/path", params={"source": "Ursula", "target": "Tomas"})
        assert by_name.json()["paths"][0]["nodes"] == first
    with server.client("mx.analyst") as api:
        # Ursula does not exist for Mexico, by id or by name.
        for source in ("p-u", "Ursula"):
            answer = api.get("/api/v1/network/path", params={"source": source, "target": "p-t"})
            assert answer.status_code == 404


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv", "ftm"])
@pytest.mark.parametrize("username", ["us.analyst", "mx.analyst"])
def test_exports_hold_only_what_the_actor_may_see(
    world: World, server: LiveServer, username: str, fmt: str
) -> None:
    want = expected(world, username)
    with server.client(username) as api:
        answer = api.get("/api/v1/network/export", params={"format": fmt})
    assert answer.status_code == 200, answer.text
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
            text = "".join(archive.read(n).decode() for n in archive.namelist())
            nodes_csv = archive.read("nodes.csv").decode().splitlines()[1:]
        assert {line.split(",")[0] for line in nodes_csv} == want.nodes
    else:
        text = answer.content.decode()
    leaked = {s for s in want.secrets if s in text}
    assert not leaked, leaked
    if fmt == "ftm":
        ids = {json.loads(line)["id"] for line in text.splitlines()}
        merged = {"p-bx"} if "p-bx" not in want.secrets and "p-b" in want.nodes else set()
        assert ids == want.nodes | {x[3] for x in want.links} | (merged & ids)


def test_an_auditor_may_not_export(world: World, server: LiveServer) -> None:
    with server.client("auditor") as api:
        assert api.get("/api/v1/network/export").status_code == 403


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the sign-in form (a page session)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/login",
            data={"username": username, "password": "demo", "next": "/", "csrf_token": token},
        )
        assert signed.status_code == 303
        yield client


@pytest.mark.parametrize("username", ["us.analyst", "mx.analyst"])
def test_the_pages_hold_only_what_the_actor_may_see(
    world: World, server: LiveServer, username: str
) -> None:
    want = expected(world, username)
    with page_client(server, username) as page:
        for path in (
            "/network",
            "/network?schema=Person",
            "/network?center=c-x&hops=2",
            "/network/ego.json?id=c-x&hops=2",
            "/network/path?source=p-a&target=p-t",
            "/network/disrupt?k=3",
            "/network/export?format=gexf",
        ):
            answer = page.get(path)
            assert answer.status_code == 200, (path, answer.text[:300])
            assert_clean(answer, want)
        data = page.get("/network").text.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
        assert api_nodes(json.loads(data)) == want.nodes
        missing = page.get("/network/path", params={"source": "nobody-x", "target": "p-a"})
        assert missing.status_code == 404
        for secret in sorted(s for s in want.secrets if s.startswith("p-")):
            hidden = page.get("/network/path", params={"source": secret, "target": "p-a"})
            assert hidden.status_code == 404
            assert hidden.text.replace(secret, "ID") == missing.text.replace("nobody-x", "ID")
            ego = page.get("/network", params={"center": secret})
            assert ego.status_code == 404
            assert_clean(ego, want, given=secret)


def test_reads_are_audited_with_the_ids_returned(world: World, server: LiveServer) -> None:
    with server.client("mx.analyst") as api:
        body = api.get("/api/v1/network/graph").json()
    with world.store.sessions() as session:
        row = (
            session.execute(
                select(AuditRow)
                .where(AuditRow.actor == "mx.analyst", AuditRow.kind == "network")
                .order_by(AuditRow.seq.desc())
            )
            .scalars()
            .first()
        )
    assert row is not None and row.action == "read" and row.target == "graph"
    ids = set(json.loads(row.ids))
    assert api_nodes(body) <= ids
    assert {e["via"] for e in body["edges"] if e["via"]} <= ids
    assert not {s for s in expected(world, "mx.analyst").secrets if s in row.ids}


# --- the CLI, reading the store as an account --------------------------------------------------


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("network", *args, env=env)


@pytest.mark.parametrize("username", ["us.analyst", "mx.analyst"])
def test_the_cli_reads_the_store_as_the_account(
    world: World, tmp_path: Path, username: str
) -> None:
    want = expected(world, username)
    metrics = tmp_path / "metrics.json"
    analysed = cli(world, "analyze", "--as", username, "--out", str(metrics))
    assert analysed.returncode == 0, analysed.stderr
    data = json.loads(metrics.read_text())
    assert {n["id"] for n in data["nodes"]} == want.nodes
    exported = cli(world, "export", "--user", username, "--format", "graphml")
    assert exported.returncode == 0, exported.stderr
    disrupted = cli(world, "disrupt", "--as", username, "--k", "2", "--json")
    assert disrupted.returncode == 0, disrupted.stderr
    for output in (metrics.read_text(), exported.stdout, disrupted.stdout, analysed.stdout):
        assert not {s for s in want.secrets if s in output}
    hidden = sorted(s for s in want.secrets if s.startswith("p-"))[0]
    missing = cli(world, "path", "--as", username, "nobody-x", "p-a")
    secret = cli(world, "path", "--as", username, hidden, "p-a")
    assert missing.returncode == secret.returncode == 2
    assert secret.stderr.replace(hidden, "ID") == missing.stderr.replace("nobody-x", "ID")


@pytest.mark.parametrize("day", ["2026-13-45", "2026-02-30", "2026-00", "0000-01-01"])
def test_a_date_that_does_not_exist_is_refused_naming_the_field(
    server: LiveServer, day: str
) -> None:
    """Issue 11: `date_from=2026-13-45` had the shape of a date and was taken as one."""
    with server.client("mx.analyst") as api:
        for field in ("date_from", "date_to"):
            for lang, words in (("en", "is not a real date"), ("es", "no es una fecha real")):
                answer = api.get(
                    "/api/v1/network/graph",
                    params={field: day},
                    headers={"Accept-Language": lang},
                )
                assert answer.status_code == 422, answer.text
                error = answer.json()["error"]
                assert error["field"] == field and words in error["message"]
    with page_client(server, "mx.analyst") as page:
        for lang, words in (("en", "is not a real date"), ("es", "no es una fecha real")):
            answer = page.get("/network", params={"date_from": day, "lang": lang})
            assert answer.status_code == 422
            assert words in answer.text and "date_from" in answer.text
    with server.client("mx.analyst") as api:  # the forms that are dates still are
        for good in ("2026", "2026-02", "2024-02-29"):
            assert api.get("/api/v1/network/graph", params={"date_from": good}).status_code == 200
