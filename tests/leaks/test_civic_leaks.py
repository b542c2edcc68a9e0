"""Civic submissions and what a reader may not see: submissions received by another agency
(TLP:AMBER+STRICT for it), and within the receiving agency the whole queue for an account
outside the civic-triage group, change nothing the reader observes of the queue, its
totals, filters, cursors, a submission, its download or an act on it."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from vinculo.civic import service
from vinculo.civic.client import Pulled
from vinculo.db import transaction
from vinculo.pagination import encode_key
from vinculo.security.schemas import UserCreate
from vinculo.security.service import create_user

from conftest import LiveServer
from worlds import World

QUEUE = "/api/v1/civic/submissions"
MISSING = "0123456789abcdef"
OUTCOME = {"text_en": "The officers were reassigned.", "text_es": "Los agentes fueron reasignados."}


def _pull(world: World, agency: str, tag: str, count: int) -> list[str]:
    """Store submissions as a pull of `agency`'s node would, each with an attachment."""
    pulled = [
        Pulled(
            id=n,
            payload={
                "kind": "report",
                "receipt": f"{tag.upper()}-{n:04d}-RCPT",
                "reply_key": "",
                "lang": "es",
                "category": "corruption" if n % 2 else "missing_person",
                "state": "SON",
                "municipality": "Nogales",
                "when": "2026-11-01",
                "what": f"Relato secreto {tag} {n}",
                "received_on": "2026-11-02",
                "attachments": [
                    {
                        "name": f"{tag}-{n}.pdf",
                        "content_type": "application/pdf",
                        "data": "JVBERg==",
                    }
                ],
            },
        )
        for n in range(count)
    ]
    with transaction(world.store.sessions) as session:
        return service.store_pulled(session, pulled=pulled, agency=agency)


def _observe(client: httpx.Client) -> dict[str, tuple[int, str]]:
    """Everything a reader can learn of the queue without naming a hidden submission: every
    page of every filter, a missing submission, download, act and cursor."""
    seen: dict[str, tuple[int, str]] = {}
    filters: list[dict[str, object]] = [
        {},
        {"status": "received"},
        {"status": "spam"},
        {"category": "corruption"},
        {"cursor": encode_key(MISSING)},
    ]
    for params in filters:
        cursor: str | None = None
        page = 0
        while True:
            query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
            answer = client.get(QUEUE, params=query)
            seen[f"{params} {page}"] = (answer.status_code, answer.text)
            cursor = answer.json().get("next_cursor") if answer.status_code == 200 else None
            if not cursor:
                break
            page += 1
    for path in ("", "/attachments/1"):
        answer = client.get(f"{QUEUE}/{MISSING}{path}")
        seen[path] = (answer.status_code, answer.text)
    answer = client.post(f"{QUEUE}/{MISSING}/spam", json={"spam": True})
    seen["spam"] = (answer.status_code, answer.text)
    answer = client.put(f"{QUEUE}/{MISSING}/outcome", json=OUTCOME)
    seen["outcome"] = (answer.status_code, answer.text)
    page = client.get("/civic/submissions?lang=es")
    seen["page"] = (page.status_code, page.text.split('name="csrf_token"')[0][-4000:])
    return seen


def _accounts(world: World) -> None:
    with transaction(world.store.sessions) as session:
        service.submission_markings(session, "FGR")
        for username, agency in (("fgr.triage", "FGR"), ("dea.triage", "DEA")):
            create_user(
                session=session,
                user_in=UserCreate(
                    username=username,
                    password="demo",
                    agency=agency,
                    roles=["triager", "analyst"],
                    groups=["civic-triage"],
                ),
                demo_password=True,
            )


