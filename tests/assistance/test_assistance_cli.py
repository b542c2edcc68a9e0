"""`vinculo assistance import FILE --as NAME`, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import func, select

from vinculo.assistance.models import LedgerTransaction
from vinculo.db import transaction

from command_line import run_vinculo
from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data" / "assistance"


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("assistance", *args, env=env)


def _count(world: World) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count(LedgerTransaction.seq))).scalar_one())


def test_import_then_a_revised_release(fresh_world: World) -> None:
    first = DATA / "fagov_mexico_2024-06.csv"
    done = cli(fresh_world, "import", str(first), "--as", "us.analyst")
    assert done.returncode == 0, done.stderr
    assert "Release fagov_mexico_2024-06: 11 rows added, 0 updated" in done.stderr
    revised = DATA / "fagov_mexico_2024-09.csv"
    again = cli(fresh_world, "import", str(revised), "--release", "2024-09", "--as", "us.analyst")
    assert again.returncode == 0, again.stderr
    assert "1 rows added, 11 updated" in again.stderr
    assert _count(fresh_world) == 12


def test_a_bad_file_stores_nothing_and_skip_bad_writes_the_rejects(
    fresh_world: World, tmp_path: Path
) -> None:
    text = (DATA / "fagov_mexico_2024-06.csv").read_text("utf-8")
    bad = tmp_path / "malo.csv"
    bad.write_text(text.replace("2500000.00", "dos millones", 1), "utf-8")
    refused = cli(fresh_world, "import", str(bad), "--as", "mx.analyst", "--lang", "es")
    assert refused.returncode == 2
    assert "línea 2" in refused.stderr and "Current Dollar Amount" in refused.stderr
    assert _count(fresh_world) == 0
    rejects = tmp_path / "rechazos.csv"
    skipped = cli(
        fresh_world,
        "import",
        str(bad),
        "--as",
        "mx.analyst",
        "--skip-bad",
        "--rejects",
        str(rejects),
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "10 rows added" in skipped.stderr and "1 rejected" in skipped.stderr
    assert "dos millones" in rejects.read_text("utf-8")
    assert _count(fresh_world) == 10
    unknown = cli(fresh_world, "import", str(bad), "--as", "nobody")
    assert unknown.returncode == 2 and "unknown account nobody" in unknown.stderr
