"""Triage inside: the submissions pulled from the public site, stored, marked and worked.

Every submission is marked, on arrival, TLP:AMBER+STRICT for the receiving agency
(`VINCULO_CIVIC_AGENCY`) and the need-to-know group `civic-triage`: the one policy
(`visible_marking_ids`) decides who reads it, and a submission a reader may not see answers
exactly as one that does not exist. The `triager` role grants the acts (spam, reply, status,
refer, link), never the reading.

A pull stores what it opened and commits before it acknowledges: a crash between the two
leaves the submissions on the public site, and the next pull stores them once (by the
digest of what was opened).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from vinculo import vocab
from vinculo.civic import client
from vinculo.civic.client import Pulled
from vinculo.civic.crypto import read_private_key
from vinculo.civic.models import (
    CivicAddition,
    CivicAttachment,
    CivicLink,
    CivicOutcome,
    CivicReply,
    CivicSubmission,
)
from vinculo.civic.portal import Outcome
from vinculo.civic.schemas import (
    AdditionRead,
    AttachmentRead,
    LinkRead,
    OutcomeRead,
    ReplyRead,
    SubmissionList,
    SubmissionRead,
    SubmissionSummary,
)
from vinculo.db import transaction
from vinculo.errors import InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_, gettext
from vinculo.intel.schemas import MarkingsIn, ReportCreate
from vinculo.intel.service import captions, create_report, markings_read
from vinculo.oversight.allegation_schemas import AllegationCreate, SourceIn
from vinculo.oversight.allegations import file_allegation
from vinculo.pagination import encode_key, newest_page
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import (
    marking_id_for,
    markings_by_id,
    visible_item,
    visible_marking_ids,
)
from vinculo.security.roles import Permission, require
from vinculo.security.service import ensure_group
from vinculo.settings import Settings

log = logging.getLogger("vinculo.civic")

TRIAGE_GROUP = "civic-triage"
STATUSES = {
    "received": N_("Received"),
    "under_review": N_("Under review"),
    "referred": N_("Referred"),
    "closed": N_("Closed"),
}
KIND = "civic_submission"


class NotConfigured(InvalidInput):
    """A civic setting the pull or a reply needs is missing."""


# --- the pull ----------------------------------------------------------------------------


def submission_markings(session: Session, agency: str) -> Markings:
    """What every submission carries: the receiving agency only (AMBER+STRICT, its nation),
    and within it the triagers' need-to-know group."""
    ensure_group(
        session=session,
        code=TRIAGE_GROUP,
        name_en="Civic channel triage",
        name_es="Clasificación del canal ciudadano",
    )
    return Markings.create(tlp="AMBER+STRICT", originator=agency, rel_to=[], groups=[TRIAGE_GROUP])


