"""The accountability view with ten years of ledger (issue 16, Numbers: under 300 ms p95 on
SQLite and on PostgreSQL, against DuckDB running the same aggregation over a Parquet export of
the same rows, in the same run).

The store: 40 security-force units (imported as `vinculo oversight units import` does, each
with its state), 200 programmes (five a unit), and 1,000,000 ledger transactions over fiscal
years 2016–2025 (appropriations, obligations, disbursements, expenditures), bulk-inserted;
one row in twenty is REL TO USA only, so the Mexican reader's sums must leave it out. Beside
them, 300 allegations and 40 vetting requests (one decided a unit) through the services.

Then, in this run:
  * the user's path: the app under uvicorn in a thread, mx's analyst (bench.fgr) asking
    GET /api/v1/assistance/accountability?unit=…[&fy=…] for random units (half of them for
    one fiscal year) over real HTTP on loopback, N requests after a warm-up: p50 and p95;
  * the peer: the same rows exported to Parquet (pyarrow), and DuckDB running the view's
    ledger aggregation (sum and count by fiscal year, type, unit and marking, under the same
    reader's visible markings and the same filters) over the file, for the same requests.

    .venv/bin/python bench/assistance.py [--rows 1000000] [--requests 200]
        [--postgres postgresql://127.0.0.1:5432/test] [--sqlite-only]

SQLite is a file in a temporary directory; PostgreSQL a schema of its own in the database
given, dropped at the end. Both run unless --sqlite-only.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from _common import console, machine_line, pct, url_store, verdict
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.db import make_engine, transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight import allegations as allegation_service
from vinculo.oversight import vetting as vetting_service
from vinculo.oversight.allegation_schemas import AllegationCreate
from vinculo.oversight.schemas import Location, UnitIn
from vinculo.oversight.service import import_units
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import marking_id_for, visible_marking_ids
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import Settings

TARGET_MS = 300.0
UNITS = 40
PROGRAMMES = 200
YEARS = range(2016, 2026)
TYPES = ("appropriation", "2", "3", "3", "4")
STATES = [
    "Baja California",
    "Sonora",
    "Chihuahua",
    "Coahuila",
    "Nuevo León",
    "Tamaulipas",
    "Sinaloa",
    "Guerrero",
    "Michoacán",
    "Jalisco",
    "Veracruz",
    "Chiapas",
    "Oaxaca",
    "Ciudad de México",
]
BATCH = 20_000
PASSWORD = "demo"
SECRET = "bench-" + secrets.token_hex(16)


def _users(sessions: sessionmaker[Session]) -> dict[str, Actor]:
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    made: dict[str, Actor] = {}
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap),
        transaction(sessions) as session,
    ):
        for username, agency, roles in (
            ("bench.dea", "DEA", ["analyst"]),
            ("bench.fgr", "FGR", ["analyst"]),
            ("bench.vetter", "DEA", ["supervisor"]),
        ):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password=PASSWORD, agency=agency, roles=roles
                ),
                demo_password=True,
            )
            made[username] = actor_for(user)
    return made


def fill(sessions: sessionmaker[Session], rows: int) -> tuple[list[str], dict[str, Actor]]:
    """The store: units, programmes, the ledger, allegations and vetting. The unit ids."""
    started = time.perf_counter()
    actors = _users(sessions)
    dea = actors["bench.dea"]
    both = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])
    units = [
        UnitIn(
            id=f"bench-unit-{i:02d}",
            name_es=f"Unidad de prueba {i:02d}",
            name_en=f"Test unit {i:02d}",
            force="SEDENA",
            location=Location(city="", state=STATES[i % len(STATES)], country="MX"),
        )
        for i in range(UNITS)
    ]
    with transaction(sessions) as session:
        import_units(
            session=session,
            actor=dea,
            units=units,
            file_name="bench-units.yml",
            source="bench-units",
            markings_in=both,
        )
    unit_ids = [u.id for u in units]
    names = {u.id: u.name_es for u in units}
    rng = random.Random(16)
    with transaction(sessions) as session:
        public = marking_id_for(
            session=session,
            markings=Markings.create(tlp="CLEAR", originator="DEA", rel_to=["USA", "MEX"]),
        )
        usa = marking_id_for(
            session=session,
            markings=Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA"]),
        )
        now = date(2026, 1, 1)
        programmes = [
            {
                "id": secrets.token_hex(8),
                "key": f"bench:P-{p:04d}",
                "name_en": f"Programme {p:04d}",
                "name_es": f"Programa {p:04d}",
                "description": "",
                "account": "INCLE",
                "sector": "15210",
                "partner": f"Partner {p % 37:02d}",
                "funding_agency": "Department of State",
                "managing_agency": "Department of State",
                "source": "bench",
                "release": "bench-1",
                "marking_id": public,
                "created_at": now,
                "updated_at": now,
            }
            for p in range(PROGRAMMES)
        ]
        session.execute(insert(Programme), programmes)
    console.print(f"  units and programmes: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    done = 0
    while done < rows:
        batch = []
        for n in range(done, min(rows, done + BATCH)):
            p = n % PROGRAMMES
            unit = unit_ids[p % UNITS]
            year = YEARS[rng.randrange(len(YEARS))]
            day = date(year - 1, 10, 1) + timedelta(days=rng.randrange(365))
            batch.append(
                {
                    "id": f"{n:016x}",
                    "key": f"bench:{n}",
                    "programme_id": programmes[p]["id"],
                    "fiscal_year": year,
                    "transaction_date": day,
                    "type": TYPES[rng.randrange(len(TYPES))],
                    "partner": programmes[p]["partner"],
                    "unit_name": names[unit],
                    "unit_entity_id": unit,
                    "usd": Decimal(rng.randrange(100, 5_000_000_00)) / 100,
                    "reverses": "",
                    "source": "bench",
                    "release": "bench-1",
                    "source_line": n + 2,
                    "marking_id": usa if rng.random() < 0.05 else public,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with transaction(sessions) as session:
            session.execute(insert(LedgerTransaction), batch)
        done += len(batch)
    console.print(f"  {rows:,} ledger rows: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    violations = ["torture", "arbitrary_detention", "enforced_disappearance"]
    for n in range(300):
        with transaction(sessions) as session:
            allegation_service.file_allegation(
                session=session,
                actor=dea,
                allegation_in=AllegationCreate(
                    summary_en=f"Allegation {n}",
                    occurred_from=date(2016, 1, 1) + timedelta(days=rng.randrange(3600)),
                    state=STATES[n % len(STATES)],
                    violations=[violations[n % 3]],
                    unit_entity_id=unit_ids[n % UNITS],
                    markings=both if n % 10 else MarkingsIn(tlp="GREEN", rel_to=["USA"]),
                ),
            )
    for n, unit in enumerate(unit_ids):
        with transaction(sessions) as session:
            request = vetting_service.request_vetting(
                session=session,
                actor=dea,
                request_in=VettingCreate(
                    subject_kind="unit",
                    subject_entity_id=unit,
                    purpose="disbursement",
                    programme_officer="INL Mexico City",
                    markings=both,
                ),
            )
            if n % 2:
                vetting_service.decide(
                    session=session,
                    actor=actors["bench.vetter"],
                    request_id=request.id,
                    decision_in=DecisionIn(
                        status="approved" if n % 8 else "suspended",
                        reason="bench",
                        valid_from=date(2025, 1, 1) if n % 8 else None,
                        valid_until=date(2027, 12, 31) if n % 8 else None,
                    ),
                )
    console.print(
        f"  300 allegations and {UNITS} vetting requests: {time.perf_counter() - started:.1f} s"
    )
    return unit_ids, actors


def queries(unit_ids: list[str], count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    out: list[dict[str, Any]] = []
    for n in range(count):
        query: dict[str, Any] = {"unit": rng.choice(unit_ids)}
        if n % 2:
            query["fy"] = rng.choice(list(YEARS))
        out.append(query)
    return out


def serve(settings: Settings) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    from vinculo.web.app import create_app

    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def time_api(settings: Settings, asked: list[dict[str, Any]]) -> tuple[list[float], list[str]]:
    """Milliseconds per request over HTTP, and each answer's "received" sum."""
    server, thread, url = serve(settings)
    times: list[float] = []
    sums: list[str] = []
    try:
        signed_in = httpx.post(
            f"{url}/api/v1/auth/token",
            data={"username": "bench.fgr", "password": PASSWORD},
            timeout=60,
        )
        if signed_in.status_code != 200:
            raise SystemExit(f"bench.fgr could not sign in: {signed_in.text}")
        token = signed_in.json()["access_token"]
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            for query in asked[:5]:  # warm-up: imports, caches, the first connections
                client.get("/api/v1/assistance/accountability", params=query).raise_for_status()
            for query in asked:
                start = time.perf_counter()
                answer = client.get("/api/v1/assistance/accountability", params=query)
                times.append((time.perf_counter() - start) * 1000)
                answer.raise_for_status()
                sums.append(answer.json()["received_usd"])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return times, sums


