"""The domains' sub-apps are imported only when one of their commands runs, and `vinculo --help`
lists them all the same, with the help each sub-app gives itself."""

from __future__ import annotations

import json
import subprocess
import sys

import typer.main
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
