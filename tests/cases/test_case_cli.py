"""`vinculo cases list|show|open|close --as NAME`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess

from command_line import run_vinculo
from worlds import World


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("cases", *args, env=env)


def test_open_list_show_and_close_as_an_account(fresh_world: World) -> None:
    opened = cli(
        fresh_world,
        "open",
        "Fentanyl supply chain",
        "--as",
        "us.analyst",
        "--agency",
        "FGR",
    )
    assert opened.returncode == 0, opened.stderr
    case_id = opened.stdout.strip()
    listed = cli(fresh_world, "list", "--as", "us.analyst")
    assert case_id in listed.stdout and "TLP:AMBER // REL TO MEX, USA" in listed.stdout
    shown = cli(fresh_world, "show", case_id, "--as", "us.analyst")
    assert json.loads(shown.stdout)["agencies"] == ["DEA", "FGR"]
    # Not on the case: the same answer as for a case that does not exist.
    hidden = cli(fresh_world, "show", case_id, "--as", "mx.analyst")
    missing = cli(fresh_world, "show", "0123456789abcdef", "--as", "mx.analyst")
    assert hidden.returncode == missing.returncode == 2
    assert hidden.stderr == missing.stderr and "no such case" in hidden.stderr
    assert case_id not in cli(fresh_world, "list", "--as", "mx.analyst").stdout
    refused = cli(fresh_world, "close", case_id, "--as", "us.analyst")
    assert refused.returncode == 2 and "field reason" in refused.stderr
    bad = cli(fresh_world, "open", "x", "--as", "us.analyst", "--agency", "KGB", "--lang", "es")
    assert bad.returncode == 2 and "campo agencies" in bad.stderr
    closed = cli(fresh_world, "close", case_id, "--as", "us.analyst", "--reason", "Indicted.")
    assert closed.returncode == 0 and closed.stdout.split() == [case_id, "closed"]
    assert case_id in cli(fresh_world, "list", "--as", "us.analyst", "--status", "closed").stdout
