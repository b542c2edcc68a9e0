"""The sync worker: pulls every partner's collections into this node, page by page.

Each page is stored in one transaction with the collection's cursor, so a node killed
mid-sync resumes where it stopped with nothing duplicated or lost. An object is upserted by
its STIX id and `modified` (a replayed or older version changes nothing), carries its
provenance (partner, origin node and agency, markings as received → markings stored), and a
revoked version withdraws the item. What fails validation — not STIX, a marking this node
does not know, not releasable to this nation, too large — is quarantined with the reason.
A partner that is down is retried with exponential back-off.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

import httpx
import stix2
from followthemoney import model
from followthemoney.statement import BASE_ID
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from vinculo.db import transaction
from vinculo.errors import InvalidInput, TooLarge
from vinculo.exchange.markings import TLP_BY_ID, marking_refs, markings_from_json
from vinculo.exchange.models import QuarantinedObject, ReceivedObject, StatusResource, SyncCursor
from vinculo.exchange.service import VIA
from vinculo.exchange.stix import EXTENSION_ID, parse_timestamp, timestamp, vinculo_extension
from vinculo.i18n import N_
from vinculo.intel.backends import backend_for
from vinculo.intel.deletion import delete_report, delete_statements
from vinculo.intel.ftm import SEARCHABLE_TYPES, fold, statement_key
from vinculo.intel.models import Report, StatementRow
from vinculo.security.audit import record
from vinculo.security.markings import TLP, Actor, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import marking_id_for
from vinculo.settings import PartnerConfig, Settings

TAXII = "application/taxii+json;version=2.1"


class Rejected(Exception):
    """An object that fails validation; `reason` is a short code, the message says more."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


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


# --- validation --------------------------------------------------------------------------------


def _check_stix(obj: Any) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise Rejected("malformed", "not a STIX object")
    if obj.get("spec_version", "2.1") != "2.1":
        raise Rejected("invalid", f"spec_version {obj.get('spec_version')!r} is not 2.1")
    core = _core(obj)
    if _plainly_valid(core):
        return
    try:
        stix2.parse(core, allow_custom=True)
    except Exception as error:
        raise Rejected("invalid", f"stix2: {str(error)[:300]}") from None


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_IDENTITY_ID = re.compile(f"identity--{_UUID}")
_MARKING_REF = re.compile(f"marking-definition--{_UUID}")
_STAMP = re.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\\.[0-9]{3}Z")
_IDENTITY_KEYS = frozenset(
    (
        "type",
        "spec_version",
        "id",
        "created",
        "modified",
        "created_by_ref",
        "object_marking_refs",
        "name",
        "identity_class",
        "extensions",
    )
)
_IDENTITY_CLASSES = frozenset(("individual", "group", "system", "organization", "class", "unknown"))
_PLAIN_EXTENSIONS = {EXTENSION_ID: {"extension_type": "property-extension"}}


def _plain_stamp(value: Any) -> bool:
    found = _STAMP.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return False
    year, month, day, hour, minute, second = (int(x) for x in found.groups())
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return year >= 1000


def _plainly_valid(core: dict[str, Any]) -> bool:
    """Whether the object is an identity in exactly the narrow form the mapping writes, every
    value of a kind stix2 accepts: such an object passes stix2 (tests/exchange/test_stix_check.py
    proves it over the mapping's objects and mutations of them), at a twentieth of the cost.

    Anything else, a malformed object included, is left to stix2, so what is rejected and why
    is stix2's verdict alone.
    """
    if core.get("type") != "identity" or not core.keys() <= _IDENTITY_KEYS:
        return False
    refs = core.get("object_marking_refs")
    name = core.get("name")
    kind = core.get("identity_class", "individual")
    created, modified = core.get("created"), core.get("modified")
    return (
        core.get("spec_version") == "2.1"
        and isinstance(core.get("id"), str)
        and _IDENTITY_ID.fullmatch(core["id"]) is not None
        and isinstance(name, str)
        and name != ""
        and isinstance(kind, str)
        and kind in _IDENTITY_CLASSES
        and core.get("extensions", _PLAIN_EXTENSIONS) == _PLAIN_EXTENSIONS
        and (
            "created_by_ref" not in core
            or (
                isinstance(core["created_by_ref"], str)
                and _IDENTITY_ID.fullmatch(core["created_by_ref"]) is not None
            )
        )
        and (
            refs is None
            or (
                isinstance(refs, list)
                and all(isinstance(r, str) and _MARKING_REF.fullmatch(r) for r in refs)
            )
        )
        and (created is None or _plain_stamp(created))
        and (modified is None or _plain_stamp(modified))
        and (created is None or modified is None or modified >= created)
    )


