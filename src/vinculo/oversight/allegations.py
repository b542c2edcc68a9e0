"""Allegations of human-rights violations, written and read under the access policy.

An allegation carries a marking like a case: every read filters by `visible_marking_ids`,
so one the reader may not see answers exactly as one that does not exist. Its victims and
witnesses (`AllegationParty`) each carry a marking of their own, by default the
allegation's narrowed to the need-to-know group of human-rights monitors: a reader is shown
a party only when the policy lets them see both. A reader outside that group is given the
same answer as for an allegation with no victims or witnesses at all: no count, no flag, no
field that differs. No role bypasses this; the roles only say who may file and triage.

Entity ids (the alleged unit and persons) are shown, and matched by the `unit` filter, only
when the reader may see that entity, so an allegation never confirms a hidden entity's id.
Every status change is kept as history and written to the audit chain.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidFields, InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.service import captions, markings_from_input, markings_read
from vinculo.oversight.allegation_models import (
    Allegation,
    AllegationParty,
    AllegationPerpetrator,
    AllegationSource,
    AllegationStatusChange,
    AllegationViolation,
)
from vinculo.oversight.allegation_schemas import (
    AllegationCreate,
    AllegationList,
    AllegationRead,
    AllegationSummary,
    PartyIn,
    PartyRead,
    SourceRead,
    StatusChangeRead,
    StatusUpdate,
    ViolationRead,
)
from vinculo.pagination import encode_key, newest_page
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)
from vinculo.security.roles import Permission, require
from vinculo.security.service import ensure_group

# The need-to-know group a victim's or witness's details are for unless the filer names
# another: access for monitors is membership of it, never a role (../shared/MARKINGS.md).
MONITORS = "human-rights-monitors"
PARTY_ROLES = {"victim": N_("victim"), "witness": N_("witness")}
FIRST_STATUS = "reported"
# A decision on an allegation says why; taking it under review needs no reason.
NEEDS_REASON = frozenset({"credible", "not_credible", "remediated"})


def _new_id() -> str:
    return secrets.token_hex(8)


def _filer(actor: Actor) -> str:
    require(actor, Permission.FILE_ALLEGATION)
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    return actor.agency


def _seen_entities(session: Session, visible: list[int], ids: Iterable[str]) -> set[str]:
    return set(captions(session=session, entity_ids=ids, visible=visible))


def _check_violations(codes: Sequence[str]) -> tuple[list[str], list[InvalidInput]]:
    found: list[str] = []
    errors: list[InvalidInput] = []
    if not codes:
        errors.append(InvalidInput(N_("name at least one violation"), field="violations"))
    for code in codes:
        term = code.strip().lower()
        if term not in vocab.violations():
            errors.append(
                InvalidInput(N_("unknown violation {value}"), field="violations", value=code)
            )
        elif term not in found:
            found.append(term)
    return found, errors


def _party_markings(
    session: Session, actor: Actor, own: Markings, index: int, party: PartyIn
) -> Markings:
    """The allegation's markings for the monitors' group instead of its own groups, or those
    the filer gives, which must name a need-to-know group the filer belongs to."""
    field = f"parties.{index}.markings"
    if party.markings is None:
        ensure_group(
            session=session,
            code=MONITORS,
            name_en="Human-rights monitors",
            name_es="Observadores de derechos humanos",
        )
        # The monitors' group alone, not added to the allegation's groups: a reader must
        # belong to one group a marking names, so a task force's member would otherwise be
        # let in. The allegation's own marking still applies: a reader needs both.
        return Markings.create(
            tlp=own.tlp.value,
            originator=own.originator,
            rel_to=own.rel_to,
            orcon=own.orcon,
            groups=[MONITORS],
            recipients=own.recipients,
            shared_with=own.shared_with,
        )
    try:
        given = markings_from_input(session=session, actor=actor, markings_in=party.markings)
    except MarkingError as error:
        # Named as the filer wrote it: the party's markings, then the culprit within them.
        error.field = f"{field}.{error.field}"
        raise
    if not given.groups:
        raise InvalidInput(
            N_("a victim's or witness's details are for a need-to-know group: name one"),
            field=f"{field}.groups",
        )
    return given


def _check(allegation_in: AllegationCreate) -> tuple[list[str], list[InvalidInput]]:
    errors: list[InvalidInput] = []
    if not (allegation_in.summary_en.strip() or allegation_in.summary_es.strip()):
        errors.append(
            InvalidInput(N_("say what happened in English or Spanish"), field="summary_en")
        )
    last = allegation_in.occurred_to or allegation_in.occurred_from
    if last < allegation_in.occurred_from:
        errors.append(InvalidInput(N_("the last day comes before the first"), field="occurred_to"))
    if allegation_in.occurred_from > date.today():
        errors.append(
            InvalidInput(N_("the day it happened is in the future"), field="occurred_from")
        )
    if (allegation_in.latitude is None) != (allegation_in.longitude is None):
        errors.append(
            InvalidInput(N_("give both latitude and longitude, or neither"), field="longitude")
        )
    codes, bad = _check_violations(allegation_in.violations)
    errors += bad
    for index, source in enumerate(allegation_in.sources):
        if not source.description.strip():
            errors.append(
                InvalidInput(N_("describe the source"), field=f"sources.{index}.description")
            )
        if source.reliability not in vocab.admiralty("reliability"):
            errors.append(
                InvalidInput(
                    N_("source reliability must be a letter from A to F"),
                    field=f"sources.{index}.reliability",
                )
            )
        if str(source.credibility) not in vocab.admiralty("credibility"):
            errors.append(
                InvalidInput(
                    N_("information credibility must be a number from 1 to 6"),
                    field=f"sources.{index}.credibility",
                )
            )
    for index, party in enumerate(allegation_in.parties):
        if party.role.strip().lower() not in PARTY_ROLES:
            errors.append(
                InvalidInput(
                    N_("a party is a victim or a witness, not {value}"),
                    field=f"parties.{index}.role",
                    value=party.role,
                )
            )
        if not party.name.strip():
            errors.append(
                InvalidInput(
                    N_("give the victim's or witness's name"), field=f"parties.{index}.name"
                )
            )
    return codes, errors


def _check_entities(
    session: Session, actor: Actor, allegation_in: AllegationCreate
) -> tuple[str | None, list[str], list[InvalidInput]]:
    """The unit and persons named, each an entity the filer may see (missing and hidden
    alike are refused with one message)."""
    visible = visible_marking_ids(session=session, actor=actor)
    unit = (allegation_in.unit_entity_id or "").strip() or None
    persons = list(dict.fromkeys(p.strip() for p in allegation_in.perpetrators if p.strip()))
    seen = _seen_entities(session, visible, [*([unit] if unit else []), *persons])
    errors: list[InvalidInput] = []
    if unit is not None and unit not in seen:
        errors.append(
            InvalidInput(
                N_("no entity {value} that you may see"), field="unit_entity_id", value=unit
            )
        )
    for index, person in enumerate(persons):
        if person not in seen:
            errors.append(
                InvalidInput(
                    N_("no entity {value} that you may see"),
                    field=f"perpetrators.{index}",
                    value=person,
                )
            )
    return unit, persons, errors


def file_allegation(
    *, session: Session, actor: Actor, allegation_in: AllegationCreate
) -> Allegation:
    """Store an allegation, its sources and its protected parties, all or nothing."""
    agency = _filer(actor)
    codes, errors = _check(allegation_in)
    unit, persons, bad = _check_entities(session, actor, allegation_in)
    errors += bad
    markings: Markings | None = None
    try:
        markings = markings_from_input(
            session=session, actor=actor, markings_in=allegation_in.markings
        )
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        errors.append(error)
    party_marks: list[Markings] = []
    if markings is not None:
        for index, party in enumerate(allegation_in.parties):
            try:
                party_marks.append(_party_markings(session, actor, markings, index, party))
            except InvalidInput as error:
                errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None and markings.originator == agency
    allegation = Allegation(
        id=_new_id(),
        summary_en=allegation_in.summary_en.strip(),
        summary_es=allegation_in.summary_es.strip(),
        occurred_from=allegation_in.occurred_from,
        occurred_to=allegation_in.occurred_to or allegation_in.occurred_from,
        state=allegation_in.state.strip(),
        municipality=allegation_in.municipality.strip(),
        latitude=allegation_in.latitude,
        longitude=allegation_in.longitude,
        unit_entity_id=unit,
        status=FIRST_STATUS,
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(allegation)
    session.flush()
    session.add_all(AllegationViolation(allegation_id=allegation.id, code=c) for c in codes)
    session.add_all(
        AllegationPerpetrator(allegation_id=allegation.id, entity_id=p) for p in persons
    )
    session.add_all(
        AllegationSource(
            allegation_id=allegation.id,
            description=s.description.strip(),
            reliability=s.reliability,
            credibility=s.credibility,
        )
        for s in allegation_in.sources
    )
    for party, marks in zip(allegation_in.parties, party_marks, strict=True):
        session.add(
            AllegationParty(
                allegation_id=allegation.id,
                role=party.role.strip().lower(),
                name=party.name.strip(),
                details=party.details.strip(),
                marking_id=marking_id_for(session=session, markings=marks),
            )
        )
    session.add(
        AllegationStatusChange(
            allegation_id=allegation.id,
            actor=actor.username or "",
            from_status=None,
            to_status=FIRST_STATUS,
        )
    )
    # The audit row names the allegation alone: how many victims or witnesses it has is
    # part of what their markings protect.
    record(
        session=session,
        actor=actor,
        action="write",
        kind="allegation",
        target=allegation.id,
        ids=[allegation.id],
        detail={"change": "filed", "status": FIRST_STATUS, "markings": markings.signature()},
    )
    session.flush()
    return allegation


def _visible(session: Session, actor: Actor, allegation_id: str) -> Allegation:
    return visible_item(
        session=session,
        actor=actor,
        model=Allegation,
        item_id=allegation_id,
        missing=N_("no such allegation"),
    )


def get_allegation(*, session: Session, actor: Actor, allegation_id: str) -> AllegationRead:
    allegation = _visible(session, actor, allegation_id)
    return allegation_read(session=session, actor=actor, allegation=allegation)


def set_status(
    *, session: Session, actor: Actor, allegation_id: str, status_in: StatusUpdate
) -> Allegation:
    """Move the allegation to another status; the change is kept as history and on the
    audit chain. One the actor may not see answers as a missing one."""
    allegation = _visible(session, actor, allegation_id)
    _filer(actor)
    status = status_in.status.strip().lower()
    reason = status_in.reason.strip()
    if status not in vocab.allegation_statuses():
        raise InvalidInput(
            N_("unknown allegation status {value}"), field="status", value=status_in.status
        )
    if status == allegation.status:
        raise InvalidInput(
            N_("the allegation is already {value}"),
            field="status",
            value=vocab.allegation_statuses().label(status, actor.locale),
        )
    if status in NEEDS_REASON and not reason:
        raise InvalidInput(N_("give the reason for this decision"), field="reason")
    before = allegation.status
    allegation.status = status
    allegation.updated_at = utcnow()
    session.add(
        AllegationStatusChange(
            allegation_id=allegation.id,
            actor=actor.username or "",
            from_status=before,
            to_status=status,
            reason=reason,
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="allegation",
        target=allegation.id,
        ids=[allegation.id],
        # The reason is content: it stays in the history, which only the allegation's
        # readers see; the trail holds what changed, by whom and when.
        detail={"change": "status", "from": before, "to": status},
    )
    session.flush()
    return allegation


def _violations(
    session: Session, ids: Sequence[str], locale: str
) -> dict[str, list[ViolationRead]]:
    found: dict[str, list[ViolationRead]] = {i: [] for i in ids}
    rows = session.execute(
        select(AllegationViolation.allegation_id, AllegationViolation.code)
        .where(AllegationViolation.allegation_id.in_(ids))
        .order_by(AllegationViolation.allegation_id, AllegationViolation.code)
    )
    for allegation_id, code in rows:
        found[allegation_id].append(
            ViolationRead(code=code, label=vocab.violations().label(code, locale))
        )
    return found


def _summary(
    allegation: Allegation,
    violations: list[ViolationRead],
    marks: Markings,
    unit: str | None,
    locale: str,
) -> AllegationSummary:
    return AllegationSummary(
        id=allegation.id,
        summary_en=allegation.summary_en,
        summary_es=allegation.summary_es,
        occurred_from=allegation.occurred_from,
        occurred_to=allegation.occurred_to,
        state=allegation.state,
        municipality=allegation.municipality,
        violations=violations,
        unit_entity_id=unit,
        status=allegation.status,
        status_label=vocab.allegation_statuses().label(allegation.status, locale),
        markings=markings_read(marks),
        created_at=allegation.created_at,
    )


def allegation_read(*, session: Session, actor: Actor, allegation: Allegation) -> AllegationRead:
    """The allegation as the actor may see it: parties, unit and persons only as far as
    their own markings (and the entities' statements) let the actor see them."""
    visible = visible_marking_ids(session=session, actor=actor)
    persons = list(
        session.execute(
            select(AllegationPerpetrator.entity_id)
            .where(AllegationPerpetrator.allegation_id == allegation.id)
            .order_by(AllegationPerpetrator.entity_id)
        ).scalars()
    )
    named = [*persons, *([allegation.unit_entity_id] if allegation.unit_entity_id else [])]
    seen = _seen_entities(session, visible, named)
    parties = list(
        session.execute(
            select(AllegationParty)
            .where(
                AllegationParty.allegation_id == allegation.id,
                AllegationParty.marking_id.in_(visible),
            )
            .order_by(AllegationParty.id)
        ).scalars()
    )
    sources = session.execute(
        select(AllegationSource)
        .where(AllegationSource.allegation_id == allegation.id)
        .order_by(AllegationSource.id)
    ).scalars()
    history = session.execute(
        select(AllegationStatusChange)
        .where(AllegationStatusChange.allegation_id == allegation.id)
        .order_by(AllegationStatusChange.id)
    ).scalars()
    marks = markings_by_id(
        session=session, ids={allegation.marking_id, *(p.marking_id for p in parties)}
    )
    locale = actor.locale
    unit = allegation.unit_entity_id if allegation.unit_entity_id in seen else None
    # Only what was shown is recorded: a party the reader was not shown is not named here.
    record(
        session=session,
        actor=actor,
        action="read",
        kind="allegation",
        target=allegation.id,
        ids=[allegation.id, *(f"allegation-party:{p.id}" for p in parties)],
    )
    summary = _summary(
        allegation,
        _violations(session, [allegation.id], locale)[allegation.id],
        marks[allegation.marking_id],
        unit,
        locale,
    )
    return AllegationRead(
        **summary.model_dump(),
        latitude=allegation.latitude,
        longitude=allegation.longitude,
        perpetrators=[p for p in persons if p in seen],
        sources=[
            SourceRead(
                description=s.description, reliability=s.reliability, credibility=s.credibility
            )
            for s in sources
        ],
        parties=[
            PartyRead(
                role=p.role,
                role_label=_party_role(p.role, locale),
                name=p.name,
                details=p.details,
                markings=markings_read(marks[p.marking_id]),
            )
            for p in parties
        ],
        history=[
            StatusChangeRead(
                at=h.at,
                actor=h.actor,
                from_status=h.from_status,
                to_status=h.to_status,
                reason=h.reason,
            )
            for h in history
        ],
        created_by=allegation.created_by,
    )


def _party_role(role: str, locale: str) -> str:
    return gettext(locale, PARTY_ROLES.get(role, role))


def list_allegations(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    unit: str | None = None,
    status: str | None = None,
    violation: str | None = None,
) -> AllegationList:
    """Newest first, only the allegations the actor may see; `total` counts only those. A
    unit the actor may not see matches nothing, as a unit that does not exist."""
    visible = visible_marking_ids(session=session, actor=actor)
    where: list[ColumnElement[bool]] = [Allegation.marking_id.in_(visible)]
    if status is not None:
        code = status.strip().lower()
        if code not in vocab.allegation_statuses():
            raise InvalidInput(
                N_("unknown allegation status {value}"), field="status", value=status
            )
        where.append(Allegation.status == code)
    if violation is not None:
        code = violation.strip().lower()
        if code not in vocab.violations():
            raise InvalidInput(N_("unknown violation {value}"), field="violation", value=violation)
        where.append(
            Allegation.id.in_(
                select(AllegationViolation.allegation_id).where(AllegationViolation.code == code)
            )
        )
    if unit is not None:
        wanted = unit.strip()
        # A hidden unit matches nothing, as a missing one does (never `IS NULL`, which
        # would match every allegation that names no unit).
        seen = wanted in _seen_entities(session, visible, [wanted])
        where.append(Allegation.unit_entity_id == wanted if seen else false())
    rows, more, total = newest_page(session, Allegation, where, cursor, limit)
    marks = markings_by_id(session=session, ids={a.marking_id for a in rows})
    violations = _violations(session, [a.id for a in rows], actor.locale)
    units = _seen_entities(session, visible, {a.unit_entity_id for a in rows if a.unit_entity_id})
    record(session=session, actor=actor, action="list", kind="allegation", ids=[a.id for a in rows])
    return AllegationList(
        items=[
            _summary(
                a,
                violations[a.id],
                marks[a.marking_id],
                a.unit_entity_id if a.unit_entity_id in units else None,
                actor.locale,
            )
            for a in rows
        ],
        total=total,
        next_cursor=encode_key(rows[-1].id) if more and rows else None,
    )


__all__ = [
    "MONITORS",
    "allegation_read",
    "file_allegation",
    "get_allegation",
    "list_allegations",
    "set_status",
]
