"""Training events and their participants, written and read under the access policy.

An event carries a marking like a programme: every read filters by `visible_marking_ids`,
so one the reader may not see answers exactly as one that does not exist (the same 404, and
nothing counted). A participant is a person (with the unit they come from) or a whole unit;
before a seat is stored the Leahy gate (oversight/vetting.require_valid_approval) is asked,
for the training purpose on the event's first day, for the person and for their unit. A
refusal (NotVetted) names the subject and the reason, and nothing is stored.

Entity ids (participants, units) are shown, and matched by the `unit` filter, only when the
reader may see that entity; a programme id is shown and matched only when the reader may see
the programme. Every change is written to the audit chain.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from vinculo.assistance.models import Programme, fiscal_year
from vinculo.assistance.training_models import TrainingEvent, TrainingParticipant
from vinculo.assistance.training_schemas import (
    SeatCreate,
    SeatRead,
    TrainingCreate,
    TrainingList,
    TrainingRead,
    TrainingSummary,
    TrainingTotals,
)
from vinculo.errors import Forbidden, InvalidFields, InvalidInput
from vinculo.i18n import N_
from vinculo.intel.service import captions, markings_from_input, markings_read
from vinculo.oversight.vetting import KIND_SCHEMAS, NotVetted, require_valid_approval
from vinculo.pagination import encode_key, newest_page
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)
from vinculo.security.roles import Permission, require

PURPOSE = "training"
HOURS = Decimal("0.01")


def _new_id() -> str:
    return secrets.token_hex(8)


def require_writer(actor: Actor) -> str:
    """Programme staff (who file reports) record trainings and seat participants."""
    require(actor, Permission.FILE_REPORT)
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    return actor.agency


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of U.S. federal fiscal year `year`."""
    return date(year - 1, 10, 1), date(year, 9, 30)


def visible_programme(session: Session, visible: list[int], programme_id: str) -> bool:
    found = session.execute(
        select(Programme.id).where(Programme.id == programme_id, Programme.marking_id.in_(visible))
    ).scalar_one_or_none()
    return found is not None


def check_entity(
    session: Session, visible: list[int], entity_id: str, kind: str, field: str
) -> InvalidInput | None:
    """None when `entity_id` is an entity the reader may see of the kind (person or unit);
    otherwise the error, missing and hidden alike answered with one message."""
    seen = captions(session=session, entity_ids=[entity_id], visible=visible)
    if entity_id not in seen:
        return InvalidInput(N_("no entity {value} that you may see"), field=field, value=entity_id)
    if seen[entity_id][0] not in KIND_SCHEMAS[kind]:
        wrong = {
            "person": N_("entity {value} is not a person"),
            "unit": N_("entity {value} is not a unit"),
        }
        return InvalidInput(wrong[kind], field=field, value=entity_id)
    return None


def gate(session: Session, entity_id: str, purpose: str, on: date, field: str) -> str:
    """The id of the approval that lets assistance reach `entity_id` on `on`, or NotVetted
    naming the input field, the subject and the reason."""
    try:
        return require_valid_approval(
            session=session, subject_entity_id=entity_id, purpose=purpose, on=on
        ).id
    except NotVetted as refusal:
        refusal.field = field
        raise


def create_training(
    *, session: Session, actor: Actor, training_in: TrainingCreate
) -> TrainingEvent:
    """Store an event, all or nothing; its participants are seated one by one (seat)."""
    agency = require_writer(actor)
    errors: list[InvalidInput] = []
    course = training_in.course.strip()
    if not course:
        errors.append(InvalidInput(N_("name the course"), field="course"))
    last = training_in.ends_on or training_in.starts_on
    if last < training_in.starts_on:
        errors.append(InvalidInput(N_("the last day comes before the first"), field="ends_on"))
    hours = training_in.human_rights_hours.quantize(HOURS)
    if hours and not training_in.human_rights:
        errors.append(
            InvalidInput(
                N_("hours of human-rights content need an event with human-rights content"),
                field="human_rights_hours",
            )
        )
    visible = visible_marking_ids(session=session, actor=actor)
    programme = (training_in.programme_id or "").strip() or None
    if programme is not None and not visible_programme(session, visible, programme):
        errors.append(
            InvalidInput(
                N_("no programme {value} that you may see"), field="programme_id", value=programme
            )
        )
    markings: Markings | None = None
    try:
        markings = markings_from_input(
            session=session, actor=actor, markings_in=training_in.markings
        )
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None and markings.originator == agency
    event = TrainingEvent(
        id=_new_id(),
        course=course,
        starts_on=training_in.starts_on,
        ends_on=last,
        state=training_in.state.strip(),
        municipality=training_in.municipality.strip(),
        human_rights=training_in.human_rights,
        human_rights_hours=hours,
        provider=training_in.provider.strip(),
        programme_id=programme,
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(event)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="training",
        target=event.id,
        ids=[event.id],
        detail={"change": "created", "markings": markings.signature()},
    )
    return event


