"""GET /api/v1/assistance/{programmes,ledger,totals} over real HTTP, on both backends: lists,
filters, cursors and totals count only what the reader may see."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import httpx

from vinculo.assistance.importer import import_csv
from vinculo.db import transaction
from vinculo.intel.schemas import MarkingsIn
from vinculo.pagination import encode_key

from conftest import LiveServer
from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data" / "assistance"
FIRST = DATA / "fagov_mexico_2024-06.csv"


def load(world: World, text: str, markings: MarkingsIn, release: str = "2024-06") -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name="fa.csv",
            release=release,
            markings_in=markings,
        )


def usa_only_text() -> str:
    """The fixture's INCLE judicial activity under another id: rows for U.S. readers only."""
    lines = FIRST.read_text("utf-8").splitlines(keepends=True)
    kept = [lines[0], *[line for line in lines[1:] if "19-INL-MX-0101" in line]]
    return (
        "".join(kept)
        .replace("19-INL-MX-0101", "19-INL-MX-9999")
        .replace("Mérida: Judicial sector reform", "Restricted: vetted unit support")
    )


def walk(client: httpx.Client, path: str, **params: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    cursor = None
    while True:
        answer = client.get(
            path, params={**params, "limit": 4, **({"cursor": cursor} if cursor else {})}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return found


def test_lists_filters_and_totals_count_only_what_the_reader_may_see(
    fresh_world: World,
) -> None:
    load(fresh_world, FIRST.read_text("utf-8"), MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"]))
    load(fresh_world, usa_only_text(), MarkingsIn(tlp="GREEN", rel_to=["USA"]), "usa-1")
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.analyst") as mexican,
        server.client("us.analyst") as american,
        httpx.Client(base_url=server.url, timeout=30) as nobody,
    ):
        assert nobody.get("/api/v1/assistance/ledger").status_code == 401
        programmes = mexican.get("/api/v1/assistance/programmes", params={"limit": 200}).json()
        assert programmes["total"] == 5
        assert "Restricted" not in str(programmes)
        judicial = next(
            p for p in programmes["items"] if p["account"] == "INCLE" and p["sector"] == "15130"
        )
        assert judicial["account_label"].startswith("International Narcotics")
        us_total = american.get("/api/v1/assistance/programmes").json()["total"]
        assert us_total == 6
        rows = walk(mexican, "/api/v1/assistance/ledger")
        assert len(rows) == 11 == mexican.get("/api/v1/assistance/ledger").json()["total"]
        assert len({r["id"] for r in rows}) == 11
        assert len(walk(american, "/api/v1/assistance/ledger")) == 14
        # A cursor naming a row the reader may not see answers as one naming nothing.
        hidden = {r["id"] for r in walk(american, "/api/v1/assistance/ledger")} - {
            r["id"] for r in rows
        }
        ours = mexican.get("/api/v1/assistance/ledger", params={"cursor": encode_key(hidden.pop())})
        theirs = mexican.get("/api/v1/assistance/ledger", params={"cursor": encode_key("f" * 16)})
        assert ours.status_code == theirs.status_code == 422
        assert ours.text == theirs.text
        fy2021 = walk(mexican, "/api/v1/assistance/ledger", fiscal_year=2021)
        assert {r["fiscal_year"] for r in fy2021} == {2021} and len(fy2021) == 4
        by_partner = walk(mexican, "/api/v1/assistance/ledger", partner="Rapiscan Systems, Inc.")
        assert len(by_partner) == 2
        by_programme = walk(mexican, "/api/v1/assistance/ledger", programme=judicial["id"])
        assert len(by_programme) == 3 and {r["programme_id"] for r in by_programme} == {
            judicial["id"]
        }
        totals = mexican.get("/api/v1/assistance/totals").json()["items"]
        fy2020 = {t["type"]: t for t in totals if t["fiscal_year"] == 2020}
        assert Decimal(fy2020["3"]["usd"]) == Decimal("5100000.50")
        assert fy2020["3"]["count"] == 2 and fy2020["3"]["type_label"] == "Disbursement"
        spanish = mexican.get(
            "/api/v1/assistance/totals",
            params={"fiscal_year": 2020},
            headers={"Accept-Language": "es"},
        ).json()["items"]
        assert {t["fiscal_year"] for t in spanish} == {2020}
        assert {t["type"]: t["type_label"] for t in spanish}["3"] == "Desembolso"
        us_totals = american.get("/api/v1/assistance/totals", params={"fiscal_year": 2020}).json()
        us_2020 = {t["type"]: t for t in us_totals["items"]}
        assert Decimal(us_2020["3"]["usd"]) == Decimal("6300001.00")
        assert (
            mexican.get("/api/v1/assistance/ledger", params={"fiscal_year": "x"}).status_code == 422
        )
