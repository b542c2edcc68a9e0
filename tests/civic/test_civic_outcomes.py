"""What came of a closed submission ("you said, we did"), on both backends, against a real
public process: a triager writes the outcome in both languages over the API and the page;
refused, named and translated, on a submission not closed or a text missing, with nothing
stored; 403 without the triage permission, 404 (as a missing one) for a submission the
account may not see; audited; and `vinculo civic publish` takes it only once the submission
is flagged public, with its category and month, never its id, words or place."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from public_site import TOKEN, PublicSite, start_site
from sqlalchemy import func, select
from test_public_intake import receipt_of, submit
from test_triage_pull import accounts, wire

from vinculo.civic import service
from vinculo.civic.models import CivicOutcome
from vinculo.db import transaction
from vinculo.demo.oversight import read
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from command_line import run_vinculo
from conftest import LiveServer, Store, shot, sign_in

QUEUE = "/api/v1/civic/submissions"
MISSING = "0123456789abcdef"
WORDS = "El comandante de la caseta de Nogales pide cuotas a los comerciantes cada martes."
OTHER = "Un agente de la caseta de Nogales exige dinero a los transportistas en la noche."
OUTCOME = {
    "text_en": "Reports of fees at a checkpoint led to an inquiry; the commander was removed.",
    "text_es": (
        "Los reportes de cuotas en una caseta llevaron a una investigación; el comandante "
        "fue removido."
    ),
}


@pytest.fixture(scope="module")
def outcome_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    yield from start_site(
        tmp_path_factory.mktemp("public-outcomes"),
        VINCULO_PUBLIC_FORWARDED_FOR="true",
        VINCULO_PUBLIC_LIMIT_WITHOUT_POW="50",
    )


def _publish(store: Store, out: Path) -> dict[str, object]:
    done = run_vinculo(
        "civic",
        "publish",
        "--as",
        "fgr.supervisor",
        "--out",
        str(out),
        env={
            "VINCULO_DATABASE_URL": store.settings.resolved_database_url,
            "VINCULO_DATA_DIR": str(store.settings.data_dir),
            "VINCULO_CIVIC_URL": "",
            "VINCULO_CIVIC_PULL_TOKEN": TOKEN,
        },
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return found


def _outcomes(store: Store) -> int:
    with store.sessions() as session:
        return session.execute(select(func.count()).select_from(CivicOutcome)).scalar_one()


def test_an_outcome_written_audited_and_published(
    store: Store, outcome_site: PublicSite, tmp_path: Path
) -> None:
    wire(store, outcome_site, tmp_path)
    accounts(store)
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(
                username="fgr.supervisor",
                password="demo",
                agency="FGR",
                roles=["supervisor"],
                groups=["civic-triage"],
            ),
            demo_password=True,
        )
    for words, address in ((WORDS, "198.51.100.31"), (OTHER, "198.51.100.32")):
        status, html = submit(outcome_site, what=words, address=address)
        assert status == 200, html
        receipt_of(html)
    service.pull_all(sessions=store.sessions, settings=store.settings)
    with (
        LiveServer(store.settings) as server,
        server.client("fgr.triager") as api,
        server.client("fgr.reader") as reader,
        server.client("fgr.analyst") as outsider,
        server.client("dea.triager") as other_agency,
    ):
        items = api.get(QUEUE, params={"limit": 200}).json()["items"]
        ids = {i["what"]: i["id"] for i in items}
        ours, other = ids[WORDS], ids[OTHER]
        month = next(i["received_on"] for i in items if i["id"] == ours)[:7]

        # Not closed yet: refused, the field named, in the reader's language; nothing stored.
        early = api.put(f"{QUEUE}/{ours}/outcome", json=OUTCOME, headers={"Accept-Language": "es"})
        assert early.status_code == 422, early.text
        assert early.json()["error"]["field"] == "status"
        assert (
            "solo un reporte cerrado tiene un resultado" in early.text and "Recibido" in early.text
        )
        assert _outcomes(store) == 0

        closed = api.post(f"{QUEUE}/{ours}/respond", json={"status": "closed"})
        assert closed.status_code == 200, closed.text
        assert closed.json()["outcome"] is None

        # A text missing in one language: named, nothing stored.
        half = api.put(
            f"{QUEUE}/{ours}/outcome",
            json={"text_en": OUTCOME["text_en"], "text_es": "  "},
            headers={"Accept-Language": "es"},
        )
        assert half.status_code == 422 and half.json()["error"]["field"] == "text_es"
        assert "escriba el resultado en este idioma" in half.text
        assert _outcomes(store) == 0

        # Without the triage permission: refused (403) before the submission is looked for;
        # a triager of another agency, who may not see it, is answered as for a missing one.
        for stranger, code in ((reader, 403), (outsider, 403), (other_agency, 404)):
            hidden = stranger.put(f"{QUEUE}/{ours}/outcome", json=OUTCOME)
            missing = stranger.put(f"{QUEUE}/{MISSING}/outcome", json=OUTCOME)
            assert hidden.status_code == code
            assert hidden.text.replace(ours, MISSING) == missing.text
        assert _outcomes(store) == 0

        written = api.put(f"{QUEUE}/{ours}/outcome", json=OUTCOME)
        assert written.status_code == 200, written.text
        outcome = written.json()["outcome"]
        assert outcome["text_es"] == OUTCOME["text_es"] and outcome["written_by"] == "fgr.triager"
        rewritten = api.put(
            f"{QUEUE}/{ours}/outcome", json={**OUTCOME, "text_en": "The commander was removed."}
        )
        assert rewritten.json()["outcome"]["text_en"] == "The commander was removed."
        assert _outcomes(store) == 1
        # The other one closed with an outcome too, but never flagged public.
        api.post(f"{QUEUE}/{other}/respond", json={"status": "closed"})
        api.put(f"{QUEUE}/{other}/outcome", json={"text_en": "Unflagged.", "text_es": "Sin marca."})

    with store.sessions() as session:
        audited = [
            json.loads(r.detail) if isinstance(r.detail, str) else r.detail
            for r in session.execute(
                select(AuditRow).where(AuditRow.kind == "civic_submission", AuditRow.target == ours)
            ).scalars()
            if r.action == "write"
        ]
    assert sum(d.get("change") == "outcome" for d in audited) == 2
    assert all(OUTCOME["text_es"] not in json.dumps(d) for d in audited)  # ids, never words

    # Not flagged public: nothing of it goes to the portal.
    assert _publish(store, tmp_path / "before.json")["outcomes"] == []
    with LiveServer(store.settings) as server, server.client("fgr.triager") as api:
        flagged = api.post(
            "/api/v1/assistance/public-flags", json={"kind": "submission", "item_ids": [ours]}
        )
        assert flagged.status_code == 200, flagged.text
    document = _publish(store, tmp_path / "after.json")
    assert document["outcomes"] == [
        {
            "category": "security_forces_abuse",
            "month": month,
            "text_en": "The commander was removed.",
            "text_es": OUTCOME["text_es"],
        }
    ]
    text = json.dumps(document, ensure_ascii=False)
    for secret in (ours, other, WORDS, OTHER, "Nogales", "Sin marca"):
        assert secret not in text


def test_the_outcome_form_in_both_languages(
    store: Store, outcome_site: PublicSite, tmp_path: Path
) -> None:
    wire(store, outcome_site, tmp_path)
    accounts(store)
    status, html = submit(outcome_site, what=WORDS, address="198.51.100.41")
    assert status == 200, html
    service.pull_all(sessions=store.sessions, settings=store.settings)
    with LiveServer(store.settings) as server, server.client() as page:
        login = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text)
        assert login
        signed = page.post(
            "/login",
            data={
                "username": "fgr.triager",
                "password": "demo",
                "next": "/",
                "csrf_token": login.group(1),
            },
        )
        assert signed.status_code == 303, signed.text
        listed = page.get("/civic/submissions?lang=es").text
        (ours,) = set(re.findall(r'href="/civic/submissions/([0-9a-f]{16})"', listed))
        before = page.get(f"/civic/submissions/{ours}?lang=es").text
        assert "Se puede escribir un resultado una vez que el reporte esté cerrado." in before
        assert 'name="text_es"' not in before
        token = re.search(r'name="csrf_token" value="([^"]+)"', before)
        assert token
        csrf = token.group(1)
        early = page.post(
            f"/civic/submissions/{ours}/outcome", data={"csrf_token": csrf, **OUTCOME}
        )
        assert early.status_code == 422
        assert "solo un reporte cerrado tiene un resultado" in early.text
        assert early.text.count('class="marking-banner') == 2  # above and below the item
        assert _outcomes(store) == 0
        page.post(
            f"/civic/submissions/{ours}/respond", data={"csrf_token": csrf, "status": "closed"}
        )
        for lang, label in (("en", "Outcome in Spanish"), ("es", "Resultado en español")):
            form = page.get(f"/civic/submissions/{ours}?lang={lang}").text
            assert label in form and 'name="text_es"' in form
        half = page.post(
            f"/civic/submissions/{ours}/outcome",
            data={"csrf_token": csrf, "text_en": "", "text_es": OUTCOME["text_es"]},
        )
        assert half.status_code == 422 and "escriba el resultado en este idioma" in half.text
        assert OUTCOME["text_es"] in half.text  # what was typed comes back
        assert _outcomes(store) == 0
        done = page.post(
            f"/civic/submissions/{ours}/outcome",
            data={"csrf_token": csrf, **OUTCOME},
            follow_redirects=True,
        )
        assert done.status_code == 200 and 'id="civic-outcome"' in done.text
        assert OUTCOME["text_en"] in done.text and OUTCOME["text_es"] in done.text
    assert _outcomes(store) == 1


@pytest.mark.browser
def test_the_demo_s_outcome_on_its_page_in_a_browser(
    page: Page, browser_server: LiveServer
) -> None:
    """Chromium: mx.triage opens a closed submission of the demo whose outcome they wrote, in
    Spanish and in English: the outcome in both languages, the form to rewrite it, under the
    item's banner."""
    entry = next(e for e in read("civic.yml")["submissions"] if e.get("outcome"))
    sign_in(page, browser_server, "mx.triage")
    page.goto(
        f"{browser_server.url}/civic/submissions?lang=es&status=closed&category={entry['category']}"
    )
    page.locator(".civic-queue tbody tr").filter(has_text=entry["what"][:60]).locator("a").click()
    for lang, heading, button in (
        ("es", "Lo que resultó", "Reescribir el resultado"),
        ("en", "What came of it", "Rewrite the outcome"),
    ):
        page.goto(page.url.split("?")[0] + f"?lang={lang}")
        expect(page.locator(".marking-banner").first).to_be_visible()
        expect(page.locator("#civic-outcome [lang=en]")).to_have_text(entry["outcome"]["en"])
        expect(page.locator("#civic-outcome [lang=es]")).to_have_text(entry["outcome"]["es"])
        form = page.locator("#civic-outcome-form")
        expect(form.locator("h3")).to_have_text(heading)
        expect(form.locator("textarea[name=text_es]")).to_have_value(entry["outcome"]["es"])
        expect(form.locator("button[type=submit]")).to_have_text(button)
        form.scroll_into_view_if_needed()
        shot(page, f"civic-outcome-form-{lang}")
