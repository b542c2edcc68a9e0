"""Sign-in hardening over real HTTP, on both backends: lockout and unlock, the TOTP second
factor, scoped, expiring and revocable API tokens, password rules, idle sign-out, and what a
forged token or a tampered session cookie gets."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.security.audit import AuditRow, hold_head, verify
from vinculo.security.models import ApiToken, PageSession, User
from vinculo.security.passwords import DEMO_PASSWORD
from vinculo.security.schemas import UserCreate
from vinculo.security.service import (
    authenticate,
    create_user,
    enrol_totp,
    issue_token,
    sign_in,
)

from command_line import run_vinculo
from conftest import BACKENDS, LiveServer, Store, make_store

PASSWORD = "Nopal-azul-7391"
ADMIN_PASSWORD = "Mezquite-rojo-2804"


def code(secret: str, ahead: int = 0) -> str:
    """The TOTP code of this time step (`ahead` = 1: the next one, which the server also
    accepts for clock drift; each code is good once)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * ahead)


def audit_rows(store: Store, after: int = 0) -> list[AuditRow]:
    with store.sessions() as session:
        query = select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq)
        return list(session.execute(query).scalars())


def last_seq(store: Store) -> int:
    rows = audit_rows(store)
    return rows[-1].seq if rows else 0


def user_row(store: Store, username: str) -> User:
    with store.sessions() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        session.expunge(user)
        return user


def cli(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    """The `vinculo` command as an operator runs it, against this store's database."""
    environment = {
        "VINCULO_DATABASE_URL": store.settings.database_url,
        "VINCULO_SECRET_KEY": store.settings.secret_key,
        "VINCULO_DATA_DIR": str(store.settings.data_dir),
    }
    return run_vinculo(*args, env=environment)


# --- a deployment outside demo mode ----------------------------------------------------------


class Strict:
    """A non-demo store with enrolled accounts, and a live server over it."""

    def __init__(self, store: Store, server: LiveServer, secrets: dict[str, str]) -> None:
        self.store = store
        self.server = server
        self.secrets = secrets

    def token(self, username: str, password: str, ahead: int = 0, **form: str) -> httpx.Response:
        data = {"username": username, "password": password}
        if username in self.secrets:
            data["totp"] = code(self.secrets[username], ahead)
        return httpx.post(f"{self.server.url}/api/v1/auth/token", data=data | form, timeout=30)

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )


def strict_world(store: Store) -> dict[str, str]:
    secrets = {}
    with transaction(store.sessions) as session:
        for username, agency, roles, password in [
            ("ana.fgr", "FGR", ["analyst"], PASSWORD),
            ("admin.dea", "DEA", ["admin"], ADMIN_PASSWORD),
            ("bob.dea", "DEA", ["analyst"], PASSWORD),
            ("new.dea", "DEA", ["analyst"], PASSWORD),
        ]:
            create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password=password, agency=agency, roles=roles
                ),
            )
            if username != "new.dea":  # new.dea has no second factor yet
                secrets[username] = enrol_totp(session=session, username=username)[0]
    return secrets


@pytest.fixture(params=BACKENDS)
def strict(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Strict]:
    for store in make_store(request.param, tmp_path, demo=False):
        secrets = strict_world(store)
        with LiveServer(store.settings) as server:
            yield Strict(store, server, secrets)


def page_sign_in(
    client: httpx.Client, username: str, password: str, totp: str = ""
) -> httpx.Response:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return client.post(
        "/login",
        data={"username": username, "password": password, "code": totp, "csrf_token": found[1]},
    )


# --- lockout -----------------------------------------------------------------------------------


