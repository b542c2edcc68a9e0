"""28 CFR Part 23 on both backends, over real HTTP and the real command: the attestation,
the review-by limit, what is due, re-validation (who, when, why) and purge (statements,
search index, entities left empty), each with its audit row and the chain intact."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text, update

from vinculo.db import transaction
from vinculo.intel.models import Entity, Report, ReportReview, StatementRow
from vinculo.security.audit import AuditRow, verify
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from command_line import run_vinculo
from conftest import LiveServer, Store
from worlds import World

TODAY = date.today()


@pytest.fixture
def server(fresh_world: World) -> Iterator[LiveServer]:
    """A fresh world with a DEA supervisor, served."""
    with transaction(fresh_world.store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(
                username="us.supervisor",
                password="demo",
                agency="DEA",
                roles=["supervisor", "analyst"],
                groups=["tf-sonora"],
            ),
            demo_password=True,
        )
    with LiveServer(fresh_world.store.settings) as live:
        yield live


def make_due(store: Store, report_id: str, days_ago: int) -> None:
    """Time passes: the report's review-by date is `days_ago` days behind us."""
    with transaction(store.sessions) as session:
        session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(review_by=TODAY - timedelta(days=days_ago))
        )


def count(
    store: Store, table: type[Report | StatementRow | Entity | ReportReview], **where: str
) -> int:
    with store.sessions() as session:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(session.execute(query).scalar_one())


def audit_rows(store: Store, action: str) -> list[AuditRow]:
    with store.sessions() as session:
        query = select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)
        return list(session.execute(query).scalars())


def chain_holds(store: Store) -> bool:
    with store.engine.connect() as connection:
        return verify(connection).problem is None


def good_report(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title_en": "Pill press shipment at Otay Mesa",
        "body_en": "Two pill presses declared as kitchen equipment.",
        "reliability": "B",
        "credibility": 2,
        "predicate": "fentanyl_production",
        "suspicion": "The importer's presses match seizures in Tucson.",
        "attest_no_protected_views": True,
        "review_by": (TODAY + timedelta(days=180)).isoformat(),
        "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
        "entities": [{"schema": "Company", "properties": {"name": ["Maquinaria Otay SA"]}}],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


# --- 23.20(a)(b)(c): what a report must carry ------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"attest_no_protected_views": False}, {"attest_no_protected_views": None}],
    ids=["false", "missing"],
)
def test_a_report_without_the_attestation_is_refused(
    server: LiveServer, fresh_world: World, changes: dict[str, object]
) -> None:
    store = fresh_world.store
    before = (count(store, Report), count(store, StatementRow), count(store, Entity))
    with server.client("us.analyst") as client:
        refused = client.post("/api/v1/reports", json=good_report(**changes))
        spanish = client.post(
            "/api/v1/reports", json=good_report(**changes), headers={"Accept-Language": "es"}
        )
    assert refused.status_code == spanish.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert any(f.endswith("attest_no_protected_views") for f in fields), fields
    assert refused.json()["detail"] != spanish.json()["detail"]
    assert (count(store, Report), count(store, StatementRow), count(store, Entity)) == before


def test_predicate_suspicion_and_review_limit_are_refused_together(
    server: LiveServer, fresh_world: World
) -> None:
    before = count(fresh_world.store, Report)
    body = good_report(
        predicate="political_activity",
        suspicion="short",
        review_by=(TODAY + timedelta(days=5 * 366)).isoformat(),
    )
    with server.client("us.analyst") as client:
        refused = client.post("/api/v1/reports", json=body)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "predicate",
        "suspicion",
        "review_by",
    }
    assert count(fresh_world.store, Report) == before


def test_a_filed_report_keeps_its_attestation(server: LiveServer) -> None:
    with server.client("us.analyst") as client:
        created = client.post("/api/v1/reports", json=good_report())
        assert created.status_code == 201, created.text
        again = client.get(f"/api/v1/reports/{created.json()['id']}").json()
    assert again["attest_no_protected_views"] is True


