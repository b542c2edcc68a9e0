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


def test_register_a_target_and_list_the_notices(fresh_world: World) -> None:
    ours = cli(fresh_world, "open", "Phoenix cell", "--as", "us.analyst").stdout.strip()
    theirs = cli(fresh_world, "open", "Halcón", "--es", "--as", "mx.analyst").stdout.strip()
    phone = ["--kind", "phone", "--phone", "+52 55 1234 5678"]
    first = cli(
        fresh_world,
        "register-target",
        theirs,
        "--as",
        "mx.analyst",
        *phone,
        "--contact-phone",
        "+52 33 3614 2000",
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["notices"] == []
    hit = cli(
        fresh_world,
        "register-target",
        ours,
        "--as",
        "us.analyst",
        *phone,
        "--contact-phone",
        "+1 602 334 1234",
    )
    assert hit.returncode == 0, hit.stderr
    notices = json.loads(hit.stdout)["notices"]
    assert [(n["contact_agency"], n["contact_phone"]) for n in notices] == [
        ("FGR", "+52 33 3614 2000")
    ]
    assert theirs not in hit.stdout
    listed = json.loads(cli(fresh_world, "targets", theirs, "--as", "mx.analyst").stdout)
    assert [n["contact_agency"] for n in listed["notices"]] == ["DEA"]
    bad = cli(
        fresh_world,
        "register-target",
        ours,
        "--as",
        "us.analyst",
        "--kind",
        "phone",
        "--contact-phone",
        "1",
        "--lang",
        "es",
    )
    assert bad.returncode == 2 and "phones" in bad.stderr
    hidden = cli(fresh_world, "targets", theirs, "--as", "us.analyst")
    assert hidden.returncode == 2 and "no such case" in hidden.stderr
