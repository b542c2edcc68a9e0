"""FtM JSON-lines import into SQLite on one core: target ≥ 20,000 statements/s.

    .venv/bin/python bench/import_ftm.py [--entities 30000] [--runs 3] [--profile]

Writes a deterministic synthetic file (Person/Company entities with name, birthDate,
nationality, idNumber, alias…, ≈150k statements) into a temporary directory, then times:

  * `vinculo.intel.transfer.import_ftm` in one transaction on a fresh migrated SQLite store,
    as `vinculo import ftm FILE --as USER --tlp GREEN --rel-to USA,MEX` does (best of --runs),
    checking afterwards that the full-text index holds every statement and its trigger is back
    (import_ftm fills the index once at the end: `SQLiteBackend.bulk_statements`);
  * the real CLI once, in a subprocess, with the Rich progress bar forced on;
  * peers and a breakdown on the same data: followthemoney's own parse, vinculo's parse and
    check, statement-row building, vinculo's write alone (`bulk_statements` around
    `insert_entities` + `upsert_statements`), a raw sqlite3 write into the same schema (with
    the per-row FTS trigger, and with the index filled once after), and the floor: a plain
    sqlite3 `executemany` into a bare table with no validation and no indexes.

Exits non-zero only when something cannot run; a missed target prints MISS.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    console,
    die,
    ensure_user,
    machine_line,
    pin_to_one_core,
    plain_verdict,
    sqlite_store,
    stopwatch,
    verdict,
)
from _synth import import_entities
from followthemoney import model
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy import text

from vinculo.db import transaction
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import Where, check_entity, statement_rows
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import marking_id_for

TARGET = 20_000  # statements per second
USER = "bench.fgr"
AGENCY = "FGR"
MARKINGS = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
COLUMNS = [
    "id",
    "entity_id",
    "canonical_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "lang",
    "original_value",
    "dataset",
    "report_id",
    "marking_id",
    "norm",
    "first_seen",
    "last_seen",
]
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def write_file(path: Path, entities: int) -> str:
    digest = hashlib.sha256()
    with path.open("w", encoding="utf-8") as out:
        for entity in import_entities(entities, seed=7):
            line = json.dumps(entity, ensure_ascii=False) + "\n"
            digest.update(line.encode("utf-8"))
            out.write(line)
    return digest.hexdigest()[:12]


def fresh_store(directory: Path, name: str) -> tuple[Any, Any, Actor]:
    """A migrated SQLite file with the importing account in it."""
    engine, sessions = sqlite_store(directory / name)
    with transaction(sessions) as session:
        actor = ensure_user(session, USER, AGENCY)
    return engine, sessions, actor


def run_import(
    directory: Path,
    data: Path,
    name: str,
    profile: bool = False,
    with_progress: bool = False,
) -> dict[str, Any]:
    """import_ftm into a fresh store, one transaction, as the CLI runs it."""
    engine, sessions, actor = fresh_store(directory, f"import-{name}.db")
    profiler = cProfile.Profile() if profile else None
    with (
        stopwatch() as t,
        transaction(sessions) as session,
        data.open(encoding="utf-8") as lines,
    ):
        if profiler:
            profiler.enable()
        bar = cli_progress(data) if with_progress else None
        with bar or nullcontext():
            summary = import_ftm(
                session=session,
                actor=actor,
                lines=lines,
                file_name=str(data),
                source=data.name,
                markings_in=MARKINGS,
                progress=(lambda n: bar.advance(bar.task_ids[0], n)) if bar else None,
            )
        if profiler:
            profiler.disable()
    with sessions() as session:
        found = session.execute(
            text("SELECT count(*) FROM statement_fts WHERE statement_fts MATCH '\"garcia\"*'")
        ).scalar()
        stored = session.execute(text("SELECT count(*) FROM statements")).scalar()
    engine.dispose()
    # import_ftm fills the index once at the end (SQLiteBackend.bulk_statements): main()
    # checks it holds what a trigger per row makes, and that the trigger is back.
    fts = fts_fingerprint(directory / f"import-{name}.db")
    if profiler:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats("tottime").print_stats(25)
        console.print(buffer.getvalue(), markup=False)
    return {
        "wall": t["wall"],
        "cpu": t["cpu"],
        "statements": summary.statements,
        "stored": stored,
        "fts_garcia": found,
        "fts": fts,
    }


def fts_fingerprint(db: Path) -> tuple[int, int]:
    """(term instances, rows) the statements' full-text index holds, read from FTS5 itself."""
    con = sqlite3.connect(db)
    try:
        con.execute(
            "CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, 'statement_fts', 'instance')"
        )
        instances, rows = con.execute(
            "SELECT count(*), count(DISTINCT doc) FROM temp.fts_terms"
        ).fetchone()
        trigger = con.execute(
            "SELECT count(*) FROM sqlite_master"
            " WHERE type = 'trigger' AND name = 'statements_fts_insert'"
        ).fetchone()[0]
    finally:
        con.close()
    if trigger != 1:
        die(f"{db.name}: the trigger statements_fts_insert is missing after the write")
    return int(instances), int(rows)


