"""Accessibility of every page: axe-core (from npm, served from /static like every other
asset, never from a CDN) run in a real Chromium on each page the demo's roles reach, in
English and Spanish. No serious or critical violation is allowed; among them are a form field
without a label and text whose contrast is below WCAG AA.

The pages are those the Spanish-completeness walk finds by following links (so a page added
later is checked too); a screenshot of each page that fails is left in var/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from test_spanish_complete import _shape, walk

from conftest import LiveServer, shot

pytestmark = pytest.mark.browser

AXE = "/static/js/axe.min.js"
BLOCKING = ("serious", "critical")
# The rules the issue names explicitly, which must be among those run.
REQUIRED_RULES = ("label", "color-contrast", "select-name", "button-name", "link-name")
ROLES = ("us.analyst", "auditor", "us.supervisor")
# WCAG 2.1 A and AA, which hold labels, names and contrast (AA); axe's best practices aside.
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


@pytest.fixture(scope="module")
def pages_of(browser_server: LiveServer) -> dict[str, list[str]]:
    """The pages each role reaches, found over HTTP (quick); a page of a shape another role
    has already reached (/entities/<id>, a search …) is checked once."""
    found: dict[str, list[str]] = {}
    shapes: set[str] = set()
    for role in ROLES:
        found[role] = []
        for finding in walk(browser_server, role, "en"):
            if _shape(finding.url) not in shapes:
                shapes.add(_shape(finding.url))
                found[role].append(finding.url)
    return found


def signed_in_context(browser: Browser, server: LiveServer, username: str) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    page.wait_for_url(server.url + "/")
    page.close()
    return context


def run_axe(page: Page, url: str, name: str) -> list[dict[str, object]]:
    """The serious and critical violations axe finds on the page at `url`, opened in `page`.

    One tab per role goes from page to page, as a user's does: its renderer stays up and
    keeps axe's compiled code, where a new tab per page started both again (about 0.15 s of
    the 0.37 s a page took).
    """
    page.goto(url, wait_until="load")
    page.add_script_tag(url=AXE)
    result = page.evaluate(
        """async (TAGS) => {
            const r = await axe.run(document, {
                resultTypes: ["violations"],
                runOnly: {type: "tag", values: TAGS},
            });
            return {
                rules: axe.getRules().map(rule => rule.ruleId),
                violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => ({
                        target: n.target.join(" "), summary: n.failureSummary})),
                })),
            };
        }""",
        list(TAGS),
    )
    for rule in REQUIRED_RULES:
        assert rule in result["rules"], rule
    found = [v for v in result["violations"] if v["impact"] in BLOCKING]
    if found:
        shot(page, f"axe-{name}", always=True)
    return found


def _name(path: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in path.strip("/"))[:60] or "home"


def _each(pages_of: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    for role, paths in pages_of.items():
        for path in paths:
            yield role, path


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "es"])
def test_no_serious_violation_on_any_page(
    browser: Browser, browser_server: LiveServer, pages_of: dict[str, list[str]], locale: str
) -> None:
    problems: dict[str, object] = {}
    checked = 0
    for role in ROLES:
        context = signed_in_context(browser, browser_server, role)
        try:
            page = context.new_page()
            page.goto(f"{browser_server.url}/?lang={locale}")
            for path in pages_of[role]:
                found = run_axe(page, browser_server.url + path, f"{locale}-{role}-{_name(path)}")
                checked += 1
                if found:
                    problems[f"{role} {path}"] = found
        finally:
            context.close()
    assert checked >= 15, checked
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:20_000]


def test_axe_finds_what_it_should(browser: Browser, browser_server: LiveServer) -> None:
    """On a page made to fail (a field without a label, grey on white), axe reports both as
    serious or critical: the test above can fail."""
    context = signed_in_context(browser, browser_server, "us.analyst")
    page = context.new_page()
    try:
        page.goto(browser_server.url + "/search")
        page.evaluate(
            """() => {
                const main = document.querySelector("main");
                const input = document.createElement("input");
                input.name = "unlabelled";
                main.appendChild(input);
                const p = document.createElement("p");
                p.textContent = "Barely readable text";
                p.style.color = "#cccccc";
                p.style.background = "#ffffff";
                main.appendChild(p);
            }"""
        )
        page.add_script_tag(url=AXE)
        ids = page.evaluate(
            """async () => (await axe.run(document)).violations
                .filter(v => ["serious", "critical"].includes(v.impact)).map(v => v.id)"""
        )
    finally:
        context.close()
    assert "label" in ids and "color-contrast" in ids, ids
