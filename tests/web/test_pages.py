"""The HTML pages over real HTTP, on SQLite and PostgreSQL.

Read-only checks run against the seeded demo (`demo_server`); filing reports runs against a
fresh store of its own, so the shared demo stays as seeded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import unquote

import httpx
import pytest

from vinculo.db import transaction
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user, ensure_group

from conftest import LiveServer, Store

USA_ONLY_TITLE = "Fentanyl lab supplier payments traced through Phoenix"
# Properties whose values identify a subject; shared values like "male" or "mx" are not secrets.
DISTINCT_PROPS = {"name", "birthDate", "phone", "accountNumber", "iban", "idNumber", "full"}


def csrf_of(client: httpx.Client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form's hidden field as a browser
    would send it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, f"no csrf_token field on {path}"
    return found.group(1)


@contextmanager
def page_client(server: LiveServer, username: str | None = None) -> Iterator[httpx.Client]:
    """A browser-like client: keeps the session cookie, signed in through the sign-in form."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        if username:
            response = client.post(
                "/login",
                data={
                    "username": username,
                    "password": "demo",
                    "next": "/",
                    "csrf_token": csrf_of(client),
                },
            )
            assert response.status_code == 303, response.text
        yield client


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def all_pages(client: httpx.Client, path: str) -> list[str]:
    """A list page and every page after it, following its rel="next" link."""
    pages: list[str] = []
    url: str | None = path
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(text_of(response))
        url = next_link(response.text)
        assert len(pages) < 50, "the pager does not end"
    return pages


# --- facts about the demo, from the API as the U.S. analyst who may see them ---------------


class UsaOnly:
    """The REL TO USA-only fixture report, its entities, and what of them Mexico may not see."""

    def __init__(self, server: LiveServer) -> None:
        with server.client("us.analyst") as us, server.client("mx.analyst") as mx:
            hits = us.get("/api/v1/search", params={"q": USA_ONLY_TITLE, "kind": "reports"})
            found = [h for h in hits.json()["items"] if h["title"] == USA_ONLY_TITLE]
            assert len(found) == 1
            self.report_id: str = found[0]["id"]
            report = us.get(f"/api/v1/reports/{self.report_id}").json()
            assert report["markings"]["rel_to"] == ["USA"]
            self.entity_ids: list[str] = report["entity_ids"]
            asserted: set[str] = set()
            seen_by_mx: set[str] = set()
            for entity_id in self.entity_ids:
                entity = us.get(f"/api/v1/entities/{entity_id}").json()
                asserted.update(
                    s["value"]
                    for s in entity["statements"]
                    if s["report_id"] == self.report_id and s["prop"] in DISTINCT_PROPS
                )
                theirs = mx.get(f"/api/v1/entities/{entity_id}")
                if theirs.status_code == 200:
                    seen_by_mx.update(s["value"] for s in theirs.json()["statements"])
            self.secrets = {v for v in asserted - seen_by_mx if len(v) >= 6}
        assert len(self.secrets) >= 3, self.secrets  # names, numbers only DEA holds


@pytest.fixture(scope="module")
def usa_only(demo_server: LiveServer) -> UsaOnly:
    return UsaOnly(demo_server)


def assert_nothing_leaks(page: str, usa_only: UsaOnly, where: str, *, asked: bool = False) -> None:
    """No title, id or distinct value of the report; `asked`: its id is in the URL asked for."""
    assert USA_ONLY_TITLE not in page, where
    if not asked:
        assert usa_only.report_id not in page, where
    leaked = sorted(v for v in usa_only.secrets if v in page)
    assert not leaked, f"{where} shows {leaked}"


# --- sign-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=garcia&kind=all", "/reports/new", "/reports/abc", "/entities/per-0001"],
)
def test_anonymous_visitors_are_sent_to_sign_in(demo_server: LiveServer, path: str) -> None:
    with page_client(demo_server) as client:
        response = client.get(path)
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith("/login?next=")
        assert unquote(location.removeprefix("/login?next=")) == path