def test_hidden_submissions_change_nothing_a_reader_observes(fresh_world: World) -> None:
    _accounts(fresh_world)
    mine = _pull(fresh_world, "FGR", "fgr", 5)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("fgr.triage") as triager,
        server.client("mx.analyst") as outsider,
        server.client("dea.triage") as other_agency,
    ):
        before = {name: _observe(c) for name, c in (("triager", triager), ("mx", outsider))}
        assert '"total":5' in before["triager"]["{} 0"][1]
        assert '"total":0' in before["mx"]["{} 0"][1]  # same agency, outside the group
        # Another agency's node would never hold these; stored here, they must change nothing.
        theirs = _pull(fresh_world, "DEA", "dea", 4)
        after = {name: _observe(c) for name, c in (("triager", triager), ("mx", outsider))}
        assert after == before
        # The DEA triager sees only DEA's; FGR's answer as missing ones, to reads and acts.
        listed = other_agency.get(QUEUE, params={"limit": 200}).json()
        assert {i["id"] for i in listed["items"]} == set(theirs) and listed["total"] == 4
        missing = other_agency.get(f"{QUEUE}/{MISSING}")
        missing_act = other_agency.post(f"{QUEUE}/{MISSING}/spam", json={"spam": True})
        missing_outcome = other_agency.put(f"{QUEUE}/{MISSING}/outcome", json=OUTCOME)
        assert missing_outcome.status_code == 404
        for submission_id in mine:
            ours = other_agency.get(f"{QUEUE}/{submission_id}")
            assert (ours.status_code, ours.text.replace(submission_id, MISSING)) == (
                missing.status_code,
                missing.text,
            )
            act = other_agency.post(f"{QUEUE}/{submission_id}/spam", json={"spam": True})
            assert (act.status_code, act.text) == (missing_act.status_code, missing_act.text)
            wrote = other_agency.put(f"{QUEUE}/{submission_id}/outcome", json=OUTCOME)
            assert (wrote.status_code, wrote.text) == (
                missing_outcome.status_code,
                missing_outcome.text,
            )
            cursor = other_agency.get(QUEUE, params={"cursor": encode_key(submission_id)})
            none = other_agency.get(QUEUE, params={"cursor": encode_key(MISSING)})
            assert (cursor.status_code, cursor.text) == (none.status_code, none.text)
        # Nothing of a reporter's receipt in any answer, even to the triager.
        whole = triager.get(QUEUE, params={"limit": 200}).text
        detail = triager.get(f"{QUEUE}/{mine[0]}").text
        assert "RCPT" not in whole + detail and "Relato secreto fgr" in detail


def test_an_outcome_of_a_hidden_submission_is_never_written_nor_published(
    fresh_world: World,
) -> None:
    """Another agency's triager can neither write nor read an outcome of FGR's submission;
    what `civic publish` takes holds only the outcome's words, category and month."""
    from vinculo.assistance.public import flag_items
    from vinculo.civic.models import CivicOutcome, CivicSubmission
    from vinculo.security.service import actor_for, get_by_username

    _accounts(fresh_world)
    _, mine = _pull(fresh_world, "FGR", "fgr", 2)  # the second is of corruption
    with transaction(fresh_world.store.sessions) as session:
        submission = session.execute(
            select(CivicSubmission).where(CivicSubmission.id == mine)
        ).scalar_one()
        submission.status = "closed"
    with LiveServer(fresh_world.store.settings) as server, server.client("dea.triage") as dea:
        refused = dea.put(f"{QUEUE}/{mine}/outcome", json=OUTCOME)
        assert refused.status_code == 404
    with transaction(fresh_world.store.sessions) as session:
        assert session.get(CivicOutcome, mine) is None
        user = get_by_username(session=session, username="fgr.triage")
        assert user is not None
        triager = actor_for(user)
        service.write_outcome(session=session, actor=triager, submission_id=mine, **OUTCOME)
        flag_items(session=session, actor=triager, kind="submission", item_ids=[mine])
    with transaction(fresh_world.store.sessions) as session:
        published = [o.model_dump() for o in service.public_outcomes(session=session)]
    assert published == [{"category": "corruption", "month": "2026-11", **OUTCOME}]
    assert mine not in repr(published) and "Nogales" not in repr(published)
