"""Storing what a partner sends: one page of a pull, or one POST, in the caller's transaction.

Each object is upserted by its STIX id and `modified` (a replayed or older version changes
nothing) with its provenance (partner, origin node and agency, markings as received → markings
stored); a revoked version withdraws the item. Statements a newer version no longer says, and
those of a withdrawn item, are deleted through intel's one door (intel.deletion), which runs the
purge hooks. What fails validation is quarantined with the reason, before anything of it is
written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from followthemoney.statement import BASE_ID
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput, TooLarge
from vinculo.exchange.deconfliction import POINTER_TYPE
from vinculo.exchange.markings import marking_refs
from vinculo.exchange.models import QuarantinedObject, ReceivedObject, StatusResource
from vinculo.exchange.pointers import receive_pointers
from vinculo.exchange.stix import parse_timestamp, timestamp, vinculo_extension
from vinculo.exchange.stored import VIA
from vinculo.exchange.validate import (
    MarkingsCache,
    ReceivedStatement,
    Rejected,
    check_marking_refs,
    check_stix,
    parse_statements,
)
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for
from vinculo.intel.deletion import delete_report, delete_statements
from vinculo.intel.ftm import SEARCHABLE_TYPES, fold, statement_key
from vinculo.intel.models import Report, StatementRow
from vinculo.security.audit import record
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import marking_id_for
from vinculo.settings import Settings

# Pages with at least this many statements are written with the full-text index filled after.
BULK_STATEMENTS = 500
_RECEIVED_TABLE = cast(Table, ReceivedObject.__table__)
# What a statement said again may change (its id holds the rest); `norm` follows its value.
_RENEWED = ("schema", "prop_type", "lang", "original_value", "report_id", "first_seen", "last_seen")


@dataclass
class Outcome:
    stored: int = 0
    skipped: int = 0
    withdrawn: int = 0
    quarantined: int = 0
    items: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    successes: list[str] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.stored += other.stored
        self.skipped += other.skipped
        self.withdrawn += other.withdrawn
        self.quarantined += other.quarantined


@dataclass
class IngestCache:
    """What receiving learns once and reuses page after page: markings as received, checked,
    and the provenance text of plain marking references. Held by whoever receives (the sync
    worker, one sync, one POST) for as long as it does; nothing of it outlives its holder."""

    markings: MarkingsCache = field(default_factory=MarkingsCache)
    received: dict[tuple[str, ...], str] = field(default_factory=dict)

    def markings_received(self, obj: dict[str, Any]) -> str:
        refs = obj.get("object_marking_refs", [])
        granular = obj.get("granular_markings", [])
        # Most objects of a page carry the same references and no granular markings.
        plain = not granular and isinstance(refs, list) and all(isinstance(r, str) for r in refs)
        key = tuple(refs) if plain else None
        text = self.received.get(key) if key is not None else None
        if text is None:
            text = json.dumps({"object_marking_refs": refs, "granular_markings": granular})
            if key is not None and len(self.received) < 1000:
                self.received[key] = text
        return text


class Ingest:
    """Stores the objects of one page (or one POST) in the caller's transaction."""

    def __init__(
        self,
        *,
        session: Session,
        settings: Settings,
        partner: str,
        collection_id: str,
        actor: Actor | None = None,
        known_markings: set[str] | None = None,
        cache: IngestCache | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.partner = partner
        self.collection_id = collection_id
        self.actor = actor
        self.nation = settings.node_nation
        self.cache = IngestCache() if cache is None else cache
        self.marking_ids: dict[str, int] = {}
        # Markings as received (their text) → their STIX refs and stored id: a page's
        # statements nearly all carry the same few.
        self.facts: dict[str, tuple[list[str], int]] = {}
        self.backend = backend_for(session)
        # Marking definitions known to be stored (or in the page being stored); one not in it
        # is looked up by its id. Reading them all was a scan of every received object, page
        # after page.
        self.known_markings = set() if known_markings is None else known_markings
        # Those the objects being stored define: known to them, whatever becomes of them.
        self.defined: set[str] = set()
        self.texts: dict[int, str] = {}

    def knows(self, ref: str) -> bool:
        if ref in self.known_markings or ref in self.defined:
            return True
        found = self.session.execute(
            select(ReceivedObject.stix_id).where(
                ReceivedObject.stix_id == ref, ReceivedObject.stix_type == "marking-definition"
            )
        ).first()
        if found is not None:
            self.known_markings.add(ref)
        return found is not None

    def _marking_id(self, markings: Markings) -> int:
        signature = markings.signature()
        found = self.marking_ids.get(signature)
        if found is None:
            found = marking_id_for(session=self.session, markings=markings)
            self.marking_ids[signature] = found
        return found

    def quarantine(self, stix_id: str, reason: str, detail: str, payload: str) -> None:
        self.session.add(
            QuarantinedObject(
                partner=self.partner,
                collection_id=self.collection_id,
                stix_id=stix_id[:100],
                reason=reason[:64],
                detail=detail[:2000],
                payload=payload[:100_000],
            )
        )

    def objects(
        self,
        objects: Sequence[Any],
        checks: Sequence[str | None] | None = None,
        texts: Sequence[str] | None = None,
    ) -> Outcome:
        """Validate every object first, then write the page in a few batched statements:
        a bad object is quarantined before anything of it is written."""
        outcome = Outcome()
        if texts is not None and len(texts) == len(objects):
            self.texts = {id(obj): text for obj, text in zip(objects, texts, strict=True)}
        newest: dict[str, dict[str, Any]] = {}
        found: dict[int, str | None] = {}
        # Where each object (by the UUID of its id) first came in the page.
        slots: dict[str, int] = {}
        pointers: list[dict[str, Any]] = []
        for index, obj in enumerate(objects):
            if checks is not None and index < len(checks):
                found[id(obj)] = checks[index]
            stix_id = obj.get("id") if isinstance(obj, dict) else None
            if not isinstance(obj, dict) or not isinstance(stix_id, str):
                text = json.dumps(obj, ensure_ascii=False)[:100_000]
                self.quarantine("", "malformed", "not a STIX object", text)
                outcome.quarantined += 1
                outcome.failures.append({"id": "", "message": "not a STIX object"})
                continue
            if obj.get("type") == POINTER_TYPE:
                # A deconfliction pointer is no intelligence: it goes its own way, never
                # stored as a received object (exchange/pointers.py).
                pointers.append(obj)
                continue
            if obj.get("type") == "marking-definition":
                self.defined.add(stix_id)
            slots.setdefault(_object_uuid(stix_id), index)
            kept = newest.get(stix_id)
            if kept is None or _modified(obj) > _modified(kept):
                newest[stix_id] = obj
            outcome.skipped += kept is not None
        existing = self._existing(list(newest))
        plans: list[_Plan] = []
        # Only the newest version of each object is stored, and it is stored where the
        # object first came. An entity whose STIX type changed is two objects under one UUID
        # (`identity--U` and `threat-actor--U`): its earlier versions come first, then the
        # new object, then the revocation of the old, which is the newest of those; the
        # entity is stored where its first version came, as it is when the pull's pages
        # fall between them, not after what came in between.
        ordered = sorted(newest.items(), key=lambda item: slots[_object_uuid(item[0])])
        for stix_id, obj in ordered:
            prev = existing.get(stix_id)
            if prev is not None and prev.modified >= _modified(obj):
                # A replayed or older version: what is stored stays.
                outcome.skipped += 1
                outcome.successes.append(stix_id)
                continue
            try:
                if id(obj) in found:
                    problem = found[id(obj)]
                    if problem is not None:
                        reason, _, message = problem.partition("\t")
                        raise Rejected(reason, message)
                else:
                    check_stix(obj)
                plans.append(self._plan(obj, prev))
            except Rejected as rejected:
                outcome.quarantined += 1
                text = json.dumps(obj, ensure_ascii=False)[:100_000]
                self.quarantine(stix_id, rejected.reason, str(rejected), text)
                outcome.failures.append({"id": stix_id, "message": str(rejected)})
        self._write(plans, outcome)
        if pointers:
            got = receive_pointers(
                session=self.session,
                settings=self.settings,
                partner=self.partner,
                collection_id=self.collection_id,
                objects=pointers,
                actor=self.actor,
            )
            outcome.stored += got.stored
            outcome.quarantined += got.quarantined
            outcome.skipped += len(pointers) - got.stored - got.quarantined
        return outcome

    def _existing(self, ids: Sequence[str]) -> dict[str, ReceivedObject]:
        found: dict[str, ReceivedObject] = {}
        for start in range(0, len(ids), 500):
            rows = self.session.execute(
                select(ReceivedObject).where(ReceivedObject.stix_id.in_(ids[start : start + 500]))
            ).scalars()
            found.update({r.stix_id: r for r in rows})
        return found

    def _plan(self, obj: dict[str, Any], prev: ReceivedObject | None) -> _Plan:
        """Check an object and work out what storing it means; nothing is written yet."""
        ext = vinculo_extension(obj)
        plan = _Plan(obj=obj, prev=prev, ext=ext)
        if obj.get("revoked"):
            plan.revoked = True
            return plan
        if ext is not None and "report" in ext:
            self._plan_report(plan, ext)
        elif ext is not None and "statements" in ext:
            self._plan_entity(plan, ext)
        else:
            check_marking_refs(obj, set(), self.knows)
        return plan

    def _plan_report(self, plan: _Plan, ext: dict[str, Any]) -> None:
        data = ext["report"]
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise Rejected("invalid", "the Vínculo extension holds no valid report")
        report_id = data["id"][:32]
        markings = self.cache.markings.markings(data.get("markings"), self.nation)
        check_marking_refs(plan.obj, set(marking_refs(markings)), self.knows)
        prev = plan.prev
        received_before = prev is not None and prev.item_key == f"report:{report_id}"
        found = self.session.execute(select(Report.id).where(Report.id == report_id)).first()
        if found is not None and not received_before:
            # A report of this node, or from another partner, under the same id: never
            # overwritten by what a partner sends.
            raise Rejected("id clash", f"report {report_id} already exists here")
        try:
            review_by = date.fromisoformat(str(data.get("review_by")))
            created = parse_timestamp(str(data.get("created_at")))
            credibility = int(data.get("credibility", 0))
        except ValueError:
            raise Rejected("invalid", "the report has no valid dates or grading") from None
        texts = {k: str(data.get(k) or "") for k in ("title_en", "title_es", "body_en", "body_es")}
        marking_id = self._marking_id(markings)
        plan.item_key = f"report:{report_id}"
        plan.marking_ids = [marking_id]
        plan.report = {
            **texts,
            "id": report_id,
            "created_at": created,
            "agency": markings.originator,
            "nation": str(data.get("nation") or "")[:3],
            "reliability": str(data.get("reliability") or "F")[:1],
            "credibility": credibility,
            "predicate": str(data.get("predicate") or "")[:64],
            "suspicion": str(data.get("suspicion") or ""),
            "review_by": review_by,
            "attest_no_protected_views": bool(data.get("attest_no_protected_views")),
            "marking_id": marking_id,
            "search_text": fold(" ".join(texts.values())),
        }

    def _facts(self, s: ReceivedStatement) -> tuple[list[str], int]:
        found = self.facts.get(s.markings_key) if s.markings_key else None
        if found is None:
            found = (marking_refs(s.markings), self._marking_id(s.markings))
            if s.markings_key:
                self.facts[s.markings_key] = found
        return found

    def _plan_entity(self, plan: _Plan, ext: dict[str, Any]) -> None:
        entity_id, schema, statements = parse_statements(ext, self.nation, self.cache.markings)
        facts = [self._facts(s) for s in statements]
        explained: set[str] = set()
        for refs, _id in facts:
            explained.update(refs)
        check_marking_refs(plan.obj, explained, self.knows)
        rows: dict[str, dict[str, Any]] = {}
        marking_ids: set[int] = set()
        for s, (_refs, marking_id) in zip(statements, facts, strict=True):
            dataset = f"{VIA}{self.partner}:{s.dataset}"[:128]
            # Keyed as local statements are, with the markings: the same fact under other
            # markings is another statement, kept beside it, never absorbed by it.
            statement_id = statement_key(
                dataset, entity_id, s.prop, s.value, s.markings.signature()
            )
            marking_ids.add(marking_id)
            rows.setdefault(
                statement_id,
                {
                    "id": statement_id,
                    "entity_id": entity_id,
                    "canonical_id": entity_id,
                    "schema": schema,
                    "prop": s.prop,
                    "prop_type": s.prop_type,
                    "value": s.value,
                    "lang": s.lang,
                    "original_value": s.original_value,
                    "dataset": dataset,
                    "report_id": s.report_id,
                    "marking_id": marking_id,
                    "norm": fold(s.value) if s.prop_type in SEARCHABLE_TYPES else None,
                    "first_seen": s.first_seen,
                    "last_seen": s.last_seen,
                },
            )
        if not any(r["prop"] == BASE_ID for r in rows.values()):
            raise Rejected("invalid", "the entity's statements hold no id statement")
        plan.item_key = f"entity:{entity_id}"
        plan.entity = (entity_id, schema)
        plan.statements = list(rows.values())
        plan.marking_ids = sorted(marking_ids)

    def _write(self, plans: list[_Plan], outcome: Outcome) -> None:
        session = self.session
        # Statements of the versions being replaced or withdrawn go first. What the new
        # versions no longer say, and the reports withdrawn with the statements that cite
        # them, are deleted through intel's one door, its purge hooks with it (a merge judged
        # on them goes), before anything of this page is written or audited. What the new
        # versions say again keeps its row, and so its place: deleted and written afresh, it
        # went after everything received before it, and an organisation whose object its
        # source sent again (a crime topic the reader may not see made it a `threat-actor`)
        # moved after the person named beside it, in its reports and in the entity list.
        said = {row["id"] for plan in plans for row in plan.statements}
        dropped = [
            i for p in plans if p.prev is not None for i in json.loads(p.prev.statement_ids or "[]")
        ]
        withdrawn = [
            (p.obj, p.prev)
            for p in plans
            if p.revoked and p.prev is not None and not p.prev.revoked
        ]
        keys = [prev.item_key.partition(":") for _obj, prev in withdrawn]
        standing = self._standing(
            [prev.item_key for _obj, prev in withdrawn if prev.item_key.startswith("entity:")],
            {str(p.obj["id"]) for p in plans},
        )
        delete_statements(
            session=session,
            statement_ids=[i for i in dropped if i not in said and i not in standing],
            entity_ids=[key for kind, _, key in keys if kind == "entity"],
        )
        for kind, _, key in keys:
            if kind == "report":
                delete_report(session=session, report_id=key)
        renewed = {i for i in dropped if i in said}
        for obj, prev in withdrawn:
            self._withdrawn(prev, obj)
            outcome.withdrawn += 1
            outcome.items.append(prev.item_key.partition(":")[2])
        for plan in plans:
            if plan.report is None:
                continue
            report = session.execute(
                select(Report).where(Report.id == plan.report["id"])
            ).scalar_one_or_none()
            if report is None:
                session.add(Report(author_id=None, **plan.report))
            else:
                for key, value in plan.report.items():
                    if key not in ("id", "created_at"):
                        setattr(report, key, value)
        session.flush()
        statements: dict[str, dict[str, Any]] = {}
        entities: dict[str, dict[str, Any]] = {}
        now = utcnow()
        for plan in plans:
            if plan.entity is not None:
                entity_id, schema = plan.entity
                entities.setdefault(
                    entity_id, {"id": entity_id, "schema": schema, "created_at": now}
                )
                for row in plan.statements:
                    statements[row["id"]] = row
        cited = sorted({r["report_id"] for r in statements.values() if r["report_id"]})
        present: set[str] = set()
        for start in range(0, len(cited), 500):
            present.update(
                session.execute(
                    select(Report.id).where(Report.id.in_(cited[start : start + 500]))
                ).scalars()
            )
        for row in statements.values():
            if row["report_id"] not in present:
                row["report_id"] = None
        self.backend.insert_entities(session, list(entities.values()))
        if len(statements) >= BULK_STATEMENTS:
            # The full-text index filled once for the page rather than by a trigger per row,
            # inside this page's transaction (which holds the write lock).
            with self.backend.bulk_statements(session):
                self.backend.upsert_statements(session, list(statements.values()))
        else:
            self.backend.upsert_statements(session, list(statements.values()))
        self._renew([statements[i] for i in sorted(renewed) if i in statements])
        fresh: list[dict[str, Any]] = []
        for plan in plans:
            values = self._provenance(plan, now)
            if plan.prev is None:
                fresh.append(values)
            else:
                for key, value in values.items():
                    setattr(plan.prev, key, value)
            if not plan.revoked:
                outcome.stored += 1
                if plan.item_key:
                    outcome.items.append(plan.item_key.partition(":")[2])
            outcome.successes.append(str(plan.obj["id"]))
        if fresh:
            self.backend.insert_rows(session, _RECEIVED_TABLE, fresh)
        session.flush()

    def _standing(self, item_keys: list[str], in_page: set[str]) -> set[str]:
        """The statements that objects stored before, other than those of this page, still
        say of these items. An entity whose STIX type changed is sent as the new object and
        then the revocation of the old (exchange/writer.py `put`), in one page or two: the
        revocation withdraws the old object, not what the new one says."""
        held: set[str] = set()
        for start in range(0, len(item_keys), 500):
            rows = self.session.execute(
                select(ReceivedObject.stix_id, ReceivedObject.statement_ids).where(
                    ReceivedObject.item_key.in_(item_keys[start : start + 500]),
                    ReceivedObject.revoked.is_(False),
                )
            )
            for row in rows:
                if row.stix_id not in in_page:
                    held.update(json.loads(row.statement_ids or "[]"))
        return held

    def _renew(self, rows: list[dict[str, Any]]) -> None:
        """Statements a new version says again take what it says of them, in place. Their
        id holds the entity, property, value, source and markings; the rest may change."""
        if not rows:
            return
        table = cast(Table, StatementRow.__table__)
        self.session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in _RENEWED}),
            [{"b_id": r["id"], **{f"b_{c}": r[c] for c in _RENEWED}} for r in rows],
        )

    def _provenance(self, plan: _Plan, now: Any) -> dict[str, Any]:
        obj, ext = plan.obj, plan.ext
        origin = ""
        if ext and isinstance(ext.get("report"), dict):
            origin = str((ext["report"].get("markings") or {}).get("originator", ""))
        elif ext and isinstance(ext.get("statements"), list) and ext["statements"]:
            first = ext["statements"][0]
            if isinstance(first, dict):
                origin = str((first.get("markings") or {}).get("originator", ""))
        item_key = plan.item_key or (plan.prev.item_key if plan.prev is not None else "")
        return {
            "stix_id": str(obj["id"])[:100],
            "partner": self.partner,
            "collection_id": self.collection_id,
            "stix_type": str(obj.get("type", ""))[:40],
            "modified": _modified(obj),
            "origin_node": str((ext or {}).get("node") or self.partner)[:64],
            "origin_agency": origin[:16],
            "item_key": item_key,
            "markings_received": self.cache.markings_received(obj),
            "marking_ids": ",".join(str(i) for i in sorted(set(plan.marking_ids))),
            "statement_ids": json.dumps([r["id"] for r in plan.statements]),
            "revoked": plan.revoked,
            "received_at": now,
            "payload": self.texts.get(id(obj))
            or json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
        }

    def _withdrawn(self, prev: ReceivedObject, obj: dict[str, Any]) -> None:
        """The audit row of one withdrawal."""
        key = prev.item_key.partition(":")[2]
        record(
            session=self.session,
            actor=self.actor,
            action="withdraw",
            kind="exchange",
            target=str(obj["id"])[:200],
            ids=[key] if key else [],
            detail={
                "partner": self.partner,
                "collection": self.collection_id,
                "modified": obj.get("modified"),
                "reason": "revoked by its originator",
            },
        )