def _visible(session: Session, actor: Actor, event_id: str) -> TrainingEvent:
    return visible_item(
        session=session,
        actor=actor,
        model=TrainingEvent,
        item_id=event_id,
        missing=N_("no such training event"),
    )


def seat(
    *, session: Session, actor: Actor, event_id: str, seat_in: SeatCreate
) -> TrainingParticipant:
    """Seat a person from a unit, or a whole unit, once the gate has found a valid approval
    for the training on the event's first day for each; otherwise nothing is stored. An event
    the actor may not see answers as a missing one."""
    event = _visible(session, actor, event_id)
    require_writer(actor)
    visible = visible_marking_ids(session=session, actor=actor)
    person = (seat_in.person_entity_id or "").strip() or None
    unit = seat_in.unit_entity_id.strip()
    errors: list[InvalidInput] = []
    if not unit:
        errors.append(
            InvalidInput(N_("name the unit the participant comes from"), field="unit_entity_id")
        )
    else:
        bad = check_entity(session, visible, unit, "unit", "unit_entity_id")
        if bad is not None:
            errors.append(bad)
    if person is not None:
        bad = check_entity(session, visible, person, "person", "person_entity_id")
        if bad is not None:
            errors.append(bad)
    if errors:
        raise InvalidFields(errors)
    # A person has one seat at an event; a whole unit, one seat of its own.
    same: list[ColumnElement[bool]] = (
        [TrainingParticipant.person_entity_id == person]
        if person is not None
        else [
            TrainingParticipant.person_entity_id.is_(None),
            TrainingParticipant.unit_entity_id == unit,
        ]
    )
    taken = session.execute(
        select(TrainingParticipant.id).where(TrainingParticipant.event_id == event.id, *same)
    ).first()
    if taken is not None:
        raise InvalidInput(
            N_("{value} already has a seat at this event"),
            field="person_entity_id" if person else "unit_entity_id",
            value=person or unit,
        )
    person_vetting = (
        gate(session, person, PURPOSE, event.starts_on, "person_entity_id") if person else None
    )
    unit_vetting = gate(session, unit, PURPOSE, event.starts_on, "unit_entity_id")
    made = TrainingParticipant(
        event_id=event.id,
        person_entity_id=person,
        unit_entity_id=unit,
        person_vetting_id=person_vetting,
        unit_vetting_id=unit_vetting,
        seated_by=actor.username or "",
    )
    session.add(made)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="training",
        target=event.id,
        ids=[event.id],
        detail={
            "change": "seated",
            "seat": made.id,
            "person": person,
            "unit": unit,
            "person_vetting": person_vetting,
            "unit_vetting": unit_vetting,
        },
    )
    return made


def _seat_counts(session: Session, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(TrainingParticipant.event_id, func.count(TrainingParticipant.id))
        .where(TrainingParticipant.event_id.in_(ids))
        .group_by(TrainingParticipant.event_id)
    ).all()
    return {event_id: int(count) for event_id, count in rows}


