"""Publishing what may cross the border as STIX, and reading it back under the policy.

The publisher turns new and changed local items into versions of STIX objects, one set per
collection, cut for the collection's audience: a statement that may not cross is left out of
the object that does, an item that may no longer cross (purged, withdrawn) gets a revoked
version. What TAXII serves is read from those versions, each checked again against the
reader: a partner node by the border rule, a person by `can_see`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from followthemoney.statement import BASE_ID
from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.errors import InvalidInput, NotFound
from vinculo.exchange.markings import Audience, crosses, definitions_for
from vinculo.exchange.models import (
    ExchangeCollection,
    ExchangeObject,
    ExchangeState,
    ReceivedObject,
    ReleaseRequest,
)
from vinculo.exchange.parts import (
    PART_PREFIX,
    PART_TYPE,
    Composer,
    Version,
    entity_uuid,
    for_partners_only,
    is_part,
    parse_part_key,
    part_id,
    part_ids_of,
    part_key,
    part_object,
)
from vinculo.exchange.stix import (
    EXTENSION_ID,
    ReportIn,
    Scope,
    StatementIn,
    agency_identity,
    content_hash,
    entity_object,
    extension_definition,
    language_content,
    node_identity,
    parse_timestamp,
    report_object,
    revoked_object,
    stix_type_for,
    timestamp,
)
from vinculo.i18n import N_
from vinculo.intel.models import Report, StatementRow
from vinculo.security.audit import AuditRow, record
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import MarkingRow, utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.settings import PartnerConfig, Settings

# Statements a partner sent are stored under this source prefix; they never go out again.
VIA = "via:"
CHUNK = 500
# Wakes the live streams of this process when the publisher wrote something.
published = threading.Condition()
_generation = [0]


def notify_published() -> None:
    with published:
        _generation[0] += 1
        published.notify_all()


def generation() -> int:
    return _generation[0]


# --- collections ----------------------------------------------------------------------------


def partner_config(settings: Settings, name: str) -> PartnerConfig | None:
    for partner in settings.partners:
        if partner.name == name:
            return partner
    return None


def audience_of(settings: Settings, collection: ExchangeCollection) -> Audience:
    partners = []
    for name in sorted(collection.partner_set):
        config = partner_config(settings, name)
        if config is not None:
            partners.append((name, config.nation))
    return Audience(partners=tuple(partners), groups=collection.group_set)


def create_collection(
    *,
    session: Session,
    settings: Settings,
    alias: str,
    title_en: str,
    title_es: str,
    partners: Sequence[str],
    groups: Sequence[str] = (),
    description_en: str = "",
    description_es: str = "",
    can_write: bool = False,
    actor: Actor | None = None,
) -> ExchangeCollection:
    """A collection for a sharing agreement (no groups) or a task force (its groups)."""
    if not alias.strip() or len(alias) > 64:
        raise InvalidInput(N_("give the collection a short alias"), field="alias")
    for name in partners:
        if partner_config(settings, name) is None:
            raise InvalidInput(N_("unknown partner node {value}"), field="partners", value=name)
    if not partners:
        raise InvalidInput(N_("name at least one partner node"), field="partners")
    found = session.execute(
        select(ExchangeCollection).where(ExchangeCollection.alias == alias)
    ).scalar_one_or_none()
    if found is not None:
        return found
    collection = ExchangeCollection(
        id=str(uuid.uuid4()),
        alias=alias,
        title_en=title_en,
        title_es=title_es or title_en,
        description_en=description_en,
        description_es=description_es or description_en,
        partners=",".join(sorted(partners)),
        groups=",".join(sorted(groups)),
        can_write=can_write,
    )
    session.add(collection)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="exchange_collection",
        target=collection.id,
        detail={"alias": alias, "partners": sorted(partners), "groups": sorted(groups)},
    )
    return collection


def collections(session: Session) -> list[ExchangeCollection]:
    return list(
        session.execute(select(ExchangeCollection).order_by(ExchangeCollection.alias)).scalars()
    )


# --- readers --------------------------------------------------------------------------------


@dataclass
class Reader:
    """Who reads the TAXII server: a partner node (by its account) or a person."""

    actor: Actor
    partner: PartnerConfig | None = None
    _visible: set[int] | None = None
    _crossing: dict[str, set[int]] = field(default_factory=dict)

    def collections(self, session: Session) -> list[ExchangeCollection]:
        found = collections(session)
        if self.partner is None:
            return found
        return [c for c in found if self.partner.name in c.partner_set]

    def allowed_markings(
        self, session: Session, settings: Settings, collection: ExchangeCollection
    ) -> set[int]:
        """Marking ids whose statements this reader may receive from the collection."""
        if self.partner is None:
            if self._visible is None:
                self._visible = set(visible_marking_ids(session=session, actor=self.actor))
            return self._visible
        cached = self._crossing.get(collection.id)
        if cached is None:
            audience = Audience(
                partners=((self.partner.name, self.partner.nation),),
                groups=collection.group_set,
            )
            rows = session.execute(select(MarkingRow)).scalars()
            cached = {row.id for row in rows if crosses(audience, row.to_markings())}
            self._crossing[collection.id] = cached
        return cached


def get_collection(session: Session, reader: Reader, collection_id: str) -> ExchangeCollection:
    for collection in reader.collections(session):
        if collection.id == collection_id:
            return collection
    raise NotFound(N_("no such collection"), field="collection_id")


def _ids(text: str) -> set[int]:
    return {int(p) for p in text.split(",") if p}


def _marking_text(marking_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(marking_ids)))


# Shared objects (marking definitions, agency identities) are written once per set of
# markings that uses them, under those markings: a reader has the first copy it may read.
SHARED = ("marking:", "agency:")


def readable(marking_ids: str, allowed: set[int]) -> bool:
    """Whether the reader may have a version: every marking it carries is allowed."""
    return _ids(marking_ids) <= allowed


def may_read(row: ExchangeObject, allowed: set[int]) -> bool:
    return readable(row.marking_ids, allowed)


def serves(reader: Reader, item_key: str, marking_ids: str, allowed: set[int]) -> bool:
    """Whether a stored row is the reader's to have: a partner node has whole entity
    objects, a person the parts composed into what they may read (see `parts`)."""
    if reader.partner is None:
        if for_partners_only(item_key):
            return False
    elif is_part(item_key):
        return False
    return readable(marking_ids, allowed)


def first_copies(
    session: Session, collection_id: str, stix_ids: Iterable[str], allowed: set[int]
) -> dict[str, dict[str, int]]:
    """Of each object, for each of its versions (modified), the seq of the first row the
    reader may read: the version as served to it. A shared object has one row per set of
    markings that uses it, all the same version; the later ones are not served again."""
    first: dict[str, dict[str, int]] = defaultdict(dict)
    ids = sorted(set(stix_ids))
    for start in range(0, len(ids), CHUNK):
        found = session.execute(
            select(
                ExchangeObject.stix_id,
                ExchangeObject.seq,
                ExchangeObject.modified,
                ExchangeObject.marking_ids,
            ).where(
                ExchangeObject.collection_id == collection_id,
                ExchangeObject.stix_id.in_(ids[start : start + CHUNK]),
            )
        )
        for v in found:
            if readable(v.marking_ids, allowed):
                mine = first[v.stix_id]
                mine[v.modified] = min(mine.get(v.modified, v.seq), v.seq)
    return first


@dataclass
class Query:
    added_after: str | None = None
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=lambda: ["last"])
    spec_versions: list[str] = field(default_factory=list)
    after_added: str = ""  # from `next`: the date_added of the last object served
    limit: int = 1000


def read_objects(
    *,
    session: Session,
    settings: Settings,
    reader: Reader,
    collection: ExchangeCollection,
    q: Query,
) -> tuple[list[ExchangeObject], bool]:
    """A page of object versions the reader may receive, oldest added first, and whether
    there are more."""
    allowed = reader.allowed_markings(session, settings, collection)
    person = reader.partner is None
    base = select(ExchangeObject).where(ExchangeObject.collection_id == collection.id)
    if q.ids:
        # A person's entities are composed from their parts, stored under the parts' id.
        ids = q.ids + part_ids_of(q.ids) if person else q.ids
        base = base.where(ExchangeObject.stix_id.in_(ids))
    if q.types:
        types = [*q.types, PART_TYPE] if person else q.types
        base = base.where(ExchangeObject.stix_type.in_(types))
    if q.spec_versions:
        base = base.where(ExchangeObject.spec_version.in_(q.spec_versions))
    out: list[ExchangeObject] = []
    after = max(q.added_after or "", q.after_added)
    batch = max(q.limit + 1, 100)
    # date_added is strictly increasing: ordered and bounded by it, a page is read straight
    # from the (collection, date_added) index, however far into the collection it lies.
    while len(out) <= q.limit:
        rows = list(
            session.execute(
                base.where(ExchangeObject.date_added > after)
                .order_by(ExchangeObject.date_added)
                .limit(batch)
            ).scalars()
        )
        if not rows:
            break
        mine = [r for r in rows if serves(reader, r.item_key, r.marking_ids, allowed)]
        stored = [r for r in mine if not is_part(r.item_key)]
        chosen = {
            r.seq for r in _readable_versions(session, collection, stored, q.versions, allowed)
        }
        composed = _composed_versions(session, settings, collection, mine, q, allowed)
        for r in mine:
            if is_part(r.item_key):
                out.extend(v.row(collection.id) for v in composed.get(r.seq, []))
            elif r.seq in chosen:
                out.append(r)
        after = rows[-1].date_added
        if len(rows) < batch:
            break
    return out[: q.limit], len(out) > q.limit


def _readable_versions(
    session: Session,
    collection: ExchangeCollection,
    rows: list[ExchangeObject],
    versions: list[str],
    allowed: set[int],
) -> list[ExchangeObject]:
    """The rows that are the versions asked for among those the reader may have: all, the
    newest ("last") or oldest ("first") readable version of each object, or a stamp. A
    reader may have only some versions of an object, so these are found among its own,
    else a hidden newer version would show as a missing "last"; and of the copies of a
    shared object only the first it may read is its."""
    if not rows:
        return rows
    first = first_copies(session, collection.id, (r.stix_id for r in rows), allowed)
    stamps = {v for v in versions if v not in ("last", "first")}
    out = []
    for r in rows:
        mine = first[r.stix_id]
        if mine.get(r.modified) != r.seq:
            continue
        if (
            "all" in versions
            or r.modified in stamps
            or ("last" in versions and max(mine.values()) == r.seq)
            or ("first" in versions and min(mine.values()) == r.seq)
        ):
            out.append(r)
    return out


def _composed_versions(
    session: Session,
    settings: Settings,
    collection: ExchangeCollection,
    rows: list[ExchangeObject],
    q: Query,
    allowed: set[int],
) -> dict[int, list[Version]]:
    """Of the entities whose parts are among the rows, the versions asked for, composed
    from the parts the person may read, by the seq of the part that made each."""
    parts = [r for r in rows if is_part(r.item_key)]
    if not parts:
        return {}
    composer = Composer(session, Scope(settings.node_name, collection.id), collection.id, allowed)
    found = composer.versions(entity_uuid(r.stix_id) for r in parts)
    stamps = {v for v in q.versions if v not in ("last", "first")}
    out: dict[int, list[Version]] = defaultdict(list)
    for stix_id, versions in found.items():
        if (q.ids and stix_id not in q.ids) or not versions:
            continue
        for v in versions:
            if q.types and v.stix_type not in q.types:
                continue
            if (
                "all" in q.versions
                or v.modified in stamps
                or ("last" in q.versions and v is versions[-1])
                or ("first" in q.versions and v is versions[0])
            ):
                out[v.seq].append(v)
    return out


def served_items(rows: Iterable[ExchangeObject]) -> list[str]:
    """The Vínculo ids (reports, entities) a page of objects carries, for the records."""
    found = []
    for row in rows:
        kind, _, key = row.item_key.partition(":")
        if kind in ("entity", "report"):
            found.append(key)
    return list(dict.fromkeys(found))


def record_serving(
    *,
    session: Session,
    settings: Settings,
    reader: Reader,
    collection: ExchangeCollection,
    rows: Sequence[ExchangeObject],
    endpoint: str,
) -> None:
    """An audit row for the read; for a partner node also a dissemination record."""
    items = served_items(rows)
    if reader.partner is not None and items:
        from vinculo.security.dissemination import Dissemination

        row = Dissemination(
            sender=f"node:{settings.node_name}",
            recipient=f"node:{reader.partner.name}",
            purpose=f"TAXII collection {collection.alias}: {collection.title_en}",
            channel="taxii",
            kind="stix",
            ids=json.dumps(items, ensure_ascii=False),
        )
        session.add(row)
        session.flush()
        record(
            session=session,
            actor=reader.actor,
            action="disseminate",
            kind="stix",
            target=f"node:{reader.partner.name}",
            ids=items,
            detail={
                "collection": collection.id,
                "endpoint": endpoint,
                "channel": "taxii",
                "dissemination": row.id,
            },
        )
        return
    record(
        session=session,
        actor=reader.actor,
        action="read",
        kind="taxii",
        target=collection.id,
        ids=items,
        detail={"endpoint": endpoint, "objects": len(rows)},
    )


# --- the publisher ---------------------------------------------------------------------------


def _state(session: Session, key: str, default: str = "") -> str:
    row = session.get(ExchangeState, key)
    return row.value if row is not None else default


def _set_state(session: Session, key: str, value: str) -> None:
    row = session.get(ExchangeState, key)
    if row is None:
        session.add(ExchangeState(key=key, value=value))
    else:
        row.value = value


class _Clock:
    """date_added stamps: strictly increasing (microseconds), so they order the collection."""

    def __init__(self, last: str) -> None:
        self.last = datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ") if last else None

    def next(self) -> str:
        now = utcnow()
        if self.last is not None and now <= self.last:
            now = self.last + timedelta(microseconds=1)
        self.last = now
        return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _Latest:
    stix_id: str
    modified: str
    content_hash: str
    revoked: bool
    payload: str
    marking_ids: str


class _Writer:
    def __init__(self, session: Session, collection: ExchangeCollection, clock: _Clock) -> None:
        self.session = session
        self.collection = collection
        self.clock = clock
        self.rows: list[dict[str, Any]] = []
        self.written = 0
        self._copies: set[tuple[str, str]] | None = None

    def copied(self) -> set[tuple[str, str]]:
        """(item key, marking ids) of the copies of shared objects already written here."""
        if self._copies is None:
            rows = self.session.execute(
                select(ExchangeObject.item_key, ExchangeObject.marking_ids).where(
                    ExchangeObject.collection_id == self.collection.id,
                    or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED)),
                    ExchangeObject.marking_ids != "",
                )
            )
            self._copies = {(r.item_key, r.marking_ids) for r in rows}
        return self._copies

    def share(
        self, shared: Iterable[tuple[str, dict[str, Any]]], marking_ids: Iterable[int]
    ) -> None:
        """Write, under a version's own markings, a copy of each shared object it uses that
        no earlier version under the same markings used: whoever may read the version reads
        the copy just before it, and where a shared object first comes for a reader depends
        only on versions that reader may read."""
        marked = _marking_text(marking_ids)
        copies = self.copied()
        for key, obj in shared:
            if (key, marked) not in copies:
                copies.add((key, marked))
                self._add(key, obj, _ids(marked), content_hash(obj), revoked=False)

    def latest(self, keys: Sequence[str], by_id: bool = False) -> dict[str, _Latest]:
        """The newest stored version of each item, by item key; `by_id`: of every item
        stored under these STIX ids (an entity's parts)."""
        column = ExchangeObject.stix_id if by_id else ExchangeObject.item_key
        found: dict[str, _Latest] = {}
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            rows = self.session.execute(
                select(
                    ExchangeObject.item_key,
                    ExchangeObject.stix_id,
                    ExchangeObject.modified,
                    ExchangeObject.content_hash,
                    ExchangeObject.revoked,
                    ExchangeObject.payload,
                    ExchangeObject.marking_ids,
                )
                .where(ExchangeObject.collection_id == self.collection.id, column.in_(part))
                .order_by(ExchangeObject.seq)
            )
            for r in rows:
                found[r.item_key] = _Latest(
                    r.stix_id, r.modified, r.content_hash, r.revoked, r.payload, r.marking_ids
                )
        return found

    def _bump(self, modified: str, previous: str | None) -> str:
        if previous is None or modified > previous:
            return modified
        return timestamp(parse_timestamp(previous) + timedelta(milliseconds=1))

    def put(
        self,
        key: str,
        obj: dict[str, Any],
        marking_ids: Iterable[int],
        prev: _Latest | None,
        shared: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> str | None:
        """Write a new version unless it says what the newest already says; its modified."""
        marking_ids = set(marking_ids)
        digest = content_hash(obj)
        fresh = prev is not None and not prev.revoked and prev.stix_id == obj["id"]
        if fresh and prev is not None and prev.content_hash == digest:
            return None
        self.share(shared, marking_ids)
        if prev is not None and not prev.revoked and prev.stix_id != obj["id"]:
            self.revoke(key, prev)
            prev = None
        same = prev is not None and prev.stix_id == obj["id"]
        obj["modified"] = self._bump(obj["modified"], prev.modified if same and prev else None)
        if obj["type"] == "language-content":
            obj["created"] = min(obj["created"], obj["modified"])
        self._add(key, obj, marking_ids, digest, revoked=False)
        return str(obj["modified"])

    def revoke(self, key: str, prev: _Latest) -> None:
        """Withdraw an item: its earlier versions go, and the revocation that replaces them
        carries no content and the markings of the version it revokes, so that only a
        reader who could have that version learns that it was withdrawn."""
        if prev.revoked:
            return
        old = json.loads(prev.payload)
        modified = self._bump(timestamp(utcnow()), prev.modified)
        obj = revoked_object(old, modified, list(old.get("object_marking_refs") or []))
        self.forget(key, prev.stix_id)
        self._add(key, obj, _ids(prev.marking_ids), content_hash(obj), revoked=True)

    def forget(self, key: str, stix_id: str) -> None:
        """Delete the stored versions of one object of an item: what was withdrawn or purged
        is served no more, by no version."""
        self.session.execute(
            delete(ExchangeObject).where(
                ExchangeObject.collection_id == self.collection.id,
                ExchangeObject.item_key == key,
                ExchangeObject.stix_id == stix_id,
            )
        )

    def prune(self, entity_ids: Iterable[str], reports: set[str], scope: Scope) -> None:
        """Delete the earlier versions of these entities (and of their parts) that carry
        statements of the purged reports. The newest stays (written after the purge, it
        holds none of them), and so do versions that never held any: a reader who could not
        see a purged report sees no version come or go."""
        self.flush()
        markers = [f'"dataset":"report:{r}"' for r in sorted(reports)]
        entity_ids = sorted(set(entity_ids))
        keys = [f"entity:{e}" for e in entity_ids]
        parts = [part_id(scope.entity_uuid(e)) for e in entity_ids]
        if not markers:
            return
        for start in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                select(
                    ExchangeObject.seq,
                    ExchangeObject.item_key,
                    ExchangeObject.stix_id,
                    ExchangeObject.payload,
                ).where(
                    ExchangeObject.collection_id == self.collection.id,
                    or_(
                        ExchangeObject.item_key.in_(keys[start : start + CHUNK]),
                        ExchangeObject.stix_id.in_(parts[start : start + CHUNK]),
                    ),
                )
            ).all()
            newest: dict[tuple[str, str], int] = {}
            for row in rows:
                key = (row.item_key, row.stix_id)
                newest[key] = max(newest.get(key, row.seq), row.seq)
            doomed = [
                row.seq
                for row in rows
                if row.seq != newest[(row.item_key, row.stix_id)]
                and any(marker in row.payload for marker in markers)
            ]
            if doomed:
                self.session.execute(delete(ExchangeObject).where(ExchangeObject.seq.in_(doomed)))

    def _add(
        self, key: str, obj: dict[str, Any], marking_ids: Iterable[int], digest: str, revoked: bool
    ) -> None:
        self.rows.append(
            {
                "collection_id": self.collection.id,
                "stix_id": obj["id"],
                "stix_type": obj["type"],
                "spec_version": obj.get("spec_version", "2.1"),
                "modified": obj.get("modified") or obj.get("created"),
                "date_added": self.clock.next(),
                "item_key": key,
                "marking_ids": _marking_text(marking_ids),
                "content_hash": digest,
                "revoked": revoked,
                "payload": json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
            }
        )

    def flush(self) -> int:
        count = len(self.rows)
        self.written += count
        if self.rows:
            self.session.execute(insert(ExchangeObject), self.rows)
            self.rows = []
        return count


# An ORCON item met while publishing: (source, originating agency, item id).
Released = tuple[str, str, str]


def _approved(session: Session, partners: Sequence[str]) -> set[Released]:
    """The items of each source and originator that the originator released to every given
    partner."""
    rows = session.execute(
        select(
            ReleaseRequest.dataset,
            ReleaseRequest.partner,
            ReleaseRequest.originator,
            ReleaseRequest.items,
        ).where(ReleaseRequest.state == "approved")
    )
    partners_of: dict[Released, set[str]] = defaultdict(set)
    for row in rows:
        for item in json.loads(row.items or "[]"):
            partners_of[(row.dataset, row.originator, str(item))].add(row.partner)
    return {key for key, got in partners_of.items() if set(partners) <= got}


def _queue(session: Session, pending: set[tuple[str, str, str, str]]) -> None:
    """Put ORCON items met while publishing into the release queue: one request per source,
    partner and originating agency, naming its items; an item already asked about (waiting,
    released or refused) is not asked about again."""
    if not pending:
        return
    wanted: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for dataset, partner, originator, item in pending:
        wanted[(dataset, partner, originator)].add(item)
    asked: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    waiting: dict[tuple[str, str, str], ReleaseRequest] = {}
    datasets = sorted({key[0] for key in wanted})
    for start in range(0, len(datasets), CHUNK):
        rows = session.execute(
            select(ReleaseRequest).where(
                ReleaseRequest.dataset.in_(datasets[start : start + CHUNK])
            )
        ).scalars()
        for row in rows:
            key = (row.dataset, row.partner, row.originator)
            asked[key].update(json.loads(row.items or "[]"))
            if row.state == "pending":
                waiting[key] = row
    for key, items in sorted(wanted.items()):
        new = items - asked[key]
        if not new:
            continue
        open_request = waiting.get(key)
        if open_request is not None:
            known = set(json.loads(open_request.items or "[]"))
            open_request.items = json.dumps(sorted(new | known))
            continue
        dataset, partner, originator = key
        session.add(
            ReleaseRequest(
                dataset=dataset,
                partner=partner,
                originator=originator,
                items=json.dumps(sorted(new)),
            )
        )
    session.flush()


def _to_statement(row: Any, markings: Markings) -> StatementIn:
    return StatementIn(
        id=row.id,
        entity_id=row.entity_id,
        schema=row.schema,
        prop=row.prop,
        prop_type=row.prop_type,
        value=row.value,
        lang=row.lang,
        original_value=row.original_value,
        dataset=row.dataset,
        report_id=row.report_id,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        marking_id=row.marking_id,
        markings=markings,
    )


class _Builder:
    """Builds one collection's objects for a set of dirty items."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        collection: ExchangeCollection,
        marks: dict[int, Markings],
        clock: _Clock,
    ) -> None:
        self.session = session
        self.settings = settings
        self.collection = collection
        self.scope = Scope(settings.node_name, collection.id)
        self.audience = audience_of(settings, collection)
        self.marks = marks
        self.crossing = {i for i, m in marks.items() if crosses(self.audience, m)}
        partners = [p for p, _n in self.audience.partners]
        self.partners = partners
        self.approved = _approved(session, partners)
        self.pending: set[tuple[str, str, str, str]] = set()
        self.writer = _Writer(session, collection, clock)

    def shared(
        self, marking_ids: Iterable[int], agencies: Iterable[str] = ()
    ) -> list[tuple[str, dict[str, Any]]]:
        return shared_objects([self.marks[i] for i in sorted(set(marking_ids))], agencies)

    def included(self, marking_id: int, dataset: str, item: str) -> bool:
        """Whether what `dataset` says of `item` under these markings goes out: it crosses,
        and, ORCON, its originating agency released this item of this source."""
        if marking_id not in self.crossing or dataset.startswith(VIA):
            return False
        markings = self.marks[marking_id]
        if markings.orcon and (dataset, markings.originator, item) not in self.approved:
            for partner in self.partners:
                self.pending.add((dataset, partner, markings.originator, item))
            return False
        return True

    def statements(self, entity_ids: Sequence[str]) -> dict[str, list[StatementIn]]:
        found: dict[str, list[StatementIn]] = defaultdict(list)
        for start in range(0, len(entity_ids), CHUNK):
            part = entity_ids[start : start + CHUNK]
            rows = self.session.execute(
                select(StatementRow)
                .where(StatementRow.entity_id.in_(part))
                .order_by(StatementRow.seq)
            ).scalars()
            for row in rows:
                if self.included(row.marking_id, row.dataset, row.entity_id):
                    found[row.entity_id].append(_to_statement(row, self.marks[row.marking_id]))
        return found

    def types(self, entity_ids: Iterable[str]) -> dict[str, str]:
        """The STIX id each entity has in this collection, from what crosses of it."""
        ids = sorted(set(entity_ids))
        out: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            rows = self.session.execute(
                select(
                    StatementRow.entity_id,
                    StatementRow.schema,
                    StatementRow.prop,
                    StatementRow.value,
                    StatementRow.marking_id,
                    StatementRow.dataset,
                ).where(StatementRow.entity_id.in_(part))
            )
            props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            schemas: dict[str, str] = {}
            for row in rows:
                if not self.included(row.marking_id, row.dataset, row.entity_id):
                    continue
                schemas.setdefault(row.entity_id, row.schema)
                props[row.entity_id][row.prop].append(row.value)
            for entity_id, schema in schemas.items():
                stix_type = stix_type_for(schema, props[entity_id])
                out[entity_id] = f"{stix_type}--{self.scope.entity_uuid(entity_id)}"
        return out

    def entities(self, entity_ids: Sequence[str]) -> None:
        ids = sorted(set(entity_ids))
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            found = self.statements(part)
            refs = {s.value for rows in found.values() for s in rows if s.prop_type == "entity"}
            ref_of = self.types(refs) if refs else {}
            keys = [f"entity:{e}" for e in part]
            latest = self.writer.latest(keys)
            parts = self.writer.latest(
                [part_id(self.scope.entity_uuid(e)) for e in part], by_id=True
            )
            for entity_id, key in zip(part, keys, strict=True):
                rows = found.get(entity_id)
                prev = latest.get(key)
                # The parts first: each brings the shared objects of its marking, which
                # the whole object uses too.
                self.parts(entity_id, rows or [], parts)
                if not rows:
                    if prev is not None:
                        self.writer.revoke(key, prev)
                    continue
                obj = entity_object(self.scope, entity_id, rows, ref_of)
                marking_ids = {s.marking_id for s in rows}
                self.writer.put(key, obj, marking_ids, prev)
            self.writer.flush()

    def parts(
        self, entity_id: str, rows: Sequence[StatementIn], latest: dict[str, _Latest]
    ) -> None:
        """A version of each part of the entity (its statements under one marking) that
        changed, a revocation of each that has none left: what a person is served of the
        entity is composed from these (`parts`), so it depends on no statement they may not
        see."""
        by_marking: dict[int, list[StatementIn]] = defaultdict(list)
        for s in rows:
            by_marking[s.marking_id].append(s)
        known = {
            marking_id
            for key in latest
            for found, marking_id in [parse_part_key(key)]
            if found == entity_id
        }
        for marking_id in sorted(known | set(by_marking)):
            key = part_key(entity_id, marking_id)
            prev = latest.get(key)
            statements = by_marking.get(marking_id)
            if not statements:
                if prev is not None:
                    self.writer.revoke(key, prev)
                continue
            obj = part_object(self.scope, entity_id, statements)
            self.writer.put(key, obj, [marking_id], prev, self.shared([marking_id]))

    def prune(self, entity_ids: Iterable[str], reports: set[str]) -> None:
        self.writer.prune(entity_ids, reports, self.scope)

    def reports(self, report_ids: Sequence[str], received: set[str]) -> None:
        ids = sorted(set(report_ids) - received)
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            reports = {
                r.id: r
                for r in self.session.execute(select(Report).where(Report.id.in_(part))).scalars()
            }
            asserted: dict[str, list[str]] = defaultdict(list)
            for row in self.session.execute(
                select(StatementRow.report_id, StatementRow.entity_id)
                .where(StatementRow.report_id.in_(part), StatementRow.prop == BASE_ID)
                .order_by(StatementRow.seq)
            ):
                asserted[row.report_id].append(row.entity_id)
            ref_of = self.types({e for v in asserted.values() for e in v})
            keys = [f"report:{r}" for r in part] + [f"lang:{r}" for r in part]
            latest = self.writer.latest(keys)
            for report_id in part:
                key, lang_key = f"report:{report_id}", f"lang:{report_id}"
                report = reports.get(report_id)
                ok = report is not None and self.included(
                    report.marking_id, f"report:{report_id}", report_id
                )
                if report is None or not ok:
                    for k in (key, lang_key):
                        if k in latest:
                            self.writer.revoke(k, latest[k])
                    continue
                markings = self.marks[report.marking_id]
                item = ReportIn(
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
                    review_by=report.review_by.isoformat(),
                    attest_no_protected_views=report.attest_no_protected_views,
                    created_at=report.created_at,
                    markings=markings,
                )
                refs = [
                    ref_of[e] for e in dict.fromkeys(asserted.get(report_id, [])) if e in ref_of
                ]
                obj = report_object(self.scope, item, refs)
                shared = self.shared([report.marking_id], [report.agency])
                modified = self.writer.put(key, obj, [report.marking_id], latest.get(key), shared)
                lang = language_content(self.scope, item, obj)
                if lang and modified is not None:
                    lang["modified"] = lang["object_modified"] = modified
                    lang["created"] = obj["created"]
                    self.writer.put(lang_key, lang, [report.marking_id], None)
            self.writer.flush()

    def statics(self) -> None:
        """The node's identity and the extension definition, which every reader may have."""
        objs: dict[str, dict[str, Any]] = {
            "static:node": node_identity(self.settings.node_name, self.settings.node_nation),
            "static:extension": extension_definition(self.settings.node_name),
        }
        latest = self.writer.latest(list(objs))
        for key, obj in objs.items():
            if key not in latest:
                self.writer._add(key, obj, [], content_hash(obj), revoked=False)


def shared_objects(
    marks: Sequence[Markings], agencies: Iterable[str] = ()
) -> list[tuple[str, dict[str, Any]]]:
    """(item key, object) of the marking definitions and agency identities that a version
    with these markings uses."""
    objs: dict[str, dict[str, Any]] = {}
    for m in marks:
        for definition in definitions_for(m):
            objs[f"marking:{definition['id']}"] = definition
    known = vocab.agencies()
    for agency in sorted({*agencies, *(m.originator for m in marks)}):
        if agency in known:
            objs[f"agency:{agency}"] = agency_identity(agency, known.get(agency).label("en"))
    return list(objs.items())


def _marked_shared(session: Session) -> None:
    """Once per store: shared objects written by earlier releases carried no markings and
    sat where the first item of any reader that used them was published, so their place
    told of items a reader may not read. They go; each collection gets a copy of each,
    under each set of markings of the versions that use it, at its end."""
    if _state(session, "shared") == "marked":
        return
    marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
    clock = _Clock(_state(session, "last_date_added"))
    legacy = and_(
        or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED)),
        ExchangeObject.marking_ids == "",
    )
    found = session.execute(select(ExchangeObject.collection_id).where(legacy).distinct())
    for collection_id in sorted(found.scalars()):
        collection = session.get(ExchangeCollection, collection_id)
        session.execute(
            delete(ExchangeObject).where(ExchangeObject.collection_id == collection_id, legacy)
        )
        if collection is None:
            continue
        sets = session.execute(
            select(ExchangeObject.marking_ids)
            .where(
                ExchangeObject.collection_id == collection_id,
                ExchangeObject.marking_ids != "",
                ~or_(*(ExchangeObject.item_key.startswith(p) for p in SHARED)),
            )
            .distinct()
        ).scalars()
        writer = _Writer(session, collection, clock)
        for text in sorted(sets):
            ids = sorted(i for i in _ids(text) if i in marks)
            writer.share(shared_objects([marks[i] for i in ids]), _ids(text))
        writer.flush()
    if clock.last is not None:
        _set_state(session, "last_date_added", clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    _set_state(session, "shared", "marked")
    session.flush()


def _local_entity_ids(session: Session) -> list[str]:
    rows = session.execute(
        select(StatementRow.entity_id)
        .where(StatementRow.prop == BASE_ID, ~StatementRow.dataset.startswith(VIA))
        .distinct()
    )
    return [r.entity_id for r in rows]


def _received_reports(session: Session) -> set[str]:
    rows = session.execute(
        select(ReceivedObject.item_key).where(ReceivedObject.item_key.startswith("report:"))
    )
    return {r.item_key.split(":", 1)[1] for r in rows}


def _lock(session: Session) -> None:
    """One publisher at a time (PostgreSQL; a SQLite transaction holds the write lock)."""
    if session.get(ExchangeState, "lock") is None:
        # Two publishers (the server's and `vinculo exchange publish`) may both find no row
        # on a new store: the second's insert fails on the key, and then the row is there.
        try:
            with session.begin_nested():
                session.add(ExchangeState(key="lock", value="publisher"))
        except IntegrityError:
            pass
    session.execute(select(ExchangeState).where(ExchangeState.key == "lock").with_for_update())


def _bare_revocations(session: Session) -> None:
    """Once per store: revocations written by earlier releases kept the whole object and no
    markings, so every reader could read what was withdrawn. Each becomes a bare one with
    the markings of the version it revoked, and the versions before it go."""
    if _state(session, "revocations") == "bare":
        return
    revoked = session.execute(
        select(ExchangeObject).where(ExchangeObject.revoked).order_by(ExchangeObject.seq)
    ).scalars()
    for row in list(revoked):
        earlier = and_(
            ExchangeObject.collection_id == row.collection_id,
            ExchangeObject.stix_id == row.stix_id,
            ExchangeObject.seq < row.seq,
        )
        prev = session.execute(
            select(ExchangeObject.marking_ids).where(earlier).order_by(ExchangeObject.seq.desc())
        ).first()
        old = json.loads(row.payload)
        obj = revoked_object(old, row.modified, list(old.get("object_marking_refs") or []))
        row.payload = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        row.content_hash = content_hash(obj)
        if not row.marking_ids and prev is not None:
            row.marking_ids = prev.marking_ids
        session.execute(delete(ExchangeObject).where(earlier))
    _set_state(session, "revocations", "bare")
    session.flush()


def _remember_node(session: Session, settings: Settings) -> None:
    """What the publisher needs of the settings, for a purge from the command line."""
    node = {
        "name": settings.node_name,
        "nation": settings.node_nation,
        "partners": [[p.name, p.nation] for p in settings.partners],
    }
    _set_state(session, "node", json.dumps(node, sort_keys=True))


def _remembered_node(session: Session) -> Settings | None:
    text = _state(session, "node")
    if not text:
        return None
    node = json.loads(text)
    partners = [PartnerConfig(name=name, nation=nation) for name, nation in node["partners"]]
    return Settings.model_construct(
        node_name=node["name"], node_nation=node["nation"], partners=partners
    )


def take_back(*, session: Session, report_id: str, entity_ids: Sequence[str]) -> int:
    """Publish a purge at once, from whichever entry point it came (the command line has no
    publisher): the report's versions give way to a bare revocation in every collection,
    the entities it named get a version without its statements, and their earlier versions
    that carried them go. Nothing of it waits in the table for a server to publish next.
    With the settings the publisher last ran with; a store never published holds nothing."""
    settings = _remembered_node(session)
    if settings is None:
        return 0
    _lock(session)
    marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
    clock = _Clock(_state(session, "last_date_added"))
    received = _received_reports(session)
    written = 0
    for collection in collections(session):
        if not _state(session, f"built:{collection.id}"):
            continue
        builder = _Builder(session, settings, collection, marks, clock)
        if not builder.audience.partners:
            continue
        builder.reports([report_id], received)
        builder.entities(sorted(entity_ids))
        builder.prune(entity_ids, {report_id})
        builder.writer.flush()
        written += builder.writer.written
        _queue(session, builder.pending)
    if clock.last is not None:
        _set_state(session, "last_date_added", clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    session.flush()
    return written


def publish(*, session: Session, settings: Settings) -> int:
    """Publish versions for everything changed since the last run; how many were written."""
    _lock(session)
    _remember_node(session, settings)
    _bare_revocations(session)
    _marked_shared(session)
    found = collections(session)
    pos_s = int(_state(session, "pos:statements", "0"))
    pos_r = int(_state(session, "pos:reports", "0"))
    pos_a = int(_state(session, "pos:audit", "0"))
    max_s = session.execute(select(func.max(StatementRow.seq))).scalar() or 0
    max_r = session.execute(select(func.max(Report.seq))).scalar() or 0
    max_a = session.execute(select(func.max(AuditRow.seq))).scalar() or 0
    dirty_entities: set[str] = set()
    dirty_reports: set[str] = set()
    purged: set[str] = set()
    purged_reports: set[str] = set()
    if found and (max_s > pos_s or max_r > pos_r or max_a > pos_a):
        for row in session.execute(
            select(StatementRow.entity_id, StatementRow.report_id).where(
                StatementRow.seq > pos_s,
                StatementRow.seq <= max_s,
                ~StatementRow.dataset.startswith(VIA),
            )
        ):
            dirty_entities.add(row.entity_id)
            if row.report_id:
                dirty_reports.add(row.report_id)
        for report_id in session.execute(
            select(Report.id).where(Report.seq > pos_r, Report.seq <= max_r)
        ).scalars():
            dirty_reports.add(report_id)
        for action, ids, target in session.execute(
            select(AuditRow.action, AuditRow.ids, AuditRow.target).where(
                AuditRow.seq > pos_a,
                AuditRow.seq <= max_a,
                AuditRow.action.in_(("purge", "release", "withdraw")),
            )
        ):
            for item in json.loads(ids or "[]"):
                dirty_entities.add(item)
                dirty_reports.add(item)
                if action == "purge":
                    purged.add(item)
            if action == "purge" and target:
                purged_reports.add(target)
    written = 0
    unbuilt = [c for c in found if not _state(session, f"built:{c.id}")]
    # Once per store: entities published before they had parts get theirs.
    unparted = _state(session, "parts") != "1"
    if found and (dirty_entities or dirty_reports or unbuilt or unparted):
        marks = {row.id: row.to_markings() for row in session.execute(select(MarkingRow)).scalars()}
        clock = _Clock(_state(session, "last_date_added"))
        received = _received_reports(session)
        all_entities: list[str] | None = None
        for collection in found:
            builder = _Builder(session, settings, collection, marks, clock)
            if not builder.audience.partners:
                continue
            built_key = f"built:{collection.id}"
            entities, reports = dirty_entities, dirty_reports
            if not _state(session, built_key):
                if all_entities is None:
                    all_entities = _local_entity_ids(session)
                entities = set(all_entities)
                reports = {r.id for r in session.execute(select(Report.id))}
                _set_state(session, built_key, "1")
            elif unparted:
                if all_entities is None:
                    all_entities = _local_entity_ids(session)
                entities = entities | set(all_entities)
            # Reports first, so a partner pulling mid-way meets a report before its entities.
            builder.reports(sorted(reports), received)
            builder.entities(sorted(entities))
            # A purged report's versions went with its revocation; the earlier versions of
            # the entities it named that carry its statements go too.
            builder.prune(purged, purged_reports)
            builder.statics()
            builder.writer.flush()
            written += builder.writer.written
            _queue(session, builder.pending)
        _set_state(
            session,
            "last_date_added",
            clock.last.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if clock.last else "",
        )
    if found:
        _set_state(session, "parts", "1")
    _set_state(session, "pos:statements", str(max_s))
    _set_state(session, "pos:reports", str(max_r))
    _set_state(session, "pos:audit", str(max_a))
    session.flush()
    return written


def count_written(session: Session, collection_id: str) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(ExchangeObject)
            .where(
                ExchangeObject.collection_id == collection_id,
                ~ExchangeObject.item_key.startswith(PART_PREFIX),
            )
        ).scalar_one()
    )


