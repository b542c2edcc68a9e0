"""Read paths at scale: search, entity page, report list, under the access policy.

    .venv/bin/python bench/read_paths.py [--backend auto|sqlite|postgresql]
        [--statements 1000000] [--reports 50000]
        [--pg-statements N] [--pg-reports N] [--rebuild]

Builds a store once into bench/out/ (SQLite file; a database `vinculo_bench` on PostgreSQL)
and reuses it while the parameters and the builder are unchanged (a stamp file says so).
About half of the statements and reports carry markings that the analyst (mx.analyst,
FGR/MEX, in groups tf-sonora and tf-tijuana) may read: GREEN REL TO USA,MEX / GREEN REL TO
USA only / AMBER by FGR / AMBER+STRICT by DEA / AMBER shared with FGR / group-bound / RED …
plus a long tail of a few hundred marking sets, as a live store would have.

Measures, for the analyst, with targets:
  * `intel.search.search(kind="all")` over ~200 queries      p95 < 100 ms
  * `intel.service.get_entity` for 300 entity ids           p95 < 150 ms
  * `intel.service.list_reports` first page                 p95 (no target; shown)
and, on the same data, the peers:
  * the same calls for an actor who sees everything (visible marking list = every id), so the
    cost of the policy is visible;
  * a naive `LIKE '%term%'` scan over statements.value for 20 of the queries, to show what the
    full-text index buys;
and the plans of the full-text queries `search` sends for the slowest query, captured as the
library runs them (FTS5 on SQLite; the stored tsvector columns of migration 0005 on
PostgreSQL; each half ranks only the newest `intel.search.RANK_WINDOW` visible matches).
With --backend auto (the default), PostgreSQL runs too when VINCULO_TEST_POSTGRES_URL is set
or a server answers on 127.0.0.1:5432 (at --pg-statements / --pg-reports, smaller by default).

Exits non-zero only when something cannot run; a missed target prints MISS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    OUT,
    console,
    die,
    ensure_user,
    machine_line,
    pct,
    plain_verdict,
    schema_heads,
    sqlite_store,
    timed,
    url_store,
    verdict,
)
from _synth import (
    ALIASES,
    PREDICATES,
    SURNAMES,
    Names,
    company_entity,
    fold_ascii,
    link_entity,
    person_entity,
    report_texts,
)
from rich.table import Table
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from vinculo import vocab
from vinculo.db import transaction
from vinculo.errors import NotFound
from vinculo.intel import search as search_module
from vinculo.intel import service
from vinculo.intel.backends import backend_for
from vinculo.intel.ftm import Where as FtmWhere
from vinculo.intel.ftm import check_entity, fold, statement_rows
from vinculo.intel.models import Report, StatementRow
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.transfer import import_ftm
from vinculo.security.markings import Actor, Markings, can_see
from vinculo.security.models import MarkingRow, utcnow
from vinculo.security.policy import marking_id_for, visible_marking_ids

# Bump when the builder changes what it writes: a stamp with another version is rebuilt.
BUILDER_VERSION = 4
SEARCH_P95_MS = 100.0
ENTITY_P95_MS = 150.0
CHUNK_ENTITIES = 500  # entities per import "file"; each file carries one marking set
REPORTS_VIA_SERVICE = 1000  # the first reports go through create_report, to time it
ANALYST = ("mx.analyst", "FGR", ("tf-sonora", "tf-tijuana"))
GROUPS = ["tf-sonora", "tf-tijuana", "tf-juarez", "tf-laredo"] + [
    f"case-{n:03d}" for n in range(1, 21)
]
AGENCIES = list(vocab.agencies().codes())
# Where reports carry the 28 CFR 23.20(b) attestation, the bench's reports make it.
ATTEST: dict[str, Any] = (
    {"attest_no_protected_views": True}
    if "attest_no_protected_views" in ReportCreate.model_fields
    else {}
)


# --- markings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One marking set as an author asks for it, and the share of items that carry it."""

    label: str
    author: str  # agency code; the item is filed by bench.<agency>
    markings: MarkingsIn
    weight: float


def analyst_actor() -> Actor:
    name, agency, groups = ANALYST
    return Actor(username=name, nation="MEX", agency=agency, groups=frozenset(groups))


def author_name(agency: str) -> str:
    return f"bench.{agency.lower()}"


