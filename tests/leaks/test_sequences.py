"""Noninterference over sequences of actions: what a reader may not see changes nothing it sees.

Two worlds are built side by side, each a store served by a real server on loopback: `low`
and `high`. Hypothesis's stateful testing drives both through one sequence of actions. Every
action is done in both worlds alike (filing, importing, purging, resolution runs and
decisions, changes to the reader's groups, locks, publishing to the exchange, the reader's
watches, translations and read notifications, a pair assigned to it, its return to the home
after a break), except the hidden ones, done in `high` only: items the reader may not see
(and their collisions with visible ones, items naming what it watches or shared with others),
and what the reader's betters do with them (their resolution runs, merges and assignments,
a purge, a translation). After every step, everything the reader can get — every page of
every list and its cursors, each item, search, the review queue, match, the graph, TAXII
collections, objects, versions and manifest, notifications, the watchlist, the translation
queue, the home's counts, pages, status codes, error bodies and headers — must be the same in
both worlds once ids, sequence numbers, timestamps, cursors and hashes are replaced by
placeholders numbered in order of first appearance. So must every answer a visible action
gets, whoever asked (the visible accounts see no more than the reader).

The accounts see the worlds so:
- `mx.reader` (FGR, Mexico; group g-v, which it may leave and join again) is the reader;
- `mx.super` (FGR supervisor, g-v) purges what the reader may see, assigns it pairs and
  decides nothing hidden;
- `us.analyst` and `us.super` (DEA; g-v and g-h), `mx.peer` (SEDENA) and `mx.colega` (FGR,
  no group) file hidden items: REL TO USA only, AMBER not shared with FGR, AMBER+STRICT, RED
  to someone else (an FGR colleague too), group g-h, AMBER shared with SEDENA; they assign
  pairs and translate reports the reader may not see.
  Hidden markings stay hidden whatever the reader's groups become (it never joins g-h).

The profile is bounded for `make test`; `make soak` (VINCULO_SOAK=1) runs 2,000 steps per
backend.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.exchange import partners as exchange
from vinculo.exchange.publish import publish as publish_changes
from vinculo.exchange.worker import sync_partner
from vinculo.notify.models import NotifyState
from vinculo.security.models import Group, User, utcnow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, ensure_group, issue_token, unlock
from vinculo.settings import PartnerConfig
from vinculo.web.pages import VISIT_GAP

from conftest import BACKENDS, LiveServer, Store, make_store
from placeholders import Placeholders
from worlds import cheap_demo_hash

SOAK = os.environ.get("VINCULO_SOAK") == "1"

READER = "mx.reader"
REMOTE = "mx.remote"  # the same rights as READER, on the Mexican node
ACCOUNTS: dict[str, tuple[str, list[str], list[str]]] = {
    # name: (agency, groups, roles)
    READER: ("FGR", ["g-v"], ["analyst"]),
    "mx.super": ("FGR", ["g-v"], ["analyst", "supervisor"]),
    "mx.peer": ("SEDENA", [], ["analyst"]),
    "mx.colega": ("FGR", [], ["analyst"]),
    "us.analyst": ("DEA", ["g-v", "g-h"], ["analyst"]),
    "us.super": ("DEA", ["g-v", "g-h"], ["analyst", "supervisor"]),
}

# (author, markings): what the reader may see while it is in g-v ...
VISIBLE: list[tuple[str, dict[str, Any]]] = [
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA", "MEX"]}),
    ("mx.super", {"tlp": "AMBER", "rel_to": ["USA", "MEX"]}),
    ("us.analyst", {"tlp": "AMBER", "rel_to": ["USA", "MEX"], "shared_with": ["FGR"]}),
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA", "MEX"], "groups": ["g-v"]}),
    ("us.analyst", {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": [READER]}),
    ("mx.peer", {"tlp": "CLEAR", "rel_to": ["USA", "MEX"]}),
    (READER, {"tlp": "GREEN", "rel_to": ["MEX", "USA"], "orcon": True}),
]
# ... and what it may never see.
HIDDEN: list[tuple[str, dict[str, Any]]] = [
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA"]}),
    ("us.analyst", {"tlp": "AMBER", "rel_to": ["USA", "MEX"]}),
    ("us.super", {"tlp": "AMBER+STRICT", "rel_to": ["USA", "MEX"]}),
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA", "MEX"], "groups": ["g-h"]}),
    ("us.analyst", {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["us.super"]}),
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA"], "orcon": True}),
]
# Hidden from the reader but crossing to the Mexican node (an AMBER item of another Mexican
# agency): on the U.S. node it joins the whole entity objects the partner is served, which a
# person is not (see test_a_hidden_statement_that_crosses_changes_no_persons_taxii_view).
CROSSING_HIDDEN = ("mx.peer", {"tlp": "AMBER", "rel_to": ["USA", "MEX"]})

# A few entity ids and values shared by every item, so that hidden statements land on the
# entities the reader sees, collide with its statements and pair up in resolution.
SLOTS = [f"per-{n}" for n in range(4)]
NAMES = ["Ana López Ruiz", "Ana Lopez Ruiz", "Juan Pérez Soto", "Juana Perez Soto"]
BIRTHS = ["1980-02-03", "1980-03-02", "1975-11-30"]
SOURCES = ["src-a", "src-b"]
WORDS = ["fentanilo", "Nogales", "precursor"]
PHONES = ["+52 55 1234 5678", "+1 602 555 0143"]
HIDDEN_ONLY = "per-hidden"  # asserted only by hidden items: answers as missing throughout
# An organisation items may assert, and the crime topic that makes it a `threat-actor` in
# STIX: a report names it by type, which must come only from what the reader may read.
ORG = "org-0"
ORG_NAME = "Transportes del Norte"
CRIME_TOPIC = "crime.traffick.drug"
# What the reader may watch: every slot and the hidden-only entity (which must answer as a
# missing one), every name (two fold alike: the second is refused as a watch it has), each
# phone written as a Mexican dials it and in E.164, and searches.
WATCHES: list[tuple[str, str]] = (
    [("entity", e) for e in [*SLOTS, HIDDEN_ONLY]]
    + [("name", n) for n in NAMES]
    + [("phone", "(55) 1234-5678"), ("phone", PHONES[1])]
    + [("search", w) for w in WORDS]
    + [("search", f"Shipment {WORDS[0]}")]
)
# Items shared with others than the reader, which the notifications' "shared with me" scan
# reads: a group it is not in, an agency not its own, RED to an account of its own agency,
# and a hidden report of its own agency (it would join the agency's translation queue).
SHARED_HIDDEN: list[tuple[str, dict[str, Any]]] = [
    ("us.analyst", {"tlp": "GREEN", "rel_to": ["USA", "MEX"], "groups": ["g-h"]}),
    ("us.analyst", {"tlp": "AMBER", "rel_to": ["USA", "MEX"], "shared_with": ["SEDENA"]}),
    ("us.analyst", {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["mx.colega"]}),
    ("mx.colega", {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["us.super"]}),
]

TAXII = "/taxii2/vinculo"


# --- comparing answers ---------------------------------------------------------------------------

SKIPPED_HEADERS = {"date", "content-length", "set-cookie", "server", "etag"}


def seen(response: httpx.Response, marks: Placeholders) -> dict[str, Any]:
    """What a response tells its reader, with made values replaced."""
    headers = {
        k: marks.text(v) for k, v in sorted(response.headers.items()) if k not in SKIPPED_HEADERS
    }
    body: Any
    if "json" in response.headers.get("content-type", ""):
        try:
            body = marks.json(response.json())
        except ValueError:
            body = marks.text(response.text)
    else:
        body = marks.text(html.unescape(response.text))
    return {"status": response.status_code, "headers": headers, "body": body}


# --- one world --------------------------------------------------------------------------------


@dataclass
class Node:
    """One world: the U.S. node where everything is filed, and a Mexican node that pulls
    what may cross from it; each a store, a server and signed-in clients."""

    name: str
    store: Store
    server: LiveServer
    partner: Store  # the Mexican node
    partner_server: LiveServer
    partner_token: str  # the Mexican node's exchange token on the U.S. node
    api: dict[str, httpx.Client] = field(default_factory=dict)
    remote: httpx.Client | None = None  # REMOTE on the Mexican node
    page: httpx.Client | None = None
    reports: list[str] = field(default_factory=list)  # visible reports, in filing order
    hidden_reports: list[str] = field(default_factory=list)

    def sign_in_page(self) -> httpx.Client:
        if self.page is not None:
            self.page.close()
        self.page = httpx.Client(base_url=self.server.url, timeout=60)
        form = self.page.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "no csrf_token on /login"
        self.page.post(
            "/login",
            data={"username": READER, "password": "demo", "next": "/", "csrf_token": token[1]},
        )
        return self.page

    def publish(self) -> None:
        with transaction(self.store.sessions) as session:
            publish_changes(session=session, settings=self.store.settings)

    def sync(self) -> dict[str, Any]:
        """The Mexican node pulls every collection the U.S. node serves it."""
        self.publish()
        config = PartnerConfig(
            name="us",
            nation="USA",
            url=f"{self.server.url}{TAXII}/",
            token=self.partner_token,
        )
        report = sync_partner(
            sessions=self.partner.sessions, settings=self.partner.settings, config=config
        )
        return asdict(report)


@contextmanager
def _store(stack: ExitStack, backend: str, name: str, **overrides: Any) -> Iterator[Store]:
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"vinculo-{name}-"))
    stores = make_store(backend, Path(directory), demo=True, **overrides)
    try:
        yield next(stores)
    finally:
        stores.close()


@contextmanager
def node(name: str, backend: str) -> Iterator[Node]:
    with ExitStack() as stack:
        store = stack.enter_context(
            _store(
                stack,
                backend,
                f"{name}-us",
                node_name="us",
                node_nation="USA",
                partners=[PartnerConfig(name="mx", nation="MEX", account="node.mx")],
            )
        )
        partner = stack.enter_context(
            _store(
                stack,
                backend,
                f"{name}-mx",
                node_name="mx",
                node_nation="MEX",
                partners=[PartnerConfig(name="us", nation="USA")],
            )
        )
        tokens = _accounts(store, ACCOUNTS)
        remote_token = _accounts(partner, {REMOTE: ACCOUNTS[READER]})[REMOTE]
        with transaction(store.sessions) as session:
            _account, partner_token = exchange.partner_account(
                session=session, settings=store.settings, name="mx"
            )
        server = stack.enter_context(LiveServer(store.settings))
        partner_server = stack.enter_context(LiveServer(partner.settings))
        world = Node(name, store, server, partner, partner_server, partner_token)
        for username, token in tokens.items():
            world.api[username] = stack.enter_context(_client(server, token))
        world.remote = stack.enter_context(_client(partner_server, remote_token))
        world.sign_in_page()
        stack.callback(lambda: world.page.close() if world.page else None)
        yield world


def _new_token(world: Node, username: str) -> tuple[str, int]:
    """A new bearer token of the account, as signing in to the API gives; its secret and id."""
    with transaction(world.store.sessions) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        secret, row = issue_token(
            session=session, settings=world.store.settings, user=user, scopes=("read", "write")
        )
        session.flush()
        return secret, row.id


def _client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
    )


def _accounts(
    store: Store, accounts: dict[str, tuple[str, list[str], list[str]]]
) -> dict[str, str]:
    """The accounts, groups and collections of a node; each account's bearer token."""
    tokens: dict[str, str] = {}
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(store.sessions) as session,
    ):
        for code in ("g-v", "g-h"):
            ensure_group(session=session, code=code, name_en=code, name_es=code)
        for username, (agency, groups, roles) in accounts.items():
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency=agency, groups=groups, roles=roles
                ),
                demo_password=True,
            )
            tokens[username], _row = issue_token(
                session=session,
                settings=store.settings,
                user=user,
                scopes=("read", "write"),
            )
        partner = store.settings.partners[0].name
        exchange.create_collection(
            session=session,
            settings=store.settings,
            alias="agreement",
            title_en="Mexico and the United States",
            title_es="México y Estados Unidos",
            partners=[partner],
        )
        exchange.create_collection(
            session=session,
            settings=store.settings,
            alias="tf-v",
            title_en="Task force V",
            title_es="Fuerza de tarea V",
            partners=[partner],
            groups=["g-v"],
        )
    return tokens


