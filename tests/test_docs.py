"""Docs that cannot go stale: every command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from vinculo.cli import app
from vinculo.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def command_paths(group: typer.Typer) -> list[str]:
    click_group = typer.main.get_command(group)
    found: list[str] = []

    def walk(command: object, prefix: str) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found.append(prefix)
            return
        for name, child in children.items():
            walk(child, f"{prefix} {name}".strip())

    walk(click_group, "")
    return found


def test_every_command_is_in_the_cli_docs() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    paths = command_paths(app)
    assert "import ftm" in paths
    for path in paths:
        assert f"vinculo {path}" in text, path


def test_every_setting_is_in_the_operations_docs() -> None:
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"VINCULO_{name.upper()}" in text, name
