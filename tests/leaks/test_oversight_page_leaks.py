"""The oversight pages and what a reader may not see, over real HTTP on both backends: units,
vetting requests and allegations a Mexican reader may not see (REL TO USA, AMBER of another
agency, RED to someone else) change nothing that reader observes on any oversight page — not
a row, a count, a subordinate unit, a link or a word — and each answers, by page and by form,
exactly as a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from monitors import add_monitors

from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.files import read_units
from vinculo.oversight.service import import_units

from conftest import LiveServer
from worlds import World

MISSING = "0123456789abcdef"
HIDDEN = [
    {"tlp": "GREEN", "rel_to": ["USA"]},
    {"tlp": "AMBER", "rel_to": ["USA", "MEX"]},
    {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["dea.agent1"]},
]
CSRF = re.compile(r'name="csrf_token" value="[^"]+"')
SHARED = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
UNITS = """\
- id: sedena
  name_es: Secretaría de la Defensa Nacional
  name_en: Secretariat of National Defense
  force: SEDENA
- id: sedena-rm2
  name_es: II Región Militar
  name_en: 2nd Military Region
  force: SEDENA
  parent: sedena
  location: {city: Mexicali, state: Baja California, country: MX}
  commanders:
    - {name: Gral. Arturo Ibarra Soto, start: 2018-01-01, end: 2020-06-30}
    - {name: Gral. Beatriz Olmos Ruiz, start: 2020-07-01}
"""


def _import(world: World, who: str, text: str, markings: MarkingsIn, name: str = "u.yml") -> None:
    with transaction(world.store.sessions) as session:
        import_units(
            session=session,
            actor=world.actors[who],
            units=read_units(text, name),
            file_name=name,
            source=f"units:{name}",
            markings_in=markings,
        )


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def allegation(markings: dict[str, object], unit: str = "sedena-rm2") -> dict[str, object]:
    return {
        "summary_es": "Cateo sin orden en un domicilio de Mexicali",
        "occurred_from": "2024-04-02",
        "violations": ["unlawful_search", "torture"],
        "unit_entity_id": unit,
        "parties": [{"role": "witness", "name": "Rosa Ibarra Cota"}],
        "markings": markings,
    }


def vetting(markings: dict[str, object], unit: str = "sedena-rm2") -> dict[str, object]:
    return {
        "subject_kind": "unit",
        "subject_entity_id": unit,
        "purpose": "training",
        "programme_officer": "J. Smith, INL Mexico City",
        "markings": markings,
    }


def observe(client: httpx.Client, ids: list[str]) -> list[tuple[int, str]]:
    """Every oversight page a reader reaches, in both languages."""
    paths = [
        "/oversight/units/sedena-rm2?on=2021-01-01",
        "/oversight/units/sedena?on=2021-01-01",
        "/oversight/vetting",
        "/oversight/vetting?status=pending",
        "/oversight/vetting?subject=sedena-rm2",
        "/oversight/allegations",
        "/oversight/allegations?violation=torture",
        "/oversight/allegations?unit=sedena-rm2",
        "/oversight/vetting/new",
        "/oversight/allegations/new",
        *ids,
    ]
    seen = []
    for language in ("en", "es"):
        for path in paths:
            joiner = "&" if "?" in path else "?"
            answer = client.get(f"{path}{joiner}lang={language}")
            seen.append((answer.status_code, CSRF.sub("", answer.text)))
    return seen


def test_hidden_oversight_items_change_nothing_a_mexican_reader_observes(
    fresh_world: World,
) -> None:
    add_monitors(fresh_world)
    _import(fresh_world, "us.analyst", UNITS, SHARED)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.monitor") as monitor,
        server.client("us.monitor") as writer,
        server.client("us.analyst") as analyst,
        page_client(server, "mx.analyst") as reader,
    ):
        shared = {"tlp": "GREEN", "rel_to": ["USA", "MEX"]}
        seen_allegation = monitor.post("/api/v1/oversight/allegations", json=allegation(shared))
        seen_request = analyst.post("/api/v1/oversight/vetting", json=vetting(shared))
        assert seen_allegation.status_code == seen_request.status_code == 201
        ids = [
            f"/oversight/allegations/{seen_allegation.json()['id']}",
            f"/oversight/vetting/{seen_request.json()['id']}",
        ]
        before = observe(reader, ids)
        secret_allegations, secret_requests = [], []
        for markings in HIDDEN:
            made = writer.post("/api/v1/oversight/allegations", json=allegation(markings))
            assert made.status_code == 201, made.text
            secret_allegations.append(made.json()["id"])
            asked = analyst.post("/api/v1/oversight/vetting", json=vetting(markings))
            assert asked.status_code == 201, asked.text
            secret_requests.append(asked.json()["id"])
        # A subordinate unit, and a new commander of the region, stated only to Americans.
        _import(
            fresh_world,
            "us.analyst",
            "- id: sedena-rm2-hidden\n  name_es: Agrupamiento Reservado\n  force: SEDENA\n"
            "  parent: sedena-rm2\n",
            MarkingsIn(tlp="GREEN", rel_to=["USA"]),
            name="hidden.yml",
        )
        assert observe(reader, ids) == before
        # Each hidden one, by page and by form, answers as a missing one.
        token = re.search(r'name="csrf_token" value="([^"]+)"', reader.get("/").text)
        assert token
        forms = {
            "allegations": ("status", {"status": "credible", "reason": "x"}),
            "vetting": ("decision", {"status": "denied", "reason": "x"}),
        }
        for kind, secrets in (("allegations", secret_allegations), ("vetting", secret_requests)):
            action, form = forms[kind]
            data = form | {"csrf_token": token.group(1)}
            missing = reader.get(f"/oversight/{kind}/{MISSING}")
            missing_write = reader.post(f"/oversight/{kind}/{MISSING}/{action}", data=data)
            assert missing.status_code == missing_write.status_code == 404
            for secret in secrets:
                ours = reader.get(f"/oversight/{kind}/{secret}")
                assert ours.status_code == 404
                assert CSRF.sub("", ours.text.replace(secret, MISSING)) == CSRF.sub(
                    "", missing.text
                )
                write = reader.post(f"/oversight/{kind}/{secret}/{action}", data=data)
                assert write.status_code == 404
                assert CSRF.sub("", write.text.replace(secret, MISSING)) == CSRF.sub(
                    "", missing_write.text
                )
        missing = reader.get(f"/oversight/units/{MISSING}")
        hidden_unit = reader.get("/oversight/units/sedena-rm2-hidden")
        assert hidden_unit.status_code == missing.status_code == 404
        assert CSRF.sub("", hidden_unit.text.replace("sedena-rm2-hidden", MISSING)) == CSRF.sub(
            "", missing.text
        )
        # The American reader sees them all: the pages are not simply empty.
        with page_client(server, "us.analyst") as american:
            listed = american.get("/oversight/allegations", params={"lang": "en"}).text
            assert "3 allegations" in listed  # the shared one, GREEN and AMBER: not the RED
            unit = american.get("/oversight/units/sedena-rm2", params={"lang": "en"}).text
            assert "Agrupamiento Reservado" in unit
