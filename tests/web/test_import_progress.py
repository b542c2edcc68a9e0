"""The import page shows the server's progress while it checks and stores a large file, draws
the file's marking with the shared macro (templates/_marking.html), and keeps nothing of a
file whose storing fails half-way.

The import is held half-way by a gate of our own around the real `import_ftm` (the live
server runs in this process), so the test sees the middle of an import every time rather
than racing it. Over HTTP on loopback, and in Chromium in English and Spanish (screenshots
var/screenshots/import-progress-*.png).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from vinculo.errors import InvalidInput
from vinculo.intel import import_views
from vinculo.intel.schemas import ImportSummary

from conftest import LiveServer, make_store, shot
from worlds import World, build_world

LINES = 6000
HOLD_AT = 4500  # two batches of 2,000 stored by then; progress reported at 4,400 lines


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    for store in make_store("sqlite", tmp_path_factory.mktemp("import-progress"), demo=True):
        world = build_world(store)
        with LiveServer(store.settings) as server:
            yield server, world


class Gate:
    """Holds the store pass at one line until the test lets it go on (or fail there)."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.reached = threading.Event()
        self.go = threading.Event()
        self.fail = False


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate(HOLD_AT)
    real = import_views.import_ftm

    def gated(*, lines: Iterable[str], **kwargs: Any) -> ImportSummary:
        def through() -> Iterator[str]:
            for number, line in enumerate(lines, start=1):
                if number == held.at:
                    held.reached.set()
                    assert held.go.wait(60), "the test never let the import go on"
                    if held.fail:
                        raise InvalidInput("the store refused this line", field="line", line=number)
                yield line

        return real(lines=through(), **kwargs)

    monkeypatch.setattr(import_views, "import_ftm", gated)
    yield held
    held.go.set()  # never leave a server thread waiting


@contextmanager
def signed_in(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def people(prefix: str, n: int = LINES) -> str:
    rows = (
        {"id": f"{prefix}-{i}", "schema": "Person", "properties": {"name": [f"Persona {i}"]}}
        for i in range(n)
    )
    return "".join(json.dumps(row) + "\n" for row in rows)


def upload(client: httpx.Client, body: str, key: str, source: str) -> httpx.Response:
    page = client.get("/import").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post(
        "/import",
        data={"csrf_token": token[1], "source": source, "progress_key": key},
        files={"file": ("people.jsonl", body.encode())},
    )


def api_sees(server: LiveServer, entity_id: str) -> bool:
    with server.client("us.analyst") as api:
        return api.get(f"/api/v1/entities/{entity_id}").status_code == 200


def test_the_form_draws_the_shared_banner(site: tuple[LiveServer, World]) -> None:
    server, _world = site
    with signed_in(server, "us.analyst") as client:
        page = client.get("/import").text
    banner = re.search(r'<div class="marking-banner tlp-amber"[^>]*>([^<]*)</div>', page)
    assert banner and banner[1] == "TLP:AMBER // REL TO USA"
    # The macro's own: the marking spelled out in the reader's language.
    assert 'title="TLP:AMBER' in banner[0] and "Releasable to: United States" in banner[0]
    assert re.search(r'name="progress_key" value="[0-9a-f]{32}"', page)


def test_the_server_reports_its_progress_to_this_session_only(
    site: tuple[LiveServer, World], gate: Gate
) -> None:
    server, _world = site
    key = secrets.token_hex(16)
    with (
        signed_in(server, "us.analyst") as client,
        signed_in(server, "us.analyst") as other_session,
        ThreadPoolExecutor(1) as pool,
    ):
        sent = pool.submit(upload, client, people("imp-prog"), key, "progress-test")
        assert gate.reached.wait(60)
        # Answered while the import holds the store's write lock: it reads no database.
        poller = httpx.Client(base_url=server.url, cookies=client.cookies, timeout=5)
        middle = poller.get(f"/import/progress/{key}")
        assert middle.status_code == 200
        assert middle.json() == {
            "phase": "storing",
            "lines": 4400,
            "bytes": middle.json()["bytes"],
            "total_lines": LINES,
            "total_bytes": len(people("imp-prog").encode()),
        }
        assert 0 < middle.json()["bytes"] < middle.json()["total_bytes"]
        # Another session of the same account, and a key never used, answer alike.
        assert other_session.get(f"/import/progress/{key}").status_code == 404
        assert poller.get(f"/import/progress/{secrets.token_hex(16)}").status_code == 404
        gate.go.set()
        answer = sent.result(timeout=120)
        assert answer.status_code == 200, answer.text[-2000:]
        assert 'class="count-entities">6,000<' in answer.text
        done = poller.get(f"/import/progress/{key}").json()
        assert done["phase"] == "done" and done["lines"] == LINES
        poller.close()
    assert api_sees(server, f"imp-prog-{LINES - 1}")


def test_a_failure_while_storing_keeps_nothing(site: tuple[LiveServer, World], gate: Gate) -> None:
    server, _world = site
    gate.fail = True
    gate.go.set()
    with signed_in(server, "us.analyst") as client:
        answer = upload(client, people("imp-fail"), secrets.token_hex(16), "failing-test")
    assert answer.status_code == 422
    assert re.search(rf'<tr class="reject-row"><td class="num">{HOLD_AT}</td>', answer.text)
    # Two batches had been written inside the transaction: none of it is kept.
    assert not api_sees(server, "imp-fail-0")
    assert not api_sees(server, "imp-fail-4000")


WORDS = {
    "en": {"storing": re.compile(r"Storing the lines: 4,400 of 6,000"), "stored": "6,000"},
    "es": {"storing": re.compile(r"Guardando las líneas: 4\.400 de 6\.000"), "stored": "6.000"},
}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_shows_the_servers_progress(
    browser: Browser, site: tuple[LiveServer, World], gate: Gate, tmp_path: Path, lang: str
) -> None:
    server, _world = site
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/import%3Flang%3D{lang}")
    page.fill("input[name=username]", "us.analyst")
    page.fill("input[name=password]", "demo")
    page.click("form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    banner = page.locator("#import-form .marking-banner")
    expect(banner).to_have_text("TLP:AMBER // REL TO USA")
    expect(banner).to_have_attribute("title", re.compile("Releasable to|Difusión permitida a"))
    file = tmp_path / "people.jsonl"
    file.write_text(people(f"imp-br-{lang}"), encoding="utf-8")
    page.set_input_files("input[name=file]", str(file))
    page.click("#import-form button[type=submit]")
    status = page.locator("#import-progress-text")
    expect(status).to_have_text(WORDS[lang]["storing"])
    bar = page.locator("progress#import-progress")
    assert bar.evaluate("b => [b.value, b.max]") == [4400, LINES]
    page.locator(".import-progress").scroll_into_view_if_needed()
    shot(page, f"import-progress-{lang}")
    gate.go.set()
    expect(page.locator(".count-entities")).to_have_text(WORDS[lang]["stored"])
    shot(page, f"import-progress-done-{lang}")
    context.close()
