"""An entity as a person reads it over TAXII: composed from its parts, one per marking.

A partner node is served each entity as one object holding every statement that crosses to
it. A person may read only some of those statements, and an object served to them only
whole was hidden by any statement they may not see, one that crosses to the partner too
(issue 11). So beside that object the publisher stores, for each entity, one part per
marking: the statements under that marking, versioned on its own, marked with it alone.

A person is served the entity composed from the parts they may read, replayed in the order
the parts were written: each change of what they may read of it is a version, at the place
the part that changed it was written; when nothing they may read is left, a bare
revocation. Which versions a person gets, and where, depends only on parts they may read.
Parts are never served as such, and partners are not served them.

A report names the entities it asserts in `object_refs`, each by STIX type, and the stored
report takes that type from every statement that crosses, hidden ones too. A person is
served the report with each reference typed by what they may read of its entity now (an
entity they may read nothing of left out, the report's agency when none is left), and a
stored version that says nothing new to them once so named is no version of theirs (its
language content neither); their versions are stamped from the versions they have, so
which versions a person gets of a report, when, and what they say depend only on what they
may read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from followthemoney.statement import BASE_ID
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.exchange.models import ExchangeObject
from vinculo.exchange.stix import (
    ATTRIBUTION_PREFIX,
    INTRUSION_PREFIX,
    Scope,
    StatementIn,
    content_hash,
    entity_object,
    parse_timestamp,
    revoked_object,
    stix_type_for,
    timestamp,
)
from vinculo.exchange.stored import readable
from vinculo.security.markings import Markings
from vinculo.security.models import MarkingRow

PART_TYPE = "part"
PART_PREFIX = "part:"
ENTITY_PREFIX = "entity:"
REPORT_PREFIX = "report:"
LANG_PREFIX = "lang:"
CHUNK = 500


def part_key(entity_id: str, marking_id: int) -> str:
    return f"{PART_PREFIX}entity:{entity_id}|{marking_id}"


def parse_part_key(key: str) -> tuple[str, int]:
    """(entity id, marking id) of a part's item key (an entity id may hold a `|`)."""
    entity_id, _, marking = key[len(PART_PREFIX) + len("entity:") :].rpartition("|")
    return entity_id, int(marking)


def part_id(entity_uuid: str) -> str:
    """The stored id of an entity's parts: never served, so not a STIX type."""
    return f"{PART_TYPE}--{entity_uuid}"


def part_ids_of(stix_ids: Iterable[str]) -> list[str]:
    """The part ids of the entities whose objects have these STIX ids."""
    return sorted({part_id(i.partition("--")[2]) for i in stix_ids if "--" in i})


def is_part(item_key: str) -> bool:
    return item_key.startswith(PART_PREFIX)


def is_report(item_key: str) -> bool:
    """A report or its language content: a person is served it as `Composer.reports`
    composes it."""
    return item_key.startswith((REPORT_PREFIX, LANG_PREFIX))


def report_of(item_key: str) -> str:
    """The Vínculo id of the report a report's or language content's item key names."""
    return item_key.partition(":")[2]


def for_partners_only(item_key: str) -> bool:
    """The whole entity object, every crossing statement in it, and what a terrorist group's
    object brings with it: a partner node's only."""
    return item_key.startswith((ENTITY_PREFIX, INTRUSION_PREFIX, ATTRIBUTION_PREFIX))


def part_object(scope: Scope, entity_id: str, statements: Sequence[StatementIn]) -> dict[str, Any]:
    """The part of an entity made of its statements under one marking."""
    rows = sorted(statements, key=lambda s: (s.prop != BASE_ID, s.prop, s.value, s.dataset, s.id))
    return {
        "type": PART_TYPE,
        "id": part_id(scope.entity_uuid(entity_id)),
        "created": timestamp(min(s.first_seen for s in rows)),
        "modified": timestamp(max(s.first_seen for s in rows)),
        "entity_id": entity_id,
        "statements": [
            {
                "id": s.id,
                "schema": s.schema,
                "prop": s.prop,
                "prop_type": s.prop_type,
                "value": s.value,
                "lang": s.lang,
                "original_value": s.original_value,
                "dataset": s.dataset,
                "report_id": s.report_id,
                "first_seen": s.first_seen.isoformat(),
                "last_seen": s.last_seen.isoformat(),
            }
            for s in rows
        ],
    }