# --- what the generated items look like ------------------------------------------------------


@dataclass(frozen=True)
class Item:
    kind: str  # "report" or "import"
    marking: int  # index into VISIBLE or (modulo its length) HIDDEN
    slots: tuple[int, ...]
    names: tuple[int, ...]
    birth: int | None
    link: bool
    source: int
    word: int
    org: bool = False  # the item asserts ORG too
    phone: int | None = None  # index into PHONES: its people have that phone


items = st.builds(
    Item,
    kind=st.sampled_from(("report", "import")),
    marking=st.integers(min_value=0, max_value=len(VISIBLE) - 1),
    slots=st.lists(st.integers(0, len(SLOTS) - 1), min_size=1, max_size=2, unique=True).map(tuple),
    names=st.lists(st.integers(0, len(NAMES) - 1), min_size=2, max_size=2).map(tuple),
    birth=st.none() | st.integers(0, len(BIRTHS) - 1),
    link=st.booleans(),
    source=st.integers(0, len(SOURCES) - 1),
    word=st.integers(0, len(WORDS) - 1),
    org=st.booleans(),
    phone=st.none() | st.integers(0, len(PHONES) - 1),
)


def _entities(item: Item, *, hidden: bool) -> list[dict[str, Any]]:
    found = []
    slots = [SLOTS[s] for s in item.slots] + ([HIDDEN_ONLY] if hidden else [])
    for index, entity_id in enumerate(slots):
        properties: dict[str, list[str]] = {"name": [NAMES[item.names[index % 2]]]}
        if item.birth is not None:
            properties["birthDate"] = [BIRTHS[item.birth]]
        if item.phone is not None:
            properties["phone"] = [PHONES[item.phone]]
        found.append({"id": entity_id, "schema": "Person", "properties": properties})
    if item.link and len(slots) > 1:
        found.append(
            {
                "id": f"lnk-{'-'.join(slots[:2])}",
                "schema": "UnknownLink",
                "properties": {"subject": [slots[0]], "object": [slots[1]], "role": ["socio"]},
            }
        )
    if item.org:
        found.append(_organisation(topic=False))
    return found


