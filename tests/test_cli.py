"""The `vinculo` command, run as a user runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Store

VINCULO = [sys.executable, "-m", "vinculo"]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VINCULO_DATA_DIR": str(tmp_path),
        "VINCULO_SECRET_KEY": "cli-test-secret",
        **env,
    }
    environment.pop("VINCULO_DATABASE_URL", None)
    return subprocess.run(
        [*VINCULO, *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def ready(tmp_path: Path) -> Path:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    made = run(
        tmp_path, "user", "add", "ana.dea", "--agency", "DEA", "--password", "Sonora-frontera-2026"
    )
    assert made.returncode == 0, made.stderr
    return tmp_path


def test_import_then_export(ready: Path) -> None:
    data = ready / "people.jsonl"
    data.write_text(
        json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Raúl Núñez"]}}) + "\n",
        encoding="utf-8",
    )
    imported = run(
        ready,
        "import",
        "ftm",
        str(data),
        "--as",
        "ana.dea",
        "--tlp",
        "GREEN",
        "--rel-to",
        "USA,MEX",
    )
    assert imported.returncode == 0, imported.stderr
    assert "1" in imported.stderr
    exported = run(
        ready,
        "export",
        "ftm",
        "--as",
        "ana.dea",
        "--recipient",
        "FGR liaison",
        "--purpose",
        "joint case review",
    )
    assert json.loads(exported.stdout)["properties"]["name"] == ["Raúl Núñez"]


def test_bad_line_names_file_line_and_field_and_stores_nothing(ready: Path) -> None:
    data = ready / "bad.jsonl"
    good = json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["Raúl Núñez"]}})
    bad = json.dumps({"id": "p2", "schema": "Person", "properties": {"birthDate": ["1990-13-01"]}})
    data.write_text(f"{good}\n{bad}\n", encoding="utf-8")
    refused = run(ready, "import", "ftm", str(data), "--as", "ana.dea", "--tlp", "GREEN")
    assert refused.returncode == 2
    assert "bad.jsonl" in refused.stderr and "line 2" in refused.stderr
    assert "properties.birthDate" in refused.stderr
    assert (
        run(
            ready,
            "export",
            "ftm",
            "--as",
            "ana.dea",
            "--recipient",
            "FGR liaison",
            "--purpose",
            "joint case review",
        ).stdout
        == ""
    )
    skipped = run(
        ready, "import", "ftm", str(data), "--as", "ana.dea", "--tlp", "GREEN", "--skip-bad"
    )
    assert skipped.returncode == 0, skipped.stderr
    rejects = (ready / "bad.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(rejects[0])["line"] == 2
    assert (
        len(
            run(
                ready,
                "export",
                "ftm",
                "--as",
                "ana.dea",
                "--recipient",
                "FGR liaison",
                "--purpose",
                "joint case review",
            ).stdout.splitlines()
        )
        == 1
    )


def test_unknown_marking_is_refused_in_spanish(ready: Path) -> None:
    data = ready / "x.jsonl"
    data.write_text("", encoding="utf-8")
    refused = run(
        ready,
        "import",
        "ftm",
        str(data),
        "--as",
        "ana.dea",
        "--tlp",
        "MAGENTA",
        VINCULO_DEFAULT_LOCALE="es",
    )
    assert refused.returncode == 2
    assert "markings.tlp" in refused.stderr and "MAGENTA" in refused.stderr
    assert "archivo" in refused.stderr.lower() or "campo" in refused.stderr.lower()


def test_server_refuses_to_start_with_demo_passwords(
    tmp_path: Path, demo_store_sqlite: Store
) -> None:
    # The demo's seeding, shared by the tests of this process (`vinculo demo` itself runs in
    # `make smoke` and tests/test_install.py); the server is pointed at its store.
    environment = {
        **os.environ,
        "VINCULO_DATA_DIR": str(tmp_path),
        "VINCULO_SECRET_KEY": "cli-test-secret",
        "VINCULO_DATABASE_URL": demo_store_sqlite.settings.resolved_database_url,
    }
    refused = subprocess.run(
        [*VINCULO, "serve"], capture_output=True, text=True, env=environment, timeout=120
    )
    assert refused.returncode == 1
    assert "us.analyst" in refused.stderr and "demo" in refused.stderr


def test_server_refuses_to_start_with_the_default_secret(tmp_path: Path) -> None:
    environment = {**os.environ, "VINCULO_DATA_DIR": str(tmp_path)}
    environment.pop("VINCULO_SECRET_KEY", None)
    refused = subprocess.run(
        [*VINCULO, "serve"], capture_output=True, text=True, env=environment, timeout=60
    )
    assert refused.returncode == 1
    assert "VINCULO_SECRET_KEY" in refused.stderr


def test_audit_verify_names_the_first_changed_row(ready: Path) -> None:
    held = run(ready, "audit", "verify")
    assert held.returncode == 0, held.stderr
    connection = sqlite3.connect(ready / "vinculo.db")
    with connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
    connection.close()
    broken = run(ready, "audit", "verify", VINCULO_DEFAULT_LOCALE="es")
    assert broken.returncode == 1
    assert "registro 1 fue modificado" in broken.stderr
