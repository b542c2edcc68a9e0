"""Target deconfliction across nodes on one store, the partner played by hand: a
registration's pointer goes only to partners of its agreement and its case's REL TO, under
that agreement's key, holding the contact alone; a partner's pointer that matches tells the
case whom to call, once; withdrawal revokes; a partner that sends a bad pointer or floods is
quarantined, its pointers held until an administrator releases it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from vinculo.cases import marked, service, targets
from vinculo.cases.models import Case, CaseEvent, CaseNotice
from vinculo.cases.pointers import on_case_status
from vinculo.cases.schemas import CaseCreate, CaseStatusUpdate, TargetCheck, TargetRegister
from vinculo.cases.target_keys import Target, hash_set
from vinculo.db import transaction
from vinculo.errors import InvalidFields
from vinculo.exchange.deconfliction import (
    POINTER_TYPE,
    Contact,
    agreement_key,
    build_pointer,
    parse_pointer,
    pointer_object,
)
from vinculo.exchange.models import (
    ExchangeCollection,
    ExchangeObject,
    PointerPartner,
    QuarantinedObject,
    ReceivedObject,
)
from vinculo.exchange.pointers import pointer_status, receive_pointers, release_partner
from vinculo.exchange.serve import Reader
from vinculo.hooks import wire_hooks
from vinculo.security.audit import AuditRow
from vinculo.security.models import utcnow
from vinculo.settings import DeconflictionKeyConfig, PartnerConfig, Settings

from command_line import run_vinculo
from worlds import World

PHONE = "+52 33 3614 2000"
US_DESK = "+1 602 334 1234"
MX_CONTACT = Contact(name="Lic. Rosa Ruiz", agency="FGR", phone="+52 55 5346 0000")
SECRET_MX = "m" * 40
SECRET_GT = "g" * 40


def node_settings(world: World, **extra: Any) -> Settings:
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
            **extra,
        }
    )


def run(world: World, username: str, work: Any, **kw: Any) -> Any:
    with transaction(world.store.sessions) as session:
        # Again from the store: a case made since gave the account its group.
        who = marked.actor_again(session=session, actor=world.actors[username])
    with transaction(world.store.sessions) as session:
        return work(session=session, actor=who, **kw)


def case_of(world: World, agencies: list[str]) -> str:
    case_in = CaseCreate(title_en="Phoenix cell", lead_agency="DEA", agencies=agencies)
    case: Case = run(world, "us.analyst", service.create_case, case_in=case_in)
    return case.id


def register(world: World, settings: Settings, case_id: str, phone: str = PHONE) -> TargetCheck:
    check: TargetCheck = run(
        world,
        "us.analyst",
        targets.register_target,
        case_id=case_id,
        target_in=TargetRegister(kind="phone", phones=[phone], contact_phone=US_DESK),
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


def mx_pointer(phone: str = PHONE, **kw: Any) -> dict[str, Any]:
    """A pointer as the Mexican node makes it for a phone its case registered."""
    settings = Settings.model_construct(
        deconfliction_keys=[
            DeconflictionKeyConfig(key_id="usmx-2026", secret=SECRET_MX, partners=["us"])
        ]
    )
    key = agreement_key(settings=settings, key_id="usmx-2026")
    hashes = hash_set(Target(kind="phone", nation="MEX", phones=(phone,)), key)
    return pointer_object(build_pointer(hashes=hashes, node="mx", contact=MX_CONTACT, **kw))


def receive(world: World, settings: Settings, objects: list[Any]) -> Any:
    with transaction(world.store.sessions) as session:
        return receive_pointers(
            session=session,
            settings=settings,
            partner="mx",
            collection_id="c-mx",
            objects=objects,
        )


def notices(world: World, case_id: str) -> list[tuple[str, str, str]]:
    with transaction(world.store.sessions) as session:
        rows = session.execute(
            select(CaseNotice).where(CaseNotice.case_id == case_id).order_by(CaseNotice.id)
        ).scalars()
        return [(n.contact_name, n.contact_agency, n.contact_phone) for n in rows]


@pytest.fixture(autouse=True)
def _hooks() -> None:
    wire_hooks()


def test_a_pointer_goes_only_to_the_agreement_and_holds_only_the_contact(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = register(fresh_world, settings, case_id)
    sent = published(fresh_world, "deconfliction-mx")
    assert len(sent) == 1
    pointer = parse_pointer(sent[0])
    assert pointer.key_id == "usmx-2026"
    assert pointer.registering_node == "us"
    assert pointer.contact.phone == US_DESK
    # The phone's hash under the agreement's key, nothing in the clear, nothing of the case.
    theirs = json.loads(json.dumps(mx_pointer()))["key_hashes"]
    assert sent[0]["key_hashes"] == theirs
    text = json.dumps(sent[0])
    assert "3614" not in text and case_id not in text and "Phoenix" not in text
    # REL TO USA, MEX: nothing for the Guatemalan node, not even its collection.
    assert published(fresh_world, "deconfliction-gt") == []
    # The partner has not been heard from: it reads as not checked, never as "no conflict".
    mx = next(c for c in check.checked if c.node == "mx")
    assert mx.at is None and mx.stale
    assert [c.node for c in check.checked] == ["us", "mx"]


def test_a_case_of_one_nation_publishes_nothing(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA"])
    check = register(fresh_world, settings, case_id)
    assert published(fresh_world, "deconfliction-mx") == []
    assert [c.node for c in check.checked] == ["us"]


def test_a_persons_taxii_never_lists_a_pointer_collection(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    register(fresh_world, settings, case_of(fresh_world, ["DEA", "FGR"]))
    with transaction(fresh_world.store.sessions) as session:
        person = Reader(actor=fresh_world.actors["us.analyst"])
        assert all(not c.alias.startswith("deconfliction-") for c in person.collections(session))
        mx = Reader(actor=fresh_world.actors["us.analyst"], partner=settings.partners[0])
        assert any(c.alias == "deconfliction-mx" for c in mx.collections(session))
        gt = Reader(actor=fresh_world.actors["us.analyst"], partner=settings.partners[1])
        assert all(c.alias != "deconfliction-mx" for c in gt.collections(session))


def test_a_partners_pointer_tells_the_case_whom_to_call_once(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    first = mx_pointer()
    got = receive(fresh_world, settings, [first])
    assert got.stored == 1 and got.quarantined == 0
    told = (MX_CONTACT.name, MX_CONTACT.agency, MX_CONTACT.phone)
    assert notices(fresh_world, case_id) == [told]
    # Renewed (a new version of the same pointer): no second notice.
    renewed = dict(first, modified=pointer_object(build_pointer_again(first))["modified"])
    receive(fresh_world, settings, [renewed])
    assert notices(fresh_world, case_id) == [told]
    # Never stored as intelligence.
    with transaction(fresh_world.store.sessions) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(ReceivedObject)
                .where(ReceivedObject.stix_type == POINTER_TYPE)
            ).scalar_one()
            == 0
        )
    # A later registration of the same subject meets the stored pointer at once.
    other = case_of(fresh_world, ["DEA", "FGR"])
    check = register(fresh_world, settings, other)
    assert [(n.contact_name, n.contact_agency, n.contact_phone) for n in check.notices] == [told]


def build_pointer_again(obj: dict[str, Any]) -> Any:
    pointer = parse_pointer(obj)
    return type(pointer)(
        **{**pointer.__dict__, "modified": pointer.modified + timedelta(seconds=1)}
    )


def test_a_pointer_for_a_case_not_shared_with_the_partner_tells_nothing(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA"])
    register(fresh_world, settings, case_id)
    receive(fresh_world, settings, [mx_pointer()])
    assert notices(fresh_world, case_id) == []


def test_withdrawal_revokes_the_pointer(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = register(fresh_world, settings, case_id)
    run(
        fresh_world,
        "us.analyst",
        targets.withdraw_target,
        case_id=case_id,
        target_id=check.target.id,
        settings=settings,
    )
    sent = published(fresh_world, "deconfliction-mx")
    assert len(sent) == 1 and sent[0]["revoked"] is True
    assert parse_pointer(sent[0]).revoked


def test_renewal_publishes_a_new_version(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = register(fresh_world, settings, case_id)
    run(
        fresh_world,
        "us.analyst",
        targets.renew_target,
        case_id=case_id,
        target_id=check.target.id,
        settings=settings,
    )
    sent = published(fresh_world, "deconfliction-mx")
    assert len(sent) == 2 and sent[0]["id"] == sent[1]["id"]
    assert sent[1]["modified"] > sent[0]["modified"]


def test_an_over_long_contact_phone_is_refused_naming_the_field(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    with pytest.raises(InvalidFields) as caught:
        run(
            fresh_world,
            "us.analyst",
            targets.register_target,
            case_id=case_id,
            target_in=TargetRegister(kind="phone", phones=[PHONE], contact_phone="1" * 50),
            settings=settings,
        )
    assert [e.field for e in caught.value.errors] == ["contact_phone"]
    assert published(fresh_world, "deconfliction-mx") == []


def _quarantined(world: World) -> PointerPartner | None:
    with transaction(world.store.sessions) as session:
        row = session.get(PointerPartner, "mx")
        if row is not None:
            session.expunge(row)
        return row


def _bad(kind: str) -> dict[str, Any]:
    obj = mx_pointer()
    if kind == "wrong_key":
        obj["key_id"] = "usgt-2026"
    elif kind == "malformed":
        obj["key_hashes"] = [{"kind": "phone", "hmac": "zz"}]
    elif kind == "over_long":
        obj["contact"] = dict(obj["contact"], name="x" * 500)
    elif kind == "expired":
        obj["expires"] = obj["created"]
    elif kind == "another_node":
        obj = pointer_object(
            build_pointer(hashes=parse_pointer(obj).hash_set, node="gt", contact=MX_CONTACT)
        )
    return obj


@pytest.mark.parametrize("kind", ["wrong_key", "malformed", "over_long", "expired", "another_node"])
def test_a_bad_pointer_quarantines_the_partner(fresh_world: World, kind: str) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    got = receive(fresh_world, settings, [_bad(kind)])
    assert got.quarantined == 1
    state = _quarantined(fresh_world)
    assert state is not None and state.quarantined
    # Then even a good pointer is held, not matched.
    receive(fresh_world, settings, [mx_pointer()])
    assert notices(fresh_world, case_id) == []
    with transaction(fresh_world.store.sessions) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(QuarantinedObject)
                .where(QuarantinedObject.reason == "pointer")
            ).scalar_one()
            == 1
        )
        audit = session.execute(select(AuditRow).where(AuditRow.target == "node:mx")).scalars()
        assert any("deconfliction_quarantine" in (a.detail or "") for a in audit)
        status = pointer_status(session=session, settings=settings)
        assert [(s.partner, s.quarantined) for s in status] == [("mx", True), ("gt", False)]
    # An administrator's release checks the held pointers.
    with transaction(fresh_world.store.sessions) as session:
        assert release_partner(session=session, settings=settings, partner="mx") == 1
    assert len(notices(fresh_world, case_id)) == 1


def test_a_flood_quarantines_the_partner(fresh_world: World) -> None:
    settings = node_settings(fresh_world, deconfliction_pointers_per_minute=3)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    flood = [mx_pointer(phone=f"+52 33 3614 20{i:02d}") for i in range(1, 6)]
    receive(fresh_world, settings, flood)
    state = _quarantined(fresh_world)
    assert state is not None and state.quarantined and "flood" in state.reason
    receive(fresh_world, settings, [mx_pointer()])
    assert notices(fresh_world, case_id) == []


def test_a_stale_pointer_is_dropped_not_held_against_the_partner(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    lapsed = mx_pointer(now=utcnow() - timedelta(days=10), lifetime=timedelta(days=1))
    got = receive(fresh_world, settings, [lapsed])
    assert got.quarantined == 0
    state = _quarantined(fresh_world)
    assert state is not None and not state.quarantined
    assert notices(fresh_world, case_id) == []


def test_the_command_line_shows_and_releases_a_quarantine(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    receive(fresh_world, settings, [_bad("wrong_key"), mx_pointer()])
    assert notices(fresh_world, case_id) == []
    env = {
        "VINCULO_DATABASE_URL": settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(settings.data_dir),
        "VINCULO_SECRET_KEY": settings.secret_key,
        "VINCULO_NODE_NAME": "us",
        "VINCULO_NODE_NATION": "USA",
        "VINCULO_PARTNERS": json.dumps([p.model_dump() for p in settings.partners]),
        "VINCULO_DECONFLICTION_KEYS": json.dumps(
            [
                {"key_id": c.key_id, "secret": c.secret.get_secret_value(), "partners": c.partners}
                for c in settings.deconfliction_keys
            ]
        ),
    }
    shown = run_vinculo("exchange", "pointers", env=env)
    assert shown.returncode == 0, shown.stderr
    mx = next(line.split("\t") for line in shown.stdout.splitlines() if line.startswith("mx"))
    assert mx[1] == "quarantined" and "key_id" in mx[3] and mx[4] == "1"
    released = run_vinculo("exchange", "pointers", "--release", "mx", env=env)
    assert released.returncode == 0, released.stderr
    assert "1" in released.stderr
    mx = next(line.split("\t") for line in released.stdout.splitlines() if line.startswith("mx"))
    assert mx[1] == "ok"
    assert len(notices(fresh_world, case_id)) == 1
    unknown = run_vinculo("exchange", "pointers", "--release", "zz", env=env)
    assert unknown.returncode == 2 and "partner" in unknown.stderr


def test_a_revoked_pointer_meets_nothing_after(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    first = mx_pointer()
    receive(fresh_world, settings, [first])
    revoked = dict(
        first,
        revoked=True,
        modified=pointer_object(build_pointer_again(first))["modified"],
    )
    got = receive(fresh_world, settings, [revoked])
    assert got.stored == 1 and got.quarantined == 0
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    check = register(fresh_world, settings, case_id)
    assert check.notices == []


def test_a_hit_from_a_partner_is_on_the_timeline_and_the_audit_chain(fresh_world: World) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)
    receive(fresh_world, settings, [mx_pointer()])
    with transaction(fresh_world.store.sessions) as session:
        events = session.execute(
            select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.action == "deconfliction"
            )
        ).scalars()
        assert [e.note for e in events] == [
            f"{MX_CONTACT.name} · {MX_CONTACT.agency} · {MX_CONTACT.phone}"
        ]
        audit = session.execute(select(AuditRow).where(AuditRow.target == case_id)).scalars()
        assert any("deconfliction_notice" in (a.detail or "") for a in audit)


def test_closing_the_case_revokes_its_pointers_and_reopening_publishes_them(
    fresh_world: World,
) -> None:
    settings = node_settings(fresh_world)
    case_id = case_of(fresh_world, ["DEA", "FGR"])
    register(fresh_world, settings, case_id)

    def status(value: str, reason: str = "") -> None:
        with transaction(fresh_world.store.sessions) as session:
            who = marked.actor_again(session=session, actor=fresh_world.actors["us.analyst"])
            case = service.set_status(
                session=session,
                actor=who,
                case_id=case_id,
                status_in=CaseStatusUpdate(status=value, reason=reason),
            )
            on_case_status(session=session, settings=settings, case=case)

    status("closed", "Indicted")
    sent = published(fresh_world, "deconfliction-mx")
    assert [s.get("revoked", False) for s in sent] == [True]
    status("open")
    sent = published(fresh_world, "deconfliction-mx")
    assert [s.get("revoked", False) for s in sent] == [True, False]
    assert sent[0]["id"] == sent[1]["id"]