def cli_progress(data: Path) -> Progress:
    """The progress bar `vinculo import ftm` draws, drawing into memory on a fake terminal."""
    screen = Console(file=io.StringIO(), force_terminal=True, force_interactive=True, width=100)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=screen, transient=True)
    bar.add_task(data.name, total=data.stat().st_size)
    return bar


def run_cli(directory: Path, data: Path) -> dict[str, Any]:
    exe = Path(sys.executable).parent / "vinculo"
    if not exe.exists():
        die(f"{exe} not found (pip install -e . into the venv)")
    db = directory / "cli.db"
    fresh_store(directory, "cli.db")[0].dispose()
    env = {
        **os.environ,
        "VINCULO_DATABASE_URL": f"sqlite:///{db}",
        # Rich draws the live progress bar only on an interactive terminal; say we are one.
        "TTY_INTERACTIVE": "1",
        "TTY_COMPATIBLE": "1",
        "COLUMNS": "100",
    }
    with stopwatch() as startup:
        subprocess.run([str(exe), "--help"], env=env, capture_output=True, check=True)
    command = [
        str(exe),
        "import",
        "ftm",
        str(data),
        "--as",
        USER,
        "--tlp",
        "GREEN",
        "--rel-to",
        "USA,MEX",
    ]
    with stopwatch() as t:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        console.print(done.stdout, done.stderr, markup=False)
        die(f"the CLI failed with exit code {done.returncode}")
    stored = sqlite3.connect(db).execute("select count(*) from statements").fetchone()[0]
    return {
        "wall": t["wall"],
        "startup": startup["wall"],
        "statements": stored,
        "bar": "━" in done.stderr,
        "last": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "",
        "command": " ".join(["vinculo", *command[1:]]),
    }


def raw_connection(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    for pragma in PRAGMAS:
        con.execute(pragma)
    return con


def raw_write(
    directory: Path,
    name: str,
    tuples: list[tuple[Any, ...]],
    entities: list[tuple[str, str, str]],
    defer_fts: bool,
) -> dict[str, Any]:
    """The same rows through sqlite3 alone into the migrated schema (indexes, FTS trigger)."""
    fresh_store(directory, name)[0].dispose()
    con = raw_connection(directory / name)
    con.execute(
        "INSERT INTO markings(signature, tlp, originator, rel_to, orcon, groups, recipients,"
        " shared_with) VALUES ('raw', 'GREEN', 'FGR', 'MEX,USA', 0, '', '', '')"
    )
    marking_id = con.execute("select id from markings where signature = 'raw'").fetchone()[0]
    trigger = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'statements_fts_insert'"
    ).fetchone()[0]
    if defer_fts:
        con.execute("DROP TRIGGER statements_fts_insert")
    con.commit()
    rows = [(*row[:11], marking_id, *row[12:]) for row in tuples]
    insert = (
        f"INSERT INTO statements ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        " ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen"
    )
    with stopwatch() as t:
        con.executemany(
            "INSERT INTO entities (id, schema, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            entities,
        )
        con.executemany(insert, rows)
        if defer_fts:
            con.execute(
                "INSERT INTO statement_fts (rowid, norm)"
                " SELECT seq, norm FROM statements WHERE norm IS NOT NULL"
            )
        con.commit()
    if defer_fts:
        # What the migrations left: the trigger, for the writes after this one.
        con.execute(str(trigger))
        con.commit()
    con.close()
    return {**t, "fts": fts_fingerprint(directory / name)}


def floor_write(directory: Path, tuples: list[tuple[Any, ...]]) -> dict[str, float]:
    con = raw_connection(directory / "floor.db")
    con.execute(f"CREATE TABLE statements ({', '.join(COLUMNS)})")
    with stopwatch() as t:
        con.executemany(f"INSERT INTO statements VALUES ({', '.join('?' * len(COLUMNS))})", tuples)
        con.commit()
    con.close()
    return t


def vinculo_write(directory: Path, checked: list[Any], seen: datetime) -> dict[str, Any]:
    """vinculo's own write path as import_ftm runs it (bulk_statements around the backend's
    insert_entities + upsert_statements, batches of 2,000), rows built before the clock."""
    engine, sessions, _actor = fresh_store(directory, "vinculo-write.db")
    markings = Markings.create(tlp="GREEN", originator="FGR")
    with transaction(sessions) as session:
        marking_id = marking_id_for(session=session, markings=markings)
    batches: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    for start in range(0, len(checked), 2000):
        batch = checked[start : start + 2000]
        entities = [{"id": e[0], "schema": e[1], "created_at": seen} for e in batch]
        rows = [
            row
            for entity_id, schema, values in batch
            for row in statement_rows(
                entity_id=entity_id,
                schema=schema,
                values=values,
                source="data",
                marking_id=marking_id,
                markings=markings.signature(),
                report_id=None,
                seen=seen,
            )
        ]
        batches.append((entities, rows))
    with stopwatch() as t, transaction(sessions) as session:
        backend = backend_for(session)
        # Code before bulk_statements (measured from a `git archive`) kept the trigger per row.
        bulk = getattr(backend, "bulk_statements", None)
        with bulk(session) if bulk else nullcontext():
            for entities, rows in batches:
                backend.insert_entities(session, entities)
                backend.upsert_statements(session, rows)
    engine.dispose()
    return {**t, "fts": fts_fingerprint(directory / "vinculo-write.db")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3, help="import_ftm runs; the best counts")
    parser.add_argument("--profile", action="store_true", help="cProfile the first run")
    args = parser.parse_args()

    console.rule("bench/import_ftm.py — FtM JSON-lines import into SQLite, one core")
    console.print(machine_line())
    console.print(pin_to_one_core())

    with tempfile.TemporaryDirectory(prefix="vinculo-bench-") as tmp:
        directory = Path(tmp)
        data = directory / "synthetic.ftm.json"
        with stopwatch() as t:
            digest = write_file(data, args.entities)
        lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
        console.print(
            f"data: {len(lines):,} entities, {data.stat().st_size / 1e6:.1f} MB, "
            f"sha256 {digest}… (generated in {t['wall']:.1f} s)"
        )

        runs = [
            run_import(directory, data, f"run{n}", args.profile and n == 0)
            for n in range(args.runs)
        ]
        statements = int(runs[0]["statements"])
        best = min(runs, key=lambda r: r["wall"])
        console.print(
            f"import_ftm stored {statements:,} statements (id statements included); runs: "
            + ", ".join(f"{r['wall']:.2f} s wall / {r['cpu']:.2f} s CPU" for r in runs)
        )

        with_bar = run_import(directory, data, "progress", with_progress=True)
        cli = run_cli(directory, data)
        if cli["statements"] != statements:
            die(f"the CLI stored {cli['statements']} statements, import_ftm {statements}")

        # --- peers and breakdown on the same data ---------------------------------------
        with stopwatch() as ftm_parse:
            for raw in lines:
                model.get_proxy(json.loads(raw))
        with stopwatch() as check:
            checked = [
                check_entity(json.loads(raw), Where(file="x", line=n))
                for n, raw in enumerate(lines, 1)
            ]
        seen = datetime(2025, 1, 1, 12, 0, 0)
        with stopwatch() as build:
            dict_rows = [
                row
                for entity_id, schema, values in checked
                for row in statement_rows(
                    entity_id=entity_id,
                    schema=schema,
                    values=values,
                    source="data",
                    marking_id=1,
                    markings=Markings.create(tlp="GREEN", originator="FGR").signature(),
                    report_id=None,
                    seen=seen,
                )
            ]
        if len(dict_rows) != statements:
            die(f"row building gave {len(dict_rows)} rows, import_ftm {statements}")
        stamp = seen.strftime("%Y-%m-%d %H:%M:%S.%f")
        tuples = [
            tuple(stamp if isinstance(r[c], datetime) else r[c] for c in COLUMNS) for r in dict_rows
        ]
        entity_rows = [(e[0], e[1], stamp) for e in checked]
        write = vinculo_write(directory, checked, seen)
        raw = raw_write(directory, "raw.db", tuples, entity_rows, defer_fts=False)
        raw_deferred = raw_write(directory, "raw-deferred.db", tuples, entity_rows, defer_fts=True)
        floor = floor_write(directory, tuples)
        for label, got in [(f"import_ftm run {n + 1}", r["fts"]) for n, r in enumerate(runs)] + [
            ("import_ftm + progress bar", with_bar["fts"]),
            ("vinculo write", write["fts"]),
            ("sqlite3, FTS deferred", raw_deferred["fts"]),
        ]:
            if got != raw["fts"]:
                die(
                    f"{label}: the full-text index holds {got[0]:,} terms in {got[1]:,} rows; "
                    f"a trigger per row made {raw['fts'][0]:,} in {raw['fts'][1]:,}"
                )

    rate = statements / best["wall"]
    table = Table(title=f"FtM import, {statements:,} statements from {len(lines):,} entities")
    for name in ("step", "what it does", "wall s", "CPU s", "statements/s", "target"):
        table.add_column(name, justify="right" if name[0] in "wCst" else "left")
    table.columns[0].justify = "left"

    def add(step: str, what: str, t: dict[str, Any], target: str = "") -> None:
        table.add_row(
            step,
            what,
            f"{t['wall']:.2f}",
            f"{t['cpu']:.2f}",
            f"{statements / t['wall']:,.0f}",
            target,
        )

    add(
        "import_ftm (best)",
        "parse, check, build rows, driver upsert, indexes, FTS once at the end",
        best,
        f"≥ {TARGET:,} {verdict(rate >= TARGET)}",
    )
    add(
        "import_ftm + progress bar",
        "in-process, with the CLI's Rich progress callback (once per batch)",
        with_bar,
    )
    cli_rate = statements / cli["wall"]
    table.add_row(
        "CLI (subprocess)",
        f"vinculo import ftm … with the progress bar; {cli['startup']:.2f} s of it is start-up",
        f"{cli['wall']:.2f}",
        "",
        f"{cli_rate:,.0f}",
        f"≥ {TARGET:,} {verdict(cli_rate >= TARGET)}",
    )
    table.add_section()
    add("peer: FtM parse", "model.get_proxy(json.loads(line))", ftm_parse)
    add("vinculo check", "json.loads + check_entity (cleans every value)", check)
    add("vinculo rows", "statement_rows: make_key + fold", build)
    add("vinculo write", "bulk_statements: entities + statement upsert, rows prebuilt", write)
    add("sqlite3 write", "same SQL via executemany, same schema, FTS trigger per row", raw)
    add("sqlite3, FTS deferred", "as above, FTS filled by one INSERT…SELECT after", raw_deferred)
    add("peer: floor", "executemany into a bare table, no indexes", floor)
    console.print(table)

    console.print(
        "Where import_ftm's CPU time goes (from the rows above): "
        f"json + check {check['cpu']:.1f} s, statement rows {build['cpu']:.1f} s, "
        f"vinculo write {write['cpu']:.1f} s, of which SQLite itself "
        f"≈{raw_deferred['cpu']:.1f} s (bare insert {floor['cpu']:.1f} s; a per-row FTS "
        f"trigger would add ≈{raw['cpu'] - raw_deferred['cpu']:.1f} s); "
        f"import_ftm total {best['cpu']:.1f} s."
    )
    console.print(
        f"Full-text index after every write above: the same {raw['fts'][0]:,} terms in "
        f"{raw['fts'][1]:,} rows as a trigger per row makes, and the trigger back; "
        f"{runs[0]['stored']:,} statements stored, {runs[0]['fts_garcia']:,} match 'garcia*'."
    )
    console.print(
        f"CLI: `{cli['command']}` → {cli['statements']:,} statements stored; "
        f"progress bar drawn: {'yes' if cli['bar'] else 'NO'}; last line: {cli['last']!r}"
    )
    console.print(
        f"TARGET import_ftm ≥ {TARGET:,} statements/s on one core: {rate:,.0f} → "
        f"{plain_verdict(rate >= TARGET)} (CPU-bound rate {statements / best['cpu']:,.0f}/s)"
    )
    console.print(
        f"TARGET CLI ≥ {TARGET:,} statements/s (incl. start-up): {cli_rate:,.0f} → "
        f"{plain_verdict(cli_rate >= TARGET)}"
    )


if __name__ == "__main__":
    main()
