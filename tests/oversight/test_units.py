"""Security-force units: the import (all or nothing, faults named by file, line and field) and
the chain of command on a date, as each reader may see it, on both backends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.files import read_units
from vinculo.oversight.schemas import ChainRead
from vinculo.oversight.service import chain_of_command, import_units

from worlds import World

SHARED = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])

UNITS = """\
- id: sedena
  name_es: Secretaría de la Defensa Nacional
  name_en: Secretariat of National Defense
  force: SEDENA
- id: sedena-rm2
  name_es: II Región Militar
  name_en: 2nd Military Region
  force: SEDENA
  parent: sedena
  location: {city: Mexicali, state: Baja California, country: MX}
  commanders:
    - {name: Gral. Arturo Ibarra Soto, start: 2018-01-01, end: 2020-06-30}
    - {name: Gral. Beatriz Olmos Ruiz, start: 2020-07-01}
- id: sedena-bi23
  name_es: 23 Batallón de Infantería
  name_en: 23rd Infantry Battalion
  force: SEDENA
  parent: sedena-rm2
  commanders:
    - {name: Cor. Daniel Fuentes Lara, start: 2019-03-01}
  members:
    - {name: Cap. Elena Vargas Mora, role: Jefa de sección, start: 2021-01-15}
"""


def _import(world: World, who: str, text: str, markings: MarkingsIn, name: str = "u.yml") -> None:
    with transaction(world.store.sessions) as session:
        import_units(
            session=session,
            actor=world.actors[who],
            units=read_units(text, name),
            file_name=name,
            source=f"units:{name}",
            markings_in=markings,
        )


def _chain(world: World, who: str, unit_id: str, on: date) -> ChainRead:
    with transaction(world.store.sessions) as session:
        return chain_of_command(session=session, actor=world.actors[who], unit_id=unit_id, on=on)


def _statements(world: World) -> int:
    with world.store.sessions() as session:
        return int(session.execute(select(func.count()).select_from(StatementRow)).scalar_one())


def test_the_chain_on_a_date_names_who_commanded_then(fresh_world: World) -> None:
    _import(fresh_world, "us.analyst", UNITS, SHARED)
    early = _chain(fresh_world, "mx.analyst", "sedena-bi23", date(2019, 6, 1))
    assert [u.id for u in early.items] == ["sedena-bi23", "sedena-rm2", "sedena"]
    assert [[c.name for c in u.commanders] for u in early.items] == [
        ["Cor. Daniel Fuentes Lara"],
        ["Gral. Arturo Ibarra Soto"],
        [],
    ]
    late = _chain(fresh_world, "mx.analyst", "sedena-bi23", date(2020, 7, 1))
    assert [c.name for c in late.items[1].commanders] == ["Gral. Beatriz Olmos Ruiz"]
    before = _chain(fresh_world, "mx.analyst", "sedena-rm2", date(2017, 12, 31))
    assert before.items[0].commanders == []
    region = late.items[1]
    assert region.names == {"es": "II Región Militar", "en": "2nd Military Region"}
    assert region.force == "SEDENA"
    assert region.force_label["es"] == "Secretaría de la Defensa Nacional"
    assert region.location is not None and region.location.city == "Mexicali"
    assert region.banner == "TLP:GREEN // REL TO MEX, USA"
    assert region.commanders[0].banner == "TLP:GREEN // REL TO MEX, USA"
    assert region.commanders[0].end is None


def test_a_hidden_parent_link_or_commander_contributes_nothing(fresh_world: World) -> None:
    """The battalion's parent and the region's commander are stated only REL TO USA: the
    Mexican analyst's chain stops at the battalion and names no commander there, while
    the American analyst's goes to the top."""
    shared = """\
- id: sedena
  name_es: Secretaría de la Defensa Nacional
  force: SEDENA
- id: sedena-rm2
  name_es: II Región Militar
  force: SEDENA
  parent: sedena
- id: sedena-bi23
  name_es: 23 Batallón de Infantería
  force: SEDENA
"""
    usa = """\
- id: sedena-bi23
  name_es: 23 Batallón de Infantería
  force: SEDENA
  parent: sedena-rm2
- id: sedena-rm2
  name_es: II Región Militar
  force: SEDENA
  commanders:
    - {name: Gral. Arturo Ibarra Soto, start: 2018-01-01}
"""
    _import(fresh_world, "us.analyst", shared, SHARED, "shared.yml")
    _import(fresh_world, "us.analyst", usa, USA_ONLY, "usa.yml")
    on = date(2022, 1, 1)
    mx = _chain(fresh_world, "mx.analyst", "sedena-bi23", on)
    assert [u.id for u in mx.items] == ["sedena-bi23"]
    region = _chain(fresh_world, "mx.analyst", "sedena-rm2", on)
    assert [u.id for u in region.items] == ["sedena-rm2", "sedena"]
    assert region.items[0].commanders == []
    assert "Ibarra" not in region.model_dump_json()
    assert all(m.rel_to == ["MEX", "USA"] for u in region.items for m in u.markings)
    us = _chain(fresh_world, "us.analyst", "sedena-bi23", on)
    assert [u.id for u in us.items] == ["sedena-bi23", "sedena-rm2", "sedena"]
    assert [c.name for c in us.items[1].commanders] == ["Gral. Arturo Ibarra Soto"]
    # The narrowest marking of what the item is built from comes first.
    assert us.items[0].banner == "TLP:GREEN // REL TO USA"


