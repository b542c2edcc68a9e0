"""Reports and entities, read and written under the access policy."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from followthemoney import model
from followthemoney.statement import BASE_ID, Statement, StatementEntity
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import Where, assemble, check_entity, fold, statement_rows
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.reseen import RESEEN_HOOKS, stored_entity_ids
from vinculo.intel.schemas import (
    EntityList,
    EntitySummary,
    MarkingsIn,
    MarkingsRead,
    ReportCreate,
    ReportList,
    ReportRead,
)
from vinculo.pagination import bad_cursor, decode_key, encode_key
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError, Markings
from vinculo.security.models import MarkingRow, User, utcnow
from vinculo.security.policy import marking_id_for, markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, require

# 28 CFR 23.20(h): criminal intelligence is reviewed, and purged or validated, within 5 years.
MAX_RETENTION = timedelta(days=5 * 365)


def markings_read(m: Markings) -> MarkingsRead:
    return MarkingsRead(
        tlp=m.tlp.value,
        originator=m.originator,
        rel_to=sorted(m.rel_to),
        orcon=m.orcon,
        groups=sorted(m.groups),
        recipients=sorted(m.recipients),
        shared_with=sorted(m.shared_with),
        banner=m.banner(),
    )


def markings_from_input(*, session: Session, actor: Actor, markings_in: MarkingsIn) -> Markings:
    """Markings an actor asks for, checked against the vocabularies and stored accounts."""
    if not actor.agency:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    markings = Markings.create(
        tlp=markings_in.tlp,
        originator=actor.agency,
        rel_to=markings_in.rel_to,
        orcon=markings_in.orcon,
        groups=markings_in.groups,
        recipients=markings_in.recipients,
        shared_with=markings_in.shared_with,
        author=actor.username,
    )
    # A filing must not tell an analyst which group codes are real: a group they are not in
    # is refused alike whether it exists. A RED recipient must be an account (a mistyped name
    # would leave the item to no one), and the refusal says only that the name cannot be
    # used, not that no account has it.
    for code in sorted(markings.groups):
        if code not in actor.groups:
            raise MarkingError(
                N_("you can only mark items for groups you belong to: {value}"),
                field="groups",
                value=code,
            )
    for username in sorted(markings.recipients - {actor.username}):
        found = session.execute(select(User.id).where(User.username == username)).first()
        if found is None:
            raise MarkingError(
                N_("{value} cannot be named as a recipient"), field="recipients", value=username
            )
    return markings


# --- reports -------------------------------------------------------------------------------


def _check_report(report_in: ReportCreate, today: date) -> list[InvalidInput]:
    errors: list[InvalidInput] = []
    if not (report_in.title_en.strip() or report_in.title_es.strip()):
        errors.append(InvalidInput(N_("give a title in English or Spanish"), field="title_en"))
    if not (report_in.body_en.strip() or report_in.body_es.strip()):
        errors.append(InvalidInput(N_("give a body in English or Spanish"), field="body_en"))
    if report_in.reliability not in vocab.admiralty("reliability"):
        errors.append(
            InvalidInput(N_("source reliability must be a letter from A to F"), field="reliability")
        )
    if str(report_in.credibility) not in vocab.admiralty("credibility"):
        errors.append(
            InvalidInput(
                N_("information credibility must be a number from 1 to 6"), field="credibility"
            )
        )
    if report_in.predicate not in vocab.load("offences"):
        errors.append(
            InvalidInput(
                N_("unknown criminal predicate {value}"),
                field="predicate",
                value=report_in.predicate,
            )
        )
    if len(report_in.suspicion.strip()) < 10:
        errors.append(
            InvalidInput(
                N_("state the reasonable suspicion that links the subjects to the predicate"),
                field="suspicion",
            )
        )
    if not report_in.attest_no_protected_views:
        errors.append(
            InvalidInput(
                N_(
                    "attest that the report holds no information about political, religious "
                    "or social views, associations or activities unless it directly relates "
                    "to the criminal conduct"
                ),
                field="attest_no_protected_views",
            )
        )
    if report_in.review_by <= today:
        errors.append(
            InvalidInput(N_("the review-by date must be in the future"), field="review_by")
        )
    elif report_in.review_by > today + MAX_RETENTION:
        errors.append(
            InvalidInput(
                N_("the review-by date may be at most five years ahead"), field="review_by"
            )
        )
    return errors


def _entity_id(report_id: str, index: int) -> str:
    return "ent-" + hashlib.sha1(f"{report_id}.{index}".encode()).hexdigest()[:20]


def create_report(*, session: Session, actor: Actor, report_in: ReportCreate) -> Report:
    """File a report and the statements it asserts, all carrying the report's markings.

    28 CFR 23.20 is checked here, so every way in (API, page, demo) obeys it: a criminal
    predicate from the vocabulary, a reasonable-suspicion statement, the attestation that no
    protected views are recorded, and a review-by date at most five years ahead.
    """
    require(actor, Permission.FILE_REPORT)
    errors = _check_report(report_in, utcnow().date())
    markings: Markings | None = None
    try:
        markings = markings_from_input(session=session, actor=actor, markings_in=report_in.markings)
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        errors.append(error)
    report_id = secrets.token_hex(8)
    entities = []
    for index, entity_in in enumerate(report_in.entities):
        data = {
            "id": entity_in.id,
            "schema": entity_in.schema_,
            "properties": entity_in.properties,
        }
        try:
            where = Where(prefix=f"entities[{index}].")
            entities.append(check_entity(data, where, make_id=_entity_id(report_id, index)))
        except InvalidInput as error:
            errors.append(error)
    if errors:
        raise InvalidFields(errors)
    assert markings is not None and actor.agency is not None
    marking_id = marking_id_for(session=session, markings=markings)
    # One moment for the report and what it asserts: its statements are first seen when it
    # was filed, not a millisecond or so later.
    filed = utcnow()
    report = Report(
        id=report_id,
        created_at=filed,
        title_en=report_in.title_en.strip(),
        title_es=report_in.title_es.strip(),
        body_en=report_in.body_en.strip(),
        body_es=report_in.body_es.strip(),
        agency=actor.agency,
        nation=vocab.agency_nation(actor.agency),
        author_id=actor.user_id,
        reliability=report_in.reliability,
        credibility=report_in.credibility,
        predicate=report_in.predicate,
        suspicion=report_in.suspicion.strip(),
        review_by=report_in.review_by,
        attest_no_protected_views=report_in.attest_no_protected_views,
        marking_id=marking_id,
        search_text=fold(
            " ".join([report_in.title_en, report_in.title_es, report_in.body_en, report_in.body_es])
        ),
    )
    session.add(report)
    session.flush()
    store_entities(
        session=session,
        actor=actor,
        entities=entities,
        source=f"report:{report_id}",
        marking_id=marking_id,
        report_id=report_id,
        seen=filed,
    )
    record(
        session=session,
        actor=actor,
        action="write",
        kind="report",
        target=report_id,
        ids=[report_id, *(e[0] for e in entities)],
        detail={"markings": markings.signature()},
    )
    return report


def store_entities(
    *,
    session: Session,
    actor: Actor,
    entities: Sequence[tuple[str, str, list[tuple[str, str, str, str | None]]]],
    source: str,
    marking_id: int,
    report_id: str | None,
    where: dict[str, Where] | None = None,
    seen: datetime | None = None,
) -> int:
    """Write checked entities as statements; returns how many statements were written."""
    check_schemas(session=session, actor=actor, entities=entities, where=where)
    seen = seen or utcnow()
    markings = marking_signature(session=session, marking_id=marking_id)
    rows: list[dict[str, Any]] = []
    for entity_id, schema, values in entities:
        rows.extend(
            statement_rows(
                entity_id=entity_id,
                schema=schema,
                values=values,
                source=source,
                marking_id=marking_id,
                markings=markings,
                report_id=report_id,
                seen=seen,
            )
        )
    backend = backend_for(session)
    # Read before the entities are written: those stored already may have statements seen
    # again, which the publisher must be told of (intel.reseen).
    again = stored_entity_ids(session=session, entity_ids=[e[0] for e in entities])
    backend.insert_entities(
        session, [{"id": e[0], "schema": e[1], "created_at": seen} for e in entities]
    )
    backend.upsert_statements(session, rows)
    if again:
        RESEEN_HOOKS.run(session, again)
    return len(rows)


def marking_signature(*, session: Session, marking_id: int) -> str:
    """The signature of a stored marking set, which statement ids are keyed by."""
    row = session.get(MarkingRow, marking_id)
    if row is None:
        raise LookupError(f"no marking set {marking_id}")
    return row.signature


def check_schemas(
    *,
    session: Session,
    actor: Actor,
    entities: Sequence[tuple[str, str, list[tuple[str, str, str, str | None]]]],
    where: dict[str, Where] | None = None,
) -> None:
    """Refuse an entity whose schema cannot be one thing with what the actor sees under its id.

    Only visible statements count: refusing because of a statement the actor may not see would
    tell them that the id exists, and as what. Statements of clashing schemas under one id,
    each from someone who could not see the other, are reconciled when an entity is assembled
    (`ftm.assemble`).
    """
    ids = list({e[0] for e in entities})
    visible = visible_marking_ids(session=session, actor=actor)
    stored: dict[str, str] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        rows = session.execute(
            select(StatementRow.entity_id, StatementRow.schema)
            .where(
                StatementRow.entity_id.in_(part),
                StatementRow.prop == BASE_ID,
                StatementRow.marking_id.in_(visible),
            )
            .order_by(StatementRow.seq)
        )
        for row in rows:
            stored.setdefault(row.entity_id, row.schema)
    for entity_id, schema, _values in entities:
        old = stored.setdefault(entity_id, schema)
        if old == schema:
            continue
        try:
            model.common_schema(old, schema)
        except Exception:
            spot = (where or {}).get(entity_id, Where())
            raise InvalidInput(
                N_("entity {id} is stored as {old} and cannot also be a {new}"),
                field="schema",
                file=spot.file,
                line=spot.line,
                id=entity_id,
                old=old,
                new=schema,
            ) from None


def get_report(*, session: Session, actor: Actor, report_id: str) -> Report:
    visible = visible_marking_ids(session=session, actor=actor)
    report = session.execute(
        select(Report).where(Report.id == report_id, Report.marking_id.in_(visible))
    ).scalar_one_or_none()
    if report is None:
        raise NotFound(N_("no such report"), field="id")
    record(
        session=session,
        actor=actor,
        action="read",
        kind="report",
        target=report_id,
        ids=[report_id],
    )
    return report


def report_entity_ids(*, session: Session, report_id: str) -> list[str]:
    return reports_entity_ids(session=session, report_ids=[report_id])[report_id]


def reports_entity_ids(*, session: Session, report_ids: Sequence[str]) -> dict[str, list[str]]:
    """The entities each report asserts, in the order it named them, in one query a chunk:
    a list page asked once per report, and on PostgreSQL each round trip cost more than
    the rest of the page."""
    found: dict[str, list[str]] = {r: [] for r in report_ids}
    ids = list(found)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(StatementRow.report_id, StatementRow.entity_id)
            .where(
                StatementRow.report_id.in_(ids[start : start + 500]),
                StatementRow.prop == BASE_ID,
            )
            .order_by(StatementRow.seq)
        )
        for row in rows:
            found[row.report_id].append(row.entity_id)
    return found


def report_read(
    *,
    session: Session,
    report: Report,
    markings: Markings,
    entity_ids: list[str] | None = None,
) -> ReportRead:
    """The report as the API gives it; `entity_ids` when the caller read them in a batch."""
    return ReportRead(
        id=report.id,
        title_en=report.title_en,
        title_es=report.title_es,
        body_en=report.body_en,
        body_es=report.body_es,
        agency=report.agency,
        nation=report.nation,
        reliability=report.reliability,
        credibility=report.credibility,
        predicate=report.predicate,
        suspicion=report.suspicion,
        review_by=report.review_by,
        attest_no_protected_views=report.attest_no_protected_views,
        created_at=report.created_at,
        markings=markings_read(markings),
        entity_ids=entity_ids
        if entity_ids is not None
        else report_entity_ids(session=session, report_id=report.id),
    )


def list_reports(
    *, session: Session, actor: Actor, cursor: str | None = None, limit: int = 25
) -> tuple[list[Report], str | None]:
    """Newest first, only those the actor may see; the cursor names the last report shown.

    A cursor that carried the report's row number told how many hidden reports were filed
    between two visible ones, and when; the id of a shown report tells nothing more.
    """
    after = decode_key(cursor)
    visible = visible_marking_ids(session=session, actor=actor)
    query = select(Report).where(Report.marking_id.in_(visible))
    if after is not None:
        anchor = session.execute(
            select(Report.seq).where(Report.id == after, Report.marking_id.in_(visible))
        ).scalar_one_or_none()
        if anchor is None:
            raise bad_cursor()
        query = query.where(Report.seq < anchor)
    rows = list(session.execute(query.order_by(Report.seq.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    record(session=session, actor=actor, action="list", kind="report", ids=[r.id for r in rows])
    return rows, (encode_key(rows[-1].id) if more and rows else None)


def list_reports_read(
    *, session: Session, actor: Actor, cursor: str | None = None, limit: int = 25
) -> ReportList:
    rows, next_cursor = list_reports(session=session, actor=actor, cursor=cursor, limit=limit)
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    named = reports_entity_ids(session=session, report_ids=[r.id for r in rows])
    items = [
        report_read(session=session, report=r, markings=marks[r.marking_id], entity_ids=named[r.id])
        for r in rows
    ]
    return ReportList(items=items, next_cursor=next_cursor)


# --- entities ------------------------------------------------------------------------------


@dataclass
class StatementView:
    row: StatementRow
    markings: Markings


@dataclass
class Link:
    """A relationship of the entity: the linking entity (e.g. an Ownership) and its far end."""

    via_id: str
    via_schema: str
    prop: str
    other_id: str | None
    other_caption: str | None


@dataclass
class EntityView:
    entity: StatementEntity
    statements: list[StatementView]
    links: list[Link] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)


# Captions read only the columns a caption depends on, as plain rows: an ORM object per
# statement, and each statement's two dates as text, cost more than the rest of an entity
# list or a search (bench/load.py, server CPU per answer).
_CAPTION_FIELDS = (
    StatementRow.entity_id,
    StatementRow.prop,
    StatementRow.schema,
    StatementRow.value,
    StatementRow.dataset,
    StatementRow.lang,
    StatementRow.id,
    StatementRow.canonical_id,
)


def _to_statement(row: StatementRow) -> Statement:
    return Statement(
        entity_id=row.entity_id,
        prop=row.prop,
        schema=row.schema,
        value=row.value,
        dataset=row.dataset,
        lang=row.lang,
        original_value=row.original_value,
        id=row.id,
        canonical_id=row.canonical_id,
        first_seen=row.first_seen.isoformat(),
        last_seen=row.last_seen.isoformat(),
    )


def visible_statements(
    *, session: Session, entity_ids: Iterable[str], visible: list[int]
) -> dict[str, list[StatementRow]]:
    ids = list(dict.fromkeys(entity_ids))
    found: dict[str, list[StatementRow]] = defaultdict(list)
    if not ids or not visible:
        return found
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(StatementRow)
            .where(
                StatementRow.entity_id.in_(ids[chunk : chunk + 500]),
                StatementRow.marking_id.in_(visible),
            )
            .order_by(StatementRow.seq)
        ).scalars()
        for row in rows:
            found[row.entity_id].append(row)
    return found


def assemble_rows(rows: list[StatementRow]) -> StatementEntity:
    return assemble([_to_statement(r) for r in rows])


def captions(
    *, session: Session, entity_ids: Iterable[str], visible: list[int]
) -> dict[str, tuple[str, str]]:
    """(schema, caption) per entity, built from visible statements only."""
    ids = list(dict.fromkeys(entity_ids))
    by_entity: dict[str, list[Statement]] = defaultdict(list)
    if not ids or not visible:
        return {}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(*_CAPTION_FIELDS)
            .where(
                StatementRow.entity_id.in_(ids[chunk : chunk + 500]),
                StatementRow.marking_id.in_(visible),
            )
            .order_by(StatementRow.seq)
        )
        for row in rows:
            by_entity[row.entity_id].append(
                Statement(
                    entity_id=row.entity_id,
                    prop=row.prop,
                    schema=row.schema,
                    value=row.value,
                    dataset=row.dataset,
                    lang=row.lang,
                    id=row.id,
                    canonical_id=row.canonical_id,
                )
            )
    out = {}
    for entity_id, statements in by_entity.items():
        entity = assemble(statements)
        out[entity_id] = (entity.schema.name, entity.caption)
    return out


def get_entity(*, session: Session, actor: Actor, entity_id: str) -> EntityView:
    """The entity as the actor may see it: only its visible statements, links and captions."""
    visible = visible_marking_ids(session=session, actor=actor)
    rows = visible_statements(session=session, entity_ids=[entity_id], visible=visible).get(
        entity_id
    )
    if not rows:
        raise NotFound(N_("no such entity"), field="id")
    marks = markings_by_id(session=session, ids={r.marking_id for r in rows})
    entity = assemble_rows(rows)
    view = EntityView(
        entity=entity, statements=[StatementView(r, marks[r.marking_id]) for r in rows]
    )
    # Entities that point here (Ownership.owner, Membership.member, …), as far as visible.
    via_ids = [
        row.entity_id
        for row in session.execute(
            select(StatementRow.entity_id)
            .where(
                StatementRow.prop_type == "entity",
                StatementRow.value == entity_id,
                StatementRow.marking_id.in_(visible),
            )
            .distinct()
            .limit(200)
        )
    ]
    via = visible_statements(session=session, entity_ids=via_ids, visible=visible)
    far_ids: set[str] = set()
    own_refs = [r.value for r in rows if r.prop_type == "entity"]
    for via_rows in via.values():
        far_ids.update(r.value for r in via_rows if r.prop_type == "entity")
    far_ids.update(own_refs)
    far_ids.discard(entity_id)
    caps = captions(session=session, entity_ids=sorted(far_ids | set(via)), visible=visible)
    view.captions = {k: v[1] for k, v in caps.items()}
    for via_id, via_rows in via.items():
        via_schema = caps.get(via_id, (via_rows[0].schema, via_id))[0]
        ends = [r for r in via_rows if r.prop_type == "entity" and r.value != entity_id]
        if not ends:
            view.links.append(Link(via_id, via_schema, "", None, None))
        for end in ends:
            if end.value in view.captions:
                link = Link(via_id, via_schema, end.prop, end.value, view.captions[end.value])
                view.links.append(link)
    for row in rows:
        if row.prop_type == "entity" and row.value in view.captions:
            view.links.append(
                Link(entity_id, row.schema, row.prop, row.value, view.captions[row.value])
            )
    record(
        session=session,
        actor=actor,
        action="read",
        kind="entity",
        target=entity_id,
        ids=[entity_id, *view.captions],
    )
    return view


def first_visible(visible: list[int]) -> Any:
    """SQL condition: the statement is visible and the first visible one of its entity.

    Lists and exports order entities by it, so an entity sits where the reader first could
    see it, not where anyone first stored its id under markings the reader may not see.
    Walking statements in order and keeping these stops after a page, where grouping every
    visible statement by entity read them all.
    """
    earlier = aliased(StatementRow)
    return and_(
        StatementRow.marking_id.in_(visible),
        ~exists().where(
            earlier.entity_id == StatementRow.entity_id,
            earlier.marking_id.in_(visible),
            earlier.seq < StatementRow.seq,
        ),
    )


def list_entities(
    *, session: Session, actor: Actor, cursor: str | None = None, limit: int = 25
) -> EntityList:
    """Newest entities first, each shown only if one of its statements is visible.

    "Newest" is when the actor could first see the entity (its first visible statement),
    not when anyone first stored its id: an id first asserted under markings the actor may
    not see would otherwise sit earlier in the list than the actor's own entities. The
    cursor names the last entity shown.
    """
    after = decode_key(cursor)
    visible = visible_marking_ids(session=session, actor=actor)
    query = select(StatementRow.entity_id.label("id")).where(first_visible(visible))
    if after is not None:
        anchor = session.execute(
            select(func.min(StatementRow.seq)).where(
                StatementRow.entity_id == after, StatementRow.marking_id.in_(visible)
            )
        ).scalar_one_or_none()
        if anchor is None:
            raise bad_cursor()
        query = query.where(StatementRow.seq < anchor)
    rows = list(session.execute(query.order_by(StatementRow.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    caps = captions(session=session, entity_ids=[r.id for r in rows], visible=visible)
    items = [
        EntitySummary(id=r.id, schema_=caps[r.id][0], caption=caps[r.id][1])
        for r in rows
        if r.id in caps
    ]
    record(session=session, actor=actor, action="list", kind="entity", ids=[i.id for i in items])
    return EntityList(items=items, next_cursor=encode_key(rows[-1].id) if more else None)


def count_visible_reports(*, session: Session, actor: Actor) -> int:
    visible = visible_marking_ids(session=session, actor=actor)
    return int(
        session.execute(
            select(func.count()).select_from(Report).where(Report.marking_id.in_(visible))
        ).scalar_one()
    )
