"""Roles: every cell of the table in docs/roles.md, over real HTTP where a route exists, on
SQLite and PostgreSQL; and no role widens what the markings allow."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.errors import Forbidden, NotFound
from vinculo.intel.models import Report
from vinculo.intel.schemas import MarkingsIn, ReportCreate
from vinculo.intel.service import create_report
from vinculo.oversight import vetting
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.resolve import service as resolve_service
from vinculo.security.audit import AuditRow
from vinculo.security.dissemination import disseminate
from vinculo.security.markings import Actor
from vinculo.security.roles import ROLE_PERMISSIONS, Permission, Role, allowed, require
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import LiveServer
from worlds import World

DOCS = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ROLES = ["analyst", "supervisor", "auditor", "admin", "monitor", "triager"]
# FBI accounts: an agency that originated nothing in the world, so what they see is decided
# by TLP and REL TO alone.
ACCOUNT = {role: f"role.{role}" for role in ROLES}
# What an FBI (USA) account may see of the world's reports, straight from the markings.
FBI_SEES = {"shared", "usa_only", "sonora"}


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    with transaction(world.store.sessions) as session:
        for role, username in ACCOUNT.items():
            user = create_user(
                session=session,
                user_in=UserCreate(username=username, password="demo", agency="FBI", roles=[role]),
                demo_password=True,
            )
            world.actors[username] = actor_for(user)
    with LiveServer(world.store.settings) as live:
        yield live


@pytest.fixture(scope="module")
def clients(server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    made = {role: server.client(ACCOUNT[role]) for role in ROLES}
    yield made
    for client in made.values():
        client.close()


def report_body(title: str) -> dict[str, object]:
    return {
        "title_en": title,
        "body_en": "Two shipments of pill presses seen at the warehouse.",
        "reliability": "C",
        "credibility": 3,
        "predicate": "drug_trafficking",
        "suspicion": "The presses match seizures made in Tucson.",
        "attest_no_protected_views": True,
        "review_by": (date.today() + timedelta(days=90)).isoformat(),
        "markings": {"tlp": "GREEN", "rel_to": ["USA"]},
    }


# --- the table in the docs is the table in the code -----------------------------------------


def documented() -> dict[str, set[str]]:
    """permission code -> roles with a ✓, read from docs/roles.md."""
    found: dict[str, set[str]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES):
            continue
        code = re.fullmatch(r"`([a-z_]+)`", cells[1])
        if code:
            found[code.group(1)] = {r for r, c in zip(ROLES, cells[2:], strict=True) if c == "✓"}
    return found


def test_the_docs_table_is_the_permission_map() -> None:
    in_code = {
        p.value: {r.value for r, granted in ROLE_PERMISSIONS.items() if p in granted}
        for p in Permission
    }
    assert documented() == in_code
    assert {r.value for r in Role} == set(ROLES)


def test_roles_add_up_and_unknown_roles_allow_nothing() -> None:
    both = Actor(username="x", nation="USA", agency="DEA", roles=frozenset({"analyst", "auditor"}))
    assert allowed(both, Permission.FILE_REPORT) and allowed(both, Permission.AUDIT)
    stranger = Actor(username="y", nation="USA", agency="DEA", roles=frozenset({"superuser"}))
    assert not any(allowed(stranger, p) for p in Permission)
    anonymous = Actor(username=None, roles=frozenset({"admin"}))
    with pytest.raises(Forbidden):
        require(anonymous, Permission.ACCOUNTS)


# --- every cell, through the route that does it ---------------------------------------------


def try_file_report(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    return c.post("/api/v1/reports", json=report_body(f"Filed by the {role}")).status_code


def try_import(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    line = {"id": f"imp-{role}", "schema": "Person", "properties": {"name": [f"Import {role}"]}}
    return c.post(
        "/api/v1/entities/import",
        files={"file": ("people.jsonl", json.dumps(line) + "\n")},
        data={"source": f"roles-{role}", "markings": json.dumps({"tlp": "GREEN"})},
    ).status_code


def try_disseminate(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    """No route yet: `vinculo export ftm --as` and partner sync both call this service."""
    try:
        with transaction(world.store.sessions) as session:
            disseminate(
                session=session,
                actor=world.actors[ACCOUNT[role]],
                recipient="FGR liaison",
                purpose="joint case review",
                channel="export",
                kind="entity",
                ids=["per-0001"],
            )
    except Forbidden:
        return 403
    return 200


def try_resolve(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    """The service behind `POST /api/v1/resolve/run`, the Resolve page and `vinculo resolve run`."""
    try:
        with transaction(world.store.sessions) as session:
            resolve_service.run(session=session, actor=world.actors[ACCOUNT[role]], scorer=no_pairs)
    except Forbidden:
        return 403
    return 200


def no_pairs(entities: object) -> list[resolve_service.ScoredPair]:
    return []


def try_retention(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    return c.get("/api/v1/retention/due").status_code


def try_audit(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    codes = {
        c.get("/api/v1/audit").status_code,
        c.get("/api/v1/audit/who-saw/per-0001").status_code,
        c.get("/api/v1/audit/seen-by/mx.analyst").status_code,
        c.get("/api/v1/audit/export").status_code,
        c.get("/api/v1/disseminations").status_code,
    }
    assert len(codes) == 1, codes
    return codes.pop()


def try_accounts(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    return c.post("/api/v1/accounts/fgr.mp1/unlock").status_code


def try_release(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    return c.get("/api/v1/exchange/releases").status_code


def try_file_allegation(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    body = {
        "summary_en": f"Filed by the {role}",
        "occurred_from": "2024-03-01",
        "violations": ["arbitrary_detention"],
        "markings": {"tlp": "GREEN", "rel_to": ["USA"]},
    }
    return c.post("/api/v1/oversight/allegations", json=body).status_code


def try_vet(c: httpx.Client, server: LiveServer, world: World, role: str) -> int:
    """The service behind `POST /api/v1/oversight/vetting/{id}/decision`, on a request
    every FBI account may see."""
    with transaction(world.store.sessions) as session:
        request_id = vetting.request_vetting(
            session=session,
            actor=world.actors["us.analyst"],
            request_in=VettingCreate(
                subject_kind="person",
                subject_name=f"Vetted for the {role}",
                purpose="training",
                programme_officer="INL Mexico City",
                markings=MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]),
            ),
        ).id
    decision = DecisionIn(status="approved", reason="Nothing found", valid_until=date(2099, 1, 1))
    try:
        with transaction(world.store.sessions) as session:
            vetting.decide(
                session=session,
                actor=world.actors[ACCOUNT[role]],
                request_id=request_id,
                decision_in=decision,
            )
    except Forbidden:
        return 403
    return 200


def try_record_assistance(client: httpx.Client, _s: LiveServer, _w: World, _r: str) -> int:
    money = {"programme_id": "none-such", "date": "2025-03-14", "usd": "10.00"}
    return client.post("/api/v1/assistance/disbursements", json=money).status_code


def try_publish_aggregates(client: httpx.Client, _s: LiveServer, _w: World, _r: str) -> int:
    flag = {"kind": "ledger", "item_ids": ["none-such"]}
    return client.post("/api/v1/assistance/public-flags", json=flag).status_code


def try_triage(_c: httpx.Client, _s: LiveServer, world: World, role: str) -> int:
    from vinculo.civic import service as civic

    try:
        with transaction(world.store.sessions) as session:
            civic.mark_spam(
                session=session, actor=world.actors[ACCOUNT[role]], submission_id="none-such"
            )
    except Forbidden:
        return 403
    except NotFound:
        return 404
    return 200


ATTEMPTS: dict[str, Callable[[httpx.Client, LiveServer, World, str], int]] = {
    "file_report": try_file_report,
    "import": try_import,
    "disseminate": try_disseminate,
    "retention": try_retention,
    "audit": try_audit,
    "accounts": try_accounts,
    "resolve": try_resolve,
    "release": try_release,
    "vet": try_vet,
    "file_allegation": try_file_allegation,
    "record_assistance": try_record_assistance,
    "publish_aggregates": try_publish_aggregates,
    "triage": try_triage,
}
# Past the role check, these two look for what they name and find nothing: 404, not 403.
SUCCESS = {
    "file_report": 201,
    "file_allegation": 201,
    "record_assistance": 404,
    "publish_aggregates": 404,
    "triage": 404,
}


def test_every_permission_has_an_attempt() -> None:
    assert set(ATTEMPTS) == {p.value for p in Permission}


@pytest.mark.parametrize("permission", sorted(ATTEMPTS))
@pytest.mark.parametrize("role", ROLES)
def test_each_cell_of_the_table(
    role: str,
    permission: str,
    clients: dict[str, httpx.Client],
    server: LiveServer,
    world: World,
) -> None:
    status = ATTEMPTS[permission](clients[role], server, world, role)
    if role in documented()[permission]:
        assert status == SUCCESS.get(permission, 200)
    else:
        assert status == 403


@pytest.mark.parametrize("role", ["analyst", "auditor", "admin"])
def test_only_a_supervisor_revalidates_or_purges(
    role: str, clients: dict[str, httpx.Client], world: World
) -> None:
    report_id = world.reports["shared"]
    client = clients[role]
    kept = client.post(
        f"/api/v1/reports/{report_id}/revalidate", json={"reason": "Still an open case."}
    )
    purged = client.delete(f"/api/v1/reports/{report_id}", params={"reason": "No longer needed."})
    assert (kept.status_code, purged.status_code) == (403, 403)
    # Refused before the report is looked for: a missing id gets the same answer.
    assert client.delete("/api/v1/reports/nope", params={"reason": "x" * 12}).status_code == 403
    with world.store.sessions() as session:
        assert session.execute(select(Report.id).where(Report.id == report_id)).first()


# --- no role widens what the markings allow ---------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_exactly_what_the_markings_allow(
    role: str, clients: dict[str, httpx.Client], world: World
) -> None:
    client = clients[role]
    for key, report_id in world.reports.items():
        status = client.get(f"/api/v1/reports/{report_id}").status_code
        assert status == (200 if key in FBI_SEES else 404), key
    listed = {item["id"] for item in client.get("/api/v1/reports?limit=200").json()["items"]}
    mine = {world.reports[k] for k in FBI_SEES}
    assert mine <= listed
    assert not listed & {world.reports[k] for k in set(world.reports) - FBI_SEES}
    found = client.get("/api/v1/search", params={"q": "Walter Quinn"}).json()["items"]
    assert found == []  # AMBER+STRICT of DEA: not for an FBI account, whatever its role


def test_a_role_refusal_is_audited_and_names_the_role(
    clients: dict[str, httpx.Client], world: World
) -> None:
    refused = clients["analyst"].get("/api/v1/audit", headers={"Accept-Language": "es"})
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "role"
    assert "auditor" in refused.json()["detail"]
    with world.store.sessions() as session:
        last = (
            session.execute(
                select(AuditRow).where(AuditRow.action == "refused").order_by(AuditRow.seq.desc())
            )
            .scalars()
            .first()
        )
    assert last is not None and (last.target, last.outcome) == ("/api/v1/audit", "403")
    assert json.loads(last.detail)["username"] == ACCOUNT["analyst"]


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_grants_accounts(role: str, world: World) -> None:
    """Account services called by an account (not the host's operator) need the role."""
    actor = world.actors[ACCOUNT[role]]
    user_in = UserCreate(
        username=f"granted.by.{role}", password="Palo-verde-4417", agency="DEA", roles=["admin"]
    )
    if role == "admin":
        with transaction(world.store.sessions) as session:
            create_user(session=session, user_in=user_in, actor=actor)
        return
    with pytest.raises(Forbidden), transaction(world.store.sessions) as session:
        create_user(session=session, user_in=user_in, actor=actor)


def test_the_service_refuses_whatever_the_way_in(world: World) -> None:
    """The command line and any future caller meet the same check as the API."""
    actor = Actor(username="role.auditor", nation="USA", agency="FBI", roles=frozenset({"auditor"}))
    report_in = ReportCreate.model_validate(
        report_body("Should not be stored") | {"markings": MarkingsIn(tlp="GREEN")}
    )
    with pytest.raises(Forbidden), transaction(world.store.sessions) as session:
        create_report(session=session, actor=actor, report_in=report_in)
    with world.store.sessions() as session:
        titles = session.execute(select(Report.title_en)).scalars().all()
    assert "Should not be stored" not in titles
