"""Leahy vetting: requests for a person or a unit, screened, decided, and the gate on
assistance that refuses a subject without a valid approval.

A request carries a marking like an allegation: every read filters by
`visible_marking_ids`, so one the reader may not see answers exactly as one that does not
exist. The subject is screened through identity resolution's screening (resolve/screening)
for each reader, against the entities that reader may see, and the allegations that reader
may see naming the subject or a hit (as unit or alleged perpetrator) are listed with it; a
hit on an entity the reader may not see is not shown and not counted. ../shared/MARKINGS.md
lists the deconfliction pointer for targets and operations only, so vetting gives no
pointer to hidden hits.

Every decision is kept as history and written to the audit chain with who, when and why.
"expired" is never stored: an approval whose last valid day has passed reads as expired.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidFields, InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.service import (
    assemble_rows,
    captions,
    markings_from_input,
    markings_read,
    visible_statements,
)
from vinculo.oversight.allegation_models import (
    Allegation,
    AllegationPerpetrator,
    AllegationViolation,
)
from vinculo.oversight.vetting_models import VettingDecision, VettingRequest
from vinculo.oversight.vetting_schemas import (
    AllegationHitRead,
    DecisionIn,
    DecisionRead,
    HitRead,
    VettingCreate,
    VettingList,
    VettingRead,
    VettingSummary,
)
from vinculo.pagination import encode_key, newest_page
from vinculo.resolve import screening
from vinculo.resolve.scoring import screen_batch_scorer, screen_scorer
from vinculo.resolve.service import BatchScreenScorer, ScreenScorer
from vinculo.resolve.store import canonical_ids
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)
from vinculo.security.roles import Permission, allowed, require
from vinculo.settings import default_of

KINDS = ("person", "unit")
# The schemas a subject entity may have, by kind: a unit is a public body or organisation.
KIND_SCHEMAS = {
    "person": frozenset({"Person"}),
    "unit": frozenset({"PublicBody", "Organization", "Company", "LegalEntity"}),
}
PURPOSES = {
    "training": N_("training seat"),
    "equipment": N_("equipment transfer"),
    "disbursement": N_("disbursement"),
    "other": N_("other assistance"),
}
STATUSES = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "suspended": N_("suspended"),
    "denied": N_("denied"),
    "expired": N_("expired"),
}
# What a decision may set; "pending" is where a request starts, "expired" comes of the date.
DECIDED = ("approved", "suspended", "denied")
HITS = 10


class NotVetted(Forbidden):
    """Assistance to a subject without a valid approval for that purpose. The gate knows
    no reader, so the status and purpose it names are put in the reader's language here."""

    def detail(self, locale: str) -> str:
        params = {
            key: gettext(locale, str(value)) if key in ("status", "purpose") else value
            for key, value in self.params.items()
        }
        return gettext(locale, self.message, **params)


def _new_id() -> str:
    return secrets.token_hex(8)


def status_on(request: VettingRequest, on: date) -> str:
    """The request's status on a day: an approval past its last valid day is expired."""
    if request.status == "approved" and request.valid_until and request.valid_until < on:
        return "expired"
    return request.status


def _requester(actor: Actor) -> str:
    """Programme staff (who file reports) and vetters may ask for vetting."""
    if not allowed(actor, Permission.FILE_REPORT):
        require(actor, Permission.VET)
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    return actor.agency


def _subject_entity(
    session: Session, actor: Actor, visible: list[int], request: VettingRequest
) -> Any:
    """The subject to screen as the actor sees it: the stored entity from the statements the
    actor may see, or one made of the name and birth date; None when there is nothing."""
    if request.subject_entity_id:
        rows = visible_statements(
            session=session, entity_ids=[request.subject_entity_id], visible=visible
        ).get(request.subject_entity_id)
        return assemble_rows(rows) if rows else None
    return screening.query_entity(
        _query(request.subject_kind, request.subject_name, request.birth_date)
    )


def _query(kind: str, name: str, birth_date: date | None) -> dict[str, Any]:
    """The FtM entity screened for a subject not yet stored."""
    schema = "Person" if kind == "person" else "PublicBody"
    properties: dict[str, list[str]] = {"name": [name.strip()]}
    if birth_date and schema == "Person":
        properties["birthDate"] = [birth_date.isoformat()]
    return {"schema": schema, "properties": properties}


