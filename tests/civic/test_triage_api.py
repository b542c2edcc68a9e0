"""Triage over the API (/api/v1/civic), on both backends, against a real public process: the
queue and its filters, a submission and its stripped attachment, a reply that reaches the
reporter, a report, an allegation, screening and links, spam; bad input named and nothing
stored; every act on the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from public_site import PublicSite, start_site
from sqlalchemy import func, select
from test_public_intake import gps_jpeg, receipt_of, submit
from test_triage_pull import accounts, status_page, wire

from vinculo.civic import service
from vinculo.civic.models import CivicReply
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.security.audit import AuditRow

from conftest import LiveServer, Store
from worlds import report_in

QUEUE = "/api/v1/civic/submissions"
WORDS = "Vi a Ramiro Quintero Salas cobrar cuotas a los comerciantes de la plaza."


@pytest.fixture(scope="module")
def api_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public-api"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
    )


def test_triage_over_the_api(store: Store, api_site: PublicSite, tmp_path: Path) -> None:
    wire(store, api_site, tmp_path)
    actors = accounts(store)
    # An entity the triager may see, for screening to find.
    with transaction(store.sessions) as session:
        from vinculo.intel.service import create_report

        create_report(
            session=session,
            actor=actors["fgr.triager"],
            report_in=report_in(
                "Extorsión en la plaza",
                MarkingsIn(tlp="GREEN", rel_to=["MEX"]),
                [
                    EntityIn(
                        id="per-ramiro",
                        schema="Person",
                        properties={"name": ["Ramiro Quintero Salas"]},
                    )
                ],
            ),
        )
    service.pull_all(sessions=store.sessions, settings=store.settings)
    status, html = submit(api_site, what=WORDS, files=[("foto.jpg", gps_jpeg(), "image/jpeg")])
    assert status == 200
    receipt, passphrase = receipt_of(html)
    service.pull_all(sessions=store.sessions, settings=store.settings)
    with LiveServer(store.settings) as server, server.client("fgr.triager") as api:
        listed = api.get(QUEUE, params={"category": "security_forces_abuse"}).json()
        ours = [i for i in listed["items"] if i["what"] == WORDS]
        assert len(ours) == 1 and "receipt" not in ours[0]
        submission_id = ours[0]["id"]
        assert ours[0]["markings"]["groups"] == ["civic-triage"]
        assert api.get(QUEUE, params={"category": "missing_person"}).json()["total"] == 0
        read = api.get(f"{QUEUE}/{submission_id}", headers={"Accept-Language": "es"}).json()
        assert read["status_label"] == "Recibido" and receipt not in str(read)
        file_id = read["attachments"][0]["id"]
        got = api.get(f"{QUEUE}/{submission_id}/attachments/{file_id}")
        assert got.status_code == 200 and got.content[:2] == b"\xff\xd8"
        assert (
            b"ReporterCam" not in got.content and len(got.content) == read["attachments"][0]["size"]
        )

        # Bad input: named, translated, nothing stored or sent.
        bad = api.post(
            f"{QUEUE}/{submission_id}/respond",
            json={"status": "archived"},
            headers={"Accept-Language": "es"},
        )
        assert bad.status_code == 422 and "estado desconocido" in bad.text
        assert bad.json()["error"]["field"] == "status"
        with store.sessions() as session:
            assert session.execute(select(func.count()).select_from(CivicReply)).scalar_one() == 0

        answered = api.post(
            f"{QUEUE}/{submission_id}/respond",
            json={"status": "referred", "message": "Turnamos su reporte a la Fiscalía."},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["replies"][0]["message"] == "Turnamos su reporte a la Fiscalía."
        page = status_page(api_site, receipt, passphrase)
        assert 'id="status">Remitido<' in page and "Turnamos su reporte a la Fiscalía." in page

        hits = api.post(
            f"{QUEUE}/{submission_id}/screen", json={"name": "Ramiro Quintero Salas"}
        ).json()["results"]
        assert hits and hits[0]["id"] == "per-ramiro"
        linked = api.post(f"{QUEUE}/{submission_id}/links", json={"entity_ids": ["per-ramiro"]})
        assert linked.json()["links"][0]["caption"] == "Ramiro Quintero Salas"
        hidden = api.post(f"{QUEUE}/{submission_id}/links", json={"entity_ids": ["per-none"]})
        assert hidden.status_code == 422

        report = api.post(
            f"{QUEUE}/{submission_id}/report",
            json={
                "title_es": "Cobro de cuotas en la plaza",
                "predicate": "extortion",
                "suspicion": "Un reporte anónimo describe cobros a comerciantes.",
                "review_by": (date.today() + timedelta(days=200)).isoformat(),
                "attest_no_protected_views": True,
                "markings": {"tlp": "AMBER", "rel_to": ["MEX"]},
            },
        )
        assert report.status_code == 201, report.text
        body = api.get(f"/api/v1/reports/{report.json()['id']}").json()
        assert body["body_es"] == WORDS and receipt not in str(body)
        allegation = api.post(
            f"{QUEUE}/{submission_id}/allegation",
            json={
                "violations": ["arbitrary_detention"],
                "occurred_from": "2026-10-01",
                "markings": {"tlp": "AMBER", "rel_to": ["MEX"]},
            },
        )
        assert allegation.status_code == 201, allegation.text
        alleged = api.get(f"/api/v1/oversight/allegations/{allegation.json()['id']}").json()
        assert alleged["summary_es"] == WORDS

        spam = api.post(f"{QUEUE}/{submission_id}/spam", json={"spam": True})
        assert spam.json()["spam"] is True
        assert submission_id not in {i["id"] for i in api.get(QUEUE).json()["items"]}
        assert submission_id in {
            i["id"] for i in api.get(QUEUE, params={"status": "spam"}).json()["items"]
        }
        # Outside the group: as if there were none.
        with server.client("fgr.analyst") as outsider:
            assert outsider.get(QUEUE).json() == {"items": [], "total": 0, "next_cursor": None}
            assert outsider.get(f"{QUEUE}/{submission_id}").status_code == 404
    with store.sessions() as session:
        changes = (
            session.execute(
                select(AuditRow.detail).where(
                    AuditRow.target == submission_id, AuditRow.action == "write"
                )
            )
            .scalars()
            .all()
        )
    assert {c.split('"change": "')[1].split('"')[0] for c in changes} == {
        "reply",
        "link",
        "report",
        "allegation",
        "spam",
    }
