"""Leahy vetting through the service, on both backends: requests all or nothing, screening
hits as each reader may see them, decisions kept as history and on the audit chain, and the
gate that refuses assistance to a subject without a valid approval."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidFields, NotFound
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import allegations as allegation_service
from vinculo.oversight import vetting as service
from vinculo.oversight.allegation_schemas import AllegationCreate
from vinculo.oversight.vetting_models import VettingDecision, VettingRequest
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from worlds import World, cheap_demo_hash, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
UNIT = "unit-bi27"


def add_unit_and_vetter(world: World) -> None:
    """A battalion both nations see, and a DEA supervisor who may vet."""
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Battalion deployed to Iguala",
        BOTH,
        [
            EntityIn(
                id=UNIT, schema="PublicBody", properties={"name": ["27 Batallón de Infantería"]}
            )
        ],
    )
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(world.store.sessions) as session,
    ):
        user = create_user(
            session=session,
            user_in=UserCreate(
                username="us.vetter", password="demo", agency="DEA", roles=["supervisor"]
            ),
            demo_password=True,
        )
        world.actors["us.vetter"] = actor_for(user)


def request_in(**changes: object) -> VettingCreate:
    base: dict[str, object] = {
        "subject_kind": "unit",
        "subject_entity_id": UNIT,
        "purpose": "disbursement",
        "programme_officer": "J. Smith, INL Mexico City",
        "markings": BOTH,
    }
    return VettingCreate.model_validate(base | changes)


def ask(world: World, who: str = "us.analyst", **changes: object) -> str:
    with transaction(world.store.sessions) as session:
        made = service.request_vetting(
            session=session, actor=world.actors[who], request_in=request_in(**changes)
        )
        return made.id


def decide(world: World, request_id: str, status: str, **changes: object) -> None:
    decision = DecisionIn.model_validate({"status": status, "reason": f"{status}: why"} | changes)
    with transaction(world.store.sessions) as session:
        service.decide(
            session=session,
            actor=world.actors["us.vetter"],
            request_id=request_id,
            decision_in=decision,
        )


def read(world: World, who: str, request_id: str) -> dict[str, object]:
    with transaction(world.store.sessions) as session:
        found = service.get_vetting(session=session, actor=world.actors[who], request_id=request_id)
        return found.model_dump(mode="json", by_alias=True)


def gate(world: World, purpose: str, on: date, subject: str = UNIT) -> VettingRequest:
    with transaction(world.store.sessions) as session:
        return service.require_valid_approval(
            session=session, subject_entity_id=subject, purpose=purpose, on=on
        )


def refusal(world: World, purpose: str, on: date, subject: str = UNIT) -> service.NotVetted:
    with pytest.raises(service.NotVetted) as caught:
        gate(world, purpose, on, subject)
    return caught.value


def test_a_suspended_unit_is_refused_a_disbursement_and_a_training_seat(
    fresh_world: World,
) -> None:
    add_unit_and_vetter(fresh_world)
    money = ask(fresh_world)
    seat = ask(fresh_world, purpose="training")
    on = date.today()
    assert "is pending" in refusal(fresh_world, "disbursement", on).render("en")
    approval = {"valid_until": "2099-12-31"}
    decide(fresh_world, money, "approved", **approval)
    decide(fresh_world, seat, "approved", **approval)
    assert gate(fresh_world, "disbursement", on).id == money
    assert gate(fresh_world, "training", on).id == seat
    decide(fresh_world, money, "suspended", remediation="Retrain the battalion's command")
    for purpose, es in (("disbursement", "desembolso"), ("training", "plaza de capacitación")):
        error = refusal(fresh_world, purpose, on)
        assert error.render("en") == (
            f"field subject: {UNIT} is suspended in Leahy vetting: no assistance may reach it"
        )
        assert error.render("es") == (
            f"campo subject: {UNIT} está suspendido en la verificación Leahy: "
            "ninguna asistencia puede llegarle"
        )
        assert es  # the purpose is not named: a suspension is of the unit, whatever the purpose
    # Approved again after remediation: assistance may flow once more.
    decide(fresh_world, money, "approved", **approval)
    assert gate(fresh_world, "disbursement", on).id == money
    body = read(fresh_world, "us.vetter", money)
    assert [(d["from_status"], d["to_status"]) for d in body["history"]] == [  # type: ignore[index]
        ("pending", "approved"),
        ("approved", "suspended"),
        ("suspended", "approved"),
    ]
    assert body["history"][1]["remediation"] == "Retrain the battalion's command"  # type: ignore[index]
    assert body["history"][1]["actor"] == "us.vetter"  # type: ignore[index]
    with transaction(fresh_world.store.sessions) as session:
        rows = session.execute(
            select(AuditRow).where(AuditRow.kind == "vetting", AuditRow.target == money)
        ).scalars()
        changes = [(r.actor, r.detail) for r in rows]
    assert len(changes) == 4  # requested and three decisions
    assert changes[2][0] == "us.vetter" and '"reason": "suspended: why"' in changes[2][1]


def test_the_gate_names_the_reason(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    on = date(2025, 6, 1)
    error = refusal(fresh_world, "equipment", on)
    assert (
        error.render("en") == f"field subject: {UNIT} has no vetting request for equipment transfer"
    )
    assert "transferencia de equipo" in error.render("es")
    made = ask(fresh_world, purpose="equipment")
    decide(fresh_world, made, "approved", valid_from="2024-01-01", valid_until="2024-12-31")
    assert gate(fresh_world, "equipment", date(2024, 6, 1)).id == made
    expired = refusal(fresh_world, "equipment", on)
    assert expired.render("en").endswith("approval for equipment transfer expired on 2024-12-31")
    assert "venció el 2024-12-31" in expired.render("es")
    assert read(fresh_world, "us.analyst", made)["status"] == "expired"
    early = refusal(fresh_world, "equipment", date(2023, 6, 1))
    assert early.render("en").endswith("is valid only from 2024-01-01")
    denied = ask(fresh_world, purpose="other")
    decide(fresh_world, denied, "denied")
    assert "is denied" in refusal(fresh_world, "equipment", date(2024, 6, 1)).render("en")
    assert "denegado" in refusal(fresh_world, "training", date(2024, 6, 1)).render("es")


def test_hits_are_what_each_reader_may_see(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    # Walter Quinn is known only under AMBER+STRICT of the DEA: the Mexican reader sees the
    # request but no hit, and nothing of the hidden entity.
    made = ask(
        fresh_world,
        subject_kind="person",
        subject_entity_id=None,
        subject_name="Walter Quinn",
        birth_date="1970-01-01",
    )
    theirs = read(fresh_world, "us.analyst", made)
    hits = theirs["hits"]
    assert [h["entity_id"] for h in hits] == ["per-dea_strict"]  # type: ignore[union-attr]
    assert hits[0]["score"] > 0.5 and hits[0]["caption"] == "Walter Quinn"  # type: ignore[index]
    ours = read(fresh_world, "mx.analyst", made)
    assert ours["hits"] == []
    assert "per-dea_strict" not in str(ours)
    # A stored subject is left out of its own hits; its name is its caption for the reader.
    person = ask(fresh_world, subject_kind="person", subject_entity_id="per-0001")
    mine = read(fresh_world, "mx.analyst", person)
    assert mine["subject_name"] == "José Ángel García López"
    assert "per-0001" not in [h["entity_id"] for h in mine["hits"]]  # type: ignore[union-attr]


def test_bad_requests_are_refused_whole(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    with pytest.raises(InvalidFields) as caught:
        ask(
            fresh_world,
            subject_kind="ship",
            purpose="bribe",
            programme_officer=" ",
            markings=MarkingsIn(tlp="PURPLE", rel_to=["USA"]),
        )
    fields = [e.field for e in caught.value.errors]
    assert fields == ["subject_kind", "purpose", "programme_officer", "markings.tlp"]
    assert "propósito de verificación desconocido" in caught.value.render("es")
    with pytest.raises(InvalidFields) as caught:
        ask(fresh_world, "mx.analyst", subject_entity_id="per-dea_strict", subject_kind="person")
    assert [e.field for e in caught.value.errors] == ["subject_entity_id"]
    with pytest.raises(InvalidFields) as caught:
        ask(fresh_world, subject_kind="person")  # the battalion is no person
    assert "is not a person" in caught.value.render("en")
    with pytest.raises(InvalidFields) as caught:
        ask(fresh_world, subject_entity_id=None)
    assert [e.field for e in caught.value.errors] == ["subject_name"]
    with transaction(fresh_world.store.sessions) as session:
        assert session.execute(select(func.count(VettingRequest.seq))).scalar_one() == 0


def test_decisions_are_for_vetters_and_say_why(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    made = ask(fresh_world)
    decision = DecisionIn(status="approved", reason="ok", valid_until=date(2099, 1, 1))
    with pytest.raises(Forbidden), transaction(fresh_world.store.sessions) as session:
        service.decide(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            request_id=made,
            decision_in=decision,
        )
    for status, changes, field in (
        ("approved", {}, "valid_until"),
        ("approved", {"valid_from": "2030-01-01", "valid_until": "2029-01-01"}, "valid_until"),
        ("expired", {}, "status"),
        ("denied", {"reason": " "}, "reason"),
        ("denied", {"valid_until": "2030-01-01"}, "valid_until"),
    ):
        with pytest.raises(InvalidFields) as caught:
            decide(fresh_world, made, status, **changes)
        assert field in [e.field for e in caught.value.errors], (status, changes)
    with transaction(fresh_world.store.sessions) as session:
        assert session.execute(select(func.count(VettingDecision.id))).scalar_one() == 0


def test_a_request_the_reader_may_not_see_answers_as_missing(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    hidden = ask(fresh_world, markings=MarkingsIn(tlp="GREEN", rel_to=["USA"]))
    shown = ask(fresh_world)
    for request_id in (hidden, "0123456789abcdef"):
        with pytest.raises(NotFound) as caught:
            read(fresh_world, "mx.analyst", request_id)
        assert caught.value.render("es") == "campo id: no existe esa solicitud de verificación"
    with transaction(fresh_world.store.sessions) as session:
        listed = service.list_vetting(session=session, actor=fresh_world.actors["mx.analyst"])
        assert [i.id for i in listed.items] == [shown] and listed.total == 1
        suspended = service.list_vetting(
            session=session, actor=fresh_world.actors["us.analyst"], status="pending", limit=1
        )
        assert suspended.total == 2 and suspended.next_cursor


def test_allegations_naming_the_subject_or_a_hit_as_each_reader_may_see_them(
    fresh_world: World,
) -> None:
    add_unit_and_vetter(fresh_world)

    def allege(who: str, markings: MarkingsIn, **named: object) -> str:
        with transaction(fresh_world.store.sessions) as session:
            return allegation_service.file_allegation(
                session=session,
                actor=fresh_world.actors[who],
                allegation_in=AllegationCreate(
                    summary_en="Detainees beaten at a checkpoint",
                    occurred_from=date(2024, 3, 1),
                    violations=["torture"],
                    parties=[],
                    markings=markings,
                    **named,  # type: ignore[arg-type]
                ),
            ).id

    both = allege("mx.analyst", BOTH, unit_entity_id=UNIT)
    usa = allege("us.analyst", MarkingsIn(tlp="GREEN", rel_to=["USA"]), unit_entity_id=UNIT)
    quinn = allege("dea.agent1", BOTH, perpetrators=["per-dea_strict"])
    unit = ask(fresh_world)
    seen = read(fresh_world, "us.analyst", unit)["allegations"]
    assert [(a["id"], a["named_as"]) for a in seen] == [(usa, "unit"), (both, "unit")]  # type: ignore[union-attr]
    ours = read(fresh_world, "mx.analyst", unit)
    assert [a["id"] for a in ours["allegations"]] == [both]  # type: ignore[union-attr]
    assert ours["allegations"][0]["violation_labels"] == ["Torture"]  # type: ignore[index]
    person = ask(
        fresh_world, subject_kind="person", subject_entity_id=None, subject_name="Walter Quinn"
    )
    found = read(fresh_world, "us.analyst", person)["allegations"]
    assert [(a["id"], a["entity_id"], a["named_as"]) for a in found] == [  # type: ignore[union-attr]
        (quinn, "per-dea_strict", "perpetrator")
    ]
    # The Mexican reader sees the allegation itself, but not Quinn as a hit: it is not listed.
    assert read(fresh_world, "mx.analyst", person)["allegations"] == []