def test_five_failures_lock_the_account_and_an_admin_unlocks_it(strict: Strict) -> None:
    before = last_seq(strict.store)
    for _ in range(5):
        wrong = strict.token("ana.fgr", "Wrong-pass-0000")
        assert wrong.status_code == 401
    assert user_row(strict.store, "ana.fgr").locked
    # The right password and code are refused now, with the very same answer.
    right = strict.token("ana.fgr", PASSWORD)
    assert right.status_code == 401
    assert right.json() == wrong.json()
    assert right.json()["detail"] == "wrong user name, password or code"

    rows = audit_rows(strict.store, before)
    refused = [r for r in rows if r.action == "refused"]
    assert len(refused) == 6 and {r.outcome for r in refused} == {"401"}
    assert all(json.loads(r.detail)["username"] == "ana.fgr" for r in refused)
    (lock,) = [r for r in rows if r.action == "rights"]
    assert lock.target == "ana.fgr" and json.loads(lock.detail)["locked"] is True

    # Only an administrator may unlock; the API route needs the role and a write token.
    bob = strict.token("bob.dea", PASSWORD).json()["access_token"]
    with strict.api(bob) as client:
        assert client.post("/api/v1/accounts/ana.fgr/unlock").status_code == 403
    admin = strict.token("admin.dea", ADMIN_PASSWORD).json()["access_token"]
    with strict.api(admin) as client:
        assert client.post("/api/v1/accounts/nobody/unlock").status_code == 404
        unlocked = client.post("/api/v1/accounts/ana.fgr/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    grant = [r for r in audit_rows(strict.store, before) if r.action == "rights"][-1]
    assert (grant.actor, grant.target) == ("admin.dea", "ana.fgr")
    assert json.loads(grant.detail) == {"locked": False, "was_locked": True}

    assert strict.token("ana.fgr", PASSWORD).status_code == 200
    assert user_row(strict.store, "ana.fgr").failed_logins == 0
    with strict.store.engine.connect() as connection:
        assert verify(connection).problem is None


def test_failures_on_the_sign_in_page_lock_too_and_the_cli_unlocks(strict: Strict) -> None:
    with httpx.Client(base_url=strict.server.url, timeout=30) as client:
        for attempt in range(4):
            assert page_sign_in(client, "bob.dea", f"Wrong-pass-{attempt}").status_code == 401
        # A success before the fifth resets the count: only failures in a row lock.
        assert page_sign_in(
            client, "bob.dea", PASSWORD, code(strict.secrets["bob.dea"])
        ).is_redirect
        assert user_row(strict.store, "bob.dea").failed_logins == 0
        client.cookies.clear()
        for attempt in range(5):
            refused = page_sign_in(client, "bob.dea", f"Wrong-pass-{attempt}")
            assert refused.status_code == 401
        assert "wrong user name, password or code" in refused.text
        locked = page_sign_in(client, "bob.dea", PASSWORD, code(strict.secrets["bob.dea"], 1))
        assert locked.status_code == 401
        assert "wrong user name, password or code" in locked.text
    assert user_row(strict.store, "bob.dea").locked

    before = last_seq(strict.store)
    unlocked = cli(strict.store, "user", "unlock", "bob.dea")
    assert unlocked.returncode == 0, unlocked.stderr
    assert "bob.dea" in unlocked.stderr
    assert not user_row(strict.store, "bob.dea").locked
    (row,) = audit_rows(strict.store, before)
    assert (row.action, row.actor, row.target) == ("rights", None, "bob.dea")
    assert cli(strict.store, "user", "unlock", "nobody").returncode == 2


# --- the second factor -------------------------------------------------------------------------


def test_outside_demo_every_sign_in_needs_the_totp_code(strict: Strict) -> None:
    secret = strict.secrets["ana.fgr"]
    with httpx.Client(base_url=strict.server.url, timeout=30) as client:
        form = client.get("/login").text
        assert re.search(r'<input name="code"[^>]* required', form)
        assert "Demo" not in form
        assert page_sign_in(client, "ana.fgr", PASSWORD).status_code == 401
        assert page_sign_in(client, "ana.fgr", PASSWORD, "000000").status_code == 401
        now = code(secret)
        signed_in = page_sign_in(client, "ana.fgr", PASSWORD, now)
        assert signed_in.status_code == 303, signed_in.text
        assert "ana.fgr" in client.get("/").text
    # A code is good once: the same one again is refused.
    with httpx.Client(base_url=strict.server.url, timeout=30) as client:
        assert page_sign_in(client, "ana.fgr", PASSWORD, now).status_code == 401
    # The API takes the code in the form field `totp`.
    assert strict.token("ana.fgr", PASSWORD, totp="").status_code == 401
    assert strict.token("ana.fgr", PASSWORD, ahead=1).status_code == 200


def test_an_account_without_a_second_factor_cannot_sign_in_until_enrolled(strict: Strict) -> None:
    refused = strict.token("new.dea", PASSWORD)
    assert refused.status_code == 401
    assert "vinculo user totp new.dea" in refused.json()["detail"]
    spanish = httpx.post(
        f"{strict.server.url}/api/v1/auth/token",
        data={"username": "new.dea", "password": PASSWORD},
        headers={"Accept-Language": "es"},
    )
    assert "segundo factor" in spanish.json()["detail"]
    assert not user_row(strict.store, "new.dea").failed_logins  # the password was right

    enrolled = cli(strict.store, "user", "totp", "new.dea")
    assert enrolled.returncode == 0, enrolled.stderr
    uri, secret = enrolled.stdout.split()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "new.dea" in uri and "issuer=V%C3%ADnculo" in uri
    assert user_row(strict.store, "new.dea").totp_secret == secret
    strict.secrets["new.dea"] = secret
    assert strict.token("new.dea", PASSWORD).status_code == 200


def test_demo_mode_asks_the_code_only_of_enrolled_accounts(store: Store) -> None:
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username="demo.dea", password=DEMO_PASSWORD, agency="DEA"),
            demo_password=True,
        )
        create_user(
            session=session, user_in=UserCreate(username="ana.fgr", password=PASSWORD, agency="FGR")
        )
        secret, _ = enrol_totp(session=session, username="ana.fgr")
    with LiveServer(store.settings) as server, httpx.Client(base_url=server.url) as client:
        assert 'name="code"' in client.get("/login").text
        assert page_sign_in(client, "demo.dea", DEMO_PASSWORD).status_code == 303
        client.cookies.clear()
        assert page_sign_in(client, "ana.fgr", PASSWORD).status_code == 401
        assert page_sign_in(client, "ana.fgr", PASSWORD, code(secret)).status_code == 303