def _digest(payload: dict[str, object]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def _attachments(pulled: Pulled) -> list[CivicAttachment]:
    found = []
    for index, item in enumerate(pulled.payload.get("attachments") or []):
        data = pulled.attachment(index)
        found.append(
            CivicAttachment(
                name=str(item.get("name", ""))[:255],
                content_type=str(item.get("content_type", ""))[:100],
                size=len(data),
                data=data,
            )
        )
    return found


def store_pulled(session: Session, *, pulled: Sequence[Pulled], agency: str) -> list[str]:
    """Store what a pull opened (each once); the ids of the new submissions. An addition
    whose report is not here (yet, or any more) is kept as a submission of its own."""
    marking_id = marking_id_for(session=session, markings=submission_markings(session, agency))
    made: list[str] = []
    for item in pulled:
        payload = item.payload
        digest = _digest(payload)
        seen = (
            session.execute(
                select(CivicSubmission.id).where(CivicSubmission.digest == digest)
            ).first()
            or session.execute(
                select(CivicAddition.id).where(CivicAddition.digest == digest)
            ).first()
        )
        if seen:
            continue
        parent = None
        if payload.get("kind") == "addition":
            parent = (
                session.execute(
                    select(CivicSubmission)
                    .where(CivicSubmission.receipt == item.receipt)
                    .order_by(CivicSubmission.seq)
                )
                .scalars()
                .first()
            )
        files = _attachments(item)
        if parent is not None:
            addition = CivicAddition(
                submission_id=parent.id, digest=digest, what=str(payload.get("what", ""))
            )
            session.add(addition)
            session.flush()
            for file in files:
                file.submission_id = parent.id
                file.addition_id = addition.id
            session.add_all(files)
            parent.updated_at = utcnow()
            record(
                session=session,
                actor=None,
                action="write",
                kind=KIND,
                target=parent.id,
                ids=[parent.id],
                detail={"change": "addition pulled"},
            )
            continue
        submission = CivicSubmission(
            id=secrets.token_hex(8),
            digest=digest,
            receipt=item.receipt,
            reply_key=item.reply_key,
            lang=str(payload.get("lang", "es"))[:8],
            category=str(payload.get("category", "other"))[:64],
            state=str(payload.get("state", ""))[:16],
            municipality=str(payload.get("municipality", ""))[:200],
            occurred_on=str(payload.get("when", ""))[:10],
            what=str(payload.get("what", "")),
            received_on=str(payload.get("received_on", ""))[:10],
            status="received",
            spam=False,
            marking_id=marking_id,
        )
        session.add(submission)
        session.flush()
        for file in files:
            file.submission_id = submission.id
        session.add_all(files)
        made.append(submission.id)
    if made:
        record(
            session=session,
            actor=None,
            action="write",
            kind=KIND,
            target="pull",
            ids=made,
            detail={"change": "pulled", "count": len(made)},
        )
    session.flush()
    return made


def _configured(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("VINCULO_CIVIC_URL", settings.civic_url),
            ("VINCULO_CIVIC_PULL_TOKEN", settings.civic_pull_token),
            ("VINCULO_CIVIC_AGENCY", settings.civic_agency),
        )
        if not value
    ]
    if missing:
        raise NotConfigured(
            N_("the civic channel is not configured: set {value}"),
            field="settings",
            value=", ".join(missing),
        )
    if settings.civic_agency not in vocab.agencies():
        raise NotConfigured(
            N_("unknown agency {value}"), field="VINCULO_CIVIC_AGENCY", value=settings.civic_agency
        )


@dataclass(frozen=True)
class PullResult:
    opened: int
    stored: int
    acknowledged: int


def pull(*, sessions: sessionmaker[Session], settings: Settings, limit: int = 50) -> PullResult:
    """One pull: fetch and open what waits, store it and commit, then acknowledge it."""
    _configured(settings)
    key = read_private_key(settings.resolved_civic_key_path)
    pulled = client.pull_submissions(
        url=settings.civic_url, token=settings.civic_pull_token, key=key, limit=limit
    )
    if not pulled:
        return PullResult(0, 0, 0)
    with transaction(sessions) as session:
        made = store_pulled(session, pulled=pulled, agency=settings.civic_agency)
    # Only now, with everything committed inside, may the public site forget them.
    gone = client.acknowledge(
        url=settings.civic_url, token=settings.civic_pull_token, ids=[p.id for p in pulled]
    )
    return PullResult(len(pulled), len(made), gone)


def pull_all(*, sessions: sessionmaker[Session], settings: Settings) -> PullResult:
    """Pull until nothing waits."""
    opened = stored = acknowledged = 0
    while True:
        result = pull(sessions=sessions, settings=settings)
        opened, stored = opened + result.opened, stored + result.stored
        acknowledged += result.acknowledged
        if result.opened == 0 or result.acknowledged == 0:
            return PullResult(opened, stored, acknowledged)


class Puller:
    """A thread beside the server that pulls new submissions every
    `civic_pull_interval_seconds`, in the shape of the mailer."""

    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vinculo-civic-pull", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=35)

    def _run(self) -> None:
        while True:
            try:
                pull_all(sessions=self.sessions, settings=self.settings)
            except Exception:  # the thread must outlive one bad round; it is logged
                log.exception("the civic pull failed")
            if self.stopping.wait(self.settings.civic_pull_interval_seconds):
                return


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Detail:
    submission: CivicSubmission
    markings: Markings
    additions: list[CivicAddition]
    attachments: list[AttachmentInfo]
    replies: list[CivicReply]
    links: list[tuple[str, str, str]]  # entity id, schema, caption (visible ones only)
    outcome: CivicOutcome | None = None