__all__ = [
    "EXTENSION_ID",
    "Query",
    "Reader",
    "and_",
    "create_collection",
    "get_collection",
    "publish",
    "read_objects",
]


# --- partner accounts -------------------------------------------------------------------------


def partner_account(
    *, session: Session, settings: Settings, name: str, days: int = 365
) -> tuple[str, str]:
    """Make (or reuse) the account a partner node signs in with here, and give it a new
    token holding only the `exchange` scope: (account name, token, shown once).

    The account has no role, and its token cannot read the API: all it can do is read the
    collections served to its partner, each item checked against the border rule.
    """
    import secrets

    from vinculo.security.models import ApiToken
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import create_user, get_by_username, issue_token

    config = partner_config(settings, name)
    if config is None:
        raise InvalidInput(N_("unknown partner node {value}"), field="partner", value=name)
    username = config.account or f"node.{name}"
    user = get_by_username(session=session, username=username)
    if user is None:
        agencies = sorted(
            a for a in vocab.agencies().codes() if vocab.agency_nation(a) == config.nation
        )
        if not agencies:
            raise InvalidInput(N_("unknown nation {value}"), field="nation", value=config.nation)
        user = create_user(
            session=session,
            user_in=UserCreate(
                username=username,
                display_name=f"Partner node {name}",
                password=secrets.token_urlsafe(32),
                agency=agencies[0],
                roles=[],
            ),
            password_min_length=settings.password_min_length,
        )
    token, row = issue_token(session=session, settings=settings, user=user, scopes=("exchange",))
    stored = session.get(ApiToken, row.id)
    assert stored is not None
    stored.expires_at = utcnow() + timedelta(days=days)
    return username, token
