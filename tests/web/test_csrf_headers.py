"""CSRF protection on every form, and the security headers on every answer, over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.intel.models import Report
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user
from vinculo.settings import Settings
from vinculo.web.app import create_app

from conftest import LiveServer, Store, make_store

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def csrf_of(client: httpx.Client, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found[1]


def sign_in(client: httpx.Client) -> None:
    response = client.post(
        "/login",
        data={"username": "us.analyst", "password": "demo", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 303, response.text


def refusals(store: Store, after: int) -> list[AuditRow]:
    with store.sessions() as session:
        query = select(AuditRow).where(AuditRow.seq > after, AuditRow.action == "refused")
        return list(session.execute(query.order_by(AuditRow.seq)).scalars())


def head(store: Store) -> int:
    with store.sessions() as session:
        return int(session.execute(select(func.coalesce(func.max(AuditRow.seq), 0))).scalar_one())


def report_count(store: Store) -> int:
    with store.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Report)).scalar_one())


@pytest.fixture
def filing(store: Store) -> Iterator[tuple[Store, LiveServer]]:
    """A store of its own with one analyst, and a server over it: forms that write."""
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(username="us.analyst", password="demo", agency="DEA"),
            demo_password=True,
        )
    with LiveServer(store.settings) as server:
        yield store, server


def report_form(token: str | None) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "title_en": "Stash house on Calle Pino",
        "body_en": "Surveillance saw nightly deliveries.",
        "reliability": "B",
        "credibility": "2",
        "predicate": "drug_trafficking",
        "suspicion": "Deliveries match the pattern of the Culiacán cell.",
        "attest_no_protected_views": "1",
        "review_by": (date.today() + timedelta(days=200)).isoformat(),
        "tlp": "GREEN",
        "rel_to": ["USA", "MEX"],
        "entity_schema": ["Person"],
        "entity_name": ["Ramón Quintero Félix"],
        "entity_extra": [""],
    }
    if token is not None:
        form["csrf_token"] = token
    return form


# --- CSRF --------------------------------------------------------------------------------------


def test_every_form_carries_the_token(filing: tuple[Store, LiveServer]) -> None:
    _, server = filing
    with httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.get("/login").text
        assert login.count('name="csrf_token"') == 1
        sign_in(client)
        for path in ["/", "/reports/new", "/search"]:
            page = client.get(path).text
            forms = re.findall(r'<form method="post".*?</form>', page, re.S)
            assert forms, path
            for form in forms:
                assert 'name="csrf_token"' in form, (path, form[:80])


@pytest.mark.parametrize("token", [None, "", "forged-token-of-the-right-length-0123456789abc"])
def test_sign_in_without_the_token_is_refused(
    filing: tuple[Store, LiveServer], token: str | None
) -> None:
    store, server = filing
    with httpx.Client(base_url=server.url, timeout=30) as client:
        csrf_of(client)  # the session has a token; the post does not carry it
        before = head(store)
        data = {"username": "us.analyst", "password": "demo"}
        if token is not None:
            data["csrf_token"] = token
        refused = client.post("/login", data=data)
        assert refused.status_code == 403
        assert "this form was not sent from a page of this Vínculo session" in refused.text
        spanish = client.post("/login?lang=es", data=data)
        assert spanish.status_code == 403
        assert "este formulario no se envió desde una página" in spanish.text
        # Not signed in, and no sign-in recorded: only the refusals.
        assert client.get("/").status_code == 303
    rows = [r for r in refusals(store, before) if r.target == "/login"]
    assert [(r.outcome, json.loads(r.detail)["field"]) for r in rows] == [("403", "csrf_token")] * 2
    with store.sessions() as session:
        signed = select(AuditRow).where(AuditRow.seq > before, AuditRow.action == "sign_in")
        assert session.execute(signed).first() is None


def test_a_token_from_another_session_is_refused(filing: tuple[Store, LiveServer]) -> None:
    _, server = filing
    with (
        httpx.Client(base_url=server.url, timeout=30) as mine,
        httpx.Client(base_url=server.url, timeout=30) as theirs,
    ):
        stolen = csrf_of(theirs)
        csrf_of(mine)
        forged = mine.post(
            "/login", data={"username": "us.analyst", "password": "demo", "csrf_token": stolen}
        )
        assert forged.status_code == 403


def test_sign_out_without_the_token_is_refused(filing: tuple[Store, LiveServer]) -> None:
    _, server = filing
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sign_in(client)
        assert client.post("/logout").status_code == 403
        assert client.get("/").status_code == 200  # still signed in
        assert client.post("/logout", data={"csrf_token": csrf_of(client, "/")}).status_code == 303
        assert client.get("/").status_code == 303


def test_filing_without_the_token_stores_nothing(filing: tuple[Store, LiveServer]) -> None:
    store, server = filing
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sign_in(client)
        before, count = head(store), report_count(store)
        refused = client.post("/reports/new", data=report_form(None))
        assert refused.status_code == 403
        assert "open the page again and resend it" in refused.text
        assert "Signed in as us.analyst" in refused.text  # still signed in
        assert report_count(store) == count
        (row,) = refusals(store, before)
        assert (row.actor, row.target, row.outcome) == ("us.analyst", "/reports/new", "403")
        # The same filing from the page itself, with its token, is stored.
        filed = client.post("/reports/new", data=report_form(csrf_of(client, "/reports/new")))
        assert filed.status_code == 303, filed.text
        assert report_count(store) == count + 1


def test_the_api_needs_no_csrf_token(demo_server: LiveServer) -> None:
    with demo_server.client("us.analyst") as client:
        assert client.post("/api/v1/reports", json={}).status_code == 422  # not 403


# --- security headers ------------------------------------------------------------------------


def assert_strict_headers(response: httpx.Response, *, hsts: bool = False) -> None:
    headers = response.headers
    where = f"{response.request.method} {response.request.url.path}"
    assert headers["content-security-policy"] == CSP, where
    assert headers["x-content-type-options"] == "nosniff", where
    assert headers["referrer-policy"] == "no-referrer", where
    assert headers["x-frame-options"] == "DENY", where
    assert "camera=()" in headers["permissions-policy"], where
    assert ("strict-transport-security" in headers) is hsts, where


def test_every_answer_carries_the_security_headers(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url, timeout=30) as client:
        answers = [
            client.get("/login"),
            client.get("/"),
            client.get("/static/css/app.css"),
            client.get("/no/such/page"),
            client.get("/healthz"),
            client.get("/openapi.json"),
            client.get("/api/v1/reports"),
            client.post("/login", data={}),
        ]
        sign_in(client)
        answers += [client.get("/"), client.get("/reports/no-such-report")]
    assert [a.status_code for a in answers] == [200, 303, 200, 404, 200, 200, 401, 403, 200, 404]
    for answer in answers:
        assert_strict_headers(answer)
    # Protected answers are never cached; the built assets may be.
    assert answers[8].headers["cache-control"] == "no-store"
    assert answers[6].headers["cache-control"] == "no-store"
    assert "no-store" not in answers[2].headers.get("cache-control", "")


def test_session_cookie_flags(demo_server: LiveServer) -> None:
    response = httpx.get(f"{demo_server.url}/login")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("vinculo_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)


def test_behind_tls_adds_hsts_and_secure_cookies(tmp_path: Path) -> None:
    for store in make_store("sqlite", tmp_path, demo=True, behind_tls=True):
        with LiveServer(store.settings) as server:
            response = httpx.get(f"{server.url}/login")
        assert_strict_headers(response, hsts=True)
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "secure" in response.headers["set-cookie"].lower()


def test_no_api_docs_page_loads_from_a_cdn(demo_server: LiveServer) -> None:
    with httpx.Client(base_url=demo_server.url, timeout=30) as client:
        assert client.get("/api/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200


TEMPLATES = Path(str(resources.files("vinculo.web").joinpath("templates")))


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_hold_no_inline_script_or_style(template: str) -> None:
    """The CSP forbids inline code and styles; a template that used them would break."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
    assert "javascript:" not in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "outside address"


def test_every_api_route_declares_its_scope() -> None:
    """Read routes need the `read` scope, writing ones `write`: a new route cannot forget."""
    app = create_app(Settings(demo=True, database_url="sqlite:///:memory:"))
    token_routes = {("post", "/api/v1/auth/token")}
    any_token = {("get", "/api/v1/auth/tokens"), ("delete", "/api/v1/auth/tokens/{token_id}")}
    # Screening sends an entity (or a name) in its body, as yente's /match does, and stores
    # nothing.
    read_posts = {
        ("post", "/api/v1/match"),
        ("post", "/api/v1/civic/submissions/{submission_id}/screen"),
    }
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if (method, path) in token_routes or not path.startswith("/api/"):
                continue
            scopes = {
                s
                for entry in operation.get("security", [])
                for s in entry.get("OAuth2PasswordBearer", [])
            }
            if (method, path) in any_token:
                assert "security" in operation and not scopes, (method, path)
            elif method == "get" or (method, path) in read_posts:
                assert scopes == {"read"}, (method, path)
            else:
                assert scopes == {"write"}, (method, path)
