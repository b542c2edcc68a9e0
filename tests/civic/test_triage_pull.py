"""Triage inside: the internal node pulls from a real public process on loopback, opens the
submissions with its private key, stores them marked for the civic-triage group, and only
then acknowledges them; triagers reply (the reporter reads it on their status page), set a
status, mark spam, turn a submission into a report or an allegation, link entities. On both
backends."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from public_site import TOKEN, PublicSite, form_fields, start_site
from sqlalchemy import select
from test_public_intake import gps_jpeg, receipt_of, submit

from vinculo.civic import crypto, service
from vinculo.civic.models import CivicAttachment, CivicSubmission
from vinculo.db import transaction
from vinculo.errors import Forbidden, NotFound
from vinculo.intel.models import Report
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.allegation_models import Allegation
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import Store

WORDS = "Los policías municipales pidieron dinero en el retén de Nogales cada noche."


@pytest.fixture(scope="module")
def public_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
        VINCULO_PUBLIC_LIMIT_WITH_POW="50",
    )


def wire(store: Store, site: PublicSite, tmp: Path) -> None:
    """The internal node's settings for the site, its private key where `civic keys` puts it."""
    crypto.write_private_key(store.settings.resolved_civic_key_path, crypto.encode(bytes(site.key)))
    store.settings.civic_url = site.url
    store.settings.civic_pull_token = TOKEN
    store.settings.civic_agency = "FGR"


def accounts(store: Store) -> dict[str, Actor]:
    made = {}
    with transaction(store.sessions) as session:
        service.submission_markings(session, "FGR")
        for username, agency, roles, groups in (
            ("fgr.triager", "FGR", ["triager", "analyst"], ["civic-triage"]),
            ("fgr.analyst", "FGR", ["analyst"], []),  # same agency, not in the group
            ("dea.triager", "DEA", ["triager", "analyst"], ["civic-triage"]),  # other agency
            ("fgr.reader", "FGR", ["analyst"], ["civic-triage"]),  # in the group, no role
        ):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency=agency, roles=roles, groups=groups
                ),
                demo_password=True,
            )
            made[username] = actor_for(user)
    return made


def pending(site: PublicSite) -> int:
    with sqlite3.connect(site.database) as db:
        return int(db.execute("select count(*) from submissions").fetchone()[0])


def status_page(site: PublicSite, receipt: str, passphrase: str) -> str:
    with site.client(**{"X-Forwarded-For": "198.51.100.20"}) as http:
        csrf = form_fields(http.get("/follow-up?lang=es").text)["csrf"]
        page = http.post(
            "/follow-up",
            data={"csrf": csrf, "lang": "es", "receipt": receipt, "passphrase": passphrase},
            follow_redirects=True,
        )
        assert page.status_code == 200, page.text
        return page.text


def test_pull_decrypt_queue_and_act(store: Store, public_site: PublicSite, tmp_path: Path) -> None:
    wire(store, public_site, tmp_path)
    actors = accounts(store)
    pull = service.pull_all(sessions=store.sessions, settings=store.settings)  # drain others
    status, html = submit(public_site, what=WORDS, files=[("foto.jpg", gps_jpeg(), "image/jpeg")])
    assert status == 200
    receipt, passphrase = receipt_of(html)
    assert pending(public_site) >= 1
    pull = service.pull_all(sessions=store.sessions, settings=store.settings)
    assert pull.stored >= 1 and pull.acknowledged == pull.opened
    assert pending(public_site) == 0  # acknowledged after the commit: gone from the public store

    triager = actors["fgr.triager"]
    with transaction(store.sessions) as session:
        rows, _more, total = service.list_submissions(session=session, actor=triager)
        mine = [r for r, _m in rows if r.what == WORDS]
        assert len(mine) == 1 and total == len(rows)
        submission_id = mine[0].id
        marks = dict((r.id, m) for r, m in rows)[submission_id]
        assert marks.banner() == "TLP:AMBER+STRICT // REL TO MEX // civic-triage"
        detail = service.get_submission(session=session, actor=triager, submission_id=submission_id)
        assert detail.submission.category == "security_forces_abuse"
        assert detail.submission.municipality == "Nogales"
        assert [a.name for a in detail.attachments] == ["attachment-1.jpg"]  # renamed outside
        stripped = session.get(CivicAttachment, detail.attachments[0].id)
        assert stripped is not None and b"ReporterCam" not in stripped.data

    # Readers the markings leave out see no submission at all, as if there were none.
    for outsider in ("fgr.analyst", "dea.triager"):
        with transaction(store.sessions) as session:
            rows, more, total = service.list_submissions(session=session, actor=actors[outsider])
            assert (rows, more, total) == ([], False, 0)
            with pytest.raises(NotFound):
                service.get_submission(
                    session=session, actor=actors[outsider], submission_id=submission_id
                )
            with pytest.raises(NotFound):
                service.get_submission(session=session, actor=actors[outsider], submission_id="x")
    # In the group without the role: reads, may not act.
    with transaction(store.sessions) as session, pytest.raises(Forbidden):
        service.mark_spam(session=session, actor=actors["fgr.reader"], submission_id=submission_id)

    # Pulling again stores nothing twice.
    again = service.pull_all(sessions=store.sessions, settings=store.settings)
    assert again.stored == 0

    # A reply and a status reach the reporter's page.
    with transaction(store.sessions) as session:
        service.respond(
            session=session,
            actor=triager,
            settings=store.settings,
            submission_id=submission_id,
            status="under_review",
            message="Gracias: revisamos su reporte con la unidad de asuntos internos.",
        )
    page = status_page(public_site, receipt, passphrase)
    assert 'id="status">En revisión<' in page
    assert "Gracias: revisamos su reporte con la unidad de asuntos internos." in page

    # Into a report (the words, never the receipt) and an allegation.
    with transaction(store.sessions) as session:
        report_id = service.to_report(
            session=session,
            actor=triager,
            submission_id=submission_id,
            choice=service.ReportChoice(
                title_en="Bribes at the Nogales checkpoint",
                title_es="Sobornos en el retén de Nogales",
                predicate="corruption",
                suspicion="An anonymous report describes repeated demands for money.",
                reliability="F",
                credibility=6,
                review_by=date.today() + timedelta(days=365),
                markings=MarkingsIn(tlp="AMBER", rel_to=["MEX"]),
                attest_no_protected_views=True,
            ),
        )
        allegation_id = service.to_allegation(
            session=session,
            actor=triager,
            submission_id=submission_id,
            choice=service.AllegationChoice(
                violations=["arbitrary_detention"],
                occurred_from=date(2026, 11, 3),
                reliability="F",
                credibility=6,
                markings=MarkingsIn(tlp="AMBER", rel_to=["MEX"]),
            ),
        )
    with store.sessions() as session:
        report = session.execute(select(Report).where(Report.id == report_id)).scalar_one()
        assert report.body_es == WORDS and receipt not in report.body_es + report.suspicion
        allegation = session.execute(
            select(Allegation).where(Allegation.id == allegation_id)
        ).scalar_one()
        assert allegation.summary_es == WORDS
        row = session.execute(
            select(CivicSubmission).where(CivicSubmission.id == submission_id)
        ).scalar_one()
        assert (row.report_id, row.allegation_id, row.status) == (
            report_id,
            allegation_id,
            "under_review",
        )
        changes = (
            session.execute(select(AuditRow.detail).where(AuditRow.target == submission_id))
            .scalars()
            .all()
        )
        assert sum('"change": "report"' in c for c in changes) == 1
        assert sum('"change": "allegation"' in c for c in changes) == 1

    # Spam leaves the queue and shows under the spam filter.
    with transaction(store.sessions) as session:
        service.mark_spam(session=session, actor=triager, submission_id=submission_id)
        rows, _m, _t = service.list_submissions(session=session, actor=triager)
        assert submission_id not in {r.id for r, _ in rows}
        rows, _m, _t = service.list_submissions(session=session, actor=triager, status="spam")
        assert submission_id in {r.id for r, _ in rows}


