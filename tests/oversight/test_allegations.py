"""Allegations through the service, on both backends: filing (all or nothing), the protected
victims and witnesses, status history on the audit chain, filters and who may file."""

from __future__ import annotations

from datetime import date

import pytest
from monitors import add_monitors
from sqlalchemy import func, select

from vinculo import vocab
from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import allegations as service
from vinculo.oversight.allegation_models import Allegation, AllegationParty
from vinculo.oversight.allegation_schemas import (
    AllegationCreate,
    PartyIn,
    SourceIn,
    StatusUpdate,
)
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor

from worlds import World, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])


def allegation_in(**changes: object) -> AllegationCreate:
    base: dict[str, object] = {
        "summary_en": "Detainees beaten at a checkpoint",
        "summary_es": "Detenidos golpeados en un retén",
        "occurred_from": date(2024, 3, 1),
        "occurred_to": date(2024, 3, 2),
        "state": "Guerrero",
        "municipality": "Iguala de la Independencia",
        "latitude": 18.34,
        "longitude": -99.54,
        "violations": ["torture", "arbitrary_detention"],
        "sources": [SourceIn(description="Testimony", reliability="B", credibility=2)],
        "parties": [
            PartyIn(role="victim", name="Rosa Elena Castillo", details="Age 34, farmer"),
            PartyIn(role="witness", name="Mateo Ruiz"),
        ],
        "markings": BOTH,
    }
    return AllegationCreate.model_validate(base | changes)


def file(world: World, who: str, **changes: object) -> str:
    with transaction(world.store.sessions) as session:
        made = service.file_allegation(
            session=session, actor=world.actors[who], allegation_in=allegation_in(**changes)
        )
        return made.id


def read(world: World, who: str, allegation_id: str) -> dict[str, object]:
    with transaction(world.store.sessions) as session:
        found = service.get_allegation(
            session=session, actor=world.actors[who], allegation_id=allegation_id
        )
        return found.model_dump(mode="json")


def test_the_violations_vocabulary_has_both_languages() -> None:
    codes = vocab.violations().codes()
    for code in ("torture", "extrajudicial_killing", "enforced_disappearance"):
        assert code in codes
    assert vocab.violations().label("enforced_disappearance", "es") == "Desaparición forzada"
    assert vocab.allegation_statuses().label("credible", "es") == "Creíble"