def shown_programmes(session: Session, visible: list[int], ids: Iterable[str | None]) -> set[str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(
        session.execute(
            select(Programme.id).where(Programme.id.in_(wanted), Programme.marking_id.in_(visible))
        ).scalars()
    )


def _summaries(
    session: Session, actor: Actor, events: Sequence[TrainingEvent]
) -> list[TrainingSummary]:
    visible = visible_marking_ids(session=session, actor=actor)
    marks = markings_by_id(session=session, ids={e.marking_id for e in events})
    shown = shown_programmes(session, visible, (e.programme_id for e in events))
    counts = _seat_counts(session, [e.id for e in events])
    return [
        TrainingSummary(
            id=e.id,
            course=e.course,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            fiscal_year=fiscal_year(e.starts_on),
            state=e.state,
            municipality=e.municipality,
            human_rights=e.human_rights,
            human_rights_hours=Decimal(e.human_rights_hours).quantize(HOURS),
            provider=e.provider,
            programme_id=e.programme_id if e.programme_id in shown else None,
            seats=counts.get(e.id, 0),
            markings=markings_read(marks[e.marking_id]),
            banner=marks[e.marking_id].banner(),
            created_by=e.created_by,
            created_at=e.created_at,
        )
        for e in events
    ]


def training_read(*, session: Session, actor: Actor, event: TrainingEvent) -> TrainingRead:
    """The event and its participants, each entity named only when the actor may see it."""
    summary = _summaries(session, actor, [event])[0]
    visible = visible_marking_ids(session=session, actor=actor)
    seats = list(
        session.execute(
            select(TrainingParticipant)
            .where(TrainingParticipant.event_id == event.id)
            .order_by(TrainingParticipant.id)
        ).scalars()
    )
    named = [s.person_entity_id for s in seats if s.person_entity_id] + [
        s.unit_entity_id for s in seats
    ]
    seen = captions(session=session, entity_ids=named, visible=visible)

    def shown(entity_id: str | None) -> tuple[str | None, str]:
        if entity_id is None or entity_id not in seen:
            return None, ""
        return entity_id, seen[entity_id][1]

    record(session=session, actor=actor, action="read", kind="training", ids=[event.id])
    participants = []
    for s in seats:
        person, person_caption = shown(s.person_entity_id)
        unit, unit_caption = shown(s.unit_entity_id)
        participants.append(
            SeatRead(
                id=s.id,
                person_entity_id=person,
                person_caption=person_caption,
                unit_entity_id=unit,
                unit_caption=unit_caption,
                seated_by=s.seated_by,
                seated_at=s.seated_at,
            )
        )
    return TrainingRead(**summary.model_dump(), participants=participants)


def get_training(*, session: Session, actor: Actor, event_id: str) -> TrainingRead:
    event = _visible(session, actor, event_id)
    return training_read(session=session, actor=actor, event=event)


def _conditions(
    session: Session,
    visible: list[int],
    *,
    unit: str | None,
    programme: str | None,
    fiscal_year: int | None,
    human_rights: bool | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [TrainingEvent.marking_id.in_(visible)]
    if unit is not None:
        # A unit the reader may not see matches nothing, as a unit that does not exist.
        if unit in captions(session=session, entity_ids=[unit], visible=visible):
            seated = select(TrainingParticipant.event_id).where(
                TrainingParticipant.unit_entity_id == unit
            )
            where.append(TrainingEvent.id.in_(seated))
        else:
            where.append(false())
    if programme is not None:
        shown = select(Programme.id).where(
            Programme.id == programme, Programme.marking_id.in_(visible)
        )
        where.append(TrainingEvent.programme_id.in_(shown))
    if fiscal_year is not None:
        first, last = fiscal_year_bounds(fiscal_year)
        where += [TrainingEvent.starts_on >= first, TrainingEvent.starts_on <= last]
    if human_rights is not None:
        where.append(TrainingEvent.human_rights.is_(human_rights))
    return where


def list_trainings(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    unit: str | None = None,
    programme: str | None = None,
    fiscal_year: int | None = None,
    human_rights: bool | None = None,
) -> TrainingList:
    """Newest first, only the events the actor may see; `total` counts only those."""
    visible = visible_marking_ids(session=session, actor=actor)
    where = _conditions(
        session,
        visible,
        unit=unit,
        programme=programme,
        fiscal_year=fiscal_year,
        human_rights=human_rights,
    )
    page, more, total = newest_page(session, TrainingEvent, where, cursor, limit)
    record(session=session, actor=actor, action="list", kind="training", ids=[e.id for e in page])
    return TrainingList(
        items=_summaries(session, actor, page),
        total=total,
        next_cursor=encode_key(page[-1].id) if more and page else None,
    )


def training_summary(
    *,
    session: Session,
    actor: Actor,
    unit_ids: Sequence[str],
    fiscal_year: int | None = None,
) -> TrainingTotals:
    """Training of the units `unit_ids` as the actor may see it, for the accountability
    view: the events (the actor may see) with a seat from one of the units (the actor may
    see), those seats, and the human-rights hours, each event's once and per seat."""
    visible = visible_marking_ids(session=session, actor=actor)
    units = list(captions(session=session, entity_ids=unit_ids, visible=visible))
    where: list[ColumnElement[bool]] = [
        TrainingEvent.marking_id.in_(visible),
        TrainingParticipant.unit_entity_id.in_(units),
    ]
    if fiscal_year is not None:
        first, last = fiscal_year_bounds(fiscal_year)
        where += [TrainingEvent.starts_on >= first, TrainingEvent.starts_on <= last]
    rows = session.execute(
        select(
            TrainingEvent.id,
            TrainingEvent.human_rights,
            TrainingEvent.human_rights_hours,
            func.count(TrainingParticipant.id),
        )
        .join(TrainingParticipant, TrainingParticipant.event_id == TrainingEvent.id)
        .where(*where)
        .group_by(TrainingEvent.id, TrainingEvent.human_rights, TrainingEvent.human_rights_hours)
    ).all()
    record(session=session, actor=actor, action="list", kind="training_totals", ids=[])
    hours = [Decimal(str(h)).quantize(HOURS) for _i, _r, h, _c in rows]
    return TrainingTotals(
        events=len(rows),
        seats=sum(int(c) for *_rest, c in rows),
        human_rights_events=sum(1 for _i, rights, _h, _c in rows if rights),
        human_rights_hours=sum(hours, Decimal("0.00")),
        human_rights_seat_hours=sum(
            (h * int(c) for h, (*_rest, c) in zip(hours, rows, strict=True)), Decimal("0.00")
        ),
    )
