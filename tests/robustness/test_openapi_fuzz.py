"""schemathesis against /openapi.json of a live server: no operation answers 5xx.

Every operation of the API schema served at /openapi.json, with data schemathesis generates
from it — valid (positive) and invalid (negative) — sent over real HTTP on loopback, each
case to SQLite and to PostgreSQL, in demo mode. Each sending carries a fresh bearer token
(issued through the service, so a generated `DELETE /api/v1/auth/tokens/{id}` that revokes
one cannot blind the cases after it): as us.analyst, or — so their services run past the
role check too — as an auditor for the audit routes, a supervisor for review and purge, an
administrator for unlocking.

schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) does not run under
the pytest in use here, so each operation is driven through its Hypothesis strategy
(`APIOperation.as_strategy`), one test per operation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.schemas import BaseSchema

from vinculo.db import transaction
from vinculo.exchange import stream
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, get_by_username, issue_token
from vinculo.settings import Settings
from vinculo.web.app import create_app

from conftest import BACKENDS, LiveServer, make_store
from worlds import World, build_world

EXAMPLES = 10  # per operation and generation mode


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every API operation, read from the app's schema at collection."""
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(Settings(demo=True, data_dir=Path(directory)))
        paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, ops in sorted(paths.items()) for method in ops]


@contextmanager
def _fuzzed_on(backend: str, directory: Path) -> Iterator[tuple[World, LiveServer]]:
    for store in make_store(backend, directory, demo=True):
        world = build_world(store)
        with transaction(store.sessions) as session:
            for username, role in (
                ("the.auditor", "auditor"),
                ("the.supervisor", "supervisor"),
                ("the.admin", "admin"),
            ):
                create_user(
                    session=session,
                    user_in=UserCreate(
                        username=username, password="demo", agency="DEA", roles=[role]
                    ),
                    demo_password=True,
                )
        with LiveServer(store.settings) as server:
            yield world, server


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[World, LiveServer]]]:
    """A world and its server on every backend: each generated case goes to all of them."""
    # A live stream that succeeds stays open for its whole lifetime (20 s): a short one
    # runs the same code, and the fuzz is after answers, not waiting.
    with pytest.MonkeyPatch.context() as patch, ExitStack() as stack:
        patch.setattr(stream, "LIFETIME", 0.2)
        yield [
            stack.enter_context(_fuzzed_on(backend, tmp_path_factory.mktemp("openapi")))
            for backend in BACKENDS
        ]


@cache
def served_schema(url: str) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{url}/openapi.json", timeout=30)


def account_for(method: str, path: str) -> str:
    """The account whose role reaches past the role check of the operation."""
    if path.startswith(("/api/v1/audit", "/api/v1/disseminations")):
        return "the.auditor"
    if path.startswith("/api/v1/retention") or path.endswith("/revalidate"):
        return "the.supervisor"
    if (method, path) == ("DELETE", "/api/v1/reports/{report_id}"):
        return "the.supervisor"
    if path.startswith("/api/v1/accounts"):
        return "the.admin"
    return "us.analyst"


def _token(world: World, method: str, path: str) -> dict[str, str]:
    """A fresh bearer token of the account the operation is sent as (none for sign-in)."""
    if path == "/api/v1/auth/token":
        return {}
    with transaction(world.store.sessions) as session:
        user = get_by_username(session=session, username=account_for(method, path))
        assert user is not None
        token, _row = issue_token(session=session, settings=world.store.settings, user=user)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_operation_answers_5xx(
    fuzzed: list[tuple[World, LiveServer]], method: str, path: str
) -> None:
    # The schema is the same on every backend: each case is drawn once and sent to each.
    operation = served_schema(fuzzed[0][1].url)[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(max_examples=2 * EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def call(case: Case) -> None:
        for world, server in fuzzed:
            headers = _token(world, method, path)
            response = case.call(base_url=server.url, headers=headers, timeout=60)
            assert response.status_code < 500, (
                f"{method} {case.formatted_path} answered {response.status_code} on "
                f"{world.store.backend}: {response.text[:300]}\n"
                f"{case.as_curl_command(headers=headers)}"
            )

    call()