def _core(obj: dict[str, Any]) -> dict[str, Any]:
    """The object for stix2 to check, the bulk of the Vínculo extension left out.

    stix2 copies every value it is given, and a Vínculo object's statements are most of it;
    they are checked here instead (the FtM model, the markings), as are the granular markings
    that point into them (each must name a statement that exists).
    """
    ext = (obj.get("extensions") or {}).get(EXTENSION_ID)
    if not isinstance(ext, dict):
        return obj
    count = len(ext.get("statements") or []) if isinstance(ext.get("statements"), list) else 0
    inner = f"extensions.{EXTENSION_ID}."
    granular = []
    for item in obj.get("granular_markings") or []:
        selectors = item.get("selectors") if isinstance(item, dict) else None
        if isinstance(selectors, list) and all(
            isinstance(x, str) and x.startswith(inner) for x in selectors
        ):
            for selector in selectors:
                index = selector.removeprefix(inner + "statements.[").removesuffix("]")
                if not (index.isdigit() and int(index) < count):
                    raise Rejected("invalid", f"granular marking selector {selector} names nothing")
            continue
        granular.append(item)
    core = {k: v for k, v in obj.items() if k not in ("extensions", "granular_markings")}
    if granular:
        core["granular_markings"] = granular
    core["extensions"] = {
        **obj["extensions"],
        EXTENSION_ID: {"extension_type": ext.get("extension_type")},
    }
    return core


def _refs_of(obj: dict[str, Any]) -> set[str]:
    refs = set(obj.get("object_marking_refs") or [])
    for granular in obj.get("granular_markings") or []:
        if isinstance(granular, dict) and granular.get("marking_ref"):
            refs.add(granular["marking_ref"])
    return refs


@dataclass
class _Statement:
    prop: str
    prop_type: str
    value: str
    lang: str | None
    original_value: str | None
    dataset: str
    report_id: str | None
    first_seen: Any
    last_seen: Any
    markings: Markings
    markings_key: str


_MARKINGS: dict[str, Markings] = {}


def _markings(data: Any, nation: str, key: str | None = None) -> Markings:
    key = _markings_key(data) if key is None else key
    cached = _MARKINGS.get(key) if key else None
    if cached is None:
        cached = _check_markings_json(data, nation)
        if key and len(_MARKINGS) < 10_000:
            _MARKINGS[key] = cached
    if nation not in cached.rel_to:
        raise Rejected("not releasable", f"{cached.banner()} is not releasable to {nation}")
    return cached


def _markings_key(data: Any) -> str:
    """A cheap key for a markings object as received: its text as Python writes it (the same
    markings written in another key order only miss the cache)."""
    return repr(data) if isinstance(data, dict) and len(data) <= 8 else ""


def _check_markings_json(data: Any, nation: str) -> Markings:
    try:
        markings = markings_from_json(data)
    except (InvalidInput, ValueError) as error:
        text = error.render("en") if isinstance(error, InvalidInput) else str(error)
        raise Rejected("unknown marking", text) from None
    # The sender should never have sent it: refused here too, whatever the sender thought.
    if nation not in markings.rel_to or markings.tlp is TLP.RED:
        raise Rejected("not releasable", f"{markings.banner()} is not releasable to {nation}")
    return markings