def export_parquet(sessions: sessionmaker[Session], path: Path) -> float:
    """Every ledger row's columns the view aggregates, to Parquet. Seconds taken."""
    started = time.perf_counter()
    columns = (
        LedgerTransaction.fiscal_year,
        LedgerTransaction.type,
        LedgerTransaction.unit_entity_id,
        LedgerTransaction.unit_name,
        LedgerTransaction.programme_id,
        LedgerTransaction.partner,
        LedgerTransaction.marking_id,
        LedgerTransaction.usd,
    )
    schema = pa.schema(
        [
            ("fiscal_year", pa.int32()),
            ("type", pa.string()),
            ("unit_entity_id", pa.string()),
            ("unit_name", pa.string()),
            ("programme_id", pa.string()),
            ("partner", pa.string()),
            ("marking_id", pa.int32()),
            ("usd", pa.decimal128(18, 2)),
        ]
    )
    with sessions() as session, pq.ParquetWriter(path, schema) as writer:
        result = session.execute(select(*columns).execution_options(yield_per=100_000))
        for chunk in result.partitions():
            cols = list(zip(*chunk, strict=True))
            usd = [Decimal(str(v)).quantize(Decimal("0.01")) for v in cols[7]]
            writer.write_table(
                pa.Table.from_arrays(
                    [
                        pa.array(c, type=f.type)
                        for c, f in zip([*cols[:7], usd], schema, strict=True)
                    ],
                    schema=schema,
                )
            )
    return time.perf_counter() - started


