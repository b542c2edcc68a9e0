"""Bad input over real HTTP, on SQLite and PostgreSQL: each answers a clear 4xx (or is stored
safely), nothing of it is half-stored, and a refusal leaves an audit row.

- A file name is never a path: "../../etc/passwd" is kept as "passwd".
- A body larger than VINCULO_MAX_UPLOAD_BYTES answers 413, in the reader's language.
- SQL and HTML in every text field of the report form and the API are stored as typed and
  shown escaped; search takes SQL and FTS5 syntax as words.
- The NUL character, cursors and ids out of range, dates past year 9999 and texts longer than
  the full-text index holds were each a 500 on one backend or both; now a 422.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from vinculo.db import transaction
from vinculo.intel.models import Entity, Report, StatementRow
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user
from vinculo.web.app import build_routes

from conftest import BACKENDS, LiveServer, Store, make_store
from worlds import World, build_world

SQL = "'; DROP TABLE reports; -- \" OR 1=1 /*"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NASTY = f"{SQL} {HTML}"
LIMIT = 256 * 1024


@pytest.fixture(params=BACKENDS)
def small_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The shared small world with an auditor added, on a store whose upload limit is 256 KB."""
    for store in make_store(request.param, tmp_path / "db", demo=True, max_upload_bytes=LIMIT):
        world = build_world(store)
        with transaction(store.sessions) as session:
            create_user(
                session=session,
                user_in=UserCreate(
                    username="the.auditor", password="demo", agency="DEA", roles=["auditor"]
                ),
                demo_password=True,
            )
        yield world


@pytest.fixture
def server(small_world: World) -> Iterator[LiveServer]:
    with LiveServer(small_world.store.settings) as live:
        yield live


def counts(store: Store) -> tuple[int, int, int]:
    with store.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Report)) or 0,
            session.scalar(select(func.count()).select_from(Entity)) or 0,
            session.scalar(select(func.count()).select_from(StatementRow)) or 0,
        )


def refusals(store: Store) -> list[AuditRow]:
    with store.sessions() as session:
        query = select(AuditRow).where(AuditRow.action == "refused").order_by(AuditRow.seq)
        return list(session.execute(query).scalars())


