"""The domains' sub-apps are imported only when one of their commands runs, and `vinculo --help`
lists them all the same, with the help each sub-app gives itself; a command that deletes
nothing (the public site, `db upgrade`, `audit verify`) starts without importing the
domains that wire the purge hooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from fresh_python import last_line
from typer.testing import CliRunner

from vinculo.cli import _Placeholder, app

LAZY = ("exchange", "network", "resolve")
COMMANDS = ("screen", "serve", "demo", "db", "user", "import", "export", "audit", "token")

PROBE = """
import json, sys
from typer.testing import CliRunner
from vinculo.cli import app
listed = CliRunner().invoke(app, ["--help"], terminal_width=200)
modules = [m for m in ("vinculo.exchange.cli", "vinculo.network.cli", "vinculo.resolve.cli")
           if m in sys.modules]
print(json.dumps({"help": listed.output, "code": listed.exit_code, "imported": modules}))
"""


def test_help_lists_every_command_without_importing_the_sub_apps() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    probe = json.loads(done.stdout)
    assert probe["code"] == 0
    assert probe["imported"] == []
    for name in (*COMMANDS, *LAZY, "retention"):
        assert f" {name} " in probe["help"], name
    assert "Binational exchange over STIX 2.1 / TAXII 2.1." in probe["help"]


def test_each_placeholder_says_what_its_sub_app_says() -> None:
    root = typer.main.get_command(app)
    for name in LAZY:
        placeholder = root.commands[name]  # type: ignore[attr-defined]
        assert isinstance(placeholder, _Placeholder)
        assert placeholder.help == placeholder.loaded.help, name
        # Walking the tree (as the docs test does) reaches the sub-app's own commands.
        assert placeholder.commands is placeholder.loaded.commands
        assert placeholder.commands, name


def test_a_sub_app_command_runs_through_the_placeholder() -> None:
    shown = CliRunner().invoke(app, ["resolve", "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for command in ("link", "dedupe", "run"):
        assert f" {command} " in shown.output
    refused = CliRunner().invoke(app, ["network", "no-such-command"])
    assert refused.exit_code == 2
    assert "no-such-command" in refused.output


# What wiring the purge hooks imports (pandas, stix2, FtM's model, the exchange, resolution):
# a command that deletes nothing starts without it, the hooks being wired on first use
# (vinculo.wiring); the public site imports none of the internal domains at all.
HEAVY = (
    "pandas",
    "numpy",
    "stix2",
    "followthemoney",
    "vinculo.exchange.purge",
    "vinculo.exchange.pointers",
    "vinculo.resolve.store",
    "vinculo.cases.purge",
)
INTERNAL = tuple(
    f"vinculo.{domain}"
    for domain in (
        "intel",
        "exchange",
        "resolve.store",
        "cases",
        "notify",
        "assistance",
        "oversight",
        "network",
        "web",
    )
)
# argv: the module names looked for (comma-separated), then the command; `serve` stops
# before its server would run.
START = """
import json, sys
from unittest import mock
import uvicorn
from vinculo.cli import app
with mock.patch.object(uvicorn, "run", lambda *args, **kwargs: None):
    try:
        app(sys.argv[2:], standalone_mode=False)
    except SystemExit:
        pass
names = sys.argv[1].split(",")
found = [m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in names)]
print(json.dumps(sorted(found)))
"""


def start(command: list[str], looked_for: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The modules of `looked_for` that running `command` in a fresh process imported."""
    from vinculo.civic import crypto

    _private, public = crypto.new_key_pair()
    printed = last_line(
        START,
        ",".join(looked_for),
        *command,
        cwd=tmp_path,
        VINCULO_DATA_DIR=str(tmp_path),
        VINCULO_PUBLIC_DATA_DIR=str(tmp_path / "public"),
        VINCULO_PUBLIC_SUBMISSION_KEY=public,
        VINCULO_PUBLIC_PULL_TOKEN="pull-token-for-the-tests-0123456789abcdef",
    )
    found: list[str] = json.loads(printed)
    return found


def test_the_public_site_starts_without_the_internal_domains(tmp_path: Path) -> None:
    assert start(["serve", "--public"], (*HEAVY, *INTERNAL), tmp_path) == []


@pytest.mark.parametrize("command", [["db", "upgrade"], ["audit", "verify"], ["db", "--help"]])
def test_a_command_that_deletes_nothing_starts_without_the_domains(
    command: list[str], tmp_path: Path
) -> None:
    if command == ["audit", "verify"]:
        assert start(["db", "upgrade"], HEAVY, tmp_path) == []
    assert start(command, HEAVY, tmp_path) == []