# --- API tokens --------------------------------------------------------------------------------


def test_token_scopes(strict: Strict) -> None:
    read = strict.token("ana.fgr", PASSWORD, scope="read").json()
    write = strict.token("ana.fgr", PASSWORD, ahead=1, scope="write").json()
    assert (read["scope"], write["scope"]) == ("read", "write")
    with strict.api(read["access_token"]) as client:
        assert client.get("/api/v1/reports").status_code == 200
        refused = client.post("/api/v1/reports", json={})
        assert refused.status_code == 403
        assert refused.json()["error"]["field"] == "scope"
        assert "write" in refused.json()["detail"]
        assert client.post("/api/v1/entities/import").status_code == 403
    with strict.api(write["access_token"]) as client:
        assert client.post("/api/v1/reports", json={}).status_code == 422  # past the scope
        assert client.get("/api/v1/reports").status_code == 403
    odd = strict.token("bob.dea", PASSWORD, scope="read admin")
    assert odd.status_code == 422 and odd.json()["error"]["field"] == "scope"


def test_tokens_are_stored_hashed_expire_and_are_refused_with_an_audit_row(
    tmp_path: Path,
) -> None:
    for store in make_store("sqlite", tmp_path, demo=False, token_ttl_seconds=2):
        secrets = strict_world(store)
        with LiveServer(store.settings) as server:
            strict = Strict(store, server, secrets)
            issued = strict.token("ana.fgr", PASSWORD).json()
            assert issued["expires_in"] == 2 and issued["scope"] == "read write"
            with store.sessions() as session:
                stored = session.execute(select(ApiToken)).scalars().one()
            assert issued["access_token"] not in (stored.token_hash, stored.scopes)
            assert len(stored.token_hash) == 64
            with strict.api(issued["access_token"]) as client:
                assert client.get("/api/v1/me").status_code == 200
                time.sleep(2.2)
                before = last_seq(store)
                expired = client.get("/api/v1/me")
            assert expired.status_code == 401
            assert expired.json()["detail"] == "the token has expired; sign in again"
            (row,) = audit_rows(store, before)
            assert (row.action, row.outcome) == ("refused", "401")
            assert json.loads(row.detail)["username"] == "ana.fgr"
            for forged in ["forged", issued["access_token"][:-2] + "xx"]:
                with strict.api(forged) as client:
                    refused = client.get("/api/v1/reports")
                assert refused.status_code == 401
                assert refused.json()["detail"] == "the token is not valid"
                assert refused.headers["www-authenticate"] == "Bearer"
            assert [r.outcome for r in audit_rows(store, before)] == ["401"] * 3


