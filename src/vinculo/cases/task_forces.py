"""Task forces: standing groups of agencies and nations with their own cases and the TAXII
collection their items travel in, read and written under the access policy like cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.cases.marked import (
    check_agencies,
    check_tlp,
    item_markings,
    join_group,
    new_id,
    page_rows,
    partner_agency,
)
from vinculo.cases.models import TaskForce, TaskForceAgency
from vinculo.cases.schemas import (
    MemberAdd,
    TaskForceCreate,
    TaskForceList,
    TaskForceRead,
    TaskForceSummary,
)
from vinculo.cases.service import case_rows, member_account
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.exchange.models import ExchangeCollection
from vinculo.i18n import N_
from vinculo.intel.service import markings_read
from vinculo.pagination import encode_key
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import User, user_groups
from vinculo.security.policy import marking_id_for, markings_by_id, visible_item
from vinculo.security.roles import Permission, require
from vinculo.security.service import ensure_group


def create_task_force(
    *, session: Session, actor: Actor, task_force_in: TaskForceCreate
) -> TaskForce:
    """A standing task force of the given agencies; its creator is its first member."""
    require(actor, Permission.FILE_REPORT)
    own = partner_agency(actor)
    errors: list[InvalidInput] = []
    if not (task_force_in.name_en.strip() or task_force_in.name_es.strip()):
        errors.append(InvalidInput(N_("give a name in English or Spanish"), field="name_en"))
    agencies: list[str] = []
    try:
        agencies = check_agencies([*task_force_in.agencies, own], "agencies")
    except InvalidInput as error:
        errors.append(error)
    tlp = ""
    try:
        tlp = check_tlp(task_force_in.tlp)
    except InvalidInput as error:
        errors.append(error)
    group = (task_force_in.group or "").strip()
    if group and group not in actor.groups:
        # Refused alike whether the group exists: a filing must not tell which codes are real.
        errors.append(
            InvalidInput(
                N_("you can only mark items for groups you belong to: {value}"),
                field="group",
                value=group,
            )
        )
    alias = (task_force_in.collection or "").strip() or None
    if alias is not None:
        found = session.execute(
            select(ExchangeCollection.id).where(ExchangeCollection.alias == alias)
        ).first()
        if found is None:
            errors.append(
                InvalidInput(N_("no TAXII collection {value}"), field="collection", value=alias)
            )
    if errors:
        raise InvalidFields(errors)
    task_force_id = new_id()
    name_en = task_force_in.name_en.strip() or task_force_in.name_es.strip()
    name_es = task_force_in.name_es.strip() or name_en
    if not group:
        group = f"tf-{task_force_id}"
        # The group's name is shown wherever groups are (account pages, banners' titles):
        # it names the task force by id, never by what its name might say.
        ensure_group(
            session=session,
            code=group,
            name_en=f"Task force {task_force_id}",
            name_es=f"Fuerza de tarea {task_force_id}",
        )
    assert actor.user_id is not None
    join_group(session, actor.user_id, group)
    markings = item_markings(actor=actor, tlp=tlp, agencies=agencies, groups=[group])
    task_force = TaskForce(
        id=task_force_id,
        name_en=name_en,
        name_es=name_es,
        group_code=group,
        collection_alias=alias,
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(task_force)
    session.flush()
    session.add_all(TaskForceAgency(task_force_id=task_force_id, agency=a) for a in agencies)
    record(
        session=session,
        actor=actor,
        action="write",
        kind="task_force",
        target=task_force_id,
        ids=[task_force_id],
        detail={"change": "created", "markings": markings.signature(), "collection": alias},
    )
    session.flush()
    return task_force


def visible_task_force(session: Session, actor: Actor, task_force_id: str) -> TaskForce:
    return visible_item(
        session=session,
        actor=actor,
        model=TaskForce,
        item_id=task_force_id,
        missing=N_("no such task force"),
    )


def get_task_force(*, session: Session, actor: Actor, task_force_id: str) -> TaskForce:
    task_force = visible_task_force(session, actor, task_force_id)
    record(
        session=session,
        actor=actor,
        action="read",
        kind="task_force",
        target=task_force_id,
        ids=[task_force_id],
    )
    return task_force


def _summary_tf(task_force: TaskForce, markings: Markings) -> TaskForceSummary:
    return TaskForceSummary(
        id=task_force.id,
        name_en=task_force.name_en,
        name_es=task_force.name_es,
        group=task_force.group_code,
        collection=task_force.collection_alias,
        markings=markings_read(markings),
    )


def task_force_read(*, session: Session, actor: Actor, task_force: TaskForce) -> TaskForceRead:
    marks = markings_by_id(session=session, ids={task_force.marking_id})[task_force.marking_id]
    agencies = list(
        session.execute(
            select(TaskForceAgency.agency)
            .where(TaskForceAgency.task_force_id == task_force.id)
            .order_by(TaskForceAgency.agency)
        ).scalars()
    )
    members = list(
        session.execute(
            select(User.username)
            .join(user_groups, user_groups.c.user_id == User.id)
            .where(user_groups.c.group_code == task_force.group_code)
            .order_by(User.username)
        ).scalars()
    )
    collection_id = None
    if task_force.collection_alias:
        collection_id = session.execute(
            select(ExchangeCollection.id).where(
                ExchangeCollection.alias == task_force.collection_alias
            )
        ).scalar_one_or_none()
    rows, _more, _total = case_rows(
        session=session, actor=actor, cursor=None, limit=1000, task_force_id=task_force.id
    )
    return TaskForceRead(
        **_summary_tf(task_force, marks).model_dump(),
        agencies=agencies,
        nations=sorted({vocab.agency_nation(a) for a in agencies}),
        collection_id=collection_id,
        members=members,
        case_ids=[c.id for c in rows],
        created_at=task_force.created_at,
    )


def list_task_forces(
    *, session: Session, actor: Actor, cursor: str | None = None, limit: int = 25
) -> TaskForceList:
    rows, more, total = page_rows(
        session=session, actor=actor, model=TaskForce, cursor=cursor, limit=limit
    )
    marks = markings_by_id(session=session, ids={t.marking_id for t in rows})
    record(session=session, actor=actor, action="list", kind="task_force", ids=[t.id for t in rows])
    return TaskForceList(
        items=[_summary_tf(t, marks[t.marking_id]) for t in rows],
        total=total,
        next_cursor=encode_key(rows[-1].id) if more else None,
    )


def name_collection(
    *, session: Session, actor: Actor | None, task_force: TaskForce, alias: str
) -> None:
    """Tie a task force to the TAXII collection its items travel in (the host operator's
    act when `actor` is None, as collections are made by the operator)."""
    found = session.execute(
        select(ExchangeCollection.id).where(ExchangeCollection.alias == alias)
    ).first()
    if found is None:
        raise InvalidInput(N_("no TAXII collection {value}"), field="collection", value=alias)
    task_force.collection_alias = alias
    record(
        session=session,
        actor=actor,
        action="write",
        kind="task_force",
        target=task_force.id,
        ids=[task_force.id],
        detail={"change": "collection", "collection": alias},
    )


def add_task_force_member(
    *, session: Session, actor: Actor, task_force_id: str, member_in: MemberAdd
) -> TaskForce:
    """Join an account of one of the task force's agencies to its group."""
    task_force = visible_task_force(session, actor, task_force_id)
    require(actor, Permission.FILE_REPORT)
    agencies = set(
        session.execute(
            select(TaskForceAgency.agency).where(TaskForceAgency.task_force_id == task_force.id)
        ).scalars()
    )
    user = member_account(session, member_in.username, agencies)
    join_group(session, user.id, task_force.group_code)
    record(
        session=session,
        actor=actor,
        action="write",
        kind="task_force",
        target=task_force.id,
        ids=[task_force.id],
        detail={"change": "member_added", "member": user.username},
    )
    return task_force
