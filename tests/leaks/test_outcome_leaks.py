"""Outcomes and what a reader may not see: result indicators a Mexican reader may not see
(TLP:RED to others, REL TO USA only, AMBER of another agency), on a public programme or on
hidden ones, change nothing the reader observes of a programme's results, a hidden
programme's, or the municipal indicators."""

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
PUBLIC = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])
HIDDEN = [
    (MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["dea.agent1"]), "red"),
    (MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa"),
    (MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]), "amber"),
]


def _ledger(world: World, text: str, markings: MarkingsIn) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name="fa.csv",
            release="leaks",
            markings_in=markings,
        )


def _results(world: World, text: str, markings: MarkingsIn, name: str) -> None:
    with transaction(world.store.sessions) as session:
        import_results(
            session=session,
            actor=world.actors["us.analyst"],
            text=text,
            file_name=name,
            markings_in=markings,
        )


def _observe(client: httpx.Client, programmes: list[str]) -> dict[str, tuple[int, str]]:
    seen: dict[str, tuple[int, str]] = {}
    for programme in [*programmes, "0123456789abcdef"]:
        answer = client.get(f"{PROGRAMMES}/{programme}/results")
        seen[programme] = (answer.status_code, answer.text)
    for params in ({}, {"state": "08"}, {"code": "homicide_rate"}, {"municipality": "02004"}):
        answer = client.get(INDICATORS, params=params)
        seen[f"indicators {params}"] = (answer.status_code, answer.text)
    return seen


def test_hidden_results_change_nothing_a_mexican_reader_observes(fresh_world: World) -> None:
    text = LEDGER.read_text("utf-8")
    results = RESULTS.read_text("utf-8")
    _ledger(fresh_world, text, PUBLIC)
    _results(fresh_world, results, PUBLIC, "public.csv")
    with transaction(fresh_world.store.sessions) as session:
        import_municipal(
            session=session,
            actor=fresh_world.actors["mx.analyst"],
            text=MUNICIPAL.read_text("utf-8"),
            file_name="municipal.csv",
        )
    with LiveServer(fresh_world.store.settings) as server, server.client("mx.analyst") as reader:
        visible = [p["id"] for p in reader.get(PROGRAMMES, params={"limit": 200}).json()["items"]]
        before = _observe(reader, visible)
        # The judicial programme's two indicators and the youth programme's one.
        counts = sorted(before[p][1].count('"code"') for p in visible)
        assert counts == [0, 0, 0, 1, 2]
        header, *rows = results.splitlines(keepends=True)
        for markings, tag in HIDDEN:
            # Indicators of their own on the public programmes …
            extra = "".join([header, *rows]).replace("trials-oral", f"trials-{tag}")
            extra = extra.replace("pretrial-detention", f"detention-{tag}")
            extra = extra.replace("youth-reached", f"youth-{tag}")
            _results(fresh_world, extra, markings, f"{tag}.csv")
            # … and hidden programmes with results of their own.
            lines = text.splitlines(keepends=True)
            judicial = "".join([lines[0], *[r for r in lines[1:] if "19-INL-MX-0101" in r]])
            _ledger(fresh_world, judicial.replace("19-INL-MX-0101", f"HIDDEN-{tag}"), markings)
            _results(
                fresh_world,
                "".join([header, *[r for r in rows if "19-INL-MX-0101" in r]]).replace(
                    "19-INL-MX-0101", f"HIDDEN-{tag}"
                ),
                markings,
                f"h-{tag}.csv",
            )
        after = _observe(reader, visible)
        assert after == before
        with server.client("us.analyst") as writer:
            everything = [
                p["id"] for p in writer.get(PROGRAMMES, params={"limit": 200}).json()["items"]
            ]
            hidden = [p for p in everything if p not in visible]
            assert len(hidden) == 3
            # The writer sees the hidden indicators the reader does not.
            judicial = writer.get(f"{PROGRAMMES}/{hidden[0]}/results").json()
            assert judicial["total"] == 2
        missing = reader.get(f"{PROGRAMMES}/0123456789abcdef/results")
        for programme in hidden:
            ours = reader.get(f"{PROGRAMMES}/{programme}/results")
            assert (ours.status_code, ours.text) == (missing.status_code, missing.text)