def test_revoked_tokens_are_refused(strict: Strict) -> None:
    first = strict.token("ana.fgr", PASSWORD).json()
    second = strict.token("ana.fgr", PASSWORD, ahead=1, scope="read").json()
    bob = strict.token("bob.dea", PASSWORD).json()
    with strict.api(bob["access_token"]) as client:
        # Someone else's token answers as one that does not exist.
        assert client.delete(f"/api/v1/auth/tokens/{first['token_id']}").status_code == 404
    with strict.api(second["access_token"]) as client:
        listed = client.get("/api/v1/auth/tokens").json()
        assert [t["id"] for t in listed] == [first["token_id"], second["token_id"]]
        assert all("access_token" not in t and t["revoked_at"] is None for t in listed)
        # A read-only token may still revoke its owner's tokens.
        gone = client.delete(f"/api/v1/auth/tokens/{first['token_id']}")
        assert gone.status_code == 200 and gone.json()["revoked_at"]
    with strict.api(first["access_token"]) as client:
        refused = client.get("/api/v1/reports")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "the token has been revoked; sign in again"

    listed = cli(strict.store, "token", "list", "ana.fgr")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(int(line[0]), line[2]) for line in lines] == [
        (first["token_id"], "revoked"),
        (second["token_id"], "live"),
    ]
    assert first["access_token"] not in listed.stdout
    revoked = cli(strict.store, "token", "revoke", str(second["token_id"]))
    assert revoked.returncode == 0, revoked.stderr
    with strict.api(second["access_token"]) as client:
        assert client.get("/api/v1/me").status_code == 401
    assert cli(strict.store, "token", "revoke", "9999").returncode == 2
    rows = [r for r in audit_rows(strict.store) if r.kind == "api_token" and r.action == "rights"]
    assert [(r.actor, r.target) for r in rows] == [
        ("ana.fgr", str(first["token_id"])),
        (None, str(second["token_id"])),
    ]


# --- password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pass", "at least 12 characters"),
        ("onlylowercaseletters", "mix kinds of characters"),
        ("483920175562", "mix kinds of characters"),
        ("xx-Carlos.Ruiz-2026", "must not contain the user name"),
        ("Password2024!", "most common"),
        ("contraseña123456", "most common"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(
    store: Store, password: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught, transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username="carlos.ruiz", password=password, agency="DEA"),
        )
    assert caught.value.field == "password"
    assert message in caught.value.render("en")
    assert caught.value.render("es") != caught.value.render("en")


def test_the_demo_password_needs_the_explicit_demo_flag(store: Store) -> None:
    user_in = UserCreate(username="demo.dea", password=DEMO_PASSWORD, agency="DEA")
    with pytest.raises(InvalidInput), transaction(store.sessions) as session:
        create_user(session=session, user_in=user_in)
    with pytest.raises(InvalidInput), transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=user_in.model_copy(update={"password": PASSWORD}),
            demo_password=True,
        )
    with transaction(store.sessions) as session:
        create_user(session=session, user_in=user_in, demo_password=True)
        assert authenticate(
            session=session, settings=store.settings, username="demo.dea", password="demo"
        )