def _statements(payload: str, marking_id: int, markings: Markings) -> list[StatementIn]:
    body = json.loads(payload)
    return [
        StatementIn(
            id=s["id"],
            entity_id=body["entity_id"],
            schema=s["schema"],
            prop=s["prop"],
            prop_type=s["prop_type"],
            value=s["value"],
            lang=s["lang"],
            original_value=s["original_value"],
            dataset=s["dataset"],
            report_id=s["report_id"],
            first_seen=datetime.fromisoformat(s["first_seen"]),
            last_seen=datetime.fromisoformat(s["last_seen"]),
            marking_id=marking_id,
            markings=markings,
        )
        for s in body["statements"]
    ]


@dataclass
class Version:
    """One version of an object as composed for a reader: an entity, a report, a report's
    language content."""

    seq: int  # of the stored row whose writing made it
    date_added: str
    stix_id: str
    stix_type: str
    modified: str
    revoked: bool
    marking_ids: str
    payload: str
    item_key: str

    def row(self, collection_id: str) -> ExchangeObject:
        """As a stored version looks to the endpoints (never added to a session)."""
        return ExchangeObject(
            seq=self.seq,
            collection_id=collection_id,
            stix_id=self.stix_id,
            stix_type=self.stix_type,
            spec_version="2.1",
            modified=self.modified,
            date_added=self.date_added,
            item_key=self.item_key,
            marking_ids=self.marking_ids,
            content_hash="",
            revoked=self.revoked,
            payload=self.payload,
        )