def hits_for(
    *, session: Session, actor: Actor, request: VettingRequest, scorer: ScreenScorer
) -> list[HitRead]:
    """The subject screened against what the actor may see, best first, the subject itself
    (and the identity it is resolved into) left out."""
    visible = visible_marking_ids(session=session, actor=actor)
    entity = _subject_entity(session, actor, visible, request)
    if entity is None:
        return []
    own: set[str] = set()
    if request.subject_entity_id:
        own = {request.subject_entity_id}
        own |= set(
            canonical_ids(
                session=session, actor=actor, entity_ids=[request.subject_entity_id]
            ).values()
        )
    found, _total = screening.screen(
        session=session, actor=actor, entity=entity, scorer=scorer, limit=HITS + len(own)
    )
    return [
        HitRead(
            entity_id=str(c.entity.id),
            schema_=c.entity.schema.name,
            caption=c.entity.caption,
            score=round(c.score, 4),
            features=c.explanation,
        )
        for c in found
        if str(c.entity.id) not in own
    ][:HITS]


def screen_requests(
    *,
    session: Session,
    actor: Actor,
    requests: Sequence[VettingRequest],
    scorer: BatchScreenScorer | None = None,
) -> dict[str, list[HitRead]]:
    """hits_for of many requests in one pass (screening.screen_many): each request's hits,
    by request id, exactly as hits_for gives them to the same actor.

    The policy is the same one: each subject is what the actor may see of it, and each hit
    is screened from the statements the actor may see, so a statement the actor may not see
    neither finds nor shapes a hit.
    """
    threshold = float(default_of("screening_threshold"))
    visible = visible_marking_ids(session=session, actor=actor)
    stored = [r.subject_entity_id for r in requests if r.subject_entity_id]
    rows = visible_statements(session=session, entity_ids=stored, visible=visible)
    canon = canonical_ids(session=session, actor=actor, entity_ids=stored) if stored else {}
    out: dict[str, list[HitRead]] = {r.id: [] for r in requests}
    asked: list[tuple[VettingRequest, Any, set[str]]] = []
    for request in requests:
        own: set[str] = set()
        if request.subject_entity_id:
            seen = rows.get(request.subject_entity_id)
            if not seen:
                continue
            entity = assemble_rows(seen)
            own = {request.subject_entity_id, canon[request.subject_entity_id]}
        else:
            entity = screening.query_entity(
                _query(request.subject_kind, request.subject_name, request.birth_date)
            )
        asked.append((request, entity, own))
    answers = screening.screen_many(
        session=session,
        actor=actor,
        entities=[entity for _, entity, _ in asked],
        scorer=scorer or screen_batch_scorer(threshold=threshold),
        threshold=threshold,
        limit=[HITS + len(own) for _, _, own in asked],
    )
    for (request, _entity, own), (found, _total) in zip(asked, answers, strict=True):
        out[request.id] = [
            HitRead(
                entity_id=str(c.entity.id),
                schema_=c.entity.schema.name,
                caption=c.entity.caption,
                score=round(c.score, 4),
                features=c.explanation,
            )
            for c in found
            if str(c.entity.id) not in own
        ][:HITS]
    return out


def allegations_for(
    *, session: Session, actor: Actor, entity_ids: Sequence[str]
) -> list[AllegationHitRead]:
    """Allegations the actor may see that name one of `entity_ids` (each an entity the
    actor sees: the subject or a hit) as their unit or an alleged perpetrator, newest first."""
    ids = list(dict.fromkeys(entity_ids))
    visible = visible_marking_ids(session=session, actor=actor)
    if not ids or not visible:
        return []
    named: dict[str, tuple[str, str]] = {}
    as_unit = select(Allegation.id, Allegation.unit_entity_id).where(
        Allegation.unit_entity_id.in_(ids), Allegation.marking_id.in_(visible)
    )
    for allegation_id, entity_id in session.execute(as_unit):
        named.setdefault(allegation_id, (str(entity_id), "unit"))
    as_person = (
        select(AllegationPerpetrator.allegation_id, AllegationPerpetrator.entity_id)
        .join(Allegation, Allegation.id == AllegationPerpetrator.allegation_id)
        .where(AllegationPerpetrator.entity_id.in_(ids), Allegation.marking_id.in_(visible))
    )
    for allegation_id, entity_id in session.execute(as_person):
        named.setdefault(allegation_id, (entity_id, "perpetrator"))
    if not named:
        return []
    rows = session.execute(
        select(Allegation).where(Allegation.id.in_(named)).order_by(Allegation.seq.desc())
    ).scalars()
    codes: dict[str, list[str]] = {i: [] for i in named}
    for allegation_id, code in session.execute(
        select(AllegationViolation.allegation_id, AllegationViolation.code)
        .where(AllegationViolation.allegation_id.in_(named))
        .order_by(AllegationViolation.code)
    ):
        codes[allegation_id].append(code)
    locale = actor.locale
    return [
        AllegationHitRead(
            id=a.id,
            entity_id=named[a.id][0],
            named_as=named[a.id][1],
            status=a.status,
            status_label=vocab.allegation_statuses().label(a.status, locale),
            occurred_from=a.occurred_from,
            violations=codes[a.id],
            violation_labels=[vocab.violations().label(c, locale) for c in codes[a.id]],
        )
        for a in rows
    ]


