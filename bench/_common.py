"""Helpers shared by the bench scripts: stores, accounts, timing, verdicts, the machine line."""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import make_engine, make_sessionmaker
from vinculo.migrations.runner import upgrade
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group, get_by_username
from vinculo.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
console = Console(highlight=False, width=max(140, Console().width))


def machine_line() -> str:
    try:
        load = "load avg {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "load avg n/a"
    cpus = os.cpu_count() or 0
    return (
        f"{platform.machine()}, {cpus} CPU(s), {load}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, code {code_version()}"
    )


def code_version() -> str:
    """The commit measured, and whether its src/ had uncommitted changes at the time.

    To measure a given commit while the working tree is being edited:
        git archive COMMIT src | tar -x -C /tmp/at-commit
        PYTHONPATH=/tmp/at-commit/src make bench
    (then the package is imported from there, and this says so).
    """
    import subprocess

    import vinculo

    where = Path(vinculo.__file__).resolve().parent.parent
    if where != ROOT / "src":
        return f"vinculo imported from {where}"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes in src/' if dirty else ''}"


def schema_heads() -> list[str]:
    """The migration heads of the code measured: a store built by other code is not reused."""
    from alembic.script import ScriptDirectory

    from vinculo.migrations.runner import alembic_config

    return sorted(ScriptDirectory.from_config(alembic_config()).get_heads())


def pin_to_one_core() -> str:
    """Run this process (and its children) on one CPU, so 'one core' means one core."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return f"pinned to CPU {cpus[-1]}"
    except (AttributeError, OSError):
        return "not pinned (sched_setaffinity unavailable)"


def verdict(ok: bool) -> str:
    return "[green]PASS[/green]" if ok else "[red]MISS[/red]"


def plain_verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block: `with stopwatch() as t: ...; t["wall"], t["cpu"]`."""
    out: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        out["wall"] = time.perf_counter() - wall
        out["cpu"] = time.process_time() - cpu


def timed(fn: Callable[[], Any]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def pct(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks."""
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def sqlite_store(path: Path) -> tuple[Engine, sessionmaker[Session]]:
    """A migrated SQLite store in `path` (a file), exactly as `vinculo db upgrade` makes it."""
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=path.parent)
    engine = make_engine(settings)
    upgrade(engine)
    return engine, make_sessionmaker(engine)


def url_store(url: str) -> tuple[Engine, sessionmaker[Session]]:
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    upgrade(engine)
    return engine, make_sessionmaker(engine)


def ensure_user(
    session: Session, username: str, agency: str, groups: list[str] | tuple[str, ...] = ()
) -> Actor:
    """The account (made on first use, password 'bench') as an Actor."""
    for code in groups:
        ensure_group(session=session, code=code, name_en=code, name_es=code)
    user = get_by_username(session=session, username=username)
    if user is None:
        user = create_user(
            session=session,
            user_in=UserCreate(
                username=username, password="bench-password", agency=agency, groups=list(groups)
            ),
        )
    return actor_for(user)


def die(message: str) -> None:
    console.print(f"[red]cannot run: {message}[/red]")
    sys.exit(1)


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu(pid: int) -> float | None:
    """User + system seconds of a running process, from /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS
