"""IATI export of 10,000 activities, validated against the official schema (issue 16, Numbers:
under 30 s).

A ForeignAssistance.gov-shaped CSV of N activities with a few rows each (an appropriation, an
obligation and disbursements, over ten fiscal years, the accounts and purposes of the test
fixture) is imported through the domain's importer as a U.S. analyst, TLP:CLEAR REL TO USA,
MEX; a further twentieth of activities is imported REL TO USA only, so the Mexican reader's
export has to leave them out. Then, in this run:
  * export: `vinculo assistance iati OUT.xml --as bench.fgr` as a subprocess, the path a user
    runs (interpreter start and imports included);
  * validation: lxml parses the file and checks it against tests/data/iati's 2.03 schema.

    .venv/bin/python bench/assistance_iati.py [--activities 10000] [--rows 4] [--postgres URL]

Without --postgres the store is a SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lxml.etree
from _common import ROOT, console, ensure_user, machine_line, url_store, verdict
from sqlalchemy import text

from vinculo.assistance.importer import import_csv
from vinculo.assistance.models import fiscal_year
from vinculo.db import make_engine, transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.settings import Settings

FIXTURE = ROOT / "tests" / "data" / "assistance" / "fagov_mexico_2024-06.csv"
SCHEMA = ROOT / "tests" / "data" / "iati" / "iati-activities-schema.xsd"
TARGET_S = 30.0
KINDS = ("Appropriations", "Obligations", "Disbursements", "Disbursements", "Expenditures")


def templates() -> tuple[list[str], list[dict[str, str]]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [r for r in reader if r["Country Name"] == "Mexico"]
        return list(reader.fieldnames or []), rows


def ledger_csv(first: int, count: int, rows: int) -> str:
    """`count` activities numbered from `first`, `rows` ledger rows each."""
    header, base = templates()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    start = date(2015, 10, 1)
    for n in range(first, first + count):
        template = base[n % len(base)]
        for k in range(rows):
            day = start + timedelta(days=(n * 37 + k * 91) % 3650)
            writer.writerow(
                {
                    **template,
                    "Activity ID": f"BENCH-{n:06d}",
                    "Activity Name": f"{template['Activity Name']} ({n})",
                    "Activity Description": f"Synthetic activity {n}: {template['Activity Name']}.",
                    "Transaction Type Name": KINDS[k % len(KINDS)],
                    "Transaction Date": day.isoformat(),
                    "Fiscal Year": str(fiscal_year(day)),
                    "Current Dollar Amount": f"{(n % 97 + 1) * 10_000 + k * 1_234.56:.2f}",
                    "Constant Dollar Amount": "",
                }
            )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=4, help="ledger rows per activity")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL instead of SQLite")
    args = parser.parse_args()
    console.print(machine_line())
    with tempfile.TemporaryDirectory(prefix="vinculo-iati-") as tmp:
        work = Path(tmp)
        if not args.postgres:
            run(args, f"sqlite:///{work / 'iati.db'}", work)
            return
        # A schema of its own, dropped at the end: the database's other stores stay as they are.
        schema = f"bench_iati_{uuid.uuid4().hex[:10]}"
        admin = make_engine(Settings(database_url=args.postgres))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        joiner = "&" if "?" in args.postgres else "?"
        try:
            run(args, f"{args.postgres}{joiner}options=-csearch_path%3D{schema}", work)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def run(args: argparse.Namespace, url: str, work: Path) -> None:
    """Fill the store at `url` through the importer, then time the export and validation."""
    engine, sessions = url_store(url)
    hidden = max(1, args.activities // 20)
    started = time.perf_counter()
    with transaction(sessions) as session:
        american = ensure_user(session, "bench.dea", "DEA")
        ensure_user(session, "bench.fgr", "FGR")
    for first, count, markings, release in (
        (0, args.activities, MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"]), "public"),
        (args.activities, hidden, MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa-only"),
    ):
        with transaction(sessions) as session:
            import_csv(
                session=session,
                actor=american,
                handle=io.StringIO(ledger_csv(first, count, args.rows)),
                file_name=f"{release}.csv",
                release=release,
                markings_in=markings,
            )
    engine.dispose()
    total = (args.activities + hidden) * args.rows
    console.print(
        f"store: {args.activities:,} + {hidden:,} hidden activities, {total:,} ledger rows "
        f"({'PostgreSQL' if args.postgres else 'SQLite'}), "
        f"imported in {time.perf_counter() - started:.1f} s"
    )

    output = work / "mexico.xml"
    env = {**os.environ, "VINCULO_DATABASE_URL": url, "VINCULO_DATA_DIR": str(work)}
    vinculo = Path(sys.executable).with_name("vinculo")
    started = time.perf_counter()
    done = subprocess.run(
        [str(vinculo), "assistance", "iati", str(output), "--as", "bench.fgr"],
        env=env,
        capture_output=True,
        text=True,
    )
    export_s = time.perf_counter() - started
    if done.returncode != 0:
        console.print(f"[red]export failed: {done.stderr}[/red]")
        sys.exit(1)
    console.print(done.stderr.strip(), soft_wrap=True)

    started = time.perf_counter()
    schema = lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMA)))
    document = lxml.etree.parse(str(output))
    schema.assertValid(document)
    validate_s = time.perf_counter() - started
    activities = len(document.getroot())
    leaked = sum(
        1 for e in document.iter("iati-identifier") if int(str(e.text)[-6:]) >= args.activities
    )
    size = output.stat().st_size / 1e6
    console.print(
        f"export (vinculo assistance iati, subprocess): {export_s:.1f} s, "
        f"{activities:,} activities, {size:.1f} MB; hidden activities in it: {leaked}"
    )
    console.print(f"schema validation (lxml, iati-activities-schema.xsd): {validate_s:.1f} s")
    both = export_s + validate_s
    console.print(
        f"export + validation: {both:.1f} s (target under {TARGET_S:.0f} s) "
        f"{verdict(both < TARGET_S and activities == args.activities and not leaked)}"
    )


if __name__ == "__main__":
    main()
