"""Writing versions of STIX objects into a collection: a new version only when it says
something new, bare revocations, the copies of shared objects each set of markings uses, and
the pruning of versions that carried a purged report's statements."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from vinculo.exchange.models import ExchangeCollection, ExchangeObject
from vinculo.exchange.parts import part_id
from vinculo.exchange.stix import (
    ATTRIBUTION_PREFIX,
    INTRUSION_PREFIX,
    Scope,
    content_hash,
    parse_timestamp,
    revoked_object,
    timestamp,
)
from vinculo.exchange.stored import CHUNK, SHARED, marking_id_set, marking_text
from vinculo.security.models import utcnow


class Clock:
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
class Latest:
    stix_id: str
    modified: str
    content_hash: str
    revoked: bool
    payload: str
    marking_ids: str


class Writer:
    def __init__(self, session: Session, collection: ExchangeCollection, clock: Clock) -> None:
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
        marked = marking_text(marking_ids)
        copies = self.copied()
        for key, obj in shared:
            if (key, marked) not in copies:
                copies.add((key, marked))
                self._add(key, obj, marking_id_set(marked), content_hash(obj), revoked=False)

    def latest(self, keys: Sequence[str], by_id: bool = False) -> dict[str, Latest]:
        """The newest stored version of each item, by item key; `by_id`: of every item
        stored under these STIX ids (an entity's parts)."""
        column = ExchangeObject.stix_id if by_id else ExchangeObject.item_key
        found: dict[str, Latest] = {}
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
            # An item whose STIX type changed has two objects: the new one is written before
            # the revocation of the old (`put`), and is the item's newest while it stands.
            newest: dict[str, dict[str, Latest]] = {}
            for r in rows:
                newest.setdefault(r.item_key, {}).pop(r.stix_id, None)
                newest[r.item_key][r.stix_id] = Latest(
                    r.stix_id, r.modified, r.content_hash, r.revoked, r.payload, r.marking_ids
                )
            for key, objects in newest.items():
                standing = [v for v in objects.values() if not v.revoked]
                found[key] = standing[-1] if standing else list(objects.values())[-1]
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
        prev: Latest | None,
        shared: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> str | None:
        """Write a new version unless it says what the newest already says; its modified."""
        marking_ids = set(marking_ids)
        digest = content_hash(obj)
        fresh = prev is not None and not prev.revoked and prev.stix_id == obj["id"]
        if fresh and prev is not None and prev.content_hash == digest:
            return None
        self.share(shared, marking_ids)
        retyped = (
            prev if prev is not None and not prev.revoked and prev.stix_id != obj["id"] else None
        )
        same = prev is not None and prev.stix_id == obj["id"]
        obj["modified"] = self._bump(obj["modified"], prev.modified if same and prev else None)
        if obj["type"] == "language-content":
            obj["created"] = min(obj["created"], obj["modified"])
        self._add(key, obj, marking_ids, digest, revoked=False)
        if retyped is not None:
            # The item goes on under another STIX type (a crime topic made an organisation's
            # `identity` a `threat-actor`): its content still crosses, so the old object's
            # versions stay where they were and the revocation comes after the new object.
            # A partner that met the old object stores the item where it met it, however its
            # pull falls into pages, and keeps what the new object says again when the
            # revocation comes (exchange/ingest.py); were the old versions deleted, or the
            # revocation first, the partner would store the item after everything written
            # since, so a topic its reader may not see would move it in the reader's lists.
            self.revoke(key, retyped, keep=True)
        return str(obj["modified"])

    def revoke(self, key: str, prev: Latest, keep: bool = False) -> None:
        """Withdraw an item: its earlier versions go, and the revocation that replaces them
        carries no content and the markings of the version it revokes, so that only a
        reader who could have that version learns that it was withdrawn. `keep`: only the
        object goes, the item goes on under another (its earlier versions stay, as an
        object's do when a newer version of it is written; a purge prunes them by item)."""
        if prev.revoked:
            return
        old = json.loads(prev.payload)
        modified = self._bump(timestamp(utcnow()), prev.modified)
        obj = revoked_object(old, modified, list(old.get("object_marking_refs") or []))
        if not keep:
            self.forget(key, prev.stix_id)
        self._add(key, obj, marking_id_set(prev.marking_ids), content_hash(obj), revoked=True)

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
        see a purged report sees no version come or go. A terrorist group's intrusion set and
        attribution carry no statements: a version of theirs goes when the entity's version
        it was made beside (the same `modified`) goes."""
        self.flush()
        markers = [f'"dataset":"report:{r}"' for r in sorted(reports)]
        entity_ids = sorted(set(entity_ids))
        keys = [f"entity:{e}" for e in entity_ids]
        derived = [f"{p}{e}" for e in entity_ids for p in (INTRUSION_PREFIX, ATTRIBUTION_PREFIX)]
        parts = [part_id(scope.entity_uuid(e)) for e in entity_ids]
        if not markers:
            return
        for start in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                select(
                    ExchangeObject.seq,
                    ExchangeObject.item_key,
                    ExchangeObject.stix_id,
                    ExchangeObject.modified,
                    ExchangeObject.payload,
                ).where(
                    ExchangeObject.collection_id == self.collection.id,
                    or_(
                        ExchangeObject.item_key.in_(keys[start : start + CHUNK]),
                        ExchangeObject.stix_id.in_(parts[start : start + CHUNK]),
                        ExchangeObject.item_key.in_(derived[2 * start : 2 * (start + CHUNK)]),
                    ),
                )
            ).all()
            newest: dict[tuple[str, str], int] = {}
            for row in rows:
                key = (row.item_key, row.stix_id)
                newest[key] = max(newest.get(key, row.seq), row.seq)
            older = [row for row in rows if row.seq != newest[(row.item_key, row.stix_id)]]
            doomed = [row.seq for row in older if any(marker in row.payload for marker in markers)]
            gone = {
                (row.item_key.removeprefix("entity:"), row.modified)
                for row in older
                if row.seq in doomed and row.item_key.startswith("entity:")
            }
            doomed += [
                row.seq
                for row in older
                if row.item_key.startswith((INTRUSION_PREFIX, ATTRIBUTION_PREFIX))
                and (row.item_key.partition(":")[2], row.modified) in gone
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
                "marking_ids": marking_text(marking_ids),
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
