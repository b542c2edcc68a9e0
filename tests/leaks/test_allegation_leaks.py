"""Allegations and what a reader may not see, over real HTTP on both backends: a victim's and
a witness's details reach the human-rights monitors' group and no one else — not their text,
not their count, not whether there are any — while the rest of the allegation reaches every
reader its own markings allow; an allegation a reader may not see answers as a missing one."""

from __future__ import annotations

import json

import httpx
from monitors import add_monitors

from conftest import LiveServer
from worlds import World

PATH = "/api/v1/oversight/allegations"
VICTIM = "Guadalupe Herrera Montiel"
WITNESS = "Ignacio Salas Bravo"
DETAILS = "Domicilio en la colonia Centro"


def body(parties: bool, markings: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "summary_en": "Man tortured during interrogation at a military base",
        "summary_es": "Hombre torturado durante un interrogatorio en una base militar",
        "occurred_from": "2024-01-10",
        "occurred_to": "2024-01-12",
        "state": "Chihuahua",
        "municipality": "Ciudad Juárez",
        "violations": ["torture", "arbitrary_detention"],
        "sources": [{"description": "Medical report", "reliability": "A", "credibility": 1}],
        "parties": [
            {"role": "victim", "name": VICTIM, "details": DETAILS},
            {"role": "witness", "name": WITNESS},
        ]
        if parties
        else [],
        "markings": markings or {"tlp": "GREEN", "rel_to": ["USA", "MEX"]},
    }


def comparable(answer: httpx.Response) -> str:
    """The answer without what necessarily differs between two allegations: id and times."""
    found = answer.json()
    found.pop("id")
    found.pop("created_at")
    for step in found["history"]:
        step.pop("at")
    return json.dumps(found, sort_keys=True)


def observe(client: httpx.Client, ids: list[str]) -> list[tuple[int, str]]:
    """What a reader can learn of the allegations: each read, lists by every filter, pages."""
    seen = [(client.get(f"{PATH}/{i}").status_code, "") for i in ids]
    for params in ({}, {"violation": "torture"}, {"status": "reported"}, {"limit": 1}):
        answer = client.get(PATH, params=params)
        listing = answer.json()
        for item in listing["items"]:
            item.pop("id")
            item.pop("created_at")
        listing.pop("next_cursor")
        seen.append((answer.status_code, json.dumps(listing, sort_keys=True)))
    return seen


def test_victims_never_reach_an_account_outside_the_monitors_group(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.monitor") as monitor,
        server.client("us.monitor") as us_monitor,
        server.client("mx.analyst") as mx,
        server.client("us.analyst") as us,
        server.client("mx.auditor") as auditor,
    ):
        protected = monitor.post(PATH, json=body(True))
        assert protected.status_code == 201, protected.text
        bare = monitor.post(PATH, json=body(False))
        ids = [protected.json()["id"], bare.json()["id"]]
        # The monitors (of either nation) are shown the victim and the witness.
        for client in (monitor, us_monitor):
            shown = client.get(f"{PATH}/{ids[0]}").json()
            assert [p["name"] for p in shown["parties"]] == [VICTIM, WITNESS]
            assert shown["parties"][0]["details"] == DETAILS
        # Everyone else reads the allegation and nothing of them: the answer is the one of
        # an allegation that has no victims or witnesses at all, in either language.
        for client in (mx, us, auditor):
            for language in ("en", "es"):
                headers = {"Accept-Language": language}
                with_parties = client.get(f"{PATH}/{ids[0]}", headers=headers)
                without = client.get(f"{PATH}/{ids[1]}", headers=headers)
                assert with_parties.status_code == 200
                assert "tortured during interrogation" in with_parties.text
                for secret in (VICTIM, WITNESS, DETAILS, "victim", "witness", "víctima"):
                    assert secret not in with_parties.text
                assert comparable(with_parties) == comparable(without)
            listing = client.get(PATH, params={"limit": 200}).text
            for secret in (VICTIM, WITNESS, DETAILS):
                assert secret not in listing


def test_hidden_allegations_change_nothing_a_mexican_reader_observes(fresh_world: World) -> None:
    add_monitors(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.monitor") as monitor,
        server.client("us.monitor") as writer,
        server.client("mx.analyst") as reader,
    ):
        ids = [monitor.post(PATH, json=body(True)).json()["id"]]
        before = observe(reader, ids)
        hidden = [
            {"tlp": "GREEN", "rel_to": ["USA"]},
            {"tlp": "AMBER", "rel_to": ["USA", "MEX"]},
            {"tlp": "RED", "rel_to": ["USA", "MEX"], "recipients": ["dea.agent1"]},
        ]
        secret_ids = []
        for markings in hidden:
            made = writer.post(PATH, json=body(True, markings))
            assert made.status_code == 201, made.text
            secret_ids.append(made.json()["id"])
        assert observe(reader, ids) == before
        missing = reader.get(f"{PATH}/0123456789abcdef")
        refused = reader.post(f"{PATH}/0123456789abcdef/status", json={"status": "credible"})
        for secret in secret_ids:
            ours = reader.get(f"{PATH}/{secret}")
            assert ours.status_code == missing.status_code == 404
            assert ours.text == missing.text
            write = reader.post(f"{PATH}/{secret}/status", json={"status": "credible"})
            assert (write.status_code, write.text) == (refused.status_code, refused.text)
        assert writer.get(PATH).json()["total"] == 4
