"""Real parts for every test: SQLite and PostgreSQL stores, a server on loopback."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import make_engine, make_sessionmaker
from vinculo.hooks import wire_hooks
from vinculo.migrations.runner import upgrade
from vinculo.settings import Settings
from vinculo.web.app import create_app
from vinculo.web.server import server_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

    from worlds import World

POSTGRES_URL = os.environ.get(
    "VINCULO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Tests call the services directly, as the app and the command line do once assembled.
wire_hooks()
# `make test-fast` sets VINCULO_TEST_BACKENDS=sqlite; everything else runs on both.
BACKENDS = os.environ.get("VINCULO_TEST_BACKENDS", "sqlite,postgresql").split(",")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Shape the run for pytest-xdist (`--dist loadgroup`, as `make test` runs it).

    A module's tests stay together on one worker, so that its module-scoped fixtures (a
    world, a live server, two nodes, a Spark session) are built once; a test marked slow goes
    alone to whichever worker is free, and the slow ones start first, so that the workers
    finish together instead of one waiting on the other's last long test.
    """

    def module(item: pytest.Item) -> str:
        return item.module.__name__ if item.module else ""

    sizes: dict[str, int] = {}
    for item in items:
        if item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.xdist_group(module(item)))
            sizes[module(item)] = sizes.get(module(item), 0) + 1

    def order(item: pytest.Item) -> tuple[int, int]:
        if item.get_closest_marker("slow") is not None:
            return (0, 0)
        return (1, -sizes[module(item)])

    # Slow tests first, then the modules from the largest down (pyproject's addopts turn
    # pytest-xdist's own reordering off, which would put the single slow tests last).
    items.sort(key=order)


@dataclass
class Store:
    """A migrated, empty database of one backend and the settings that point at it."""

    backend: str
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def _postgres_schema_url(schema: str) -> str:
    # Commits in tests need not wait for the disk (synchronous_commit=off loses at most the
    # last moments on a crash of the server, never consistency): the suite commits thousands.
    joiner = "&" if "?" in POSTGRES_URL else "?"
    options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    return f"{POSTGRES_URL}{joiner}options={options}"


