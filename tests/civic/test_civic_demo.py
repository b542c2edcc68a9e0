"""The demo's civic channel (demo/data/civic.yml), seeded through the civic service on both
backends: a few dozen submissions in English and Spanish stored as a pull stores them, spam,
replies, reports and allegations made from them, the triager's and the monitor's accounts,
the portal's public flags; a second run stores nothing twice; a bad entry is named."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from sqlalchemy import func, select

from vinculo import vocab
from vinculo.assistance import public
from vinculo.assistance.models import LedgerTransaction
from vinculo.assistance.public import public_aggregates
from vinculo.assistance.public_models import PublicFlag
from vinculo.civic import service
from vinculo.civic.models import CivicReply, CivicSubmission
from vinculo.db import transaction
from vinculo.demo import civic
from vinculo.demo.oversight import read
from vinculo.demo.scripted import ScriptError
from vinculo.intel.models import Report
from vinculo.oversight.allegation_models import Allegation
from vinculo.oversight.allegations import MONITORS
from vinculo.security.audit import AuditRow
from vinculo.security.service import actor_for, get_by_username

from conftest import Store

ENTRIES = read("civic.yml")["submissions"]


def test_the_file_is_a_few_dozen_in_both_languages() -> None:
    assert 30 <= len(ENTRIES) <= 60
    languages = Counter(e["lang"] for e in ENTRIES)
    assert languages["en"] >= 10 and languages["es"] >= 15
    assert set(Counter(e["category"] for e in ENTRIES)) == set(
        vocab.load("civic_categories").codes()
    )
    places = vocab.load("civic_places")
    for entry in ENTRIES:
        if entry.get("state"):
            municipalities = places.get(entry["state"]).extra["municipalities"]
            assert entry["municipality"] in municipalities, entry["what"]


def _count(session: object, query: object) -> int:
    return int(session.execute(query).scalar_one())  # type: ignore[attr-defined]


def test_the_demo_holds_the_channel_as_triaged(demo_store: Store) -> None:
    spam = sum(bool(e.get("spam")) for e in ENTRIES)
    reports = sum(bool(e.get("report")) for e in ENTRIES)
    referred = sum(bool(e.get("allegation")) for e in ENTRIES)
    replies = sum(len(e.get("replies") or []) for e in ENTRIES)
    with transaction(demo_store.sessions) as session:
        rows = list(session.execute(select(CivicSubmission)).scalars())
        assert len(rows) == len(ENTRIES)
        assert Counter(r.lang for r in rows) == Counter(e["lang"] for e in ENTRIES)
        assert sum(r.spam for r in rows) == spam >= 3
        assert sum(r.report_id is not None for r in rows) == reports >= 5
        assert sum(r.allegation_id is not None for r in rows) == referred >= 4
        assert _count(session, select(func.count()).select_from(CivicReply)) == replies
        closed = [e for e in ENTRIES if any(r["status"] == "closed" for r in e.get("replies", []))]
        assert sum(r.status == "closed" for r in rows) == len(closed) >= 4
        assert sum(bool(e.get("outcome")) for e in closed) >= 3
        # The reporters' words reached the reports and allegations, in their language.
        made = {r.report_id for r in rows if r.report_id}
        bodies = session.execute(select(Report.body_en, Report.body_es).where(Report.id.in_(made)))
        assert {e["what"] for e in ENTRIES if e.get("report")} == {en or es for en, es in bodies}
        summaries = session.execute(
            select(Allegation.summary_en, Allegation.summary_es).where(
                Allegation.id.in_({r.allegation_id for r in rows if r.allegation_id})
            )
        )
        assert {e["what"] for e in ENTRIES if e.get("allegation")} == {
            en or es for en, es in summaries
        }
        # Each act is the triager's, on the audit chain.
        acts = Counter(
            a.actor
            for a in session.execute(
                select(AuditRow).where(AuditRow.kind == service.KIND, AuditRow.action == "write")
            ).scalars()
        )
        assert acts["mx.triage"] >= spam + replies + reports + referred
        # The accounts: the triager in the triage group, the monitor in the monitors' group.
        triager = get_by_username(session=session, username="mx.triage")
        monitor = get_by_username(session=session, username="mx.monitor")
        assert triager is not None and monitor is not None
        assert "triager" in triager.roles and service.TRIAGE_GROUP in actor_for(triager).groups
        assert "monitor" in monitor.roles and MONITORS in actor_for(monitor).groups
        # The triager reads the queue in both languages; an analyst outside the group reads none.
        queue = service.submission_list(session=session, actor=actor_for(triager), limit=100)
        assert queue.total == len(ENTRIES) - spam
        outsider = get_by_username(session=session, username="mx.analyst")
        assert outsider is not None
        assert service.submission_list(session=session, actor=actor_for(outsider)).total == 0


def test_the_portal_is_filled(demo_store: Store) -> None:
    public = sum(bool(e.get("public")) for e in ENTRIES)
    with transaction(demo_store.sessions) as session:
        flags = Counter(session.execute(select(PublicFlag.kind)).scalars())
        ledger = _count(session, select(func.count()).select_from(LedgerTransaction))
        allegations = _count(session, select(func.count()).select_from(Allegation))
        assert flags["ledger"] == ledger > 0
        assert flags["allegation"] == allegations > 0
        assert flags["vetting"] > 0
        assert flags["submission"] == public >= 20
        published = {t.name: t for t in public_aggregates(session=session).tables}
        # The total of each table is shown; some cells of the submissions are hidden.
        for name in ("money", "vetting", "allegations", "submissions"):
            total = next(c for c in published[name].cells if set(c.key) == {"*"})
            assert total.count is not None and total.count > 0, name
        total = next(c for c in published["submissions"].cells if set(c.key) == {"*"})
        assert total.count == public
        assert any(c.count is None for c in published["submissions"].cells)


def test_a_second_run_stores_nothing_twice(demo_store: Store) -> None:
    session = demo_store.sessions()
    try:
        before = _count(session, select(func.count()).select_from(CivicSubmission))
        replies = _count(session, select(func.count()).select_from(CivicReply))
        again = civic.seed_civic(session=session)
        session.flush()
        assert again.submissions == again.replies == again.reports == 0
        assert _count(session, select(func.count()).select_from(CivicSubmission)) == before
        assert _count(session, select(func.count()).select_from(CivicReply)) == replies
    finally:
        session.rollback()
        session.close()


def test_a_node_of_another_nation_gets_none(demo_store: Store) -> None:
    session = demo_store.sessions()
    try:
        assert civic.seed_civic(session=session, nation="USA") == civic.CivicSeeded()
    finally:
        session.rollback()
        session.close()


def test_a_bad_entry_is_named(demo_store: Store) -> None:
    bad = {
        "submissions": [
            {
                "lang": "es",
                "category": "robbery",
                "when": "2026-10-01",
                "received": "2026-10-01",
                "what": "Algo",
            }
        ]
    }
    session = demo_store.sessions()
    try:
        with (
            mock.patch.object(civic, "read", lambda _name: bad),
            pytest.raises(ScriptError, match=r"civic\.yml, submission 1 \(robbery\).*category"),
        ):
            civic.seed_civic(session=session)
    finally:
        session.rollback()
        session.close()


def test_a_script_without_the_app_s_hooks_seeds_the_flags(demo_store: Store) -> None:
    # bench/load.py seeds the demo without wiring the app's hooks: the submissions' kind of
    # public flag must come with the seeding, or the triager's flags are refused.
    session = demo_store.sessions()
    try:
        with mock.patch.dict(public.KINDS):
            del public.KINDS["submission"]
            civic.seed_civic(session=session)
            assert "submission" in public.KINDS
    finally:
        session.rollback()
        session.close()