def _bump(modified: str, previous: str | None) -> str:
    if previous is None or modified > previous:
        return modified
    return timestamp(parse_timestamp(previous) + timedelta(milliseconds=1))


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Composer:
    """Composes the entities of a page from the parts a reader may read."""

    def __init__(
        self, session: Session, scope: Scope, collection_id: str, allowed: set[int]
    ) -> None:
        self.session = session
        self.scope = scope
        self.collection_id = collection_id
        self.allowed = allowed
        self._marks: dict[int, Markings] = {}

    def _readable_parts(self, ids: Sequence[str]) -> list[Any]:
        found: list[Any] = []
        for start in range(0, len(ids), CHUNK):
            rows = self.session.execute(
                select(
                    ExchangeObject.seq,
                    ExchangeObject.stix_id,
                    ExchangeObject.date_added,
                    ExchangeObject.item_key,
                    ExchangeObject.marking_ids,
                    ExchangeObject.modified,
                    ExchangeObject.revoked,
                    ExchangeObject.payload,
                ).where(
                    ExchangeObject.collection_id == self.collection_id,
                    ExchangeObject.stix_id.in_(ids[start : start + CHUNK]),
                )
            )
            found.extend(r for r in rows if is_part(r.item_key) and self._may(r.item_key))
        return sorted(found, key=lambda r: r.seq)

    def _may(self, item_key: str) -> bool:
        return parse_part_key(item_key)[1] in self.allowed

    def markings(self, marking_id: int) -> Markings:
        if marking_id not in self._marks:
            row = self.session.get(MarkingRow, marking_id)
            assert row is not None, marking_id
            self._marks[marking_id] = row.to_markings()
        return self._marks[marking_id]

    def statements(self, row: Any) -> list[StatementIn]:
        marking_id = parse_part_key(row.item_key)[1]
        return _statements(row.payload, marking_id, self.markings(marking_id))

    def ref_types(self, targets: set[str]) -> dict[str, str]:
        """The STIX id of each linked entity, by what the reader may read of it now."""
        uuids = {t: self.scope.entity_uuid(t) for t in targets}
        found = self.types(set(uuids.values()))
        return {e: found[u] for e, u in uuids.items() if u in found}

    def types(self, uuids: set[str]) -> dict[str, str]:
        """The STIX id of each entity, by its uuid, from what the reader may read of it now;
        an entity of which they may read nothing has none."""
        if not uuids:
            return {}
        latest: dict[str, Any] = {}
        for row in self._readable_parts(sorted(part_id(u) for u in uuids)):
            latest[row.item_key] = row
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        schemas: dict[str, str] = {}
        for key in sorted(latest):
            row = latest[key]
            if row.revoked:
                continue
            uuid = entity_uuid(row.stix_id)
            for s in self.statements(row):
                schemas.setdefault(uuid, s.schema)
                props[uuid][s.prop].append(s.value)
        return {u: f"{stix_type_for(schema, props[u])}--{u}" for u, schema in schemas.items()}

    def versions(self, entity_uuids: Iterable[str]) -> dict[str, list[Version]]:
        """Every version of each entity's object the reader may have, by STIX id, oldest
        first; what a revocation took back is gone, as from the store."""
        rows = self._readable_parts(sorted({part_id(u) for u in entity_uuids}))
        by_entity: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_entity[parse_part_key(row.item_key)[0]].append(row)
        parts = {row.seq: self.statements(row) for row in rows if not row.revoked}
        targets = {s.value for found in parts.values() for s in found if s.prop_type == "entity"}
        ref_of = self.ref_types(targets)
        out: dict[str, list[Version]] = defaultdict(list)
        for entity_id, found in sorted(by_entity.items()):
            for version in self._replay(entity_id, found, parts, ref_of):
                if version.revoked:
                    out[version.stix_id] = []
                out[version.stix_id].append(version)
        return out

    def _replay(
        self,
        entity_id: str,
        rows: list[Any],
        parts: dict[int, list[StatementIn]],
        ref_of: dict[str, str],
    ) -> list[Version]:
        state: dict[int, list[StatementIn]] = {}
        made: list[Version] = []
        last: dict[str, Any] | None = None  # the newest version's object
        last_hash = ""
        for row in rows:
            marking_id = parse_part_key(row.item_key)[1]
            if row.revoked:
                state.pop(marking_id, None)
            else:
                state[marking_id] = parts[row.seq]
            statements = [s for m in sorted(state) for s in state[m]]
            live = last is not None and not last.get("revoked")
            if not statements:
                if last is not None and live:
                    last = self._revoke(last, row, made, entity_id)
                continue
            obj = entity_object(self.scope, entity_id, statements, ref_of)
            digest = content_hash(obj)
            if last is not None and live and last["id"] == obj["id"] and last_hash == digest:
                continue
            if last is not None and live and last["id"] != obj["id"]:
                last = self._revoke(last, row, made, entity_id)
            same = last is not None and last["id"] == obj["id"]
            obj["modified"] = _bump(obj["modified"], last["modified"] if last and same else None)
            marking_ids = ",".join(str(m) for m in sorted(state))
            made.append(self._version(row, obj, marking_ids, entity_id))
            last, last_hash = obj, digest
        return made

    def _revoke(
        self, last: dict[str, Any], row: Any, made: list[Version], entity_id: str
    ) -> dict[str, Any]:
        """A bare revocation, marked as the version it takes back."""
        modified = _bump(row.modified, last["modified"])
        obj = revoked_object(last, modified, list(last.get("object_marking_refs") or []))
        previous = next(v for v in reversed(made) if v.stix_id == last["id"])
        made.append(self._version(row, obj, previous.marking_ids, entity_id))
        return obj

    @staticmethod
    def _version(row: Any, obj: dict[str, Any], marking_ids: str, entity_id: str) -> Version:
        return Version(
            seq=row.seq,
            date_added=row.date_added,
            stix_id=obj["id"],
            stix_type=obj["type"],
            modified=obj["modified"],
            revoked=bool(obj.get("revoked")),
            marking_ids=marking_ids,
            payload=_dump(obj),
            item_key=f"{ENTITY_PREFIX}{entity_id}",
        )

    def reports(self, report_ids: Iterable[str]) -> dict[str, list[Version]]:
        """Every version of each report's objects (the report, its language content) the
        reader may have, by STIX id, oldest first, its references typed by what the reader
        may read of the entities they name (see the module's docstring)."""
        ids = sorted(set(report_ids))
        keys = [k for r in ids for k in (f"{REPORT_PREFIX}{r}", f"{LANG_PREFIX}{r}")]
        rows: list[Any] = []
        for start in range(0, len(keys), CHUNK):
            rows.extend(
                r
                for r in self.session.execute(
                    select(
                        ExchangeObject.seq,
                        ExchangeObject.date_added,
                        ExchangeObject.item_key,
                        ExchangeObject.stix_id,
                        ExchangeObject.marking_ids,
                        ExchangeObject.modified,
                        ExchangeObject.revoked,
                        ExchangeObject.payload,
                    ).where(
                        ExchangeObject.collection_id == self.collection_id,
                        ExchangeObject.item_key.in_(keys[start : start + CHUNK]),
                    )
                )
                if readable(r.marking_ids, self.allowed)
            )
        rows.sort(key=lambda r: r.seq)
        objects = {r.seq: json.loads(r.payload) for r in rows}
        uuids = {
            entity_uuid(ref)
            for r in rows
            if r.item_key.startswith(REPORT_PREFIX) and not r.revoked
            for ref in objects[r.seq].get("object_refs") or []
        }
        types = self.types(uuids)
        by_key: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            by_key[r.item_key].append(r)
        out: dict[str, list[Version]] = defaultdict(list)
        for report_id in ids:
            reports = by_key.get(f"{REPORT_PREFIX}{report_id}", [])
            at = self._replay_report(reports, objects, types, out)
            self._replay_language(by_key.get(f"{LANG_PREFIX}{report_id}", []), objects, at, out)
        return out

    def _replay_report(
        self,
        rows: list[Any],
        objects: dict[int, dict[str, Any]],
        types: dict[str, str],
        out: dict[str, list[Version]],
    ) -> dict[str, str]:
        """The report's versions as the reader has them; the stamp each stored version that
        is one of theirs has for them, by its stored stamp."""
        at: dict[str, str] = {}
        last: dict[str, Any] | None = None
        last_hash = ""
        for row in rows:
            obj = dict(objects[row.seq])
            if row.revoked:
                if last is not None and last.get("revoked"):
                    continue
                obj["modified"] = _bump(row.modified, last["modified"] if last else None)
            else:
                refs = [types.get(entity_uuid(ref)) for ref in obj.get("object_refs") or []]
                obj["object_refs"] = list(dict.fromkeys(r for r in refs if r)) or [
                    obj["created_by_ref"]
                ]
                digest = content_hash(obj)
                if last is not None and not last.get("revoked") and digest == last_hash:
                    continue
                obj["modified"] = _bump(obj["created"], last["modified"] if last else None)
                at[row.modified] = obj["modified"]
                last_hash = digest
            out[obj["id"]].append(self._served(row, obj))
            last = obj
        return at

    def _replay_language(
        self,
        rows: list[Any],
        objects: dict[int, dict[str, Any]],
        at: dict[str, str],
        out: dict[str, list[Version]],
    ) -> None:
        """The language content's versions: one beside each version of the report the reader
        has, stamped as it is; its revocation as stored."""
        last: dict[str, Any] | None = None
        for row in rows:
            obj = dict(objects[row.seq])
            if row.revoked:
                if last is not None and last.get("revoked"):
                    continue
                obj["modified"] = _bump(row.modified, last["modified"] if last else None)
            else:
                modified = at.get(str(obj.get("object_modified")))
                if modified is None:
                    continue  # beside a stored version that is none of the reader's
                obj["modified"] = obj["object_modified"] = modified
                obj["created"] = min(obj["created"], modified)
            out[obj["id"]].append(self._served(row, obj))
            last = obj

    @staticmethod
    def _served(row: Any, obj: dict[str, Any]) -> Version:
        return Version(
            seq=row.seq,
            date_added=row.date_added,
            stix_id=obj["id"],
            stix_type=obj["type"],
            modified=obj["modified"],
            revoked=bool(obj.get("revoked")),
            marking_ids=row.marking_ids,
            payload=_dump(obj),
            item_key=row.item_key,
        )


def entity_uuid(stix_id: str) -> str:
    return stix_id.partition("--")[2]
