"""Nodes for the exchange tests: a store configured as a national node, with partners, and a
node served by its own `vinculo serve` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import requests
import stix2
from followthemoney import model
from taxii2client.v21 import Server

from vinculo.db import transaction
from vinculo.exchange import partners
from vinculo.exchange import publish as publishing
from vinculo.exchange.stix import StatementIn
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.security.markings import Actor, Markings
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group
from vinculo.settings import PartnerConfig

from conftest import LiveServer, Store, free_port, loopback_client, make_store
from placeholders import Placeholders
from worlds import World, cheap_demo_hash


class BearerAuth(requests.auth.AuthBase):
    """taxii2-client speaks `requests`: a bearer token goes in through its `auth` hook."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@contextmanager
def node_store(
    backend: str,
    directory: Path,
    *,
    name: str,
    nation: str,
    partners: list[PartnerConfig],
    **overrides: object,
) -> Iterator[Store]:
    stores = make_store(
        backend,
        directory,
        demo=True,
        node_name=name,
        node_nation=nation,
        partners=partners,
        **overrides,
    )
    store = next(stores)
    try:
        yield store
    finally:
        stores.close()


def accounts(store: Store, specs: Iterable[Sequence[Any]]) -> dict[str, Actor]:
    """Accounts on `store`, each (user name, agency, roles[, need-to-know groups]), the groups
    made as needed; each account's actor. Their demo password is hashed at argon2's smallest
    cost (signing in still checks it)."""
    found = {}
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(store.sessions) as session,
    ):
        for username, agency, roles, *rest in specs:
            groups = list(rest[0]) if rest else []
            for code in groups:
                ensure_group(session=session, code=code, name_en=code, name_es=code)
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username,
                    password="demo",
                    agency=agency,
                    roles=list(roles),
                    groups=groups,
                ),
                demo_password=True,
            )
            found[username] = actor_for(user)
    return found


def fbi_agent_and_supervisor(store: Store) -> tuple[Actor, Actor]:
    """An FBI analyst who files and a supervisor who may purge, on `store`."""
    found = accounts(
        store,
        [
            ("fbi.agent1", "FBI", ["analyst"]),
            ("fbi.supervisor", "FBI", ["supervisor", "analyst"]),
        ],
    )
    return found["fbi.agent1"], found["fbi.supervisor"]


def bilateral(store: Store, partner: str = "mx", groups: tuple[str, ...] = ()) -> str:
    """A collection for the agreement (or a task force) with one partner; its id."""
    with transaction(store.sessions) as session:
        collection = partners.create_collection(
            session=session,
            settings=store.settings,
            alias=f"{partner}-{'-'.join(groups) or 'agreement'}",
            title_en="U.S.–Mexico agreement" if not groups else f"Task force {groups}",
            title_es="Acuerdo México–Estados Unidos" if not groups else f"Fuerza {groups}",
            partners=[partner],
            groups=list(groups),
            can_write=True,
        )
        return collection.id


def file_report(
    store: Store,
    actor: Actor,
    title: str,
    *,
    rel_to: tuple[str, ...] = ("USA", "MEX"),
    tlp: str = "GREEN",
    orcon: bool = False,
    shared_with: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    entity_id: str = "per-0001",
    properties: dict[str, list[str]] | None = None,
    title_es: str = "",
    schema: str = "Person",
) -> str:
    """File a report through the service, as the API does; its id."""
    with transaction(store.sessions) as session:
        report = create_report(
            session=session,
            actor=actor,
            report_in=ReportCreate(
                title_en=title,
                title_es=title_es,
                body_en=f"{title}. Observed by the field team.",
                body_es=f"{title_es}. Observado por el equipo de campo." if title_es else "",
                reliability="B",
                credibility=2,
                predicate="drug_trafficking",
                suspicion="Subjects are linked to fentanyl trafficking by payments.",
                attest_no_protected_views=True,
                review_by=date(2027, 6, 1),
                markings=MarkingsIn(
                    tlp=tlp,
                    rel_to=list(rel_to),
                    orcon=orcon,
                    shared_with=list(shared_with),
                    groups=list(groups),
                ),
                entities=[
                    EntityIn(
                        id=entity_id,
                        schema=schema,
                        properties=properties or {"name": [f"Subject of {title}"]},
                    )
                ],
            ),
        )
        return report.id


def bilingual_report(world: World, author: str = "dea.agent1") -> str:
    """A report in English and Spanish naming one person; its id."""
    return file_report(
        world.store,
        world.actors[author],
        "Joint surveillance of a Nogales warehouse",
        title_es="Vigilancia conjunta de una bodega en Nogales",
        entity_id="per-nogales",
        properties={"name": ["Rosa Ibarra Leal"]},
    )


def publish(store: Store) -> int:
    with transaction(store.sessions) as session:
        return publishing.publish(session=session, settings=store.settings)


def partner_token(store: Store, partner: str = "mx") -> str:
    with transaction(store.sessions) as session:
        _name, token = partners.partner_account(
            session=session, settings=store.settings, name=partner
        )
        return token


