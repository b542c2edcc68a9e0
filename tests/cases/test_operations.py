"""Event deconfliction on one node: planned operations in their places' time zones, the
overlap check across zones and daylight saving, the alert's whole exchange, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from vinculo.cases import alerts, marked, operations, service
from vinculo.cases.models import Case, CaseEvent
from vinculo.cases.operation_models import (
    AlertParty,
    CaseOperation,
    CaseOperationCell,
    DeconflictionAlert,
)
from vinculo.cases.operation_schemas import AlertResolve, OperationChange, OperationCheck
from vinculo.cases.operation_schemas import OperationRegister as Register
from vinculo.cases.places import Place, cells, distance_m, meet, parse_local, zone_at
from vinculo.cases.schemas import CaseCreate
from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound
from vinculo.notify.models import Notification
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.security.models import User
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from worlds import World, cheap_demo_hash

US_PHONE = "+1 928 555 0147"
MX_PHONE = "+52 653 555 0199"
# Yuma, Arizona (America/Phoenix: UTC-7 all year) and Los Algodones, Baja California
# (America/Tijuana: UTC-8 in winter, UTC-7 in summer), about 10 km apart.
YUMA = (32.6927, -114.6277)
ALGODONES = (32.7153, -114.7286)
TITLE_B = "Operación Frontera: entrega vigilada en Los Algodones"


def actor(world: World, username: str) -> Actor:
    with transaction(world.store.sessions) as session:
        return marked.actor_again(session=session, actor=world.actors[username])


def run(world: World, username: str, work: Callable[..., Any], **kw: Any) -> Any:
    who = actor(world, username)
    with transaction(world.store.sessions) as session:
        return work(session=session, actor=who, **kw)


def open_case(world: World, username: str, lead: str, title: str) -> str:
    case_in = CaseCreate(title_en=title, lead_agency=lead, agencies=[lead])
    case: Case = run(world, username, service.create_case, case_in=case_in)
    return case.id


def plan(
    world: World, username: str, case_id: str, where: tuple[float, float], **fields: Any
) -> OperationCheck:
    body = {
        "kind": "surveillance",
        "latitude": where[0],
        "longitude": where[1],
        "radius_m": 6_000,
        "contact_phone": US_PHONE,
    } | fields
    result: OperationCheck = run(
        world,
        username,
        operations.register_operation,
        case_id=case_id,
        operation_in=Register(**body),
        settings=world.store.settings,
    )
    return result


def counts(world: World) -> dict[str, int]:
    with transaction(world.store.sessions) as session:
        return {
            t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (CaseOperation, CaseOperationCell, DeconflictionAlert, AlertParty, CaseEvent)
        }


def add_supervisor(world: World, username: str, agency: str, locale: str = "en") -> None:
    with transaction(world.store.sessions) as session:
        user = create_user(
            session=session,
            user_in=UserCreate(
                username=username,
                password="demo",
                agency=agency,
                roles=["analyst", "supervisor"],
                locale=locale,
            ),
            demo_password=True,
        )
        user.password_hash = cheap_demo_hash()
        world.actors[username] = actor_for(user)


@pytest.fixture
def two_cases(fresh_world: World) -> tuple[World, str, str]:
    """Case A of DEA (us.analyst) and case B of FGR (mx.analyst); neither sees the other;
    a DEA watch supervisor."""
    a = open_case(fresh_world, "us.analyst", "DEA", "Yuma corridor")
    b = open_case(fresh_world, "mx.analyst", "FGR", TITLE_B)
    add_supervisor(fresh_world, "dea.watch", "DEA")
    return fresh_world, a, b


# --- places and times -------------------------------------------------------------------


def test_the_zone_comes_from_the_coordinates_and_the_sea_has_none() -> None:
    assert zone_at(*YUMA) == "America/Phoenix"
    assert zone_at(*ALGODONES) == "America/Tijuana"
    assert zone_at(24.8091, -107.3940) == "America/Mazatlan"  # Culiacán
    with pytest.raises(InvalidInput) as at_sea:
        zone_at(20.0, -120.0)
    assert at_sea.value.field == "latitude"
    assert "en el mar" in at_sea.value.render("es")


def test_a_local_time_the_clocks_skip_is_refused() -> None:
    # The U.S. border zone springs forward on 14 March 2027: 02:30 never happens in Tijuana.
    with pytest.raises(InvalidInput) as gap:
        parse_local("2027-03-14T02:30", "America/Tijuana", "starts_local")
    assert gap.value.field == "starts_local"
    assert "horario de verano" in gap.value.render("es")
    # Arizona keeps no daylight saving time: the same wall clock exists there.
    assert parse_local("2027-03-14T02:30", "America/Phoenix", "x") == datetime(2027, 3, 14, 9, 30)
    # A time passed twice in November is taken at its first passing.
    assert parse_local("2027-11-07T01:30", "America/Tijuana", "x") == datetime(2027, 11, 7, 8, 30)


def test_circles_that_meet_share_a_cell() -> None:
    a, b = Place(*YUMA, 6_000), Place(*ALGODONES, 6_000)
    assert 9_000 < distance_m(*YUMA, *ALGODONES) < 11_000
    assert meet(a, b) and set(cells(a)) & set(cells(b))
    assert not meet(Place(*YUMA, 4_000), Place(*ALGODONES, 4_000))
    # Across the antimeridian (Fiji) the cells wrap.
    east, west = Place(-17.0, 179.99, 5_000), Place(-17.0, -179.99, 5_000)
    assert meet(east, west) and set(cells(east)) & set(cells(west))


# --- the check --------------------------------------------------------------------------


def test_an_overlap_across_time_zones_alerts_both_sides_and_the_watch(
    two_cases: tuple[World, str, str],
) -> None:
    world, a, b = two_cases
    # 07:30–08:30 in Los Algodones in January (UTC-8) is 15:30–16:30 UTC; 08:45–10:00 in
    # Yuma (UTC-7) is 15:45–17:00 UTC: they overlap though the wall clocks do not.
    first = plan(
        world,
        "mx.analyst",
        b,
        ALGODONES,
        kind="controlled_delivery",
        starts_local="2027-01-20T07:30",
        ends_local="2027-01-20T08:30",
        contact_name="Lic. Marta Ruiz",
        contact_phone=MX_PHONE,
    )
    assert first.alerts == []
    assert first.operation.time_zone == "America/Tijuana"
    assert first.operation.starts_at == datetime(2027, 1, 20, 15, 30)
    assert first.operation.starts_local == "2027-01-20T07:30-08:00"
    second = plan(
        world,
        "us.analyst",
        a,
        YUMA,
        starts_local="2027-01-20T08:45",
        ends_local="2027-01-20T10:00",
        contact_name="SA Dana Reyes",
    )
    assert second.operation.time_zone == "America/Phoenix"
    assert [c.node for c in second.checked] == [world.store.settings.node_name]
    assert len(second.alerts) == 1
    alert = second.alerts[0]
    assert [(c.side, c.name, c.agency, c.phone) for c in alert.contacts] == [
        ("yours", "SA Dana Reyes", "DEA", US_PHONE),
        ("theirs", "Lic. Marta Ruiz", "FGR", MX_PHONE),
    ]
    # Nothing of B reaches A's reader but the contact: not its case, title, kind or place.
    text = second.model_dump_json()
    for secret in (b, TITLE_B, first.operation.id, "controlled_delivery", "mx.analyst", "-114.72"):
        assert secret not in text
    with transaction(world.store.sessions) as session:
        told = session.execute(
            select(User.username, Notification.item_kind, Notification.item_id)
            .join(Notification, Notification.recipient_id == User.id)
            .where(Notification.kind == alerts.ALERT)
            .order_by(User.username)
        ).all()
    assert [tuple(r) for r in told] == [
        ("dea.watch", alerts.ALERT, alert.id),
        ("mx.analyst", alerts.ALERT, alert.id),
        ("us.analyst", alerts.ALERT, alert.id),
    ]
    # The watch sees both contacts and no case.
    watch = run(world, "dea.watch", alerts.list_alerts).items
    assert [(c.side, c.agency) for c in watch[0].contacts] == [("a", "DEA"), ("b", "FGR")]
    assert watch[0].case_id is None and watch[0].role == "watch"
    assert a not in watch[0].model_dump_json() and b not in watch[0].model_dump_json()
    # B's reader learns A's contact only, on B's page of operations too.
    theirs = run(world, "mx.analyst", operations.list_operations, case_id=b)
    assert [c.name for c in theirs.alerts[0].contacts] == ["Lic. Marta Ruiz", "SA Dana Reyes"]
    assert a not in theirs.model_dump_json() and "Yuma" not in theirs.model_dump_json()
    # Same summer wall clocks: Los Algodones is then UTC-7 and 07:30–08:30 is 14:30–15:30
    # UTC, over before Yuma's 08:45 (15:45 UTC) starts. No alert.
    summer_b = plan(
        world,
        "mx.analyst",
        b,
        ALGODONES,
        starts_local="2027-07-20T07:30",
        ends_local="2027-07-20T08:30",
        contact_phone=MX_PHONE,
    )
    summer_a = plan(
        world, "us.analyst", a, YUMA, starts_local="2027-07-20T08:45", ends_local="2027-07-20T10:00"
    )
    assert summer_b.alerts == [] and summer_a.alerts == []


def test_the_same_agency_a_far_place_or_another_time_raise_nothing(
    two_cases: tuple[World, str, str],
) -> None:
    world, a, b = two_cases
    window = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
    plan(world, "us.analyst", a, YUMA, **window)
    other = open_case(world, "dea.agent1", "DEA", "Another DEA case")
    assert plan(world, "dea.agent1", other, YUMA, **window).alerts == []
    # Nogales, Sonora is 290 km away.
    assert plan(world, "mx.analyst", b, (31.3086, -110.9422), **window).alerts == []
    later = {"starts_local": "2027-02-01T12:00", "ends_local": "2027-02-01T13:00"}
    assert plan(world, "mx.analyst", b, ALGODONES, **later).alerts == []  # Tijuana: 20:00 UTC


def test_the_alert_stays_open_until_both_acknowledge_and_one_resolves(
    two_cases: tuple[World, str, str],
) -> None:
    world, a, b = two_cases
    window = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
    plan(world, "mx.analyst", b, ALGODONES, contact_phone=MX_PHONE, **window)
    alert_id = plan(world, "us.analyst", a, YUMA, **window).alerts[0].id
    note = AlertResolve(note="DEA moves its surveillance to the afternoon.")
    with pytest.raises(InvalidInput) as early:
        run(world, "dea.watch", alerts.resolve, alert_id=alert_id, resolve_in=note)
    assert early.value.field == "status"
    with pytest.raises(Forbidden):
        run(world, "dea.watch", alerts.acknowledge, alert_id=alert_id)
    # Someone no party to it meets a missing alert.
    for stranger in ("dea.agent1", "fgr.mp1"):
        with pytest.raises(NotFound):
            run(world, stranger, alerts.acknowledge, alert_id=alert_id)
        assert run(world, stranger, alerts.list_alerts).items == []
    one = run(world, "us.analyst", alerts.acknowledge, alert_id=alert_id)
    assert one.may_resolve is False and one.status == "open"
    with pytest.raises(InvalidInput):
        run(world, "us.analyst", alerts.resolve, alert_id=alert_id, resolve_in=note)
    two = run(world, "mx.analyst", alerts.acknowledge, alert_id=alert_id)
    assert two.may_resolve and not two.may_acknowledge
    with pytest.raises(InvalidInput) as blank:
        run(
            world,
            "mx.analyst",
            alerts.resolve,
            alert_id=alert_id,
            resolve_in=AlertResolve(note=" "),
        )
    assert blank.value.field == "note"
    done = run(world, "dea.watch", alerts.resolve, alert_id=alert_id, resolve_in=note)
    assert done.status == "resolved" and done.note == note.note
    # Every step on each case's timeline; the other side's lines name no account.
    for who, case_id, own in (("us.analyst", a, "us.analyst"), ("mx.analyst", b, "mx.analyst")):
        lines = run(world, who, service.timeline, case_id=case_id).items
        steps = [(e.action, e.actor) for e in lines if e.action.startswith("alert_")]
        assert [s for s, _ in steps] == [
            "alert_raised",
            "alert_acknowledged",
            "alert_acknowledged",
            "alert_resolved",
        ]
        assert {actor_ for _, actor_ in steps} <= {own, ""}
        assert note.note in lines[-1].note
    with transaction(world.store.sessions) as session:
        rows = session.execute(select(AuditRow)).scalars().all()
        changes = [r for r in rows if '"alert_' in (r.detail or "")]
        assert sorted({str(r.target) for r in changes}) == sorted([a, b])
        assert len(changes) == 8


def test_cancelling_or_moving_an_operation(two_cases: tuple[World, str, str]) -> None:
    world, a, b = two_cases
    window = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
    mine = plan(world, "us.analyst", a, YUMA, **window).operation
    far = plan(world, "mx.analyst", b, (31.3086, -110.9422), contact_phone=MX_PHONE, **window)
    assert far.alerts == []
    # Moving B's operation next to A's is checked again and meets it.
    moved = run(
        world,
        "mx.analyst",
        operations.change_operation,
        case_id=b,
        operation_id=far.operation.id,
        change_in=OperationChange(
            latitude=ALGODONES[0],
            longitude=ALGODONES[1],
            radius_m=6_000,
            starts_local=window["starts_local"],
            ends_local=window["ends_local"],
        ),
        settings=world.store.settings,
    )
    assert len(moved.alerts) == 1 and moved.operation.time_zone == "America/Tijuana"
    cancelled = run(
        world,
        "us.analyst",
        operations.set_status,
        case_id=a,
        operation_id=mine.id,
        status="cancelled",
    )
    assert cancelled.status == "cancelled"
    again = plan(world, "mx.analyst", b, ALGODONES, contact_phone=MX_PHONE, **window)
    assert again.alerts == []  # a cancelled operation meets nothing
    with pytest.raises(InvalidInput):
        run(
            world,
            "us.analyst",
            operations.set_status,
            case_id=a,
            operation_id=mine.id,
            status="done",
        )


# --- bad input, access ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"latitude": 91.0}, ["latitude"]),
        ({"longitude": -181.0, "radius_m": 0}, ["longitude", "radius_m"]),
        ({"radius_m": 5_000_000}, ["radius_m"]),
        ({"latitude": 20.0, "longitude": -120.0}, ["latitude"]),  # at sea
        ({"starts_local": "2027-02-01T12:00", "ends_local": "2027-02-01T06:00"}, ["ends_local"]),
        ({"starts_local": "soon"}, ["starts_local"]),
        ({"kind": "picnic"}, ["kind"]),
        ({"agency": "NOPE"}, ["agency"]),
        ({"agency": "FGR"}, ["agency"]),  # known, but not on this case
        ({"contact_phone": " "}, ["contact_phone"]),
        (
            {
                "latitude": ALGODONES[0],
                "longitude": ALGODONES[1],
                "starts_local": "2027-03-14T02:15",
            },
            ["starts_local"],
        ),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    two_cases: tuple[World, str, str], fields: dict[str, Any], named: list[str]
) -> None:
    world, a, _b = two_cases
    before = counts(world)
    body = {"starts_local": "2027-03-14T01:00", "ends_local": "2027-03-14T05:00"} | fields
    with pytest.raises(InvalidFields) as refused:
        plan(world, "us.analyst", a, YUMA, **body)
    assert [e.field for e in refused.value.errors] == named
    assert all(e.render("es") != e.render("en") for e in refused.value.errors)
    assert counts(world) == before


def test_a_case_the_reader_may_not_see_answers_as_missing(
    two_cases: tuple[World, str, str],
) -> None:
    world, a, _b = two_cases
    window = {"starts_local": "2027-02-01T06:00", "ends_local": "2027-02-01T12:00"}
    op = plan(world, "us.analyst", a, YUMA, **window).operation
    for case_id in (a, "0" * 16):
        with pytest.raises(NotFound) as hidden:
            run(world, "mx.analyst", operations.list_operations, case_id=case_id)
        assert hidden.value.field == "id"
        with pytest.raises(NotFound):
            run(world, "mx.analyst", operations.get_operation, case_id=case_id, operation_id=op.id)
        with pytest.raises(NotFound):
            plan(world, "mx.analyst", case_id, ALGODONES, **window)
