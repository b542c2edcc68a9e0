"""The demo's joint cases and task forces (`demo/data/cases.yml`), opened through the case
service as the accounts named there, after every report is filed.

A row that cannot be opened as it stands raises ScriptError naming the file, the case or
task force, and the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.cases import marked, service, task_forces
from vinculo.cases.models import TaskForce
from vinculo.cases.schemas import (
    CaseCreate,
    CaseStatusUpdate,
    MemberAdd,
    ReportLink,
    SubjectAdd,
    TaskCreate,
    TaskForceCreate,
)
from vinculo.demo.catalogue import read
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.exchange.models import ExchangeCollection
from vinculo.intel.models import Report, StatementRow
from vinculo.security.markings import Actor
from vinculo.security.service import actor_for, get_by_username

FILE = "demo/data/cases.yml"


def _actor(session: Session, username: str) -> Actor | None:
    user = get_by_username(session=session, username=username)
    return actor_for(user) if user is not None else None


def _entity_here(session: Session, entity_id: str) -> bool:
    found = session.execute(
        select(StatementRow.entity_id).where(StatementRow.entity_id == entity_id).limit(1)
    ).first()
    return found is not None


def _report_id(session: Session, title: str) -> str | None:
    return session.execute(select(Report.id).where(Report.title_en == title)).scalars().first()


def name_collections(*, session: Session, node: str) -> int:
    """Tie each task force of the data file to its collection on this node
    (`<node>-<collection>`, made by demo/nodes.py); how many were tied."""
    tied = 0
    for row in read("cases")["task_forces"]:
        alias = f"{node}-{row['collection']}"
        # A task force's collection is made only on the nodes taking part (data/nodes.yml):
        # the multinational one exists with `--nodes 3`, not with two.
        made = session.execute(
            select(ExchangeCollection.id).where(ExchangeCollection.alias == alias)
        ).first()
        if made is None:
            continue
        found = session.execute(
            select(TaskForce).where(TaskForce.name_en == row["name"]["en"])
        ).scalar_one_or_none()
        if found is None:
            continue
        task_forces.name_collection(session=session, actor=None, task_force=found, alias=alias)
        tied += 1
    return tied


def seed_cases(*, session: Session, on_node: bool = False) -> dict[str, int]:
    """Open the task forces and cases of the data file: those whose opener has an account
    here, with the members who do (a node of `vinculo demo --nodes 2` has only its nation's
    accounts). Their TAXII collections are named once a node has made them
    (`name_collections`)."""
    data: dict[str, Any] = read("cases")
    opened: dict[str, str] = {}
    counts = {"task_forces": 0, "cases": 0}
    for row in data["task_forces"]:
        where = f"{FILE}, task force {row['key']}"
        actor = _actor(session, row["opened_by"])
        if actor is None:
            continue
        try:
            made = task_forces.create_task_force(
                session=session,
                actor=actor,
                task_force_in=TaskForceCreate(
                    name_en=row["name"]["en"],
                    name_es=row["name"]["es"],
                    agencies=row["agencies"],
                    group=row["group"],
                ),
            )
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None
        opened[row["key"]] = made.id
        counts["task_forces"] += 1
    for row in data["cases"]:
        where = f"{FILE}, case {row['key']}"
        actor = _actor(session, row["opened_by"])
        if actor is None:
            continue
        try:
            _open_case(session, actor, row, opened, where, on_node=on_node)
        except VinculoError as error:
            raise ScriptError(f"{where}: {error.render('en')}") from None
        counts["cases"] += 1
    return counts


def _open_case(
    session: Session,
    actor: Actor,
    row: dict[str, Any],
    opened: dict[str, str],
    where: str,
    *,
    on_node: bool,
) -> None:
    task_force = row.get("task_force")
    if task_force is not None and task_force not in opened:
        raise ScriptError(f"{where}, task_force: no task force {task_force!r} in the file")
    case = service.create_case(
        session=session,
        actor=actor,
        case_in=CaseCreate(
            title_en=row["title"]["en"],
            title_es=row["title"]["es"],
            lead_agency=row["lead_agency"],
            agencies=row["agencies"],
            tlp=row.get("tlp", "AMBER"),
            task_force=opened.get(task_force) if task_force else None,
        ),
    )
    # The opener now belongs to the case's group, which a stored Actor does not know yet.
    lead = marked.actor_again(session=session, actor=actor)
    members = [actor.username]
    for member in row.get("members", []):
        if get_by_username(session=session, username=member["username"]) is None:
            continue  # an account of the other node
        service.add_member(
            session=session,
            actor=lead,
            case_id=case.id,
            member_in=MemberAdd(username=member["username"], role=member["role"]),
        )
        members.append(member["username"])
    for entity_id in row.get("subjects", []):
        if on_node and not _entity_here(session, entity_id):
            continue  # filed by an agency of the other node
        service.add_subject(
            session=session, actor=lead, case_id=case.id, subject_in=SubjectAdd(entity_id=entity_id)
        )
    for title in row.get("reports", []):
        report_id = _report_id(session, title)
        if report_id is None:
            if on_node:
                continue  # filed by an agency of the other node
            raise ScriptError(f"{where}, reports: no filed report is titled {title!r}")
        service.link_report(
            session=session, actor=lead, case_id=case.id, link_in=ReportLink(report_id=report_id)
        )
    for task in row.get("tasks", []):
        if task["owner"] not in members:
            continue
        service.add_task(
            session=session,
            actor=lead,
            case_id=case.id,
            task_in=TaskCreate(title=task["title"], owner=task["owner"], due=str(task["due"])),
        )
    if row.get("closed"):
        service.set_status(
            session=session,
            actor=lead,
            case_id=case.id,
            status_in=CaseStatusUpdate(status="closed", reason=row["closed"]),
        )