def _organisation(*, topic: bool) -> dict[str, Any]:
    properties = {"name": [ORG_NAME]} | ({"topics": [CRIME_TOPIC]} if topic else {})
    return {"id": ORG, "schema": "Organization", "properties": properties}


def _import(
    world: Node, entities: list[dict[str, Any]], source: str, as_: tuple[str, dict[str, Any]]
) -> httpx.Response:
    author, markings = as_
    lines = "\n".join(json.dumps(e) for e in entities)
    return world.api[author].post(
        "/api/v1/entities/import",
        files={"file": ("items.jsonl", io.BytesIO(lines.encode()), "application/x-ndjson")},
        data={"source": source, "markings": json.dumps(markings)},
    )


def _report(item: Item, markings: dict[str, Any], *, hidden: bool) -> dict[str, Any]:
    word = WORDS[item.word]
    return {
        "title_en": f"Shipment {word} {NAMES[item.names[0]]}",
        "body_en": f"Seen with {NAMES[item.names[1]]} near {word}.",
        "reliability": "B",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "suspicion": "Payments tie the subjects to fentanyl trafficking.",
        "attest_no_protected_views": True,
        "review_by": (date.today() + timedelta(days=365)).isoformat(),
        "markings": markings,
        "entities": _entities(item, hidden=hidden),
    }


def _file(
    world: Node, item: Item, *, hidden: bool, as_: tuple[str, dict[str, Any]] | None = None
) -> httpx.Response:
    table = HIDDEN if hidden else VISIBLE
    author, markings = as_ or table[item.marking % len(table)]
    client = world.api[author]
    if item.kind == "report":
        answer = client.post("/api/v1/reports", json=_report(item, markings, hidden=hidden))
        if answer.status_code == 201:
            (world.hidden_reports if hidden else world.reports).append(answer.json()["id"])
        return answer
    return _import(world, _entities(item, hidden=hidden), SOURCES[item.source], (author, markings))


# --- what the reader can get ------------------------------------------------------------------


def _walk(client: httpx.Client, path: str, limit: int) -> list[httpx.Response]:
    pages: list[httpx.Response] = []
    cursor: str | None = None
    while len(pages) < 60:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        answer = client.get(path, params=params)
        pages.append(answer)
        if answer.status_code != 200:
            break
        cursor = answer.json().get("next_cursor")
        if not cursor:
            break
    return pages


def observe(world: Node) -> dict[str, Any]:
    """Everything the reader gets from its world, with made values replaced by placeholders."""
    marks = Placeholders()
    api = world.api[READER]
    out: dict[str, Any] = {}

    def note(label: str, answer: httpx.Response) -> httpx.Response:
        out[label] = seen(answer, marks)
        return answer

    for n, answer in enumerate(_walk(api, "/api/v1/reports", 1)):
        note(f"reports page {n}", answer)
    listed = api.get("/api/v1/reports", params={"limit": 200})
    note("reports", listed)
    report_ids = [r["id"] for r in listed.json()["items"]] if listed.status_code == 200 else []
    for n, report_id in enumerate(report_ids):
        note(f"report {n}", api.get(f"/api/v1/reports/{report_id}"))
    for n, answer in enumerate(_walk(api, "/api/v1/entities", 2)):
        note(f"entities page {n}", answer)
    for entity_id in [*SLOTS, HIDDEN_ONLY, "lnk-per-0-per-1", "per-missing"]:
        note(f"entity {entity_id}", api.get(f"/api/v1/entities/{entity_id}"))
    for term in ["Ana", "Perez", "fentanilo", "Nogales"]:
        note(f"search {term}", api.get("/api/v1/search", params={"q": term}))
    queue = note("queue", api.get("/api/v1/resolve/queue"))
    if queue.status_code == 200:
        for n, pair in enumerate(queue.json().get("items", [])):
            note(f"pair {n}", api.get(f"/api/v1/resolve/pairs/{pair['id']}"))
    for show in ("merged", "rejected"):
        note(f"queue {show}", api.get("/api/v1/resolve/queue", params={"show": show}))
    note(
        "match",
        api.post(
            "/api/v1/match",
            json={"entity": {"schema": "Person", "properties": {"name": [NAMES[0]]}}},
        ),
    )
    note("graph", api.get("/api/v1/network/graph"))
    note("ego", api.get(f"/api/v1/network/ego/{SLOTS[0]}"))
    note("due", api.get("/api/v1/retention/due"))
    _observe_notifications(api, marks, out)
    note("watch", api.get("/api/v1/watch"))
    _observe_taxii(api, note)
    _observe_pages(world, note, report_ids[:1])
    _observe_partner(world, note)
    return out


# A pair named in a notification's label ("pair 17", "par 17"): its number is a row id.
PAIR_LABEL = re.compile(r"\b(pair|par) (\d+)\b")