def test_the_commands_apply_the_password_rules(store: Store) -> None:
    weak = cli(store, "user", "add", "ana.dea", "--agency", "DEA", "--password", "short")
    assert weak.returncode == 2
    assert "password" in weak.stderr and "12" in weak.stderr
    made = cli(store, "user", "add", "ana.dea", "--agency", "DEA", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    same = cli(store, "user", "password", "ana.dea", "--password", "ana.dea-Password-1")
    assert same.returncode == 2 and "user name" in same.stderr
    changed = cli(store, "user", "password", "ana.dea", "--password", ADMIN_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    assert audit_rows(store)[-1].detail == '{"password": "changed"}'


# --- page sessions -----------------------------------------------------------------------------


@pytest.fixture
def idle(tmp_path: Path) -> Iterator[tuple[Store, LiveServer]]:
    """A demo server whose page sessions end after three seconds without activity."""
    for store in make_store("sqlite", tmp_path, demo=True, session_idle_minutes=0.05):
        with transaction(store.sessions) as session:
            create_user(
                session=session,
                user_in=UserCreate(username="us.analyst", password=PASSWORD, agency="DEA"),
            )
        with LiveServer(store.settings) as server:
            yield store, server


def test_an_idle_session_is_signed_out(idle: tuple[Store, LiveServer]) -> None:
    store, server = idle
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert page_sign_in(client, "us.analyst", PASSWORD).status_code == 303
        for _ in range(3):  # activity keeps it alive
            time.sleep(1)
            assert client.get("/search").status_code == 200
        time.sleep(3.5)
        before = last_seq(store)
        gone = client.get("/search")
        assert gone.status_code == 303
        assert gone.headers["location"] == "/login?next=%2Fsearch"
        notice = client.get(gone.headers["location"]).text
        assert "You were signed out after 0.05 minutes without activity" in notice
        assert "signed out after" not in client.get("/login").text  # said once
        assert client.get("/").status_code == 303
        assert client.get("/login?lang=es").status_code == 200
    rows = [r for r in audit_rows(store, before) if r.action == "sign_out"]
    assert [(r.actor, json.loads(r.detail)["reason"]) for r in rows] == [("us.analyst", "idle")]


def test_a_tampered_session_cookie_counts_as_signed_out(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url, timeout=30) as client:
        assert page_sign_in(client, "us.analyst", "demo").status_code == 303
        assert client.get("/").status_code == 200
        cookie = client.cookies["vinculo_session"]
        data, _, rest = cookie.partition(".")
        # Starlette's cookie: base64 JSON, a timestamp and a signature, dot-separated.
        changed = data[:-2] + ("AA" if data[-2:] != "AA" else "BB")
        for forged in [
            f"{changed}.{rest}",
            f"{data}.{rest[:-3]}xyz",
            # A well-formed cookie saying user 1, signed with another key.
            TimestampSigner("not-the-server-secret").sign(data).decode(),
        ]:
            client.cookies.set("vinculo_session", forged)
            assert client.get("/").status_code == 303, forged
            client.cookies.set("vinculo_session", cookie)
            assert client.get("/").status_code == 200


# --- sessions kept on the server ---------------------------------------------------------------


def cookie_payload(client: httpx.Client) -> dict[str, object]:
    """What the signed session cookie holds (Starlette: base64 JSON, then a signature)."""
    data = client.cookies["vinculo_session"].split(".", 1)[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(strict: Strict) -> None:
    url = strict.server.url
    with httpx.Client(base_url=url) as browser, httpx.Client(base_url=url) as thief:
        signed_in = page_sign_in(browser, "ana.fgr", PASSWORD, code(strict.secrets["ana.fgr"]))
        assert signed_in.status_code == 303
        # The cookie names a server-side session by a random key; it holds no account.
        payload = cookie_payload(browser)
        assert set(payload) <= {"sid", "locale", "csrf"} and "sid" in payload
        thief.cookies.set("vinculo_session", browser.cookies["vinculo_session"])
        assert "ana.fgr" in thief.get("/").text
        copied = browser.cookies["vinculo_session"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").text)
        assert token
        assert browser.post("/logout", data={"csrf_token": token[1]}).status_code == 303
        # The copy taken before sign-out signs nobody in now.
        thief.cookies.set("vinculo_session", copied)
        assert thief.get("/").status_code == 303
        assert thief.get("/reports/new").headers["location"].startswith("/login")
    with strict.store.sessions() as session:
        (row,) = session.execute(select(PageSession)).scalars()
    assert row.end_reason == "signed_out" and row.key_hash != payload["sid"]


def test_a_session_ends_after_its_absolute_lifetime(tmp_path: Path) -> None:
    for store in make_store("sqlite", tmp_path, demo=True, session_max_hours=0.001):
        with transaction(store.sessions) as session:
            create_user(
                session=session,
                user_in=UserCreate(username="us.analyst", password=PASSWORD, agency="DEA"),
            )
        with LiveServer(store.settings) as server, httpx.Client(base_url=server.url) as client:
            assert page_sign_in(client, "us.analyst", PASSWORD).status_code == 303
            started = time.monotonic()
            while time.monotonic() - started < 3:  # busy all along: never idle
                assert client.get("/search").status_code == 200
                time.sleep(0.5)
            time.sleep(max(0.0, 3.8 - (time.monotonic() - started)))
            gone = client.get("/search")
            assert gone.status_code == 303
            notice = client.get(gone.headers["location"]).text
            assert "a session lasts at most 0.001 hours" in notice
        rows = [r for r in audit_rows(store) if r.action == "sign_out"]
        assert [json.loads(r.detail)["reason"] for r in rows] == ["lifetime"]


def test_a_lock_ends_the_page_sessions_and_an_unlock_does_not_revive_them(strict: Strict) -> None:
    with httpx.Client(base_url=strict.server.url) as browser:
        assert page_sign_in(
            browser, "bob.dea", PASSWORD, code(strict.secrets["bob.dea"])
        ).is_redirect
        assert browser.get("/").status_code == 200
        for _ in range(5):
            assert strict.token("bob.dea", "Wrong-pass-0000").status_code == 401
        assert cli(strict.store, "user", "unlock", "bob.dea").returncode == 0
        assert browser.get("/").status_code == 303
    with strict.store.sessions() as session:
        (row,) = session.execute(select(PageSession)).scalars()
    assert row.end_reason == "account locked or disabled"


def test_a_locked_accounts_tokens_are_suspended_and_an_unlock_restores_them(
    strict: Strict,
) -> None:
    issued = strict.token("ana.fgr", PASSWORD).json()["access_token"]
    with strict.api(issued) as client:
        assert client.get("/api/v1/me").status_code == 200
        for _ in range(5):
            assert strict.token("ana.fgr", "Wrong-pass-0000").status_code == 401
        before = last_seq(strict.store)
        suspended = client.get("/api/v1/reports")
        assert suspended.status_code == 401
        assert "locked or disabled" in suspended.json()["detail"]
        (row,) = audit_rows(strict.store, before)
        assert (row.outcome, json.loads(row.detail)["username"]) == ("401", "ana.fgr")
        # TAXII takes the same tokens: suspended there too.
        assert client.get("/taxii2/").status_code in (401, 403)
        assert cli(strict.store, "user", "unlock", "ana.fgr").returncode == 0
        assert client.get("/api/v1/me").status_code == 200


def test_a_sign_in_and_a_writer_naming_the_account_do_not_deadlock(store: Store) -> None:
    # The writer appends to the audit chain first, then writes a row naming the account (its
    # key check locks the account's row in share mode); the sign-in locks the account's row,
    # then appends. A sign-in lock that excluded the key check would deadlock them.
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username="demo.dea", password=DEMO_PASSWORD, agency="DEA"),
            demo_password=True,
        )
    appended, signed = threading.Event(), []

    def sign_in_now() -> None:
        appended.wait(timeout=30)
        signed.append(
            sign_in(
                sessions=store.sessions,
                settings=store.settings,
                username="demo.dea",
                password=DEMO_PASSWORD,
            ).username
        )

    signer = threading.Thread(target=sign_in_now)
    signer.start()
    with transaction(store.sessions) as session:
        hold_head(session)
        appended.set()
        time.sleep(1)  # the sign-in meanwhile holds the account's row and waits for the chain
        user = session.execute(select(User).where(User.username == "demo.dea")).scalar_one()
        issue_token(session=session, settings=store.settings, user=user)
    signer.join(timeout=30)
    assert signed == ["demo.dea"]
