"""Markings where decisions are made, safe defaults on the report form, and feedback.

Every page that shows an item shows its marking in words (TLP, REL TO, ORCON and its
originator, groups) from the one macro, templates/_marking.html; an aggregate (an entity, a
graph, a path) names the markings of what it draws on. Read against the seeded demo over real
HTTP; the form and its live preview in a real Chromium at a desk and a phone size, with
screenshots in var/screenshots/.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from vinculo.db import transaction
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, ensure_group

from conftest import LiveServer, make_store, shot

USA_ONLY_TITLE = "Fentanyl lab supplier payments traced through Phoenix"
VIEWPORTS = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
CHIP = re.compile(r'<span class="marking tlp-badge tlp-[a-z-]+" title="[^"]+">(TLP:[^<]+)</span>')


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the sign-in form."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        answer = client.post(
            "/login",
            data={"username": username, "password": "demo", "next": "/", "csrf_token": token[1]},
        )
        assert answer.status_code == 303, answer.text
        yield client


def chips(page: str) -> list[str]:
    return [html.unescape(c) for c in CHIP.findall(page)]


def graph_data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert found, "no graph data on the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


@pytest.fixture(scope="module")
def us(browser_server: LiveServer) -> Iterator[httpx.Client]:
    with page_client(browser_server, "us.analyst") as client:
        yield client


def test_the_home_list_shows_rel_to_not_only_tlp(us: httpx.Client) -> None:
    rows = chips(us.get("/").text)
    assert rows and all(" · REL TO " in c for c in rows), rows[:3]


def test_every_item_carries_its_banner_in_words(us: httpx.Client) -> None:
    found = us.get("/search", params={"q": "fentanyl lab supplier phoenix"}).text
    assert re.search(r"Fentanyl lab supplier payments traced through Phoenix</a>\s*<span", found)
    assert "TLP:GREEN · REL TO USA" in chips(found)

    people = us.get("/search", params={"q": "garcia", "kind": "entities"}).text
    assert "Drawn from items" in people and chips(people)

    report_id = re.search(r'href="/reports/([0-9a-f]+)">' + USA_ONLY_TITLE, found)
    assert report_id
    report = us.get(f"/reports/{report_id[1]}").text
    assert report.count(">TLP:GREEN // REL TO USA</div>") == 2

    entity = us.get("/entities/per-0001").text
    assert 'class="marking-sources"' in entity and "Drawn from items" in entity
    assert "TLP:GREEN · REL TO USA" in chips(entity)


def test_the_network_pages_name_what_they_draw_on(us: httpx.Client) -> None:
    page = us.get("/network").text
    sources = page[page.index('class="marking-sources"') :][:4000]
    assert "REL TO" in sources
    assert 'class="graph-loading" aria-busy="true"' in page
    data = graph_data(page)
    nodes = data["nodes"]
    edges = data["edges"]
    assert isinstance(nodes, list) and isinstance(edges, list)
    assert all(n["markings"] and n["markings"][0]["text"].startswith("TLP:") for n in nodes)
    assert all(" · REL TO " in m["text"] for n in nodes for m in n["markings"])
    assert any(e["markings"] for e in edges)
    # The central table: a marking per row.
    assert page.count('<tr class="central-row">') and chips(page[page.index("central-table") :])

    linked = next(e for e in edges if e["source"] != e["target"])
    path = us.get(
        "/network/path", params={"source": linked["source"], "target": linked["target"]}
    ).text
    assert "Drawn from items" in path
    steps = path[path.index('class="path-list"') :]
    assert " · REL TO " in steps and chips(steps)

    disrupt = us.get("/network/disrupt", params={"k": 2}).text
    removed = disrupt[disrupt.index("disruption-table") : disrupt.index("</table>")]
    assert len(chips(removed)) >= 2

    expanded = us.get("/network/ego.json", params={"id": linked["source"]}).json()
    assert all(n["markings"] for n in expanded["nodes"])


def test_the_form_defaults_to_amber_for_ones_own_nation(us: httpx.Client) -> None:
    page = us.get("/reports/new").text
    assert '<option value="AMBER" selected>' in page
    # One's own nation: ticked, cannot be unticked, and sent as a hidden field.
    assert '<input type="checkbox" checked disabled aria-describedby="own-nation-note"> USA' in page
    assert '<input type="hidden" name="rel_to" value="USA">' in page
    assert '<input type="checkbox" name="rel_to" value="MEX">' in page  # not ticked
    assert not re.search(r'name="groups" value="[^"]+" checked', page)  # no group either
    assert ">TLP:AMBER // REL TO USA</div>" in page  # the banner it will carry
    # The entity rows are typed fields of followthemoney's schemata, not property=value lines.
    assert 'name="entity_extra"' not in page
    for field in ("e0.schema", "e0.name", "e0.birthDate", "e0.idNumber", "e0.phone"):
        assert f'name="{field}"' in page, field


def test_a_refused_action_says_which_permission_is_missing(browser_server: LiveServer) -> None:
    for lang, words in (
        ("en", ["Not allowed for your account", "only an auditor", "Analyst"]),
        ("es", ["No permitido para su cuenta", "Analista"]),
    ):
        with page_client(browser_server, "us.analyst") as client:
            answer = client.get("/audit", params={"lang": lang})
        assert answer.status_code == 403
        text = html.unescape(answer.text)
        assert "Something went wrong" not in text and "Algo salió mal" not in text
        for word in words:
            assert word in text, (lang, word)


# --- the form in a real Chromium -------------------------------------------------------------


@pytest.fixture(scope="module")
def filing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("banners"), demo=True):
        with transaction(store.sessions) as session:
            ensure_group(
                session=session,
                code="tf-sonora",
                name_en="Task Force Sonora",
                name_es="Fuerza de Tarea Sonora",
            )
            for username, roles in (("us.analyst", ["analyst"]), ("us.super", ["supervisor"])):
                create_user(
                    session=session,
                    user_in=UserCreate(
                        username=username,
                        display_name=username,
                        password="demo",
                        agency="DEA",
                        roles=roles,
                        groups=["tf-sonora"],
                        locale="en",
                    ),
                    demo_password=True,
                )
        with LiveServer(store.settings) as server:
            yield server


def _page(browser: Browser, size: str, locale: str = "en-US") -> Page:
    context = browser.new_context(viewport=VIEWPORTS[size], locale=locale)
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page: Page, server: LiveServer, username: str, then: str) -> None:
    """Signs in through the form and lands on `then`."""
    page.goto(f"{server.url}/login?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    expect(page.locator("footer")).to_contain_text(username)


def _fill_report(page: Page) -> None:
    page.fill("input[name=title_en]", "Courier phones in Nogales")
    page.fill("textarea[name=body_en]", "Two couriers used the same phone in March.")
    page.select_option("select[name=reliability]", "B")
    page.select_option("select[name=credibility]", "2")
    page.select_option("select[name=predicate]", "drug_trafficking")
    page.fill("textarea[name=suspicion]", "Phones tie both couriers to the Nogales cell.")
    page.check("input[name=attest_no_protected_views]")
    page.fill("input[name=review_by]", (date.today() + timedelta(days=300)).isoformat())


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_banner_preview_follows_the_choices(
    browser: Browser, filing_server: LiveServer, size: str
) -> None:
    page = _page(browser, size)
    _sign_in(page, filing_server, "us.analyst", "/reports/new")
    preview = page.locator("#marking-preview .marking-banner")
    expect(preview).to_have_text("TLP:AMBER // REL TO USA")
    expect(page.locator(".rel-to-choices input[disabled]")).to_be_checked()
    page.check("input[name=rel_to][value=MEX]")
    page.select_option("select[name=tlp]", "GREEN")
    page.check("input[name=groups][value=tf-sonora]")
    page.check("input[name=orcon]")
    expect(preview).to_have_text("TLP:GREEN // REL TO MEX, USA // ORCON (DEA) // tf-sonora")
    expect(preview).to_have_class(re.compile("tlp-green"))
    page.locator("#marking-preview").scroll_into_view_if_needed()
    shot(page, f"h1-form-preview-{size}")
    page.context.close()


@pytest.mark.browser
def test_typed_entity_fields_are_checked_and_a_filing_is_confirmed(
    browser: Browser, filing_server: LiveServer
) -> None:
    page = _page(browser, "desk")
    _sign_in(page, filing_server, "us.analyst", "/reports/new")
    _fill_report(page)
    row = page.locator("fieldset.entity-row").first
    row.locator("input[name='e0.name']").fill("Ramón Quintero Félix")
    row.locator("input[name='e0.idNumber']").fill("GALL850307HCHRPS09")  # check digit wrong
    row.locator("input[name='e0.phone']").fill("55 12")
    page.click("form.report-form button.file-report")
    expect(page.locator("#e0\\.idNumber-error")).to_contain_text("check digit does not match")
    expect(page.locator("#e0\\.phone-error")).to_contain_text("is not a phone number")
    shot(page, "h1-form-entity-errors")
    # Everything typed comes back; correct the two fields and file.
    expect(row.locator("input[name='e0.name']")).to_have_value("Ramón Quintero Félix")
    row.locator("input[name='e0.idNumber']").fill("GALL850307HCHRPS05")
    # Read as a Mexican number: the row says the person is Mexican (a U.S. analyst's bare
    # ten digits would otherwise be read as a U.S. number).
    row.locator("select[name='e0.nationality']").select_option("mx")
    row.locator("input[name='e0.phone']").fill("55 1234 5678")
    page.select_option("select[name='e1.schema']", "Vehicle")  # shows a vehicle's fields
    expect(page.locator("input[name='e1.registrationNumber']")).to_be_visible()
    page.locator("input[name='e1.registrationNumber']").fill("AZ-4821-K")
    page.click("form.report-form button.file-report")
    expect(page.locator(".filed-notice")).to_contain_text("Report filed")
    expect(page.locator("div.marking-banner").first).to_have_text("TLP:AMBER // REL TO USA")
    expect(page.locator(".filed-notice")).to_contain_text("ask a supervisor")
    shot(page, "h1-filed-confirmation")
    page.click(".report-entities >> text=Ramón Quintero Félix")
    expect(page.locator(".statement-table")).to_contain_text("+525512345678")
    expect(page.locator(".statement-table")).to_contain_text("GALL850307HCHRPS05")
    # The confirmation is said once.
    page.go_back()
    page.reload()
    expect(page.locator(".filed-notice")).to_have_count(0)
    page.context.close()


def test_the_release_queue_shows_each_items_marking(browser_server: LiveServer) -> None:
    with page_client(browser_server, "us.supervisor") as client:
        page = client.get("/exchange/releases").text
    rows = re.findall(r'<tr class="release-(?:row|decided)">(.*?)</tr>', page, re.S)
    assert not rows or '<th scope="col">Marking</th>' in page
    for row in rows:
        assert " · REL TO " in html.unescape(row) and "ORCON" in row, row


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_marked_pages_in_a_browser(
    browser: Browser, browser_server: LiveServer, us: httpx.Client, size: str
) -> None:
    """Each page that shows markings, drawn at a desk and on a phone, for a person to look at:
    its markings are on screen in words."""
    found = us.get("/search", params={"q": USA_ONLY_TITLE, "kind": "reports"}).text
    report = re.search(r'href="(/reports/[0-9a-f]+)">' + USA_ONLY_TITLE, found)
    assert report
    edges = graph_data(us.get("/network").text)["edges"]
    assert isinstance(edges, list)
    linked = next(e for e in edges if e["source"] != e["target"])
    pages = {
        "search": "/search?q=garcia",
        "entity": "/entities/per-0001",
        "report": report[1],
        "network": "/network",
        "path": f"/network/path?source={linked['source']}&target={linked['target']}",
        "disrupt": "/network/disrupt?k=3",
    }
    page = _page(browser, size)
    _sign_in(page, browser_server, "us.analyst", "/search")
    for name, path in pages.items():
        page.goto(browser_server.url + path)
        expect(page.locator(".marking, .marking-banner").first).to_contain_text("REL TO")
        if name in ("network", "path", "disrupt"):
            expect(page.locator(".graph-loading")).to_have_count(0)  # the drawing replaced it
        if name == "network":
            # A node's details name the markings it draws on, and those of each link.
            page.evaluate(f"window.vinculoGraph.view.select({json.dumps(linked['source'])})")
            panel = page.locator("#graph-panel")
            expect(panel.locator(".marking-sources .marking").first).to_contain_text("REL TO")
            expect(panel.locator(".graph-links .marking").first).to_contain_text("REL TO")
        shot(page, f"h1-{name}-{size}")
    page.goto(browser_server.url + "/audit")
    expect(page.locator("h1")).to_have_text("Not allowed for your account")
    shot(page, f"h1-403-{size}")
    page.context.close()


def _report_form(client: httpx.Client, title: str, **rows: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/reports/new").text)
    assert token
    return {
        "csrf_token": token[1],
        "title_en": title,
        "body_en": "Seen at the Nogales crossing twice in March.",
        "reliability": "B",
        "credibility": "2",
        "predicate": "drug_trafficking",
        "suspicion": "Crossings match the cell's shipments.",
        "attest_no_protected_views": "1",
        "review_by": (date.today() + timedelta(days=200)).isoformat(),
        "tlp": "AMBER",
        "rel_to": "USA",
        "action": "file",
        **rows,
    }


def test_a_row_adds_to_an_existing_entity_the_analyst_may_see(filing_server: LiveServer) -> None:
    with page_client(filing_server, "us.analyst") as client:
        first = client.post(
            "/reports/new",
            data=_report_form(client, "Courier seen", **{"e0.name": "Ofelia Ruiz Castañeda"}),
        )
        assert first.status_code == 303, first.text
        hits = client.get("/reports/new/suggest", params={"q": "ofelia ruiz"}).json()["items"]
        (hit,) = [h for h in hits if h["caption"] == "Ofelia Ruiz Castañeda"]
        assert hit["schema_label"] == "Person"
        again = _report_form(
            client,
            "Courier seen again",
            **{"e0.existing": hit["id"], "e0.name": "Ofelia Ruiz", "e0.phone": "+52 631 555 0199"},
        )
        second = client.post("/reports/new", data=again)
        assert second.status_code == 303, second.text
        profile = html.unescape(client.get(f"/entities/{hit['id']}").text)
        assert "Courier seen again" in profile and "+526315550199" in profile
        # An id the analyst may not see (here: none) is refused beside the row, as missing.
        wrong = client.post(
            "/reports/new?lang=es", data=again | {"e0.existing": "ent-does-not-exist"}
        )
        assert wrong.status_code == 422
        assert "no existe esa entidad, o su cuenta no puede verla" in html.unescape(wrong.text)


def test_a_supervisor_may_withdraw_a_report_just_filed(filing_server: LiveServer) -> None:
    with page_client(filing_server, "us.super") as client:
        filed = client.post("/reports/new", data=_report_form(client, "Filed by mistake"))
        assert filed.status_code == 303, filed.text
        page = html.unescape(client.get(filed.headers["location"]).text)
        assert "Report filed" in page and "Withdraw this report" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        withdrawn = client.post(
            filed.headers["location"] + "/withdraw",
            data={"csrf_token": token[1], "reason": "Filed under the wrong case."},
        )
        assert withdrawn.status_code == 200
        assert "Report withdrawn" in withdrawn.text
        assert client.get(filed.headers["location"]).status_code == 404
    with page_client(filing_server, "us.analyst") as client:
        filed = client.post("/reports/new", data=_report_form(client, "An analyst's report"))
        page = html.unescape(client.get(filed.headers["location"]).text)
        assert "ask a supervisor of your agency" in page and "Withdraw this report" not in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        refused = client.post(
            filed.headers["location"] + "/withdraw",
            data={"csrf_token": token[1], "reason": "Mine."},
        )
        assert refused.status_code == 403
        assert "only a supervisor may review, re-validate or purge reports" in refused.text


@pytest.mark.browser
def test_typing_a_name_suggests_an_existing_entity(
    browser: Browser, filing_server: LiveServer
) -> None:
    with page_client(filing_server, "us.analyst") as client:
        filed = client.post(
            "/reports/new",
            data=_report_form(client, "Driver seen", **{"e0.name": "Teodoro Almaraz Quiñones"}),
        )
        assert filed.status_code == 303
    page = _page(browser, "phone", locale="es-MX")
    _sign_in(page, filing_server, "us.analyst", "/reports/new?lang=es")
    row = page.locator("fieldset.entity-row").first
    row.locator("input[name='e0.name']").press_sequentially("Teodoro Alma", delay=20)
    suggestion = row.locator("ul.entity-suggestions li").first
    expect(suggestion).to_contain_text("Teodoro Almaraz Quiñones")
    shot(page, "h1-form-suggestion-phone-es")
    suggestion.locator("button").click()
    expect(row.locator(".entity-link")).to_contain_text("Se añade a una entidad existente")
    assert row.locator("input[name='e0.existing']").input_value().startswith("ent-")
    page.context.close()