def time_duckdb(
    path: Path, visible: list[int], asked: list[dict[str, Any]]
) -> tuple[list[float], list[str]]:
    """The view's ledger aggregation in DuckDB over the Parquet file, per request."""
    connection = duckdb.connect()
    marks = ", ".join(str(int(m)) for m in visible)
    sql = (
        "SELECT fiscal_year, type, unit_entity_id, unit_name, marking_id, sum(usd), count(*) "
        f"FROM read_parquet('{path}') WHERE marking_id IN ({marks}) "
        "AND (unit_entity_id = $unit OR unit_name = $unit) {year}"
        "GROUP BY fiscal_year, type, unit_entity_id, unit_name, marking_id"
    )
    times: list[float] = []
    sums: list[str] = []
    for n, query in enumerate([*asked[:5], *asked]):
        params: dict[str, Any] = {"unit": query["unit"]}
        year = ""
        if "fy" in query:
            params["fy"] = query["fy"]
            year = "AND fiscal_year = $fy "
        start = time.perf_counter()
        found = connection.execute(sql.format(year=year), params).fetchall()
        took = (time.perf_counter() - start) * 1000
        if n >= 5:
            times.append(took)
            received = sum((Decimal(r[5]) for r in found if r[1] in ("3", "4")), Decimal(0))
            sums.append(str(received.quantize(Decimal("0.01"))))
    connection.close()
    return times, sums


def run(
    label: str, url: str, settings: Settings, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    console.print(f"[bold]{label}[/bold]")
    engine, sessions = url_store(url)
    unit_ids, actors = fill(sessions, args.rows)
    if engine.dialect.name == "postgresql":
        # As autovacuum would leave a store at rest: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    with sessions() as session:
        visible = visible_marking_ids(session=session, actor=actors["bench.fgr"])
    engine.dispose()
    asked = queries(unit_ids, args.requests)
    api, api_sums = time_api(settings, asked)
    parquet = work / f"ledger-{label.lower()}.parquet"
    exported = export_parquet(sessions, parquet)
    duck, duck_sums = time_duckdb(parquet, visible, asked)
    same = api_sums == duck_sums
    for query, ours, theirs in zip(asked, api_sums, duck_sums, strict=True):
        if ours != theirs:
            console.print(f"  first difference: {query}: API {ours}, DuckDB {theirs}")
            break
    out = {
        "label": label,
        "api_p50": statistics.median(api),
        "api_p95": pct(api, 95),
        "duck_p50": statistics.median(duck),
        "duck_p95": pct(duck, 95),
        "export_s": exported,
        "parquet_mb": parquet.stat().st_size / 1e6,
        "same": same,
    }
    console.print(
        f"  API p50 {out['api_p50']:.1f} ms, p95 {out['api_p95']:.1f} ms over {len(api)} requests "
        f"{verdict(out['api_p95'] < TARGET_MS)} (target p95 < {TARGET_MS:.0f} ms)"
    )
    console.print(
        f"  DuckDB over Parquet ({out['parquet_mb']:.1f} MB, exported in {exported:.1f} s): "
        f"p50 {out['duck_p50']:.1f} ms, p95 {out['duck_p95']:.1f} ms; "
        f"same sums as the API: {'yes' if same else 'NO'}"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    console.print(f"machine: {machine_line()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="vinculo-bench-accountability-") as tmp:
        work = Path(tmp)
        sqlite_url = f"sqlite:///{work / 'vinculo.db'}"
        results.append(
            run(
                "SQLite",
                sqlite_url,
                Settings(database_url=sqlite_url, data_dir=work, secret_key=SECRET, demo=True),
                args,
                work,
            )
        )
        if not args.sqlite_only:
            schema = f"bench_acc_{uuid.uuid4().hex[:10]}"
            admin = make_engine(Settings(database_url=args.postgres))
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            joiner = "&" if "?" in args.postgres else "?"
            url = f"{args.postgres}{joiner}options=-csearch_path%3D{schema}"
            try:
                results.append(
                    run(
                        "PostgreSQL",
                        url,
                        Settings(database_url=url, data_dir=work, secret_key=SECRET, demo=True),
                        args,
                        work,
                    )
                )
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    console.print()
    console.print("backend     API p50   API p95   DuckDB p50   DuckDB p95   verdict")
    for r in results:
        console.print(
            f"{r['label']:<11} {r['api_p50']:>7.1f}   {r['api_p95']:>7.1f}   "
            f"{r['duck_p50']:>10.1f}   {r['duck_p95']:>10.1f}   "
            f"{verdict(r['api_p95'] < TARGET_MS and r['same'])}"
        )
    if not all(r["api_p95"] < TARGET_MS and r["same"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
