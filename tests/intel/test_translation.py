"""Reports filed in one language: a colleague who may see one adds its title and summary in
the other language (who and when kept, audited); the agency's queue lists the rest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound
from vinculo.intel import translation
from vinculo.intel.models import Report
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor

from conftest import LiveServer
from worlds import World


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the sign-in form."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        data = {"username": username, "password": "demo", "next": "/", "csrf_token": token.group(1)}
        assert client.post("/login", data=data).status_code == 303
        yield client


SUMMARY = "Vigilancia de una casa de seguridad usada para almacenar fentanilo."


def test_a_single_language_report_is_translated_once_by_someone_who_may_see_it(
    fresh_world: World,
) -> None:
    shared = fresh_world.reports["shared"]
    with transaction(fresh_world.store.sessions) as session:
        mx = fresh_world.actors["mx.analyst"]
        report = session.execute(select(Report).where(Report.id == shared)).scalar_one()
        assert translation.filed_in(report) == "en"
        with pytest.raises(NotFound):  # USA only: as a missing report
            translation.add_translation(
                session=session,
                actor=mx,
                report_id=fresh_world.reports["usa_only"],
                title="Pagos",
                summary=SUMMARY,
            )
        with pytest.raises(InvalidFields) as bad:
            translation.add_translation(
                session=session, actor=mx, report_id=shared, title="", summary="corto"
            )
        assert {e.field for e in bad.value.errors} == {"title", "summary"}
        row = translation.add_translation(
            session=session,
            actor=mx,
            report_id=shared,
            title="Vigilancia compartida de casa de seguridad",
            summary=SUMMARY,
        )
        assert (row.lang, row.translator) == ("es", "mx.analyst")
        with pytest.raises(InvalidInput) as twice:
            translation.add_translation(
                session=session, actor=mx, report_id=shared, title="Otra", summary=SUMMARY
            )
        assert twice.value.field == "lang"
        auditor = Actor(username="aud", nation="USA", agency="DEA", roles=frozenset({"auditor"}))
        with pytest.raises(Forbidden):
            translation.add_translation(
                session=session, actor=auditor, report_id=shared, title="x", summary=SUMMARY
            )
    with fresh_world.store.sessions() as session:
        rows = session.execute(
            select(AuditRow).where(AuditRow.action == "translate", AuditRow.target == shared)
        ).scalars()
        assert [r.actor for r in rows] == ["mx.analyst"]


def test_the_queue_lists_the_agencys_single_language_reports_the_reader_may_see(
    fresh_world: World,
) -> None:
    with transaction(fresh_world.store.sessions) as session:
        us = fresh_world.actors["us.analyst"]  # DEA
        reports, total = translation.queue(session=session, actor=us)
        keys = {k for k, v in fresh_world.reports.items() if v in {r.id for r in reports}}
        # DEA's reports us.analyst may see (the RED one to mx.analyst is not among them).
        assert keys == {"shared", "usa_only", "dea_strict", "sonora"}
        assert total == len(reports) == translation.queue_count(session=session, actor=us)
        translation.add_translation(
            session=session,
            actor=us,
            report_id=fresh_world.reports["sonora"],
            title="Informe de la fuerza de tarea en Hermosillo",
            summary=SUMMARY,
        )
        assert translation.queue_count(session=session, actor=us) == 3
        mx = fresh_world.actors["mx.analyst"]  # FGR
        assert {r.id for r in translation.queue(session=session, actor=mx)[0]} == {
            fresh_world.reports["fgr_amber"],
            fresh_world.reports["fgr_amber_dea"],
        }


def test_the_report_page_says_so_and_offers_a_translation(fresh_world: World) -> None:
    shared = fresh_world.reports["shared"]
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "mx.analyst") as client,
    ):
        page = client.get(f"/reports/{shared}", params={"lang": "es"})
        assert "Presentado solo en inglés" in page.text
        assert f'href="/reports/{shared}/translation"' in page.text
        form = client.get(f"/reports/{shared}/translation")
        assert form.status_code == 200
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        refused = client.post(
            f"/reports/{shared}/translation",
            data={"csrf_token": token, "title": "", "summary": "x"},
        )
        assert refused.status_code == 422
        assert 'aria-invalid="true"' in refused.text
        saved = client.post(
            f"/reports/{shared}/translation",
            data={"csrf_token": token, "title": "Vigilancia compartida", "summary": SUMMARY},
        )
        assert saved.status_code == 303
        page = client.get(f"/reports/{shared}")
        assert "Vigilancia compartida" in page.text and "mx.analyst" in page.text
        hidden = client.get(f"/reports/{fresh_world.reports['usa_only']}/translation")
        missing = client.get("/reports/0000000000000000/translation")
        assert hidden.status_code == missing.status_code == 404
        queue = client.get("/translations")
        assert fresh_world.reports["fgr_amber"] in queue.text
