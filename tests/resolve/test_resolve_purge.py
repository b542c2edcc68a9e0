"""A purge after a merge, over real HTTP on both backends: what a reader sees of resolution
afterwards depends only on statements they may see (MARKINGS.md: "as if it did not exist").

Two stores are built by the same steps and differ in one thing: in the second, FGR also holds
an AMBER statement on the purged report's entity, which the U.S. reader may not see. The same
runs, decisions and purge follow in both; the reader's queue, merged and rejected lists and
pair pages (API and HTML) must then be identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from followthemoney.statement import StatementEntity
from sqlalchemy import select, update
from test_resolve_store import SHARED, USA_ONLY, _file, person

from vinculo.db import transaction
from vinculo.intel.models import Report
from vinculo.intel.schemas import MarkingsIn
from vinculo.resolve import service
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from conftest import BACKENDS, LiveServer, Store, make_store
from worlds import World, build_world

READER = "us.analyst"
# FGR's own AMBER: neither shared with DEA nor readable by a U.S. account.
FGR_ONLY = MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"])

SCORES = {
    ("q-kept", "q-purged"): 0.70,  # the reader accepts it: merged on the purged statement
    ("q-other", "q-purged"): 0.70,  # left in the queue, judged on the purged statement
    ("q-kept", "q-other"): 0.70,  # the reader rejects it: untouched by the purge
    ("q-kept", "q-third"): 0.98,  # the engine's merge: untouched by the purge
}
KEPT = [
    person("q-kept", "WALTER QUINN"),
    person("q-other", "Walt Quinn"),
    person("q-third", "W. QUINN"),
]


def _scorer(entities: Sequence[StatementEntity]) -> list[service.ScoredPair]:
    ids = {str(e.id) for e in entities}
    return [
        service.ScoredPair(a, b, s, [{"feature": "name", "outcome": "agree", "weight": 2.0}])
        for (a, b), s in SCORES.items()
        if a in ids and b in ids
    ]


@contextmanager
def _served(backend: str, directory: Path, *, hidden: bool) -> Iterator[tuple[str, str]]:
    """A world with the purged report, the kept one and (if `hidden`) FGR's statement,
    resolved by the reader and by FGR alike, served; yields its address and the report to
    purge."""
    directory.mkdir()
    for store in make_store(backend, directory, demo=True):
        world = _world(store)
        _file(world, "dea.agent1", [person("q-purged", "Walter Quinn")], SHARED)
        report_id = _newest_report_made_due(store)
        _file(world, "dea.agent1", KEPT, SHARED)
        if hidden:
            _file(world, "fgr.mp1", [person("q-purged", "Walter Quinn Ortega")], FGR_ONLY)
        # The same runs in both stores; only FGR's in the second sees a wider view.
        for who in (READER, "fgr.mp1"):
            with transaction(store.sessions) as session:
                service.run(session=session, actor=world.actors[who], scorer=_scorer)
        with LiveServer(store.settings) as server:
            yield server.url, report_id


def _world(store: Store) -> World:
    """The shared world, and a DEA supervisor who may purge."""
    world = build_world(store)
    with transaction(store.sessions) as session:
        create_user(
            session=session,
            user_in=UserCreate(
                username="us.supervisor",
                password="demo",
                agency="DEA",
                roles=["supervisor", "analyst"],
            ),
            demo_password=True,
        )
    return world


def _newest_report_made_due(store: Store) -> str:
    """The report filed last, due for review so that a supervisor may purge it."""
    with transaction(store.sessions) as session:
        report_id = session.scalars(select(Report.id).order_by(Report.seq.desc()).limit(1)).one()
        session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(review_by=date.today() - timedelta(days=1))
        )
    return report_id


def _sign_in(client: httpx.Client, username: str) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    data = {"username": username, "password": "demo", "next": "/", "csrf_token": found[1]}
    assert client.post("/login", data=data).status_code == 303


def _token(url: str, username: str) -> dict[str, str]:
    answer = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": "demo"})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


# What differs between two stores whatever they hold: per-session tokens and clock times.
_VOLATILE = [
    (re.compile(r'name="csrf_token" value="[^"]+"'), 'name="csrf_token" value=""'),
    (re.compile(r'content="[A-Za-z0-9_\-.]{20,}"'), 'content=""'),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?"), "<time>"),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


_REPORT_LINK = re.compile(r"/reports/([0-9a-f]{8,})")


def _stable(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    # Report ids are drawn at random in each store: numbered in order of first appearance,
    # so the same report still reads as the same one.
    numbers: dict[str, int] = {}
    return _REPORT_LINK.sub(
        lambda m: f"/reports/<{numbers.setdefault(m.group(1), len(numbers))}>", text
    )


def _seen(
    url: str, pair_ids: list[int], reader: str = READER, names: dict[int, str] | None = None
) -> dict[str, Any]:
    """Everything the reader sees of resolution: each list and each pair, API and page; with
    `names`, pair ids (random in each store) read as the names given."""
    seen: dict[str, Any] = {}
    with (
        httpx.Client(base_url=url, timeout=30, headers=_token(url, reader)) as api,
        httpx.Client(base_url=url, timeout=30) as browser,
    ):
        _sign_in(browser, reader)
        for show in ("queue", "merged", "rejected"):
            listed = api.get("/api/v1/resolve/queue", params={"show": show})
            assert listed.status_code == 200, listed.text
            seen[f"api {show}"] = listed.json()
            seen[f"page {show}"] = _stable(browser.get("/resolve", params={"show": show}).text)
        for pair_id in pair_ids:
            answer = api.get(f"/api/v1/resolve/pairs/{pair_id}")
            seen[f"api pair {pair_id}"] = (answer.status_code, _stable(answer.text))
            page = browser.get(f"/resolve/pairs/{pair_id}")
            seen[f"page pair {pair_id}"] = (page.status_code, _stable(page.text))
    return dict(_named(seen, names)) if names else seen


def _named(value: Any, names: dict[int, str]) -> Any:
    """`value` with each pair id in `names` (a number, or in a text) replaced by its name."""
    if isinstance(value, dict):
        return {_named(k, names): _named(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_named(v, names) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and value in names:
        return names[value]
    if isinstance(value, str):
        for pair_id, name in names.items():
            value = re.sub(rf"(?<![0-9A-Za-z]){pair_id}(?![0-9A-Za-z])", name, value)
    return value


def _ids(seen: dict[str, Any], show: str) -> dict[tuple[str, str], int]:
    return {(i["left_id"], i["right_id"]): i["id"] for i in seen[f"api {show}"]["items"]}


def _purge(url: str, report_id: str) -> None:
    with httpx.Client(base_url=url, timeout=30, headers=_token(url, "us.supervisor")) as boss:
        purged = boss.delete(f"/api/v1/reports/{report_id}", params={"reason": "Not re-validated."})
        assert purged.status_code == 200, purged.text


def _merge_and_purge(url: str, report_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reader accepts one pair and rejects another; the supervisor purges the report.
    Returns what the reader saw before and after the purge."""
    first = _seen(url, [])
    queued = _ids(first, "queue")
    every = {k: v for show in ("queue", "merged", "rejected") for k, v in _ids(first, show).items()}
    with httpx.Client(base_url=url, timeout=30, headers=_token(url, READER)) as api:
        for key, judgement in [
            (("q-kept", "q-purged"), "match"),
            (("q-kept", "q-other"), "no_match"),
        ]:
            decided = api.post(
                f"/api/v1/resolve/pairs/{queued[key]}/decision",
                json={"judgement": judgement, "reason": "Compared the ledgers side by side."},
            )
            assert decided.status_code == 200, decided.text
    # Pair ids are random in each store: named by their two entities, so the stores compare.
    pair_ids = [queued[key] for key in sorted(queued)]
    names = {every[key]: "pair:" + "~".join(key) for key in every}
    before = _seen(url, pair_ids, names=names)
    _purge(url, report_id)
    return before, _seen(url, pair_ids, names=names)


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_a_merge_and_a_purge_a_hidden_statement_changes_nothing_the_reader_sees(
    backend: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        plain, plain_report = stack.enter_context(
            _served(backend, tmp_path / "plain", hidden=False)
        )
        hidden, hidden_report = stack.enter_context(
            _served(backend, tmp_path / "hidden", hidden=True)
        )
        plain_before, plain_after = _merge_and_purge(plain, plain_report)
        hidden_before, hidden_after = _merge_and_purge(hidden, hidden_report)
    # Nothing the reader saw told the stores apart before the purge, nor does anything after.
    assert hidden_before == plain_before
    assert hidden_after == plain_after
    # Every judgement made on the purged statement went; the others stayed as decided.
    assert list(_ids(plain_after, "merged")) == [("q-kept", "q-third")]
    assert list(_ids(plain_after, "rejected")) == [("q-kept", "q-other")]
    assert list(_ids(plain_after, "queue")) == []
    gone = _ids(plain_before, "merged")[("q-kept", "q-purged")]
    assert plain_after[f"api pair {gone}"][0] == plain_after[f"page pair {gone}"][0] == 404


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_purge_of_a_statement_the_reader_may_not_see_changes_nothing_they_see(
    backend: str, tmp_path: Path
) -> None:
    """A U.S.-only report on an entity a Mexican reader also knows from a shared one is
    purged: the U.S. views of its pairs go, the reader's merge and queue stay as they were."""
    reader = "mx.analyst"
    for store in make_store(backend, tmp_path, demo=True):
        world = _world(store)
        _file(world, "dea.agent1", [*KEPT, person("q-purged", "Walter Quinn")], SHARED)
        _file(world, "dea.agent1", [person("q-kept", "WALTER QUINN", alias=["Güero"])], USA_ONLY)
        report_id = _newest_report_made_due(store)
        for who in (reader, READER):
            with transaction(store.sessions) as session:
                service.run(session=session, actor=world.actors[who], scorer=_scorer)
        with LiveServer(store.settings) as server:
            listed = _seen(server.url, [], reader)
            pair_ids = sorted(
                i["id"] for show in ("queue", "merged") for i in listed[f"api {show}"]["items"]
            )
            us_before = _seen(server.url, [], READER)
            us_ids = [
                i
                for show in ("queue", "merged")
                for k, i in _ids(us_before, show).items()
                if "q-kept" in k
            ]
            before = _seen(server.url, pair_ids, reader)
            _purge(server.url, report_id)
            after = _seen(server.url, pair_ids, reader)
            us_after = _seen(server.url, us_ids, READER)
    assert list(_ids(before, "merged")) == [("q-kept", "q-third")]
    assert after == before
    # The U.S. reader's views of q-kept were judged on the purged statement and went; the
    # Mexican reader's rows are theirs alone, so the U.S. reader has no pair of q-kept until
    # their next run judges what is left.
    for show in ("queue", "merged", "rejected"):
        assert not [k for k in _ids(us_after, show) if "q-kept" in k]
    assert len(us_ids) == 3
    assert {us_after[f"{kind} pair {i}"][0] for kind in ("api", "page") for i in us_ids} == {404}
