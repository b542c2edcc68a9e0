"""Noninterference for the chain of command: statements a reader may not see (a parent link,
a commander's stint, another name, a whole unit above) change nothing of the reader's chain —
not an item, a commander, a marking or the banner — over real HTTP, while the reader who may
see them gets them."""

from __future__ import annotations

import httpx

from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.files import read_units
from vinculo.oversight.service import import_units

from conftest import LiveServer
from worlds import World

SHARED = """\
- id: semar
  name_es: Secretaría de Marina
  force: SEMAR
- id: semar-rn2
  name_es: Segunda Región Naval
  force: SEMAR
  parent: semar
  commanders:
    - {name: Alm. Rosa Tapia Ochoa, start: 2019-01-01, end: 2021-12-31}
- id: semar-bim3
  name_es: Tercer Batallón de Infantería de Marina
  force: SEMAR
  commanders:
    - {name: Cap. Nav. Hugo Salas Ríos, start: 2020-01-01}
"""

# Only the U.S. analyst's agency may see these (TLP:AMBER+STRICT, DEA): the battalion's
# parent, a second commander of the region on the same dates, an English name, and a unit
# above the ministry.
HIDDEN = """\
- id: semar-bim3
  name_es: Tercer Batallón de Infantería de Marina
  name_en: Third Marine Infantry Battalion
  force: SEMAR
  parent: semar-rn2
- id: semar-rn2
  name_es: Segunda Región Naval
  force: SEMAR
  commanders:
    - {name: Vicealm. Tomás Ibarra Luna, start: 2020-06-01}
- id: semar
  name_es: Secretaría de Marina
  force: SEMAR
  parent: gabinete-seguridad
- id: gabinete-seguridad
  name_es: Gabinete de Seguridad
  force: SSPC
"""

ON = {"on": "2021-03-01"}


def _import(world: World, text: str, markings: MarkingsIn, name: str) -> None:
    with transaction(world.store.sessions) as session:
        import_units(
            session=session,
            actor=world.actors["us.analyst"],
            units=read_units(text, name),
            file_name=name,
            source=f"units:{name}",
            markings_in=markings,
        )


def _answers(client: httpx.Client) -> list[tuple[int, str]]:
    found = []
    for unit in ("semar-bim3", "semar-rn2", "semar", "gabinete-seguridad"):
        answer = client.get(f"/api/v1/oversight/units/{unit}/chain", params=ON)
        found.append((answer.status_code, answer.text))
    return found


def test_hidden_statements_change_nothing_of_a_chain(fresh_world: World) -> None:
    _import(fresh_world, SHARED, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), "shared.yml")
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.analyst") as reader,
        server.client("us.analyst") as writer,
    ):
        before = _answers(reader)
        assert [status for status, _text in before] == [200, 200, 200, 404]
        us_before = writer.get("/api/v1/oversight/units/semar-bim3/chain", params=ON).json()
        _import(fresh_world, HIDDEN, MarkingsIn(tlp="AMBER+STRICT", rel_to=["USA", "MEX"]), "h.yml")
        assert _answers(reader) == before
        # The hidden statements are there: the U.S. analyst's chain grew to the cabinet, with
        # two commanders of the region, under the narrower banner.
        us_after = writer.get("/api/v1/oversight/units/semar-bim3/chain", params=ON).json()
        assert [i["id"] for i in us_before["items"]] == ["semar-bim3"]
        assert [i["id"] for i in us_after["items"]] == [
            "semar-bim3",
            "semar-rn2",
            "semar",
            "gabinete-seguridad",
        ]
        region = us_after["items"][1]
        assert [c["name"] for c in region["commanders"]] == [
            "Alm. Rosa Tapia Ochoa",
            "Vicealm. Tomás Ibarra Luna",
        ]
        assert region["banner"].startswith("TLP:AMBER+STRICT")
        assert region["commanders"][0]["banner"].startswith("TLP:GREEN")
        assert us_after["items"][0]["names"]["en"] == "Third Marine Infantry Battalion"
