"""kill -9 in the middle of a bulk import: the store holds none of it (or all of it), the audit
chain still verifies, and the same import then goes through. On SQLite and PostgreSQL.

Twice: the command line (`vinculo import ftm BIG.jsonl --as …`) killed while it writes, and
the server (`vinculo serve`) killed while it writes a `POST /api/v1/entities/import`, then
started again. "While it writes" is seen from outside: on SQLite, the write-ahead log grows
past what the import's first batches spill into it; on PostgreSQL, the importing connection
(found by its application_name) has held a write transaction for half a second.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from vinculo.intel.models import Entity, StatementRow
from vinculo.security.audit import verify

from conftest import Store, free_port
from worlds import World

VINCULO = Path(sys.executable).with_name("vinculo")
PEOPLE = 20_000  # some seconds of writing: long enough to be caught in the middle
WAIT = 120.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "BIG.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(PEOPLE):
            entity = {
                "id": f"bulk-{i}",
                "schema": "Person",
                "properties": {
                    "name": [f"Persona Número {i}"],
                    "birthDate": ["1980-01-01"],
                    "nationality": ["mx"],
                },
            }
            handle.write(json.dumps(entity, ensure_ascii=False) + "\n")
    return path


@dataclass
class Target:
    """The store as a subprocess reaches it, and how to tell that it is being written."""

    store: Store
    url: str  # the database URL the subprocess uses, marked with `application`
    application: str

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VINCULO_")}
        env.update(
            VINCULO_DATABASE_URL=self.url,
            VINCULO_DATA_DIR=str(self.store.settings.data_dir),
            VINCULO_SECRET_KEY=self.store.settings.secret_key,
            VINCULO_DEMO="true",
            **extra,
        )
        return env

    def imported(self) -> tuple[int, int]:
        """(entities, statements) of the big file in the store, as a new connection sees it."""
        with self.store.sessions() as session:
            entities = session.scalar(
                select(func.count()).select_from(Entity).where(Entity.id.like("bulk-%"))
            )
            statements = session.scalar(
                select(func.count())
                .select_from(StatementRow)
                .where(StatementRow.entity_id.like("bulk-%"))
            )
        return int(entities or 0), int(statements or 0)

    def _wal(self) -> int:
        wal = Path(f"{self.store.settings.resolved_database_url.removeprefix('sqlite:///')}-wal")
        return wal.stat().st_size if wal.exists() else 0

    def _long_write(self) -> bool:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
            "AND backend_xid IS NOT NULL AND now() - xact_start > interval '0.5 second'"
        )
        with self.store.engine.connect() as connection:
            return bool(connection.execute(query, {"app": self.application}).scalar())

    def wait_until_writing(self, alive: Callable[[], bool]) -> None:
        start_wal = self._wal() if self.store.backend == "sqlite" else 0
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert alive(), "the import ended before it could be killed: make the file bigger"
            if self.store.backend == "sqlite":
                if self._wal() > start_wal + 4 * 1024 * 1024:
                    return
            elif self._long_write():
                return
            time.sleep(0.05)
        raise AssertionError("the import never started writing")

    def wait_until_gone(self) -> None:
        """PostgreSQL rolls a dead client's transaction back once it notices; wait for it."""
        if self.store.backend == "sqlite":
            return
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app")
        deadline = time.monotonic() + WAIT
        with self.store.engine.connect() as connection:
            while connection.execute(query, {"app": self.application}).scalar():
                assert time.monotonic() < deadline, "the killed connection stays"
                time.sleep(0.1)
                connection.rollback()


@pytest.fixture
def target(fresh_world: World) -> Target:
    store = fresh_world.store
    application = f"vinculo-kill-{uuid.uuid4().hex[:8]}"
    url = store.settings.resolved_database_url
    if store.backend == "postgresql":
        url += f"&application_name={application}"
    return Target(store, url, application)


def run(target: Target, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VINCULO), *args], env=target.env(), capture_output=True, text=True, timeout=WAIT
    )


def assert_chain_verifies(target: Target) -> None:
    result = run(target, "audit", "verify")
    assert result.returncode == 0, result.stderr
    with target.store.engine.connect() as connection:
        assert verify(connection).problem is None


IMPORT = ["--as", "us.analyst", "--tlp", "GREEN", "--rel-to", "USA,MEX", "--source", "bulk"]


def test_kill_9_during_a_command_line_import(target: Target, big_file: Path) -> None:
    command = [str(VINCULO), "import", "ftm", str(big_file), *IMPORT]
    process = subprocess.Popen(
        command, env=target.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        target.wait_until_writing(lambda: process.poll() is None)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=WAIT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()
    target.wait_until_gone()
    assert target.imported() == (0, 0)  # killed mid-way: none of it
    assert_chain_verifies(target)
    again = run(target, "import", "ftm", str(big_file), *IMPORT)
    assert again.returncode == 0, again.stderr
    assert target.imported() == (PEOPLE, 4 * PEOPLE)
    assert_chain_verifies(target)


@contextmanager
def serving(target: Target, port: int) -> Iterator[subprocess.Popen[str]]:
    env = target.env(VINCULO_HOST="127.0.0.1", VINCULO_PORT=str(port))
    process = subprocess.Popen(
        [str(VINCULO), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert process.poll() is None, "vinculo serve did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "vinculo serve did not answer"
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def bearer(port: int) -> dict[str, str]:
    token = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data={"username": "us.analyst", "password": "demo"},
        timeout=30,
    )
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def upload(port: int, headers: dict[str, str], path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        return httpx.post(
            f"http://127.0.0.1:{port}/api/v1/entities/import",
            headers=headers,
            files={"file": (path.name, handle, "application/x-ndjson")},
            data={"source": "bulk", "markings": json.dumps({"tlp": "GREEN", "rel_to": ["MEX"]})},
            timeout=WAIT,
        )


def test_kill_9_of_the_server_during_an_upload(target: Target, big_file: Path) -> None:
    port = free_port()
    outcome: list[object] = []
    with serving(target, port) as server:
        headers = bearer(port)

        def post() -> None:
            try:
                outcome.append(upload(port, headers, big_file))
            except httpx.TransportError as error:
                outcome.append(error)

        sender = threading.Thread(target=post)
        sender.start()
        target.wait_until_writing(lambda: sender.is_alive() and server.poll() is None)
        server.send_signal(signal.SIGKILL)
        assert server.wait(timeout=WAIT) == -signal.SIGKILL
        sender.join(timeout=WAIT)
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.TransportError), outcome
    target.wait_until_gone()
    assert target.imported() == (0, 0)
    assert_chain_verifies(target)
    with serving(target, port):
        again = upload(port, bearer(port), big_file)
        assert again.status_code == 200, again.text
        assert again.json()["entities"] == PEOPLE
    assert target.imported() == (PEOPLE, 4 * PEOPLE)
    assert_chain_verifies(target)
