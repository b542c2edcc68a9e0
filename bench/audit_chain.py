"""Audit chain figures for issue 3: verify 10 million rows (< 60 s) and the cost of auditing a
search (<= 10 %), each against its peer in the same run on the same data.

    .venv/bin/python bench/audit_chain.py [--rows 10000000] [--entities 200000]

The search data is the size issue 2 measures search at: about a million statements.

Peers: for verification, a plain scan that reads the same rows without hashing them (the
floor any verifier pays); for search, the same query through `intel.search.find`, which is
`search` without its audit row.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine

from vinculo.db import make_engine, make_sessionmaker, transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.search import find, search
from vinculo.intel.transfer import import_ftm
from vinculo.migrations.runner import upgrade
from vinculo.security.audit import (
    _COLUMNS,
    GENESIS,
    canonical_time,
    link_hash,
    row_body,
    verify,
    verify_parallel,
)
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import Settings

OUT = Path(__file__).resolve().parent / "out"
console = Console()


def build_chain(path: Path, rows: int) -> None:
    """A migrated SQLite file holding `rows` chained audit rows, written straight with sqlite3."""
    stamp = path.with_suffix(".stamp")
    if path.exists() and stamp.exists() and stamp.read_text() == str(rows):
        return
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    insert = f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    base = datetime(2026, 1, 1)
    prev = GENESIS
    batch = []
    started = time.perf_counter()
    for seq in range(1, rows + 1):
        at = canonical_time(base + timedelta(milliseconds=seq))
        target = f"per-{seq % 50_000:05d}"
        ids = f'["{target}"]'
        body = row_body(seq, at, "mx.analyst", "FGR", "read", "entity", target, ids, "{}", "ok")
        digest = link_hash(prev, body)
        batch.append(
            (seq, at, "mx.analyst", "FGR", "read", "entity", target, ids, "{}", "ok", prev, digest)
        )
        prev = digest
        if len(batch) == 100_000:
            connection.executemany(insert, batch)
            batch.clear()
            console.print(f"  built {seq:,} rows", end="\r")
    connection.executemany(insert, batch)
    connection.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (rows, prev))
    connection.commit()
    connection.close()
    stamp.write_text(str(rows))
    console.print(f"built {rows:,} rows in {time.perf_counter() - started:.0f} s")


def bench_verify(rows: int) -> tuple[float, float, float]:
    path = OUT / f"audit-chain-{rows}.db"
    build_chain(path, rows)
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    scanned = sum(1 for _ in connection.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq"))
    connection.close()
    scan = time.perf_counter() - started
    assert scanned == rows
    started = time.perf_counter()
    report = verify_parallel(url, os.cpu_count() or 1)
    parallel = time.perf_counter() - started
    assert report.problem is None and report.rows == rows, report
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.connect() as sql:
        single = verify(sql)
    one_pass = time.perf_counter() - started
    assert single.problem is None
    return scan, parallel, one_pass


NAMES = ["José", "María", "Juan", "Ana", "Luis", "Rosa", "Jesús", "Guadalupe", "Pedro", "Elena"]
SURNAMES = [
    "García",
    "López",
    "Hernández",
    "Martínez",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Núñez",
    "Ibarra",
    "Ochoa",
    "Treviño",
    "Zúñiga",
    "Castañeda",
    "Peña",
]


def synthetic_entities(count: int, rng: random.Random) -> list[str]:
    lines = []
    for number in range(count):
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        birth = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines.append(
            json.dumps(
                {
                    "id": f"per-{number:06d}",
                    "schema": "Person",
                    "properties": {
                        "name": [name],
                        "birthDate": [birth],
                        "nationality": ["mx"],
                        "idNumber": [f"ID{number:08d}"],
                    },
                }
            )
        )
    return lines


def bench_search(entities: int, rounds: int) -> tuple[list[float], list[float]]:
    directory = OUT / f"audit-search-{entities}"
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{directory / 'vinculo.db'}{suffix}").unlink(missing_ok=True)
    settings = Settings(data_dir=directory, demo=True)
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    rng = random.Random(7)
    with transaction(sessions) as session:
        user = create_user(
            session=session,
            user_in=UserCreate(username="bench.fgr", password="Bench-password-2026!", agency="FGR"),
        )
        actor = actor_for(user)
        import_ftm(
            session=session,
            actor=actor,
            lines=synthetic_entities(entities, rng),
            file_name="bench.jsonl",
            source="bench",
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
        )
    queries = [f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}" for _ in range(40)]
    queries += [rng.choice(SURNAMES) for _ in range(40)]
    plain: list[float] = []
    audited: list[float] = []
    for _ in range(rounds):
        for q in queries:
            # Alternate which goes first so neither gains from a warmer cache.
            order = [(find, plain), (search, audited)]
            if rng.random() < 0.5:
                order.reverse()
            for function, times in order:
                started = time.perf_counter()
                with transaction(sessions) as session:
                    function(session=session, actor=actor, q=q)
                times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return plain, audited


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--entities", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)

    scan, parallel, one_pass = bench_verify(args.rows)
    table = Table(title=f"audit verify, {args.rows:,} rows, SQLite, {os.cpu_count()} cores")
    for column in ("what", "seconds", "rows/s", "target"):
        table.add_column(column)
    table.add_row(
        "peer: plain scan of the rows, no hashing", f"{scan:.1f}", f"{args.rows / scan:,.0f}", ""
    )
    table.add_row(
        "vinculo audit verify (parallel stretches)",
        f"{parallel:.1f}",
        f"{args.rows / parallel:,.0f}",
        ("PASS" if parallel < 60 else "MISS") + " < 60 s",
    )
    table.add_row("one pass on one core", f"{one_pass:.1f}", f"{args.rows / one_pass:,.0f}", "")
    console.print(table)

    plain, audited = bench_search(args.entities, args.rounds)
    overhead = (statistics.mean(audited) / statistics.mean(plain) - 1) * 100
    table = Table(title=f"search, {args.entities:,} persons, SQLite, auditing on vs off")
    for column in ("what", "p50 ms", "p95 ms", "mean ms"):
        table.add_column(column)
    table.add_row(
        "peer: find (no audit row)",
        f"{statistics.median(plain):.2f}",
        f"{p95(plain):.2f}",
        f"{statistics.mean(plain):.2f}",
    )
    table.add_row(
        "search (audited)",
        f"{statistics.median(audited):.2f}",
        f"{p95(audited):.2f}",
        f"{statistics.mean(audited):.2f}",
    )
    console.print(table)
    verdict = "PASS" if overhead <= 10 else "MISS"
    console.print(f"audit overhead on search: {overhead:+.1f} % of the mean ({verdict} <= 10 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
