"""The legal basis of a counter-terrorism predicate on the report page and the filing form, in
English and Spanish, for the members of the group the demo's story is marked for."""

from __future__ import annotations

from test_pages import page_client, text_of

from conftest import LiveServer

CROSSING = "Watch-listed subject entered through the Mariposa port of entry"


def _report_id(server: LiveServer, username: str, title: str) -> str | None:
    with server.client(username) as api:
        items = api.get("/api/v1/reports", params={"limit": 200}).json()["items"]
    found = [r["id"] for r in items if r["title_en"] == title]
    return found[0] if found else None


def test_the_report_page_shows_the_law_each_nation_cites(demo_server: LiveServer) -> None:
    report_id = _report_id(demo_server, "fbi.agent1", CROSSING)
    assert report_id
    with page_client(demo_server, "fbi.agent1") as client:
        page = text_of(client.get(f"/reports/{report_id}"))
    assert "Legal basis" in page
    assert "United States: 18 U.S.C. §\u00a02332b" in page
    assert "Mexico: Federal Criminal Code (Código Penal Federal), arts. 139 to 139 Ter" in page
    with page_client(demo_server, "fgr.mp2") as client:
        page = text_of(client.get(f"/reports/{report_id}"))
    assert "Fundamento legal" in page
    assert "México: Código Penal Federal, arts. 139 a 139 Ter (terrorismo)" in page
    assert "Estados Unidos: 18 U.S.C. §\u00a02332b" in page
    # Outside the group the report does not exist.
    assert _report_id(demo_server, "us.analyst", CROSSING) is None
    with page_client(demo_server, "us.analyst") as client:
        assert client.get(f"/reports/{report_id}").status_code == 404


def test_a_predicate_without_a_legal_basis_shows_none(demo_server: LiveServer) -> None:
    report_id = _report_id(
        demo_server, "us.analyst", "Fentanyl lab supplier payments traced through Phoenix"
    )
    with page_client(demo_server, "us.analyst") as client:
        page = text_of(client.get(f"/reports/{report_id}"))
    assert "Criminal predicate" in page and "Legal basis" not in page


def test_the_filing_form_lists_the_law_in_both_languages(demo_server: LiveServer) -> None:
    with page_client(demo_server, "us.analyst") as client:
        form = text_of(client.get("/reports/new"))
    assert "The law each nation cites for some predicates" in form
    assert "Terrorist financing" in form and "18 U.S.C. §\u00a02339C" in form
    with page_client(demo_server, "mx.analyst") as client:
        form = text_of(client.get("/reports/new"))
    assert "La ley que cita cada país para algunos delitos" in form
    assert "Código Penal Federal, art. 139 Quáter (financiamiento al terrorismo)" in form
