"""A small store that answers the accountability question, for the service, API and
browser tests: the 27th Infantry Battalion (Guerrero) with a ledger over two fiscal years,
allegations against it and a suspended vetting request; and beside each visible thing one
mx.analyst may not see (REL TO USA only), so every count and sum shows what it leaves out.

What mx.analyst sees, for fiscal year 2024: $350,000.25 received (a disbursement), an
obligation of $500,000.00, two allegations (one credible torture, one reported arbitrary
detention), and Leahy vetting suspended. us.analyst sees one more disbursement
($1,000,000.00), one more allegation and one more vetting request (approved).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from unittest import mock

import httpx
from sqlalchemy import select

from vinculo.assistance import equipment as equipment_service
from vinculo.assistance import training as training_service
from vinculo.assistance.equipment_schemas import EquipmentCreate
from vinculo.assistance.importer import REQUIRED, UNIT, UNIT_ENTITY, import_csv
from vinculo.assistance.models import Programme
from vinculo.assistance.training_schemas import SeatCreate, TrainingCreate
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import allegations as allegation_service
from vinculo.oversight import vetting as vetting_service
from vinculo.oversight.allegation_schemas import AllegationCreate, PartyIn, StatusUpdate
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import LiveServer
from worlds import World, cheap_demo_hash, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA = MarkingsIn(tlp="GREEN", rel_to=["USA"])
UNIT_ID = "unit-bi27"
UNIT_NAME = "27 Batallón de Infantería"
OTHER_UNIT = "unit-gn-son"
PARTNER = "Instituto de Formación Policial"
HIDDEN_PARTNER = "Contratista reservado"
VICTIM = "Rosa Elvira Quintana Solís"


@dataclass
class Accountable:
    world: World
    visible_programme: str
    hidden_programme: str


def rows_csv(rows: list[dict[str, str]]) -> str:
    header = [*REQUIRED, UNIT, UNIT_ENTITY]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in header})
    return out.getvalue()


def ledger_row(
    activity: str, name: str, kind: str, year: int, day: str, amount: str, **more: str
) -> dict[str, str]:
    return {
        "Country Name": "Mexico",
        "Fiscal Year": str(year),
        "Funding Account Name": "INCLE",
        "International Purpose Name": "Narcotics control",
        "Activity ID": activity,
        "Activity Name": name,
        "Implementing Partner Name": PARTNER,
        "Transaction Type Name": kind,
        "Transaction Date": day,
        "Current Dollar Amount": amount,
        UNIT: UNIT_NAME,
        UNIT_ENTITY: UNIT_ID,
        **more,
    }


def load(world: World, text: str, markings: MarkingsIn, release: str) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name=f"{release}.csv",
            release=release,
            markings_in=markings,
        )


def allege(world: World, markings: MarkingsIn, day: str, violation: str, status: str | None) -> str:
    with transaction(world.store.sessions) as session:
        made = allegation_service.file_allegation(
            session=session,
            actor=world.actors["us.analyst"],
            allegation_in=AllegationCreate(
                summary_en=f"Detainees beaten at the barracks ({violation})",
                occurred_from=day,  # type: ignore[arg-type]
                state="Guerrero",
                violations=[violation],
                unit_entity_id=UNIT_ID,
                parties=[PartyIn(role="victim", name=VICTIM)],
                markings=markings,
            ),
        )
        allegation_id = made.id
    if status:
        with transaction(world.store.sessions) as session:
            allegation_service.set_status(
                session=session,
                actor=world.actors["us.analyst"],
                allegation_id=allegation_id,
                status_in=StatusUpdate(status="under_review"),
            )
        with transaction(world.store.sessions) as session:
            allegation_service.set_status(
                session=session,
                actor=world.actors["us.analyst"],
                allegation_id=allegation_id,
                status_in=StatusUpdate(status=status, reason="two sources agree"),
            )
    return allegation_id


def vet(
    world: World,
    markings: MarkingsIn,
    purpose: str,
    status: str,
    subject: str = UNIT_ID,
    **more: str,
) -> str:
    with transaction(world.store.sessions) as session:
        made = vetting_service.request_vetting(
            session=session,
            actor=world.actors["us.analyst"],
            request_in=VettingCreate(
                subject_kind="unit",
                subject_entity_id=subject,
                purpose=purpose,
                programme_officer="J. Smith, INL Mexico City",
                markings=markings,
            ),
        )
        request_id = made.id
    with transaction(world.store.sessions) as session:
        vetting_service.decide(
            session=session,
            actor=world.actors["us.vetter"],
            request_id=request_id,
            decision_in=DecisionIn.model_validate(
                {"status": status, "reason": f"{status}: the allegations"} | more
            ),
        )
    return request_id


def train_and_equip(world: World) -> None:
    """The Sonora unit, vetted for training and equipment, trained in FY2024 (one seat, a
    human-rights course) and given a scanner worth $125,000.00; and an item only U.S.
    readers see ($999.00)."""
    for purpose in ("training", "equipment"):
        vet(
            world,
            BOTH,
            purpose,
            "approved",
            subject=OTHER_UNIT,
            valid_from="2023-01-01",
            valid_until="2099-12-31",
        )
    with transaction(world.store.sessions) as session:
        event = training_service.create_training(
            session=session,
            actor=world.actors["us.analyst"],
            training_in=TrainingCreate(
                course="Human rights in the use of force",
                starts_on=date(2024, 2, 12),
                state="Sonora",
                human_rights=True,
                human_rights_hours=Decimal("16"),
                provider="INL Mexico",
                markings=BOTH,
            ),
        )
        training_service.seat(
            session=session,
            actor=world.actors["us.analyst"],
            event_id=event.id,
            seat_in=SeatCreate(unit_entity_id=OTHER_UNIT),
        )
    for serial, value, markings in (
        ("RS-7734-0192", "125000.00", BOTH),
        ("RS-0000-SECRET", "999.00", USA),
    ):
        with transaction(world.store.sessions) as session:
            equipment_service.deliver(
                session=session,
                actor=world.actors["us.analyst"],
                equipment_in=EquipmentCreate(
                    type="scanner",
                    serial_number=serial,
                    value_usd=Decimal(value),
                    unit_entity_id=OTHER_UNIT,
                    delivered_on=date(2024, 3, 15),
                    markings=markings,
                ),
            )


def build_accountable(world: World, *, hidden: bool = True) -> Accountable:
    """The unit, its ledger, allegations and vetting in `world`; with `hidden`, what
    mx.analyst may not see beside them."""
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Battalion deployed to Iguala",
        BOTH,
        [
            EntityIn(
                id=UNIT_ID,
                schema="PublicBody",
                properties={"name": [UNIT_NAME], "addressEntity": ["addr-bi27"]},
            ),
            EntityIn(
                id="addr-bi27",
                schema="Address",
                properties={"full": ["Iguala, Guerrero"], "state": ["Guerrero"]},
            ),
            EntityIn(
                id=OTHER_UNIT,
                schema="PublicBody",
                properties={"name": ["Guardia Nacional, Sonora"], "addressEntity": ["addr-son"]},
            ),
            EntityIn(
                id="addr-son",
                schema="Address",
                properties={"full": ["Hermosillo, Sonora"], "state": ["Sonora"]},
            ),
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
    seen = [
        ledger_row("ACC-1", "Battalion training", "Obligations", 2024, "2023-11-15", "500000.00"),
        ledger_row("ACC-1", "Battalion training", "Disbursements", 2024, "2024-03-01", "350000.25"),
        ledger_row("ACC-1", "Battalion training", "Disbursements", 2023, "2023-05-01", "120000.00"),
        ledger_row(
            "ACC-2",
            "Border police equipment",
            "Disbursements",
            2024,
            "2024-02-01",
            "75000.00",
            **{UNIT: "Guardia Nacional, Sonora", UNIT_ENTITY: OTHER_UNIT},
        ),
    ]
    load(world, rows_csv(seen), BOTH, "visible")
    train_and_equip(world)
    if not hidden:
        allege(world, BOTH, "2024-01-20", "torture", "credible")
        allege(world, BOTH, "2024-06-02", "arbitrary_detention", None)
        vet(world, BOTH, "disbursement", "suspended")
        return Accountable(world, _programme(world, ":ACC-1"), "")
    secret = [
        ledger_row(
            "ACC-H",
            "Restricted: vetted unit support",
            "Disbursements",
            2024,
            "2024-04-01",
            "1000000.00",
            **{"Implementing Partner Name": HIDDEN_PARTNER},
        ),
    ]
    load(world, rows_csv(secret), USA, "hidden")
    allege(world, BOTH, "2024-01-20", "torture", "credible")
    allege(world, BOTH, "2024-06-02", "arbitrary_detention", None)
    allege(world, USA, "2024-02-10", "enforced_disappearance", "credible")
    vet(world, BOTH, "disbursement", "suspended")
    vet(
        world,
        USA,
        "training",
        "approved",
        valid_from="2024-01-01",
        valid_until="2099-12-31",
    )
    return Accountable(world, _programme(world, ":ACC-1"), _programme(world, ":ACC-H"))


def _programme(world: World, suffix: str) -> str:
    with world.store.sessions() as session:
        ids = dict(session.execute(select(Programme.key, Programme.id)).all())
    return next(v for k, v in ids.items() if k.endswith(suffix))


RECEIVED_2024 = Decimal("350000.25")
HIDDEN_USD = Decimal("1000000.00")


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A client signed in through the sign-in form, as a reader's browser is."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield _signed_in(client, username)


def _signed_in(client: httpx.Client, username: str) -> httpx.Client:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no csrf_token on /login"
    signed_in = client.post(
        "/login",
        data={"username": username, "password": "demo", "next": "/", "csrf_token": token[1]},
    )
    assert signed_in.status_code == 303, signed_in.text
    return client
