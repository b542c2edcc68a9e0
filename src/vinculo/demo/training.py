"""The demo's training events and equipment (`demo/data/training.yml`, `equipment.yml`),
recorded through the training and equipment services as us.analyst, after the units and the
ledger they name.

Every seat, delivery and transfer goes through the Leahy gate, as a user's would. A subject
the gate refuses for want of an approval is first vetted for that purpose through the vetting
service (asked for by us.analyst, approved by us.supervisor for training.yml's `approval`
period); a subject whose latest decision is a suspension or a denial is not: the gate
refuses it, the seat or item is left out, and the refusal is counted. A file that cannot be
recorded as it stands raises ScriptError naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.assistance import equipment, training
from vinculo.assistance.equipment_schemas import CheckCreate, CustodyCreate, EquipmentCreate
from vinculo.assistance.importer import SOURCE
from vinculo.assistance.models import Programme
from vinculo.assistance.training_schemas import SeatCreate, TrainingCreate
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.intel.models import StatementRow
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight import vetting
from vinculo.oversight.vetting_models import VettingRequest
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.markings import Actor
from vinculo.security.service import actor_for, get_by_username

TRAINING_FILE = "demo/data/training.yml"
EQUIPMENT_FILE = "demo/data/equipment.yml"
RECORDER = "us.analyst"
VETTER = "us.supervisor"
VETTING_MARKINGS = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
OFFICER = "INL Mexico City (demo)"


@dataclass
class Seeded:
    trainings: int = 0
    seats: int = 0
    equipment: int = 0
    checks: int = 0
    refused: int = 0
    vetted: set[tuple[str, str]] = field(default_factory=set)


def _read(name: str) -> Any:
    text = resources.files("vinculo.demo").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


class _Demo:
    """What seeding needs at hand: the accounts, the approval period, caches."""

    def __init__(self, session: Session, recorder: Actor, vetter: Actor, approval: Any) -> None:
        self.session = session
        self.recorder = recorder
        self.vetter = vetter
        self.valid_from = date.fromisoformat(str(approval["valid_from"]))
        self.valid_until = date.fromisoformat(str(approval["valid_until"]))
        self.seeded = Seeded()

    def programme(self, activity: object, where: str) -> str | None:
        if not activity:
            return None
        found = self.session.execute(
            select(Programme.id).where(Programme.key == f"{SOURCE}:{activity}")
        ).scalar_one_or_none()
        if found is None:
            raise ScriptError(f"{where}: no programme {activity} in demo/data/assistance.yml")
        return found

    def person(self, name: str, where: str) -> str:
        """A person of units.yml, by the name it gives them."""
        found = self.session.execute(
            select(StatementRow.entity_id)
            .where(
                StatementRow.schema == "Person",
                StatementRow.prop == "name",
                StatementRow.value == name,
            )
            .limit(1)
        ).scalar_one_or_none()
        if found is None:
            raise ScriptError(f"{where}: no person {name!r} in demo/data/units.yml")
        return found

    def ensure_vetted(self, subject: str, kind: str, purpose: str, on: date) -> None:
        """Vet the subject for the purpose unless the gate already lets it through on `on`,
        or vetting has suspended or denied it (then the gate refuses it, as it should)."""
        try:
            vetting.require_valid_approval(
                session=self.session, subject_entity_id=subject, purpose=purpose, on=on
            )
            return
        except vetting.NotVetted:
            pass
        latest = self.session.execute(
            select(VettingRequest.status)
            .where(
                VettingRequest.subject_entity_id == subject,
                VettingRequest.decided_at.is_not(None),
            )
            .order_by(VettingRequest.decided_at.desc(), VettingRequest.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        if latest in ("suspended", "denied") or (subject, purpose) in self.seeded.vetted:
            return
        made = vetting.request_vetting(
            session=self.session,
            actor=self.recorder,
            request_in=VettingCreate(
                subject_kind=kind,
                subject_entity_id=subject,
                purpose=purpose,
                programme_officer=OFFICER,
                markings=VETTING_MARKINGS,
            ),
        )
        vetting.decide(
            session=self.session,
            actor=self.vetter,
            request_id=made.id,
            decision_in=DecisionIn(
                status="approved",
                reason="Screened: no credible information of a gross violation of human rights.",
                valid_from=min(self.valid_from, on),
                valid_until=self.valid_until,
            ),
        )
        self.seeded.vetted.add((subject, purpose))


def _day(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ScriptError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _event(demo: _Demo, number: int, event: dict[str, Any]) -> None:
    where = f"{TRAINING_FILE}, event {number + 1}"
    start = _day(event["start"], where)
    made = training.create_training(
        session=demo.session,
        actor=demo.recorder,
        training_in=TrainingCreate(
            course=str(event["course"]),
            starts_on=start,
            ends_on=_day(event["end"], where) if event.get("end") else None,
            state=str(event.get("state") or ""),
            municipality=str(event.get("municipality") or ""),
            human_rights=bool(event.get("human_rights")),
            human_rights_hours=Decimal(str(event.get("hours") or 0)),
            provider=str(event.get("provider") or ""),
            programme_id=demo.programme(event.get("programme"), where),
            markings=MarkingsIn.model_validate(event["markings"]),
        ),
    )
    demo.seeded.trainings += 1
    for seat in event.get("participants") or []:
        unit = str(seat["unit"])
        person = demo.person(str(seat["person"]), where) if seat.get("person") else None
        if person is not None:
            demo.ensure_vetted(person, "person", "training", start)
        demo.ensure_vetted(unit, "unit", "training", start)
        # The gate refuses before anything is written: nothing to undo on a refusal.
        try:
            training.seat(
                session=demo.session,
                actor=demo.recorder,
                event_id=made.id,
                seat_in=SeatCreate(person_entity_id=person, unit_entity_id=unit),
            )
        except vetting.NotVetted:
            demo.seeded.refused += 1
            continue
        demo.seeded.seats += 1


def _item(demo: _Demo, number: int, item: dict[str, Any], today: date) -> None:
    where = f"{EQUIPMENT_FILE}, item {number + 1}"
    unit = str(item["unit"])
    delivered = _day(item["delivered"], where)
    demo.ensure_vetted(unit, "unit", "equipment", delivered)
    try:
        made = equipment.deliver(
            session=demo.session,
            actor=demo.recorder,
            equipment_in=EquipmentCreate(
                type=str(item["type"]),
                description=str(item.get("description") or ""),
                serial_number=str(item["serial"]),
                value_usd=Decimal(str(item["value"])),
                unit_entity_id=unit,
                delivered_on=delivered,
                programme_id=demo.programme(item.get("programme"), where),
                check_interval_days=int(item.get("interval") or 365),
                markings=MarkingsIn.model_validate(item["markings"]),
            ),
        )
    except vetting.NotVetted:
        demo.seeded.refused += 1
        return
    demo.seeded.equipment += 1
    for hand in item.get("custody") or []:
        holder = str(hand["unit"])
        since = _day(hand["from"], where)
        demo.ensure_vetted(holder, "unit", "equipment", since)
        try:
            equipment.transfer(
                session=demo.session,
                actor=demo.recorder,
                item_id=made.id,
                custody_in=CustodyCreate(
                    holder_unit_entity_id=holder, from_date=since, note=str(hand.get("note") or "")
                ),
            )
        except vetting.NotVetted:
            demo.seeded.refused += 1
    for check in item.get("checks") or []:
        on = (
            today - timedelta(days=int(check["days_ago"]))
            if "days_ago" in check
            else _day(check["date"], where)
        )
        equipment.add_check(
            session=demo.session,
            actor=demo.recorder,
            item_id=made.id,
            check_in=CheckCreate(
                checked_on=on,
                scheduled=bool(check.get("scheduled", True)),
                kind=str(check["kind"]),
                result=str(check["result"]),
                discrepancy=str(check.get("discrepancy") or ""),
            ),
        )
        demo.seeded.checks += 1


def seed_training(*, session: Session, today: date | None = None) -> Seeded:
    """Record the demo's trainings and equipment where their recorder and vetter have
    accounts (a node of `vinculo demo --nodes 2` has only its nation's): how many events,
    seats, items and checks were stored, and how many the gate refused."""
    recorder = get_by_username(session=session, username=RECORDER)
    vetter = get_by_username(session=session, username=VETTER)
    if recorder is None or vetter is None:
        return Seeded()
    trainings = _read("training.yml")
    demo = _Demo(session, actor_for(recorder), actor_for(vetter), trainings["approval"])
    try:
        for number, event in enumerate(trainings["events"]):
            _event(demo, number, event)
        for number, item in enumerate(_read("equipment.yml")["items"]):
            _item(demo, number, item, today or date.today())
    except VinculoError as error:
        raise ScriptError(error.render("en")) from None
    return demo.seeded