def _observe_notifications(api: httpx.Client, marks: Placeholders, out: dict[str, Any]) -> None:
    """The reader's notifications. A pair's id is a made value wherever it shows; the
    notifications' own numbers are the reader's (1, 2, 3 …) and compared as they are: a gap
    would tell of a notification the reader may not see."""
    answer = api.get("/api/v1/notifications")
    if answer.status_code == 200:
        body = answer.json()
        for n in body.get("items", []):
            if n.get("item_kind") == "pair":
                n["item_id"] = marks("P", n["item_id"])
                n["label"] = PAIR_LABEL.sub(lambda m: f"{m[1]} {marks('P', m[2])}", n["label"])
        out["notification numbers"] = [n["id"] for n in body.get("items", [])]
        out["notifications"] = {"status": 200, "body": marks.json(body)}
    else:
        out["notifications"] = seen(answer, marks)


def _observe_partner(world: Node, note: Any) -> None:
    """What crossed: the same reader's rights on the Mexican node."""
    remote = world.remote
    assert remote is not None
    for n, answer in enumerate(_walk(remote, "/api/v1/reports", 2)):
        note(f"mx node reports page {n}", answer)
    listed = remote.get("/api/v1/reports", params={"limit": 200})
    ids = [r["id"] for r in listed.json()["items"]] if listed.status_code == 200 else []
    for n, report_id in enumerate(ids):
        note(f"mx node report {n}", remote.get(f"/api/v1/reports/{report_id}"))
    for n, answer in enumerate(_walk(remote, "/api/v1/entities", 3)):
        note(f"mx node entities page {n}", answer)
    for entity_id in [*SLOTS, HIDDEN_ONLY]:
        note(f"mx node entity {entity_id}", remote.get(f"/api/v1/entities/{entity_id}"))
    note("mx node search", remote.get("/api/v1/search", params={"q": "Ana"}))


def _observe_taxii(api: httpx.Client, note: Any) -> None:
    collections = note("collections", api.get(f"{TAXII}/collections/"))
    found = collections.json().get("collections", []) if collections.status_code == 200 else []
    for collection in sorted(found, key=lambda c: c.get("title", "")):
        base = f"{TAXII}/collections/{collection['id']}"
        title = collection.get("title", "")
        objects = note(
            f"taxii {title} objects",
            api.get(f"{base}/objects/", params={"match[version]": "all"}),
        )
        note(f"taxii {title} manifest", api.get(f"{base}/manifest/"))
        listed = objects.json().get("objects", []) if objects.status_code == 200 else []
        for n, obj in enumerate(sorted(listed, key=lambda o: str(o.get("type")))[:6]):
            note(f"taxii {title} versions {n}", api.get(f"{base}/objects/{obj['id']}/versions/"))


def _observe_pages(world: Node, note: Any, report_ids: list[str]) -> None:
    page = world.page
    assert page is not None
    home = page.get("/")
    if home.status_code in (302, 303, 307) or "/login" in str(home.url):
        page = world.sign_in_page()
        home = page.get("/")
    note("page home", home)
    for entity_id in [SLOTS[0], SLOTS[2], HIDDEN_ONLY]:
        note(f"page entity {entity_id}", page.get(f"/entities/{entity_id}"))
    note("page search", page.get("/search", params={"q": "Ana"}))
    note("page resolve", page.get("/resolve"))
    note("page notifications", _pair_labels(page.get("/notifications")))
    note("page watch", page.get("/watch"))
    note("page translations", page.get("/translations"))
    for report_id in report_ids:
        note("page report", page.get(f"/reports/{report_id}"))
        note("page report translation", page.get(f"/reports/{report_id}/translation"))


def _pair_labels(answer: httpx.Response) -> httpx.Response:
    """The page with its pairs' labels written as their links are ("pair /pairs/17"), so
    that their numbers are compared as the made values they are."""
    text = PAIR_LABEL.sub(lambda m: f"{m[1]} /pairs/{m[2]}", answer.text)
    headers = [
        (k, v) for k, v in answer.headers.items() if k not in ("content-length", "content-encoding")
    ]
    return httpx.Response(answer.status_code, headers=headers, text=text)


def first_difference(low: dict[str, Any], high: dict[str, Any]) -> str | None:
    for label in list(low) + [k for k in high if k not in low]:
        if low.get(label) != high.get(label):
            return f"{label}:{_difference(low.get(label), high.get(label))}"
    return None


# How much of two differing answers a failure shows (VINCULO_FULL_DIFF=1: all of them).
SHOWN = 10**9 if os.environ.get("VINCULO_FULL_DIFF") == "1" else 1500


def _difference(low: Any, high: Any) -> str:
    """Two answers as a failure shows them: from a little before where they part, so that a
    page's difference is not cut off by its first 1,500 characters of header."""
    a, b = json.dumps(low, ensure_ascii=False), json.dumps(high, ensure_ascii=False)
    same = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    start = 0 if max(len(a), len(b)) <= SHOWN else max(0, same - 300)
    where = f" (from character {start})" if start else ""
    return f"{where}\n  low:  {a[start : start + SHOWN]}\n  high: {b[start : start + SHOWN]}"


# --- the machine ---------------------------------------------------------------------------------


class Interference(AssertionError):
    pass


def _answer(answer: httpx.Response | dict[str, Any]) -> Any:
    if isinstance(answer, httpx.Response):
        return seen(answer, Placeholders())
    return Placeholders().json(answer)