def marking_universe(rng: random.Random) -> tuple[list[Mark], list[bool]]:
    """Named archetypes plus a long tail; weights put about half the items in the analyst's view."""
    both = ["USA", "MEX"]
    named = [
        Mark("GREEN REL TO USA,MEX", "DEA", MarkingsIn(tlp="GREEN", rel_to=both), 22),
        Mark("GREEN REL TO USA only", "DEA", MarkingsIn(tlp="GREEN", rel_to=["USA"]), 18),
        Mark("AMBER originator FGR", "FGR", MarkingsIn(tlp="AMBER", rel_to=both), 12),
        Mark("AMBER+STRICT originator DEA", "DEA", MarkingsIn(tlp="AMBER+STRICT", rel_to=both), 8),
        Mark(
            "AMBER DEA shared with FGR",
            "DEA",
            MarkingsIn(tlp="AMBER", rel_to=both, shared_with=["FGR"]),
            5,
        ),
        Mark("AMBER originator SEDENA", "SEDENA", MarkingsIn(tlp="AMBER", rel_to=both), 5),
        Mark(
            "GREEN group tf-sonora",
            "HSI",
            MarkingsIn(tlp="GREEN", rel_to=both, groups=["tf-sonora"]),
            3,
        ),
        Mark("AMBER+STRICT originator FGR", "FGR", MarkingsIn(tlp="AMBER+STRICT", rel_to=both), 2),
        Mark(
            "RED to mx.analyst",
            "DEA",
            MarkingsIn(tlp="RED", rel_to=both, recipients=["mx.analyst"]),
            0.5,
        ),
        Mark(
            "RED to us.analyst",
            "DEA",
            MarkingsIn(tlp="RED", rel_to=both, recipients=["us.analyst"]),
            0.5,
        ),
    ]
    actor = analyst_actor()

    def visible(mark: Mark) -> bool:
        m = Markings.create(
            tlp=mark.markings.tlp,
            originator=mark.author,
            rel_to=mark.markings.rel_to,
            orcon=mark.markings.orcon,
            groups=mark.markings.groups,
            recipients=mark.markings.recipients,
            shared_with=mark.markings.shared_with,
            author=author_name(mark.author),
        )
        return can_see(actor, m)

    seen = {json.dumps([m.author, m.markings.model_dump()], sort_keys=True) for m in named}
    tail: list[Mark] = []
    while len(tail) < 250:
        agency = rng.choice(AGENCIES)
        nation = vocab.agency_nation(agency)
        spec = MarkingsIn(
            tlp=rng.choice(["GREEN", "AMBER", "AMBER", "AMBER+STRICT"]),
            rel_to=["USA", "MEX"] if rng.random() < 0.7 else [nation],
            orcon=rng.random() < 0.2,
            groups=[rng.choice(GROUPS)] if rng.random() < 0.4 else [],
            shared_with=sorted(set(rng.sample(AGENCIES, rng.randint(1, 2))) - {agency})
            if rng.random() < 0.3
            else [],
        )
        key = json.dumps([agency, spec.model_dump()], sort_keys=True)
        if key not in seen:
            seen.add(key)
            tail.append(Mark(f"tail {len(tail)}", agency, spec, 0))
    named_visible = sum(m.weight for m in named if visible(m))
    named_total = sum(m.weight for m in named)
    tail_total = 100 - named_total
    want_visible = 50 - named_visible
    shown = [m for m in tail if visible(m)]
    hidden = [m for m in tail if not visible(m)]
    out = list(named)
    out += [Mark(m.label, m.author, m.markings, want_visible / len(shown)) for m in shown]
    out += [
        Mark(m.label, m.author, m.markings, (tail_total - want_visible) / len(hidden))
        for m in hidden
    ]
    return out, [visible(m) for m in out]


class Picker:
    """Weighted round-robin over buckets (each named mark; the visible tail; the hidden tail):
    always the bucket furthest below its share, the marks inside a bucket in turn. So the
    shares come out as asked even when a file carries thousands of statements."""

    def __init__(self, marks: list[Mark], visible: list[bool]) -> None:
        buckets: dict[str, list[int]] = {}
        for index, mark in enumerate(marks):
            key = mark.label if not mark.label.startswith("tail") else f"tail-{visible[index]}"
            buckets.setdefault(key, []).append(index)
        self.buckets = list(buckets.values())
        weight = [sum(marks[i].weight for i in b) for b in self.buckets]
        self.share = [w / sum(weight) for w in weight]
        self.given = [0.0] * len(self.buckets)
        self.turn = [0] * len(self.buckets)
        self.total = 0.0
        self.last = 0

    def pick(self) -> int:
        b = max(range(len(self.buckets)), key=lambda i: self.share[i] * self.total - self.given[i])
        self.last = b
        index = self.buckets[b][self.turn[b] % len(self.buckets[b])]
        self.turn[b] += 1
        return index

    def record(self, amount: float = 1.0) -> None:
        self.given[self.last] += amount
        self.total += amount


# --- build ----------------------------------------------------------------------------------


