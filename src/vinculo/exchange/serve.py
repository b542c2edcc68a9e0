"""Serving what was published: what TAXII gives each reader of a collection, checked again
against the reader (a partner node by the border rule, a person by `can_see`), and the record
of each serving."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import NotFound
from vinculo.exchange.markings import Audience, crosses
from vinculo.exchange.models import ExchangeCollection, ExchangeObject
from vinculo.exchange.partners import collections
from vinculo.exchange.parts import (
    PART_TYPE,
    Composer,
    Version,
    entity_uuid,
    for_partners_only,
    is_part,
    is_report,
    part_ids_of,
    report_of,
)
from vinculo.exchange.stix import Scope
from vinculo.exchange.stored import CHUNK, POINTER_KEY, SHARED, readable
from vinculo.i18n import N_
from vinculo.security.audit import record
from vinculo.security.dissemination import Dissemination
from vinculo.security.markings import Actor
from vinculo.security.models import MarkingRow
from vinculo.security.policy import visible_marking_ids
from vinculo.settings import PartnerConfig, Settings


@dataclass
class Reader:
    """Who reads the TAXII server: a partner node (by its account) or a person."""

    actor: Actor
    partner: PartnerConfig | None = None
    _visible: set[int] | None = None
    _crossing: dict[str, set[int]] = field(default_factory=dict)

    def collections(self, session: Session) -> list[ExchangeCollection]:
        if self.partner is None:
            return collections(session=session)
        # A partner node reads its pointer collection too; a person never does.
        found = collections(session=session, pointers=True)
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


def get_collection(*, session: Session, reader: Reader, collection_id: str) -> ExchangeCollection:
    for collection in reader.collections(session):
        if collection.id == collection_id:
            return collection
    raise NotFound(N_("no such collection"), field="collection_id")


def may_read(row: ExchangeObject, allowed: set[int]) -> bool:
    return readable(row.marking_ids, allowed)


def serves(reader: Reader, item_key: str, marking_ids: str, allowed: set[int]) -> bool:
    """Whether a stored row is the reader's to have: a partner node has whole entity
    objects, a person the parts composed into what they may read (see `parts`)."""
    if reader.partner is None:
        if for_partners_only(item_key) or item_key.startswith(POINTER_KEY):
            return False
    elif is_part(item_key):
        return False
    return readable(marking_ids, allowed)


def first_copies(
    *, session: Session, collection_id: str, stix_ids: Iterable[str], allowed: set[int]
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
        # A person's entities are composed from parts and their reports' references typed
        # by what they may read (`parts`); the rest is served as stored.
        composed = _composed_versions(session, settings, collection, mine, q, allowed, person)
        stored = [r for r in mine if not (is_part(r.item_key) or r.seq in composed)]
        chosen = {
            r.seq for r in _readable_versions(session, collection, stored, q.versions, allowed)
        }
        for r in mine:
            if r.seq in composed:
                out.extend(v.row(collection.id) for v in composed[r.seq])
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
    first = first_copies(
        session=session,
        collection_id=collection.id,
        stix_ids=(r.stix_id for r in rows),
        allowed=allowed,
    )
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
    person: bool,
) -> dict[int, list[Version]]:
    """For a person, of the entities whose parts and the reports whose versions are among
    the rows, the versions asked for as composed for them (`parts.Composer`), by the seq of
    the row that made each; every such row is a key, with no version when it makes none."""
    if not person:
        return {}
    parts = [r for r in rows if is_part(r.item_key)]
    reports = [r for r in rows if is_report(r.item_key)]
    if not parts and not reports:
        return {}
    composer = Composer(session, Scope(settings.node_name, collection.id), collection.id, allowed)
    found = composer.versions(entity_uuid(r.stix_id) for r in parts)
    found.update(composer.reports(report_of(r.item_key) for r in reports))
    out: dict[int, list[Version]] = {r.seq: [] for r in [*parts, *reports]}
    for stix_id, versions in found.items():
        if (q.ids and stix_id not in q.ids) or not versions:
            continue
        for v in chosen_versions(versions, q):
            if v.seq in out:
                out[v.seq].append(v)
    return out


def chosen_versions(versions: list[Version], q: Query) -> list[Version]:
    """Of one object's versions as a reader has them, oldest first, those the query asks
    for: all, the newest, the oldest, or by stamp; of the types asked for."""
    stamps = {v for v in q.versions if v not in ("last", "first")}
    return [
        v
        for v in versions
        if (not q.types or v.stix_type in q.types)
        and (
            "all" in q.versions
            or v.modified in stamps
            or ("last" in q.versions and v is versions[-1])
            or ("first" in q.versions and v is versions[0])
        )
    ]


def news(
    *,
    session: Session,
    settings: Settings,
    reader: Reader,
    collection: ExchangeCollection,
    rows: Sequence[Any],
) -> list[Any]:
    """Of rows just written to a collection, those that are news to the reader: a row it is
    served, other than a copy of a shared object it had already, and, for a person, a
    report's version that is a version of theirs."""
    allowed = reader.allowed_markings(session, settings, collection)
    mine = [r for r in rows if serves(reader, r.item_key, r.marking_ids, allowed)]
    shared = [r.stix_id for r in mine if r.item_key.startswith(SHARED)]
    first = first_copies(
        session=session, collection_id=collection.id, stix_ids=shared, allowed=allowed
    )
    made: set[int] = set()
    reports = [r for r in mine if is_report(r.item_key)]
    if reader.partner is None and reports:
        composer = Composer(
            session, Scope(settings.node_name, collection.id), collection.id, allowed
        )
        found = composer.reports(report_of(r.item_key) for r in reports)
        made = {v.seq for versions in found.values() for v in versions}
    out = []
    for row in mine:
        copies = first.get(row.stix_id)
        if copies is not None and row.seq not in copies.values():
            continue
        if reader.partner is None and is_report(row.item_key) and row.seq not in made:
            continue
        out.append(row)
    return out


def served_items(rows: Iterable[ExchangeObject]) -> list[str]:
    """The Vínculo ids (reports, entities) a page of objects carries, for the records."""
    found = []
    for row in rows:
        kind, _, key = row.item_key.partition(":")
        # A terrorist group's intrusion set and attribution are of its entity.
        if kind in ("entity", "report", "intrusion-set", "attribution"):
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