@cache
def _sqlite_template() -> Path:
    """An empty SQLite store at the newest schema, migrated once per test process.

    Migrating takes a good part of a second and hundreds of tests start from an empty store; a
    copy of this file is the same store in a millisecond. (An empty migrated store holds
    nothing that depends on the settings, so one file serves every test.)
    """
    directory = Path(tempfile.mkdtemp(prefix="vinculo-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "vinculo.db"
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=directory)
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()  # the last connection closed: the write-ahead log is folded into the file
    leftovers = sorted(p.name for p in directory.iterdir() if p != path)
    assert not leftovers, f"the template store left {leftovers} beside {path.name}"
    return path


@cache
def _postgres_migration() -> list[tuple[str, Any]]:
    """The SQL that brings an empty PostgreSQL schema to the newest revision, recorded while
    Alembic migrates one, once per test process.

    The suite makes hundreds of stores; Alembic loading and running every revision for each
    took half as long again as sending the statements it sends. Replayed into a new schema
    they make the same store (pg_dump of the two schemas is the same: every name in them is
    unqualified, the schema comes from the connection's search_path). A store stays a schema
    of its own in one database, as two nodes sharing a database are (exchange/leader.py keys
    its lock by schema), rather than a copy of a template database.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(Settings(database_url=_postgres_schema_url(schema)))
    statements: list[tuple[str, Any]] = []

    def record(_c: object, _cur: object, statement: str, parameters: Any, *_rest: object) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    named = [
        s for s, _p in statements if schema in s and not s.lstrip().upper().startswith("SELECT")
    ]
    assert not named, f"a migration names its schema, so it cannot be replayed: {named[:1]}"
    return statements


# Migrated PostgreSQL schemas emptied after their test and handed to the next one in this
# process. Making one (about 75 CREATE TABLE statements) and dropping it took most of a
# second, and the suite makes hundreds; emptying one takes a fiftieth of that.
_EMPTY_SCHEMAS: list[str] = []


# The shape of a newly migrated schema: one whose tables, columns, triggers, functions or
# constraints are no longer the same (a test migrated it down, or dropped a trigger to tamper
# with the audit log) is not handed on. Foreign keys' internal triggers are left out: their
# names hold their object ids, so no two schemas would ever have the same shape (every
# schema but a process's first was dropped after one use, and made anew for the next: half
# a second each, and dead rows in the catalogs a server without autovacuum keeps).
_SHAPE: list[str] = []
_EMPTYING: list[str] = []


_FINGERPRINT = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(concat_ws(':', c.relname, c.relkind, a.attname, a.atttypid::text,
                               a.attnotnull::text, a.attisdropped::text), ',' ORDER BY
                     c.relname, a.attnum)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
    WHERE n.nspname = :schema),
  (SELECT string_agg(concat_ws(':', c.relname, t.tgname, t.tgenabled), ',' ORDER BY
                     c.relname, t.tgname)
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND NOT t.tgisinternal),
  (SELECT string_agg(concat_ws(':', p.proname, md5(p.prosrc)), ',' ORDER BY p.proname)
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema),
  (SELECT string_agg(concat_ws(':', c.conname, c.contype), ',' ORDER BY c.conname)
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE n.nspname = :schema)))
"""


def _shape(connection: Connection, schema: str) -> str:
    """A digest of the schema's tables, columns, triggers, functions and constraints."""
    return str(connection.execute(text(_FINGERPRINT), {"schema": schema}).scalar_one())


def _new_postgres_schema() -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = create_engine(_postgres_schema_url(schema))
    try:
        with engine.begin() as connection:
            for statement, parameters in _postgres_migration():
                connection.exec_driver_sql(statement, parameters)
    finally:
        engine.dispose()
    return schema


def _drop_schema(schema: str) -> None:
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    except Exception:
        pass  # a schema a stuck connection holds is left behind, not waited on
    finally:
        admin.dispose()


def _drop_empty_schemas() -> None:
    while _EMPTY_SCHEMAS:
        _drop_schema(_EMPTY_SCHEMAS.pop())


def _take_schema() -> str:
    if _EMPTY_SCHEMAS:
        return _EMPTY_SCHEMAS.pop()
    schema = _new_postgres_schema()
    if not _SHAPE:
        atexit.register(_drop_empty_schemas)
        admin = create_engine(POSTGRES_URL)
        with admin.connect() as connection:
            _SHAPE.append(_shape(connection, schema))
        admin.dispose()
    return schema


def _emptying_script(connection: Connection, schema: str) -> str:
    """The statements that empty a store's schema, one round trip: every schema in the pool
    has the same tables and sequences, so they are looked up once."""
    if _EMPTYING:
        return _EMPTYING[0]
    tables = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
    ).scalars()
    sequences = connection.execute(
        text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s ORDER BY 1"),
        {"s": schema},
    ).scalars()
    # Replica mode: no foreign-key checks or triggers (the audit log refuses deletion by a
    # trigger) while every table is emptied anyway.
    statements = ["SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{t}"' for t in tables if t != "alembic_version"]
    statements += [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
    _EMPTYING.append("; ".join(statements))
    return _EMPTYING[0]


def _give_back(schema: str) -> None:
    """Empty the schema (every table but alembic_version, every sequence back to its start)
    and keep it for the next store, or drop it when it can no longer be one."""
    engine = create_engine(_postgres_schema_url(schema))
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.exec_driver_sql(_emptying_script(connection, schema))
            kept = _shape(connection, schema) == _SHAPE[0]
    except Exception:
        kept = False  # whatever went wrong, the schema is not handed on
    finally:
        engine.dispose()
    if kept:
        _EMPTY_SCHEMAS.append(schema)
    else:
        _drop_schema(schema)


# The engine of each open store, by its settings: a server started on a store's settings
# uses the store's engine (one pool, and statements compiled once rather than once per
# engine: SQLAlchemy keeps its compiled statements per engine).
_ENGINES: dict[int, Engine] = {}


def make_store(
    backend: str, directory: Path, *, revision: str = "heads", **overrides: object
) -> Iterator[Store]:
    """A fresh store migrated to `revision`: a SQLite file, or a PostgreSQL schema of its own
    dropped afterwards."""
    schema = ""
    pooled = False  # a PostgreSQL schema from the pool, given back afterwards
    migrated = False  # at `revision` already
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'vinculo.db'}"
        if revision == "heads":
            directory.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sqlite_template(), directory / "vinculo.db")
            # Already at the newest revision: Alembic would load every revision file to
            # find nothing to do (a tenth of a second a store).
            migrated = True
    elif revision == "heads":
        schema, pooled, migrated = _take_schema(), True, True
        url = _postgres_schema_url(schema)
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = _postgres_schema_url(schema)
    # Tests sign in far more often than people do, all from 127.0.0.1: the sign-in rate
    # limits are out of the way unless a test sets them (tests/security/test_sign_in_load.py).
    unlimited = {"sign_in_limit_per_account": 1_000_000, "sign_in_limit_per_client": 1_000_000}
    settings = Settings(
        database_url=url,
        data_dir=directory,
        secret_key="test-secret-" + uuid.uuid4().hex,
        **(unlimited | overrides),  # type: ignore[arg-type]
    )
    engine = make_engine(settings)
    if not migrated:
        upgrade(engine, revision)
    _ENGINES[id(settings)] = engine
    try:
        yield Store(backend, settings, engine, make_sessionmaker(engine))
    finally:
        del _ENGINES[id(settings)]
        engine.dispose()
        if pooled:
            _give_back(schema)
        elif schema:
            _drop_schema(schema)


