"""Reads under load: concurrent API readers against the real server, audited and not.

    .venv/bin/python bench/load.py [--backend both|sqlite|postgresql]
        [--readers 8] [--pg-readers 16] [--seconds 20] [--warmup 3] [--workers 1]

Seeds the demo scenario into a fresh store (a SQLite file under bench/out/load/; a schema
`bench_load_<pid>` in the PostgreSQL database of VINCULO_TEST_POSTGRES_URL, by default
postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped afterwards), starts the server
as its own process on it (the app `vinculo serve` runs, under uvicorn), signs mx.analyst in
for an API token and has N threads read over HTTP for T seconds: report and entity lists
and searches, each reader going round them. Prints requests per second, p50 and p95.

Each backend runs twice in the same run: once as served (every read appends to the audit
chain) and once as the peer, the same server with read auditing switched off. The peer's
switch lives here only: the bench's server process wraps `record` so that the read actions
(read, list, search) append nothing; no setting or variable of the product turns read
auditing off. Targets (issue 12): PostgreSQL, 16 readers, audited throughput >= 80 % of
the peer's and p95 < 200 ms; SQLite, 8 readers, p95 < 250 ms.

The issue's figures use 60 s; the default here is shorter (the machine is shared).
Exits non-zero only when something cannot run; a missed target prints MISS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import OUT, machine_line, pct, plain_verdict

POSTGRES_URL = os.environ.get(
    "VINCULO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
READ_ACTIONS = frozenset({"read", "list", "search"})
PG_RATIO = 0.80
PG_P95_MS = 200.0
SQLITE_P95_MS = 250.0
SEARCH_TERMS = ["garcia", "lopez", "sonora", "tijuana", "transport", "hernandez", "cartel"]


# --- the server process ------------------------------------------------------------------------


def serve_main(args: argparse.Namespace) -> None:
    """Run the app as `vinculo serve [--workers N]` does (settings from VINCULO_* variables)."""
    import uvicorn

    from vinculo.settings import Settings

    settings = Settings()
    uvicorn.run(
        "load:unaudited_app" if args.unaudited else "load:audited_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_level="warning",
    )


def audited_app() -> Any:
    """The app of one server process, as served."""
    from vinculo.settings import Settings
    from vinculo.web.app import create_app

    return create_app(Settings())


def unaudited_app() -> Any:
    """The peer's app: the same, with read auditing switched off in this process."""
    _switch_off_read_auditing()
    return audited_app()


def _switch_off_read_auditing() -> None:
    """The peer: every module's `record` skips the read actions (this process only)."""
    import vinculo.web.app  # noqa: F401  (imports every module that records)
    from vinculo.security import audit

    original = audit.record

    def record(**kwargs: Any) -> int:
        if kwargs.get("action") in READ_ACTIONS:
            return 0
        return original(**kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "record", None) is original and module is not audit:
            module.record = record  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(
    url: str, directory: Path, *, unaudited: bool, workers: int
) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = os.environ | {
        "VINCULO_DATABASE_URL": url,
        "VINCULO_DATA_DIR": str(directory),
        "VINCULO_DEMO": "true",
        "VINCULO_PORT": str(port),
        "VINCULO_SIGN_IN_LIMIT_PER_ACCOUNT": "1000000",
        "VINCULO_SIGN_IN_LIMIT_PER_CLIENT": "1000000",
    }
    command = [sys.executable, __file__, "_serve", "--workers", str(workers)]
    if unaudited:
        command.append("--unaudited")
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"cannot run: the server exited ({process.returncode})")
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("cannot run: the server did not start") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- the stores ------------------------------------------------------------------------------


def seed(url: str) -> None:
    from vinculo.db import make_engine, make_sessionmaker
    from vinculo.demo.seed import seed_demo
    from vinculo.migrations.runner import upgrade
    from vinculo.settings import Settings

    engine = make_engine(Settings(database_url=url, demo=True))
    try:
        upgrade(engine)
        seed_demo(sessions=make_sessionmaker(engine))
    finally:
        engine.dispose()


@contextmanager
def sqlite_store() -> Iterator[tuple[str, Path]]:
    directory = OUT / "load"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    url = f"sqlite:///{directory / 'vinculo.db'}"
    seed(url)
    yield url, directory