def test_victims_are_shown_only_to_the_monitors_group(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with_parties = file(fresh_world, "mx.monitor")
    without = file(fresh_world, "mx.monitor", parties=[])
    monitor = read(fresh_world, "mx.monitor", with_parties)
    assert [p["name"] for p in monitor["parties"]] == ["Rosa Elena Castillo", "Mateo Ruiz"]
    assert monitor["parties"][0]["markings"]["groups"] == [service.MONITORS]
    assert read(fresh_world, "us.monitor", with_parties)["parties"][1]["role"] == "witness"
    for outsider in ("mx.analyst", "us.analyst", "mx.auditor"):
        seen = read(fresh_world, outsider, with_parties)
        bare = read(fresh_world, outsider, without)
        assert seen["summary_en"] == "Detainees beaten at a checkpoint"
        # Nothing tells the two apart but their own id and times.
        for body in (seen, bare):
            body.pop("id")
            body.pop("created_at")
            for step in body["history"]:  # type: ignore[attr-defined]
                step.pop("at")
        assert seen == bare
        assert seen["parties"] == []


def test_a_party_marked_for_a_group_must_name_one_the_filer_is_in(fresh_world: World) -> None:
    add_monitors(fresh_world)
    bad = PartyIn(role="victim", name="X", markings=BOTH)
    with pytest.raises(InvalidFields) as caught:
        file(fresh_world, "mx.monitor", parties=[bad])
    assert [e.field for e in caught.value.errors] == ["parties.0.markings.groups"]
    foreign = PartyIn(
        role="victim", name="X", markings=BOTH.model_copy(update={"groups": ["tf-sonora"]})
    )
    with pytest.raises(InvalidFields) as caught:
        file(fresh_world, "mx.monitor", parties=[foreign])
    assert caught.value.errors[0].field == "parties.0.markings.groups"
    with fresh_world.store.sessions() as session:
        assert session.execute(select(func.count()).select_from(Allegation)).scalar_one() == 0


def test_bad_input_names_every_field_and_stores_nothing(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with pytest.raises(InvalidFields) as caught:
        file(
            fresh_world,
            "mx.monitor",
            summary_en="",
            summary_es=" ",
            occurred_to=date(2024, 2, 1),
            violations=["torture", "jaywalking"],
            latitude=None,
            sources=[SourceIn(description="x", reliability="Q", credibility=9)],
            parties=[PartyIn(role="bystander", name="")],
            unit_entity_id="no-such-unit",
            markings=MarkingsIn(tlp="PURPLE"),
        )
    fields = [e.field for e in caught.value.errors]
    assert fields == [
        "summary_en",
        "occurred_to",
        "longitude",
        "violations",
        "sources.0.reliability",
        "sources.0.credibility",
        "parties.0.role",
        "parties.0.name",
        "unit_entity_id",
        "markings.tlp",
    ]
    assert "jaywalking" in caught.value.errors[3].render("es")
    assert "violación desconocida" in caught.value.errors[3].render("es")
    with fresh_world.store.sessions() as session:
        assert session.execute(select(func.count()).select_from(AllegationParty)).scalar_one() == 0


def test_only_an_account_whose_role_files_may_file(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with pytest.raises(Forbidden):
        file(fresh_world, "mx.auditor")
    public = Actor(username=None)
    with pytest.raises(Forbidden), transaction(fresh_world.store.sessions) as session:
        service.file_allegation(session=session, actor=public, allegation_in=allegation_in())


def test_status_changes_are_history_and_on_the_audit_chain(fresh_world: World) -> None:
    add_monitors(fresh_world)
    made = file(fresh_world, "mx.monitor")
    steps = [("under_review", ""), ("credible", "Two consistent testimonies and medical report")]
    for status, reason in steps:
        with transaction(fresh_world.store.sessions) as session:
            service.set_status(
                session=session,
                actor=fresh_world.actors["mx.analyst"],
                allegation_id=made,
                status_in=StatusUpdate(status=status, reason=reason),
            )
    body = read(fresh_world, "us.analyst", made)
    assert body["status"] == "credible" and body["status_label"] == "Credible"
    history = body["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [  # type: ignore[attr-defined]
        (None, "reported"),
        ("reported", "under_review"),
        ("under_review", "credible"),
    ]
    with fresh_world.store.sessions() as session:
        rows = session.execute(
            select(AuditRow.action, AuditRow.detail)
            .where(AuditRow.kind == "allegation", AuditRow.target == made)
            .order_by(AuditRow.seq)
        ).all()
    writes = [detail for action, detail in rows if action == "write"]
    assert len(writes) == 3 and '"to": "credible"' in writes[2]
    for status, reason, field in (
        ("credible", "", "status"),  # already credible
        ("remediated", "", "reason"),
        ("closed", "x", "status"),
    ):
        with (
            pytest.raises(InvalidInput) as caught,
            transaction(fresh_world.store.sessions) as session,
        ):
            service.set_status(
                session=session,
                actor=fresh_world.actors["mx.analyst"],
                allegation_id=made,
                status_in=StatusUpdate(status=status, reason=reason),
            )
        assert caught.value.field == field


def test_a_hidden_allegation_is_a_missing_one(fresh_world: World) -> None:
    add_monitors(fresh_world)
    usa = file(fresh_world, "us.monitor", markings=MarkingsIn(tlp="GREEN", rel_to=["USA"]))
    for allegation_id in (usa, "0123456789abcdef"):
        with pytest.raises(NotFound) as caught, transaction(fresh_world.store.sessions) as session:
            service.get_allegation(
                session=session, actor=fresh_world.actors["mx.analyst"], allegation_id=allegation_id
            )
        assert caught.value.render("es") == "campo id: no existe esa acusación"
        with pytest.raises(NotFound), transaction(fresh_world.store.sessions) as session:
            service.set_status(
                session=session,
                actor=fresh_world.actors["mx.analyst"],
                allegation_id=allegation_id,
                status_in=StatusUpdate(status="under_review"),
            )


def test_filters_and_a_unit_the_reader_may_not_see(fresh_world: World) -> None:
    add_monitors(fresh_world)
    unit = EntityIn(id="unit-usa", schema="PublicBody", properties={"name": ["Unidad Norte"]})
    file_report(
        fresh_world.store,
        fresh_world.actors["dea.agent1"],
        "Unit report",
        MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        [unit],
    )
    named = file(fresh_world, "us.monitor", unit_entity_id="unit-usa", violations=["torture"])
    other = file(fresh_world, "us.monitor", violations=["enforced_disappearance"])

    def ids(who: str, **filters: str) -> list[str]:
        with transaction(fresh_world.store.sessions) as session:
            found = service.list_allegations(
                session=session, actor=fresh_world.actors[who], **filters
            )
            return [a.id for a in found.items]

    assert ids("us.analyst") == [other, named]
    assert ids("us.analyst", unit="unit-usa") == [named]
    assert ids("us.analyst", violation="enforced_disappearance") == [other]
    assert ids("us.analyst", status="credible") == []
    # mx.analyst sees both allegations but not the unit: no id of it, no match by it.
    assert ids("mx.analyst") == [other, named]
    assert ids("mx.analyst", unit="unit-usa") == ids("mx.analyst", unit="no-such-unit") == []
    assert read(fresh_world, "mx.analyst", named)["unit_entity_id"] is None
    assert read(fresh_world, "us.analyst", named)["unit_entity_id"] == "unit-usa"
    with pytest.raises(InvalidInput) as caught:
        ids("us.analyst", violation="jaywalking")
    assert caught.value.field == "violation"