def test_a_hidden_unit_answers_as_a_missing_one(fresh_world: World) -> None:
    _import(fresh_world, "us.analyst", UNITS, USA_ONLY)
    errors = []
    for unit_id in ("sedena-rm2", "no-such-unit", "per-0001"):
        with pytest.raises(NotFound) as caught:
            _chain(fresh_world, "mx.analyst", unit_id, date(2020, 1, 1))
        errors.append(caught.value.to_dict("es"))
    assert errors[0] == errors[1] == errors[2]


def test_a_bad_file_is_named_by_line_and_field_and_stores_nothing(fresh_world: World) -> None:
    before = _statements(fresh_world)
    bad = """\
- id: sedena-rm2
  name_es: II Región Militar
  force: NAVY
  parent: sedena
  commanders:
    - {name: Gral. Arturo Ibarra Soto, start: 2018-01-01, end: 2020-06-30}
    - {name: Gral. Beatriz Olmos Ruiz, start: 2020-01-01}
- id: sedena-bi23
  force: SEDENA
  parent: sedena-rm2
"""
    with pytest.raises(InvalidFields) as caught:
        _import(fresh_world, "mx.analyst", bad, SHARED, "bad.yml")
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {
        (3, "force"),
        (4, "parent"),
        (7, "commanders[1].start"),
        (8, "name_es"),
    }
    assert "file bad.yml, line 3, field force" in caught.value.render("en")
    assert "archivo bad.yml" in caught.value.render("es")
    assert _statements(fresh_world) == before


def test_a_parent_the_importer_may_not_see_is_unknown(fresh_world: World) -> None:
    _import(fresh_world, "us.analyst", UNITS, USA_ONLY)
    child = "- {id: gn-1, name_es: Compañía 1, force: GN, parent: sedena-rm2}\n"
    missing = "- {id: gn-1, name_es: Compañía 1, force: GN, parent: nowhere}\n"
    answers = []
    for text in (child, missing):
        with pytest.raises(InvalidFields) as caught:
            _import(fresh_world, "mx.analyst", text, SHARED)
        answers.append(caught.value.render("en").replace("sedena-rm2", "nowhere"))
    assert answers[0] == answers[1]


def test_a_date_that_is_not_one_is_named(fresh_world: World) -> None:
    text = "- id: gn-1\n  name_es: Compañía 1\n  force: GN\n  commanders:\n"
    text += "    - {name: Cap. Luis Peña, start: 2020-13-01}\n"
    with pytest.raises(InvalidInput) as caught:
        read_units(text, "d.yml")
    assert caught.value.line == 5 and caught.value.field == "commanders[0].start"