def _visible(session: Session, actor: Actor, submission_id: str) -> CivicSubmission:
    return visible_item(
        session=session,
        actor=actor,
        model=CivicSubmission,
        item_id=submission_id,
        missing=N_("no such submission"),
    )


def list_submissions(
    *,
    session: Session,
    actor: Actor,
    status: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[list[tuple[CivicSubmission, Markings]], bool, int]:
    """The queue, newest first, as far as the reader may see it; "spam" as a status filter
    gives those marked as spam, every other status leaves them out."""
    visible = visible_marking_ids(session=session, actor=actor)
    where: list[ColumnElement[bool]] = [CivicSubmission.marking_id.in_(visible)]
    if status == "spam":
        where.append(CivicSubmission.spam.is_(True))
    else:
        where.append(CivicSubmission.spam.is_(False))
        if status:
            where.append(CivicSubmission.status == status)
    if category:
        where.append(CivicSubmission.category == category)
    rows, more, total = newest_page(session, CivicSubmission, where, cursor, limit)
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    record(
        session=session,
        actor=actor,
        action="read",
        kind=KIND,
        ids=[r.id for r in rows],
        detail={"status": status or "", "category": category or ""},
    )
    return [(r, marks[r.marking_id]) for r in rows], more, total


def get_submission(*, session: Session, actor: Actor, submission_id: str) -> Detail:
    submission = _visible(session, actor, submission_id)
    marks = markings_by_id(session=session, ids={submission.marking_id})[submission.marking_id]
    additions = list(
        session.execute(
            select(CivicAddition)
            .where(CivicAddition.submission_id == submission.id)
            .order_by(CivicAddition.id)
        ).scalars()
    )
    files = [
        AttachmentInfo(*row)
        for row in session.execute(
            select(
                CivicAttachment.id,
                CivicAttachment.name,
                CivicAttachment.content_type,
                CivicAttachment.size,
            )
            .where(CivicAttachment.submission_id == submission.id)
            .order_by(CivicAttachment.id)
        )
    ]
    replies = list(
        session.execute(
            select(CivicReply)
            .where(CivicReply.submission_id == submission.id)
            .order_by(CivicReply.id)
        ).scalars()
    )
    linked = list(
        session.execute(
            select(CivicLink.entity_id)
            .where(CivicLink.submission_id == submission.id)
            .order_by(CivicLink.entity_id)
        ).scalars()
    )
    visible = visible_marking_ids(session=session, actor=actor)
    seen = captions(session=session, entity_ids=linked, visible=visible)
    links = [(e, *seen[e]) for e in linked if e in seen]
    record(
        session=session,
        actor=actor,
        action="read",
        kind=KIND,
        target=submission.id,
        ids=[submission.id],
    )
    outcome = session.get(CivicOutcome, submission.id)
    return Detail(submission, marks, additions, files, replies, links, outcome)


def get_attachment(
    *, session: Session, actor: Actor, submission_id: str, attachment_id: int
) -> CivicAttachment:
    submission = _visible(session, actor, submission_id)
    found = session.execute(
        select(CivicAttachment).where(
            CivicAttachment.id == attachment_id,
            CivicAttachment.submission_id == submission.id,
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(N_("no such attachment"), field="attachment")
    record(
        session=session,
        actor=actor,
        action="read",
        kind=KIND,
        target=submission.id,
        ids=[submission.id],
        detail={"attachment": attachment_id},
    )
    return found


# --- acts --------------------------------------------------------------------------------

Pusher = Callable[..., None]


def _triager(session: Session, actor: Actor, submission_id: str) -> CivicSubmission:
    """The submission to act on: refused (403) without the role, before it is looked for;
    one the actor may not see answers 404, as a missing one."""
    require(actor, Permission.TRIAGE)
    return _visible(session, actor, submission_id)


def _audit(session: Session, actor: Actor, submission: CivicSubmission, **detail: object) -> None:
    submission.updated_at = utcnow()
    record(
        session=session,
        actor=actor,
        action="write",
        kind=KIND,
        target=submission.id,
        ids=[submission.id],
        detail=dict(detail),
    )


def mark_spam(
    *, session: Session, actor: Actor, submission_id: str, spam: bool = True
) -> CivicSubmission:
    submission = _triager(session, actor, submission_id)
    submission.spam = spam
    _audit(session, actor, submission, change="spam" if spam else "not spam")
    session.flush()
    return submission


def _push(settings: Settings, submission: CivicSubmission, status: str, message: str) -> None:
    if not (settings.civic_url and settings.civic_pull_token):
        raise NotConfigured(
            N_("the civic channel is not configured: set {value}"),
            field="settings",
            value="VINCULO_CIVIC_URL, VINCULO_CIVIC_PULL_TOKEN",
        )
    try:
        client.push_update(
            url=settings.civic_url,
            token=settings.civic_pull_token,
            receipt=submission.receipt,
            reply_key=submission.reply_key,
            status=status,
            message=message,
        )
    except (client.IntakeError, OSError) as error:
        log.warning("push to the public site failed: %s", error)
        raise InvalidInput(
            N_("the public site could not be reached; nothing was sent, try again"),
            field="public_site",
        ) from None


def respond(
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    submission_id: str,
    status: str = "",
    message: str = "",
) -> CivicSubmission:
    """Send the reporter a status, a reply or both: stored and audited here, pushed to the
    public site sealed to the reporter's key before the commit (a failed push stores
    nothing)."""
    submission = _triager(session, actor, submission_id)
    status = status.strip()
    message = message.strip()
    if status and status not in STATUSES:
        raise InvalidInput(N_("unknown status {value}"), field="status", value=status)
    if not status and not message:
        raise InvalidInput(N_("write a reply or choose a status"), field="message")
    if len(message) > 10_000:
        raise InvalidInput(N_("write at most {n} characters"), field="message", n=10_000)
    session.add(
        CivicReply(
            submission_id=submission.id,
            status=status,
            message=message,
            sent_by=actor.username or "",
        )
    )
    before = submission.status
    if status:
        submission.status = status
    _audit(
        session,
        actor,
        submission,
        change="reply" if message else "status",
        status_from=before,
        status_to=submission.status,
    )
    session.flush()
    _push(settings, submission, status, message)
    return submission


@dataclass
class ReportChoice:
    """What the triager decides for a report: everything but the reporter's words."""

    title_en: str
    title_es: str
    predicate: str
    suspicion: str
    reliability: str
    credibility: int
    review_by: date
    markings: MarkingsIn
    attest_no_protected_views: bool = False


def to_report(*, session: Session, actor: Actor, submission_id: str, choice: ReportChoice) -> str:
    """An intelligence report from the submission: the reporter's words as its body (in the
    language they wrote), never their receipt or anything else of them; the markings the
    triager chose, and the triager's own 28 CFR 23.20(b) attestation."""
    submission = _triager(session, actor, submission_id)
    words = submission.what
    report = create_report(
        session=session,
        actor=actor,
        report_in=ReportCreate(
            title_en=choice.title_en,
            title_es=choice.title_es,
            body_en=words if submission.lang == "en" else "",
            body_es=words if submission.lang != "en" else "",
            reliability=choice.reliability,
            credibility=choice.credibility,
            predicate=choice.predicate,
            suspicion=choice.suspicion,
            review_by=choice.review_by,
            attest_no_protected_views=choice.attest_no_protected_views,
            markings=choice.markings,
        ),
    )
    submission.report_id = report.id
    _audit(session, actor, submission, change="report", report=report.id)
    session.flush()
    return report.id


@dataclass
class AllegationChoice:
    violations: list[str]
    occurred_from: date
    reliability: str
    credibility: int
    markings: MarkingsIn
    unit_entity_id: str | None = None


def to_allegation(
    *, session: Session, actor: Actor, submission_id: str, choice: AllegationChoice
) -> str:
    """An allegation for the oversight domain: the reporter's words as its summary, the
    civic channel as its source."""
    submission = _triager(session, actor, submission_id)
    place = vocab.load("civic_places")
    state = place.label(submission.state, "es") if submission.state in place else ""
    allegation = file_allegation(
        session=session,
        actor=actor,
        allegation_in=AllegationCreate(
            summary_en=submission.what if submission.lang == "en" else "",
            summary_es=submission.what if submission.lang != "en" else "",
            occurred_from=choice.occurred_from,
            state=state,
            municipality=submission.municipality,
            violations=choice.violations,
            unit_entity_id=choice.unit_entity_id,
            sources=[
                SourceIn(
                    description="Civic channel (anonymous report)",
                    reliability=choice.reliability,
                    credibility=choice.credibility,
                )
            ],
            markings=choice.markings,
        ),
    )
    submission.allegation_id = allegation.id
    _audit(session, actor, submission, change="allegation", allegation=allegation.id)
    session.flush()
    return allegation.id


def link_entities(
    *, session: Session, actor: Actor, submission_id: str, entity_ids: Sequence[str]
) -> list[str]:
    """Link entities the triager may see (found through screening); one they may not see is
    refused as a missing one."""
    submission = _triager(session, actor, submission_id)
    wanted = list(dict.fromkeys(e.strip() for e in entity_ids if e.strip()))
    if not wanted:
        raise InvalidInput(N_("choose at least one entity"), field="entity_ids")
    visible = visible_marking_ids(session=session, actor=actor)
    seen = captions(session=session, entity_ids=wanted, visible=visible)
    for index, entity_id in enumerate(wanted):
        if entity_id not in seen:
            raise InvalidInput(
                N_("no entity {value} that you may see"),
                field=f"entity_ids.{index}",
                value=entity_id,
            )
    have = set(
        session.execute(
            select(CivicLink.entity_id).where(CivicLink.submission_id == submission.id)
        ).scalars()
    )
    for entity_id in wanted:
        if entity_id not in have:
            session.add(
                CivicLink(
                    submission_id=submission.id,
                    entity_id=entity_id,
                    linked_by=actor.username or "",
                )
            )
    _audit(session, actor, submission, change="link", entities=wanted)
    session.flush()
    return wanted


OUTCOME_MAX = 2_000  # what the portal document takes of each text (civic/portal.py)


def write_outcome(
    *, session: Session, actor: Actor, submission_id: str, text_en: str, text_es: str
) -> CivicOutcome:
    """Write (or rewrite) what came of a closed submission, in both languages, for the "you
    said, we did" page: the public site shows it only once the submission is flagged public,
    with its category and month, never its words or place."""
    submission = _triager(session, actor, submission_id)
    if submission.status != "closed" or submission.spam:
        raise InvalidInput(
            N_("only a closed submission has an outcome: its status is {value}"),
            field="status",
            value=gettext(actor.locale, STATUSES.get(submission.status, submission.status))
            if not submission.spam
            else gettext(actor.locale, N_("Spam")),
        )
    texts = {"text_en": text_en.strip(), "text_es": text_es.strip()}
    problems = []
    for name, text in texts.items():
        if not text:
            problems.append(InvalidInput(N_("write the outcome in this language"), field=name))
        elif len(text) > OUTCOME_MAX:
            problems.append(
                InvalidInput(N_("write at most {n} characters"), field=name, n=OUTCOME_MAX)
            )
    if problems:
        raise InvalidFields(problems)
    outcome = session.get(CivicOutcome, submission.id)
    if outcome is None:
        outcome = CivicOutcome(submission_id=submission.id)
        session.add(outcome)
    outcome.text_en = texts["text_en"]
    outcome.text_es = texts["text_es"]
    outcome.written_by = actor.username or ""
    outcome.written_at = utcnow()
    _audit(session, actor, submission, change="outcome")
    session.flush()
    return outcome


def public_outcomes(*, session: Session) -> list[Outcome]:
    """The outcomes the portal may show: of closed submissions, not spam, flagged public,
    each with the category and month its public flag approved; newest month first. Nothing
    else of the submission (its id, words or place) leaves here."""
    from vinculo.assistance.public_models import PublicFlag

    rows = session.execute(
        select(CivicOutcome, PublicFlag.facets)
        .join(CivicSubmission, CivicSubmission.id == CivicOutcome.submission_id)
        .join(
            PublicFlag,
            (PublicFlag.kind == "submission") & (PublicFlag.item_id == CivicSubmission.id),
        )
        .where(CivicSubmission.status == "closed", CivicSubmission.spam.is_(False))
        .order_by(CivicOutcome.written_at, CivicOutcome.submission_id)
    ).all()
    known = vocab.load("civic_categories")
    found = [
        Outcome(
            category=str(facets["category"]),
            month=str(facets["month"]),
            text_en=outcome.text_en[:OUTCOME_MAX],
            text_es=outcome.text_es[:OUTCOME_MAX],
        )
        for outcome, facets in rows
        # The public site takes only its own categories; a submission stored under another
        # (an older vocabulary) is left out rather than failing the whole document.
        if str(facets.get("category")) in known
    ]
    return sorted(found, key=lambda o: o.month, reverse=True)


def screen_name(
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    submission_id: str,
    name: str,
    schema: str = "Person",
) -> list[tuple[str, str, str, float]]:
    """Entities of the store the triager may see that match a name the reporter gave, through
    resolve's screening: (id, schema, caption, score), best first."""
    from vinculo.resolve import screening
    from vinculo.resolve.scoring import screen_scorer

    submission = _triager(session, actor, submission_id)
    if not name.strip():
        raise InvalidInput(N_("write a name to look for"), field="name")
    entity = screening.query_entity(
        {
            "schema": schema if schema in ("Person", "Organization") else "Person",
            "properties": {"name": [name.strip()]},
        }
    )
    found, _total = screening.screen(
        session=session,
        actor=actor,
        entity=entity,
        scorer=screen_scorer(data_dir=settings.data_dir),
        limit=10,
        threshold=settings.screening_threshold,
    )
    record(
        session=session,
        actor=actor,
        action="read",
        kind=KIND,
        target=submission.id,
        ids=[submission.id],
        detail={"screened": len(found)},
    )
    return [(str(c.entity.id), c.entity.schema.name, str(c.entity.caption), c.score) for c in found]


# --- shapes ------------------------------------------------------------------------------


def summary(submission: CivicSubmission, marks: Markings, locale: str) -> SubmissionSummary:
    categories = vocab.load("civic_categories")
    category = submission.category
    return SubmissionSummary(
        id=submission.id,
        category=category,
        category_label=categories.label(category, locale) if category in categories else category,
        state=submission.state,
        municipality=submission.municipality,
        occurred_on=submission.occurred_on,
        received_on=submission.received_on,
        lang=submission.lang,
        what=submission.what,
        status=submission.status,
        status_label=gettext(locale, STATUSES.get(submission.status, submission.status)),
        spam=submission.spam,
        report_id=submission.report_id,
        allegation_id=submission.allegation_id,
        markings=markings_read(marks),
    )


def submission_list(
    *,
    session: Session,
    actor: Actor,
    status: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> SubmissionList:
    rows, more, total = list_submissions(
        session=session, actor=actor, status=status, category=category, cursor=cursor, limit=limit
    )
    return SubmissionList(
        items=[summary(r, m, actor.locale) for r, m in rows],
        total=total,
        next_cursor=encode_key(rows[-1][0].id) if more and rows else None,
    )


def submission_read(*, session: Session, actor: Actor, submission_id: str) -> SubmissionRead:
    found = get_submission(session=session, actor=actor, submission_id=submission_id)
    base = summary(found.submission, found.markings, actor.locale)
    return SubmissionRead(
        **base.model_dump(),
        additions=[AdditionRead(what=a.what, pulled_at=a.pulled_at) for a in found.additions],
        attachments=[
            AttachmentRead(id=a.id, name=a.name, content_type=a.content_type, size=a.size)
            for a in found.attachments
        ],
        replies=[
            ReplyRead(status=r.status, message=r.message, sent_by=r.sent_by, sent_at=r.sent_at)
            for r in found.replies
        ],
        links=[LinkRead(entity_id=e, schema_=s, caption=c) for e, s, c in found.links],
        outcome=None
        if found.outcome is None
        else OutcomeRead(
            text_en=found.outcome.text_en,
            text_es=found.outcome.text_es,
            written_by=found.outcome.written_by,
            written_at=found.outcome.written_at,
        ),
    )
