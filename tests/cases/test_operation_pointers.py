"""Event deconfliction across nodes on one store, the partner played by hand: a planned
operation's pointer (keyed hashes of grid cell and UTC day) goes only to partners of its
agreement and its case's REL TO, holding the contact alone; a partner's pointer of the same
area and day raises an alert on this node to the operation's contact and the watch, naming
only the partner's contact; the alert's flow stays local; cancelling revokes."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from vinculo.cases import alerts, marked, operation_pointers, operations, pointers, service
from vinculo.cases.models import Case, CaseEvent
from vinculo.cases.operation_models import AlertParty, CaseOperation, DeconflictionAlert
from vinculo.cases.operation_pointer_models import CaseOperationKeyHash, PartnerAlertSide
from vinculo.cases.operation_schemas import AlertResolve, OperationCheck, OperationRegister
from vinculo.cases.places import Place, cells
from vinculo.cases.pointers import routes
from vinculo.cases.schemas import CaseCreate, CaseStatusUpdate
from vinculo.db import transaction
from vinculo.errors import InvalidFields
from vinculo.exchange.deconfliction import (
    MAX_HASHES,
    Contact,
    PointerRejected,
    agreement_key,
    build_pointer,
    parse_pointer,
    pointer_object,
)
from vinculo.exchange.models import ExchangeCollection, ExchangeObject
from vinculo.exchange.pointers import receive_pointers
from vinculo.hooks import wire_hooks
from vinculo.notify.models import Notification
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user
from vinculo.settings import DeconflictionKeyConfig, PartnerConfig, Settings

from worlds import World, cheap_demo_hash

SECRET_MX = "m" * 40
SECRET_GT = "g" * 40
US_DESK = "+1 520 555 0147"
MX_CONTACT = Contact(name="Cmdte. Laura Vega", agency="FGR", phone="+52 631 555 0199")
# Nogales, Arizona (America/Phoenix) and Nogales, Sonora (America/Hermosillo): both UTC-7 all
# year, a few kilometres apart across the line.
NOGALES_AZ = (31.3404, -110.9343)
NOGALES_SON = (31.3086, -110.9422)
TITLE = "Nogales tunnel: controlled delivery"


def node_settings(world: World) -> Settings:
    """The world's store as the U.S. node, with a Mexican and a Guatemalan partner and one
    agreement key with each."""
    return world.store.settings.model_copy(
        update={
            "node_name": "us",
            "node_nation": "USA",
            "partners": [
                PartnerConfig(name="mx", nation="MEX"),
                PartnerConfig(name="gt", nation="GTM"),
            ],
            "deconfliction_keys": [
                DeconflictionKeyConfig(key_id="usmx-2026", secret=SECRET_MX, partners=["mx"]),
                DeconflictionKeyConfig(key_id="usgt-2026", secret=SECRET_GT, partners=["gt"]),
            ],
        }
    )


@pytest.fixture(autouse=True)
def _hooks() -> None:
    wire_hooks()


def run(world: World, username: str, work: Any, **kw: Any) -> Any:
    with transaction(world.store.sessions) as session:
        who = marked.actor_again(session=session, actor=world.actors[username])
    with transaction(world.store.sessions) as session:
        return work(session=session, actor=who, **kw)


def case_of(world: World, agencies: list[str]) -> str:
    case_in = CaseCreate(title_en=TITLE, lead_agency="DEA", agencies=agencies)
    case: Case = run(world, "us.analyst", service.create_case, case_in=case_in)
    return case.id


def add_watch(world: World) -> None:
    with transaction(world.store.sessions) as session:
        user = create_user(
            session=session,
            user_in=UserCreate(
                username="dea.watch", password="demo", agency="DEA", roles=["supervisor"]
            ),
            demo_password=True,
        )
        user.password_hash = cheap_demo_hash()
        world.actors["dea.watch"] = actor_for(user)


def plan(
    world: World,
    settings: Settings,
    case_id: str,
    *,
    starts: str = "2027-01-20T06:00",
    ends: str = "2027-01-20T12:00",
    where: tuple[float, float] = NOGALES_AZ,
    radius_m: float = 2_000,
) -> OperationCheck:
    check: OperationCheck = run(
        world,
        "us.analyst",
        operations.register_operation,
        case_id=case_id,
        operation_in=OperationRegister(
            kind="controlled_delivery",
            latitude=where[0],
            longitude=where[1],
            radius_m=radius_m,
            starts_local=starts,
            ends_local=ends,
            contact_phone=US_DESK,
        ),
        settings=settings,
    )
    return check


def published(world: World, alias: str) -> list[dict[str, Any]]:
    with transaction(world.store.sessions) as session:
        rows = session.execute(
            select(ExchangeObject.payload)
            .join(ExchangeCollection, ExchangeCollection.id == ExchangeObject.collection_id)
            .where(ExchangeCollection.alias == alias)
            .order_by(ExchangeObject.seq)
        ).scalars()
        return [json.loads(r) for r in rows]


def mx_pointer(
    starts: datetime = datetime(2027, 1, 20, 14, 0),
    ends: datetime = datetime(2027, 1, 20, 17, 0),
    where: tuple[float, float] = NOGALES_SON,
) -> dict[str, Any]:
    """A pointer as the Mexican node makes it for an operation in Nogales, Sonora (times in
    UTC: 07:00 to 10:00 at the place)."""
    settings = Settings.model_construct(
        deconfliction_keys=[
            DeconflictionKeyConfig(key_id="usmx-2026", secret=SECRET_MX, partners=["us"])
        ]
    )
    key = agreement_key(settings=settings, key_id="usmx-2026")
    op = CaseOperation(
        latitude=where[0], longitude=where[1], radius_m=3_000, starts_at=starts, ends_at=ends
    )
    hashes = operation_pointers.operation_hashes(op, key)
    return pointer_object(
        build_pointer(hashes=hashes, node="mx", contact=MX_CONTACT, lifetime=timedelta(days=120))
    )


def receive(world: World, settings: Settings, objects: list[Any]) -> Any:
    with transaction(world.store.sessions) as session:
        return receive_pointers(
            session=session, settings=settings, partner="mx", collection_id="c-mx", objects=objects
        )


def alerts_of(world: World, username: str) -> list[Any]:
    return list(run(world, username, alerts.list_alerts).items)


def test_an_operation_travels_as_hashes_of_cells_and_days_to_its_agreement_only(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = plan(fresh_world, settings, case_id)
    assert [c.node for c in check.checked] == ["us", "mx"]
    sent = published(fresh_world, "deconfliction-mx")
    assert len(sent) == 1
    pointer = parse_pointer(sent[0])
    assert pointer.key_id == "usmx-2026" and pointer.contact.phone == US_DESK
    assert {h.kind for h in pointer.hashes} == {"operation"}
    # One hash per cell the circle's box touches and UTC day the window touches (one day).
    assert len(pointer.hashes) == len(cells(Place(*NOGALES_AZ, 2_000)))
    # It expires with the window: 12:00 at the place is 19:00 UTC.
    assert abs(pointer.expires - datetime(2027, 1, 20, 19, 0)) < timedelta(seconds=1)
    text = json.dumps(sent[0])
    for secret in (case_id, "Nogales", "31.34", "110.93", "controlled", "2027-01-20T13"):
        assert secret not in text
    # REL TO USA, MEX: nothing for the Guatemalan node.
    assert published(fresh_world, "deconfliction-gt") == []


def test_a_case_of_one_nation_sends_nothing(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    check = plan(fresh_world, settings, case_of(fresh_world, ["DEA"]))
    assert [c.node for c in check.checked] == ["us"]
    assert published(fresh_world, "deconfliction-mx") == []
    assert published(fresh_world, "deconfliction-gt") == []


def test_routes_of_a_case_rel_to_usa_mex_leave_out_the_guatemalan_node(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    with transaction(fresh_world.store.sessions) as session:
        case = session.execute(select(Case).where(Case.id == case_id)).scalar_one()
        found = routes(session, settings, case)
    assert {k: r.partners for k, r in found.items()} == {"usmx-2026": ("mx",)}


def test_a_partners_operation_the_same_day_alerts_the_contact_and_the_watch(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    add_watch(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = plan(fresh_world, settings, case_id)
    assert check.alerts == []
    got = receive(fresh_world, settings, [mx_pointer()])
    assert got.stored == 1 and got.quarantined == 0
    mine = alerts_of(fresh_world, "us.analyst")
    assert len(mine) == 1
    alert = mine[0]
    assert alert.role == "side" and alert.case_id == case_id
    theirs = [c for c in alert.contacts if c.side == "theirs"]
    assert [(c.name, c.agency, c.phone) for c in theirs] == [
        (MX_CONTACT.name, MX_CONTACT.agency, MX_CONTACT.phone)
    ]
    watch = alerts_of(fresh_world, "dea.watch")
    assert len(watch) == 1 and watch[0].case_id is None
    assert {c.phone for c in watch[0].contacts} == {US_DESK, MX_CONTACT.phone}
    with transaction(fresh_world.store.sessions) as session:
        row = session.get(DeconflictionAlert, alert.id)
        assert row is not None and row.operation_b is None
        side = session.get(PartnerAlertSide, alert.id)
        assert side is not None and side.partner == "mx"
        kinds = set(
            session.execute(
                select(Notification.kind).where(Notification.item_id == alert.id)
            ).scalars()
        )
        assert kinds == {operation_pointers.PARTNER_ALERT}
        events = list(
            session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)).scalars()
        )
        raised = [e for e in events if e.action == "alert_raised"]
        assert len(raised) == 1 and MX_CONTACT.phone in raised[0].note
        audited = session.execute(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.detail.like(f"%{alert.id}%"), AuditRow.detail.like("%alert_raised%"))
        ).scalar_one()
        assert audited == 1
    # The same pointer again (a newer version, pulled again): no second alert.
    again = parse_pointer(mx_pointer())
    receive(fresh_world, settings, [pointer_object(again)])
    assert len(alerts_of(fresh_world, "us.analyst")) == 1


def test_the_alert_flow_stays_on_this_node(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    plan(fresh_world, settings, case_id)
    receive(fresh_world, settings, [mx_pointer()])
    (alert,) = alerts_of(fresh_world, "us.analyst")
    assert alert.may_acknowledge and not alert.may_resolve
    acked = run(fresh_world, "us.analyst", alerts.acknowledge, alert_id=alert.id)
    # The partner's side acknowledges on its own node: this side alone opens the resolution.
    assert acked.may_resolve
    done = run(
        fresh_world,
        "us.analyst",
        alerts.resolve,
        alert_id=alert.id,
        resolve_in=AlertResolve(note="FGR moves its delivery to the afternoon."),
    )
    assert done.status == "resolved"
    with transaction(fresh_world.store.sessions) as session:
        actions = [
            e.action
            for e in session.execute(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            ).scalars()
        ]
    assert actions[-3:] == ["alert_raised", "alert_acknowledged", "alert_resolved"]


def test_a_new_operation_meets_the_pointers_already_held(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    receive(fresh_world, settings, [mx_pointer()])
    check = plan(fresh_world, settings, case_of(fresh_world, ["DEA", "FGR"]))
    assert len(check.alerts) == 1
    assert {(c.side, c.phone) for c in check.alerts[0].contacts} == {
        ("yours", US_DESK),
        ("theirs", MX_CONTACT.phone),
    }


def test_another_day_or_a_case_not_shared_meets_nothing(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    receive(
        fresh_world,
        settings,
        [mx_pointer(datetime(2027, 1, 21, 14, 0), datetime(2027, 1, 21, 17, 0))],
    )
    check = plan(fresh_world, settings, case_of(fresh_world, ["DEA", "FGR"]))
    assert check.alerts == []
    # The same day, but the case is not released to Mexico: its operation was never sent
    # there and is not checked against Mexico's pointers.
    receive(fresh_world, settings, [mx_pointer()])
    assert plan(fresh_world, settings, case_of(fresh_world, ["DEA"])).alerts == []
    assert len(alerts_of(fresh_world, "us.analyst")) == 1  # the shared case's, on receipt


def test_cancelling_revokes_the_pointer_and_meets_nothing_after(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = plan(fresh_world, settings, case_id)
    run(
        fresh_world,
        "us.analyst",
        operations.set_status,
        case_id=case_id,
        operation_id=check.operation.id,
        status=operations.CANCELLED,
        settings=settings,
    )
    sent = published(fresh_world, "deconfliction-mx")
    assert len(sent) == 1 and sent[0]["revoked"] is True
    with transaction(fresh_world.store.sessions) as session:
        assert session.execute(select(func.count()).select_from(CaseOperationKeyHash)).scalar() == 0
    receive(fresh_world, settings, [mx_pointer()])
    assert alerts_of(fresh_world, "us.analyst") == []


def test_closing_the_case_revokes_and_reopening_publishes_again(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    plan(fresh_world, settings, case_id)
    for status in ("closed", "open"):
        with transaction(fresh_world.store.sessions) as session:
            who = marked.actor_again(session=session, actor=fresh_world.actors["us.analyst"])
        with transaction(fresh_world.store.sessions) as session:
            case = service.set_status(
                session=session,
                actor=who,
                case_id=case_id,
                status_in=CaseStatusUpdate(status=status, reason="done with it"),
            )
            # As the API, the page and the command line do after a change of status.
            pointers.on_case_status(session=session, settings=settings, case=case)
            operation_pointers.on_case_status(session=session, settings=settings, case=case)
    sent = published(fresh_world, "deconfliction-mx")
    # The revocation replaced the first version; reopened, a new version of the same pointer.
    assert [s.get("revoked", False) for s in sent] == [True, False]
    assert len({s["id"] for s in sent}) == 1


def test_changing_the_window_publishes_a_new_version(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = plan(fresh_world, settings, case_id)
    from vinculo.cases.operation_schemas import OperationChange

    run(
        fresh_world,
        "us.analyst",
        operations.change_operation,
        case_id=case_id,
        operation_id=check.operation.id,
        change_in=OperationChange(
            latitude=NOGALES_AZ[0],
            longitude=NOGALES_AZ[1],
            radius_m=2_000,
            starts_local="2027-01-21T06:00",
            ends_local="2027-01-22T06:00",
        ),
        settings=settings,
    )
    sent = published(fresh_world, "deconfliction-mx")
    assert sent[-1]["id"] == sent[0]["id"] and sent[-1]["modified"] > sent[0]["modified"]
    # Two UTC days now (13:00 on the 21st to 13:00 on the 22nd).
    assert len(sent[-1]["key_hashes"]) == 2 * len(sent[0]["key_hashes"])


@pytest.mark.parametrize(
    ("ends", "radius_m"),
    [
        ("2027-03-01T06:00", 50_000),  # two months of a wide circle: past 8 pointers
        ("2028-03-01T06:00", 2_000),  # past a pointer's longest life
    ],
)
def test_a_window_too_long_for_partners_is_refused_naming_the_field(
    fresh_world: World, ends: str, radius_m: float
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    with pytest.raises(InvalidFields) as caught:
        plan(
            fresh_world, settings, case_id, starts="2027-01-01T06:00", ends=ends, radius_m=radius_m
        )
    assert {e.field for e in caught.value.errors} == {"ends_local"}
    assert "nodos socios" in caught.value.errors[0].render("es")
    assert published(fresh_world, "deconfliction-mx") == []
    with transaction(fresh_world.store.sessions) as session:
        assert session.execute(select(func.count()).select_from(CaseOperation)).scalar() == 0


def test_a_pointer_with_an_unknown_kind_is_still_refused() -> None:
    obj = mx_pointer()
    obj["key_hashes"][0]["kind"] = "operations"
    with pytest.raises(PointerRejected) as caught:
        parse_pointer(obj)
    assert caught.value.field == "key_hashes[0].kind"
    assert MAX_HASHES == 64


def test_alert_parties_name_nobody_of_the_partner(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    plan(fresh_world, settings, case_of(fresh_world, ["DEA", "FGR"]))
    receive(fresh_world, settings, [mx_pointer()])
    with transaction(fresh_world.store.sessions) as session:
        sides = set(session.execute(select(AlertParty.side)).scalars())
    assert sides == {"a"}


def test_an_operation_whose_window_has_passed_meets_nothing(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = plan(fresh_world, settings, case_id)
    with transaction(fresh_world.store.sessions) as session:
        op = session.get(CaseOperation, check.operation.id)
        assert op is not None
        # As if the window were over: its pointer has expired at the partner by now.
        op.ends_at = datetime(2026, 1, 1)
    receive(fresh_world, settings, [mx_pointer()])
    assert alerts_of(fresh_world, "us.analyst") == []


def _operation_in() -> OperationRegister:
    return OperationRegister(
        kind="controlled_delivery",
        latitude=NOGALES_AZ[0],
        longitude=NOGALES_AZ[1],
        radius_m=2_000,
        starts_local="2027-01-20T06:00",
        ends_local="2027-01-20T12:00",
        contact_phone=US_DESK,
    )


@pytest.mark.parametrize("first", ["planned", "received"])
def test_a_pointer_arriving_while_the_operation_is_planned_is_met_once(
    fresh_world: World, first: str
) -> None:
    # Each side's transaction is open, its row written, when the other starts: under
    # PostgreSQL's read committed neither would see the other's row unless the second check
    # waits for the first transaction's end.
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    with transaction(fresh_world.store.sessions) as session:
        who = marked.actor_again(session=session, actor=fresh_world.actors["us.analyst"])

    def planned() -> None:
        with transaction(fresh_world.store.sessions) as session:
            operations.register_operation(
                session=session,
                actor=who,
                case_id=case_id,
                operation_in=_operation_in(),
                settings=settings,
            )
            opened.set()
            release.wait(timeout=30)

    def received() -> None:
        with transaction(fresh_world.store.sessions) as session:
            receive_pointers(
                session=session,
                settings=settings,
                partner="mx",
                collection_id="c-mx",
                objects=[mx_pointer()],
            )
            opened.set()
            release.wait(timeout=30)

    opened, release = threading.Event(), threading.Event()
    sides = {"planned": planned, "received": received}
    holder = threading.Thread(target=sides[first])
    holder.start()
    assert opened.wait(timeout=30)
    second = threading.Thread(target=sides["received" if first == "planned" else "planned"])
    second.start()
    second.join(timeout=1)
    # The second waits for the first: on SQLite for the store's write lock, on PostgreSQL
    # for the audit chain's head, which the first's check took.
    assert second.is_alive()
    release.set()
    holder.join(timeout=30)
    second.join(timeout=30)
    assert not holder.is_alive() and not second.is_alive()
    assert len(alerts_of(fresh_world, "us.analyst")) == 1
