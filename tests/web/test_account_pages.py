"""The account pages over real HTTP: preferences, password, TOTP with its QR code, API tokens
and sessions. Each change is audited; another account's token or session answers as a
missing one; every form carries the CSRF token."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import pyotp
import pytest
import segno
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.security.audit import AuditRow
from vinculo.security.models import ApiToken, User
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, issue_token

from conftest import LiveServer, Store, shot
from conftest import sign_in as browser_sign_in

NEW_PASSWORD = "Harbor-lantern-51"
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    store: Store
    url: str


@pytest.fixture
def server(store: Store) -> Iterator[Site]:
    """A store with an American and a Mexican analyst, and a server over it."""
    with transaction(store.sessions) as session:
        for name, agency, locale in (("us.analyst", "DEA", "en"), ("mx.analyst", "FGR", "es")):
            create_user(
                session=session,
                user_in=UserCreate(username=name, password="demo", agency=agency, locale=locale),
                demo_password=True,
            )
    with LiveServer(store.settings) as live:
        yield Site(store, live.url)


def _store(server: Site) -> Store:
    return server.store


def csrf_of(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found[1]


def signed_in(
    server: Site,
    username: str = "us.analyst",
    password: str = "demo",
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36",
) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30, headers={"User-Agent": user_agent})
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client, "/login")},
    )
    assert answer.status_code == 303, answer.text
    return client


def post(
    client: httpx.Client, path: str, data: dict[str, object], form: str = ""
) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": csrf_of(client, form or path)})


def user(server: Site, username: str = "us.analyst") -> User:
    with _store(server).sessions() as session:
        found = session.execute(select(User).where(User.username == username)).scalar_one()
        session.expunge(found)
        return found


def audit_rows(server: Site, action: str) -> list[tuple[str | None, str | None, dict]]:
    with _store(server).sessions() as session:
        rows = session.execute(
            select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)
        ).scalars()
        return [(r.actor, r.target, json.loads(r.detail)) for r in rows]


def same_but_ids(hidden: httpx.Response, missing: httpx.Response, ids: tuple[int, int]) -> None:
    """The two answers are one but for the ids, each replaced in both (small numbers are
    also in the viewport tag and the icons' drawings)."""
    assert hidden.status_code == missing.status_code

    def norm(text: str) -> str:
        text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
        for i in ids:
            text = re.sub(rf"\b{i}\b", "ID", text)
        return text

    assert norm(hidden.text) == norm(missing.text)


def error_text(answer: httpx.Response) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', answer.text, re.S)
    assert found, answer.text[:400]
    return html.unescape(found[1])


# --- preferences --------------------------------------------------------------------------------


def test_a_new_account_gets_its_nations_time_zone(server: Site) -> None:
    assert user(server, "us.analyst").time_zone == "America/New_York"
    assert user(server, "mx.analyst").time_zone == "America/Mexico_City"


def test_preferences_change_language_and_time_zone(server: Site) -> None:
    with closing(signed_in(server)) as client:
        page = client.get("/account")
        assert page.status_code == 200
        assert '<option value="America/New_York" translate="no" selected>' in page.text
        assert "Drug Enforcement Administration" in page.text

        bad = post(
            client,
            "/account",
            {"display_name": "Ana", "locale": "en", "time_zone": "Mars/Olympus"},
        )
        assert bad.status_code == 422
        assert error_text(bad).startswith("field time_zone: unknown time zone Mars/Olympus")
        assert re.search(r'<select id="time_zone"[^>]*aria-invalid="true"', bad.text)
        assert 'id="time_zone-error"' in bad.text
        assert user(server).time_zone == "America/New_York"

        empty = post(client, "/account", {"display_name": " ", "locale": "en", "time_zone": "UTC"})
        assert empty.status_code == 422
        assert "field display_name" in error_text(empty)

        done = post(
            client,
            "/account",
            {"display_name": "Ana  Ruiz", "locale": "es", "time_zone": "America/Phoenix"},
        )
        assert done.status_code == 303
        after = client.get("/account")
        assert '<html lang="es">' in after.text
        assert "Sus preferencias se guardaron." in after.text
        # Zones named in the reader's language (Babel's CLDR), old aliases left out.
        assert re.search(
            r'value="America/Phoenix" translate="no" selected>Phoenix, Estados Unidos — hora de',
            after.text,
        )
        assert "Mountain" not in after.text and "US/Arizona" not in after.text
        again = post(client, "/account", {"display_name": "Ana", "locale": "es", "time_zone": "X"})
        assert error_text(again).startswith("campo time_zone: zona horaria desconocida: X")
    saved = user(server)
    assert (saved.display_name, saved.locale, saved.time_zone) == (
        "Ana Ruiz",
        "es",
        "America/Phoenix",
    )
    (row,) = [r for r in audit_rows(server, "rights") if "preferences" in r[2]]
    assert row[:2] == ("us.analyst", "us.analyst")
    assert row[2]["preferences"] == ["display_name", "locale", "time_zone"]
    assert row[2]["time_zone"] == "America/Phoenix"


# --- password -----------------------------------------------------------------------------------


def test_password_change_needs_the_current_one_and_the_rules(server: Site) -> None:
    elsewhere = signed_in(server, user_agent="Mozilla/5.0 (Windows NT 10.0) Firefox/131.0")
    with closing(signed_in(server)) as client:
        wrong = post(
            client,
            "/account/password",
            {
                "current_password": "nope",
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            },
        )
        assert wrong.status_code == 422
        assert error_text(wrong).startswith("field current_password: the current password is")
        assert user(server).failed_logins == 1  # counted as a failed sign-in

        for new, confirm, field in [
            ("short1!", "short1!", "password"),
            ("password2024!", "password2024!", "password"),
            (NEW_PASSWORD, NEW_PASSWORD + "x", "confirm_password"),
        ]:
            answer = post(
                client,
                "/account/password",
                {"current_password": "demo", "new_password": new, "confirm_password": confirm},
            )
            assert answer.status_code == 422, new
            assert error_text(answer).startswith(f"field {field}:"), error_text(answer)

        done = post(
            client,
            "/account/password",
            {
                "current_password": "demo",
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            },
        )
        assert done.status_code == 303
        page = client.get(done.headers["location"])
        assert page.status_code == 200  # this browser goes on, in a new session
        assert "Your password is changed." in page.text
    # The other browser was signed out with the old password.
    assert elsewhere.get("/account").headers.get("location", "").startswith("/login")
    elsewhere.close()
    with closing(signed_in(server, password=NEW_PASSWORD)) as again:
        assert again.get("/account").status_code == 200
    assert user(server).failed_logins == 0
    assert [r[2] for r in audit_rows(server, "rights") if r[2].get("password")] == [
        {"password": "changed"}
    ]


# --- TOTP ---------------------------------------------------------------------------------------


def test_totp_enrolment_with_a_qr_code(server: Site) -> None:
    with closing(signed_in(server)) as client:
        status = client.get("/account/totp")
        assert "Not set" in status.text
        offer = post(client, "/account/totp", {}, form="/account/totp")
        assert offer.status_code == 200
        secret = re.search(r'class="totp-secret"[^>]*>([A-Z2-7 ]+)<', offer.text)
        assert secret
        key = secret[1].replace(" ", "")
        # The QR code is the provisioning URI, drawn on the server as inline SVG.
        uri = pyotp.TOTP(key).provisioning_uri(name="us.analyst", issuer_name="Vínculo")
        svg = re.search(r'<svg [^>]*class="qr-code".*?</svg>', offer.text, re.S)
        assert svg
        expected = segno.make(uri, error="m").svg_inline(scale=5, border=2)
        assert re.search(r' d="([^"]+)"', expected)[1] in svg[0]  # type: ignore[index]
        # The same offer stands until confirmed: a reload shows the same key.
        assert user(server).totp_secret is None

        code = pyotp.TOTP(key).now()
        wrong = post(
            client,
            "/account/totp/confirm",
            {"code": code, "current_password": "nope"},
            form="/account/totp",
        )
        assert wrong.status_code == 422
        assert "field current_password" in error_text(wrong)
        assert key in wrong.text.replace(" ", "")  # the same key is offered again
        bad = post(
            client,
            "/account/totp/confirm",
            {"code": "000000" if code != "000000" else "111111", "current_password": "demo"},
            form="/account/totp",
        )
        assert bad.status_code == 422
        assert error_text(bad).startswith("field code: the code is not right")
        done = post(
            client,
            "/account/totp/confirm",
            {"code": code, "current_password": "demo"},
            form="/account/totp",
        )
        assert done.status_code == 303
        assert "Your second factor is set." in client.get("/account/totp").text
    assert user(server).totp_secret == key
    assert {"totp": "enrolled"} in [r[2] for r in audit_rows(server, "rights")]
    # Sign-in now asks for a code: none, or the one just used, is refused.
    with httpx.Client(base_url=server.url, timeout=30) as visitor:
        for given in ("", code):
            refused = visitor.post(
                "/login",
                data={
                    "username": "us.analyst",
                    "password": "demo",
                    "code": given,
                    "csrf_token": csrf_of(visitor, "/login"),
                },
            )
            assert refused.status_code == 401


# --- API tokens ---------------------------------------------------------------------------------


def test_tokens_are_created_shown_once_used_and_revoked(server: Site) -> None:
    with transaction(_store(server).sessions) as session:
        other = session.execute(select(User).where(User.username == "mx.analyst")).scalar_one()
        _, others_token = issue_token(session=session, settings=_store(server).settings, user=other)
        others_id = others_token.id
    with closing(signed_in(server)) as client:
        none = post(client, "/account/tokens", {})
        assert none.status_code == 422
        assert error_text(none).startswith("field scope: choose at least one scope")
        odd = post(client, "/account/tokens", {"scope": ["read", "exchange"]})
        assert odd.status_code == 422

        made = post(client, "/account/tokens", {"scope": ["read"]})
        assert made.status_code == 200
        secret = re.search(r'class="token-value" value="([^"]+)"', made.text)
        assert secret and made.headers["cache-control"] == "no-store"
        token = secret[1]
        with httpx.Client(base_url=server.url, timeout=30) as api:
            me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["username"] == "us.analyst"
            write = api.post(
                "/api/v1/entities/import", headers={"Authorization": f"Bearer {token}"}
            )
            assert write.status_code == 403  # read only
        listed = client.get("/account/tokens")
        assert token not in listed.text  # shown once
        with _store(server).sessions() as session:
            (mine,) = session.execute(
                select(ApiToken).where(ApiToken.user_id != others_token.user_id)
            ).scalars()
            mine_id = mine.id
        assert f"/account/tokens/{mine_id}/revoke" in listed.text
        assert f"/account/tokens/{others_id}/revoke" not in listed.text

        # Someone else's token answers as a missing one, and stays live.
        missing = post(client, "/account/tokens/999999/revoke", {}, form="/account/tokens")
        hidden = post(client, f"/account/tokens/{others_id}/revoke", {}, form="/account/tokens")
        assert missing.status_code == hidden.status_code == 404
        same_but_ids(hidden, missing, (others_id, 999999))

        revoked = post(client, f"/account/tokens/{mine_id}/revoke", {}, form="/account/tokens")
        assert revoked.status_code == 303
        page = client.get("/account/tokens")
        assert "The token is revoked" in page.text and "No live tokens." in page.text
        with httpx.Client(base_url=server.url, timeout=30) as api:
            gone = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert gone.status_code == 401
    with _store(server).sessions() as session:
        assert session.get(ApiToken, others_id).revoked_at is None  # type: ignore[union-attr]
    issued = [r for r in audit_rows(server, "token") if r[0] == "us.analyst"]
    assert [r[2]["scopes"] for r in issued] == [["read"]]
    assert (("us.analyst", str(mine_id))) in [r[:2] for r in audit_rows(server, "rights")]


# --- sessions -----------------------------------------------------------------------------------


def test_sessions_are_listed_and_signed_out_elsewhere(server: Site) -> None:
    phone = signed_in(server, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1")
    tablet = signed_in(server, user_agent="Mozilla/5.0 (Linux; Android 14) Firefox/131.0")
    mexican = signed_in(server, "mx.analyst")
    with closing(signed_in(server)) as client:
        page = client.get("/account/sessions")
        assert page.text.count("<tr") == 4  # heading and three sessions
        assert "Safari · iOS" in page.text and "Firefox · Android" in page.text
        assert "Chrome · Linux" in page.text and "(this browser)" in page.text
        ids = [int(i) for i in re.findall(r"/account/sessions/(\d+)/end", page.text)]
        assert len(ids) == 2  # not this one

        with _store(server).sessions() as session:
            from vinculo.security.models import PageSession

            mx_id = session.execute(
                select(PageSession.id).join(User).where(User.username == "mx.analyst")
            ).scalar_one()
        missing = post(client, "/account/sessions/999999/end", {}, form="/account/sessions")
        hidden = post(client, f"/account/sessions/{mx_id}/end", {}, form="/account/sessions")
        assert missing.status_code == hidden.status_code == 404
        same_but_ids(hidden, missing, (mx_id, 999999))
        assert mexican.get("/account").status_code == 200

        one = post(client, f"/account/sessions/{ids[0]}/end", {}, form="/account/sessions")
        assert one.status_code == 303
        others = post(client, "/account/sessions/others", {}, form="/account/sessions")
        assert others.status_code == 303
        after = client.get("/account/sessions")
        assert after.text.count("<tr") == 2
        assert "Every other session of your account is signed out." in after.text
    for gone in (phone, tablet):
        assert gone.get("/account").headers.get("location", "").startswith("/login")
        gone.close()
    assert mexican.get("/account").status_code == 200
    mexican.close()
    outs = [r for r in audit_rows(server, "sign_out") if r[2].get("by") == "account page"]
    assert len(outs) == 2 and outs[1][2]["elsewhere"] is True


# --- CSRF and signing in ------------------------------------------------------------------------

ACCOUNT_PAGES = ["/account", "/account/password", "/account/totp", "/account/tokens"]


def test_account_pages_need_a_signed_in_account(server: Site) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as visitor:
        for path in [*ACCOUNT_PAGES, "/account/sessions"]:
            answer = visitor.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")


def test_every_account_form_carries_the_token_and_needs_it(server: Site) -> None:
    with closing(signed_in(server)) as client:
        for path in [*ACCOUNT_PAGES, "/account/sessions"]:
            forms = re.findall(r'<form method="post".*?</form>', client.get(path).text, re.S)
            assert forms, path
            for form in forms:
                assert 'name="csrf_token"' in form, (path, form[:80])
        for path, data in [
            ("/account", {"display_name": "X", "locale": "en", "time_zone": "UTC"}),
            ("/account/password", {"current_password": "demo"}),
            ("/account/totp", {}),
            ("/account/tokens", {"scope": "read"}),
            ("/account/sessions/others", {}),
        ]:
            refused = client.post(path, data=data)
            assert refused.status_code == 403, path
    assert user(server).display_name == "us.analyst"


# --- in a real Chromium: every account page, on a desktop and a phone, in both languages ----


@pytest.mark.browser
def test_account_pages_in_a_browser(browser: Browser, server: Site) -> None:
    live = LiveServer.__new__(LiveServer)  # only its url is needed by sign_in
    live.url = server.url
    for viewport, size in (({"width": 1366, "height": 900}, "desktop"), (PHONE, "phone")):
        for locale, username in (("en-US", "us.analyst"), ("es-MX", "mx.analyst")):
            context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
            context.set_default_timeout(15_000)
            page = context.new_page()
            browser_sign_in(page, live, username)
            for path in [*ACCOUNT_PAGES, "/account/sessions"]:
                page.goto(server.url + path)
                expect(page.locator(".account-nav a[aria-current=page]")).to_have_count(1)
                name = path.strip("/").replace("/", "-")
                shot(page, f"{name}-{size}-{locale[:2]}")
            # The QR code is drawn on the page, and the form to confirm it is labelled.
            page.goto(server.url + "/account/totp")
            page.locator("form[action='/account/totp'] button").click()
            expect(page.locator("svg.qr-code")).to_be_visible()
            expect(page.locator("#code")).to_be_visible()
            shot(page, f"account-totp-enrol-{size}-{locale[:2]}")
            # A token, shown once.
            page.goto(server.url + "/account/tokens")
            page.locator("form[action='/account/tokens'] button[type=submit]").click()
            expect(page.locator("input.token-value")).to_be_visible()
            shot(page, f"account-token-new-{size}-{locale[:2]}")
            context.close()