def test_a_csv_file_gives_one_row_a_commander_span(fresh_world: World) -> None:
    text = (
        "id,name_es,name_en,force,parent,commander,commander_start,commander_end,city,country\n"
        "semar,Secretaría de Marina,Secretariat of the Navy,SEMAR,,,,,,\n"
        "semar-rn2,Segunda Región Naval,Second Naval Region,SEMAR,semar,"
        "Alm. Rosa Tapia,2017-01-01,2021-12-31,Ensenada,MX\n"
        "semar-rn2,,,,,Alm. Jorge Luna,2022-01-01,,,\n"
    )
    _import(fresh_world, "mx.analyst", text, SHARED, "units.csv")
    chain = _chain(fresh_world, "us.analyst", "semar-rn2", date(2023, 5, 5))
    assert [u.id for u in chain.items] == ["semar-rn2", "semar"]
    assert [c.name for c in chain.items[0].commanders] == ["Alm. Jorge Luna"]
    assert chain.items[0].location is not None
    assert chain.items[0].location.city == "Ensenada"
    bad = "id,name_es,force,rank\nx,y,GN,1\n"
    with pytest.raises(InvalidInput) as caught:
        read_units(bad, "bad.csv")
    assert (caught.value.file, caught.value.line, caught.value.field) == ("bad.csv", 1, "rank")


def test_importing_the_same_file_again_doubles_nothing(fresh_world: World) -> None:
    _import(fresh_world, "us.analyst", UNITS, SHARED)
    once = _statements(fresh_world)
    _import(fresh_world, "us.analyst", UNITS, SHARED)
    assert _statements(fresh_world) == once


def test_the_chain_follows_the_reader_s_resolved_identities(fresh_world: World) -> None:
    """mx.analyst's resolution holds the battalion's record from another file (`org-bi23`)
    and the commander's (`per-fuentes-2`) to be the ones of the unit file: asked by either
    id, the chain gives the canonical id (the smallest) and what the records say together.
    us.analyst ran no resolution: the other record is only itself to them."""
    from vinculo.resolve import service as resolve_service

    _import(fresh_world, "us.analyst", UNITS, SHARED)
    other = """\
- id: org-bi23
  name_es: Batallón 23
  force: SEDENA
  members:
    - {id: per-fuentes-2, name: Daniel Fuentes Lara, start: 2019-01-01}
"""
    _import(fresh_world, "mx.analyst", other, SHARED, "other.yml")
    with transaction(fresh_world.store.sessions) as session:
        fuentes = session.execute(
            select(StatementRow.entity_id).where(
                StatementRow.schema == "Person", StatementRow.value == "Cor. Daniel Fuentes Lara"
            )
        ).scalar_one()
    same = {("org-bi23", "sedena-bi23"), tuple(sorted((fuentes, "per-fuentes-2")))}

    def scorer(entities: object) -> list[resolve_service.ScoredPair]:
        ids = {e.id for e in entities}  # type: ignore[attr-defined]
        return [resolve_service.ScoredPair(a, b, 0.99) for a, b in same if {a, b} <= ids]

    with transaction(fresh_world.store.sessions) as session:
        resolve_service.run(session=session, actor=fresh_world.actors["mx.analyst"], scorer=scorer)
    mx = _chain(fresh_world, "mx.analyst", "sedena-bi23", date(2020, 1, 1))
    assert mx.items[0].id == "org-bi23"  # the smaller id of the two records
    assert mx.items[0].commanders[0].id == min(fuentes, "per-fuentes-2")
    assert [u.id for u in mx.items[1:]] == ["sedena-rm2", "sedena"]
    by_other = _chain(fresh_world, "mx.analyst", "org-bi23", date(2020, 1, 1))
    assert by_other == mx
    us = _chain(fresh_world, "us.analyst", "org-bi23", date(2020, 1, 1))
    assert [u.id for u in us.items] == ["org-bi23"] and us.items[0].commanders == []
