"""GET /api/v1/assistance/programmes/{id}/results and GET /api/v1/assistance/indicators over
real HTTP, on both backends: a programme's results as the reader may see them (a hidden
programme answers as a missing one), municipal indicators filtered by municipality, state
and code, in the reader's language."""

from __future__ import annotations

import io
from pathlib import Path

import httpx

from vinculo.assistance.importer import import_csv
from vinculo.assistance.outcomes import import_municipal, import_results
from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn

from conftest import LiveServer
from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data"
LEDGER = DATA / "assistance" / "fagov_mexico_2024-06.csv"
RESULTS = DATA / "outcomes" / "results.csv"
MUNICIPAL = DATA / "outcomes" / "municipal.csv"
PROGRAMMES = "/api/v1/assistance/programmes"
INDICATORS = "/api/v1/assistance/indicators"


def load(world: World) -> None:
    """The public ledger and its results; the judicial activity again as a U.S.-only
    programme with the same results."""
    text = LEDGER.read_text("utf-8")
    hidden = text.replace("19-INL-MX-0101", "19-INL-MX-9999")
    results = RESULTS.read_text("utf-8")
    with transaction(world.store.sessions) as session:
        actor = world.actors["us.analyst"]
        for ledger, markings in (
            (text, MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])),
            (hidden, MarkingsIn(tlp="GREEN", rel_to=["USA"])),
        ):
            import_csv(
                session=session,
                actor=actor,
                handle=io.StringIO(ledger),
                file_name="fa.csv",
                release="2024-06",
                markings_in=markings,
            )
        import_results(session=session, actor=actor, text=results, file_name="results.csv")
        import_results(
            session=session,
            actor=actor,
            text=results.replace("19-INL-MX-0101", "19-INL-MX-9999"),
            file_name="results-usa.csv",
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        )
        import_municipal(
            session=session,
            actor=world.actors["mx.analyst"],
            text=MUNICIPAL.read_text("utf-8"),
            file_name="municipal.csv",
        )


def programme(client: httpx.Client, name: str) -> str:
    found = client.get(PROGRAMMES, params={"limit": 200}).json()["items"]
    return str(next(p["id"] for p in found if p["name_en"] == name))


def test_results_and_indicators_over_http(fresh_world: World) -> None:
    load(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.analyst") as mexican,
        server.client("us.analyst") as american,
        httpx.Client(base_url=server.url, timeout=30) as nobody,
    ):
        judicial = programme(mexican, "Mérida: Judicial sector reform")
        path = f"{PROGRAMMES}/{judicial}/results"
        assert nobody.get(path).status_code == 401
        assert nobody.get(INDICATORS).status_code == 401
        answer = mexican.get(path, headers={"Accept-Language": "es"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["programme_id"] == judicial and body["total"] == 2
        trials = body["items"][0]
        assert trials["code"] == "trials-oral"
        assert trials["baseline_value"] == "1200.0000"
        assert [(p["start"], p["actual"]) for p in trials["periods"]][-1] == (
            "2020-01-01",
            "4100.0000",
        )
        assert trials["markings"]["tlp"] == "CLEAR"
        # The U.S.-only copy: found by the American, a 404 like a missing id to the Mexican.
        everything = american.get(PROGRAMMES, params={"limit": 200}).json()["items"]
        secret = next(
            p["id"]
            for p in everything
            if p["name_en"] == "Mérida: Judicial sector reform" and p["id"] != judicial
        )
        assert american.get(f"{PROGRAMMES}/{secret}/results").json()["total"] == 2
        hidden = mexican.get(f"{PROGRAMMES}/{secret}/results")
        missing = mexican.get(f"{PROGRAMMES}/0123456789abcdef/results")
        assert hidden.status_code == 404
        assert (hidden.status_code, hidden.text) == (missing.status_code, missing.text)

        juarez = american.get(INDICATORS, params={"municipality": "08037"}).json()
        assert juarez["total"] == 4
        assert {(v["code"], v["year"]) for v in juarez["items"]} == {
            ("homicide_rate", 2019),
            ("homicide_rate", 2023),
            ("school_enrolment", 2019),
            ("school_enrolment", 2023),
        }
        rates = mexican.get(
            INDICATORS,
            params={"state": "Baja California", "code": "homicide_rate"},
            headers={"Accept-Language": "es"},
        ).json()
        assert [(v["municipality"], v["value"]) for v in rates["items"]] == [
            ("02004", "134.6000"),
            ("02004", "105.3000"),
        ]
        assert rates["items"][0]["source"] == "INEGI, Defunciones por homicidio 2019"
        assert rates["items"][0]["unit"] == "rate"
        assert rates["items"][0]["label"].startswith("Homicidios dolosos")
        assert mexican.get(INDICATORS, params={"municipality": "123456"}).status_code == 422
        assert mexican.get(INDICATORS, params={"limit": 0}).status_code == 422