def _check(
    session: Session, actor: Actor, request_in: VettingCreate
) -> tuple[str, str, str | None, list[InvalidInput]]:
    errors: list[InvalidInput] = []
    kind = request_in.subject_kind.strip().lower()
    purpose = request_in.purpose.strip().lower()
    entity_id = (request_in.subject_entity_id or "").strip() or None
    if kind not in KINDS:
        errors.append(
            InvalidInput(
                N_("the subject is a person or a unit, not {value}"),
                field="subject_kind",
                value=request_in.subject_kind,
            )
        )
    if purpose not in PURPOSES:
        errors.append(
            InvalidInput(
                N_("unknown vetting purpose {value}"), field="purpose", value=request_in.purpose
            )
        )
    if not request_in.programme_officer.strip():
        errors.append(
            InvalidInput(
                N_("name the programme officer asking for vetting"), field="programme_officer"
            )
        )
    if entity_id is not None:
        visible = visible_marking_ids(session=session, actor=actor)
        seen = captions(session=session, entity_ids=[entity_id], visible=visible)
        if entity_id not in seen:
            errors.append(
                InvalidInput(
                    N_("no entity {value} that you may see"),
                    field="subject_entity_id",
                    value=entity_id,
                )
            )
        elif kind in KIND_SCHEMAS and seen[entity_id][0] not in KIND_SCHEMAS[kind]:
            wrong = {
                "person": N_("entity {value} is not a person"),
                "unit": N_("entity {value} is not a unit"),
            }
            errors.append(InvalidInput(wrong[kind], field="subject_entity_id", value=entity_id))
    elif not request_in.subject_name.strip():
        errors.append(
            InvalidInput(
                N_("give the subject's entity id, or the name of someone not yet stored"),
                field="subject_name",
            )
        )
    if entity_id is None and request_in.subject_name.strip() and kind in KINDS:
        try:
            screening.query_entity(_query(kind, request_in.subject_name, request_in.birth_date))
        except InvalidInput as error:
            error.field = "subject_name"
            errors.append(error)
    if request_in.birth_date and request_in.birth_date > date.today():
        errors.append(InvalidInput(N_("the birth date is in the future"), field="birth_date"))
    return kind, purpose, entity_id, errors


def request_vetting(*, session: Session, actor: Actor, request_in: VettingCreate) -> VettingRequest:
    """Store a pending request, all or nothing; it is screened on every read (hits_for)."""
    agency = _requester(actor)
    kind, purpose, entity_id, errors = _check(session, actor, request_in)
    markings: Markings | None = None
    try:
        markings = markings_from_input(
            session=session, actor=actor, markings_in=request_in.markings
        )
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None and markings.originator == agency
    request = VettingRequest(
        id=_new_id(),
        subject_kind=kind,
        subject_entity_id=entity_id,
        # A stored subject is named by its entity, as each reader sees it, never by a copy.
        subject_name="" if entity_id else request_in.subject_name.strip(),
        birth_date=None if entity_id else request_in.birth_date,
        purpose=purpose,
        programme_officer=request_in.programme_officer.strip(),
        status="pending",
        marking_id=marking_id_for(session=session, markings=markings),
        created_by=actor.username or "",
    )
    session.add(request)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="vetting",
        target=request.id,
        ids=[request.id],
        detail={"change": "requested", "purpose": purpose, "markings": markings.signature()},
    )
    return request


def _visible(session: Session, actor: Actor, request_id: str) -> VettingRequest:
    return visible_item(
        session=session,
        actor=actor,
        model=VettingRequest,
        item_id=request_id,
        missing=N_("no such vetting request"),
    )