@contextmanager
def page_session(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """Signed in through the sign-in form, carrying whatever hidden fields it holds."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def test_the_form_refuses_a_filing_without_the_box_ticked(
    server: LiveServer, fresh_world: World
) -> None:
    before = count(fresh_world.store, Report)
    with page_session(server, "mx.analyst") as client:
        form = client.get("/reports/new").text
        assert 'name="attest_no_protected_views"' in form
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {
            "title_es": "Prensas para pastillas en Mexicali",
            "body_es": "Dos prensas declaradas como equipo de cocina.",
            "reliability": "B",
            "credibility": "2",
            "predicate": "fentanyl_production",
            "suspicion": "Las prensas coinciden con aseguramientos en Tucson.",
            "review_by": (TODAY + timedelta(days=100)).isoformat(),
            "tlp": "GREEN",
            "rel_to": ["USA", "MEX"],
        }
        refused = client.post("/reports/new", data=data)
        assert refused.status_code == 422
        page = refused.text
        box = page.index('name="attest_no_protected_views"')
        error = page.index('id="attest_no_protected_views-error"')
        assert box < error < box + 800
        assert "attest that the report holds no information" in page
        assert count(fresh_world.store, Report) == before
        ticked = client.post("/reports/new", data=data | {"attest_no_protected_views": "1"})
        assert ticked.status_code == 303
    assert count(fresh_world.store, Report) == before + 1


# --- 23.20(h): due, re-validated or purged ---------------------------------------------------


def test_the_due_list_holds_what_is_due_and_visible(server: LiveServer, fresh_world: World) -> None:
    reports = fresh_world.reports
    make_due(fresh_world.store, reports["shared"], days_ago=10)
    make_due(fresh_world.store, reports["dea_strict"], days_ago=0)
    make_due(fresh_world.store, reports["fgr_amber"], days_ago=30)  # DEA may not see it
    with server.client("us.supervisor") as client:
        due = client.get("/api/v1/retention/due")
    assert due.status_code == 200
    items = due.json()["items"]
    assert [i["id"] for i in items] == [reports["shared"], reports["dea_strict"]]
    assert [i["overdue_days"] for i in items] == [10, 0]
    assert items[0]["title"] == fresh_world.titles["shared"] and items[0]["reviews"] == 0
    listed = audit_rows(fresh_world.store, "list")[-1]
    assert (listed.kind, json.loads(listed.ids)) == ("retention", [i["id"] for i in items])


def test_revalidation_records_who_when_and_why(server: LiveServer, fresh_world: World) -> None:
    store = fresh_world.store
    report_id = fresh_world.reports["shared"]
    make_due(store, report_id, days_ago=3)
    with server.client("us.supervisor") as client:
        too_far = client.post(
            f"/api/v1/reports/{report_id}/revalidate",
            json={
                "reason": "Open case",
                "review_by": (TODAY + timedelta(days=6 * 365)).isoformat(),
            },
        )
        assert too_far.status_code == 422
        assert {e["field"] for e in too_far.json()["errors"]} == {"reason", "review_by"}
        no_reason = client.post(f"/api/v1/reports/{report_id}/revalidate", json={"reason": " "})
        assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
        kept = client.post(
            f"/api/v1/reports/{report_id}/revalidate",
            json={"reason": "Subject still under investigation in case Frontera."},
        )
        assert kept.status_code == 200, kept.text
        review = kept.json()
        assert review["reviewer"] == "us.supervisor"
        assert review["previous_review_by"] == (TODAY - timedelta(days=3)).isoformat()
        assert review["review_by"] == (TODAY + timedelta(days=365)).isoformat()
        assert client.get("/api/v1/retention/due").json()["items"] == []
        assert client.get(f"/api/v1/reports/{report_id}").json()["review_by"] == review["review_by"]
    with store.sessions() as session:
        stored = session.execute(select(ReportReview)).scalar_one()
    assert (stored.report_id, stored.reviewer, stored.reason) == (
        report_id,
        "us.supervisor",
        "Subject still under investigation in case Frontera.",
    )
    assert stored.reviewed_at.date() >= TODAY - timedelta(days=1)
    (row,) = audit_rows(store, "revalidate")
    assert (row.actor, row.target, json.loads(row.ids)) == ("us.supervisor", report_id, [report_id])
    assert json.loads(row.detail)["reason"] == stored.reason
    assert chain_holds(store)


def search_ids(client: httpx.Client, q: str) -> set[str]:
    response = client.get("/api/v1/search", params={"q": q, "limit": 200})
    assert response.status_code == 200
    return {hit["id"] for hit in response.json()["items"]}


def test_purge_removes_the_report_its_statements_and_its_search_hits(
    server: LiveServer, fresh_world: World
) -> None:
    store = fresh_world.store
    strict, usa_only = fresh_world.reports["dea_strict"], fresh_world.reports["usa_only"]
    make_due(store, strict, days_ago=1)
    with server.client("us.analyst") as analyst:
        assert strict in search_ids(analyst, "informant debrief tucson")
        assert "per-dea_strict" in search_ids(analyst, "Walter Quinn")
        assert analyst.get("/api/v1/entities/per-dea_strict").status_code == 200
        assert {"per-0001"} <= search_ids(analyst, "Tío Pancho")
    statements = count(store, StatementRow, report_id=strict)
    assert statements > 0
    reads_before = len(audit_rows(store, "read"))
    with server.client("us.supervisor") as client:
        purged = client.delete(
            f"/api/v1/reports/{strict}", params={"reason": "Informant withdrawn; not re-validated."}
        )
        assert purged.status_code == 200, purged.text
        assert purged.json() == {
            "report_id": strict,
            "statements": statements,
            "entities_deleted": ["per-dea_strict"],
        }
        # A report that shares an entity with another: that entity stays, less this report.
        shared = client.delete(
            f"/api/v1/reports/{usa_only}", params={"reason": "Duplicate of a later report."}
        )
        assert shared.status_code == 200 and shared.json()["entities_deleted"] == []
        again = client.delete(f"/api/v1/reports/{strict}", params={"reason": "Once more please."})
        assert again.status_code == 404
    with server.client("us.analyst") as analyst:
        assert analyst.get(f"/api/v1/reports/{strict}").status_code == 404
        assert analyst.get("/api/v1/entities/per-dea_strict").status_code == 404
        assert search_ids(analyst, "informant debrief tucson") == set()
        assert search_ids(analyst, "Walter Quinn") == set()
        assert search_ids(analyst, "Tío Pancho") == set()
        assert search_ids(analyst, "Phoenix supplier payments") == set()
        per = analyst.get("/api/v1/entities/per-0001").json()
        assert per["properties"]["name"] == ["José Ángel García López"]
        assert "alias" not in per["properties"] and "birthDate" not in per["properties"]
        assert strict not in {
            r["id"] for r in analyst.get("/api/v1/reports?limit=200").json()["items"]
        }
    assert count(store, StatementRow, report_id=strict) == 0
    assert count(store, Report, id=strict) == 0
    assert count(store, Entity, id="per-dea_strict") == 0
    assert count(store, Entity, id="per-0001") == 1
    if store.backend == "sqlite":
        with store.engine.connect() as connection:
            hits = connection.execute(
                text("SELECT count(*) FROM statement_fts WHERE statement_fts MATCH 'quinn'")
            ).scalar_one()
            assert hits == 0
    # The audit rows of earlier reads stay; each purge adds its own.
    assert len(audit_rows(store, "read")) >= reads_before
    purges = audit_rows(store, "purge")
    assert [(p.actor, p.target) for p in purges] == [
        ("us.supervisor", strict),
        ("us.supervisor", usa_only),
    ]
    detail = json.loads(purges[0].detail)
    assert detail["statements"] == statements and detail["due"] is True
    assert detail["reason"] == "Informant withdrawn; not re-validated."
    assert chain_holds(store)


def test_a_report_the_supervisor_may_not_see_answers_as_missing(
    server: LiveServer, fresh_world: World
) -> None:
    hidden = fresh_world.reports["fgr_amber"]
    make_due(fresh_world.store, hidden, days_ago=40)
    with server.client("us.supervisor") as client:
        invisible = client.delete(
            f"/api/v1/reports/{hidden}", params={"reason": "Expired long ago."}
        )
        missing = client.delete("/api/v1/reports/0000000000000000", params={"reason": "Expired."})
        kept = client.post(
            f"/api/v1/reports/{hidden}/revalidate", json={"reason": "Keep it please."}
        )
    assert invisible.status_code == missing.status_code == kept.status_code == 404
    assert invisible.json()["detail"] == missing.json()["detail"]
    assert count(fresh_world.store, Report, id=hidden) == 1


def test_an_analyst_cannot_purge(server: LiveServer, fresh_world: World) -> None:
    report_id = fresh_world.reports["shared"]
    make_due(fresh_world.store, report_id, days_ago=5)
    with server.client("us.analyst") as client:
        refused = client.delete(
            f"/api/v1/reports/{report_id}", params={"reason": "Not mine to purge."}
        )
        listed = client.get("/api/v1/retention/due")
    assert refused.status_code == listed.status_code == 403
    assert count(fresh_world.store, Report, id=report_id) == 1
    assert count(fresh_world.store, StatementRow, report_id=report_id) > 0


# --- the command -----------------------------------------------------------------------------


def vinculo(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "VINCULO_DATABASE_URL": store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(store.settings.data_dir),
        "VINCULO_SECRET_KEY": store.settings.secret_key,
        "VINCULO_DEMO": "true",
        "COLUMNS": "200",
    }
    return run_vinculo(*args, env=environment)


def test_retention_run_lists_revalidates_and_purges(server: LiveServer, fresh_world: World) -> None:
    store = fresh_world.store
    shared, strict, sonora = (fresh_world.reports[k] for k in ("shared", "dea_strict", "sonora"))
    for report_id in (shared, strict, sonora):
        make_due(store, report_id, days_ago=2)
    listed = vinculo(store, "retention", "run", "--as", "us.supervisor")
    assert listed.returncode == 0, listed.stderr
    assert all(r in listed.stdout for r in (shared, strict, sonora))
    assert "3" in listed.stderr

    refused = vinculo(
        store,
        "retention",
        "run",
        "--as",
        "us.analyst",
        "--purge",
        shared,
        "--reason",
        "Because I can.",
    )
    assert refused.returncode == 2 and "supervisor" in refused.stderr
    both = vinculo(
        store, "retention", "run", "--as", "us.supervisor", "--purge-due", "--purge", shared
    )
    assert both.returncode == 2

    kept = vinculo(
        store,
        "retention",
        "run",
        "--as",
        "us.supervisor",
        "--revalidate",
        shared,
        "--reason",
        "Still relevant to case Frontera.",
        "--review-by",
        (TODAY + timedelta(days=400)).isoformat(),
    )
    assert kept.returncode == 0, kept.stderr
    assert (TODAY + timedelta(days=400)).isoformat() in kept.stderr
    one = vinculo(
        store,
        "retention",
        "run",
        "--as",
        "us.supervisor",
        "--purge",
        sonora,
        "--reason",
        "Task force disbanded.",
    )
    assert one.returncode == 0, one.stderr
    rest = vinculo(store, "retention", "run", "--as", "us.supervisor", "--purge-due")
    assert rest.returncode == 0, rest.stderr
    assert count(store, Report, id=strict) == count(store, Report, id=sonora) == 0
    assert count(store, Report, id=shared) == 1
    reasons = [json.loads(r.detail)["reason"] for r in audit_rows(store, "purge")]
    assert reasons == ["Task force disbanded.", "review-by date passed without re-validation"]
    assert vinculo(store, "audit", "verify").returncode == 0


# --- a purge answers only what the supervisor may see -----------------------------------------


def _hide_a_statement_on(server: LiveServer, entity_id: str) -> None:
    """FGR's own AMBER statement on the entity: the DEA supervisor may not see it."""
    line = json.dumps({"id": entity_id, "schema": "Person", "properties": {"name": ["W. Q."]}})
    with server.client("fgr.mp1") as fgr:
        imported = fgr.post(
            "/api/v1/entities/import",
            files={"file": ("fgr.jsonl", line.encode(), "application/x-ndjson")},
            data={"source": "fgr-file", "markings": json.dumps({"tlp": "AMBER"})},
        )
        assert imported.status_code == 200, imported.text


def _merge(store: Store, world: World, left: str, right: str, keys: list[str]) -> None:
    """The U.S. supervisor, who reads what follows, judged the two one identity on the
    statements of the reports `keys` (a pair is its owner's alone)."""
    from vinculo.resolve.models import MATCH, ResolutionEvidence, ResolutionPair, scope_key

    with transaction(store.sessions) as session:
        marks = [
            session.execute(
                select(Report.marking_id).where(Report.id == world.reports[k])
            ).scalar_one()
            for k in keys
        ]
        pair = ResolutionPair(
            left_id=left,
            right_id=right,
            scope=scope_key(marks),
            score=0.99,
            judgement=MATCH,
            owner="us.supervisor",
            decided_by="us.supervisor",
            reason="same person",
        )
        session.add(pair)
        session.flush()
        session.add_all(ResolutionEvidence(pair_id=pair.id, marking_id=m) for m in marks)


@contextmanager
def _page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        _sign_in(client, username)
        yield client


def _sign_in(client: httpx.Client, username: str) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    data = {"username": username, "password": "demo", "next": "/", "csrf_token": found[1]}
    assert client.post("/login", data=data).status_code == 303


def _purge_after_merge(server: LiveServer, world: World, *, hidden: bool) -> dict[str, object]:
    """per-dea_strict merged into per-sonora, then its report purged by the DEA supervisor
    (with, if `hidden`, FGR's statement on per-dea_strict that the supervisor may not see)."""
    store = world.store
    strict = world.reports["dea_strict"]
    if hidden:
        _hide_a_statement_on(server, "per-dea_strict")
    _merge(store, world, "per-dea_strict", "per-sonora", ["dea_strict", "sonora"])
    make_due(store, strict, days_ago=1)
    statements = count(store, StatementRow, report_id=strict)
    with server.client("us.supervisor") as client:
        purged = client.delete(f"/api/v1/reports/{strict}", params={"reason": "Not re-validated."})
        assert purged.status_code == 200, purged.text
        api = [client.get(f"/api/v1/entities/{e}") for e in ("per-dea_strict", "per-sonora")]
        merged = client.get("/api/v1/resolve/queue", params={"show": "merged"})
    with _page_client(server, "us.supervisor") as browser:
        pages = [browser.get(f"/entities/{e}") for e in ("per-dea_strict", "per-sonora")]
    return {
        "statements": statements,
        "purged": purged.json(),
        "api": [a.status_code for a in api],
        "pages": [p.status_code for p in pages],
        "page": pages[1].text,
        "merged": merged.json()["items"],
    }


@pytest.mark.parametrize("hidden", [False, True], ids=["alone", "with-hidden-statement"])
def test_a_purge_and_what_follows_it_answer_alike_whatever_is_hidden(
    server: LiveServer, fresh_world: World, hidden: bool
) -> None:
    """Another agency's statement on the purged report's entity changes nothing the
    supervisor sees: not the purge's answer, not the pages and API of the identity the
    entity was merged into."""
    seen = _purge_after_merge(server, fresh_world, hidden=hidden)
    assert seen["purged"] == {
        "report_id": fresh_world.reports["dea_strict"],
        "statements": seen["statements"],
        "entities_deleted": ["per-dea_strict"],
    }
    assert seen["api"] == seen["pages"] == [404, 200]
    page = str(seen["page"])
    assert "per-dea_strict" not in page and "Walter Quinn" not in page
    assert count(fresh_world.store, Entity, id="per-dea_strict") == (1 if hidden else 0)


def test_the_merged_list_follows_the_purge_whatever_is_hidden(
    server: LiveServer, fresh_world: World
) -> None:
    seen = _purge_after_merge(server, fresh_world, hidden=True)
    assert seen["merged"] == []