@contextmanager
def store_at(backend: str, directory: Path, revision: str) -> Iterator[Engine]:
    """An empty store migrated only as far as `revision`, as an earlier release left it."""
    stores = make_store(backend, directory, revision=revision)
    try:
        yield next(stores).engine
    finally:
        stores.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store; each test using it runs once per backend."""
    yield from make_store(request.param, tmp_path, demo=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The real app under uvicorn in a thread, reached over real HTTP on loopback."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Idle connections stay open for the whole test: with uvicorn's default of 5 s, a
        # client of a slow, loaded run can send on a connection the server is closing at that
        # moment and read a reset, which is the timing of the run rather than the app.
        # The server `vinculo serve` runs: stopping, it ends open live streams at once.
        self.server = server_for(
            create_app(settings, engine=_ENGINES.get(id(settings))),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_keep_alive=600,
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def client(self, username: str | None = None, password: str = "demo") -> httpx.Client:
        """An API client, signed in with a bearer token when a user name is given."""
        headers = {}
        if username:
            with loopback_client(self.url) as signing_in:
                response = signing_in.post(
                    "/api/v1/auth/token", data={"username": username, "password": password}
                )
            response.raise_for_status()
            headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        # A new client: a caller may open it (`with`), which httpx allows once, before use.
        return loopback_client(self.url, headers=headers)


def loopback_client(url: str, **options: Any) -> httpx.Client:
    """A client of a server on loopback: plain HTTP, so no TLS context (httpx makes one for
    every client otherwise, reading the CA bundle: some 20 ms of CPU, thousands of times a run)."""
    return httpx.Client(base_url=url, timeout=30, verify=False, **options)


def _seeded_store(backend: str, factory: pytest.TempPathFactory) -> Iterator[Store]:
    from unittest import mock

    from vinculo.demo.seed import seed_demo

    from worlds import cheap_demo_hash

    for store in make_store(backend, factory.mktemp(f"demo-{backend}"), demo=True):
        # The demo accounts' password at the smallest argon2 cost: every sign-in of a test
        # still checks it, in a millisecond instead of a quarter of a second.
        with mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()):
            seed_demo(sessions=store.sessions)
        yield store


@pytest.fixture(scope="session")
def demo_store_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from _seeded_store("sqlite", tmp_path_factory)


@pytest.fixture(scope="session")
def demo_store_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    yield from _seeded_store("postgresql", tmp_path_factory)


@pytest.fixture(scope="session", params=BACKENDS)
def demo_store(request: pytest.FixtureRequest) -> Store:
    """The seeded demo scenario, shared read-only by the tests of each backend."""
    store: Store = request.getfixturevalue(f"demo_store_{request.param}")
    return store


@pytest.fixture(scope="session")
def demo_server(demo_store: Store) -> Iterator[LiveServer]:
    """A live server over the seeded demo scenario, once per backend."""
    with LiveServer(demo_store.settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser_server(demo_store_sqlite: Store) -> Iterator[LiveServer]:
    """A live server over the demo scenario on SQLite, for the browser tests."""
    with LiveServer(demo_store_sqlite.settings) as server:
        yield server


@pytest.fixture
def fresh_world(store: Store) -> World:
    """Accounts of both nations and one report per kind of marking, for a test that writes."""
    from worlds import build_world

    return build_world(store)


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The same world shared by the read-only tests of a module, on each backend."""
    from worlds import build_world

    for store in make_store(request.param, tmp_path_factory.mktemp("world"), demo=True):
        yield build_world(store)


# --- a real Chromium, driven by Playwright, for the page tests ------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
# Screenshots are for people to look at: no test reads them back, and the ~230 of a run cost
# Chromium about 80 s of CPU (0.36 s each, measured on the browser tests with and without).
# `make screenshots` sets VINCULO_SCREENSHOTS=1 and takes them all.
SCREENSHOTS = os.environ.get("VINCULO_SCREENSHOTS", "") not in ("", "0")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (Playwright cannot download one here), one per test process.

    Launching it costs a second or two of both cores; each test still gets a context of its
    own (cookies, storage and viewport), so tests share the process and nothing else.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def shot(
    target: Page | Locator, name: str, *, full_page: bool = True, always: bool = False
) -> None:
    """A screenshot in var/screenshots/<name>.png for a person to look at: of the whole page
    (or what the window shows), or of what a locator finds. Taken when the run asks for them
    (`make screenshots`) or `always` (a failure's evidence)."""
    if not (SCREENSHOTS or always):
        return
    from playwright.sync_api import Page

    path = SHOTS / f"{name}.png"
    if isinstance(target, Page):
        target.screenshot(path=path, full_page=full_page)
    else:
        target.screenshot(path=path)


def sign_in(page: Page, server: LiveServer, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    expect(page.locator("footer")).to_contain_text(username)
