"""The oversight pages over real HTTP on loopback, on SQLite and PostgreSQL: a unit and its
chain of command on a date, Leahy vetting (list, request, decide) and allegations (list, file,
read, triage), each under its marking banner, in English and Spanish; forms post with the
session's CSRF token, bad input comes back naming the field with nothing stored, and an item
the reader may not see answers exactly as a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from monitors import add_monitors
from sqlalchemy import func, select
from test_units import SHARED, UNITS, USA_ONLY, _import
from test_vetting import add_unit_and_vetter

from vinculo.oversight.allegation_models import Allegation
from vinculo.oversight.vetting_models import VettingRequest

from conftest import LiveServer
from worlds import World

MISSING = "0123456789abcdef"
HIDDEN_UNITS = """\
- id: sedena-secret
  name_es: Unidad Reservada
  name_en: Restricted Unit
  force: SEDENA
  parent: sedena
"""


@contextmanager
def page_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in through the sign-in form."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": username, "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def csrf(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def like_missing(hidden: httpx.Response, hidden_id: str, missing: httpx.Response) -> None:
    assert hidden.status_code == missing.status_code == 404
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    ours = strip.sub("", hidden.text.replace(hidden_id, "ID"))
    theirs = strip.sub("", missing.text.replace(MISSING, "ID"))
    assert ours == theirs


def count(world: World, model: type[object]) -> int:
    with world.store.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_the_unit_page_on_a_date_in_both_languages(fresh_world: World) -> None:
    _import(fresh_world, "us.analyst", UNITS, SHARED)
    _import(fresh_world, "us.analyst", HIDDEN_UNITS, USA_ONLY, name="hidden.yml")
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "mx.analyst") as mexican,
        page_client(server, "us.analyst") as american,
    ):
        early = mexican.get(
            "/oversight/units/sedena-rm2", params={"on": "2019-06-01", "lang": "en"}
        )
        assert early.status_code == 200, early.text
        text = early.text
        assert "<h1 data-content>2nd Military Region</h1>" in text
        assert text.count("TLP:GREEN // REL TO MEX, USA</div>") == 2  # banner, top and bottom
        assert 'href="/oversight/units/sedena"' in text  # the parent
        assert 'href="/oversight/units/sedena-bi23"' in text  # a child
        assert "Restricted Unit" not in text and "sedena-secret" not in text
        assert "Gral. Arturo Ibarra Soto" in text and "Beatriz Olmos" not in text
        assert "Mexicali, Baja California</span>, Mexico" in text
        assert 'href="/oversight/vetting?subject=sedena-rm2"' in text
        assert 'href="/oversight/allegations?unit=sedena-rm2"' in text
        late = mexican.get("/oversight/units/sedena-rm2", params={"on": "2021-01-01"})
        assert "Gral. Beatriz Olmos Ruiz" in late.text and "Arturo Ibarra" not in late.text
        # The chain of command, to the top.
        chain = re.search(r'<ol class="unit-chain">(.*?)</ol>', late.text, re.S)
        assert chain and "Secretariat of National Defense" in chain.group(1)
        spanish = mexican.get("/oversight/units/sedena-rm2", params={"lang": "es"})
        assert "<h1 data-content>II Región Militar</h1>" in spanish.text
        assert "Cadena de mando" in spanish.text and "Unidades subordinadas" in spanish.text
        # A date that is no date: named, and the command shown for today.
        bad = mexican.get("/oversight/units/sedena-rm2", params={"on": "soon", "lang": "en"})
        assert bad.status_code == 422 and 'id="on-error"' in bad.text
        assert "YYYY-MM-DD" in bad.text
        # The American analyst sees the restricted child; the Mexican one gets it as missing.
        assert "Restricted Unit" in american.get("/oversight/units/sedena").text
        missing = mexican.get(f"/oversight/units/{MISSING}")
        like_missing(mexican.get("/oversight/units/sedena-secret"), "sedena-secret", missing)


def test_request_vetting_see_hits_and_decide(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "us.analyst") as analyst,
        page_client(server, "us.vetter") as vetter,
        page_client(server, "mx.analyst") as mexican,
    ):
        token = csrf(analyst, "/oversight/vetting/new?kind=unit&entity=unit-bi27")
        form = {
            "csrf_token": token,
            "subject_kind": "unit",
            "subject_entity_id": "unit-bi27",
            "purpose": "training",
            "programme_officer": "J. Smith, INL Mexico City",
            "tlp": "GREEN",
            "rel_to": ["USA", "MEX"],
        }
        # Bad input: the fields named, nothing stored.
        refused = analyst.post("/oversight/vetting", data=form | {"programme_officer": ""})
        assert refused.status_code == 422 and 'id="programme_officer-error"' in refused.text
        bad_day = analyst.post(
            "/oversight/vetting",
            data=form | {"subject_entity_id": "", "subject_name": "X", "birth_date": "soon"},
        )
        assert bad_day.status_code == 422 and 'id="birth_date-error"' in bad_day.text
        assert count(fresh_world, VettingRequest) == 0
        # Without the session's token the form is refused.
        assert (
            analyst.post("/oversight/vetting", data=form | {"csrf_token": "x"}).status_code == 403
        )
        made = analyst.post("/oversight/vetting", data=form)
        assert made.status_code == 303, made.text
        path = made.headers["location"]
        request_id = path.rsplit("/", 1)[1]
        hidden = (
            analyst.post("/oversight/vetting", data=form | {"tlp": "GREEN", "rel_to": ["USA"]})
            .headers["location"]
            .rsplit("/", 1)[1]
        )
        page = analyst.get(path)
        assert page.status_code == 200
        assert "27 Batallón de Infantería" in page.text
        assert page.text.count("TLP:GREEN // REL TO MEX, USA</div>") == 2
        assert "Record the decision" not in page.text  # an analyst may not decide
        listed = analyst.get("/oversight/vetting")
        assert "2 vetting requests" in listed.text
        assert listed.text.index(hidden) < listed.text.index(request_id)  # newest first
        # The vetter suspends it, saying why; the history names who, when and why.
        token = csrf(vetter, path)
        assert "Record the decision" in vetter.get(path).text
        no_reason = vetter.post(
            f"{path}/decision", data={"csrf_token": token, "status": "suspended"}
        )
        assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
        decided = vetter.post(
            f"{path}/decision",
            data={
                "csrf_token": token,
                "status": "suspended",
                "reason": "Credible allegation of torture",
                "duty_to_inform": "Government of Mexico informed",
                "remediation": "Retraining",
            },
        )
        assert decided.status_code == 303, decided.text
        after = vetter.get(path).text
        assert "Credible allegation of torture" in after and "us.vetter" in after
        assert "Government of Mexico informed" in after and "Retraining" in after
        assert "<strong>suspended</strong>" in after
        spanish = mexican.get(path, params={"lang": "es"}).text
        assert "suspendido" in spanish
        assert "Decisiones" in spanish and "Coincidencias del cotejo" in spanish
        suspended = analyst.get("/oversight/vetting", params={"status": "suspended"}).text
        assert request_id in suspended and hidden not in suspended
        # An analyst's decision is refused; a request the reader may not see, by page or by
        # form, answers as a missing one.
        refused = analyst.post(
            f"{path}/decision",
            data={"csrf_token": csrf(analyst, path), "status": "denied", "reason": "x"},
        )
        assert refused.status_code == 403
        missing = mexican.get(f"/oversight/vetting/{MISSING}")
        like_missing(mexican.get(f"/oversight/vetting/{hidden}"), hidden, missing)
        assert hidden not in mexican.get("/oversight/vetting").text
        assert "1 solicitud de verificación" in mexican.get("/oversight/vetting").text


def test_file_an_allegation_and_victims_only_for_monitors(fresh_world: World) -> None:
    add_unit_and_vetter(fresh_world)
    add_monitors(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "mx.monitor") as monitor,
        page_client(server, "us.analyst") as analyst,
        page_client(server, "us.monitor") as american_monitor,
    ):
        token = csrf(monitor, "/oversight/allegations/new?unit=unit-bi27")
        form: dict[str, object] = {
            "csrf_token": token,
            "summary_es": "Dos hombres sacados de su casa por uniformados, sin paradero",
            "occurred_from": "2023-11-04",
            "state": "Tamaulipas",
            "municipality": "Nuevo Laredo",
            "violations": ["enforced_disappearance"],
            "unit_entity_id": "unit-bi27",
            "party_role": ["victim", "witness", "victim"],
            "party_name": ["Joaquín Pérez Duarte", "", ""],
            "party_details": ["Mecánico", "", ""],
            "source_description": ["Queja de la familia", ""],
            "source_reliability": ["B", "F"],
            "source_credibility": ["2", "6"],
            "tlp": "GREEN",
            "rel_to": ["USA", "MEX"],
        }
        refused = monitor.post("/oversight/allegations", data=form | {"violations": []})
        assert refused.status_code == 422 and 'id="violations-error"' in refused.text
        assert "Joaquín Pérez Duarte" in refused.text  # what was typed comes back
        bad_unit = monitor.post("/oversight/allegations", data=form | {"unit_entity_id": MISSING})
        assert bad_unit.status_code == 422 and 'id="unit_entity_id-error"' in bad_unit.text
        assert count(fresh_world, Allegation) == 0
        made = monitor.post("/oversight/allegations", data=form)
        assert made.status_code == 303, made.text
        path = made.headers["location"]
        allegation_id = path.rsplit("/", 1)[1]
        none = monitor.post(
            "/oversight/allegations",
            data=form | {"party_name": ["", "", ""], "party_details": ["", "", ""]},
        ).headers["location"]
        page = monitor.get(path, params={"lang": "es"}).text
        assert "Joaquín Pérez Duarte" in page and "Desaparición forzada" in page
        assert page.count("TLP:GREEN // REL TO MEX, USA</div>") == 2
        assert "B2 — " in page and "Queja de la familia" in page
        assert "Joaquín Pérez Duarte" in american_monitor.get(path).text
        # Outside the monitors' group: no victim, and the page reads exactly as that of an
        # allegation filed with none.
        outside = analyst.get(path, params={"lang": "en"})
        assert outside.status_code == 200
        assert "Joaquín" not in outside.text and "Mecánico" not in outside.text
        assert "No victims or witnesses you may see." in outside.text
        without = analyst.get(none, params={"lang": "en"})
        section = re.compile(r'<section class="allegation-parties">.*?</section>', re.S)
        assert section.findall(outside.text) == section.findall(without.text)
        # The list and its filters.
        listed = analyst.get("/oversight/allegations").text
        assert "2 allegations" in listed and allegation_id in listed
        assert (
            "0 allegations"
            in analyst.get("/oversight/allegations", params={"violation": "torture"}).text
        )
        assert (
            "2 allegations"
            in analyst.get(
                "/oversight/allegations", params={"status": "reported", "unit": "unit-bi27"}
            ).text
        )
        # Triage: a decision needs its reason; then it is kept in the history.
        token = csrf(analyst, path)
        no_reason = analyst.post(f"{path}/status", data={"csrf_token": token, "status": "credible"})
        assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
        moved = analyst.post(
            f"{path}/status",
            data={"csrf_token": token, "status": "credible", "reason": "Consistent testimony"},
        )
        assert moved.status_code == 303
        assert "Consistent testimony" in analyst.get(path).text
        # The unit page counts and links it.
        unit = analyst.get("/oversight/units/unit-bi27", params={"lang": "en"}).text
        assert "2 allegations against this unit" in unit and allegation_id in unit


def test_hidden_allegations_answer_as_missing(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "mx.monitor") as monitor,
        page_client(server, "us.analyst") as analyst,
    ):
        token = csrf(monitor, "/oversight/allegations/new")
        made = monitor.post(
            "/oversight/allegations",
            data={
                "csrf_token": token,
                "summary_es": "Detención sin orden",
                "occurred_from": "2024-02-01",
                "violations": ["arbitrary_detention"],
                "tlp": "GREEN",
                "rel_to": ["MEX"],
            },
        )
        assert made.status_code == 303, made.text
        hidden = made.headers["location"].rsplit("/", 1)[1]
        missing = analyst.get(f"/oversight/allegations/{MISSING}")
        like_missing(analyst.get(f"/oversight/allegations/{hidden}"), hidden, missing)
        token = csrf(analyst, "/oversight/allegations")
        data = {"csrf_token": token, "status": "under_review"}
        missing_write = analyst.post(f"/oversight/allegations/{MISSING}/status", data=data)
        write = analyst.post(f"/oversight/allegations/{hidden}/status", data=data)
        like_missing(write, hidden, missing_write)
        listed = analyst.get("/oversight/allegations").text
        assert "0 allegations" in listed and hidden not in listed