def _stamp_key(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def build_store(
    sessions: sessionmaker[Session], statements: int, reports: int, seed: int
) -> dict[str, Any]:
    """Accounts, imports and reports; returns queries, sample ids and timings for the stamp."""
    rng = random.Random(seed)
    names = Names(rng, rare_pool=20_000)
    marks, marks_visible = marking_universe(rng)
    info: dict[str, Any] = {"timings": {}}
    t0 = time.perf_counter()
    with transaction(sessions) as session:
        actors = {
            agency: ensure_user(session, author_name(agency), agency, GROUPS) for agency in AGENCIES
        }
        ensure_user(session, ANALYST[0], ANALYST[1], ANALYST[2])
        ensure_user(session, "us.analyst", "DEA", ("tf-sonora",))
    info["timings"]["accounts_s"] = round(time.perf_counter() - t0, 2)

    # Imports: files of CHUNK_ENTITIES entities, one marking set per file, through import_ftm.
    per_report = 3.4  # statements a report asserts, on average (measured below)
    import_target = statements - int(reports * per_report)
    persons: list[tuple[str, str]] = []  # (id, name)
    companies: list[str] = []
    linked: list[str] = []
    used_names: list[str] = []
    stored = 0
    files = 0
    picker = Picker(marks, marks_visible)
    t0 = time.perf_counter()
    session_cm = transaction(sessions)
    session = session_cm.__enter__()
    try:
        while stored < import_target:
            lines = []
            for _ in range(CHUNK_ENTITIES):
                roll = rng.random()
                n = len(persons) + len(companies) + len(linked)
                if roll < 0.15 and len(persons) > 100:
                    # An entity another source already asserted, under other markings.
                    entity_id, name = rng.choice(persons)
                    props = {"name": [name], "alias": [rng.choice(ALIASES)]}
                    entity = {"id": entity_id, "schema": "Person", "properties": props}
                elif roll < 0.30 and len(persons) > 100 and companies:
                    kind = rng.choice(["Ownership", "Directorship", "Family"])
                    a = rng.choice(persons)[0]
                    b = rng.choice(companies) if kind != "Family" else rng.choice(persons)[0]
                    entity = link_entity(rng, f"ln-{n:07d}", a, b, kind)
                    linked.append(a)
                elif roll < 0.80:
                    entity = person_entity(rng, names, f"pe-{n:07d}")
                    name = entity["properties"]["name"][0]
                    persons.append((entity["id"], name))
                    used_names.append(name)
                else:
                    entity = company_entity(rng, names, f"co-{n:07d}")
                    companies.append(entity["id"])
                lines.append(json.dumps(entity, ensure_ascii=False))
            index = picker.pick()
            mark = marks[index]
            summary = import_ftm(
                session=session,
                actor=actors[mark.author],
                lines=lines,
                file_name=f"source-{files:04d}.json",
                source=f"source-{files:04d}",
                markings_in=mark.markings,
            )
            picker.record(summary.statements)
            stored += summary.statements
            files += 1
            if files % 40 == 0:
                session_cm.__exit__(None, None, None)
                console.print(f"  imported {stored:,} statements ({files} files)…")
                session_cm = transaction(sessions)
                session = session_cm.__enter__()
        session_cm.__exit__(None, None, None)
    except BaseException as error:
        session_cm.__exit__(type(error), error, error.__traceback__)
        raise
    import_s = time.perf_counter() - t0
    info["timings"]["imports_s"] = round(import_s, 1)
    info["import_statements"] = stored
    info["import_files"] = files
    console.print(
        f"  imports: {stored:,} statements in {files} files via import_ftm, {import_s:.0f} s "
        f"({stored / import_s:,.0f} statements/s)"
    )

    # Reports: the first ones through create_report (timed), the rest bulk-inserted in the
    # same shape with SQLAlchemy core (so the FTS triggers still fire on SQLite, and the stored
    # tsvector columns are generated on PostgreSQL).
    review_by = date.today() + timedelta(days=365)
    mentioned: list[str] = []
    report_picker = Picker(marks, marks_visible)

    def report_spec(k: int) -> tuple[Mark, dict[str, str], list[dict[str, Any]]]:
        index = report_picker.pick()
        report_picker.record()
        mark = marks[index]
        person_id, name = rng.choice(persons)
        mentioned.append(person_id)
        props: dict[str, list[str]] = {"name": [name]}
        if rng.random() < 0.5:
            props["alias"] = [rng.choice(ALIASES)]
        entities = [{"id": person_id, "schema": "Person", "properties": props}]
        if rng.random() < 0.3:
            other = names.person()
            entities.append(
                {
                    "id": f"rp-{k:07d}",
                    "schema": "Person",
                    "properties": {"name": [other], "birthDate": [f"19{rng.randint(50, 99)}"]},
                }
            )
        return mark, report_texts(rng, names, name), entities

    via_service = min(REPORTS_VIA_SERVICE, reports)
    t0 = time.perf_counter()
    with transaction(sessions) as session:
        for k in range(via_service):
            mark, texts, entities = report_spec(k)
            service.create_report(
                session=session,
                actor=actors[mark.author],
                report_in=ReportCreate(
                    **texts,
                    reliability=rng.choice("ABCDEF"),
                    credibility=rng.randint(1, 6),
                    predicate=rng.choice(PREDICATES),
                    suspicion="Payments link the subjects to the predicate offence.",
                    review_by=review_by,
                    **ATTEST,
                    markings=mark.markings,
                    entities=[EntityIn.model_validate(e) for e in entities],
                ),
            )
    service_s = time.perf_counter() - t0
    per_service = service_s / max(via_service, 1)
    info["timings"]["reports_create_report_s"] = round(service_s, 1)
    info["create_report_ms"] = round(per_service * 1000, 2)
    console.print(
        f"  reports: {via_service:,} via create_report in one transaction, {service_s:.1f} s "
        f"({per_service * 1000:.2f} ms each → {per_service * reports:.0f} s projected for "
        f"{reports:,})"
    )

    t0 = time.perf_counter()
    bulk = reports - via_service
    with transaction(sessions) as session:
        backend = backend_for(session)
        marking_ids: dict[int, int] = {}
        authors: dict[str, Actor] = actors
        report_rows: list[dict[str, Any]] = []
        entity_rows: list[dict[str, Any]] = []
        statement_batch: list[dict[str, Any]] = []

        def flush() -> None:
            if report_rows:
                session.execute(Report.__table__.insert(), report_rows)
            backend.insert_entities(session, entity_rows)
            backend.upsert_statements(session, statement_batch)
            report_rows.clear()
            entity_rows.clear()
            statement_batch.clear()

        for k in range(via_service, reports):
            mark, texts, entities = report_spec(k)
            key = id(mark)
            if key not in marking_ids:
                markings = service.markings_from_input(
                    session=session, actor=authors[mark.author], markings_in=mark.markings
                )
                marking_ids[key] = marking_id_for(session=session, markings=markings)
            marking_id = marking_ids[key]
            report_id = f"{rng.getrandbits(64):016x}"
            seen = utcnow()
            report_rows.append(
                {
                    "id": report_id,
                    "title_en": texts["title_en"].strip(),
                    "title_es": texts["title_es"].strip(),
                    "body_en": texts["body_en"].strip(),
                    "body_es": texts["body_es"].strip(),
                    "agency": mark.author,
                    "nation": vocab.agency_nation(mark.author),
                    "author_id": authors[mark.author].user_id,
                    "reliability": rng.choice("ABCDEF"),
                    "credibility": rng.randint(1, 6),
                    "predicate": rng.choice(PREDICATES),
                    "suspicion": "Payments link the subjects to the predicate offence.",
                    "review_by": review_by,
                    "marking_id": marking_id,
                    **({"attest_no_protected_views": True} if ATTEST else {}),
                    "created_at": seen,
                    "search_text": fold(" ".join(texts[f] for f in sorted(texts))),
                }
            )
            for index, entity in enumerate(entities):
                entity_id, schema, values = check_entity(entity, FtmWhere(prefix=f"{index}."))
                entity_rows.append({"id": entity_id, "schema": schema, "created_at": seen})
                statement_batch.extend(
                    statement_rows(
                        entity_id=entity_id,
                        schema=schema,
                        values=values,
                        source=f"report:{report_id}",
                        marking_id=marking_id,
                        markings=service.marking_signature(session=session, marking_id=marking_id),
                        report_id=report_id,
                        seen=seen,
                    )
                )
            if len(report_rows) >= 2000:
                flush()
        flush()
    bulk_s = time.perf_counter() - t0
    info["timings"]["reports_bulk_s"] = round(bulk_s, 1)
    info["reports_bulk"] = bulk
    info["reports_via_service"] = via_service
    console.print(
        f"  reports: {bulk:,} bulk-inserted with SQLAlchemy core (reports rows + statement rows "
        f"as create_report writes them), {bulk_s:.1f} s"
    )

    # Queries (~200) and entity ids (300), fixed now so every later run uses the same ones.
    qrng = random.Random(seed + 1)
    # Accent-free: first name and first surname of a name where one of the two has accents.
    accented = [
        f"{w[0]} {w[-2]}"
        for w in (n.split() for n in used_names)
        if fold_ascii(f"{w[0]} {w[-2]}") != f"{w[0]} {w[-2]}".lower()
    ]
    rare_pool = set(names.rare)
    rare_used = sorted({w for n in used_names for w in n.split() if w in rare_pool})
    queries: list[tuple[str, str]] = []
    queries += [("common surname", s) for s in SURNAMES[:40]]
    queries += [("rare name", w.lower()) for w in qrng.sample(rare_used, 40)]
    queries += [("accent-free", fold_ascii(n)) for n in qrng.sample(accented, 40)]
    report_words = (  # noqa: SIM905
        "laboratorio fentanyl fentanilo precursores precursor lavado laundering bodega "
        "warehouse tunnel informant culiacan tijuana phoenix mensajeros couriers aseguramiento "
        "clandestino desmantelado organizacion payments pagos fachada wire seized"
    ).split()
    report_phrases = [
        "lavado de dinero",
        "empresas fachada",
        "wire transfers",
        "stash house",
        "laboratorio clandestino",
        "fentanyl lab",
        "precursor chemical",
        "cross border tunnel",
        "operativo conjunto",
        "confidential informant",
        "money laundering",
        "front companies",
        "el paso",
        "ciudad juarez",
        "lazaro cardenas",
    ]
    queries += [("report words", w) for w in report_words + report_phrases]
    for name in qrng.sample(used_names, 20):
        words = name.split()
        queries.append(("first + surname", f"{words[0]} {words[-2]}"))
    prefixes: list[str] = []
    for surname in SURNAMES[:15]:
        prefixes.append(fold_ascii(surname)[:4])
    for name in qrng.sample(used_names, 5):
        words = fold_ascii(name).split()
        prefixes.append(f"{words[-2]} {words[-1][:3]}")
    queries += [("prefix", p) for p in prefixes]

    entity_ids = (
        [p[0] for p in qrng.sample(persons, 110)]
        + qrng.sample(companies, 40)
        + qrng.sample(sorted(set(linked)), 75)
        + qrng.sample(sorted(set(mentioned)), 75)
    )
    like_queries = (
        [q for q in queries if q[0] == "common surname"][:6]
        + [q for q in queries if q[0] == "rare name"][:4]
        + [q for q in queries if q[0] == "accent-free"][:6]
        + [q for q in queries if q[0] == "first + surname"][:4]
    )
    info["queries"] = queries
    info["like_queries"] = like_queries
    info["entity_ids"] = entity_ids
    return info


def store_counts(sessions: sessionmaker[Session], actor: Actor) -> dict[str, Any]:
    with sessions() as session:
        visible = visible_marking_ids(session=session, actor=actor)
        n_statements = session.execute(select(func.count()).select_from(StatementRow)).scalar()
        n_reports = session.execute(select(func.count()).select_from(Report)).scalar()
        seen_statements = session.execute(
            select(func.count())
            .select_from(StatementRow)
            .where(StatementRow.marking_id.in_(visible))
        ).scalar()
        seen_reports = session.execute(
            select(func.count()).select_from(Report).where(Report.marking_id.in_(visible))
        ).scalar()
        markings = session.execute(select(func.count()).select_from(MarkingRow)).scalar()
        entities = session.execute(text("select count(*) from entities")).scalar()
    return {
        "statements": int(n_statements or 0),
        "reports": int(n_reports or 0),
        "entities": int(entities or 0),
        "visible_statements": int(seen_statements or 0),
        "visible_reports": int(seen_reports or 0),
        "marking_sets": int(markings or 0),
        "visible_marking_sets": len(visible),
    }


# --- measure --------------------------------------------------------------------------------


@contextmanager
def sees_all(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Replace the policy by 'every marking id' where the read paths look it up."""
    with sessions() as session:
        every = sorted(session.execute(select(MarkingRow.id)).scalars())

    def all_ids(*, session: Session, actor: Actor) -> list[int]:
        return every

    with (
        mock.patch.object(search_module, "visible_marking_ids", all_ids),
        mock.patch.object(service, "visible_marking_ids", all_ids),
    ):
        yield


@dataclass
class Series:
    path: str
    who: str
    samples: list[float]
    target: float | None = None
    note: str = ""

    def row(self) -> list[str]:
        p50, p95 = pct(self.samples, 50), pct(self.samples, 95)
        target = f"p95 < {self.target:.0f} ms" if self.target else "—"
        ok = "" if self.target is None else verdict(p95 < self.target)
        return [
            self.path,
            self.who,
            str(len(self.samples)),
            f"{p50:.1f}",
            f"{p95:.1f}",
            f"{max(self.samples):.1f}",
            target,
            ok,
            self.note,
        ]


def run_each(
    sessions: sessionmaker[Session], calls: list[Callable[[Session], Any]], repeats: int = 1
) -> list[float]:
    """Milliseconds per call (the median of `repeats` runs), each run in a transaction of its
    own, committed, as a request has (reads append to the audit chain where the code does). The
    median of a few runs keeps a busy neighbour on a shared machine from
    deciding the percentiles."""
    out = []
    for call in calls:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            with transaction(sessions) as session:
                call(session)
            runs.append((time.perf_counter() - start) * 1000)
        out.append(statistics.median(runs))
    return out


class Probe:
    """The read paths as an actor calls them, timed over the store's queries and entity ids."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        info: dict[str, Any],
        repeats: int,
        query_step: int = 1,
    ):
        self.sessions = sessions
        # The same query text may come from two classes; time it once (first class wins).
        unique = {q[1]: (q[0], q[1]) for q in reversed(info["queries"])}
        ordered = [unique.pop(q[1]) for q in info["queries"] if q[1] in unique]
        self.queries: list[tuple[str, str]] = ordered[::query_step]
        self.entity_ids: list[str] = info["entity_ids"]
        self.repeats = repeats
        self.actor = analyst_actor()
        self.outcome: dict[str, str] = {}

    def do_search(self, q: str, kind: str = "all") -> Callable[[Session], Any]:
        return lambda s: search_module.search(session=s, actor=self.actor, q=q, kind=kind)

    def do_entity(self, entity_id: str) -> Callable[[Session], Any]:
        def call(s: Session) -> None:
            try:
                view = service.get_entity(session=s, actor=self.actor, entity_id=entity_id)
                self.outcome[entity_id] = "with links" if view.links else "found"
            except NotFound:
                self.outcome[entity_id] = "not visible"

        return call

    def first_page(self, s: Session) -> Any:
        return service.list_reports(session=s, actor=self.actor, limit=25)

    def first_page_read(self, s: Session) -> Any:
        return service.list_reports_read(session=s, actor=self.actor, limit=25)

    def warm(self) -> None:
        run_each(self.sessions, [self.do_search(q) for _, q in self.queries[::10]])
        run_each(self.sessions, [self.do_entity(e) for e in self.entity_ids[::10]])
        run_each(self.sessions, [self.first_page] * 5)

    def search(self, who: str, note: str = "", target: float | None = None) -> Series:
        ms = run_each(self.sessions, [self.do_search(q) for _, q in self.queries], self.repeats)
        return Series("search kind=all", who, ms, target, note)

    def entities(self, who: str, note: str = "", target: float | None = None) -> Series:
        self.outcome.clear()
        calls = [self.do_entity(e) for e in self.entity_ids]
        ms = run_each(self.sessions, calls, self.repeats)
        got = list(self.outcome.values())
        counts = ", ".join(f"{got.count(k)} {k}" for k in ("with links", "found", "not visible"))
        return Series("get_entity", who, ms, target, f"{note}{'; ' if note else ''}{counts}")

    def pages(self, who: str, note: str = "") -> Series:
        ms = run_each(self.sessions, [self.first_page] * 100)
        return Series("list_reports page 1", who, ms, None, note)


def measure(
    sessions: sessionmaker[Session],
    info: dict[str, Any],
    backend: str,
    repeats: int,
    query_step: int = 1,
) -> tuple[list[Series], dict[str, Any]]:
    probe = Probe(sessions, info, repeats, query_step)
    actor = probe.actor
    queries = probe.queries
    extra: dict[str, Any] = {}
    probe.warm()

    series: list[Series] = []
    search_series = probe.search("mx.analyst", target=SEARCH_P95_MS)
    series.append(search_series)
    entity_series = probe.entities("mx.analyst", target=ENTITY_P95_MS)
    series.append(entity_series)
    series.append(probe.pages("mx.analyst"))
    series.append(
        Series(
            "list_reports_read page 1",
            "mx.analyst",
            run_each(sessions, [probe.first_page_read] * 50),
            note="+ markings and entity ids (API shape)",
        )
    )
    with sessions() as s:
        policy_ms = [timed(lambda: visible_marking_ids(session=s, actor=actor)) for _ in range(200)]
    series.append(
        Series("visible_marking_ids alone", "mx.analyst", policy_ms, note="once per request")
    )

    with sees_all(sessions):
        probe.warm()
        series.append(probe.search("sees all (peer)", "no policy filter"))
        series.append(probe.entities("sees all (peer)"))
        series.append(probe.pages("sees all (peer)"))

    # Per query class, for the analyst.
    search_ms = search_series.samples
    classes: dict[str, list[float]] = {}
    for (kind, _q), ms in zip(queries, search_ms, strict=True):
        classes.setdefault(kind, []).append(ms)
    extra["classes"] = classes
    extra["slowest"] = sorted(zip(search_ms, queries, strict=True), reverse=True)[:10]
    extra["slowest_entities"] = sorted(
        zip(entity_series.samples, probe.entity_ids, strict=True), reverse=True
    )[:5]

    # Peer: LIKE '%term%' over statements.value vs FTS, same 20 queries.
    like_rows = []
    like_ms_all, fts_ms_all = [], []
    with sessions() as s:
        visible = visible_marking_ids(session=s, actor=actor)
    for kind, q in info["like_queries"]:
        like_sql = (
            select(StatementRow.entity_id)
            .where(StatementRow.value.like(f"%{q}%"), StatementRow.marking_id.in_(visible))
            .distinct()
        )
        found: list[Any] = []
        with sessions() as s:
            ms = timed(lambda s=s, sql=like_sql, out=found: out.extend(s.execute(sql).scalars()))
        like_ms_all.append(ms)
        fts_ms = run_each(sessions, [probe.do_search(q, "entities")], repeats)[0]
        fts_ms_all.append(fts_ms)
        matches = fts_entity_count(sessions, q, visible)
        like_rows.append((kind, q, ms, len(set(found)), fts_ms, matches))
    series.append(
        Series(
            "LIKE '%q%' on statements.value",
            "mx.analyst (peer)",
            like_ms_all,
            note="20 name queries; no accent folding",
        )
    )
    series.append(
        Series("search kind=entities (FTS)", "mx.analyst", fts_ms_all, note="same 20 queries")
    )
    extra["like_rows"] = like_rows

    return series, extra


def fts_entity_count(sessions: sessionmaker[Session], q: str, visible: list[int]) -> int:
    """Entities the full-text index matches for q (all of them, not one page)."""
    from vinculo.intel.backends import query_tokens

    with sessions() as s:
        matches = backend_for(s).match_statements(query_tokens(q)).subquery()
        return int(
            s.execute(
                select(func.count(func.distinct(StatementRow.entity_id)))
                .join(matches, matches.c.seq == StatementRow.seq)
                .where(StatementRow.marking_id.in_(visible))
            ).scalar()
            or 0
        )


# --- plans ----------------------------------------------------------------------------------


def explain(sessions: sessionmaker[Session], backend: str, q: str) -> str:
    """The plans of the full-text queries `search` runs for q (entity and report halves),
    captured as the shipped code sends them to the database, and the time each takes alone."""
    marks = ("statement_fts", "report_fts", "norm_tsv", "search_tsv")
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if any(mark in sql for mark in marks):
            captured.append((sql, params))

    out = []
    with sessions() as s:
        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", capture)
        try:
            # The audit row `search` appends is rolled back with the session.
            search_module.search(session=s, actor=analyst_actor(), q=q, kind="all")
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        connection = s.connection()
        for sql, params in captured:
            half = "entity half" if any(m in sql for m in marks[::2]) else "report half"
            if backend == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
                plan = [f"    {r[3]}" for r in rows]
            else:
                rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).all()
                plan = [f"    {r[0]}" for r in rows]
            ms = timed(lambda sql=sql, params=params: connection.exec_driver_sql(sql, params).all())
            out.append(f"  {half} ({ms:.1f} ms alone):")
            out.extend(plan)
    if not captured:
        out.append("  (no full-text query was sent: nothing visible, or no tokens)")
    return "\n".join(out)


