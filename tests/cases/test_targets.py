"""Target deconfliction on one node, through the service and over HTTP, on SQLite and
PostgreSQL: a hit tells each side only whom to call, identity resolution's merges meet,
expiry and withdrawal end a registration, bad input stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from vinculo.cases import marked, service, targets
from vinculo.cases.models import Case, CaseEvent, CaseNotice, CaseTarget, CaseTargetHash
from vinculo.cases.schemas import (
    CaseCreate,
    CaseStatusUpdate,
    MemberAdd,
    TargetCheck,
    TargetRegister,
)
from vinculo.db import transaction
from vinculo.errors import InvalidFields, NotFound
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.notify.models import Notification
from vinculo.resolve import service as resolve_service
from vinculo.resolve.identifiers import make_curp
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.security.models import User, utcnow

from conftest import LiveServer
from worlds import World, file_report

US_PHONE = "+1 602 334 1234"
MX_PHONE = "+52 33 3614 2000"
CURP = make_curp(
    given="José Luis",
    paternal="García",
    maternal="López",
    born=date(1985, 3, 7),
    sex="H",
    state="CH",
    homoclave="0",
)
TITLE_B = "Operación Halcón: red de lavado en Culiacán"


def page_client(server: LiveServer, username: str) -> httpx.Client:
    """A browser-like client signed in through the sign-in form."""
    client = httpx.Client(base_url=server.url, timeout=30)
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = client.post(
        "/login",
        data={"username": username, "password": "demo", "next": "/", "csrf_token": token},
    )
    assert signed_in.status_code == 303, signed_in.text
    return client


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


def register(world: World, username: str, case_id: str, **fields: Any) -> TargetCheck:
    body = {"contact_phone": US_PHONE} | fields
    result: TargetCheck = run(
        world,
        username,
        targets.register_target,
        case_id=case_id,
        target_in=TargetRegister(**body),
        settings=world.store.settings,
    )
    return result


def counts(world: World) -> dict[str, int]:
    with transaction(world.store.sessions) as session:
        return {
            t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (CaseTarget, CaseTargetHash, CaseNotice, CaseEvent)
        }


@pytest.fixture
def two_cases(fresh_world: World) -> tuple[World, str, str]:
    """Case A of DEA (us.analyst) and case B of FGR (mx.analyst); neither sees the other."""
    a = open_case(fresh_world, "us.analyst", "DEA", "Phoenix cell")
    b = open_case(fresh_world, "mx.analyst", "FGR", TITLE_B)
    return fresh_world, a, b


def test_a_hit_tells_both_sides_only_whom_to_call(two_cases: tuple[World, str, str]) -> None:
    world, a, b = two_cases
    first = register(
        world,
        "mx.analyst",
        b,
        kind="phone",
        phones=["55 1234 5678"],
        contact_name="Lic. Marta Ruiz",
        contact_phone=MX_PHONE,
    )
    assert first.notices == []
    assert [c.node for c in first.checked] == [world.store.settings.node_name]
    # The same number written the U.S. way, with the country code, meets it.
    second = register(world, "us.analyst", a, kind="phone", phones=["+52 (55) 1234-5678"])
    assert [(n.contact_name, n.contact_agency, n.contact_phone) for n in second.notices] == [
        ("Lic. Marta Ruiz", "FGR", MX_PHONE)
    ]
    assert second.checked[0].at == second.target.registered_at
    seen_b = run(world, "mx.analyst", targets.list_targets, case_id=b)
    assert [n.contact_agency for n in seen_b.notices] == ["DEA"]
    assert seen_b.notices[0].target_id == first.target.id
    seen_a = run(world, "us.analyst", targets.list_targets, case_id=a)
    # Nothing of B reaches A's reader but the contact: not its id, title, registration or
    # what was written.
    text = seen_a.model_dump_json() + second.model_dump_json()
    for secret in (b, TITLE_B, first.target.id, "55 1234 5678", "mx.analyst"):
        assert secret not in text
    # Both notices on each case's timeline and on the audit chain, each naming its own case.
    for who, case_id, other in (("us.analyst", a, "FGR"), ("mx.analyst", b, "DEA")):
        lines = run(world, who, service.timeline, case_id=case_id).items
        hit = [e for e in lines if e.action == "deconfliction"]
        assert len(hit) == 1 and other in hit[0].note
    with transaction(world.store.sessions) as session:
        # B's registrant is told through the notifications too, pointing at B; A's is not.
        told_by_app = session.execute(
            select(User.username, Notification.item_kind, Notification.item_id)
            .join(Notification, Notification.recipient_id == User.id)
            .where(Notification.kind == targets.HIT)
        ).all()
        assert [tuple(r) for r in told_by_app] == [("mx.analyst", "case", b)]
        rows = session.execute(select(AuditRow)).scalars().all()
        told = [r for r in rows if '"deconfliction_notice"' in (r.detail or "")]
        assert sorted(str(r.target) for r in told) == sorted([a, b])
        for row in told:
            other = b if row.target == a else a
            assert other not in (row.detail or "")


def test_the_same_agency_and_the_same_case_are_not_hits(two_cases: tuple[World, str, str]) -> None:
    world, a, _b = two_cases
    register(world, "us.analyst", a, kind="phone", phones=[US_PHONE])
    again = register(world, "us.analyst", a, kind="phone", phones=[US_PHONE])
    assert again.notices == []
    other = open_case(world, "dea.agent1", "DEA", "Another DEA case")
    assert register(world, "dea.agent1", other, kind="phone", phones=[US_PHONE]).notices == []


def test_identity_resolution_brings_two_spellings_together(fresh_world: World) -> None:
    shared = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
    for author, entity_id, name in (
        ("fgr.mp1", "t-mx-1", "José Luis García López"),
        ("dea.agent1", "t-us-1", "JOSE GARCIA"),
    ):
        entity = EntityIn(id=entity_id, schema="Person", properties={"name": [name]})
        file_report(fresh_world.store, fresh_world.actors[author], "Ledger", shared, [entity])

    def scorer(entities: Any) -> list[resolve_service.ScoredPair]:
        ids = {str(e.id) for e in entities}
        if {"t-mx-1", "t-us-1"} <= ids:
            return [resolve_service.ScoredPair("t-mx-1", "t-us-1", 0.99, [])]
        return []

    with transaction(fresh_world.store.sessions) as session:
        resolve_service.run(session=session, actor=fresh_world.actors["us.analyst"], scorer=scorer)
    a = open_case(fresh_world, "us.analyst", "DEA", "Phoenix cell")
    b = open_case(fresh_world, "mx.analyst", "FGR", TITLE_B)
    # No identifier is equal: FGR knows a CURP, DEA a U.S. phone.
    register(
        fresh_world,
        "mx.analyst",
        b,
        kind="person",
        curp=CURP,
        entity_id="t-mx-1",
        contact_phone=MX_PHONE,
    )
    hit = register(
        fresh_world, "us.analyst", a, kind="person", phones=[US_PHONE], entity_id="t-us-1"
    )
    assert [n.contact_agency for n in hit.notices] == ["FGR"]


def test_expired_and_withdrawn_registrations_no_longer_hit(
    two_cases: tuple[World, str, str],
) -> None:
    world, a, b = two_cases
    made = register(world, "mx.analyst", b, kind="vehicle", plate="VXR-123-A", plate_state="SIN")
    assert made.target.expires_at - made.target.registered_at == timedelta(days=90)
    with transaction(world.store.sessions) as session:
        session.execute(
            update(CaseTarget)
            .where(CaseTarget.id == made.target.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    listed = run(world, "mx.analyst", targets.list_targets, case_id=b)
    assert [t.status for t in listed.items] == ["expired"]
    probe = {"kind": "vehicle", "plate": "VXR123A", "plate_state": "Sin.", "plate_country": "MEX"}
    assert register(world, "us.analyst", a, **probe).notices == []
    renewed = run(world, "mx.analyst", targets.renew_target, case_id=b, target_id=made.target.id)
    assert renewed.status == "active" and renewed.expires_at > utcnow() + timedelta(days=89)
    assert [n.contact_agency for n in register(world, "us.analyst", a, **probe).notices] == ["FGR"]
    run(world, "mx.analyst", targets.withdraw_target, case_id=b, target_id=made.target.id)
    assert register(world, "us.analyst", a, **probe).notices == []


def test_a_closed_case_s_registrations_no_longer_hit(two_cases: tuple[World, str, str]) -> None:
    world, a, b = two_cases
    register(world, "mx.analyst", b, kind="phone", phones=[MX_PHONE])
    run(
        world,
        "mx.analyst",
        service.set_status,
        case_id=b,
        status_in=CaseStatusUpdate(status="closed", reason="Sentenced."),
    )
    assert register(world, "us.analyst", a, kind="phone", phones=[MX_PHONE]).notices == []
    # Its registrations are kept, under the retention rules, not deleted.
    assert len(run(world, "mx.analyst", targets.list_targets, case_id=b).items) == 1


def test_renewing_a_lapsed_registration_checks_it_again(
    two_cases: tuple[World, str, str],
) -> None:
    """FGR's registration lapses; DEA registers the same plate and meets nothing; FGR renews:
    both sides are told then, not never."""
    world, a, b = two_cases
    made = register(world, "mx.analyst", b, kind="vehicle", plate="VXR-123-A", plate_state="SIN")
    with transaction(world.store.sessions) as session:
        session.execute(
            update(CaseTarget)
            .where(CaseTarget.id == made.target.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    probe = {"kind": "vehicle", "plate": "VXR123A", "plate_state": "SIN", "plate_country": "MEX"}
    assert register(world, "us.analyst", a, **probe).notices == []
    run(world, "mx.analyst", targets.renew_target, case_id=b, target_id=made.target.id)
    seen_b = run(world, "mx.analyst", targets.list_targets, case_id=b).notices
    seen_a = run(world, "us.analyst", targets.list_targets, case_id=a).notices
    assert [n.contact_agency for n in seen_b] == ["DEA"]
    assert [n.contact_agency for n in seen_a] == ["FGR"]
    # Renewing an active registration again tells nobody twice.
    run(world, "mx.analyst", targets.renew_target, case_id=b, target_id=made.target.id)
    assert len(run(world, "mx.analyst", targets.list_targets, case_id=b).notices) == 1


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "person", "birth_date": "1980-01-01"}, ["name"]),
        ({"kind": "submarine", "phones": [US_PHONE]}, ["kind"]),
        ({"kind": "phone", "phones": ["12"]}, ["phones"]),
        ({"kind": "phone", "phones": [US_PHONE], "contact_phone": " "}, ["contact_phone"]),
        ({"kind": "phone", "phones": [US_PHONE], "entity_id": "per-nope"}, ["entity_id"]),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    two_cases: tuple[World, str, str], fields: dict[str, Any], named: list[str]
) -> None:
    world, a, _b = two_cases
    before = counts(world)
    with pytest.raises(InvalidFields) as refused:
        register(world, "us.analyst", a, **fields)
    assert [e.field for e in refused.value.errors] == named
    assert counts(world) == before


def test_a_hidden_case_answers_as_a_missing_one(two_cases: tuple[World, str, str]) -> None:
    world, _a, b = two_cases
    made = register(world, "mx.analyst", b, kind="phone", phones=[MX_PHONE])
    before = counts(world)
    answers = []
    for case_id in (b, "0" * 16):
        with pytest.raises(NotFound) as missing:
            register(world, "us.analyst", case_id, kind="phone", phones=[US_PHONE])
        answers.append(missing.value.render("es"))
        for work in (targets.renew_target, targets.withdraw_target):
            with pytest.raises(NotFound):
                run(world, "us.analyst", work, case_id=case_id, target_id=made.target.id)
        with pytest.raises(NotFound):
            run(world, "us.analyst", targets.list_targets, case_id=case_id)
    assert answers[0] == answers[1]
    assert counts(world) == before
    # A member of B (of its agency) may see its registrations.
    run(
        world,
        "mx.analyst",
        service.add_member,
        case_id=b,
        member_in=MemberAdd(username="fgr.mp1", role="viewer"),
    )
    listed = run(world, "fgr.mp1", targets.list_targets, case_id=b)
    assert [t.id for t in listed.items] == [made.target.id]


def test_targets_over_http(two_cases: tuple[World, str, str]) -> None:
    world, a, b = two_cases
    with (
        LiveServer(world.store.settings) as server,
        server.client("us.analyst") as us,
        server.client("mx.analyst") as mx,
    ):
        made = mx.post(
            f"/api/v1/cases/{b}/targets",
            json={
                "kind": "bank_account",
                "account": "002180700985431239",
                "contact_phone": MX_PHONE,
            },
        )
        assert made.status_code == 201, made.text
        target_id = made.json()["target"]["id"]
        hit = us.post(
            f"/api/v1/cases/{a}/targets",
            json={
                "kind": "bank_account",
                "account": "0021 8070 0985 4312 39",
                "contact_phone": US_PHONE,
            },
        )
        assert hit.status_code == 201, hit.text
        assert [set(n) for n in hit.json()["notices"]] == [
            {"target_id", "contact_name", "contact_agency", "contact_phone", "at"}
        ]
        assert b not in hit.text and target_id not in hit.text
        bad = us.post(f"/api/v1/cases/{a}/targets", json={"kind": "phone", "contact_phone": "1"})
        assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["phones"]
        hidden = us.post(f"/api/v1/cases/{b}/targets/{target_id}/renew")
        missing = us.post(f"/api/v1/cases/{'0' * 16}/targets/{target_id}/renew")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(b, "ID") == missing.text.replace("0" * 16, "ID")
        listed = mx.get(f"/api/v1/cases/{b}/targets").json()
        assert [n["contact_agency"] for n in listed["notices"]] == ["DEA"]
        # The case page lists the case's targets and the notice, in English and Spanish.
        page = page_client(server, "mx.analyst")
        try:
            english = page.get(f"/cases/{b}?lang=en").text
            assert "Registered targets" in english and "002180700985431239" in english
            assert "Another agency has an active interest in this subject — contact: " in english
            spanish = page.get(f"/cases/{b}?lang=es").text
            assert "Objetivos registrados" in spanish
            assert "Otra agencia tiene un interés activo en este sujeto — contacto: " in spanish
            assert "DEA" in spanish and US_PHONE in spanish
        finally:
            page.close()
        withdrawn = mx.post(f"/api/v1/cases/{b}/targets/{target_id}/withdraw")
        assert withdrawn.json()["status"] == "withdrawn"