class TwoWorlds(RuleBasedStateMachine):
    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.low = self.stack.enter_context(node("low", self.backend))
        self.high = self.stack.enter_context(node("high", self.backend))
        self.steps: list[str] = []
        self.filed: dict[bool, list[Item]] = {False: [], True: []}  # by hidden
        self.crossed = False  # whether a hidden item went to the Mexican node
        self.watched: list[tuple[str, str]] = []  # what the reader asked to watch

    def teardown(self) -> None:
        self.stack.close()

    def both(self, what: str, act: Any) -> None:
        """Do one action in both worlds; its answers must be alike too."""
        self.steps.append(what)
        answers = [_answer(act(world)) for world in (self.low, self.high)]
        if answers[0] != answers[1]:
            raise Interference(
                f"after {self.steps}: the answer to {what} differs"
                f"{_difference(answers[0], answers[1])}"
            )

    def hidden(self, what: str, act: Any) -> None:
        self.steps.append(f"hidden: {what}")
        act(self.high)

    # visible actions: in both worlds

    @rule(item=items)
    def file_visible(self, item: Item) -> None:
        self.filed[False].append(item)
        self.both(f"file {item}", lambda w: _file(w, item, hidden=False))

    @precondition(lambda self: self.filed[True])
    @rule(index=st.integers(0, 20), marking=st.integers(0, len(VISIBLE) - 1))
    def file_visible_like_hidden(self, index: int, marking: int) -> None:
        """The same facts as a hidden item, from the same source, under visible markings."""
        item = replace(self.filed[True][index % len(self.filed[True])], marking=marking)
        self.file_visible(item)

    @rule(index=st.integers(0, 20))
    def purge_visible(self, index: int) -> None:
        def purge(world: Node) -> httpx.Response:
            if not world.reports:
                return world.api["mx.super"].delete(
                    "/api/v1/reports/0000000000000000", params={"reason": "test"}
                )
            report_id = world.reports.pop(index % len(world.reports))
            return world.api["mx.super"].delete(
                f"/api/v1/reports/{report_id}", params={"reason": "no longer needed"}
            )

        self.both(f"purge visible {index}", purge)

    @rule()
    def resolve_as_reader(self) -> None:
        self.both(
            "resolution run by the reader", lambda w: w.api[READER].post("/api/v1/resolve/run")
        )

    @rule(index=st.integers(0, 5), judgement=st.sampled_from(("match", "no_match")))
    def decide_as_reader(self, index: int, judgement: str) -> None:
        def decide(world: Node) -> httpx.Response:
            api = world.api[READER]
            queue = api.get("/api/v1/resolve/queue")
            pairs = queue.json().get("items", []) if queue.status_code == 200 else []
            if not pairs:
                return queue
            pair = pairs[index % len(pairs)]
            return api.post(
                f"/api/v1/resolve/pairs/{pair['id']}/decision",
                json={"judgement": judgement, "reason": "seen both records"},
            )

        self.both(f"reader decides pair {index}: {judgement}", decide)

    @rule(slot=st.integers(0, len(SLOTS) - 1))
    def split_as_reader(self, slot: int) -> None:
        self.both(
            f"reader splits {SLOTS[slot]}",
            lambda w: w.api[READER].post(
                f"/api/v1/resolve/entities/{SLOTS[slot]}/split", json={"reason": "two people"}
            ),
        )

    @rule(member=st.booleans())
    def reader_groups(self, member: bool) -> None:
        def change(world: Node) -> httpx.Response:
            with transaction(world.store.sessions) as session:
                user = session.execute(select(User).where(User.username == READER)).scalar_one()
                group = session.get(Group, "g-v")
                user.groups = [group] if member and group is not None else []
            return world.api[READER].get("/api/v1/me")

        self.both(f"reader {'joins' if member else 'leaves'} g-v", change)

    @rule()
    def sync(self) -> None:
        if not self.crossed:
            self.both("the Mexican node pulls", lambda w: w.sync())
            return
        # The pull's tally counts what the Mexican node received, hidden items that cross
        # included: the node's business, not the reader's; what the reader then sees there is
        # compared after the step.
        self.both("the Mexican node pulls", lambda w: w.sync() and None)

    @rule(index=st.integers(0, 5), approve=st.booleans())
    def release(self, index: int, approve: bool) -> None:
        """The FGR supervisor decides a request to release its ORCON items to the partner."""

        def decide(world: Node) -> httpx.Response:
            world.publish()
            api = world.api["mx.super"]
            queue = api.get("/api/v1/exchange/releases")
            pending = queue.json().get("items", []) if queue.status_code == 200 else []
            if not pending:
                return queue
            request = pending[index % len(pending)]
            return api.post(
                f"/api/v1/exchange/releases/{request['id']}",
                json={"approve": approve, "reason": "cleared by the originator"},
            )

        self.both(f"release {index}: {approve}", decide)

    @rule(locked=st.booleans())
    def reader_lock(self, locked: bool) -> None:
        def change(world: Node) -> httpx.Response:
            with transaction(world.store.sessions) as session:
                if locked:
                    user = session.execute(select(User).where(User.username == READER)).scalar_one()
                    user.locked_at = user.locked_at or utcnow()
                else:
                    unlock(session=session, username=READER)
            return world.api[READER].get("/api/v1/me")

        self.both(f"reader {'locked' if locked else 'unlocked'}", change)

    @rule()
    def reader_revokes_its_token(self) -> None:
        """The reader takes a new token and revokes the one it reads with: the old one is
        refused at once, the new one reads on (or is suspended alike while it is locked)."""

        def revoke(world: Node) -> dict[str, Any]:
            secret, token_id = _new_token(world, READER)
            old = world.api[READER]
            marks = Placeholders()
            listed = old.get("/api/v1/auth/tokens")
            live = listed.json() if listed.status_code == 200 else []
            revoked = [
                seen(old.delete(f"/api/v1/auth/tokens/{t['id']}"), marks)
                for t in live
                if t["revoked_at"] is None and t["id"] != token_id
            ]
            answer = {
                "listed": seen(listed, marks),
                "revoked": revoked,
                "old": seen(old.get("/api/v1/me"), marks),
            }
            old.close()
            world.api[READER] = self.stack.enter_context(_client(world.server, secret))
            answer["new"] = seen(world.api[READER].get("/api/v1/me"), marks)
            return answer

        self.both("the reader revokes its token", revoke)

    @rule(watch=st.sampled_from(WATCHES))
    def reader_watches(self, watch: tuple[str, str]) -> None:
        kind, value = watch
        self.watched.append(watch)
        self.both(
            f"the reader watches {kind} {value}",
            lambda w: w.api[READER].post("/api/v1/watch", json={"kind": kind, "value": value}),
        )

    @rule(index=st.integers(0, 20))
    def reader_unwatches(self, index: int) -> None:
        def unwatch(world: Node) -> dict[str, Any]:
            api = world.api[READER]
            listed = api.get("/api/v1/watch")
            watches = listed.json().get("items", []) if listed.status_code == 200 else []
            key = watches[index % len(watches)]["id"] if watches else "name-0000000000000000"
            marks = Placeholders()
            return {
                "listed": seen(listed, marks),
                "removed": seen(api.delete(f"/api/v1/watch/{key}"), marks),
            }

        self.both(f"the reader stops watching {index}", unwatch)

    @rule(number=st.none() | st.integers(1, 6))
    def reader_reads_notifications(self, number: int | None) -> None:
        """By the numbers lists show, or all: a number counts only the reader's own."""
        ids = None if number is None else [number]
        self.both(
            f"the reader marks notification {number or 'all'} read",
            lambda w: w.api[READER].post("/api/v1/notifications/read", json={"ids": ids}),
        )

    @rule(index=st.integers(0, 5))
    def pair_assigned_to_reader(self, index: int) -> None:
        """The FGR supervisor (who sees nothing hidden) runs resolution and asks the reader
        to review one of its pairs: the reader gets the two records scored on their view."""

        def assign(world: Node) -> httpx.Response | list[Any]:
            supervisor = world.api["mx.super"]
            supervisor.post("/api/v1/resolve/run")
            pairs = _pairs(supervisor)
            if not pairs:
                return pairs
            pair = pairs[index % len(pairs)]
            return supervisor.post(
                f"/api/v1/resolve/pairs/{pair['id']}/assign", json={"username": READER}
            )

        self.both(f"the reader is assigned pair {index}", assign)

    @rule(index=st.integers(0, 20))
    def reader_translates(self, index: int) -> None:
        def translate(world: Node) -> httpx.Response:
            report_id = world.reports[index % len(world.reports)] if world.reports else "0" * 16
            return world.api[READER].post(
                f"/api/v1/reports/{report_id}/translation",
                json={"title": "Cargamento", "summary": "Un cargamento visto cerca de Nogales."},
            )

        self.both(f"the reader translates report {index}", translate)

    @rule()
    def reader_comes_back(self) -> None:
        """The reader comes back to the home after a break: its visit ends (it began longer
        ago than a visit lasts), so what is new is counted from the visit before."""

        def back(world: Node) -> httpx.Response:
            with transaction(world.store.sessions) as session:
                user = session.execute(select(User).where(User.username == READER)).scalar_one()
                state = session.get(NotifyState, user.id)
                if state is not None and state.visit_at is not None:
                    state.visit_at -= VISIT_GAP + timedelta(minutes=1)
            page = world.page
            assert page is not None
            return page.get("/")

        self.both("the reader comes back after a break", back)

    # hidden actions: in `high` only

    @rule(item=items)
    def file_hidden(self, item: Item) -> None:
        self.filed[True].append(item)
        self.hidden(f"file {item}", lambda w: _file(w, item, hidden=True))

    @rule(item=items)
    def file_hidden_crossing(self, item: Item) -> None:
        """An item the reader may not see that crosses to the Mexican node."""
        self.filed[True].append(item)
        self.crossed = True
        self.hidden(
            f"file crossing {item}", lambda w: _file(w, item, hidden=True, as_=CROSSING_HIDDEN)
        )

    @rule(source=st.integers(0, len(SOURCES) - 1))
    def file_hidden_crime_topic(self, source: int) -> None:
        """A crime topic the reader may not see, crossing to the Mexican node, on the
        organisation visible reports assert: it makes the organisation a `threat-actor` for
        the partner, and must change no reference in a report the reader reads."""
        self.crossed = True
        self.hidden(
            f"file crossing crime topic on {ORG} from {SOURCES[source]}",
            lambda w: _import(w, [_organisation(topic=True)], SOURCES[source], CROSSING_HIDDEN),
        )

    @rule()
    def revoke_hidden_token(self) -> None:
        """A U.S. analyst takes a token and revokes it."""

        def revoke(world: Node) -> None:
            secret, token_id = _new_token(world, "us.analyst")
            with _client(world.server, secret) as client:
                assert client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 200

        self.hidden("a U.S. analyst revokes a token", revoke)

    @precondition(lambda self: self.filed[False])
    @rule(index=st.integers(0, 20), marking=st.integers(0, len(HIDDEN) - 1))
    def file_hidden_like_visible(self, index: int, marking: int) -> None:
        """The same facts as a visible item, from the same source, under hidden markings."""
        item = replace(self.filed[False][index % len(self.filed[False])], marking=marking)
        self.file_hidden(item)

    @rule(index=st.integers(0, 20))
    def purge_hidden(self, index: int) -> None:
        def purge(world: Node) -> None:
            if world.hidden_reports:
                report_id = world.hidden_reports.pop(index % len(world.hidden_reports))
                world.api["us.super"].delete(
                    f"/api/v1/reports/{report_id}", params={"reason": "no longer needed"}
                )

        self.hidden(f"purge {index}", purge)

    @rule()
    def resolve_as_us(self) -> None:
        """A U.S. analyst runs resolution, in both worlds: its pairs are the analyst's own
        (resolve/models.py), so nothing of them may reach the reader; the run's counts are
        only the U.S. analyst's to see (not compared)."""
        self.steps.append("resolution run by a U.S. analyst")
        for world in (self.low, self.high):
            world.api["us.analyst"].post("/api/v1/resolve/run")

    @rule(index=st.integers(0, 5), judgement=st.sampled_from(("match", "no_match")))
    def decide_as_us(self, index: int, judgement: str) -> None:
        def decide(world: Node) -> None:
            api = world.api["us.analyst"]
            reader = world.api[READER]
            queue = api.get("/api/v1/resolve/queue")
            pairs = queue.json().get("items", []) if queue.status_code == 200 else []
            # Only a pair the reader cannot see: a decision on one it sees is not hidden.
            pairs = [
                p
                for p in pairs
                if reader.get(f"/api/v1/resolve/pairs/{p['id']}").status_code == 404
            ]
            if pairs:
                pair = pairs[index % len(pairs)]
                api.post(
                    f"/api/v1/resolve/pairs/{pair['id']}/decision",
                    json={"judgement": judgement, "reason": "seen both records"},
                )

        self.hidden(f"decision {index}: {judgement}", decide)

    @precondition(lambda self: self.watched)
    @rule(index=st.integers(0, 20), item=items, marking=st.integers(0, 20))
    def file_hidden_watched(self, index: int, item: Item, marking: int) -> None:
        """A report the reader may not see that names what it watches: a watchlist scan that
        read it would show as a notification, an unread count or a gap in their numbers."""
        kind, value = self.watched[index % len(self.watched)]
        if kind == "entity":
            item = replace(item, slots=(SLOTS.index(value),) if value in SLOTS else item.slots)
        elif kind == "name":
            item = replace(item, names=(NAMES.index(value),) * 2)
        elif kind == "phone":
            item = replace(item, phone=0 if value.startswith("(55)") else PHONES.index(value))
        else:
            item = replace(item, word=WORDS.index(value.split()[-1]))
        item = replace(item, kind="report")
        as_ = (HIDDEN + SHARED_HIDDEN)[marking % (len(HIDDEN) + len(SHARED_HIDDEN))]
        self.filed[True].append(item)

        def file(world: Node) -> None:
            assert _file(world, item, hidden=True, as_=as_).status_code == 201

        self.hidden(f"file watched {kind} {value} as {as_}: {item}", file)

    @rule(share=st.integers(0, len(SHARED_HIDDEN) - 1), item=items)
    def share_hidden(self, share: int, item: Item) -> None:
        """A report shared with others than the reader: a group, an agency, a RED recipient."""
        item = replace(item, kind="report")
        self.filed[True].append(item)

        def file(world: Node) -> None:
            assert _file(world, item, hidden=True, as_=SHARED_HIDDEN[share]).status_code == 201

        self.hidden(f"share {item} as {SHARED_HIDDEN[share]}", file)

    @rule(index=st.integers(0, 5), to=st.sampled_from((READER, "us.super")))
    def assign_hidden_pair(self, index: int, to: str) -> None:
        """A U.S. analyst asks someone (the reader too) to review a pair of two records one of
        which the reader may not see: the answer is the same, and the reader gets nothing."""

        def assign(world: Node) -> None:
            api, reader = world.api["us.analyst"], world.api[READER]
            pairs = [
                p
                for p in _pairs(api)
                if any(
                    reader.get(f"/api/v1/entities/{p[side]}").status_code == 404
                    for side in ("left_id", "right_id")
                )
            ]
            if pairs:
                pair = pairs[index % len(pairs)]
                answer = api.post(
                    f"/api/v1/resolve/pairs/{pair['id']}/assign", json={"username": to}
                )
                assert answer.status_code == 200, answer.text

        self.hidden(f"assign hidden pair {index} to {to}", assign)

    @rule(index=st.integers(0, 20))
    def translate_hidden(self, index: int) -> None:
        """A U.S. supervisor translates a report the reader may not see."""

        def translate(world: Node) -> None:
            if world.hidden_reports:
                report_id = world.hidden_reports[index % len(world.hidden_reports)]
                world.api["us.super"].post(
                    f"/api/v1/reports/{report_id}/translation",
                    json={"title": "Cargamento", "summary": "Un cargamento visto en Sonora."},
                )

        self.hidden(f"translate hidden {index}", translate)

    @invariant()
    def the_reader_sees_the_same(self) -> None:
        for world in (self.low, self.high):
            world.publish()
        difference = first_difference(observe(self.low), observe(self.high))
        if difference:
            raise Interference(f"after {self.steps}: {difference}")