def _object_uuid(stix_id: str) -> str:
    """The UUID of a STIX id, which a Vínculo node keeps for an entity whatever its type."""
    return stix_id.partition("--")[2] or stix_id


def _modified(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


@dataclass
class _Plan:
    """What storing one validated object means, before anything is written."""

    obj: dict[str, Any]
    prev: ReceivedObject | None
    ext: dict[str, Any] | None
    revoked: bool = False
    item_key: str = ""
    marking_ids: list[int] = field(default_factory=list)
    report: dict[str, Any] | None = None
    entity: tuple[str, str] | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)


def accept_envelope(
    *,
    session: Session,
    settings: Settings,
    partner: str,
    collection_id: str,
    body: bytes,
    actor: Actor | None,
) -> StatusResource:
    """A partner's POST of an envelope: stored as received objects; a status resource."""
    if len(body) > settings.exchange_max_envelope_bytes:
        raise TooLarge(N_("the envelope is larger than this server accepts"), field="body")
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput(N_("not a valid JSON object"), field="body") from None
    objects = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objects, list):
        raise InvalidInput(N_("not a valid JSON object"), field="objects")
    ingest = Ingest(
        session=session,
        settings=settings,
        partner=partner,
        collection_id=collection_id,
        actor=actor,
    )
    outcome = ingest.objects(objects)
    record(
        session=session,
        actor=actor,
        action="write",
        kind="exchange",
        target=f"node:{partner}",
        ids=outcome.items,
        detail={"collection": collection_id, "stored": outcome.stored, "posted": len(objects)},
    )
    now = timestamp(utcnow())
    status = StatusResource(
        id=str(uuid.uuid4()),
        collection_id=collection_id,
        partner=partner,
        status="complete",
        request_timestamp=now,
        total_count=len(objects),
        success_count=len(outcome.successes),
        failure_count=len(outcome.failures),
        pending_count=0,
        details=json.dumps(
            {
                "successes": [{"id": i, "version": ""} for i in outcome.successes][:1000],
                "failures": outcome.failures[:1000],
            }
        ),
    )
    session.add(status)
    session.flush()
    return status