# --- report ---------------------------------------------------------------------------------


def print_report(
    label: str, counts: dict[str, Any], info: dict[str, Any], series: list[Series], extra: Any
) -> list[str]:
    console.print(
        f"{label}: {counts['statements']:,} statements, {counts['entities']:,} entities, "
        f"{counts['reports']:,} reports, {counts['marking_sets']} marking sets. mx.analyst "
        f"(FGR/MEX, tf-sonora, tf-tijuana) may see {counts['visible_marking_sets']} sets = "
        f"{counts['visible_statements'] / counts['statements']:.1%} of statements, "
        f"{counts['visible_reports'] / counts['reports']:.1%} of reports."
    )
    console.print(
        f"Reports: {info['reports_via_service']:,} via create_report "
        f"({info['create_report_ms']} ms each), {info['reports_bulk']:,} bulk-inserted with "
        "SQLAlchemy core in the same shape (indexed for search as create_report's are)."
    )
    table = Table(title=f"Read paths — {label}")
    for name in ("path", "actor", "n", "p50 ms", "p95 ms", "max ms", "target", "", "note"):
        table.add_column(
            name, justify="right" if name in ("n", "p50 ms", "p95 ms", "max ms") else "left"
        )
    for s in series:
        table.add_row(*s.row())
    console.print(table)

    by_class = Table(title="search kind=all for mx.analyst, by query class")
    for name in ("class", "n", "p50 ms", "p95 ms", "max ms"):
        by_class.add_column(name, justify="left" if name == "class" else "right")
    for kind, ms in extra["classes"].items():
        by_class.add_row(
            kind, str(len(ms)), f"{pct(ms, 50):.1f}", f"{pct(ms, 95):.1f}", f"{max(ms):.1f}"
        )
    console.print(by_class)
    console.print(
        "slowest searches: "
        + "; ".join(f"{q[1]!r} ({q[0]}) {ms:.0f} ms" for ms, q in extra["slowest"])
    )
    console.print(
        "slowest entity pages: "
        + "; ".join(f"{e} {ms:.0f} ms" for ms, e in extra["slowest_entities"])
    )

    like = Table(title="What the full-text index buys: LIKE '%q%' scan vs FTS (entities)")
    for name in ("class", "query", "LIKE ms", "LIKE entities", "FTS search ms", "FTS entities"):
        like.add_column(name, justify="left" if name in ("class", "query") else "right")
    for kind, q, ms, n_like, fts_ms, n_fts in extra["like_rows"]:
        like.add_row(kind, q, f"{ms:.0f}", f"{n_like:,}", f"{fts_ms:.1f}", f"{n_fts:,}")
    console.print(like)

    lines = []
    for s in series:
        if s.target is not None:
            p95 = pct(s.samples, 95)
            lines.append(
                f"TARGET {label} {s.path} p95 < {s.target:.0f} ms: {p95:.1f} ms → "
                f"{plain_verdict(p95 < s.target)}"
            )
    for line in lines:
        console.print(line)
    return lines


