"""The chain of command through its doors: GET /api/v1/oversight/units/{id}/chain over real
HTTP, and `vinculo oversight units import|chain --as NAME`, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import func, select

from vinculo.intel.models import StatementRow

from command_line import run_vinculo
from conftest import LiveServer
from worlds import World

UNITS = """\
- id: gn-bc
  name_es: Coordinación Estatal Baja California
  name_en: Baja California State Coordination
  force: GN
  location: {city: Mexicali, country: MX}
- id: gn-bc-tij
  name_es: Compañía Tijuana
  name_en: Tijuana Company
  force: GN
  parent: gn-bc
  commanders:
    - {name: Insp. Laura Meza Quintero, start: 2021-01-01, end: 2022-12-31}
    - {name: Insp. Raúl Cota Medina, start: 2023-01-01}
"""


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VINCULO_DATABASE_URL": world.store.settings.resolved_database_url}
    env["VINCULO_DATA_DIR"] = str(world.store.settings.data_dir)
    return run_vinculo("oversight", "units", *args, env=env)


def _statements(world: World) -> int:
    with world.store.sessions() as session:
        return int(session.execute(select(func.count()).select_from(StatementRow)).scalar_one())


def test_import_then_the_chain_over_http_and_on_the_command_line(
    fresh_world: World, tmp_path: Path
) -> None:
    path = tmp_path / "gn.yml"
    path.write_text(UNITS, "utf-8")
    # REL TO USA only: the Mexican analyst must get exactly what a missing unit gets.
    made = cli(fresh_world, "import", str(path), "--as", "us.analyst", "--rel-to", "USA")
    assert made.returncode == 0, made.stderr
    assert "2 units, 2 commanders, 0 members" in made.stdout
    with LiveServer(fresh_world.store.settings) as server:
        with server.client("us.analyst") as client:
            early = client.get(
                "/api/v1/oversight/units/gn-bc-tij/chain", params={"on": "2022-06-01"}
            )
            assert early.status_code == 200, early.text
            body = early.json()
            assert [u["id"] for u in body["items"]] == ["gn-bc-tij", "gn-bc"]
            tij = body["items"][0]
            assert tij["schema"] == "PublicBody"
            assert tij["names"] == {"es": "Compañía Tijuana", "en": "Tijuana Company"}
            assert tij["force_label"]["en"] == "National Guard"
            assert [c["name"] for c in tij["commanders"]] == ["Insp. Laura Meza Quintero"]
            assert tij["banner"] == "TLP:GREEN // REL TO USA"
            assert tij["markings"][0]["rel_to"] == ["USA"]
            assert tij["commanders"][0]["banner"] == "TLP:GREEN // REL TO USA"
            late = client.get(
                "/api/v1/oversight/units/gn-bc-tij/chain", params={"on": "2024-01-01"}
            )
            assert [c["name"] for c in late.json()["items"][0]["commanders"]] == [
                "Insp. Raúl Cota Medina"
            ]
            bad = client.get("/api/v1/oversight/units/gn-bc-tij/chain", params={"on": "2024-13-01"})
            assert bad.status_code == 422
        with server.client("mx.analyst") as client:
            hidden = client.get(
                "/api/v1/oversight/units/gn-bc-tij/chain", params={"on": "2022-06-01"}
            )
            missing = client.get("/api/v1/oversight/units/gn-zz/chain", params={"on": "2022-06-01"})
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json() == missing.json()
        with server.client() as anonymous:
            refused = anonymous.get(
                "/api/v1/oversight/units/gn-bc-tij/chain", params={"on": "2022-06-01"}
            )
            assert refused.status_code == 401
    shown = cli(fresh_world, "chain", "gn-bc-tij", "--on", "2023-02-01", "--as", "us.analyst")
    assert shown.returncode == 0, shown.stderr
    # Rich wraps the table to the terminal's width: a cell's words may sit on two lines.
    for word in ("Tijuana", "Company", "Cota", "Medina", "gn-bc", "GREEN", "USA"):
        assert word in shown.stdout, word
    spanish = cli(
        fresh_world,
        "chain",
        "gn-bc-tij",
        "--on",
        "2023-02-01",
        "--as",
        "us.analyst",
        "--lang",
        "es",
    )
    assert all(w in spanish.stdout for w in ("Compañía", "Guardia", "Nacional", "Cadena"))
    hidden_cli = cli(fresh_world, "chain", "gn-bc-tij", "--on", "2023-02-01", "--as", "mx.analyst")
    missing_cli = cli(fresh_world, "chain", "gn-zz", "--on", "2023-02-01", "--as", "mx.analyst")
    assert hidden_cli.returncode == missing_cli.returncode == 2
    assert hidden_cli.stderr == missing_cli.stderr and "no such unit" in hidden_cli.stderr


def test_a_bad_file_on_the_command_line_is_named_and_stores_nothing(
    fresh_world: World, tmp_path: Path
) -> None:
    before = _statements(fresh_world)
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,name_es,force,parent,commander,commander_start\n"
        "gn-1,Compañía 1,GN,,Insp. Ana Ruiz,2020-01-01\n"
        "gn-2,Compañía 2,POLICIA,gn-1,,\n",
        "utf-8",
    )
    refused = cli(fresh_world, "import", str(path), "--as", "mx.analyst", "--lang", "es")
    assert refused.returncode == 2
    assert "archivo bad.csv, línea 3, campo force" in refused.stderr
    assert _statements(fresh_world) == before
