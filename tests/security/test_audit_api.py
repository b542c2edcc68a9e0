"""The audit trail as auditors read it, over real HTTP on SQLite and PostgreSQL: who saw an
item, what an account saw, the signed export, the dissemination record — and never the
content of a report or a statement."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from vinculo.db import make_engine, transaction
from vinculo.migrations.runner import upgrade
from vinculo.security.audit import AuditItem, AuditRow, verify
from vinculo.security.dissemination import disseminate
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user
from vinculo.security.trail import verify_export
from vinculo.settings import Settings

from command_line import run_vinculo
from conftest import LiveServer, Store
from worlds import REPORTS, World


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LiveServer]:
    with transaction(world.store.sessions) as session:
        for username, agency, roles in [
            ("auditor", "FBI", ["auditor"]),
            ("us.supervisor", "DEA", ["supervisor", "analyst"]),
        ]:
            create_user(
                session=session,
                user_in=UserCreate(username=username, password="demo", agency=agency, roles=roles),
                demo_password=True,
            )
    with LiveServer(world.store.settings) as live:
        with live.client("mx.analyst") as mx:  # what the auditor will look for
            mx.get("/api/v1/reports").raise_for_status()
            mx.get("/api/v1/entities/per-0001").raise_for_status()
        with live.client("us.analyst") as us:
            us.get("/api/v1/search", params={"q": "garcia"}).raise_for_status()
        yield live


@pytest.fixture(scope="module")
def auditor(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client("auditor") as client:
        yield client


def every_row(
    client: httpx.Client, path: str = "/api/v1/audit", **params: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params, limit="3") | ({"cursor": cursor} if cursor else {})
        body = client.get(path, params=query).raise_for_status().json()
        rows.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return rows


# --- who saw what --------------------------------------------------------------------------


def test_who_saw_per_0001(auditor: httpx.Client) -> None:
    rows = every_row(auditor, "/api/v1/audit/who-saw/per-0001")
    seen = {(r["actor"], r["action"], r["kind"]) for r in rows}
    assert ("mx.analyst", "read", "entity") in seen
    assert ("us.analyst", "search", "all") in seen
    assert all("per-0001" in r["ids"] or r["target"] == "per-0001" for r in rows)
    assert {r["action"] for r in rows} <= {"read", "list", "search", "disseminate"}
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == len(set(seqs))
    # The same through the general query, which also takes actor and action.
    mine = auditor.get(
        "/api/v1/audit", params={"item": "per-0001", "actor": "mx.analyst", "action": "read"}
    ).json()["items"]
    assert mine and all((r["actor"], r["action"]) == ("mx.analyst", "read") for r in mine)


def test_what_mx_analyst_saw_last_week(auditor: httpx.Client, world: World) -> None:
    rows = every_row(auditor, "/api/v1/audit/seen-by/mx.analyst")
    assert rows and {r["actor"] for r in rows} == {"mx.analyst"}
    received = {i for r in rows for i in r["ids"]}
    assert "per-0001" in received and world.reports["fgr_amber"] in received
    assert world.reports["usa_only"] not in received  # never shown to Mexico
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = auditor.get("/api/v1/audit/seen-by/mx.analyst", params={"since": tomorrow})
    assert later.json()["items"] == []
    bad = auditor.get("/api/v1/audit", params={"since": "last tuesday"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "since"
    unknown = auditor.get("/api/v1/audit", params={"action": "peek"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "action"


def test_the_side_index_holds_every_id_a_row_names(world: World) -> None:
    with world.store.sessions() as session:
        rows = session.execute(select(AuditRow.seq, AuditRow.ids)).all()
        indexed = {(i.item_id, i.seq) for i in session.execute(select(AuditItem)).scalars()}
    named = {(item, seq) for seq, ids in rows for item in json.loads(ids)}
    assert named == indexed


# --- no content through the audit trail -----------------------------------------------------


def content_of_the_world(world: World) -> list[str]:
    words = []
    for key, _author, _markings, title, values in REPORTS:
        words += [title, f"Body text for {key}"]
        words += [v for vs in values.values() for v in vs if len(v) > 8]
    return words


def test_the_audit_api_returns_no_report_or_statement_content(
    server: LiveServer, auditor: httpx.Client, world: World
) -> None:
    with transaction(world.store.sessions) as session:
        disseminate(
            session=session,
            actor=world.actors["us.analyst"],
            recipient="FGR liaison Hermosillo",
            purpose="joint case review",
            channel="export",
            kind="entity",
            ids=["per-0001", "per-shared"],
        )
    answers = [
        auditor.get("/api/v1/audit", params={"limit": "1000"}).text,
        auditor.get("/api/v1/audit/who-saw/per-0001").text,
        auditor.get("/api/v1/audit/seen-by/us.analyst").text,
        auditor.get("/api/v1/audit/export").text,
        auditor.get("/api/v1/disseminations").text,
    ]
    everything = "\n".join(answers)
    assert "per-0001" in everything and "FGR liaison Hermosillo" in everything
    for word in content_of_the_world(world):
        assert word not in everything, word
        assert json.dumps(word)[1:-1] not in everything, word


def test_disseminations_are_listed_and_filtered(auditor: httpx.Client, world: World) -> None:
    with transaction(world.store.sessions) as session:
        disseminate(
            session=session,
            actor=world.actors["mx.analyst"],
            recipient="DEA Phoenix FD",
            purpose="case Frontera, request 114",
            channel="export",
            kind="entity",
            ids=["per-fgr_amber"],
        )
    rows = every_row(auditor, "/api/v1/disseminations", item="per-fgr_amber")
    assert [(r["sender"], r["recipient"], r["purpose"]) for r in rows] == [
        ("mx.analyst", "DEA Phoenix FD", "case Frontera, request 114")
    ]
    assert rows[0]["ids"] == ["per-fgr_amber"]
    # LIKE wildcards are escaped: "_" matches an underscore only.
    assert auditor.get("/api/v1/disseminations", params={"item": "per_fgr%"}).json()["items"] == []
    by_sender = every_row(auditor, "/api/v1/disseminations", sender="mx.analyst")
    assert {r["sender"] for r in by_sender} == {"mx.analyst"}


# --- the signed export ----------------------------------------------------------------------


def test_export_signature_verifies_and_fails_after_one_byte(
    auditor: httpx.Client, world: World, tmp_path: Path
) -> None:
    response = auditor.get("/api/v1/audit/export", params={"item": "per-0001"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    data = response.content
    lines = data.decode().splitlines()
    header, rows, footer = json.loads(lines[0]), lines[1:-1], json.loads(lines[-1])
    assert header["export"]["by"] == "auditor"
    assert header["export"]["filters"] == {"item": "per-0001"}
    assert header["export"]["rows"] == len(rows) > 0
    seqs = [json.loads(r)["seq"] for r in rows]
    assert seqs == sorted(seqs)
    assert response.headers["x-vinculo-signature"] == f"hmac-sha256={footer['signature']}"
    secret = world.store.settings.secret_key
    assert verify_export(secret, data)
    assert not verify_export("another-secret", data)
    at = data.index(b'"mx.analyst"') + 1
    changed = data[:at] + b"n" + data[at + 1 :]  # mx.analyst -> nx.analyst
    assert len(changed) == len(data) and not verify_export(secret, changed)
    # The same check from the command line.
    good, bad = tmp_path / "audit.jsonl", tmp_path / "changed.jsonl"
    good.write_bytes(data)
    bad.write_bytes(changed)
    assert run_cli(world.store, "audit", "verify-export", str(good)).returncode == 0
    refused = run_cli(world.store, "audit", "verify-export", str(bad))
    assert refused.returncode == 1 and "does not hold" in refused.stderr


def run_cli(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "VINCULO_DATABASE_URL": store.settings.resolved_database_url,
        "VINCULO_SECRET_KEY": store.settings.secret_key,
    }
    return run_vinculo(*args, env=environment)


def test_queries_and_exports_leave_audit_rows(auditor: httpx.Client, world: World) -> None:
    auditor.get("/api/v1/audit", params={"actor": "fgr.mp1", "action": "seen"})
    exported = auditor.get("/api/v1/audit/export", params={"actor": "fgr.mp1"})
    with world.store.sessions() as session:
        query, export = (
            session.execute(
                select(AuditRow)
                .where(AuditRow.actor == "auditor", AuditRow.action == action)
                .order_by(AuditRow.seq.desc())
            )
            .scalars()
            .first()
            for action in ("audit_query", "export")
        )
    assert query is not None and export is not None
    assert json.loads(query.detail)["filters"] == {
        "actor": "fgr.mp1",
        "actions": ["read", "list", "search", "disseminate"],
    }
    signature = exported.headers["x-vinculo-signature"].removeprefix("hmac-sha256=")
    assert json.loads(export.detail)["signature"] == signature
    with world.store.engine.connect() as connection:
        assert verify(connection).problem is None


# --- who may ask ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["mx.analyst", "us.supervisor"])
def test_only_an_auditor_may_read_the_trail(server: LiveServer, username: str) -> None:
    with server.client(username) as client:
        for path in [
            "/api/v1/audit",
            "/api/v1/audit/who-saw/per-0001",
            "/api/v1/audit/seen-by/mx.analyst",
            "/api/v1/audit/export",
            "/api/v1/disseminations",
        ]:
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert "per-0001" not in refused.text
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/audit").status_code == 401


# --- the pages ------------------------------------------------------------------------------


@contextmanager
def page_session(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def test_the_audit_page_in_english_and_spanish(server: LiveServer, world: World) -> None:
    with page_session(server, "auditor") as client:
        home = client.get("/").text
        assert 'href="/audit"' in home
        page = client.get("/audit", params={"item": "per-0001", "action": "seen"})
        assert page.status_code == 200
        assert "Who saw an item?" in page.text and "mx.analyst" in page.text
        assert page.text.count('class="audit-row"') >= 2
        spanish = client.get("/audit", params={"item": "per-0001", "action": "seen", "lang": "es"})
        assert '<html lang="es">' in spanish.text and "¿Quién vio un elemento?" in spanish.text
        bad = client.get("/audit", params={"since": "ayer"})
        assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
        export = client.get("/audit/export", params={"item": "per-0001"})
        assert export.status_code == 200 and verify_export(
            world.store.settings.secret_key, export.content
        )
        record = client.get("/audit/disseminations")
        assert record.status_code == 200 and "Registro de difusión" in record.text
        for word in content_of_the_world(world):
            assert word not in page.text and word not in spanish.text
    with page_session(server, "mx.analyst") as client:
        assert 'href="/audit"' not in client.get("/").text
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export").status_code == 403
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        assert anonymous.get("/audit").status_code == 303


# --- the migration indexes rows written before it ------------------------------------------


def test_the_migration_indexes_the_ids_of_older_rows(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}", data_dir=tmp_path)
    engine = make_engine(settings)
    upgrade(engine, "0002")
    with engine.begin() as connection:
        for seq, ids in [(1, '["r1","per-9"]'), (2, "[]"), (3, '["per-9","per-9"]')]:
            connection.execute(
                text(
                    "INSERT INTO audit_log (seq, at, action, kind, ids, detail, outcome, "
                    "prev_hash, hash) VALUES (:seq, '2026-01-01 00:00:00', 'read', 'entity', "
                    ":ids, '{}', 'ok', '', '')"
                ),
                {"seq": seq, "ids": ids},
            )
    upgrade(engine)
    with engine.connect() as connection:
        found = {
            (r[0], r[1]) for r in connection.execute(text("SELECT item_id, seq FROM audit_ids"))
        }
    engine.dispose()
    assert found == {("r1", 1), ("per-9", 1), ("per-9", 3)}
