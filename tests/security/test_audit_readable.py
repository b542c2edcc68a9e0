"""The audit page reads as people read: account names, the reader's local time, actions and
outcomes in words, a summary per day, and pages of 25 rows with a way back.

Over HTTP on loopback against the seeded demo (the auditor is an FBI account: New York).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_datetime

from conftest import LiveServer

ROW = re.compile(r'<tr class="audit-row">(.*?)</tr>', re.S)


@pytest.fixture(scope="module")
def auditor(browser_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=browser_server.url, timeout=60) as client:
        form = client.get("/login").text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = hidden | {"username": "auditor", "password": "demo", "next": "/"}
        assert client.post("/login", data=data).status_code == 303
        yield client


def seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr class="audit-row">\s*<td class="nowrap">(\d+)<', page)]


def test_names_local_time_and_words(browser_server: LiveServer, auditor: httpx.Client) -> None:
    with browser_server.client("mx.analyst") as mx:
        mx.get("/api/v1/entities/per-0001").raise_for_status()
        # Refused, as other tests on this server may have been: their rows read in words too.
        assert mx.get("/api/v1/audit").status_code == 403
    page = auditor.get("/audit", params={"actor": "mx.analyst", "lang": "es"})
    assert page.status_code == 200
    rows = ROW.findall(page.text)
    assert rows
    assert all("Ana Lucía Méndez Ríos" in row for row in rows)  # the name, not only the id
    assert "Hora (Nueva York)" in page.text
    with browser_server.client("auditor") as api:
        newest = api.get("/api/v1/audit", params={"actor": "mx.analyst", "limit": 1}).json()
    row = newest["items"][0]
    at = datetime.fromisoformat(row["at"]).replace(tzinfo=UTC)
    local = format_datetime(at, "medium", tzinfo=ZoneInfo("America/New_York"), locale="es")
    assert local in page.text, local
    # The rows' text without their links and without the details, which quote what was
    # stored (a refusal's own message may well say "read").
    shown = re.sub(r"<details>.*?</details>", " ", " ".join(rows), flags=re.S)
    shown = re.sub(r"<[^>]+>", " ", shown)
    assert "audit_query" not in shown and " ok " not in shown and " read " not in shown
    assert "hecho" in shown and "Lectura" in shown  # outcome and action in words


def test_a_summary_per_local_day(auditor: httpx.Client) -> None:
    page = auditor.get("/audit", params={"lang": "en"}).text
    days = re.findall(r'<tr class="summary-row">(.*?)</tr>', page, re.S)
    assert len(days) == 7
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert today.strftime("%b %-d, %Y") in days[0]
    totals = [
        int(re.sub(r"\D", "", n)) for n in re.findall(r'<td class="num">([\d,]+)</td>', days[0])
    ]
    assert totals[0] >= 1  # today holds at least the rows of this test's own queries
    one_day = auditor.get("/audit", params={"since": "2001-01-01", "until": "2001-01-01"}).text
    assert len(re.findall(r'<tr class="summary-row">', one_day)) == 1
    assert "No audit row matches these filters." in one_day


def test_pages_of_25_with_a_way_back(auditor: httpx.Client) -> None:
    first = auditor.get("/audit").text
    page_one = seqs(first)
    assert len(page_one) == 25
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older
    second = auditor.get(older[1].replace("&amp;", "&")).text
    page_two = seqs(second)
    assert page_two and max(page_two) < min(page_one)
    newer = re.search(r'<a href="([^"]+)" rel="prev">', second)
    assert newer
    back = auditor.get(newer[1].replace("&amp;", "&")).text
    # Back to the 25 rows just newer than page two: page one as it was.
    assert seqs(back) == page_one
    assert len(first) < 200_000
