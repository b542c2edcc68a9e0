"""Triage in a real Chromium, in Spanish: a report filed on a real public process, pulled by
the internal node, found in the queue, answered (the reply and status reach the reporter's
status page), turned into a report and marked as spam; the queue and the submission
photographed in both languages (var/screenshots/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from public_site import PublicSite, start_site
from test_public_intake import gps_jpeg, receipt_of, submit
from test_triage_pull import accounts, status_page, wire

from vinculo.civic import service

from conftest import LiveServer, Store, make_store, shot, sign_in

pytestmark = pytest.mark.browser

WORDS = "Un agente de tránsito exige doscientos pesos en la esquina del mercado cada viernes."


@pytest.fixture(scope="module")
def triage_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public-triage"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
    )


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    yield from make_store("sqlite", tmp_path, demo=True)


def test_triage_in_spanish(page: Page, triage_site: PublicSite, sqlite_store: Store) -> None:
    store = sqlite_store
    wire(store, triage_site, store.settings.data_dir)
    accounts(store)
    status, html = submit(triage_site, what=WORDS, files=[("foto.jpg", gps_jpeg(), "image/jpeg")])
    assert status == 200
    receipt, passphrase = receipt_of(html)
    assert service.pull_all(sessions=store.sessions, settings=store.settings).stored == 1
    with LiveServer(store.settings) as server:
        sign_in(page, server, "fgr.triager")
        page.goto(f"{server.url}/civic/submissions?lang=es")
        expect(page.locator("h1")).to_have_text("Reportes ciudadanos")
        expect(page.locator(".civic-total")).to_have_text("1 reporte")
        expect(page.locator(".civic-queue .marking").first).to_contain_text("TLP:AMBER+STRICT")
        shot(page, "civic-triage-queue-es")
        page.click(".civic-queue a")
        expect(page.locator(".civic-words")).to_have_text(WORDS)
        expect(page.locator(".marking-banner").first).to_contain_text("civic-triage")
        expect(page.locator(".civic-attachments")).to_contain_text("attachment-1.jpg")
        shot(page, "civic-triage-submission-es")
        with page.expect_download() as download:
            page.click(".civic-attachments a")
        saved = Path(download.value.path())
        assert saved.read_bytes()[:2] == b"\xff\xd8" and b"ReporterCam" not in saved.read_bytes()
        # A reply and a status, which reach the reporter.
        page.select_option("#respond-status", "under_review")
        page.fill("#respond-message", "Gracias por su reporte; lo estamos revisando.")
        page.click(".civic-respond button[type=submit]")
        expect(page.locator("#civic-status")).to_have_text("En revisión")
        expect(page.locator(".civic-replies")).to_contain_text("lo estamos revisando")
        reporter = status_page(triage_site, receipt, passphrase)
        assert 'id="status">En revisión<' in reporter
        assert "Gracias por su reporte; lo estamos revisando." in reporter
        # Into a report: the reporter's words as its body.
        page.fill(".civic-report input[name=title_es]", "Cobro ilegal en el mercado")
        page.select_option(".civic-report select[name=predicate]", "corruption")
        page.fill(".civic-report textarea[name=suspicion]", "Un reporte anónimo describe cobros.")
        page.click(".civic-report button[type=submit]")
        # Without the filer's own attestation, refused and named; nothing made.
        expect(page.locator(".error-summary")).to_contain_text("attest_no_protected_views")
        page.check(".civic-report input[name=attest_no_protected_views]")
        page.click(".civic-report button[type=submit]")
        page.wait_for_url(re.compile(r"/reports/[0-9a-f]{16}"))
        expect(page.locator("body")).to_contain_text(WORDS)
        page.goto(f"{server.url}/civic/submissions?lang=es")
        page.click(".civic-queue a")
        expect(page.locator(".civic-submission")).to_contain_text("Informe")
        # Spam takes it out of the queue.
        page.click(".civic-spam-form button")
        expect(page.locator(".civic-spam")).to_have_text("Correo basura")
        page.goto(f"{server.url}/civic/submissions?lang=es")
        expect(page.locator(".civic-total")).to_have_text("0 reportes")
        page.goto(f"{server.url}/civic/submissions?status=spam&lang=en")
        expect(page.locator("h1")).to_have_text("Civic submissions")
        shot(page, "civic-triage-queue-en")
        page.click(".civic-queue a")
        expect(page.locator(".civic-words")).to_have_text(WORDS)
        shot(page, "civic-triage-submission-en")