def csrf_of(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        signed_in = client.post(
            "/login",
            data={
                "username": username,
                "password": "demo",
                "next": "/",
                "csrf_token": csrf_of(client, "/login"),
            },
        )
        assert signed_in.status_code == 303, signed_in.text
        yield client


def line(entity_id: str, name: str) -> str:
    return json.dumps({"id": entity_id, "schema": "Person", "properties": {"name": [name]}})


MARKINGS = json.dumps({"tlp": "GREEN", "rel_to": ["USA", "MEX"]})


# --- file names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("../../../", "upload"),
        ("..", "upload"),
        ("C:\\temp\\people.jsonl", "people.jsonl"),
    ],
)
def test_an_upload_name_is_never_a_path(
    server: LiveServer, small_world: World, tmp_path: Path, name: str, kept: str
) -> None:
    before = sorted(p for p in tmp_path.rglob("*") if "db" not in p.parts)
    with server.client("us.analyst") as client:
        refused = client.post(
            "/api/v1/entities/import",
            files={"file": (name, line("trav-1", "Ana Ríos") + "\n{broken\n")},
            data={"source": "traversal", "markings": MARKINGS},
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["file"] == kept
        accepted = client.post(
            "/api/v1/entities/import",
            files={"file": (name, line("trav-1", "Ana Ríos") + "\n")},
            data={"source": "traversal", "markings": MARKINGS},
        )
        assert accepted.status_code == 200, accepted.text
    with small_world.store.sessions() as session:
        row = session.execute(
            select(AuditRow).where(AuditRow.action == "write", AuditRow.target == "traversal")
        ).scalar_one()
        assert json.loads(row.detail)["file"] == kept
    # Nothing was written beside the store, wherever the name pointed.
    assert sorted(p for p in tmp_path.rglob("*") if "db" not in p.parts) == before


# --- oversized uploads ---------------------------------------------------------------------------


def test_an_oversized_upload_answers_413_in_both_languages_and_stores_nothing(
    server: LiveServer, small_world: World
) -> None:
    big = "\n".join(line(f"big-{i}", f"Persona número {i}") for i in range(5000)) + "\n"
    assert len(big.encode()) > LIMIT
    stored = counts(small_world.store)
    with server.client("us.analyst") as client:
        answers = [
            client.post(
                "/api/v1/entities/import",
                files={"file": ("big.jsonl", big)},
                data={"source": "too-big", "markings": MARKINGS},
                headers={"Accept-Language": lang},
            )
            for lang in ("en", "es")
        ]
        assert client.get("/api/v1/entities/big-1").status_code == 404
    english, spanish = (a.json() for a in answers)
    assert [a.status_code for a in answers] == [413, 413]
    assert "256 KB" in english["detail"] and "larger than" in english["detail"]
    assert "256 KB" in spanish["detail"] and "supera" in spanish["detail"]
    assert counts(small_world.store) == stored
    rows = [r for r in refusals(small_world.store) if r.outcome == "413"]
    assert len(rows) == 2 and rows[0].target == "/api/v1/entities/import"
    # A file just under the limit goes in.
    small = "\n".join(line(f"ok-{i}", f"Persona {i}") for i in range(100)) + "\n"
    with server.client("us.analyst") as client:
        response = client.post(
            "/api/v1/entities/import",
            files={"file": ("ok.jsonl", small)},
            data={"source": "fits", "markings": MARKINGS},
        )
        assert response.status_code == 200, response.text


def test_an_oversized_form_answers_413_as_a_page(server: LiveServer, small_world: World) -> None:
    with page_client(server, "us.analyst") as client:
        token = csrf_of(client, "/reports/new")
        response = client.post(
            "/reports/new", data={"csrf_token": token, "body_en": "x" * (LIMIT + 1)}
        )
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "256 KB" in response.text
    assert counts(small_world.store)[0] == len(small_world.reports)


# --- SQL and HTML in every text field -------------------------------------------------------------

REPORT_TEXTS = ("title_en", "title_es", "body_en", "body_es", "suspicion")


def test_sql_and_html_in_every_api_field_are_stored_as_typed_and_shown_escaped(
    server: LiveServer,
) -> None:
    report = {
        **{name: f"{name} {NASTY}" for name in REPORT_TEXTS},
        "reliability": "B",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "attest_no_protected_views": True,
        "review_by": (date.today() + timedelta(days=90)).isoformat(),
        "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
        "entities": [
            {"schema": "Person", "properties": {"name": [f"Name {NASTY}"], "notes": [NASTY]}},
            {"schema": "Company", "properties": {"name": [HTML], "registrationNumber": [SQL[:60]]}},
        ],
    }
    with server.client("us.analyst") as client:
        created = client.post("/api/v1/reports", json=report)
        assert created.status_code == 201, created.text
        body = created.json()
        read = client.get(f"/api/v1/reports/{body['id']}").json()
        for name in REPORT_TEXTS:
            assert read[name] == f"{name} {NASTY}"
        person = client.get(f"/api/v1/entities/{body['entity_ids'][0]}").json()
        assert person["properties"]["notes"] == [NASTY]
        import_ = client.post(
            "/api/v1/entities/import",
            files={"file": (f"{HTML}.jsonl", line("nasty-1", NASTY) + "\n")},
            data={"source": f"src {SQL}"[:128], "markings": MARKINGS},
        )
        assert import_.status_code == 200, import_.text
    with page_client(server, "us.analyst") as pages:
        for path in [
            f"/reports/{body['id']}",
            f"/entities/{body['entity_ids'][0]}",
            f"/entities/{body['entity_ids'][1]}",
            "/entities/nasty-1",
            "/",
            "/search?" + str(httpx.QueryParams({"q": NASTY})),
            "/search?" + str(httpx.QueryParams({"q": "name"})),
        ]:
            page = pages.get(path)
            assert page.status_code == 200, path
            assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
        shown = pages.get(f"/reports/{body['id']}").text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown
        assert "DROP TABLE reports" in shown


def test_sql_and_html_in_every_form_field_are_kept_and_escaped(
    server: LiveServer, small_world: World
) -> None:
    typed = {
        **{name: f"{name} {NASTY}" for name in REPORT_TEXTS},
        "reliability": "B",
        "credibility": "2",
        "predicate": "drug_trafficking",
        "attest_no_protected_views": "1",
        "review_by": (date.today() + timedelta(days=90)).isoformat(),
        "tlp": "GREEN",
        "rel_to": ["USA", "MEX"],
        "recipients": "",
        "e0.schema": "Person",
        "e0.name": f"Name {NASTY}",
        "e1.schema": "Company",
        "e1.name": HTML,
    }
    with page_client(server, "us.analyst") as client:
        token = csrf_of(client, "/reports/new")
        # Refused (a bad review-by date and a RED without its reasons): the form comes back
        # with every value as typed, escaped.
        refused = client.post(
            "/reports/new",
            data=typed | {"csrf_token": token, "review_by": f"{HTML}", "recipients": NASTY},
        )
        assert refused.status_code == 422
        assert "<script>alert" not in refused.text and "<img src=x" not in refused.text
        assert "&lt;script&gt;" in refused.text
        stored = counts(small_world.store)
        assert stored[0] == len(small_world.reports)
        filed = client.post("/reports/new", data=typed | {"csrf_token": token})
        assert filed.status_code == 303, filed.text
        page = client.get(filed.headers["location"])
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
    report_id = filed.headers["location"].rsplit("/", 1)[1]
    with server.client("us.analyst") as api:
        read = api.get(f"/api/v1/reports/{report_id}").json()
        for name in REPORT_TEXTS:
            assert read[name] == f"{name} {NASTY}"
        names = {api.get(f"/api/v1/entities/{e}").json()["caption"] for e in read["entity_ids"]}
        assert names == {f"Name {NASTY}", HTML}


SEARCHES = [
    '"',
    '"unterminated',
    "*",
    "a*",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND OR",
    "NOT",
    "a AND NOT b",
    "-a",
    "^a",
    "a:b",
    "'",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "()",
    "{a}",
    "🙂",
    SQL,
    "x" * 200,
]


def test_search_takes_sql_and_fts_syntax_as_words(server: LiveServer) -> None:
    with server.client("us.analyst") as client, page_client(server, "us.analyst") as pages:
        for query, kind in itertools.product(SEARCHES, ("all", "reports", "entities")):
            api = client.get("/api/v1/search", params={"q": query, "kind": kind})
            assert api.status_code == 200, api.text
            page = pages.get("/search", params={"q": query, "kind": kind})
            assert page.status_code == 200, (query, kind)
            listed = client.get("/api/v1/entities", params={"q": query})
            assert listed.status_code == 200, query


# --- inputs that were a 500 ----------------------------------------------------------------------


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_nul_cursors_ids_and_dates_out_of_range_answer_422_with_an_audit_row(
    server: LiveServer, small_world: World
) -> None:
    huge, negative = cursor("v1:99999999999999999999"), cursor("v1:-5")
    analyst_asks = [
        ("GET", "/api/v1/reports", {"cursor": huge}),
        ("GET", "/api/v1/reports", {"cursor": negative}),
        ("GET", "/api/v1/entities", {"cursor": huge}),
        ("GET", "/api/v1/search", {"q": "garcia", "cursor": negative}),
        ("GET", "/api/v1/search", {"q": "garcia", "cursor": huge}),
        ("GET", "/api/v1/search", {"q": "a\x00b"}),
        ("GET", "/api/v1/reports/a%00b", {}),
        ("GET", "/api/v1/entities/a%00b", {}),
        ("DELETE", "/api/v1/auth/tokens/99999999999999999999", {}),
    ]
    auditor_asks = [
        ("GET", "/api/v1/audit", {"until": "9999-12-31"}),
        ("GET", "/api/v1/audit", {"since": "0001-01-01T00:00+01:00"}),
        ("GET", "/api/v1/audit", {"target": "a\x00"}),
        ("GET", "/api/v1/audit/seen-by/us.analyst", {"until": "9999-12-31"}),
        ("GET", "/api/v1/disseminations", {"until": "9999-12-31"}),
    ]
    before = len(refusals(small_world.store))
    for username, asks in (("us.analyst", analyst_asks), ("the.auditor", auditor_asks)):
        with server.client(username) as client:
            for method, path, params in asks:
                answer = client.request(method, path, params=params)
                assert answer.status_code == 422, (method, path, params, answer.text)
                assert answer.json()["detail"]
    assert len(refusals(small_world.store)) - before == len(analyst_asks) + len(auditor_asks)
    with page_client(server, "us.analyst") as pages:
        for path in ["/reports/a%00b", "/search?q=a%00b", "/?cursor=" + huge]:
            assert pages.get(path).status_code == 422, path


def test_a_refused_filing_or_import_stores_nothing_of_itself(
    server: LiveServer, small_world: World
) -> None:
    stored = counts(small_world.store)
    report = {
        "title_en": "Fine title",
        "body_en": "Fine body",
        "reliability": "B",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "suspicion": "Subjects linked to trafficking by payments.",
        "attest_no_protected_views": True,
        "review_by": (date.today() + timedelta(days=90)).isoformat(),
        "markings": {"tlp": "GREEN"},
        "entities": [
            {"id": "half-1", "schema": "Person", "properties": {"name": ["Fine Name"]}},
            {"id": "half-2", "schema": "Person", "properties": {"name": ["Bad\x00Name"]}},
        ],
    }
    good_lines = "".join(line(f"half-{i}", f"Persona {i}") + "\n" for i in range(3, 2500))
    with server.client("us.analyst") as client:
        assert client.post("/api/v1/reports", json=report).status_code == 422
        too_long = report | {"body_en": "word " * 25_000}
        assert client.post("/api/v1/reports", json=too_long).status_code == 422
        long_value = report | {
            "entities": [{"schema": "Person", "properties": {"name": ["n" * 400]}}]
        }
        assert client.post("/api/v1/reports", json=long_value).status_code == 422
        # A NUL value in the last batch of a file: the batches before it go too.
        nul_at_end = good_lines + line("half-9999", "Bad\x00Name") + "\n"
        answer = client.post(
            "/api/v1/entities/import",
            files={"file": ("half.jsonl", nul_at_end)},
            data={"source": "half", "markings": MARKINGS},
        )
        assert answer.status_code == 422, answer.text
        long_source = client.post(
            "/api/v1/entities/import",
            files={"file": ("half.jsonl", good_lines[:5000])},
            data={"source": "s" * 129, "markings": MARKINGS},
        )
        assert long_source.status_code == 422
        assert long_source.json()["error"]["field"] == "source"
        for entity_id in ("half-1", "half-3", "half-2000"):
            assert client.get(f"/api/v1/entities/{entity_id}").status_code == 404
    assert counts(small_world.store) == stored


# --- lone surrogates and deep nesting: each was a 500 ----------------------------------------

LONE = "\\ud800"  # as JSON spells it: Python's json turns it into a string no database takes
SECURITY_HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options")


def fine_report() -> dict[str, object]:
    return {
        "title_en": "Fine title",
        "body_en": "Fine body",
        "reliability": "B",
        "credibility": 2,
        "predicate": "drug_trafficking",
        "suspicion": "Subjects linked to trafficking by payments.",
        "attest_no_protected_views": True,
        "review_by": (date.today() + timedelta(days=90)).isoformat(),
        "markings": {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
        "entities": [{"id": "lone-1", "schema": "Person", "properties": {"name": ["Fine Name"]}}],
    }


def _report_with(where: str) -> str:
    """The report's JSON with a lone surrogate escape spliced in at `where`."""
    raw = json.dumps(fine_report())
    return {
        "entities.0.id": raw.replace('"lone-1"', f'"lone{LONE}"'),
        "entities.0.properties.name.0": raw.replace('"Fine Name"', f'"Fine{LONE}"'),
        "markings.groups.0": raw.replace('"rel_to"', f'"groups": ["g{LONE}"], "rel_to"'),
        "markings.recipients.0": raw.replace(
            '"tlp": "GREEN"', f'"tlp": "RED", "recipients": ["r{LONE}"]'
        ),
    }[where]


def _assert_refused(answer: httpx.Response, field: str, file: str | None = None) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["field"], error["file"]) == (field, file)
    assert "surrogate" in answer.json()["detail"] or "nested" in answer.json()["detail"]
    assert all(header in answer.headers for header in SECURITY_HEADERS)


@pytest.mark.parametrize(
    "field",
    [
        "entities.0.id",
        "entities.0.properties.name.0",
        "markings.groups.0",
        "markings.recipients.0",
    ],
)
def test_a_lone_surrogate_in_a_report_answers_422_naming_the_field(
    server: LiveServer, small_world: World, field: str
) -> None:
    stored, before = counts(small_world.store), len(refusals(small_world.store))
    with server.client("us.analyst") as client:
        answer = client.post(
            "/api/v1/reports",
            content=_report_with(field),
            headers={"content-type": "application/json"},
        )
        _assert_refused(answer, field)
        spanish = client.post(
            "/api/v1/reports",
            content=_report_with(field),
            headers={"content-type": "application/json", "accept-language": "es"},
        )
        assert spanish.status_code == 422 and spanish.json()["detail"] != answer.json()["detail"]
    assert counts(small_world.store) == stored
    assert len(refusals(small_world.store)) - before == 2


IMPORT_LINE = json.dumps({"id": "lone-2", "schema": "Person", "properties": {"name": ["Ana"]}})


@pytest.mark.parametrize(
    ("file_line", "markings", "field", "file"),
    [
        (IMPORT_LINE.replace("lone-2", f"lone{LONE}"), MARKINGS, "id", "lone.jsonl"),
        (IMPORT_LINE.replace('"Ana"', f'"Ana{LONE}"'), MARKINGS, "properties.name.0", "lone.jsonl"),
        (
            IMPORT_LINE,
            MARKINGS.replace('"rel_to"', f'"groups": ["g{LONE}"], "rel_to"'),
            "markings.groups.0",
            None,
        ),
        (
            IMPORT_LINE,
            MARKINGS.replace('"tlp": "GREEN"', f'"tlp": "RED", "recipients": ["r{LONE}"]'),
            "markings.recipients.0",
            None,
        ),
        (IMPORT_LINE, "[" * 100_000, "markings", None),
    ],
    ids=["id", "value", "groups", "recipients", "deep-markings"],
)
def test_a_lone_surrogate_or_deep_markings_in_an_import_answers_422_naming_the_field(
    server: LiveServer,
    small_world: World,
    file_line: str,
    markings: str,
    field: str,
    file: str | None,
) -> None:
    stored, before = counts(small_world.store), len(refusals(small_world.store))
    with server.client("us.analyst") as client:
        answer = client.post(
            "/api/v1/entities/import",
            files={
                "file": ("lone.jsonl", IMPORT_LINE.replace("lone-2", "lone-3") + "\n" + file_line)
            },
            data={"source": "lone", "markings": markings},
        )
        _assert_refused(answer, field, file)
        if file:
            assert answer.json()["error"]["line"] == 2
        assert client.get("/api/v1/entities/lone-3").status_code == 404
    assert counts(small_world.store) == stored
    (row,) = [r for r in refusals(small_world.store)[before:] if r.outcome == "422"]
    assert field in json.loads(row.detail)["error"]


def test_an_escaped_backslash_or_a_surrogate_pair_is_text_not_a_refusal(
    server: LiveServer,
) -> None:
    report = json.dumps(fine_report()).replace(
        '"Fine Name"', '"Fine \\\\ud800 \\ud83d\\ude42"'
    )  # a backslash followed by "ud800", then a pair spelling one emoji
    with server.client("us.analyst") as client:
        created = client.post(
            "/api/v1/reports", content=report, headers={"content-type": "application/json"}
        )
        assert created.status_code == 201, created.text
        entity = client.get(f"/api/v1/entities/{created.json()['entity_ids'][0]}").json()
    assert entity["properties"]["name"] == ["Fine \\ud800 🙂"]


# --- answers nobody planned ------------------------------------------------------------------


def test_an_internal_error_answers_500_with_the_headers_and_an_audit_row(
    small_world: World,
) -> None:
    live = LiveServer(small_world.store.settings)
    app = live.server.config.app
    # A table of its own: the routes added here stay out of the one this process's other
    # apps share (web/app.py route_table).
    app.router = build_routes()

    @app.get("/api/v1/test-fails")
    def fails() -> None:
        raise RuntimeError("a bug in a handler")

    @app.get("/test-fails-page")
    def fails_page() -> None:
        raise RuntimeError("a bug in a page")

    before = len(refusals(small_world.store))
    with live, live.client("us.analyst") as client:
        api = client.get("/api/v1/test-fails", headers={"accept-language": "es"})
        page = client.get("/test-fails-page")
        # The connection is still good: the next request on it answers.
        assert client.get("/api/v1/me").status_code == 200
        unknown = client.get("/api/v1/no-such-route")
    assert api.status_code == 500 and page.status_code == 500
    assert "a bug" not in api.text and "a bug" not in page.text
    assert "servidor" in api.json()["detail"]
    assert "text/html" in page.headers["content-type"]
    assert unknown.status_code == 404
    for answer in (api, page, unknown):
        assert all(header in answer.headers for header in SECURITY_HEADERS), answer.headers
        assert answer.headers["cache-control"] == "no-store"
    rows = refusals(small_world.store)[before:]
    assert [(r.target, r.outcome) for r in rows] == [
        ("/api/v1/test-fails", "500"),
        ("/test-fails-page", "500"),
        ("/api/v1/no-such-route", "404"),
    ]
    assert rows[0].actor == "us.analyst" or rows[0].actor is None
    assert json.loads(rows[0].detail)["exception"] == "RuntimeError"
