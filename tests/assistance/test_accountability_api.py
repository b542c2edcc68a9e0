"""GET /api/v1/assistance/accountability over real HTTP, on both backends: the question
answered per reader, filters, bad input named in the caller's language."""

from __future__ import annotations

from decimal import Decimal

from accountability_world import HIDDEN_USD, RECEIVED_2024, UNIT_ID, VICTIM, build_accountable

from conftest import LiveServer
from worlds import World

PATH = "/api/v1/assistance/accountability"


def test_the_question_over_http(fresh_world: World) -> None:
    made = build_accountable(fresh_world)
    with LiveServer(fresh_world.store.settings) as server:
        with server.client("mx.analyst") as mx, server.client("us.analyst") as us:
            answer = mx.get(PATH, params={"unit": UNIT_ID, "fy": 2024})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert Decimal(body["received_usd"]) == RECEIVED_2024
            assert body["allegations"] == 2
            assert body["vetting_status"] == "suspended"
            assert [y["fiscal_year"] for y in body["years"]] == [2024]
            assert body["banner"] == "TLP:GREEN // REL TO MEX, USA"
            assert VICTIM not in answer.text
            theirs = us.get(PATH, params={"unit": UNIT_ID, "fy": 2024}).json()
            assert Decimal(theirs["received_usd"]) == RECEIVED_2024 + HIDDEN_USD
            assert theirs["allegations"] == 3
            # A programme the reader may not see answers as one that does not exist.
            hidden = mx.get(PATH, params={"programme": made.hidden_programme}).json()
            missing = mx.get(PATH, params={"programme": "0123456789abcdef"}).json()
            hidden.pop("programme"), missing.pop("programme")
            assert hidden == missing
            # In Spanish: the labels of the reader's language.
            es = mx.get(
                PATH, params={"unit": UNIT_ID, "fy": 2024}, headers={"Accept-Language": "es"}
            ).json()
            assert es["vetting_status_label"] == "suspendido"
            # Bad input: 422 naming the field.
            bad = mx.get(PATH, params={"fy": "last year"})
            assert bad.status_code == 422
            assert "fy" in bad.text
        with server.client() as anonymous:
            assert anonymous.get(PATH).status_code == 401
