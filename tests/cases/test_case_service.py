"""Joint cases and task forces through the service, on SQLite and PostgreSQL: who sees a
case, what a member sees of what it points at, bad input refused whole, closing keeps
everything, every change on the audit chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import func, select

from vinculo.cases import marked, service, task_forces
from vinculo.cases.models import (
    Case,
    CaseEvent,
    CaseMember,
    CaseReport,
    CaseSubject,
    CaseTask,
    TaskForce,
)
from vinculo.cases.schemas import (
    CaseCreate,
    CaseStatusUpdate,
    MemberAdd,
    ReportLink,
    SubjectAdd,
    TaskCreate,
    TaskForceCreate,
)
from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidInput, NotFound
from vinculo.exchange.models import ExchangeCollection
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor

from worlds import World

TABLES = (Case, CaseMember, CaseSubject, CaseReport, CaseTask, CaseEvent, TaskForce)


def actor(world: World, username: str) -> Actor:
    """The account as stored now (opening a case or joining one changes its groups)."""
    with transaction(world.store.sessions) as session:
        return marked.actor_again(session=session, actor=world.actors[username])


def run(world: World, username: str, work: Callable[..., Any], **kw: Any) -> Any:
    who = actor(world, username)
    with transaction(world.store.sessions) as session:
        return work(session=session, actor=who, **kw)


def open_case(world: World, username: str = "us.analyst", **kw: Any) -> str:
    fields: dict[str, Any] = {
        "title_en": "Fentanyl supply chain Sinaloa–Arizona",
        "lead_agency": "DEA",
        "agencies": ["DEA", "FGR"],
    }
    case_in = CaseCreate(**(fields | kw))
    case: Case = run(world, username, service.create_case, case_in=case_in)
    return case.id


def counts(world: World) -> dict[str, int]:
    with transaction(world.store.sessions) as session:
        return {
            t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in TABLES
        }


def test_a_case_is_seen_by_its_members_and_answers_as_missing_to_the_rest(
    fresh_world: World,
) -> None:
    case_id = open_case(fresh_world)
    listed = run(fresh_world, "us.analyst", service.list_cases)
    assert [c.id for c in listed.items] == [case_id] and listed.total == 1
    # mx.analyst (FGR) is of a case agency but not on the case: nothing of it.
    for username in ("mx.analyst", "dea.agent1"):
        assert run(fresh_world, username, service.list_cases).total == 0
        with pytest.raises(NotFound) as hidden:
            run(fresh_world, username, service.get_case, case_id=case_id)
        with pytest.raises(NotFound) as missing:
            run(fresh_world, username, service.get_case, case_id="0" * 16)
        assert hidden.value.render("es") == missing.value.render("es")
    run(
        fresh_world,
        "us.analyst",
        service.add_member,
        case_id=case_id,
        member_in=MemberAdd(username="mx.analyst", role="analyst"),
    )
    mx = actor(fresh_world, "mx.analyst")
    with transaction(fresh_world.store.sessions) as session:
        case = service.get_case(session=session, actor=mx, case_id=case_id)
        read = service.case_read(session=session, actor=mx, case=case)
    assert read.markings.rel_to == ["MEX", "USA"]
    assert read.markings.groups == [read.group]
    assert [(m.username, m.role) for m in read.members] == [
        ("us.analyst", "lead"),
        ("mx.analyst", "analyst"),
    ]
    assert run(fresh_world, "dea.agent1", service.list_cases).total == 0


def test_a_member_sees_only_the_subjects_and_reports_they_may_see(fresh_world: World) -> None:
    case_id = open_case(fresh_world)
    us = "us.analyst"
    run(
        fresh_world,
        us,
        service.add_member,
        case_id=case_id,
        member_in=MemberAdd(username="mx.analyst"),
    )
    # per-dea_strict: AMBER+STRICT, DEA only; per-shared: both nations.
    for entity_id in ("per-dea_strict", "per-sonora"):
        run(
            fresh_world,
            us,
            service.add_subject,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id=entity_id),
        )
    for key in ("usa_only", "shared"):
        link = ReportLink(report_id=fresh_world.reports[key])
        run(fresh_world, us, service.link_report, case_id=case_id, link_in=link)
    us_actor, mx_actor = actor(fresh_world, us), actor(fresh_world, "mx.analyst")
    with transaction(fresh_world.store.sessions) as session:
        case = session.execute(select(Case).where(Case.id == case_id)).scalar_one()
        ours = service.case_read(session=session, actor=us_actor, case=case)
        theirs = service.case_read(session=session, actor=mx_actor, case=case)
    assert [s.entity_id for s in ours.subjects] == ["per-dea_strict", "per-sonora"]
    assert [s.entity_id for s in theirs.subjects] == ["per-sonora"]
    assert set(ours.report_ids) == {fresh_world.reports["usa_only"], fresh_world.reports["shared"]}
    assert theirs.report_ids == [fresh_world.reports["shared"]]
    line = run(fresh_world, "mx.analyst", service.timeline, case_id=case_id)
    text = json.dumps([e.model_dump(mode="json") for e in line.items])
    assert "per-dea_strict" not in text and fresh_world.reports["usa_only"] not in text
    assert [e.action for e in line.items] == ["opened", "member", "subject", "report"]
    mine = run(fresh_world, us, service.timeline, case_id=case_id)
    assert len(mine.items) == 6


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("unknown lead agency", "lead_agency"),
        ("unknown member agency", "agencies"),
        ("TLP:RED", "tlp"),
        ("unknown entity", "entity_id"),
        ("hidden entity", "entity_id"),
        ("hidden report", "report_id"),
        ("unparseable due date", "due"),
        ("task owner not on the case", "owner"),
        ("closing without a reason", "reason"),
        ("unknown status", "status"),
        ("unknown role", "role"),
        ("account of another agency", "username"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    fresh_world: World, change: str, field: str
) -> None:
    case_id = open_case(fresh_world)
    us = "us.analyst"
    attempts: dict[str, Callable[[], object]] = {
        "unknown lead agency": lambda: open_case(fresh_world, lead_agency="XYZ"),
        "unknown member agency": lambda: run(
            fresh_world,
            us,
            service.create_case,
            case_in=CaseCreate(title_en="x", lead_agency="DEA", agencies=["ZZZ"]),
        ),
        "TLP:RED": lambda: open_case(fresh_world, tlp="RED"),
        "unknown entity": lambda: run(
            fresh_world,
            us,
            service.add_subject,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id="per-nobody"),
        ),
        # fgr_amber: FGR only, so DEA's us.analyst is told exactly what a missing id gets.
        "hidden entity": lambda: run(
            fresh_world,
            us,
            service.add_subject,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id="per-fgr_amber"),
        ),
        "hidden report": lambda: run(
            fresh_world,
            us,
            service.link_report,
            case_id=case_id,
            link_in=ReportLink(report_id=fresh_world.reports["fgr_amber"]),
        ),
        "unparseable due date": lambda: run(
            fresh_world,
            us,
            service.add_task,
            case_id=case_id,
            task_in=TaskCreate(title="Subpoena bank", owner=us, due="next friday"),
        ),
        "task owner not on the case": lambda: run(
            fresh_world,
            us,
            service.add_task,
            case_id=case_id,
            task_in=TaskCreate(title="Subpoena bank", owner="fgr.mp1", due="2027-01-31"),
        ),
        "closing without a reason": lambda: run(
            fresh_world,
            us,
            service.set_status,
            case_id=case_id,
            status_in=CaseStatusUpdate(status="closed"),
        ),
        "unknown status": lambda: run(
            fresh_world,
            us,
            service.set_status,
            case_id=case_id,
            status_in=CaseStatusUpdate(status="paused"),
        ),
        "unknown role": lambda: run(
            fresh_world,
            us,
            service.add_member,
            case_id=case_id,
            member_in=MemberAdd(username="mx.analyst", role="boss"),
        ),
        "account of another agency": lambda: (
            run(
                fresh_world,
                "us.analyst",
                service.create_case,
                case_in=CaseCreate(title_en="DEA only", lead_agency="DEA"),
            )
            and run(
                fresh_world,
                us,
                service.add_member,
                case_id=run(fresh_world, us, service.list_cases).items[0].id,
                member_in=MemberAdd(username="mx.analyst"),
            )
        ),
    }
    before = counts(fresh_world)
    audit_before = _audit_rows(fresh_world)
    with pytest.raises(InvalidInput) as refused:
        attempts[change]()
    fields = {e.field for e in getattr(refused.value, "errors", [refused.value])}
    assert field in fields, refused.value.render("en")
    assert field in refused.value.render("en") or field in refused.value.render("es")
    if change != "account of another agency":  # that one opened a second case first
        assert counts(fresh_world) == before
        assert _audit_rows(fresh_world) == audit_before


def test_a_hidden_entity_is_refused_as_a_missing_one(fresh_world: World) -> None:
    case_id = open_case(fresh_world)
    messages = []
    for entity_id in ("per-fgr_amber", "per-nowhere"):
        with pytest.raises(InvalidInput) as refused:
            run(
                fresh_world,
                "us.analyst",
                service.add_subject,
                case_id=case_id,
                subject_in=SubjectAdd(entity_id=entity_id),
            )
        messages.append(refused.value.render("en").replace(entity_id, "ID"))
    assert messages[0] == messages[1]


def _audit_rows(world: World) -> list[tuple[str, str, str]]:
    with transaction(world.store.sessions) as session:
        return [
            (r.action, r.target or "", json.loads(r.detail).get("change", ""))
            for r in session.execute(
                select(AuditRow).where(AuditRow.kind == "case", AuditRow.action == "write")
            ).scalars()
        ]


def test_closing_keeps_every_item_and_every_change_is_audited(fresh_world: World) -> None:
    us = "us.analyst"
    case_id = open_case(fresh_world)
    run(
        fresh_world,
        us,
        service.add_member,
        case_id=case_id,
        member_in=MemberAdd(username="mx.analyst", role="viewer"),
    )
    run(
        fresh_world,
        us,
        service.add_subject,
        case_id=case_id,
        subject_in=SubjectAdd(entity_id="per-sonora"),
    )
    run(
        fresh_world,
        us,
        service.link_report,
        case_id=case_id,
        link_in=ReportLink(report_id=fresh_world.reports["shared"]),
    )
    task = run(
        fresh_world,
        us,
        service.add_task,
        case_id=case_id,
        task_in=TaskCreate(title="Trace the wire transfers", owner=us, due="2027-01-31"),
    )
    run(fresh_world, us, service.complete_task, case_id=case_id, task_id=task.id)
    # A viewer reads but changes nothing; an analyst may not close.
    with pytest.raises(Forbidden):
        run(
            fresh_world,
            "mx.analyst",
            service.add_subject,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id="per-sonora"),
        )
    closing = CaseStatusUpdate(status="closed", reason="Indictments filed in both nations.")
    with pytest.raises(Forbidden):
        run(fresh_world, "mx.analyst", service.set_status, case_id=case_id, status_in=closing)
    before = counts(fresh_world)
    run(fresh_world, us, service.set_status, case_id=case_id, status_in=closing)
    after = counts(fresh_world)
    assert after == before | {"case_events": before["case_events"] + 1}
    mx = actor(fresh_world, "mx.analyst")
    with transaction(fresh_world.store.sessions) as session:
        case = session.execute(select(Case).where(Case.id == case_id)).scalar_one()
        read = service.case_read(session=session, actor=mx, case=case)
    assert read.status == "closed" and read.closing_reason.startswith("Indictments")
    assert len(read.subjects) == 1 and len(read.report_ids) == 1 and read.tasks[0].done
    with pytest.raises(InvalidInput) as closed:
        run(
            fresh_world,
            us,
            service.add_subject,
            case_id=case_id,
            subject_in=SubjectAdd(entity_id="per-shared"),
        )
    assert closed.value.field == "status"
    run(
        fresh_world,
        us,
        service.set_status,
        case_id=case_id,
        status_in=CaseStatusUpdate(status="open"),
    )
    assert [c for _a, t, c in _audit_rows(fresh_world) if t == case_id] == [
        "opened",
        "member",
        "subject",
        "report",
        "task",
        "task_done",
        "status",
        "status",
    ]


def test_a_task_force_names_its_collection_and_shares_its_cases(fresh_world: World) -> None:
    with transaction(fresh_world.store.sessions) as session:
        session.add(
            ExchangeCollection(
                id="5a1f3c9e-0000-4000-8000-000000000001",
                alias="us-tf-sonora",
                title_en="Task Force Sonora",
                title_es="Fuerza de Tarea Sonora",
                partners="mx",
                groups="tf-sonora",
            )
        )
    us = "us.analyst"
    with pytest.raises(InvalidInput) as refused:
        run(
            fresh_world,
            us,
            task_forces.create_task_force,
            task_force_in=TaskForceCreate(name_en="TF", agencies=["DEA", "FGR"], collection="nope"),
        )
    assert refused.value.field == "collection"
    made = run(
        fresh_world,
        us,
        task_forces.create_task_force,
        task_force_in=TaskForceCreate(
            name_en="Task Force Sonora",
            name_es="Fuerza de Tarea Sonora",
            agencies=["DEA", "FGR"],
            group="tf-sonora",
            collection="us-tf-sonora",
        ),
    )
    case_id = open_case(fresh_world, task_force=made.id)
    # mx.analyst is in tf-sonora: the task force and its case; dea.agent1 is not: neither.
    mx = actor(fresh_world, "mx.analyst")
    with transaction(fresh_world.store.sessions) as session:
        task_force = task_forces.get_task_force(session=session, actor=mx, task_force_id=made.id)
        read = task_forces.task_force_read(session=session, actor=mx, task_force=task_force)
    assert read.collection == "us-tf-sonora"
    assert read.collection_id == "5a1f3c9e-0000-4000-8000-000000000001"
    assert read.case_ids == [case_id] and read.nations == ["MEX", "USA"]
    assert run(fresh_world, "mx.analyst", service.list_cases).total == 1
    assert run(fresh_world, "dea.agent1", service.list_cases).total == 0
    assert run(fresh_world, "dea.agent1", task_forces.list_task_forces).total == 0
    with pytest.raises(NotFound):
        run(fresh_world, "dea.agent1", task_forces.get_task_force, task_force_id=made.id)


def test_the_operator_ties_a_task_force_to_its_collection(fresh_world: World) -> None:
    made = run(
        fresh_world,
        "us.analyst",
        task_forces.create_task_force,
        task_force_in=TaskForceCreate(name_en="TF", agencies=["DEA", "FGR"]),
    )
    with transaction(fresh_world.store.sessions) as session:
        task_force = session.execute(select(TaskForce).where(TaskForce.id == made.id)).scalar_one()
        with pytest.raises(InvalidInput) as refused:
            task_forces.name_collection(
                session=session, actor=None, task_force=task_force, alias="us-tf-x"
            )
        assert refused.value.field == "collection"
        session.add(
            ExchangeCollection(
                id="5a1f3c9e-0000-4000-8000-000000000002",
                alias="us-tf-x",
                title_en="TF",
                title_es="FT",
                partners="mx",
                groups=task_force.group_code,
            )
        )
        session.flush()
        task_forces.name_collection(
            session=session, actor=None, task_force=task_force, alias="us-tf-x"
        )
    with transaction(fresh_world.store.sessions) as session:
        stored = session.execute(select(TaskForce).where(TaskForce.id == made.id)).scalar_one()
        assert stored.collection_alias == "us-tf-x"
        rows = session.execute(
            select(AuditRow.detail).where(AuditRow.target == made.id, AuditRow.kind == "task_force")
        ).scalars()
        assert [json.loads(d)["change"] for d in rows] == ["created", "collection"]


def test_a_role_that_may_not_file_reports_opens_no_case(fresh_world: World) -> None:
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import actor_for, create_user

    from worlds import cheap_demo_hash

    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(fresh_world.store.sessions) as session,
    ):
        user = create_user(
            session=session,
            user_in=UserCreate(
                username="dea.auditor", password="demo", agency="DEA", roles=["auditor"]
            ),
            demo_password=True,
        )
        fresh_world.actors["dea.auditor"] = actor_for(user)
    before = counts(fresh_world)
    with pytest.raises(Forbidden) as refused:
        open_case(fresh_world, "dea.auditor")
    assert refused.value.field == "role"
    assert counts(fresh_world) == before
