"""Units, soldiers and Leahy vetting for the training and equipment tests: two battalions
and two soldiers both nations see, a DEA supervisor who vets, and approvals or suspensions
decided through the vetting service, as users make them."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import vetting
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from worlds import World, cheap_demo_hash, file_report

BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA_ONLY = MarkingsIn(tlp="GREEN", rel_to=["USA"])
UNIT = "unit-bi28"
SUSPENDED = "unit-bi99"
CADET = "per-cadet"
OTHER = "per-other"
START = date.today() - timedelta(days=30)


def add_units_and_vetter(world: World) -> None:
    """Two battalions and two soldiers both nations see, and a DEA supervisor who vets."""
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Battalions in Baja California",
        BOTH,
        [
            EntityIn(id=UNIT, schema="PublicBody", properties={"name": ["28 Batallón"]}),
            EntityIn(id=SUSPENDED, schema="PublicBody", properties={"name": ["99 Batallón"]}),
            EntityIn(id=CADET, schema="Person", properties={"name": ["Lorena Ávila Cárdenas"]}),
            EntityIn(id=OTHER, schema="Person", properties={"name": ["Mauricio Téllez"]}),
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


def vet(world: World, subject: str, kind: str, purpose: str, status: str = "approved") -> str:
    """A request for the subject, decided by us.vetter; its id."""
    with transaction(world.store.sessions) as session:
        made = vetting.request_vetting(
            session=session,
            actor=world.actors["us.analyst"],
            request_in=VettingCreate(
                subject_kind=kind,
                subject_entity_id=subject,
                purpose=purpose,
                programme_officer="J. Smith, INL Mexico City",
                markings=BOTH,
            ),
        )
        changes: dict[str, object] = (
            {"valid_from": date(2020, 1, 1), "valid_until": date(2099, 12, 31)}
            if status == "approved"
            else {}
        )
        vetting.decide(
            session=session,
            actor=world.actors["us.vetter"],
            request_id=made.id,
            decision_in=DecisionIn.model_validate(
                {"status": status, "reason": f"{status}: why"} | changes
            ),
        )
        return made.id
