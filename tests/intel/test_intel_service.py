"""Reports and entities through the services, under the access policy, on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import InvalidFields, NotFound
from vinculo.intel import service
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate

from worlds import SEES, World


def visible_keys(world: World, username: str) -> set[str]:
    by_id = {v: k for k, v in world.reports.items()}
    with transaction(world.store.sessions) as session:
        reports, _ = service.list_reports(session=session, actor=world.actors[username], limit=100)
        return {by_id[r.id] for r in reports}


@pytest.mark.parametrize("username", sorted(SEES))
def test_lists_show_exactly_what_markings_allow(world: World, username: str) -> None:
    assert visible_keys(world, username) == SEES[username]


@pytest.mark.parametrize("username", sorted(SEES))
def test_detail_of_an_invisible_report_is_not_found(world: World, username: str) -> None:
    actor = world.actors[username]
    with transaction(world.store.sessions) as session:
        for key, report_id in world.reports.items():
            if key in SEES[username]:
                assert service.get_report(session=session, actor=actor, report_id=report_id)
            else:
                with pytest.raises(NotFound) as hidden:
                    service.get_report(session=session, actor=actor, report_id=report_id)
                with pytest.raises(NotFound) as missing:
                    service.get_report(session=session, actor=actor, report_id="no-such-id")
                assert hidden.value.render("en") == missing.value.render("en")


def test_entity_shows_each_actor_only_visible_statements(world: World) -> None:
    with transaction(world.store.sessions) as session:
        us = service.get_entity(
            session=session, actor=world.actors["us.analyst"], entity_id="per-0001"
        )
        mx = service.get_entity(
            session=session, actor=world.actors["mx.analyst"], entity_id="per-0001"
        )
    assert "Tío Pancho" in us.entity.get("alias")
    assert mx.entity.get("alias") == []
    assert mx.entity.get("birthDate") == []
    assert mx.entity.caption == "José Ángel García López"
    usa_only = world.reports["usa_only"]
    assert all(s.row.report_id != usa_only for s in mx.statements)
    assert any(s.row.report_id == usa_only for s in us.statements)


def test_entity_seen_by_nobody_is_not_found(world: World) -> None:
    with transaction(world.store.sessions) as session:
        with pytest.raises(NotFound):
            service.get_entity(
                session=session, actor=world.actors["us.analyst"], entity_id="per-red_mx"
            )
        assert service.get_entity(
            session=session, actor=world.actors["mx.analyst"], entity_id="per-red_mx"
        )


def test_entity_list_paginates_with_cursor_over_visible_only(world: World) -> None:
    actor = world.actors["mx.analyst"]
    seen: list[str] = []
    cursor = None
    with transaction(world.store.sessions) as session:
        while True:
            page = service.list_entities(session=session, actor=actor, cursor=cursor, limit=2)
            seen.extend(item.id for item in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    assert len(seen) == len(set(seen))
    assert "per-0001" in seen and "per-red_mx" in seen
    assert "per-dea_strict" not in seen and "per-usa_only" not in seen


def bad_report(**changes: object) -> ReportCreate:
    fields: dict[str, object] = dict(
        title_en="A title",
        body_en="A body.",
        reliability="B",
        credibility=2,
        predicate="drug_trafficking",
        suspicion="Subjects are linked to fentanyl sales.",
        attest_no_protected_views=True,
        review_by=date.today() + timedelta(days=90),
        markings=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
    )
    fields.update(changes)
    return ReportCreate.model_validate(fields)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reliability": "Z"}, "reliability"),
        ({"credibility": 9}, "credibility"),
        ({"predicate": "jaywalking"}, "predicate"),
        ({"suspicion": ""}, "suspicion"),
        ({"attest_no_protected_views": False}, "attest_no_protected_views"),
        ({"review_by": date(2020, 1, 1)}, "review_by"),
        ({"review_by": date.today() + timedelta(days=6 * 365)}, "review_by"),
        ({"title_en": ""}, "title_en"),
        ({"markings": MarkingsIn(tlp="BLUE")}, "markings.tlp"),
        ({"markings": MarkingsIn(tlp="GREEN", groups=["case-x"])}, "markings.groups"),
        ({"markings": MarkingsIn(tlp="RED", recipients=["nobody"])}, "markings.recipients"),
        ({"entities": [EntityIn(schema="Persona")]}, "entities[0].schema"),
        (
            {"entities": [EntityIn(schema="Person", properties={"shoe": ["x"]})]},
            "entities[0].properties.shoe",
        ),
        (
            {"entities": [EntityIn(schema="Person", properties={"birthDate": ["1980-13-45"]})]},
            "entities[0].properties.birthDate",
        ),
    ],
)
def test_bad_report_names_the_field_and_stores_nothing(
    world: World, changes: dict[str, object], field: str
) -> None:
    with world.store.sessions() as session:
        before = session.execute(select(func.count()).select_from(Report)).scalar_one()
        statements = session.execute(select(func.count()).select_from(StatementRow)).scalar_one()
    with pytest.raises(InvalidFields) as caught, transaction(world.store.sessions) as session:
        service.create_report(
            session=session, actor=world.actors["us.analyst"], report_in=bad_report(**changes)
        )
    assert field in {e.field for e in caught.value.errors}
    assert caught.value.render("es") != caught.value.render("en")
    with world.store.sessions() as session:
        assert session.execute(select(func.count()).select_from(Report)).scalar_one() == before
        assert (
            session.execute(select(func.count()).select_from(StatementRow)).scalar_one()
            == statements
        )


def test_several_bad_fields_are_reported_together(world: World) -> None:
    with pytest.raises(InvalidFields) as caught, transaction(world.store.sessions) as session:
        service.create_report(
            session=session,
            actor=world.actors["us.analyst"],
            report_in=bad_report(reliability="Z", predicate="x"),
        )
    assert {"reliability", "predicate"} <= {e.field for e in caught.value.errors}