# --- backends -------------------------------------------------------------------------------


def sqlite_target(
    statements: int, reports: int, seed: int, rebuild: bool
) -> tuple[sessionmaker[Session], Engine, dict[str, Any]]:
    params = {
        "backend": "sqlite",
        "statements": statements,
        "reports": reports,
        "seed": seed,
        "builder": BUILDER_VERSION,
        "schema": schema_heads(),
    }
    key = _stamp_key(params)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"read_paths-{key}.db"
    stamp = OUT / f"read_paths-{key}.stamp.json"
    if not rebuild and stamp.exists() and db.exists():
        info = json.loads(stamp.read_text())
        if info.get("params") == params:
            engine, sessions = sqlite_store(db)
            console.print(f"reusing {db.relative_to(OUT.parent.parent)} (stamp {stamp.name})")
            return sessions, engine, info
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    stamp.unlink(missing_ok=True)
    console.print(f"building {db.relative_to(OUT.parent.parent)} …")
    engine, sessions = sqlite_store(db)
    t0 = time.perf_counter()
    info = build_store(sessions, statements, reports, seed)
    # Outside any SQLAlchemy transaction (the engine may BEGIN on connect): plain sqlite3.
    raw = sqlite3.connect(db)
    raw.execute("ANALYZE")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    info["params"] = params
    info["timings"]["total_s"] = round(time.perf_counter() - t0, 1)
    info["built_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    stamp.write_text(json.dumps(info))
    console.print(f"built in {info['timings']['total_s']:.0f} s; stamp {stamp.name}")
    return sessions, engine, info


def postgres_url() -> str | None:
    url = os.environ.get("VINCULO_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except OSError:
        return None


def postgres_target(
    base_url: str, statements: int, reports: int, seed: int, rebuild: bool
) -> tuple[sessionmaker[Session], Engine, dict[str, Any]]:
    """A database of its own, vinculo_bench, next to the one the URL names."""
    params = {
        "backend": "postgresql",
        "statements": statements,
        "reports": reports,
        "seed": seed,
        "builder": BUILDER_VERSION,
        "schema": schema_heads(),
    }
    key = _stamp_key(params)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = OUT / f"read_paths-pg-{key}.stamp.json"
    head, _, tail = base_url.rpartition("/")
    query = "?" + tail.split("?", 1)[1] if "?" in tail else ""
    bench_url = f"{head}/vinculo_bench{query}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("select 1 from pg_database where datname = 'vinculo_bench'")
        ).scalar()
    if exists and not rebuild and stamp.exists():
        info = json.loads(stamp.read_text())
        engine = create_engine(bench_url)
        with engine.connect() as connection:
            try:
                stored = connection.execute(text("select key from bench_stamp")).scalar()
            except Exception:
                stored = None
        engine.dispose()
        if stored == key and info.get("params") == params:
            admin.dispose()
            engine, sessions = url_store(bench_url)
            console.print(f"reusing PostgreSQL database vinculo_bench (stamp {stamp.name})")
            return sessions, engine, info
    with admin.connect() as connection:
        if exists:
            connection.execute(text("DROP DATABASE vinculo_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE vinculo_bench"))
    admin.dispose()
    console.print("building PostgreSQL database vinculo_bench …")
    engine, sessions = url_store(bench_url)
    t0 = time.perf_counter()
    info = build_store(sessions, statements, reports, seed)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
        connection.execute(text("CREATE TABLE bench_stamp (key text)"))
        connection.execute(text("INSERT INTO bench_stamp VALUES (:k)"), {"k": key})
    info["params"] = params
    info["timings"]["total_s"] = round(time.perf_counter() - t0, 1)
    info["built_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    stamp.write_text(json.dumps(info))
    console.print(f"built in {info['timings']['total_s']:.0f} s; stamp {stamp.name}")
    return sessions, engine, info


def run_one(
    label: str,
    backend: str,
    sessions: sessionmaker[Session],
    info: dict[str, Any],
    repeats: int,
    query_step: int = 1,
) -> list[str]:
    counts = store_counts(sessions, analyst_actor())
    if query_step > 1:
        console.print(
            f"{label}: timing every {query_step}th of the {len(info['queries'])} queries "
            f"({len(info['queries'][::query_step])}), {repeats} run(s) each."
        )
    series, extra = measure(sessions, info, backend, repeats, query_step)
    lines = print_report(label, counts, info, series, extra)
    slow = extra["slowest"][0][1][1]
    console.print(f"plans for {slow!r} (the slowest search):")
    console.print(explain(sessions, backend, slow), markup=False)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["auto", "sqlite", "postgresql"], default="auto")
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--pg-statements", type=int, default=200_000)
    parser.add_argument("--pg-reports", type=int, default=10_000)
    parser.add_argument("--pg-query-step", type=int, default=4, help="time every Nth query")
    parser.add_argument("--pg-repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="runs per query; median counts")
    args = parser.parse_args()

    console.rule("bench/read_paths.py — search, entity page, report list under the policy")
    console.print(machine_line())
    summary: list[str] = []
    if args.backend in ("auto", "sqlite"):
        sessions, engine, info = sqlite_target(
            args.statements, args.reports, args.seed, args.rebuild
        )
        summary += run_one("SQLite", "sqlite", sessions, info, args.repeats)
        engine.dispose()
    if args.backend in ("auto", "postgresql"):
        url = postgres_url()
        if url is None:
            if args.backend == "postgresql":
                die("no PostgreSQL: set VINCULO_TEST_POSTGRES_URL or start one on 127.0.0.1:5432")
            console.print("PostgreSQL: none reachable; skipped (optional).")
        else:
            try:
                sessions, engine, info = postgres_target(
                    url, args.pg_statements, args.pg_reports, args.seed, args.rebuild
                )
            except Exception as error:  # optional peer: say why, do not fail the run
                if args.backend == "postgresql":
                    raise
                console.print(f"PostgreSQL: cannot use {url}: {error}; skipped (optional).")
            else:
                label = (
                    f"PostgreSQL ({args.pg_statements:,} statements, {args.pg_reports:,} reports)"
                )
                summary += run_one(
                    label, "postgresql", sessions, info, args.pg_repeats, args.pg_query_step
                )
                engine.dispose()
    console.print(machine_line())
    console.rule("summary")
    for line in summary:
        console.print(line)


if __name__ == "__main__":
    main()