def _statements(ext: dict[str, Any], nation: str) -> tuple[str, str, list[_Statement]]:
    entity_id = ext.get("entity_id")
    schema_name = ext.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if not isinstance(entity_id, str) or not entity_id or len(entity_id) > 128 or schema is None:
        raise Rejected("invalid", "the Vínculo extension names no valid entity or schema")
    found = []
    raw = ext.get("statements")
    if not isinstance(raw, list) or not raw:
        raise Rejected("invalid", "the Vínculo extension holds no statements")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Rejected("invalid", f"statement {index} is not an object")
        prop_name, value = item.get("prop"), item.get("value")
        if not isinstance(prop_name, str) or not isinstance(value, str):
            raise Rejected("invalid", f"statement {index} has no property or value")
        if prop_name == BASE_ID:
            prop_type = "id"
        else:
            prop = schema.get(prop_name)
            if prop is None:
                raise Rejected("invalid", f"{schema.name} has no property {prop_name!r}")
            prop_type = prop.type.name
            if len(value) > prop.type.max_length:
                raise Rejected("invalid", f"statement {index} is too long")
        dataset = item.get("dataset")
        if not isinstance(dataset, str) or not dataset:
            raise Rejected("invalid", f"statement {index} names no source")
        try:
            first = parse_timestamp(str(item.get("first_seen")))
            last = parse_timestamp(str(item.get("last_seen")))
        except ValueError:
            raise Rejected(
                "invalid", f"statement {index} has no valid first or last seen"
            ) from None
        report_id = item.get("report_id")
        key = _markings_key(item.get("markings"))
        found.append(
            _Statement(
                prop=prop_name,
                prop_type=prop_type,
                value=value,
                lang=item.get("lang") if isinstance(item.get("lang"), str) else None,
                original_value=item.get("original_value")
                if isinstance(item.get("original_value"), str)
                else None,
                dataset=dataset,
                report_id=report_id if isinstance(report_id, str) else None,
                first_seen=first,
                last_seen=last,
                markings=_markings(item.get("markings"), nation, key),
                markings_key=key,
            )
        )
    return entity_id, schema.name, found


def _check_markings(obj: dict[str, Any], explained: set[str], knows: Callable[[str], bool]) -> None:
    for ref in _refs_of(obj):
        if ref not in TLP_BY_ID and ref not in explained and not knows(ref):
            raise Rejected("unknown marking", f"marking {ref} is not known to this node")