def decide(
    *, session: Session, actor: Actor, request_id: str, decision_in: DecisionIn
) -> VettingRequest:
    """Approve (with a validity period), suspend or deny, saying why; kept as history and
    on the audit chain. A request the actor may not see answers as a missing one."""
    request = _visible(session, actor, request_id)
    require(actor, Permission.VET)
    status = decision_in.status.strip().lower()
    reason = decision_in.reason.strip()
    errors: list[InvalidInput] = []
    if status not in DECIDED:
        errors.append(
            InvalidInput(
                N_("a decision approves, suspends or denies, not {value}"),
                field="status",
                value=decision_in.status,
            )
        )
    if not reason:
        errors.append(InvalidInput(N_("say why you decide so"), field="reason"))
    first = decision_in.valid_from or date.today()
    last = decision_in.valid_until
    if status == "approved":
        if last is None:
            errors.append(
                InvalidInput(N_("an approval needs its last valid day"), field="valid_until")
            )
        elif last < first:
            errors.append(
                InvalidInput(N_("the last valid day comes before the first"), field="valid_until")
            )
    elif decision_in.valid_from or decision_in.valid_until:
        errors.append(
            InvalidInput(N_("only an approval has a validity period"), field="valid_until")
        )
    if errors:
        raise InvalidFields(errors)
    before = status_on(request, date.today())
    request.status = status
    request.valid_from, request.valid_until = (
        (first, last) if status == "approved" else (None, None)
    )
    request.decided_at = utcnow()
    session.add(
        VettingDecision(
            request_id=request.id,
            actor=actor.username or "",
            from_status=before,
            to_status=status,
            reason=reason,
            valid_from=request.valid_from,
            valid_until=request.valid_until,
            duty_to_inform=decision_in.duty_to_inform.strip(),
            remediation=decision_in.remediation.strip(),
        )
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="vetting",
        target=request.id,
        ids=[request.id],
        detail={
            "change": "decision",
            "from": before,
            "to": status,
            "reason": reason,
            "valid_from": request.valid_from,
            "valid_until": request.valid_until,
            "duty_to_inform": bool(decision_in.duty_to_inform.strip()),
            "remediation": bool(decision_in.remediation.strip()),
        },
    )
    session.flush()
    return request


def _summary(
    request: VettingRequest, marks: Markings, subject: str | None, name: str, locale: str
) -> VettingSummary:
    status = status_on(request, date.today())
    return VettingSummary(
        id=request.id,
        subject_kind=request.subject_kind,
        subject_entity_id=subject,
        subject_name=name,
        birth_date=request.birth_date,
        purpose=request.purpose,
        purpose_label=gettext(locale, PURPOSES[request.purpose]),
        programme_officer=request.programme_officer,
        status=status,
        status_label=gettext(locale, STATUSES[status]),
        valid_from=request.valid_from,
        valid_until=request.valid_until,
        markings=markings_read(marks),
        created_by=request.created_by,
        created_at=request.created_at,
    )


def _summaries(
    session: Session, actor: Actor, requests: Sequence[VettingRequest]
) -> list[VettingSummary]:
    """Each request as the actor may see it: a stored subject is named (by its id and
    caption) only when the actor may see that entity."""
    visible = visible_marking_ids(session=session, actor=actor)
    marks = markings_by_id(session=session, ids={r.marking_id for r in requests})
    seen = captions(
        session=session,
        entity_ids=[r.subject_entity_id for r in requests if r.subject_entity_id],
        visible=visible,
    )
    out = []
    for r in requests:
        shown = r.subject_entity_id if r.subject_entity_id in seen else None
        name = seen[shown][1] if shown else r.subject_name
        out.append(_summary(r, marks[r.marking_id], shown, name, actor.locale))
    return out


def vetting_read(
    *,
    session: Session,
    actor: Actor,
    request: VettingRequest,
    scorer: ScreenScorer | None = None,
) -> VettingRead:
    """The request with its screening hits (as the actor may see them) and its history."""
    summary = _summaries(session, actor, [request])[0]
    history = session.execute(
        select(VettingDecision)
        .where(VettingDecision.request_id == request.id)
        .order_by(VettingDecision.id)
    ).scalars()
    hits = hits_for(session=session, actor=actor, request=request, scorer=scorer or screen_scorer())
    subject = [summary.subject_entity_id] if summary.subject_entity_id else []
    alleged = allegations_for(
        session=session, actor=actor, entity_ids=subject + [h.entity_id for h in hits]
    )
    record(session=session, actor=actor, action="read", kind="vetting", ids=[request.id])
    return VettingRead(
        **summary.model_dump(),
        hits=hits,
        allegations=alleged,
        history=[
            DecisionRead(
                at=d.at,
                actor=d.actor,
                from_status=d.from_status,
                to_status=d.to_status,
                reason=d.reason,
                valid_from=d.valid_from,
                valid_until=d.valid_until,
                duty_to_inform=d.duty_to_inform,
                remediation=d.remediation,
            )
            for d in history
        ],
    )


