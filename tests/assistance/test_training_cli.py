"""`vinculo assistance training add|seat|list` and `vinculo assistance equipment
deliver|check|list`, as one account, on SQLite and PostgreSQL: a seat or a delivery the Leahy
gate refuses prints the reason in the chosen language, exits 2 and stores nothing; an
overdue item is flagged in the list."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

from sqlalchemy import func, select
from training_world import CADET, SUSPENDED, UNIT, add_units_and_vetter, vet

from vinculo.assistance.equipment_models import EquipmentItem
from vinculo.assistance.training_models import TrainingParticipant
from vinculo.db import transaction

from command_line import run_vinculo
from worlds import World


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    env["COLUMNS"] = "200"
    return run_vinculo("assistance", *args, env=env)


def _count(world: World, table: type[TrainingParticipant | EquipmentItem]) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_training_add_seat_and_list(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, CADET, "person", "training")
    vet(fresh_world, UNIT, "unit", "training")
    vet(fresh_world, SUSPENDED, "unit", "disbursement", status="suspended")
    start = (date.today() - timedelta(days=10)).isoformat()
    made = cli(
        fresh_world,
        "training",
        "add",
        "--as",
        "us.analyst",
        "--course",
        "Cadena de custodia",
        "--start",
        start,
        "--human-rights",
        "--hours",
        "6",
        "--state",
        "Sonora",
    )
    assert made.returncode == 0, made.stderr
    found = re.search(r"Training event ([0-9a-f]{16}) recorded", made.stdout)
    assert found, made.stdout
    event = found.group(1)
    seated = cli(
        fresh_world,
        "training",
        "seat",
        event,
        "--as",
        "us.analyst",
        "--unit",
        UNIT,
        "--person",
        CADET,
    )
    assert seated.returncode == 0, seated.stderr
    refused = cli(
        fresh_world,
        "training",
        "seat",
        event,
        "--as",
        "us.analyst",
        "--unit",
        SUSPENDED,
        "--lang",
        "es",
    )
    assert refused.returncode == 2
    assert "está suspendido en la verificación Leahy" in " ".join(refused.stderr.split())
    assert _count(fresh_world, TrainingParticipant) == 1
    listed = cli(fresh_world, "training", "list", "--as", "mx.analyst", "--unit", UNIT)
    assert listed.returncode == 0, listed.stderr
    # The table may wrap the course over two lines on a narrow terminal.
    words = " ".join(w for w in listed.stdout.replace("│", " ").split())
    assert "Cadena" in words and "custodia" in words and "Training events: 1" in words


def test_equipment_deliver_check_and_list(fresh_world: World) -> None:
    add_units_and_vetter(fresh_world)
    vet(fresh_world, UNIT, "unit", "equipment")
    vet(fresh_world, SUSPENDED, "unit", "disbursement", status="suspended")
    old = (date.today() - timedelta(days=400)).isoformat()
    common = ["--as", "us.analyst", "--type", "drone", "--value", "35000", "--delivered", old]
    refused = cli(
        fresh_world, "equipment", "deliver", *common, "--serial", "X-1", "--unit", SUSPENDED
    )
    assert refused.returncode == 2
    assert "is suspended in Leahy vetting" in " ".join(refused.stderr.split())
    assert _count(fresh_world, EquipmentItem) == 0
    ids = []
    for serial in ("D-1", "D-2"):
        made = cli(fresh_world, "equipment", "deliver", *common, "--serial", serial, "--unit", UNIT)
        assert made.returncode == 0, made.stderr
        found = re.search(r"Equipment item ([0-9a-f]{16}) recorded", made.stdout)
        assert found, made.stdout
        ids.append(found.group(1))
    checked = cli(
        fresh_world,
        "equipment",
        "check",
        ids[1],
        "--as",
        "us.analyst",
        "--on",
        date.today().isoformat(),
        "--kind",
        "enhanced",
        "--result",
        "discrepancy",
        "--discrepancy",
        "Rotor swapped",
        "--ad-hoc",
    )
    assert checked.returncode == 0, checked.stderr
    listed = cli(fresh_world, "equipment", "list", "--as", "mx.analyst", "--overdue")
    assert listed.returncode == 0, listed.stderr
    assert "Equipment items: 1" in listed.stdout and "D-1" in listed.stdout
    assert "OVERDUE" in listed.stdout and "D-2" not in listed.stdout
    assert "TLP:GREEN // REL TO MEX, USA" in listed.stdout
