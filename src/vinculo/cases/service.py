"""Joint cases and task forces, read and written under the access policy.

A case (and a task force) carries a marking like a report: TLP, REL TO the nations of its
agencies, and its own need-to-know group, which its members join. Every read filters by
`visible_marking_ids`, so a case the reader may not see answers exactly as one that does not
exist. What a case points at (subjects, reports) is shown to a member only as far as the
member may see it. Every change is a row of the case's timeline and of the audit chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
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
from vinculo.cases.models import (
    Case,
    CaseAgency,
    CaseEvent,
    CaseMember,
    CaseReport,
    CaseSubject,
    CaseTask,
    TaskForce,
)
from vinculo.cases.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseStatusUpdate,
    CaseSummary,
    EventRead,
    MemberAdd,
    MemberRead,
    ReportLink,
    SubjectAdd,
    SubjectRead,
    TaskCreate,
    TaskRead,
    Timeline,
)
from vinculo.db import fresh_ids
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.models import Report
from vinculo.intel.service import captions, markings_read
from vinculo.pagination import encode_key
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.models import User, utcnow
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)
from vinculo.security.roles import Permission, require
from vinculo.security.service import ensure_group

STATUSES = ("open", "suspended", "closed")
ROLES = ("lead", "analyst", "viewer")
# A change a page makes, run in a savepoint so that bad input stores nothing.
Change = Callable[[], object]
# Who may change what on a case, by the role on it.
WRITERS = frozenset({"lead", "analyst"})
LEADS = frozenset({"lead"})


def member_account(session: Session, username: str, agencies: set[str]) -> User:
    user = session.execute(
        select(User).where(User.username == username.strip(), User.active.is_(True))
    ).scalar_one_or_none()
    # One answer whether the account is missing or of another agency: naming who exists is
    # not the case's business.
    if user is None or user.agency not in agencies:
        raise InvalidInput(
            N_("{value} cannot be added: not an account of one of its agencies"),
            field="username",
            value=username,
        )
    return user


def _event(
    session: Session, case: Case, actor: Actor, action: str, item: str = "", note: str = ""
) -> None:
    session.add(
        CaseEvent(case_id=case.id, actor=actor.username or "", action=action, item=item, note=note)
    )


def _audit(
    session: Session,
    actor: Actor,
    case: Case,
    change: str,
    ids: Sequence[str] = (),
    **detail: object,
) -> None:
    record(
        session=session,
        actor=actor,
        action="write",
        kind="case",
        target=case.id,
        ids=[case.id, *ids],
        detail={"change": change, **detail},
    )


def create_case(*, session: Session, actor: Actor, case_in: CaseCreate) -> Case:
    """Open a case led by `lead_agency`, its opener its first lead member."""
    require(actor, Permission.FILE_REPORT)
    own = partner_agency(actor)
    errors: list[InvalidInput] = []
    if not (case_in.title_en.strip() or case_in.title_es.strip()):
        errors.append(InvalidInput(N_("give a title in English or Spanish"), field="title_en"))
    lead = case_in.lead_agency.strip().upper()
    if lead not in vocab.agencies():
        errors.append(
            InvalidInput(
                N_("unknown agency {value}"), field="lead_agency", value=case_in.lead_agency
            )
        )
    agencies: list[str] = []
    try:
        agencies = check_agencies([*case_in.agencies, own], "agencies")
    except InvalidInput as error:
        errors.append(error)
    tlp = ""
    try:
        tlp = check_tlp(case_in.tlp)
    except InvalidInput as error:
        errors.append(error)
    task_force: TaskForce | None = None
    if case_in.task_force:
        try:
            task_force = visible_item(
                session=session,
                actor=actor,
                model=TaskForce,
                item_id=case_in.task_force,
                missing=N_("no such task force"),
            )
        except NotFound:
            errors.append(
                InvalidInput(
                    N_("no task force {value} that you may see"),
                    field="task_force",
                    value=case_in.task_force,
                )
            )
    if errors:
        raise InvalidFields(errors)
    if lead not in agencies:
        agencies = sorted({*agencies, lead})
    case_id = new_id()
    group = f"case-{case_id}"
    ensure_group(session=session, code=group, name_en=f"Case {case_id}", name_es=f"Caso {case_id}")
    # A task force's cases are shared with the task force: its group is named beside the
    # case's own, and `can_see` lets a member of either read.
    groups = [group, task_force.group_code] if task_force else [group]
    try:
        markings = item_markings(actor=actor, tlp=tlp, agencies=agencies, groups=groups)
    except MarkingError as error:
        raise InvalidFields([error]) from None
    case = Case(
        id=case_id,
        title_en=case_in.title_en.strip(),
        title_es=case_in.title_es.strip(),
        lead_agency=lead,
        group_code=group,
        task_force_id=task_force.id if task_force else None,
        status="open",
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(case)
    session.flush()
    session.add_all(CaseAgency(case_id=case_id, agency=a) for a in agencies)
    assert actor.user_id is not None
    session.add(CaseMember(case_id=case_id, user_id=actor.user_id, role="lead"))
    join_group(session, actor.user_id, group)
    _event(session, case, actor, "opened")
    _audit(session, actor, case, "opened", markings=markings.signature())
    session.flush()
    return case


def _visible_case(session: Session, actor: Actor, case_id: str) -> Case:
    return visible_item(
        session=session, actor=actor, model=Case, item_id=case_id, missing=N_("no such case")
    )


def _role_on(session: Session, actor: Actor, case: Case) -> str | None:
    if actor.user_id is None:
        return None
    return session.execute(
        select(CaseMember.role).where(
            CaseMember.case_id == case.id, CaseMember.user_id == actor.user_id
        )
    ).scalar_one_or_none()


def _writable(session: Session, actor: Actor, case_id: str, roles: frozenset[str]) -> Case:
    """The case, if the actor may see it (else 404), holds a role on it that may make this
    change (else 403), and it is not closed."""
    case = _visible_case(session, actor, case_id)
    require(actor, Permission.FILE_REPORT)
    role = _role_on(session, actor, case)
    if role not in roles:
        raise Forbidden(
            N_("your role on this case may not make this change"), field="role", case=case.id
        )
    return case


def _open(case: Case) -> None:
    if case.status == "closed":
        raise InvalidInput(N_("the case is closed: reopen it first"), field="status")


def get_case(*, session: Session, actor: Actor, case_id: str) -> Case:
    case = _visible_case(session, actor, case_id)
    record(session=session, actor=actor, action="read", kind="case", target=case.id, ids=[case.id])
    return case


def case_rows(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None,
    limit: int,
    task_force_id: str | None = None,
    status: str | None = None,
) -> tuple[list[Case], bool, int]:
    where: list[ColumnElement[bool]] = []
    if task_force_id is not None:
        where.append(Case.task_force_id == task_force_id)
    if status is not None:
        where.append(Case.status == status)
    return page_rows(
        session=session, actor=actor, model=Case, cursor=cursor, limit=limit, where=where
    )


def _summary(case: Case, markings: Markings) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        title_en=case.title_en,
        title_es=case.title_es,
        lead_agency=case.lead_agency,
        status=case.status,
        task_force=case.task_force_id,
        markings=markings_read(markings),
        created_at=case.created_at,
    )


def list_cases(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    status: str | None = None,
) -> CaseList:
    """Newest first, only the cases the actor may see; `total` counts only those."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(N_("unknown case status {value}"), field="status", value=status)
    rows, more, total = case_rows(
        session=session, actor=actor, cursor=cursor, limit=limit, status=status
    )
    marks = markings_by_id(session=session, ids={c.marking_id for c in rows})
    record(session=session, actor=actor, action="list", kind="case", ids=[c.id for c in rows])
    return CaseList(
        items=[_summary(c, marks[c.marking_id]) for c in rows],
        total=total,
        next_cursor=encode_key(rows[-1].id) if more else None,
    )


