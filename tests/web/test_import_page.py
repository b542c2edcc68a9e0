"""The import page (/import): an FtM JSON-lines file with its markings, stored whole or not at
all, each refused line listed with its line, field and reason in the reader's language.

Over HTTP on loopback against a small world of its own (it writes), and once in Chromium
for the screenshots (var/screenshots/import-*.png).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from conftest import LiveServer, make_store, shot
from worlds import World, build_world


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("import-page"), demo=True):
        world = build_world(store)
        with LiveServer(store.settings) as server:
            yield server, world


@contextmanager
def signed_in(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def csrf(client: httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/import").text)
    assert found
    return found[1]


def entity(entity_id: str, name: str, **props: list[str]) -> str:
    return json.dumps(
        {"id": entity_id, "schema": "Person", "properties": {"name": [name], **props}}
    )


def send(
    client: httpx.Client, lines: list[str], *, source: str = "", **fields: str | list[str]
) -> httpx.Response:
    body = ("\n".join(lines) + "\n").encode()
    data: dict[str, str | list[str]] = {"csrf_token": csrf(client), "source": source, **fields}
    return client.post("/import", data=data, files={"file": ("people.jsonl", body)})


def api_sees(server: LiveServer, username: str, entity_id: str) -> bool:
    with server.client(username) as api:
        return api.get(f"/api/v1/entities/{entity_id}").status_code == 200


def test_a_good_file_is_stored_under_the_markings_chosen(site: tuple[LiveServer, World]) -> None:
    server, _world = site
    with signed_in(server, "us.analyst") as client:
        page = client.get("/import")
        assert page.status_code == 200
        # Safe defaults: TLP:AMBER, one's own nation only, shown before importing.
        assert '<option value="AMBER" selected>' in page.text
        assert "TLP:AMBER // REL TO USA<" in page.text
        lines = [entity(f"imp-good-{i}", f"Importado Bueno {i}") for i in range(3)]
        answer = send(client, lines, source="page-good", tlp="GREEN")
    assert answer.status_code == 200, answer.text
    assert 'class="count-entities">3<' in answer.text
    assert "TLP:GREEN // REL TO USA<" in answer.text
    assert api_sees(server, "us.analyst", "imp-good-0")
    assert not api_sees(server, "mx.analyst", "imp-good-0")  # REL TO USA only


def test_one_bad_line_stores_nothing_and_is_named_in_spanish(
    site: tuple[LiveServer, World],
) -> None:
    server, _world = site
    lines = [
        entity("imp-half-1", "Mitad Uno"),
        entity("imp-half-2", "Mitad Dos", birthDate=["el martes"]),
        "{not json",
        json.dumps({"id": "imp-half-3", "schema": "Persona", "properties": {}}),
        entity("imp-half-4", "Mitad Cuatro", nationality=["zz-nowhere"]),
    ]
    with signed_in(server, "mx.analyst") as client:
        spanish = client.get("/import?lang=es")  # the session's language from here on
        assert spanish.status_code == 200
        answer = send(client, lines, source="page-half")
    assert answer.status_code == 422
    text = answer.text
    assert '<html lang="es">' in text
    assert "No se guardó nada" in text
    rows = re.findall(r'<tr class="reject-row">(.*?)</tr>', text, re.S)
    assert len(rows) == 4
    numbers = [re.search(r'<td class="num">(\d+)</td>', row)[1] for row in rows]  # type: ignore[index]
    assert numbers == ["2", "3", "4", "5"]
    assert "Fecha de nacimiento (birthDate)" in rows[0]
    assert "fecha" in rows[0] and "el martes" in rows[0]
    assert "JSON" in rows[1]
    assert "Persona" in rows[2]
    assert "Nacionalidad (nationality)" in rows[3]
    assert not api_sees(server, "mx.analyst", "imp-half-1")  # nothing half-written


def test_store_the_good_lines_leaves_the_bad_ones_out(site: tuple[LiveServer, World]) -> None:
    server, _world = site
    lines = [entity("imp-skip-1", "Salto Uno"), "[]", "", entity("imp-skip-2", "Salto Dos")]
    with signed_in(server, "us.analyst") as client:
        answer = send(client, lines, source="page-skip", skip_bad="1")
    assert answer.status_code == 200, answer.text
    assert 'class="count-entities">2<' in answer.text
    assert 'class="count-rejected">1<' in answer.text
    assert re.search(r'<tr class="reject-row"><td class="num">2</td>', answer.text)
    assert api_sees(server, "us.analyst", "imp-skip-1")
    assert api_sees(server, "us.analyst", "imp-skip-2")


def test_a_big_file_streams_through(site: tuple[LiveServer, World]) -> None:
    server, _world = site
    lines = [entity(f"imp-big-{i}", f"Persona Grande {i}") for i in range(6000)]
    with signed_in(server, "us.analyst") as client:
        answer = send(client, lines, source="page-big")
    assert answer.status_code == 200, answer.text
    assert 'class="count-lines">6,000<' in answer.text
    assert 'class="count-entities">6,000<' in answer.text
    assert api_sees(server, "us.analyst", "imp-big-5999")


def test_markings_are_checked_and_refusals_are_on_the_page(
    site: tuple[LiveServer, World],
) -> None:
    server, _world = site
    with signed_in(server, "us.analyst") as client:
        answer = send(
            client, [entity("imp-mark-1", "Marca Uno")], source="page-mark", groups="g-nope"
        )
        assert answer.status_code == 422
        assert "you can only mark items for groups you belong to" in answer.text
        none = client.post("/import", data={"csrf_token": csrf(client), "source": "x"})
        assert none.status_code == 422 and "choose a file" in none.text
    assert not api_sees(server, "us.analyst", "imp-mark-1")
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get("/import").status_code == 303


@pytest.mark.browser
def test_the_page_in_chromium(
    browser: Browser, site: tuple[LiveServer, World], tmp_path: Path
) -> None:
    server, _world = site
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-MX")
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "mx.analyst")
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    page.goto(server.url + "/import?lang=es")
    expect(page.locator("h1")).to_have_text("Importar entidades")
    shot(page, "import-01-form-es")
    upload = tmp_path / "personas.jsonl"
    lines = [entity(f"imp-br-{i}", f"Persona {i}") for i in range(50)]
    lines.insert(10, entity("imp-br-bad", "Mala", birthDate=["ayer"]))
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("input[name=file]", str(upload))
    page.click("#import-form button[type=submit]")
    expect(page.locator("tr.reject-row")).to_have_count(1)
    expect(page.locator("tr.reject-row")).to_contain_text("Fecha de nacimiento")
    shot(page, "import-02-refused-es")
    page.check("input[name=skip_bad]")
    page.set_input_files("input[name=file]", str(upload))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".count-entities")).to_have_text("50")
    shot(page, "import-03-stored-es")
    context.close()