def all_objects(url: str, token: str, collection_id: str, **filters: Any) -> list[dict[str, Any]]:
    """Every object of a collection, paged through by the official client."""
    from taxii2client.v21 import as_pages

    server = Server(f"{url}/taxii2/", auth=BearerAuth(token))
    root = server.api_roots[0]
    collection = next(c for c in root.collections if c.id == collection_id)
    found: list[dict[str, Any]] = []
    for envelope in as_pages(collection.get_objects, per_request=7, **filters):
        found.extend(envelope.get("objects", []))
    return found


def taxii_answers(store: Store, collection: str, username: str = "mx.analyst") -> list[str]:
    """What a person is told of a collection, in order — every version, the newest and the
    oldest, the manifest, each object and its versions, what came after each point — with
    made values (ids, times, hashes) numbered in order of appearance."""
    base = f"/taxii2/vinculo/collections/{collection}"
    told: list[Any] = []
    with (
        LiveServer(store.settings) as server,
        httpx.Client(base_url=server.url, auth=(username, "demo"), timeout=30) as api,
    ):
        every = api.get(f"{base}/objects/", params={"match[version]": "all"}).json()
        told.append(every)
        told.append(api.get(f"{base}/objects/").json())
        told.append(api.get(f"{base}/objects/", params={"match[version]": "first"}).json())
        told.append(api.get(f"{base}/manifest/").json())
        for obj in every.get("objects", []):
            told.append(api.get(f"{base}/objects/{obj['id']}/versions/").json())
            told.append(api.get(f"{base}/objects/{obj['id']}/").json())
        added = [e["date_added"] for e in api.get(f"{base}/manifest/").json().get("objects", [])]
        for point in added:
            told.append(api.get(f"{base}/objects/", params={"added_after": point}).json())
            told.append(api.get(f"{base}/manifest/", params={"added_after": point}).json())
    names = Placeholders()
    return [names.text(json.dumps(answer, sort_keys=True)) for answer in told]


def validate(objects: list[dict[str, Any]]) -> list[Any]:
    """Every object through the official stix2 parser (custom Vínculo type allowed)."""
    return [stix2.parse(json.dumps(o), allow_custom=True) for o in objects]


def node_env(
    store: Store, port: int, partners: list[PartnerConfig], **extra: str
) -> dict[str, str]:
    """The environment a `vinculo` process needs to be this node."""
    settings = store.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
    env.update(
        {
            "VINCULO_DATABASE_URL": settings.resolved_database_url,
            "VINCULO_DATA_DIR": str(settings.data_dir),
            "VINCULO_SECRET_KEY": settings.secret_key,
            "VINCULO_DEMO": "true",
            "VINCULO_HOST": "127.0.0.1",
            "VINCULO_PORT": str(port),
            "VINCULO_NODE_NAME": settings.node_name,
            "VINCULO_NODE_NATION": settings.node_nation,
            "VINCULO_PARTNERS": json.dumps([p.model_dump() for p in partners]),
            # The tests sign in from one loopback address far more often than a person would.
            "VINCULO_SIGN_IN_LIMIT_PER_CLIENT": "100000",
            "VINCULO_SIGN_IN_LIMIT_PER_ACCOUNT": "100000",
        }
    )
    env.update(extra)
    return env


class NodeProcess:
    """A node served by its own `vinculo serve` process, on its own port and database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = int(env["VINCULO_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> NodeProcess:
        return self.launch().ready()

    def launch(self) -> NodeProcess:
        """Start the process without waiting for it (several nodes start side by side)."""
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "vinculo", "serve"],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        return self

    def ready(self, timeout: float = 60) -> NodeProcess:
        """Wait until the launched process answers /healthz."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"node did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, username: str) -> httpx.Client:
        with loopback_client(self.url) as signing_in:
            answer = signing_in.post(
                "/api/v1/auth/token", data={"username": username, "password": "demo"}
            )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        return loopback_client(self.url, headers={"Authorization": f"Bearer {token}"})


def ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def wait_for(check: Any, timeout: float = 30, step: float = 0.05) -> float:
    """Seconds until `check()` is true; fails after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {check}")


def statement_rows(
    entity_id: str, schema: str, values: dict[str, list[str]], markings: Markings
) -> list[StatementIn]:
    """An entity's statements as the STIX writer reads them: one marking, seen on 1 May 2026."""
    seen = datetime(2026, 5, 1, 12, 0, 0)
    found = [("id", "id", entity_id)]
    for prop, items in values.items():
        kind = model.get(schema).get(prop).type.name  # type: ignore[union-attr]
        found.extend((prop, kind, v) for v in items)
    return [
        StatementIn(
            id=f"{entity_id}-{i}",
            entity_id=entity_id,
            schema=schema,
            prop=prop,
            prop_type=kind,
            value=value,
            lang=None,
            original_value=None,
            dataset="report:0123456789abcdef",
            report_id=None,
            first_seen=seen,
            last_seen=seen,
            marking_id=1,
            markings=markings,
        )
        for i, (prop, kind, value) in enumerate(found)
    ]