@dataclass
class CaseView:
    """A case as one reader may see it, for the API and the page alike."""

    case: Case
    markings: Markings
    agencies: list[str]
    members: list[MemberRead]
    subjects: list[SubjectRead]
    report_ids: list[str]
    tasks: list[TaskRead]
    role: str | None


def _visible_reports(session: Session, visible: list[int], ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    return set(
        session.execute(
            select(Report.id).where(Report.id.in_(list(ids)), Report.marking_id.in_(visible))
        ).scalars()
    )


def case_view(*, session: Session, actor: Actor, case: Case) -> CaseView:
    visible = visible_marking_ids(session=session, actor=actor)
    marks = markings_by_id(session=session, ids={case.marking_id})[case.marking_id]
    agencies = list(
        session.execute(
            select(CaseAgency.agency)
            .where(CaseAgency.case_id == case.id)
            .order_by(CaseAgency.agency)
        ).scalars()
    )
    members = [
        MemberRead(username=r.username, agency=r.agency, role=r.role)
        for r in session.execute(
            select(User.username, User.agency, CaseMember.role)
            .join(CaseMember, CaseMember.user_id == User.id)
            .where(CaseMember.case_id == case.id)
            .order_by(CaseMember.added_at, User.username)
        )
    ]
    subject_ids = list(
        session.execute(
            select(CaseSubject.entity_id)
            .where(CaseSubject.case_id == case.id)
            .order_by(CaseSubject.added_at, CaseSubject.entity_id)
        ).scalars()
    )
    # Only what the reader may see of each subject, and none they may not: its id alone would
    # tell them that a hidden record exists.
    caps = captions(session=session, entity_ids=subject_ids, visible=visible)
    subjects = [
        SubjectRead(entity_id=e, schema_=caps[e][0], caption=caps[e][1])
        for e in subject_ids
        if e in caps
    ]
    linked = list(
        session.execute(
            select(CaseReport.report_id)
            .where(CaseReport.case_id == case.id)
            .order_by(CaseReport.added_at, CaseReport.report_id)
        ).scalars()
    )
    seen = _visible_reports(session, visible, linked)
    owners = {
        r.id: r.username
        for r in session.execute(
            select(User.id, User.username)
            .join(CaseTask, CaseTask.owner_id == User.id)
            .where(CaseTask.case_id == case.id)
        )
    }
    tasks = [
        TaskRead(
            id=t.id,
            title=t.title,
            owner=owners[t.owner_id],
            due=t.due,
            done=t.done,
            done_at=t.done_at,
        )
        for t in session.execute(
            select(CaseTask)
            .where(CaseTask.case_id == case.id)
            .order_by(CaseTask.due, CaseTask.created_at)
        ).scalars()
    ]
    return CaseView(
        case=case,
        markings=marks,
        agencies=agencies,
        members=members,
        subjects=subjects,
        report_ids=[r for r in linked if r in seen],
        tasks=tasks,
        role=_role_on(session, actor, case),
    )


def case_read(*, session: Session, actor: Actor, case: Case) -> CaseRead:
    view = case_view(session=session, actor=actor, case=case)
    return CaseRead(
        **_summary(case, view.markings).model_dump(),
        agencies=view.agencies,
        nations=sorted({vocab.agency_nation(a) for a in view.agencies}),
        group=case.group_code,
        closing_reason=case.closing_reason,
        closed_at=case.closed_at,
        members=view.members,
        subjects=view.subjects,
        report_ids=view.report_ids,
        tasks=view.tasks,
    )


def set_status(
    *, session: Session, actor: Actor, case_id: str, status_in: CaseStatusUpdate
) -> Case:
    """Open, suspend or close the case (its lead only). Closing needs a reason and deletes
    nothing: subjects, reports, tasks and the timeline stay, under the retention rules."""
    case = _writable(session, actor, case_id, LEADS)
    status = status_in.status.strip().lower()
    if status not in STATUSES:
        raise InvalidInput(
            N_("unknown case status {value}"), field="status", value=status_in.status
        )
    reason = status_in.reason.strip()
    if status == "closed" and not reason:
        raise InvalidInput(N_("give the reason the case is closed"), field="reason")
    if status == case.status:
        raise InvalidInput(N_("the case is already {value}"), field="status", value=status)
    case.status = status
    case.closing_reason = reason if status == "closed" else ""
    case.closed_at = utcnow() if status == "closed" else None
    _event(session, case, actor, status, note=reason)
    _audit(session, actor, case, "status", status=status)
    session.flush()
    return case


def add_member(*, session: Session, actor: Actor, case_id: str, member_in: MemberAdd) -> Case:
    """Put an account of one of the case's agencies on it with a role; it joins the case's
    group and so may read the case."""
    case = _writable(session, actor, case_id, LEADS)
    _open(case)
    if member_in.role not in ROLES:
        raise InvalidInput(N_("unknown role on a case {value}"), field="role", value=member_in.role)
    agencies = set(
        session.execute(select(CaseAgency.agency).where(CaseAgency.case_id == case.id)).scalars()
    )
    user = member_account(session, member_in.username, agencies)
    found = session.get(CaseMember, (case.id, user.id))
    if found is None:
        session.add(CaseMember(case_id=case.id, user_id=user.id, role=member_in.role))
    else:
        found.role = member_in.role
    join_group(session, user.id, case.group_code)
    _event(session, case, actor, "member", item=f"account:{user.username}", note=member_in.role)
    _audit(session, actor, case, "member", member=user.username, role=member_in.role)
    session.flush()
    return case


def add_subject(*, session: Session, actor: Actor, case_id: str, subject_in: SubjectAdd) -> Case:
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    entity_id = subject_in.entity_id.strip()
    visible = visible_marking_ids(session=session, actor=actor)
    if entity_id not in captions(session=session, entity_ids=[entity_id], visible=visible):
        # Missing and hidden alike.
        raise InvalidInput(
            N_("no entity {value} that you may see"), field="entity_id", value=entity_id
        )
    if session.get(CaseSubject, (case.id, entity_id)) is None:
        session.add(CaseSubject(case_id=case.id, entity_id=entity_id))
        _event(session, case, actor, "subject", item=f"entity:{entity_id}")
        _audit(session, actor, case, "subject", ids=[entity_id])
    session.flush()
    return case


def link_report(*, session: Session, actor: Actor, case_id: str, link_in: ReportLink) -> Case:
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    report_id = link_in.report_id.strip()
    visible = visible_marking_ids(session=session, actor=actor)
    if report_id not in _visible_reports(session, visible, [report_id]):
        raise InvalidInput(
            N_("no report {value} that you may see"), field="report_id", value=report_id
        )
    if session.get(CaseReport, (case.id, report_id)) is None:
        session.add(CaseReport(case_id=case.id, report_id=report_id))
        _event(session, case, actor, "report", item=f"report:{report_id}")
        _audit(session, actor, case, "report", ids=[report_id])
    session.flush()
    return case


def parse_due(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            N_("{value} is not a date: give it as YYYY-MM-DD"), field="due", value=text
        ) from None


def add_task(*, session: Session, actor: Actor, case_id: str, task_in: TaskCreate) -> CaseTask:
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    errors: list[InvalidInput] = []
    title = task_in.title.strip()
    if not title:
        errors.append(InvalidInput(N_("give the task a title"), field="title"))
    due: date | None = None
    try:
        due = parse_due(task_in.due)
    except InvalidInput as error:
        errors.append(error)
    owner = session.execute(
        select(User.id)
        .join(CaseMember, CaseMember.user_id == User.id)
        .where(CaseMember.case_id == case.id, User.username == task_in.owner.strip())
    ).scalar_one_or_none()
    if owner is None:
        errors.append(
            InvalidInput(
                N_("{value} is not a member of this case"), field="owner", value=task_in.owner
            )
        )
    if errors:
        raise InvalidFields(errors)
    assert due is not None and owner is not None
    # A random id: a counter would tell a member how many tasks the cases they may not see
    # were given meanwhile.
    task = CaseTask(
        id=fresh_ids(session, CaseTask.id, 1)[0],
        case_id=case.id,
        title=title,
        owner_id=owner,
        due=due,
    )
    session.add(task)
    session.flush()
    _event(session, case, actor, "task", item=f"task:{task.id}", note=title)
    _audit(session, actor, case, "task", task=task.id)
    return task


def complete_task(*, session: Session, actor: Actor, case_id: str, task_id: int) -> CaseTask:
    case = _writable(session, actor, case_id, WRITERS)
    _open(case)
    task = session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound(N_("no such task"), field="task_id")
    if not task.done:
        task.done = True
        task.done_at = utcnow()
        _event(session, case, actor, "task_done", item=f"task:{task.id}", note=task.title)
        _audit(session, actor, case, "task_done", task=task.id)
    session.flush()
    return task


def case_of(*, session: Session, task: CaseTask) -> Case:
    """The case of a task the service just let the actor change (so may see)."""
    return session.execute(select(Case).where(Case.id == task.case_id)).scalar_one()


def timeline(*, session: Session, actor: Actor, case_id: str) -> Timeline:
    """Everything that happened on the case, oldest first, as far as the reader may see what
    each line concerns (a subject or report they may not see is left out)."""
    case = _visible_case(session, actor, case_id)
    events = list(
        session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).scalars()
    )
    visible = visible_marking_ids(session=session, actor=actor)
    entity_ids = [e.item[7:] for e in events if e.item.startswith("entity:")]
    report_ids = [e.item[7:] for e in events if e.item.startswith("report:")]
    seen_entities = set(captions(session=session, entity_ids=entity_ids, visible=visible))
    seen_reports = _visible_reports(session, visible, report_ids)

    def shown(event: CaseEvent) -> bool:
        kind, _, item = event.item.partition(":")
        if kind == "entity":
            return item in seen_entities
        if kind == "report":
            return item in seen_reports
        return True

    record(session=session, actor=actor, action="read", kind="case", target=case.id, ids=[case.id])
    return Timeline(
        case_id=case.id,
        items=[
            EventRead(at=e.at, actor=e.actor, action=e.action, item=e.item, note=e.note)
            for e in events
            if shown(e)
        ],
    )