def test_anonymous_filing_is_sent_to_sign_in(demo_server: LiveServer) -> None:
    with page_client(demo_server) as client:
        token = csrf_of(client)
        response = client.post("/reports/new", data={"title_en": "x", "csrf_token": token})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_sign_in_page_and_the_way_back(demo_server: LiveServer) -> None:
    with page_client(demo_server) as client:
        page = client.get("/login?next=/search")
        assert page.status_code == 200
        assert '<html lang="en">' in page.text
        assert 'class="lang-switch"' in page.text
        assert "us.analyst, mx.analyst, us.supervisor, auditor" in page.text  # demo hint
        token = csrf_of(client)
        wrong = client.post(
            "/login", data={"username": "us.analyst", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
        response = client.post(
            "/login",
            data={
                "username": "us.analyst",
                "password": "demo",
                "next": "/search",
                "csrf_token": csrf_of(client),
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/search"
        logout = client.post("/logout", data={"csrf_token": csrf_of(client, "/search")})
        assert logout.status_code == 303
        assert client.get("/").status_code == 303


def test_sign_in_page_in_spanish(demo_server: LiveServer) -> None:
    with page_client(demo_server) as client:
        page = client.get("/login?lang=es").text
        assert '<html lang="es">' in page
        assert "Iniciar sesión" in page
        assert "Demostración: inicie sesión como" in page


# --- the pages, as the U.S. analyst ----------------------------------------------------------


def test_home_lists_the_newest_reports_with_a_pager(demo_server: LiveServer) -> None:
    with page_client(demo_server, "us.analyst") as client:
        pages = all_pages(client, "/")
    first = pages[0]
    assert "Newest reports" in first
    count = int(re.search(r"You may see (\d+) reports\.", first).group(1))  # type: ignore[union-attr]
    rows = sum(page.count('class="report-row"') for page in pages)
    assert rows == count > 25
    assert len(pages) > 1 and "Older reports" in first
    assert USA_ONLY_TITLE in "".join(pages)
    for marker in ('class="lang-switch"', "Sign out", "File a report", "Search", "us.analyst"):
        assert marker in first, marker


def test_report_page_as_us_analyst(demo_server: LiveServer, usa_only: UsaOnly) -> None:
    with page_client(demo_server, "us.analyst") as client:
        response = client.get(f"/reports/{usa_only.report_id}")
    page = text_of(response)
    assert response.status_code == 200
    assert USA_ONLY_TITLE in page
    assert page.count('<div class="marking-banner tlp-green" role="note"') == 2
    assert page.count("TLP:GREEN // REL TO USA<") == 2
    assert "Drug Enforcement Administration" in page
    assert re.search(r"[A-F][1-6] — [^<]+ / [^<]+", page)
    assert "Money laundering" in page
    assert "Reasonable suspicion" in page and "Review by" in page
    for entity_id in usa_only.entity_ids:
        assert f'href="/entities/{entity_id}"' in page


def test_entity_page_as_us_analyst(demo_server: LiveServer, usa_only: UsaOnly) -> None:
    with page_client(demo_server, "us.analyst") as client:
        page = text_of(client.get("/entities/per-0001"))
    assert "José Ángel García López" in page
    assert "Jul 19, 1984" in page  # the birth date, as the reader writes dates
    assert f'href="/reports/{usa_only.report_id}"' in page
    assert "TLP:GREEN · REL TO USA" in page
    assert "Relationships" in page


def test_search_page(demo_server: LiveServer) -> None:
    with page_client(demo_server, "us.analyst") as client:
        empty = client.get("/search")
        assert empty.status_code == 200 and 'name="q"' in empty.text
        found = text_of(client.get("/search", params={"q": "garcia"}))
        assert "José Ángel García López" in found
        assert '<small class="kind">Person</small>' in found
        assert '<small class="kind">Report</small>' in found
        nothing = text_of(client.get("/search", params={"q": "zzyzxqq"}))
        assert "Nothing found for “zzyzxqq”." in nothing
        pages = all_pages(client, "/search?q=sa&kind=reports")
        assert len(pages) > 1 and "More results" in pages[0]
        bad = client.get("/search", params={"q": "garcia", "cursor": "nonsense"})
        assert bad.status_code == 422


def test_spanish_pages(demo_server: LiveServer, usa_only: UsaOnly) -> None:
    with page_client(demo_server, "us.analyst") as client:
        home = client.get("/?lang=es").text
        assert '<html lang="es">' in home
        assert "Informes más recientes" in home and "Presentar un informe" in home
        assert 'hreflang="en"' in home and ">English<" in home
        # The choice sticks to the session.
        report = text_of(client.get(f"/reports/{usa_only.report_id}"))
        assert '<html lang="es">' in report
        assert "Lavado de dinero" in report
        assert "Administración para el Control de Drogas" in report
        assert "Fecha límite de revisión" in report
        entity = text_of(client.get("/entities/per-0001"))
        assert "Persona" in entity and "Fecha de nacimiento" in entity
        form = text_of(client.get("/reports/new"))
        assert "Confiabilidad de la fuente" in form and "Normalmente confiable" in form
        english = client.get("/?lang=en").text
        assert '<html lang="en">' in english and "Newest reports" in english


# --- what Mexico may not see -----------------------------------------------------------------


def test_mx_analyst_never_sees_the_usa_only_report(
    demo_server: LiveServer, usa_only: UsaOnly
) -> None:
    with page_client(demo_server, "mx.analyst") as client:
        for number, page in enumerate(all_pages(client, "/")):
            assert_nothing_leaks(page, usa_only, f"home page {number + 1}")
        gone = client.get(f"/reports/{usa_only.report_id}")
        missing = client.get("/reports/no-such-report")
        assert gone.status_code == missing.status_code == 404
        assert "Fiscalía General de la República" in missing.text  # still signed in, as FGR
        assert_nothing_leaks(text_of(gone), usa_only, "the report's URL", asked=True)
        # The same 404 page as for a report that never existed.
        assert gone.text.replace(usa_only.report_id, "X") == missing.text.replace(
            "no-such-report", "X"
        )
        for entity_id in usa_only.entity_ids:
            response = client.get(f"/entities/{entity_id}")
            assert response.status_code in (200, 404)
            assert_nothing_leaks(text_of(response), usa_only, f"entity {entity_id}")
        for q in ["Fentanyl lab supplier payments Phoenix", "Phoenix", "garcia"]:
            for kind in ("all", "reports", "entities"):
                for page in all_pages(client, f"/search?q={q}&kind={kind}"):
                    assert_nothing_leaks(page, usa_only, f"search {q!r} ({kind})")


def test_mx_analyst_sees_less_of_per_0001(demo_server: LiveServer) -> None:
    counts = {}
    for username in ("us.analyst", "mx.analyst"):
        with page_client(demo_server, username) as client:
            page = client.get("/entities/per-0001?lang=en").text
        counts[username] = page.count('<tr class="statement">')
        assert "José Ángel García López" in html.unescape(page)
    assert 0 < counts["mx.analyst"] < counts["us.analyst"]


# --- filing a report, on a store of its own --------------------------------------------------


@pytest.fixture
def filing_server(store: Store) -> Iterator[LiveServer]:
    with transaction(store.sessions) as session:
        ensure_group(
            session=session,
            code="tf-sonora",
            name_en="Task Force Sonora",
            name_es="Fuerza de Tarea Sonora",
        )
        for username, agency, locale in [("us.analyst", "DEA", "en"), ("mx.analyst", "FGR", "es")]:
            create_user(
                session=session,
                user_in=UserCreate(
                    username=username,
                    display_name=username,
                    password="demo",
                    agency=agency,
                    roles=["analyst"],
                    groups=["tf-sonora"],
                    locale=locale,
                ),
                demo_password=True,
            )
    with LiveServer(store.settings) as server:
        yield server


def good_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "title_en": "Stash house on Calle Pino",
        "title_es": "Casa de seguridad en Calle Pino",
        "body_en": "Surveillance saw nightly deliveries.",
        "body_es": "La vigilancia observó entregas nocturnas.",
        "reliability": "B",
        "credibility": "2",
        "predicate": "drug_trafficking",
        "suspicion": "Deliveries match the pattern of the Culiacán cell.",
        "attest_no_protected_views": "1",
        "review_by": (date.today() + timedelta(days=200)).isoformat(),
        "tlp": "GREEN",
        "rel_to": ["USA", "MEX"],
        "groups": ["tf-sonora"],
        "recipients": "",
        "e0.schema": "Person",
        "e0.name": "Ramón Quintero Félix",
        "e0.birthDate": "1975-02-03",
        "e0.nationality": "mx",
        "e1.schema": "Vehicle",
        "e2.schema": "Person",
    }
    form.update(changes)
    return form


def test_a_good_filing_lands_on_its_report(filing_server: LiveServer) -> None:
    with page_client(filing_server, "us.analyst") as client:
        form = client.get("/reports/new")
        assert form.status_code == 200
        assert len(re.findall(r'name="e\d\.name"', form.text)) >= 3
        assert "Task Force Sonora" in form.text
        token = csrf_of(client, "/reports/new")
        response = client.post("/reports/new", data=good_form(csrf_token=token))
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert re.fullmatch(r"/reports/[0-9a-f]+", location)
        page = text_of(client.get(location))
        assert "Stash house on Calle Pino" in page
        assert "También en español" in page and "Casa de seguridad en Calle Pino" in page
        assert page.count("TLP:GREEN // REL TO MEX, USA // tf-sonora<") == 2
        assert "B2 — Usually reliable / Probably true" in page
        person = re.search(r'href="(/entities/[^"]+)">Ramón Quintero Félix<', page)
        assert person is not None
        profile = text_of(client.get(person.group(1)))
        assert "Feb 3, 1975" in profile and "Mexico" in profile
    with page_client(filing_server, "mx.analyst") as client:
        assert "Casa de seguridad en Calle Pino" in text_of(client.get("/"))


def test_a_bad_filing_comes_back_with_every_error_in_spanish(filing_server: LiveServer) -> None:
    typed = good_form(
        title_en="Mi título tecleado",
        review_by="31/12/2020",
        reliability="",
        suspicion="corto",
        tlp="RED",
        **{"e0.phone": "sin número", "e2.name": "Persona Sin Datos", "e2.colorDeOjos": "verde"},
    )
    with page_client(filing_server, "mx.analyst") as client:
        typed["csrf_token"] = csrf_of(client, "/reports/new")
        response = client.post("/reports/new", data=typed)
        assert response.status_code == 422
        page = text_of(response)
        assert '<html lang="es">' in page
        assert "El informe no se presentó" in page
        for message in [
            "escriba la fecha de revisión como AAAA-MM-DD",
            "la confiabilidad de la fuente debe ser una letra de la A a la F",
            "exponga la sospecha razonable",
            "sin número no es un número de teléfono: escríbalo con su código de país",
            "colorDeOjos: este tipo de entidad no tiene ese campo",
        ]:
            assert message in page, message
        # Errors sit next to their fields.
        review = page.index('name="review_by"')
        assert review < page.index("escriba la fecha de revisión") < review + 600
        # Everything typed comes back.
        assert 'value="Mi título tecleado"' in page
        assert 'value="31/12/2020"' in page
        assert 'value="Persona Sin Datos"' in page
        assert 'value="sin número"' in page
        assert '<option value="RED" selected>' in page
        assert 'value="tf-sonora" checked' in page
        # Nothing was filed.
        assert "Mi título tecleado" not in text_of(client.get("/"))


def test_the_same_bad_filing_in_english(filing_server: LiveServer) -> None:
    with page_client(filing_server, "us.analyst") as client:
        token = csrf_of(client, "/reports/new")
        response = client.post(
            "/reports/new?lang=en",
            data=good_form(review_by="2020-01-01", credibility="9", csrf_token=token),
        )
    assert response.status_code == 422
    page = text_of(response)
    assert "the review-by date must be in the future" in page
    assert "information credibility must be a number from 1 to 6" in page