def _pairs(client: httpx.Client) -> list[dict[str, Any]]:
    """The pairs the account sees waiting for review, then those merged."""
    found = []
    for show in ("queue", "merged"):
        answer = client.get("/api/v1/resolve/queue", params={"show": show, "limit": 200})
        found += answer.json().get("items", []) if answer.status_code == 200 else []
    return found


def _machine(backend: str) -> type[TwoWorlds]:
    return type(f"TwoWorlds_{backend}", (TwoWorlds,), {"backend": backend})


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_nothing_hidden_changes_what_the_reader_sees(backend: str) -> None:
    run_state_machine_as_test(
        _machine(backend),
        settings=settings(
            max_examples=100 if SOAK else 4,
            stateful_step_count=20 if SOAK else 10,
            deadline=None,
            derandomize=not SOAK,
            suppress_health_check=list(HealthCheck),
            database=None,
            # A soak reports the sequence it failed on (every step is in the message) rather
            # than spend its hour shrinking it: each step costs a second or two.
            phases=(Phase.explicit, Phase.generate)
            if SOAK or os.environ.get("NOSHRINK")
            else tuple(Phase),
        ),
    )


@pytest.mark.slow
def test_a_hidden_statement_that_crosses_changes_no_persons_taxii_view() -> None:
    machine = _machine(BACKENDS[0])()
    try:
        item = Item("report", 1, (0, 2), (2, 3), 1, True, 0, 2)
        machine.hidden("file crossing", lambda w: _file(w, item, hidden=True, as_=CROSSING_HIDDEN))
        machine.file_visible(item)
        machine.the_reader_sees_the_same()
    finally:
        machine.teardown()