@contextmanager
def postgres_store() -> Iterator[tuple[str, Path]]:
    from sqlalchemy import create_engine, text

    schema = f"bench_load_{os.getpid()}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"
    directory = OUT / "load-pg"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        seed(url)
        yield url, directory
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- the readers -----------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def sign_in(base: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": "mx.analyst", "password": "demo"},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def read_paths(base: str, headers: dict[str, str]) -> list[str]:
    """Lists and searches, the search words taken from what the analyst can see."""
    terms = list(SEARCH_TERMS)
    found = httpx.get(f"{base}/api/v1/entities?limit=40", headers=headers, timeout=30)
    found.raise_for_status()
    for item in found.json()["items"]:
        words = [w for w in str(item.get("caption", "")).lower().split() if w.isalpha()]
        if words and len(words[0]) > 3:
            terms.append(words[0])
    paths = ["/api/v1/reports?limit=25", "/api/v1/entities?limit=25"]
    for term in dict.fromkeys(terms):
        paths.append(f"/api/v1/search?q={term}&limit=20")
        paths.append("/api/v1/reports?limit=25")
    return paths


def reader(
    base: str, headers: dict[str, str], paths: list[str], start: int, until: float, tally: Tally
) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        turn = start
        while time.monotonic() < until:
            path = paths[turn % len(paths)]
            turn += 1
            began = time.perf_counter()
            try:
                response = client.get(path)
                status = str(response.status_code)
            except httpx.TransportError as error:
                status = type(error).__name__
            took = (time.perf_counter() - began) * 1000
            if status == "200":
                tally.latencies.append(took)
            else:
                tally.errors[status] = tally.errors.get(status, 0) + 1


@dataclass(frozen=True)
class Result:
    label: str
    requests: int
    seconds: float
    p50: float
    p95: float
    errors: dict[str, int]
    cpu_ms: float  # server CPU per answer: what a loaded machine does not change much
    client_ms: float  # the readers' own CPU per answer (they share the machine's cores)
    database_ms: float  # PostgreSQL's CPU per answer

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        errors = f", errors {self.errors}" if self.errors else ""
        return (
            f"{self.label:<34} {self.rate:7.1f} req/s  p50 {self.p50:7.1f} ms  "
            f"p95 {self.p95:7.1f} ms  server CPU {self.cpu_ms:5.1f} ms/answer  "
            f"database {self.database_ms:4.1f}, readers {self.client_ms:4.1f} ms/answer  "
            f"({self.requests} answers{errors})"
        )


def server_cpu(pid: int) -> float:
    """CPU seconds the server process and its children (workers) have used so far."""
    import psutil

    total = 0.0
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_cpu() -> float:
    """CPU seconds every PostgreSQL process on the machine has used so far (0 on SQLite,
    whose work is the server's own). Other users of the same PostgreSQL count too: read it on
    an otherwise idle machine."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def load(base: str, pid: int, readers: int, seconds: float, warmup: float, label: str) -> Result:
    headers = sign_in(base)
    paths = read_paths(base, headers)
    if warmup:
        load_once(base, headers, paths, readers, warmup)
    cpu, own, database = server_cpu(pid), time.process_time(), database_cpu()
    tally, took = load_once(base, headers, paths, readers, seconds)
    cpu, own = server_cpu(pid) - cpu, time.process_time() - own
    database = database_cpu() - database
    answers = len(tally.latencies)
    return Result(
        label,
        answers,
        took,
        pct(tally.latencies, 50),
        pct(tally.latencies, 95),
        tally.errors,
        cpu * 1000 / answers if answers else float("nan"),
        own * 1000 / answers if answers else float("nan"),
        database * 1000 / answers if answers else float("nan"),
    )


def load_once(
    base: str, headers: dict[str, str], paths: list[str], readers: int, seconds: float
) -> tuple[Tally, float]:
    tally = Tally()
    began = time.monotonic()
    until = began + seconds
    threads = [
        threading.Thread(target=reader, args=(base, headers, paths, n * 7, until, tally))
        for n in range(readers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - began


def verify_chain(url: str) -> str:
    from vinculo.db import make_engine
    from vinculo.security.audit import verify
    from vinculo.settings import Settings

    engine = make_engine(Settings(database_url=url))
    try:
        with engine.connect() as connection:
            report = verify(connection)
    finally:
        engine.dispose()
    if report.problem is None:
        return f"audit chain verified: {report.rows} rows"
    return f"audit chain BROKEN at {report.problem.seq}: {report.problem.reason}"


def run_backend(name: str, args: argparse.Namespace) -> list[str]:
    readers = args.pg_readers if name == "postgresql" else args.readers
    store = postgres_store() if name == "postgresql" else sqlite_store()
    with store as (url, directory):
        results: dict[bool, Result] = {}
        for unaudited in (False, True):
            label = f"{name}, {readers} readers, " + ("no read audit" if unaudited else "audited")
            with server(url, directory, unaudited=unaudited, workers=args.workers) as (base, pid):
                results[unaudited] = load(base, pid, readers, args.seconds, args.warmup, label)
            print(results[unaudited].line(), flush=True)
        lines = [results[False].line(), results[True].line(), verify_chain(url)]
    audited, peer = results[False], results[True]
    ratio = audited.rate / peer.rate if peer.rate else 0.0
    if name == "postgresql":
        ok = ratio >= PG_RATIO and audited.p95 < PG_P95_MS
        target = f"audited/peer >= {PG_RATIO:.0%} and p95 < {PG_P95_MS:.0f} ms"
    else:
        ok = audited.p95 < SQLITE_P95_MS
        target = f"p95 < {SQLITE_P95_MS:.0f} ms"
    lines.append(f"{name}: audited/peer {ratio:.0%}; target {target}: {plain_verdict(ok)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    inner = sub.add_parser("_serve", help="(internal) the server process")
    inner.add_argument("--unaudited", action="store_true")
    inner.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backend", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--readers", type=int, default=8, help="readers on SQLite")
    parser.add_argument("--pg-readers", type=int, default=16, help="readers on PostgreSQL")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds first")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    if args.command == "_serve":
        serve_main(args)
        return
    print(machine_line(), flush=True)
    print(
        f"{args.seconds:g} s per server after {args.warmup:g} s warm-up, "
        f"{args.workers} server process(es)",
        flush=True,
    )
    names = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summary: list[str] = []
    for name in names:
        summary += run_backend(name, args)
    print("\n".join(["", *summary]), flush=True)


if __name__ == "__main__":
    main()
