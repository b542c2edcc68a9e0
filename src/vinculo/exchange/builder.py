"""Building one collection's objects for a set of changed items, cut for the collection's
audience: a statement that may not cross is left out of the object that does, an ORCON item
waits for its originator's release, an item that may no longer cross is revoked."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.exchange.markings import crosses, definitions_for
from vinculo.exchange.models import ExchangeCollection, ReleaseRequest
from vinculo.exchange.notices import announce
from vinculo.exchange.partners import audience_of
from vinculo.exchange.parts import parse_part_key, part_id, part_key, part_object
from vinculo.exchange.stix import (
    ATTRIBUTION_PREFIX,
    INTRUSION_PREFIX,
    Scope,
    StatementIn,
    agency_identity,
    content_hash,
    entity_object,
    extension_definition,
    intrusion_set_objects,
    language_content,
    node_identity,
    report_object,
    stix_type_for,
)
from vinculo.exchange.stored import CHUNK, VIA
from vinculo.exchange.writer import Clock, Latest, Writer
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.service import report_read, reports_entity_ids
from vinculo.security.markings import Markings
from vinculo.settings import Settings

# An ORCON item met while publishing: (source, originating agency, item id).
Released = tuple[str, str, str]


def approved_items(session: Session, partners: Sequence[str]) -> set[Released]:
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


def queue_releases(session: Session, pending: set[tuple[str, str, str, str]]) -> None:
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
    made: list[ReleaseRequest] = []
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
        made.append(
            ReleaseRequest(
                dataset=dataset,
                partner=partner,
                originator=originator,
                items=json.dumps(sorted(new)),
            )
        )
        session.add(made[-1])
    session.flush()
    # The originating agency's supervisors are told (in the app, and by e-mail if asked).
    announce(session, made)


def statement_in(row: Any, markings: Markings) -> StatementIn:
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


class Builder:
    """Builds one collection's objects for a set of dirty items."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        collection: ExchangeCollection,
        marks: dict[int, Markings],
        clock: Clock,
    ) -> None:
        self.session = session
        self.settings = settings
        self.collection = collection
        self.scope = Scope(settings.node_name, collection.id)
        self.audience = audience_of(settings=settings, collection=collection)
        self.marks = marks
        self.crossing = {i for i, m in marks.items() if crosses(self.audience, m)}
        partners = [p for p, _n in self.audience.partners]
        self.partners = partners
        self.approved = approved_items(session, partners)
        self.pending: set[tuple[str, str, str, str]] = set()
        self.writer = Writer(session, collection, clock)

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
                    found[row.entity_id].append(statement_in(row, self.marks[row.marking_id]))
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
            derived = [f"{p}{e}" for e in part for p in (INTRUSION_PREFIX, ATTRIBUTION_PREFIX)]
            latest = self.writer.latest(keys + derived)
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
                    self.derived(entity_id, None, set(), latest)
                    continue
                obj = entity_object(self.scope, entity_id, rows, ref_of)
                marking_ids = {s.marking_id for s in rows}
                self.writer.put(key, obj, marking_ids, prev)
                self.derived(entity_id, obj, marking_ids, latest)
            self.writer.flush()

    def derived(
        self,
        entity_id: str,
        obj: dict[str, Any] | None,
        marking_ids: set[int],
        latest: dict[str, Latest],
    ) -> None:
        """A terrorist group's intrusion set and its attribution, under the group's markings:
        written as the threat-actor changes, revoked when it goes or is no longer terrorist."""
        made = intrusion_set_objects(self.scope, entity_id, obj) if obj is not None else []
        for index, prefix in enumerate((INTRUSION_PREFIX, ATTRIBUTION_PREFIX)):
            key = f"{prefix}{entity_id}"
            prev = latest.get(key)
            if index < len(made):
                self.writer.put(key, made[index], marking_ids, prev)
            elif prev is not None:
                self.writer.revoke(key, prev)

    def parts(self, entity_id: str, rows: Sequence[StatementIn], latest: dict[str, Latest]) -> None:
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
            named = reports_entity_ids(session=self.session, report_ids=list(reports))
            read = {
                r.id: report_read(
                    session=self.session,
                    report=r,
                    markings=self.marks[r.marking_id],
                    entity_ids=named[r.id],
                )
                for r in reports.values()
            }
            ref_of = self.types({e for r in read.values() for e in r.entity_ids})
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
                item = read[report_id]
                refs = [ref_of[e] for e in dict.fromkeys(item.entity_ids) if e in ref_of]
                obj = report_object(self.scope, item, self.marks[report.marking_id], refs)
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