@pytest.mark.slow
def test_a_hidden_crime_topic_that_crosses_changes_no_reference_in_a_persons_report() -> None:
    """A report names the organisation it asserts by STIX type. A crime topic the reader may
    not see, which crosses to the partner, makes it a `threat-actor` in what the partner is
    served; the reader's report names what the reader may read of it, until a crime topic
    they may read makes it a threat actor for them too."""
    machine = _machine(BACKENDS[0])()
    try:
        machine.file_hidden_crime_topic(0)
        machine.file_visible(Item("report", 0, (0,), (0, 1), None, False, 0, 0, org=True))
        machine.the_reader_sees_the_same()
        partner = httpx.Client(
            base_url=machine.high.server.url,
            timeout=60,
            headers={"Authorization": f"Bearer {machine.high.partner_token}"},
        )
        with partner:
            refs = _report_refs(partner)
        assert refs == [["threat-actor", "identity"]], refs
        assert _report_refs(machine.high.api[READER]) == [["identity", "identity"]]
        machine.both(
            "file a crime topic the reader may read",
            lambda w: _import(w, [_organisation(topic=True)], SOURCES[0], VISIBLE[0]),
        )
        machine.the_reader_sees_the_same()
        refs = _report_refs(machine.high.api[READER])
        assert refs == [["threat-actor", "identity"]], refs
    finally:
        machine.teardown()


@pytest.mark.slow
def test_revoking_tokens_changes_nothing_but_the_revoked_token() -> None:
    """The reader revokes the token it reads with, a U.S. analyst one of its own; the reader
    reads on with its new token, and the old one is refused, in both worlds alike."""
    machine = _machine(BACKENDS[0])()
    try:
        machine.file_visible(Item("report", 0, (0,), (0, 1), None, False, 0, 0))
        machine.revoke_hidden_token()
        machine.reader_revokes_its_token()
        machine.the_reader_sees_the_same()
        machine.reader_lock(True)
        machine.reader_revokes_its_token()
        machine.reader_lock(False)
        machine.the_reader_sees_the_same()
        assert machine.high.api[READER].get("/api/v1/reports").status_code == 200
    finally:
        machine.teardown()


