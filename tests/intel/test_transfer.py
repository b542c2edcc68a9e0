"""FtM JSON-lines import and export: bad lines named by file, line and field; all or nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import export_ftm, import_ftm
from vinculo.security.markings import MarkingError

from worlds import World

GREEN = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])


def line(entity_id: str, schema: str = "Person", **props: list[str]) -> str:
    return json.dumps({"id": entity_id, "schema": schema, "properties": props})


GOOD = [
    line("imp-a", name=["Ana Ríos Treviño"], birthDate=["1988-02-03"]),
    line("imp-b", "Company", name=["Transportes del Norte SA de CV"], jurisdiction=["mx"]),
]


def count(world: World) -> int:
    with world.store.sessions() as session:
        return int(session.execute(select(func.count()).select_from(StatementRow)).scalar_one())


def run_import(world: World, lines: list[str], **options: object) -> object:
    with transaction(world.store.sessions) as session:
        return import_ftm(
            session=session,
            actor=world.actors["us.analyst"],
            lines=[f"{text}\n" for text in lines],
            file_name="people.jsonl",
            source="unit-test",
            markings_in=options.pop("markings_in", GREEN),  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ('{"id": "x", "schema": "Person", "properties": {', "line"),
        (line("imp-c", "Persona", name=["X"]), "schema"),
        (line("imp-c", "Thing", name=["X"]), "schema"),
        (line("imp-c", shoeSize=["44"]), "properties.shoeSize"),
        (line("imp-c", birthDate=["1990-02-31"]), "properties.birthDate"),
        (line("imp-c", nationality=["Atlantis"]), "properties.nationality"),
        (json.dumps({"schema": "Person", "properties": {"name": ["No Id"]}}), "id"),
        (line("imp-a", "Company", name=["Ana Ríos Treviño"]), "schema"),
        ("[1, 2, 3]", "entity"),
    ],
)
def test_a_bad_line_stops_the_import_and_stores_nothing(world: World, bad: str, field: str) -> None:
    before = count(world)
    with pytest.raises(InvalidInput) as caught:
        run_import(world, [*GOOD, bad])
    error = caught.value
    assert (error.file, error.line, error.field) == ("people.jsonl", 3, field)
    assert "people.jsonl" in error.render("en") and "3" in error.render("es")
    assert count(world) == before


def test_a_marking_that_does_not_exist_stops_the_import(world: World) -> None:
    before = count(world)
    with pytest.raises(MarkingError) as caught:
        run_import(world, GOOD, markings_in=MarkingsIn(tlp="GREEN", rel_to=["ATL"]))
    assert caught.value.field == "markings.rel_to"
    assert count(world) == before


def test_skip_bad_keeps_the_good_lines_and_writes_rejects(fresh_world: World) -> None:
    rejects = io.StringIO()
    bad = line("imp-c", birthDate=["31/02/1990"])
    summary = run_import(fresh_world, [GOOD[0], bad, GOOD[1]], skip_bad=True, rejects=rejects)
    assert (summary.entities, summary.rejected, summary.lines) == (2, 1, 3)  # type: ignore[attr-defined]
    rejected = [json.loads(r) for r in rejects.getvalue().splitlines()]
    assert rejected[0]["line"] == 2 and rejected[0]["field"] == "properties.birthDate"
    assert json.loads(rejected[0]["raw"])["id"] == "imp-c"


def test_reimport_is_idempotent(fresh_world: World) -> None:
    run_import(fresh_world, GOOD)
    after_first = count(fresh_world)
    run_import(fresh_world, GOOD)
    assert count(fresh_world) == after_first


def test_export_carries_only_visible_statements(world: World) -> None:
    with transaction(world.store.sessions) as session:
        mx = {e["id"]: e for e in export_ftm(session=session, actor=world.actors["mx.analyst"])}
        us = {e["id"]: e for e in export_ftm(session=session, actor=world.actors["us.analyst"])}
    assert "alias" not in mx["per-0001"]["properties"]
    assert us["per-0001"]["properties"]["alias"] == ["Tío Pancho"]
    assert "per-dea_strict" not in mx and "per-red_mx" not in us
    assert "per-red_mx" in mx


def test_export_round_trips_through_import(fresh_world: World, tmp_path: Path) -> None:
    with transaction(fresh_world.store.sessions) as session:
        exported = list(export_ftm(session=session, actor=fresh_world.actors["us.analyst"]))
    lines = [json.dumps(e) for e in exported]
    summary = run_import(fresh_world, lines)
    assert summary.entities == len(exported)  # type: ignore[attr-defined]


def test_imported_names_are_searchable_and_the_index_keeps_its_trigger(fresh_world: World) -> None:
    from vinculo.intel.search import find

    run_import(fresh_world, GOOD)
    with transaction(fresh_world.store.sessions) as session:
        hits = find(
            session=session, actor=fresh_world.actors["mx.analyst"], q="trevino", kind="entities"
        )
        assert [h.id for h in hits.items] == ["imp-a"]
    # A report filed after the import is still indexed as it is written.
    from datetime import date

    from vinculo.intel.schemas import EntityIn, ReportCreate
    from vinculo.intel.service import create_report

    with transaction(fresh_world.store.sessions) as session:
        create_report(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            report_in=ReportCreate(
                title_es="Entrega en Zihuatanejo",
                body_es="Entrega de precursores.",
                reliability="B",
                credibility=2,
                predicate="drug_trafficking",
                suspicion="Los sujetos reciben precursores sin permiso.",
                attest_no_protected_views=True,
                review_by=date(2027, 6, 1),
                markings=GREEN,
                entities=[
                    EntityIn(
                        id="per-later", schema="Person", properties={"name": ["Zacarías Úrsulo"]}
                    )
                ],
            ),
        )
    with transaction(fresh_world.store.sessions) as session:
        hits = find(
            session=session, actor=fresh_world.actors["mx.analyst"], q="zacarias", kind="entities"
        )
        assert [h.id for h in hits.items] == ["per-later"]