def get_vetting(
    *, session: Session, actor: Actor, request_id: str, scorer: ScreenScorer | None = None
) -> VettingRead:
    request = _visible(session, actor, request_id)
    return vetting_read(session=session, actor=actor, request=request, scorer=scorer)


def list_vetting(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    limit: int = 25,
    subject: str | None = None,
    purpose: str | None = None,
    status: str | None = None,
) -> VettingList:
    """Newest first, only the requests the actor may see; `total` counts only those. A
    subject filter matches an entity id only when the actor may see that entity."""
    visible = visible_marking_ids(session=session, actor=actor)
    where: list[ColumnElement[bool]] = [VettingRequest.marking_id.in_(visible)]
    today = date.today()
    if subject is not None:
        seen = captions(session=session, entity_ids=[subject], visible=visible)
        where.append(
            VettingRequest.subject_entity_id == subject
            if subject in seen
            else VettingRequest.subject_name == subject
        )
    if purpose is not None:
        where.append(VettingRequest.purpose == purpose.strip().lower())
    if status is not None:
        wanted = status.strip().lower()
        if wanted not in STATUSES:
            raise InvalidInput(N_("unknown vetting status {value}"), field="status", value=status)
        lapsed = VettingRequest.valid_until < today
        if wanted == "expired":
            where += [VettingRequest.status == "approved", lapsed]
        elif wanted == "approved":
            where += [VettingRequest.status == "approved", ~lapsed]
        else:
            where.append(VettingRequest.status == wanted)
    page, more, total = newest_page(session, VettingRequest, where, cursor, limit)
    record(session=session, actor=actor, action="list", kind="vetting", ids=[r.id for r in page])
    return VettingList(
        items=_summaries(session, actor, page),
        total=total,
        next_cursor=encode_key(page[-1].id) if more and page else None,
    )


def require_valid_approval(
    *, session: Session, subject_entity_id: str, purpose: str, on: date
) -> VettingRequest:
    """The approval that lets assistance of `purpose` reach the subject on `on`, or
    NotVetted naming the subject and the reason.

    A suspension or denial is of the subject: while the subject's latest decision is one,
    every purpose is refused. Otherwise an approval for this purpose valid on `on` is
    needed. This is a check of the system, not a read: it runs whatever the markings of the
    requests, and its refusal names only the subject the caller gave and a status.
    """
    requests = list(
        session.execute(
            select(VettingRequest)
            .where(VettingRequest.subject_entity_id == subject_entity_id)
            .order_by(VettingRequest.seq)
        ).scalars()
    )
    decided = [r for r in requests if r.decided_at is not None]
    if decided:
        latest = max(decided, key=lambda r: (r.decided_at, r.seq))
        if latest.status in ("suspended", "denied"):
            raise NotVetted(
                N_("{subject} is {status} in Leahy vetting: no assistance may reach it"),
                field="subject",
                subject=subject_entity_id,
                status=STATUSES[latest.status],
            )
    mine = [r for r in requests if r.purpose == purpose]
    if not mine:
        raise NotVetted(
            N_("{subject} has no vetting request for {purpose}"),
            field="subject",
            subject=subject_entity_id,
            purpose=PURPOSES.get(purpose, purpose),
        )
    for request in reversed(mine):
        first = request.valid_from or on
        if status_on(request, on) == "approved" and first <= on:
            return request
    latest = mine[-1]
    if latest.status == "approved" and latest.valid_until and latest.valid_until < on:
        raise NotVetted(
            N_("{subject}'s vetting approval for {purpose} expired on {date}"),
            field="subject",
            subject=subject_entity_id,
            purpose=PURPOSES.get(purpose, purpose),
            date=latest.valid_until.isoformat(),
        )
    if latest.status == "approved" and latest.valid_from:
        raise NotVetted(
            N_("{subject}'s vetting approval for {purpose} is valid only from {date}"),
            field="subject",
            subject=subject_entity_id,
            purpose=PURPOSES.get(purpose, purpose),
            date=latest.valid_from.isoformat(),
        )
    raise NotVetted(
        N_("{subject}'s vetting for {purpose} is {status}"),
        field="subject",
        subject=subject_entity_id,
        purpose=PURPOSES.get(purpose, purpose),
        status=STATUSES[status_on(latest, on)],
    )