def _report_refs(client: httpx.Client) -> list[list[str]]:
    """The types each report of the agreement's collection names its entities by, sorted."""
    listed = client.get(f"{TAXII}/collections/").json()["collections"]
    collection = next(c["id"] for c in listed if c["title"] == "Mexico and the United States")
    objects = client.get(f"{TAXII}/collections/{collection}/objects/").json()["objects"]
    return [
        sorted((ref.partition("--")[0] for ref in o["object_refs"]), reverse=True)
        for o in objects
        if o["type"] == "report"
    ]


def test_placeholders_number_made_values_in_order_of_first_appearance() -> None:
    marks = Placeholders()
    text = marks.text(
        "report 0123456789abcdef at 2026-12-02T10:00:00Z, again 0123456789abcdef, "
        "then fedcba9876543210 /resolve/pairs/17?cursor=djE6MTA"
    )
    assert text == (
        "report <H0> at <T0>, again <H0>, then <H1> /resolve/pairs/<P0>?cursor=cursor(v1:10)"
    )
    assert marks.json({"id": 5, "items": [{"id": 7}, {"id": 5}], "count": 5}) == {
        "id": "<K0>",
        "items": [{"id": "<K1>"}, {"id": "<K0>"}],
        "count": 5,
    }


# A sequence the soak found (SQLite). A visible import asserted the organisation's statements
# again (step 11), which only moved their `last_seen`: the publisher, finding new statements by
# their rows' positions, did not see it, until the hidden crime topic (the last step) made it
# build the organisation again, and the reader's part of it with the newer `last_seen` — one
# more version than a world without the topic. Entities asserted again now go to the
# publisher's change feed (intel.reseen).
SOAK_FINDING: list[tuple[str, dict[str, Any]]] = [
    ("sync", {}),
    ("file_hidden", {"item": Item("report", 2, (0,), (1, 0), 0, True, 0, 2, False)}),
    ("sync", {}),
    ("file_hidden", {"item": Item("report", 3, (1, 0), (3, 2), 1, False, 1, 2, False)}),
    ("file_hidden_crime_topic", {"source": 1}),
    ("purge_hidden", {"index": 13}),
    ("revoke_hidden_token", {}),
    ("file_visible", {"item": Item("import", 5, (0,), (0, 1), 0, True, 0, 2, True)}),
    ("revoke_hidden_token", {}),
    ("resolve_as_reader", {}),
    ("file_hidden", {"item": Item("report", 5, (0,), (2, 1), 2, False, 1, 1, False)}),
    ("file_visible", {"item": Item("import", 5, (2, 3), (3, 2), None, False, 0, 0, True)}),
    ("file_visible_like_hidden", {"index": 15, "marking": 3}),
    ("reader_revokes_its_token", {}),
    ("file_hidden_crime_topic", {"source": 0}),
]


@pytest.mark.slow
def test_a_hidden_crime_topic_after_a_visible_reassertion_gives_a_person_no_new_version() -> None:
    machine = _machine("sqlite")()
    try:
        for rule, arguments in SOAK_FINDING:
            getattr(machine, rule)(**arguments)
            machine.the_reader_sees_the_same()
    finally:
        machine.teardown()


# A sequence found by review and replayed here (SQLite): the reader watches a name; a hidden
# report is filed and the reader's scan and visit of the home pass it; it is purged, and
# SQLite numbers the next report, a visible one naming the watched name, as the purged one
# was, so the scan passed over it and it was not new since the last visit, in the world that
# had the hidden report only. A purge now keeps every account's places within what is left.
PLACES_FINDING: list[tuple[str, dict[str, Any]]] = [
    ("reader_watches", {"watch": ("name", NAMES[2])}),
    ("file_visible", {"item": Item("report", 0, (0,), (0, 1), None, False, 0, 0)}),
    ("file_hidden", {"item": Item("report", 0, (1,), (0, 1), None, False, 0, 1)}),
    ("reader_comes_back", {}),
    ("purge_hidden", {"index": 0}),
    ("file_visible", {"item": Item("report", 0, (2,), (2, 2), None, False, 0, 2)}),
    ("reader_comes_back", {}),
]


@pytest.mark.slow
def test_a_purged_hidden_report_hides_no_watch_hit_nor_new_report() -> None:
    machine = _machine("sqlite")()
    try:
        for rule, arguments in PLACES_FINDING:
            getattr(machine, rule)(**arguments)
            machine.the_reader_sees_the_same()
        home = machine.high.page.get("/").text if machine.high.page else ""
        assert re.search(r'data-queue="new">\s*<a[^>]*><span class="queue-count">1<', home)
        numbers = observe(machine.high)["notification numbers"]
        assert numbers == [1], numbers
    finally:
        machine.teardown()


# Findings of the soak (2026-12-03), both closed: each was an xfail until its leak was closed.
# See docs/security.md, "Found by probing as an attacker".


@pytest.mark.slow
def test_a_statement_a_us_analyst_sees_does_not_decide_whether_the_reader_sees_their_merge() -> (
    None
):
    """Two visible records of one name; a statement on one of them that a U.S. analyst sees
    and the reader does not. The analyst's resolution run merged them on the analyst's view
    of the pair: the same as the reader's without the statement, so the reader saw the
    merge while pairs were shared by view; wider with it, so the reader did not. A pair is
    now its account's own (resolve/models.py)."""
    machine = _machine(BACKENDS[0])()
    try:
        machine.file_visible(Item("import", 0, (0, 1), (2, 2), None, False, 0, 0))
        machine.file_hidden(Item("import", 0, (0,), (2, 2), None, False, 1, 0))
        machine.resolve_as_us()
        machine.the_reader_sees_the_same()
    finally:
        machine.teardown()


@pytest.mark.slow
def test_a_hidden_crime_topic_that_crosses_does_not_reorder_the_partners_entities() -> None:
    """A visible report on a person and an organisation, then a crime topic on the
    organisation that crosses to the Mexican node and the reader may not see there: it makes
    the organisation a `threat-actor`. The U.S. node revoked the `identity` object with its
    earlier versions, and the Mexican node stored the organisation after the person; its
    reports list their entities, and its entity list orders them, by the order stored. The
    old object's versions now stay, the new object comes before the revocation, and the
    partner keeps the entity where it first came (exchange/writer.py, exchange/ingest.py;
    tests/exchange/test_received_order.py replays it with the publish forced between)."""
    machine = _machine(BACKENDS[0])()
    try:
        machine.file_visible(Item("report", 5, (2,), (2, 2), None, True, 0, 1, True))
        machine.file_hidden_crime_topic(source=1)
        machine.sync()
        machine.the_reader_sees_the_same()
    finally:
        machine.teardown()