# --- storing -----------------------------------------------------------------------------------


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
    ) -> None:
        self.session = session
        self.settings = settings
        self.partner = partner
        self.collection_id = collection_id
        self.actor = actor
        self.nation = settings.node_nation
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
            if obj.get("type") == "marking-definition":
                self.defined.add(stix_id)
            kept = newest.get(stix_id)
            if kept is None or _modified(obj) > _modified(kept):
                newest[stix_id] = obj
            outcome.skipped += kept is not None
        existing = self._existing(list(newest))
        plans: list[_Plan] = []
        for stix_id, obj in newest.items():
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
                    _check_stix(obj)
                plans.append(self._plan(obj, prev))
            except Rejected as rejected:
                outcome.quarantined += 1
                text = json.dumps(obj, ensure_ascii=False)[:100_000]
                self.quarantine(stix_id, rejected.reason, str(rejected), text)
                outcome.failures.append({"id": stix_id, "message": str(rejected)})
        self._write(plans, outcome)
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
            _check_markings(obj, set(), self.knows)
        return plan

    def _plan_report(self, plan: _Plan, ext: dict[str, Any]) -> None:
        data = ext["report"]
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise Rejected("invalid", "the Vínculo extension holds no valid report")
        report_id = data["id"][:32]
        markings = _markings(data.get("markings"), self.nation)
        _check_markings(plan.obj, set(marking_refs(markings)), self.knows)
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

    def _facts(self, s: _Statement) -> tuple[list[str], int]:
        found = self.facts.get(s.markings_key) if s.markings_key else None
        if found is None:
            found = (marking_refs(s.markings), self._marking_id(s.markings))
            if s.markings_key:
                self.facts[s.markings_key] = found
        return found

    def _plan_entity(self, plan: _Plan, ext: dict[str, Any]) -> None:
        entity_id, schema, statements = _statements(ext, self.nation)
        facts = [self._facts(s) for s in statements]
        explained: set[str] = set()
        for refs, _id in facts:
            explained.update(refs)
        _check_markings(plan.obj, explained, self.knows)
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
        # versions no longer say is deleted through intel's one door, its purge hooks with
        # it (a merge judged on it goes); what they say again is written afresh below.
        said = {row["id"] for plan in plans for row in plan.statements}
        dropped = [
            i for p in plans if p.prev is not None for i in json.loads(p.prev.statement_ids or "[]")
        ]
        withdrawn = [
            p.prev for p in plans if p.revoked and p.prev is not None and not p.prev.revoked
        ]
        delete_statements(
            session=session,
            statement_ids=[i for i in dropped if i not in said],
            entity_ids=[
                key
                for kind, _, key in (p.item_key.partition(":") for p in withdrawn)
                if kind == "entity"
            ],
        )
        renewed = [i for i in dropped if i in said]
        for start in range(0, len(renewed), 500):
            session.execute(
                delete(StatementRow).where(StatementRow.id.in_(renewed[start : start + 500]))
            )
        for plan in plans:
            if plan.revoked and plan.prev is not None and not plan.prev.revoked:
                self._withdraw(plan.prev, plan.obj)
                outcome.withdrawn += 1
                outcome.items.append(plan.prev.item_key.partition(":")[2])
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
            self._insert_received(fresh)
        session.flush()

    def _insert_received(self, rows: list[dict[str, Any]]) -> None:
        connection = self.session.connection()
        if connection.dialect.name != "sqlite":
            connection.execute(insert(_RECEIVED_TABLE), rows)
            return
        # Handed to the driver as tuples, the values as SQLAlchemy's SQLite types write them:
        # its per-row parameter processing cost more than the insert itself.
        stamps: dict[datetime, str] = {}
        values = []
        for row in rows:
            value = [row[c] for c in _RECEIVED_COLUMNS]
            when = value[_RECEIVED_AT]
            value[_RECEIVED_AT] = stamps.get(when) or stamps.setdefault(
                when, when.strftime("%Y-%m-%d %H:%M:%S.%f")
            )
            value[_REVOKED] = 1 if value[_REVOKED] else 0
            values.append(tuple(value))
        connection.exec_driver_sql(_RECEIVED_INSERT, values)

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
            "markings_received": _markings_received(obj),
            "marking_ids": ",".join(str(i) for i in sorted(set(plan.marking_ids))),
            "statement_ids": json.dumps([r["id"] for r in plan.statements]),
            "revoked": plan.revoked,
            "received_at": now,
            "payload": self.texts.get(id(obj))
            or json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
        }

    def _withdraw(self, prev: ReceivedObject, obj: dict[str, Any]) -> None:
        kind, _, key = prev.item_key.partition(":")
        if kind == "report":
            # With the statements that cite it, through the same door.
            delete_report(session=self.session, report_id=key)
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


_RECEIVED: dict[tuple[str, ...], str] = {}
_RECEIVED_TABLE = cast(Table, ReceivedObject.__table__)
_RECEIVED_COLUMNS = [c.name for c in _RECEIVED_TABLE.columns]
_RECEIVED_AT = _RECEIVED_COLUMNS.index("received_at")
_REVOKED = _RECEIVED_COLUMNS.index("revoked")
_RECEIVED_INSERT = (
    f"INSERT INTO {_RECEIVED_TABLE.name} ({', '.join(_RECEIVED_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _RECEIVED_COLUMNS)})"
)


