"""The notifications page's webhook form in a real browser, in English and Spanish: a host
the operator did not allow is refused at the field, an allowed one shows its secret once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import LiveServer, shot, sign_in
from worlds import World

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_webhook_form_refuses_a_host_then_shows_the_secret_once(
    fresh_world: World, page: Page, locale: str
) -> None:
    if fresh_world.store.backend != "sqlite":
        pytest.skip("one backend is enough for a page")
    settings = fresh_world.store.settings.model_copy(
        update={"webhook_hosts": ["hooks.fgr.example"]}
    )
    with LiveServer(settings) as server:
        sign_in(page, server, "mx.analyst")
        page.goto(f"{server.url}/notifications?lang={locale}")
        title = "Notifications" if locale == "en" else "Notificaciones"
        expect(page).to_have_title(f"{title} · Vínculo")
        page.fill("#url", "https://elsewhere.example/hook")
        page.locator("#url").locator("xpath=ancestor::form").locator("button").click()
        error = page.locator("#url-error")
        expect(error).to_contain_text(
            "elsewhere.example is not a host"
            if locale == "en"
            else "elsewhere.example no es un host"
        )
        page.fill("#url", "https://hooks.fgr.example/vinculo")
        page.locator("#url").locator("xpath=ancestor::form").locator("button").click()
        secret = page.locator("code.secret")
        expect(secret).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        shot(page, f"webhook-{locale}")
        page.goto(f"{server.url}/notifications")
        expect(page.locator("code.secret")).to_have_count(0)
        expect(page.locator("body")).to_contain_text("https://hooks.fgr.example/vinculo")
