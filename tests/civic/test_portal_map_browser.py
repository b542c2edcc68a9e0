"""The portal's reports from the public in a real Chromium, in English and Spanish: the map of
states drawn by the public site's own bundle and map file under its content security policy,
a state's shade and tooltip its table's figure, a hidden figure no colour and "—", the IATI
download; screenshots in var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from public_site import TOKEN, PublicSite, start_site
from test_portal import _document

from vinculo.civic import client
from vinculo.civic.portal import PortalDocument
from vinculo.security.aggregates import publish

from conftest import shot

pytestmark = pytest.mark.browser

IATI = '<iati-activities version="2.03" generated-datetime="2026-12-01T00:00:00Z"/>\n'
# Crime in six states over two months, corruption in Sonora; Jalisco's four reports are
# under five (hidden), and Tamaulipas with them so that the total does not give them away.
COUNTS = {
    ("crime", state, month): count
    for state, counts in (
        ("SON", (13, 13)),
        ("CHH", (8, 13)),
        ("GRO", (9, 12)),
        ("MIC", (10, 11)),
        ("TAM", (7, 9)),
        ("JAL", (3, 1)),
    )
    for month, count in zip(("2026-11", "2026-10"), counts, strict=True)
} | {("corruption", "SON", "2026-11"): 6, ("corruption", "SON", "2026-10"): 7}


def submissions_table() -> dict[str, Any]:
    published = publish(("category", "state", "month"), COUNTS)
    return {
        "name": "submissions",
        "dimensions": list(published.dimensions),
        "cells": [{"key": list(k), "count": v} for k, v in published.values.items()],
    }


@pytest.fixture(scope="module")
def map_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    for site in start_site(tmp_path_factory.mktemp("portal-map")):
        body = _document(iati=IATI)
        body["tables"].append(submissions_table())
        client.push_portal(url=site.url, token=TOKEN, document=PortalDocument.model_validate(body))
        yield site


def test_the_map_of_reports_in_both_languages(page: Page, map_site: PublicSite) -> None:
    document = PortalDocument.model_validate_json(client_get(map_site, "/portal/data/portal.json"))
    table = document.table("submissions")
    hidden = {
        c.key[1] for c in table.cells if c.key[0] == "*" and c.key[2] == "*" and c.count is None
    }
    assert hidden == {"JAL", "TAM"}  # the figures the map must not give away
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        # A missing file shows as a response below (the favicon aside).
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    for lang, title, tip, sonora in (
        ("en", "Reports from the public", "Number of reports", "Sonora"),
        ("es", "Reportes ciudadanos", "Número de reportes", "Sonora"),
    ):
        page.goto(f"{map_site.url}/portal?lang={lang}")
        expect(page.locator("#submissions-title")).to_have_text(title)
        expect(page.locator("#state-map[data-drawn='true'] svg")).to_have_count(1)
        expect(page.locator("#state-map svg path")).to_have_count(32)
        son = page.locator("#state-map path[data-state='SON']")
        expect(son).to_have_attribute("data-count", "39")
        assert son.get_attribute("fill", timeout=1000) != "#f4f2ec"
        expect(son.locator("title")).to_contain_text(f"{sonora}\n{tip}: 39")
        # Hidden: no colour, a dash, never a number.
        jal = page.locator("#state-map path[data-state='JAL']")
        expect(jal).to_have_attribute("data-count", "hidden")
        expect(jal).to_have_attribute("fill", "#f4f2ec")
        expect(jal.locator("title")).to_contain_text("—")
        assert not any(ch.isdigit() for ch in jal.locator("title").text_content() or "")
        # A state with no report: no colour, 0.
        expect(page.locator("#state-map path[data-state='YUC']")).to_have_attribute(
            "fill", "#f4f2ec"
        )
        row = page.locator("#submissions-states-table tr[data-row='JAL'] td")
        expect(row).to_have_text("—")
        expect(page.locator("#submissions-states-table tr[data-row='SON'] td")).to_have_text("39")
        expect(page.locator("#iati-download")).to_have_count(1)
        page.locator("#submissions-title").scroll_into_view_if_needed()
        shot(page, f"civic-portal-map-{lang}")
    assert errors == []
    with page.expect_download() as download:
        page.click("#iati-download")
    path = download.value.path()
    assert path.read_text("utf-8") == IATI


def client_get(site: PublicSite, path: str) -> bytes:
    with site.client() as http:
        answer = http.get(path)
        assert answer.status_code == 200
        return answer.content


def test_counting_a_submission_from_its_page(page: Page, tmp_path: Path) -> None:
    """A triager counts a submission in the portal from its page, in Spanish then English."""
    from test_portal_public import _accounts, _submissions

    from conftest import LiveServer, make_store, sign_in
    from worlds import World

    for store in make_store("sqlite", tmp_path, demo=True):
        world = World(store=store)
        _accounts(world)
        first = _submissions(world)["flag"][0]
        with LiveServer(store.settings) as server:
            sign_in(page, server, "fgr.triager")
            page.goto(f"{server.url}/civic/submissions/{first}?lang=es")
            form = page.locator("#civic-public")
            expect(form.locator("#civic-public-state")).to_contain_text("No se cuenta en el portal")
            form.locator("button").click()
            expect(page.locator("#civic-public-state")).to_contain_text("Se cuenta en los reportes")
            page.locator("#civic-public").scroll_into_view_if_needed()
            shot(page, "civic-submission-portal-es")
            page.goto(f"{server.url}/civic/submissions/{first}?lang=en")
            expect(page.locator("#civic-public button")).to_have_text(
                "Stop counting it in the portal"
            )
            shot(page, "civic-submission-portal-en")