def _markings_received(obj: dict[str, Any]) -> str:
    refs = obj.get("object_marking_refs", [])
    granular = obj.get("granular_markings", [])
    # Most objects of a page carry the same references and no granular markings.
    plain = not granular and isinstance(refs, list) and all(isinstance(r, str) for r in refs)
    key = tuple(refs) if plain else None
    text = _RECEIVED.get(key) if key is not None else None
    if text is None:
        text = json.dumps({"object_marking_refs": refs, "granular_markings": granular})
        if key is not None and len(_RECEIVED) < 1000:
            _RECEIVED[key] = text
    return text


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


# --- pulling -------------------------------------------------------------------------------------


class PartnerDown(Exception):
    """The partner did not answer, or answered with a server error: try again later."""


class BadPage(Exception):
    """A page that cannot be read as a TAXII envelope (malformed, too large)."""

    def __init__(self, reason: str, message: str, date_added_last: str | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.date_added_last = date_added_last


@dataclass
class Page:
    objects: list[Any]
    more: bool
    next: str | None
    first: str | None
    last: str | None
    checks: list[str | None] | None = None  # stix2's verdict per object, made beforehand
    texts: list[str] | None = None  # each object's text as received


def check_objects(objects: list[Any]) -> list[str | None]:
    """stix2's verdict on each object ("reason\tmessage", or None): run in another process."""
    verdicts: list[str | None] = []
    for obj in objects:
        try:
            _check_stix(obj)
            verdicts.append(None)
        except Rejected as rejected:
            verdicts.append(f"{rejected.reason}\t{rejected}")
    return verdicts


_CHECKER: list[ProcessPoolExecutor] = []
# Pages with at least this many statements are written with the full-text index filled after.
BULK_STATEMENTS = 500
# Pages with fewer objects than this for stix2 itself are checked in the worker: not worth a
# trip.
CHECK_ELSEWHERE = 200


def _checker() -> ProcessPoolExecutor:
    """One process that runs stix2 on the next page while this one stores the last (stix2
    is half the work of receiving a page)."""
    if not _CHECKER:
        _CHECKER.append(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")))
    return _CHECKER[0]


def fetch_page(
    client: PartnerClient, collection_id: str, added_after: str, next_token: str | None, limit: int
) -> Page:
    """A page, with stix2's verdicts when it is large enough to check elsewhere."""
    page = client.page(collection_id, added_after, next_token, limit)
    if sum(not _plain(obj) for obj in page.objects) >= CHECK_ELSEWHERE:
        try:
            page.checks = _checker().submit(check_objects, page.objects).result()
        except Exception:
            page.checks = None
    else:
        # Plain identities are checked in microseconds: here, while the worker stores.
        page.checks = check_objects(page.objects)
    return page


def _plain(obj: Any) -> bool:
    try:
        return isinstance(obj, dict) and _plainly_valid(_core(obj))
    except Exception:
        return False


class PartnerClient:
    """Speaks TAXII 2.1 to one partner node over httpx."""

    def __init__(self, config: PartnerConfig, settings: Settings, timeout: float = 30) -> None:
        self.config = config
        self.max_bytes = settings.exchange_max_envelope_bytes
        headers = {"Accept": TAXII}
        auth: httpx.Auth | None = None
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        elif config.username:
            auth = httpx.BasicAuth(config.username, config.password)
        self.root = config.url if config.url.endswith("/") else config.url + "/"
        self.http = httpx.Client(headers=headers, auth=auth, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def collections(self) -> list[dict[str, Any]]:
        try:
            response = self.http.get(f"{self.root}collections/")
        except httpx.HTTPError as error:
            raise PartnerDown(str(error)) from None
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise PartnerDown(f"{response.status_code} from {self.root}collections/")
        try:
            found = response.json().get("collections") or []
        except ValueError:
            raise PartnerDown("the collections answer is not JSON") from None
        return [c for c in found if isinstance(c, dict) and c.get("can_read")]

    def page(
        self, collection_id: str, added_after: str, next_token: str | None, limit: int
    ) -> Page:
        params: dict[str, Any] = {"limit": limit, "match[version]": "all"}
        if added_after:
            params["added_after"] = added_after
        if next_token:
            params["next"] = next_token
        url = f"{self.root}collections/{collection_id}/objects/"
        try:
            with self.http.stream("GET", url, params=params) as response:
                last = response.headers.get("X-TAXII-Date-Added-Last")
                if response.status_code >= 500 or response.status_code in (401, 403, 429):
                    raise PartnerDown(f"{response.status_code} from {url}")
                if response.status_code >= 400:
                    raise BadPage("refused", f"{response.status_code} from {url}", None)
                chunks = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BadPage(
                            "oversized envelope",
                            f"the envelope passed {self.max_bytes} bytes",
                            last,
                        )
                    chunks.append(chunk)
                first = response.headers.get("X-TAXII-Date-Added-First")
        except httpx.HTTPError as error:
            raise PartnerDown(f"{type(error).__name__}: {error}") from None
        body = b"".join(chunks)
        split = split_envelope(body)
        texts: list[str] | None = None
        if split is not None:
            envelope, texts = split
        else:
            try:
                envelope = json.loads(body)
            except (ValueError, RecursionError):
                raise BadPage("malformed envelope", "the page is not JSON", last) from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
            raise BadPage("malformed envelope", "the page is not a TAXII envelope", last)
        return Page(
            objects=envelope.get("objects", []),
            more=bool(envelope.get("more")),
            next=envelope.get("next") if isinstance(envelope.get("next"), str) else None,
            first=first,
            last=last,
            texts=texts,
        )


_DECODER = json.JSONDecoder()
_SPACE = frozenset(" \t\n\r")


def split_envelope(body: bytes) -> tuple[dict[str, Any], list[str] | None] | None:
    """The envelope as json.loads reads it, and the text of each object as received (so the
    receiver stores it without writing it out again); None for anything unusual, which is
    then read by json.loads itself."""
    try:
        text = body.decode("utf-8")
        return _split(text)
    except (ValueError, RecursionError, IndexError):
        return None


def _split(text: str) -> tuple[dict[str, Any], list[str] | None] | None:
    scan = _DECODER.raw_decode
    size = len(text)

    def skip(i: int) -> int:
        while i < size and text[i] in _SPACE:
            i += 1
        return i

    i = skip(0)
    if i >= size or text[i] != "{":
        return None
    envelope: dict[str, Any] = {}
    texts: list[str] | None = None
    i = skip(i + 1)
    if i < size and text[i] == "}":
        i += 1
    else:
        while True:
            if i >= size or text[i] != '"':
                return None
            key, i = scan(text, i)
            i = skip(i)
            if i >= size or text[i] != ":":
                return None
            i = skip(i + 1)
            value: Any
            if key == "objects" and i < size and text[i] == "[":
                value, texts = [], []
                i = skip(i + 1)
                if i < size and text[i] == "]":
                    i += 1
                else:
                    while True:
                        item, end = scan(text, i)
                        value.append(item)
                        texts.append(text[i:end])
                        i = skip(end)
                        if i < size and text[i] == ",":
                            i = skip(i + 1)
                            continue
                        if i < size and text[i] == "]":
                            i += 1
                            break
                        return None
            else:
                value, i = scan(text, i)
                if key == "objects":
                    texts = None
            envelope[key] = value
            i = skip(i)
            if i < size and text[i] == ",":
                i = skip(i + 1)
                continue
            if i < size and text[i] == "}":
                i += 1
                break
            return None
    if skip(i) != size:
        return None
    return envelope, texts


Progress = Callable[[str, int, int], None]  # (collection alias, objects this page, stored)


@dataclass
class SyncReport:
    pages: int = 0
    objects: int = 0
    outcome: Outcome = field(default_factory=Outcome)


def _cursor(session: Session, partner: str, collection_id: str) -> SyncCursor:
    row = session.get(SyncCursor, (partner, collection_id))
    if row is None:
        row = SyncCursor(partner=partner, collection_id=collection_id, added_after="")
        session.add(row)
        session.flush()
    return row


def pull_collection(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    client: PartnerClient,
    collection: dict[str, Any],
    limit: int | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    """Pull one collection from its cursor until the partner has no more."""
    partner = client.config.name
    collection_id = str(collection["id"])
    page_limit = limit or settings.exchange_page_size
    report = SyncReport()
    next_token: str | None = None
    ahead: Future[Page] | None = None
    pool = ThreadPoolExecutor(1, thread_name_prefix="vinculo-prefetch")
    try:
        return _pull(
            sessions=sessions,
            settings=settings,
            client=client,
            collection=collection,
            limit=limit,
            progress=progress,
            stop=stop,
            partner=partner,
            collection_id=collection_id,
            page_limit=page_limit,
            report=report,
            next_token=next_token,
            ahead=ahead,
            pool=pool,
        )
    finally:
        pool.shutdown(wait=True)


def _pull(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    client: PartnerClient,
    collection: dict[str, Any],
    limit: int | None,
    progress: Progress | None,
    stop: threading.Event | None,
    partner: str,
    collection_id: str,
    page_limit: int,
    report: SyncReport,
    next_token: str | None,
    ahead: Future[Page] | None,
    pool: ThreadPoolExecutor,
) -> SyncReport:
    # Marking definitions stored by this pull's pages; a failed page ends the pull, and with
    # it what the set says.
    known: set[str] = set()
    added_after = ""
    while stop is None or not stop.is_set():
        if ahead is None:
            # While a page is fetched ahead, the cursor is what the last page's transaction
            # left it at; a transaction only to read it again cost a commit per page.
            with transaction(sessions) as session:
                added_after = _cursor(session, partner, collection_id).added_after
        try:
            # The next page is fetched while this one is stored (the partner works meanwhile).
            if ahead is None:
                ahead = pool.submit(
                    fetch_page, client, collection_id, added_after, next_token, page_limit
                )
            page = ahead.result()
            ahead = None
        except BadPage as bad:
            ahead = None
            next_token = None
            if page_limit > 1:
                # Narrow the page until the one object that spoils it stands alone.
                page_limit = max(1, page_limit // 10)
                continue
            with transaction(sessions) as session:
                ingest = Ingest(
                    session=session, settings=settings, partner=partner, collection_id=collection_id
                )
                ingest.quarantine("", bad.reason, str(bad), "")
                cursor = _cursor(session, partner, collection_id)
                cursor.last_error = f"{bad.reason}: {bad}"[:2000]
                if bad.date_added_last and bad.date_added_last > cursor.added_after:
                    cursor.added_after = bad.date_added_last
                else:
                    raise PartnerDown(str(bad)) from None
            report.outcome.quarantined += 1
            page_limit = limit or settings.exchange_page_size
            continue
        if page.more and page.objects:
            following = page.last if page.last and page.last > added_after else added_after
            ahead = pool.submit(fetch_page, client, collection_id, following, page.next, page_limit)
        with transaction(sessions) as session:
            cursor = _cursor(session, partner, collection_id)
            ingest = Ingest(
                session=session,
                settings=settings,
                partner=partner,
                collection_id=collection_id,
                known_markings=known,
            )
            outcome = ingest.objects(page.objects, page.checks, page.texts)
            if page.last and page.last > cursor.added_after:
                cursor.added_after = page.last
            added_after = cursor.added_after
            cursor.pulled += len(page.objects)
            cursor.updated_at = utcnow()
            cursor.last_error = ""
            cursor.failures = 0
            if page.objects:
                record(
                    session=session,
                    actor=None,
                    action="write",
                    kind="exchange",
                    target=f"node:{partner}",
                    ids=outcome.items,
                    detail={
                        "collection": collection_id,
                        "objects": len(page.objects),
                        "stored": outcome.stored,
                        "skipped": outcome.skipped,
                        "withdrawn": outcome.withdrawn,
                        "quarantined": outcome.quarantined,
                    },
                )
        report.pages += 1
        report.objects += len(page.objects)
        report.outcome.add(outcome)
        if progress is not None:
            progress(
                str(collection.get("alias") or collection_id), len(page.objects), outcome.stored
            )
        if not page.more or not page.objects:
            return report
        next_token = page.next
    return report


def sync_partner(
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    config: PartnerConfig,
    progress: Progress | None = None,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    client = PartnerClient(config, settings)
    total = SyncReport()
    try:
        for collection in client.collections():
            got = pull_collection(
                sessions=sessions,
                settings=settings,
                client=client,
                collection=collection,
                limit=limit,
                progress=progress,
                stop=stop,
            )
            total.pages += got.pages
            total.objects += got.objects
            total.outcome.add(got.outcome)
    finally:
        client.close()
    return total


def backoff(failures: int, ceiling: float) -> float:
    """Seconds to wait after `failures` failures in a row: doubling, capped, with jitter."""
    base: float = min(ceiling, 0.5 * 2 ** min(failures, 20))
    return float(base * (0.8 + 0.4 * random.random()))


def _events(config: PartnerConfig, settings: Settings) -> Iterator[str]:
    """The partner's live stream: yields each event's name as it arrives."""
    client = PartnerClient(config, settings, timeout=60)
    try:
        with client.http.stream("GET", f"{client.root}stream/") as response:
            if response.status_code != 200:
                raise PartnerDown(f"{response.status_code} from the stream")
            for line in response.iter_lines():
                if line.startswith("event:"):
                    yield line.split(":", 1)[1].strip()
                elif line.startswith(": connected"):
                    # Whatever was published while no stream was open is pulled now.
                    yield "connected"
    except httpx.HTTPError as error:
        raise PartnerDown(str(error)) from None
    finally:
        client.close()


class Worker:
    """Pulls every partner: at once when its stream says something was published, at least
    every `sync_interval_seconds`, and with back-off while it is down."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.progress = progress
        self.stop = threading.Event()
        self.wake = {p.name: threading.Event() for p in settings.partners}
        self.failures = {p.name: 0 for p in settings.partners}
        self.threads: list[threading.Thread] = []
        self.synced = {p.name: 0 for p in settings.partners}

    def start(self) -> None:
        for config in self.settings.partners:
            if not config.url:
                continue
            for target in (self._pull_loop, self._listen_loop):
                thread = threading.Thread(
                    target=target, args=(config,), name=f"vinculo-sync-{config.name}", daemon=True
                )
                thread.start()
                self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for event in self.wake.values():
            event.set()
        for thread in self.threads:
            thread.join(timeout=2)

    def pull(self, config: PartnerConfig) -> SyncReport:
        report = sync_partner(
            sessions=self.sessions,
            settings=self.settings,
            config=config,
            progress=self.progress,
            stop=self.stop,
        )
        self.synced[config.name] += 1
        return report

    def _pull_loop(self, config: PartnerConfig) -> None:
        wake = self.wake[config.name]
        while not self.stop.is_set():
            wake.clear()
            try:
                self.pull(config)
                self.failures[config.name] = 0
                wait = self.settings.sync_interval_seconds
            except (PartnerDown, Exception):
                self.failures[config.name] += 1
                wait = backoff(self.failures[config.name], self.settings.sync_backoff_max_seconds)
                wake.clear()
                self.stop.wait(wait)
                continue
            wake.wait(wait)

    def _listen_loop(self, config: PartnerConfig) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                for _event in _events(config, self.settings):
                    failures = 0
                    self.wake[config.name].set()
                    if self.stop.is_set():
                        return
            except Exception:
                failures += 1
            if failures:
                self.stop.wait(backoff(failures, self.settings.sync_backoff_max_seconds))


def run_forever(
    settings: Settings, sessions: sessionmaker[Session], progress: Progress | None
) -> None:
    worker = Worker(settings, sessions, progress)
    worker.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        worker.close()


__all__ = ["EXTENSION_ID", "Worker", "accept_envelope", "sync_partner"]