def test_a_failed_store_acknowledges_nothing(
    store: Store, public_site: PublicSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire(store, public_site, tmp_path)
    service.pull_all(sessions=store.sessions, settings=store.settings)
    status, _html = submit(public_site, what="Se llevaron a mi hermano en una camioneta blanca.")
    assert status == 200
    waiting = pending(public_site)

    def crash(*_a: object, **_k: object) -> list[str]:
        raise RuntimeError("the internal store failed mid-pull")

    monkeypatch.setattr(service, "store_pulled", crash)
    with pytest.raises(RuntimeError):
        service.pull_all(sessions=store.sessions, settings=store.settings)
    assert pending(public_site) == waiting  # still there: the next pull takes it
    monkeypatch.undo()
    assert service.pull_all(sessions=store.sessions, settings=store.settings).stored == waiting
    assert pending(public_site) == 0


def test_the_app_pulls_in_the_background(
    store: Store, public_site: PublicSite, tmp_path: Path
) -> None:
    import time

    from conftest import LiveServer

    wire(store, public_site, tmp_path)
    store.settings.civic_pull_interval_seconds = 0.2
    status, _html = submit(public_site, what="Hay una casa de seguridad en la colonia Centro.")
    assert status == 200
    with LiveServer(store.settings):
        deadline = time.monotonic() + 20
        while pending(public_site) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert pending(public_site) == 0
    with store.sessions() as session:
        texts = set(session.execute(select(CivicSubmission.what)).scalars())
    assert "Hay una casa de seguridad en la colonia Centro." in texts


def test_the_pull_names_what_is_missing(store: Store) -> None:
    with pytest.raises(service.NotConfigured) as refused:
        service.pull(sessions=store.sessions, settings=store.settings)
    assert "VINCULO_CIVIC_URL" in refused.value.render("es")


def test_an_addition_joins_its_submission(
    store: Store, public_site: PublicSite, tmp_path: Path
) -> None:
    wire(store, public_site, tmp_path)
    actors = accounts(store)
    service.pull_all(sessions=store.sessions, settings=store.settings)
    status, html = submit(public_site, what="Primer relato: una camioneta sin placas.")
    assert status == 200
    receipt, passphrase = receipt_of(html)
    service.pull_all(sessions=store.sessions, settings=store.settings)
    with public_site.client(**{"X-Forwarded-For": "198.51.100.31"}) as http:
        csrf = form_fields(http.get("/follow-up?lang=es").text)["csrf"]
        http.post(
            "/follow-up",
            data={"csrf": csrf, "lang": "es", "receipt": receipt, "passphrase": passphrase},
        )
        added = http.post(
            "/follow-up/add",
            data={"csrf": csrf, "lang": "es", "what": "Agrego: la camioneta era gris."},
        )
        assert added.status_code == 200, added.text
    result = service.pull_all(sessions=store.sessions, settings=store.settings)
    assert (result.opened, result.stored) == (1, 0)  # an addition, not a new submission
    with transaction(store.sessions) as session:
        rows, _m, _t = service.list_submissions(session=session, actor=actors["fgr.triager"])
        first = next(r for r, _ in rows if r.what == "Primer relato: una camioneta sin placas.")
        detail = service.get_submission(
            session=session, actor=actors["fgr.triager"], submission_id=first.id
        )
        assert [a.what for a in detail.additions] == ["Agrego: la camioneta era gris."]
