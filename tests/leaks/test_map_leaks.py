"""Noninterference for the map: what a reader may not see (another address of a subject they
see, a subject they may not see, a case they are not on) changes nothing of their map — not a
feature, not a count, not the banner — in the API and on the pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from map_world import add_hidden, build_map_world

from conftest import LiveServer, make_store
from worlds import build_world

# The one thing two pages to the same reader may differ by without being data.
_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"|content="[^"]*" name="csrf-token"')


def _answers(page: httpx.Client, api: httpx.Client, case_id: str) -> list[Any]:
    answers = [
        api.get("/api/v1/map"),
        api.get(f"/api/v1/cases/{case_id}/map"),
        page.get(f"/cases/{case_id}/map.json"),
        page.get("/map"),
        page.get(f"/cases/{case_id}/map"),
    ]
    for answer in answers:
        assert answer.status_code == 200, (answer.request.url, answer.text)
        assert "Calle Rosales 120" in answer.text  # what the reader sees is there
    return [a.json() for a in answers[:3]] + [_TOKEN.sub("", a.text) for a in answers[3:]]


def _sign_in(client: httpx.Client, username: str) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"username": username, "password": "demo"} | (
        {"csrf_token": token.group(1)} if token else {}
    )
    signed = client.post("/login", data=data)
    assert signed.status_code in (200, 303), signed.text


def test_hidden_addresses_and_subjects_change_nothing_on_the_map(tmp_path: Path) -> None:
    for store in make_store("sqlite", tmp_path, demo=True):
        made = build_map_world(build_world(store), hidden=False)
        with (
            LiveServer(store.settings) as server,
            server.client("mx.analyst") as api,
            httpx.Client(base_url=server.url) as page,
            server.client("us.analyst") as us,
        ):
            _sign_in(page, "mx.analyst")
            before = _answers(page, api, made.case_id)
            us_before = us.get(f"/api/v1/cases/{made.case_id}/map").json()["counts"]
            add_hidden(made)
            after = _answers(page, api, made.case_id)
            assert after == before
            # The hidden data is there: the U.S. reader's map grew.
            us_after = us.get(f"/api/v1/cases/{made.case_id}/map").json()["counts"]
            assert us_after["address"] == us_before["address"] + 2
