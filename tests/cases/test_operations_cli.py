"""`vinculo cases plan-operation|operations|alerts|acknowledge-alert|resolve-alert --as NAME`."""

from __future__ import annotations

import json
import subprocess

from command_line import run_vinculo
from worlds import World


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("cases", *args, env=env)


def test_plan_operations_and_settle_the_alert(fresh_world: World) -> None:
    ours = cli(fresh_world, "open", "Nogales corridor", "--as", "us.analyst").stdout.strip()
    theirs = cli(fresh_world, "open", "Cateo", "--es", "--as", "mx.analyst").stdout.strip()
    window = ["--starts", "2027-01-21T09:30", "--ends", "2027-01-21T12:00", "--radius", "1000"]
    first = cli(
        fresh_world,
        "plan-operation",
        theirs,
        "--as",
        "mx.analyst",
        "--kind",
        "raid",
        "--lat",
        "31.3180",
        "--lon",
        "-110.9460",
        "--contact-phone",
        "+52 631 555 0199",
        *window,
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["operation"]["time_zone"] == "America/Hermosillo"
    second = cli(
        fresh_world,
        "plan-operation",
        ours,
        "--as",
        "us.analyst",
        "--kind",
        "surveillance",
        "--lat",
        "31.3338",
        "--lon",
        "-110.9426",
        "--contact-phone",
        "+1 520 555 0147",
        *window,
    )
    assert second.returncode == 0, second.stderr
    [alert] = json.loads(second.stdout)["alerts"]
    assert theirs not in second.stdout and "raid" not in second.stdout
    listed = json.loads(cli(fresh_world, "alerts", "--as", "mx.analyst").stdout)
    assert [a["id"] for a in listed["items"]] == [alert["id"]]
    for who in ("us.analyst", "mx.analyst"):
        done = cli(fresh_world, "acknowledge-alert", alert["id"], "--as", who)
        assert done.returncode == 0, done.stderr
    refused = cli(fresh_world, "resolve-alert", alert["id"], "--as", "us.analyst", "--lang", "es")
    assert refused.returncode == 2 and "campo note" in refused.stderr
    resolved = cli(
        fresh_world, "resolve-alert", alert["id"], "--as", "us.analyst", "--note", "FGR first."
    )
    assert json.loads(resolved.stdout)["status"] == "resolved"
    ops = json.loads(cli(fresh_world, "operations", ours, "--as", "us.analyst").stdout)
    assert [o["starts_local"] for o in ops["items"]] == ["2027-01-21T09:30-07:00"]
    hidden = cli(fresh_world, "operations", theirs, "--as", "us.analyst")
    missing = cli(fresh_world, "operations", "0123456789abcdef", "--as", "us.analyst")
    assert hidden.returncode == missing.returncode == 2 and hidden.stderr == missing.stderr
    at_sea = cli(
        fresh_world,
        "plan-operation",
        ours,
        "--as",
        "us.analyst",
        "--kind",
        "arrest",
        "--lat",
        "20",
        "--lon",
        "-120",
        "--contact-phone",
        "1",
        *window,
    )
    assert (
        at_sea.returncode == 2 and "field latitude" in at_sea.stderr and "at sea" in at_sea.stderr
    )
