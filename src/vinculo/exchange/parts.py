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
    Scope,
    StatementIn,
    content_hash,
    entity_object,
    parse_timestamp,
    revoked_object,
    stix_type_for,
    timestamp,
)
from vinculo.security.markings import Markings
from vinculo.security.models import MarkingRow

PART_TYPE = "part"
PART_PREFIX = "part:"
ENTITY_PREFIX = "entity:"
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


def for_partners_only(item_key: str) -> bool:
    """The whole entity object, every crossing statement in it: a partner node's only."""
    return item_key.startswith(ENTITY_PREFIX)


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
    """One version of an entity's object as composed for a reader."""

    seq: int  # of the part row whose writing made it
    date_added: str
    stix_id: str
    stix_type: str
    modified: str
    revoked: bool
    marking_ids: str
    payload: str
    entity_id: str

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
            item_key=f"{ENTITY_PREFIX}{self.entity_id}",
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
        if not targets:
            return {}
        uuids = {t: self.scope.entity_uuid(t) for t in targets}
        latest: dict[str, Any] = {}
        for row in self._readable_parts(sorted(part_id(u) for u in uuids.values())):
            latest[row.item_key] = row
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        schemas: dict[str, str] = {}
        for key in sorted(latest):
            row = latest[key]
            if row.revoked:
                continue
            for s in self.statements(row):
                schemas.setdefault(s.entity_id, s.schema)
                props[s.entity_id][s.prop].append(s.value)
        return {
            e: f"{stix_type_for(schema, props[e])}--{uuids[e]}"
            for e, schema in schemas.items()
            if e in uuids
        }

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
            entity_id=entity_id,
        )


def entity_uuid(stix_id: str) -> str:
    return stix_id.partition("--")[2]
