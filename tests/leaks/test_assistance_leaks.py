"""Assistance and what a reader may not see: ledger rows a Mexican reader may not see
(TLP:RED to others, REL TO USA only, a need-to-know group the reader is not in) change
nothing the reader observes of programmes, the ledger, its totals, filters and cursors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

from vinculo.assistance.importer import import_csv
from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.pagination import encode_key

from conftest import LiveServer
from worlds import World

FIRST = Path(__file__).resolve().parents[1] / "data" / "assistance" / "fagov_mexico_2024-06.csv"
LEDGER = "/api/v1/assistance/ledger"
PROGRAMMES = "/api/v1/assistance/programmes"
TOTALS = "/api/v1/assistance/totals"
PARTNER = "Rapiscan Systems, Inc."


def _load(world: World, text: str, markings: MarkingsIn, release: str) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name=f"{release}.csv",
            release=release,
            markings_in=markings,
        )


def _observe(client: httpx.Client) -> dict[str, tuple[int, str]]:
    """Everything mx.analyst can learn of assistance without naming a hidden row: lists and
    every page of them, totals by every filter, a missing programme, unit and cursor."""
    seen: dict[str, tuple[int, str]] = {}
    queries: list[tuple[str, dict[str, object]]] = [
        (PROGRAMMES, {}),
        (LEDGER, {}),
        (LEDGER, {"fiscal_year": 2020}),
        (LEDGER, {"partner": PARTNER}),
        (LEDGER, {"unit": "Unidad sin nombre"}),
        (LEDGER, {"programme": "0123456789abcdef"}),
        (LEDGER, {"cursor": encode_key("0123456789abcdef")}),
        (TOTALS, {}),
        (TOTALS, {"fiscal_year": 2020}),
        (TOTALS, {"partner": PARTNER}),
    ]
    for path, params in queries:
        cursor: str | None = None
        page = 0
        while True:
            query = {**params, "limit": 3} | ({"cursor": cursor} if cursor else {})
            answer = client.get(path, params=query)
            seen[f"{path} {params} {page}"] = (answer.status_code, answer.text)
            cursor = answer.json().get("next_cursor") if answer.status_code == 200 else None
            if not cursor:
                break
            page += 1
    return seen


def _hidden_rows(text: str, tag: str) -> str:
    """The fixture's rows as activities of their own (a source row of the same activity
    would be the visible row, re-marked by its importer), the partners renamed but for one,
    whose name a hidden row then shares with visible ones."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        row["Activity ID"] = f"HIDDEN-{tag}-{row['Activity ID']}"
        if row["Implementing Partner Name"] != PARTNER:
            row["Implementing Partner Name"] = f"Secret partner {tag}"
        writer.writerow(row)
    return out.getvalue()


def test_hidden_ledger_rows_change_nothing_a_mexican_reader_observes(
    fresh_world: World,
) -> None:
    text = FIRST.read_text("utf-8")
    _load(fresh_world, text, MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"]), "public")
    with LiveServer(fresh_world.store.settings) as server, server.client("mx.analyst") as reader:
        before = _observe(reader)
        assert '"total":11' in before[f"{LEDGER} {{}} 0"][1]
        hidden = [
            (MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["dea.agent1"]), "red"),
            (MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa"),
            (MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]), "amber"),
        ]
        for markings, tag in hidden:
            _load(
                fresh_world,
                _hidden_rows(text, tag),
                markings,
                tag,
            )
        after = _observe(reader)
        assert after == before
        with server.client("us.analyst") as writer:
            everything = writer.get(LEDGER, params={"limit": 200}).json()
        # Only the writer's own view changed: 11 public rows and 3 × 11 hidden ones (Mexico's).
        assert everything["total"] == 11 + 3 * 11
        secret = {r["id"] for r in everything["items"]} - {
            r["id"] for r in reader.get(LEDGER, params={"limit": 200}).json()["items"]
        }
        assert len(secret) == 33
        missing = reader.get(LEDGER, params={"cursor": encode_key("0123456789abcdef")})
        for row_id in list(secret)[:5]:
            ours = reader.get(LEDGER, params={"cursor": encode_key(row_id)})
            assert (ours.status_code, ours.text) == (missing.status_code, missing.text)
        with server.client("us.analyst") as writer:
            writer_programmes = writer.get(PROGRAMMES, params={"limit": 200}).json()["items"]
        programmes = {
            p["id"] for p in reader.get(PROGRAMMES, params={"limit": 200}).json()["items"]
        }
        for programme in writer_programmes:
            if programme["id"] in programmes:
                continue
            for path in (LEDGER, TOTALS):
                ours = reader.get(path, params={"programme": programme["id"]})
                theirs = reader.get(path, params={"programme": "0123456789abcdef"})
                assert (ours.status_code, ours.text) == (theirs.status_code, theirs.text)
