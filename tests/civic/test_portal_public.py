"""The rest of the transparency portal, on both backends against a real public process:
reports from the public counted by category, state and month only when a triager flagged
them (spam refused, a submission the flagger may not see refused as a missing one), small
cells and their complements hidden on the page, in the map's data and in the CSV; the IATI
file of the programmes flagged public, with only their flagged ledger rows, valid against
the IATI 2.03 schema; nothing unflagged on the public site."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import lxml.etree
import pytest
from public_site import TOKEN, PublicSite, start_site
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_portal import _document, aggregates, cell_texts, publish, store_bytes

from vinculo.assistance import codes
from vinculo.assistance.iati import year_sums
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.public import flag_items, public_aggregates
from vinculo.civic import client, service
from vinculo.civic.models import CivicSubmission
from vinculo.civic.portal import PortalDocument, build_document
from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.security.policy import marking_id_for
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from conftest import LiveServer
from worlds import World, cheap_demo_hash

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "iati" / "iati-activities-schema.xsd"
FLAGS = "/api/v1/assistance/public-flags"
WORDS = "Palabras del denunciante que nunca se publican"
# category, state, month received, how many: flagged ones, then the rest.
FLAGGED = [
    ("corruption", "SON", "2026-11-03", 7),
    ("corruption", "SON", "2026-10-03", 6),
    ("missing_persons", "SON", "2026-11-21", 5),
    ("missing_persons", "SON", "2026-10-21", 8),
    ("corruption", "CHH", "2026-11-10", 2),  # under five: hidden, and what would reveal it
    ("corruption", "CHH", "2026-10-10", 6),
    ("missing_persons", "CHH", "2026-11-02", 6),
    ("missing_persons", "CHH", "2026-10-02", 7),
]
UNFLAGGED = [("crime", "JAL", "2026-09-15", 9)]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PublicSite]:
    yield from start_site(tmp_path)


def _accounts(world: World) -> dict[str, Actor]:
    """A triager of the receiving agency in the triage group, and a supervisor of it who is not
    in the group (may publish, may not see a submission)."""
    made = {}
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(world.store.sessions) as session,
    ):
        service.submission_markings(session, "FGR")
        for username, roles, groups in (
            ("fgr.triager", ["triager"], ["civic-triage"]),
            ("fgr.super", ["supervisor"], []),
        ):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency="FGR", roles=roles, groups=groups
                ),
                demo_password=True,
            )
            made[username] = actor_for(user)
    return made


def _submissions(world: World) -> dict[str, list[str]]:
    """Submissions as a pull stores them: the flagged kinds, the rest and one spam."""
    made: dict[str, list[str]] = defaultdict(list)
    with transaction(world.store.sessions) as session:
        marking = marking_id_for(
            session=session, markings=service.submission_markings(session, "FGR")
        )
        for group, rows in (("flag", FLAGGED), ("rest", UNFLAGGED)):
            for category, state, received, count in rows:
                for _ in range(count):
                    made[group].append(_add(session, marking, category, state, received))
        made["spam"].append(_add(session, marking, "other", "YUC", "2026-11-20", spam=True))
    return made


def _add(
    session: Session, marking: int, category: str, state: str, received: str, spam: bool = False
) -> str:
    sid = secrets.token_hex(8)
    session.add(
        CivicSubmission(
            spam=spam,
            id=sid,
            digest=secrets.token_hex(32),
            receipt=secrets.token_hex(16),
            reply_key=secrets.token_hex(16),
            lang="es",
            category=category,
            state=state,
            municipality="",
            occurred_on=received,
            what=f"{WORDS} {sid}",
            received_on=received,
            marking_id=marking,
        )
    )
    return sid


def _more_disbursements(world: World, count: int = 6) -> None:
    """`count` disbursements of FY2020 to the fixture's first activity, so that it has a
    fiscal year and type with enough rows for the public IATI file to sum."""
    lines = aggregates.DATA.read_text("utf-8").splitlines()
    header, first = lines[0], next(csv.DictReader(io.StringIO("\n".join(lines[:2]))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=next(csv.reader([header])))
    writer.writeheader()
    for day in range(1, count + 1):
        writer.writerow(
            {
                **first,
                "Transaction Type ID": "3",
                "Transaction Type Name": "Disbursements",
                "Fiscal Year": "2020",
                "Transaction Date": f"2020-01-{day:02d}",
                "Current Dollar Amount": f"{100000 + day}.00",
            }
        )
    with transaction(world.store.sessions) as session:
        aggregates.import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(out.getvalue()),
            file_name="more.csv",
            release="2024-06",
            markings_in=aggregates.BOTH,
        )


def _programmes(world: World) -> tuple[str, list[str], list[str], str]:
    """The programme with most ledger rows flagged public with all its rows but one; the
    rows flagged, the one left out, and another programme's name (not flagged)."""
    with transaction(world.store.sessions) as session:
        rows: dict[str, list[LedgerTransaction]] = defaultdict(list)
        for row in session.execute(
            select(LedgerTransaction).order_by(LedgerTransaction.seq)
        ).scalars():
            rows[row.programme_id].append(row)
        chosen = max(rows, key=lambda p: len(rows[p]))
        spent = [r for r in rows[chosen] if r.type != codes.APPROPRIATION]
        left_out = spent[-1].id
        flagged = [r.id for r in rows[chosen] if r.id != left_out]
        other = next(
            p
            for p in session.execute(select(Programme).where(Programme.id != chosen)).scalars()
            if len(p.name_en) > 8
        )
        actor = world.actors["us.super"]
        flag_items(session=session, actor=actor, kind="programme", item_ids=[chosen])
        flag_items(session=session, actor=actor, kind="ledger", item_ids=flagged)
        return chosen, flagged, [left_out], other.name_en


def test_submissions_and_iati_on_the_portal(fresh_world: World, site: PublicSite) -> None:
    aggregates._setup(fresh_world)
    actors = _accounts(fresh_world)
    made = _submissions(fresh_world)
    with LiveServer(fresh_world.store.settings) as server:
        with server.client("fgr.triager") as api:
            # Spam is not a report: refused, named, nothing flagged.
            spam = api.post(FLAGS, json={"kind": "submission", "item_ids": made["spam"]})
            assert spam.status_code == 422 and "spam" in spam.text
            refused = api.post(
                FLAGS, json={"kind": "ledger", "item_ids": ["x"]}
            )  # a triager flags submissions only
            assert refused.status_code == 403
            done = api.post(FLAGS, json={"kind": "submission", "item_ids": made["flag"]})
            assert done.status_code == 200, done.text
            assert done.json() == {"kind": "submission", "items": 47, "public": True}
        with server.client("fgr.super") as api:
            # Not in the triage group: a submission answers as a missing one.
            ours = api.post(FLAGS, json={"kind": "submission", "item_ids": made["rest"][:1]})
            theirs = api.post(FLAGS, json={"kind": "submission", "item_ids": ["none-such"]})
            assert ours.status_code == 404
            assert (ours.status_code, ours.text) == (theirs.status_code, theirs.text)
    _more_disbursements(fresh_world)
    _chosen, flagged_rows, left_out, other_name = _programmes(fresh_world)
    del actors

    assert publish(fresh_world, site).returncode == 0
    with transaction(fresh_world.store.sessions) as session:
        expected = build_document(session=session, today=date.today())
    table = expected.table("submissions")
    son = table.cell("*", "SON", "*")
    assert son is not None and son.count == 26
    chh = table.cell("*", "CHH", "*")
    assert chh is not None and chh.count == 21
    # Two corruption reports in Chihuahua in November: hidden, and with them enough of the
    # other figures by category that no total gives them away; states and months stay.
    small = table.cell("corruption", "CHH", "2026-11")
    assert small is not None and small.count is None
    assert table.cell("*", "*", "2026-11").count == 20  # type: ignore[union-attr]
    assert table.cell("*", "*", "*").count == 47  # type: ignore[union-attr]
    assert all(c.key[1] != "JAL" and c.key[0] != "crime" for c in table.cells)
    assert all(c.key[1] != "YUC" for c in table.cells)

    with site.client() as http:
        pages = {lang: http.get(f"/portal?lang={lang}").text for lang in ("en", "es")}
        downloaded = http.get("/portal/data/submissions.csv")
        iati = http.get("/portal/data/iati.xml")
        whole = http.get("/portal/data/portal.json")
    for lang, state, month, category in (
        ("en", "Sonora", "November 2026", "Corruption"),
        ("es", "Sonora", "noviembre de 2026", "Corrupción"),
    ):
        page = pages[lang]
        states = cell_texts(page, "submissions-states-table")
        assert states[state] == ["26"] and states["Chihuahua"] == ["21"]
        assert "Jalisco" not in states and "Yucatán" not in states
        months = cell_texts(page, "submissions-table")
        assert category in page
        # November by category: hidden ("—"), the month's total shown.
        assert months[month] == ["—", "—", "20"]
        # The map's data: a state's figure as its table row shows it, hidden ones null.
        data = json.loads(
            re.search(r'id="portal-map-data">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
        )
        assert data["states"]["SON"]["count"] == 26 and data["states"]["JAL"]["count"] == 0
        assert len(data["states"]) == 32
        assert 'href="/portal/data/iati.xml"' in page
    rows = list(csv.DictReader(io.StringIO(downloaded.text)))
    assert len(rows) == len(table.cells)
    hidden = [r for r in rows if r["suppressed"] == "yes"]
    assert hidden and all(r["count"] == "" for r in hidden)
    assert {"category": "corruption", "state": "CHH", "month": "2026-11", "count": ""}.items() <= (
        next(
            r
            for r in rows
            if [r["category"], r["state"], r["month"]] == ["corruption", "CHH", "2026-11"]
        ).items()
    )

    # The IATI file: valid, the flagged programme alone, its flagged rows alone.
    assert iati.status_code == 200 and iati.headers["content-type"].startswith("application/xml")
    document = lxml.etree.fromstring(iati.content)
    lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMA))).assertValid(document)
    activities = document.findall("iati-activity")
    assert len(activities) == 1
    # Money by fiscal year and type from the flagged rows alone, none from fewer than five,
    # no row listed on its own and no recipient named.
    with transaction(fresh_world.store.sessions) as session:
        flagged = list(
            session.execute(
                select(LedgerTransaction).where(LedgerTransaction.id.in_(flagged_rows))
            ).scalars()
        )
    sums = year_sums(_chosen, flagged, date.today())
    spent = {s.id: s.usd for s in sums if s.type != codes.APPROPRIATION}
    shown = {t.get("ref"): Decimal(t.findtext("value") or "") for t in document.iter("transaction")}
    assert shown and shown == spent
    assert not set(shown) & (set(flagged_rows) | set(left_out))
    assert document.find("iati-activity/transaction/receiver-org") is None
    assert other_name.encode() not in iati.content
    assert document.find("iati-activity/result") is None
    assert "iati" not in whole.json()

    # The public store: no word of a report, no id of one, nothing of what was not flagged.
    held = store_bytes(site)
    for secret in [WORDS, *made["flag"], *made["rest"], *made["spam"], other_name, "fgr.triager"]:
        assert secret.encode() not in held, secret


def test_withdrawn_submissions_leave_the_portal(fresh_world: World, site: PublicSite) -> None:
    aggregates._setup(fresh_world)
    actors = _accounts(fresh_world)
    made = _submissions(fresh_world)
    with transaction(fresh_world.store.sessions) as session:
        flag_items(
            session=session, actor=actors["fgr.triager"], kind="submission", item_ids=made["flag"]
        )
        flag_items(
            session=session,
            actor=actors["fgr.triager"],
            kind="submission",
            item_ids=made["flag"],
            public=False,
        )
    assert publish(fresh_world, site).returncode == 0
    with site.client() as http:
        page = http.get("/portal?lang=en").text
        assert http.get("/portal/data/iati.xml").status_code == 404  # no programme flagged
    states = cell_texts(page, "submissions-states-table")
    assert states == {"Total": ["0"]}
    assert 'href="/portal/data/iati.xml"' not in page


def test_a_document_of_before_and_a_bad_iati_file(site: PublicSite) -> None:
    # A document without the submissions table (pushed before it existed) still shows.
    client.push_portal(
        url=site.url, token=TOKEN, document=PortalDocument.model_validate(_document())
    )
    with site.client() as http:
        page = http.get("/portal?lang=es")
        assert page.status_code == 200 and "submissions-states-table" not in page.text
        assert http.get("/portal/data/submissions.csv").status_code == 404
        assert http.get("/portal/data/iati.xml").status_code == 404
    good = '<iati-activities version="2.03" generated-datetime="2026-12-01T00:00:00Z"/>'
    assert PortalDocument.model_validate(_document(iati=good)).iati == good
    for bad, reason in (
        ('<!DOCTYPE x [<!ENTITY a "b">]><iati-activities version="2.03"/>', "document type"),
        ('<iati-organisations version="2.03"/>', "root"),
        ('<iati-activities version="2.01"/>', "root"),
        ("<iati-activities", "well-formed"),
    ):
        with pytest.raises(ValidationError, match=reason):
            PortalDocument.model_validate(_document(iati=bad))
    with site.client() as http:
        answer = http.put(
            "/intake/v1/portal",
            content=json.dumps(_document(iati="<x/>")),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code == 422 and "iati" in answer.text
        # The document before stays.
        assert http.get("/portal/data/money.csv").status_code == 200


def test_the_reports_section_in_spanish_has_no_english(site: PublicSite) -> None:
    from test_portal import _spanish_checker
    from test_portal_map_browser import submissions_table

    body = _document(iati='<iati-activities version="2.03"/>')
    body["tables"].append(submissions_table())
    client.push_portal(url=site.url, token=TOKEN, document=PortalDocument.model_validate(body))
    checker = _spanish_checker()
    with site.client() as http:
        spanish = http.get("/portal?lang=es").text
        english = http.get("/portal?lang=en").text
    assert 'id="submissions-states-table"' in spanish and "Reportes ciudadanos" in spanish
    parsed = checker.ReadableText()
    parsed.feed(spanish)
    assert checker.problems_in(parsed.text) == []
    seen = checker.ReadableText()
    seen.feed(english)
    assert checker.problems_in(seen.text, words_only=True)
    # The map's words come in the page's language too.
    found = re.search(r'id="portal-map-data">(.*?)</script>', spanish, re.S)
    assert found and json.loads(found.group(1))["strings"]["reports"] == "Número de reportes"
    assert "noviembre de 2026" in spanish and "Delito" in spanish


def test_the_submission_page_counts_it_in_the_portal(fresh_world: World) -> None:
    from accountability_world import page_client

    aggregates._setup(fresh_world)
    _accounts(fresh_world)
    made = _submissions(fresh_world)
    first, spam = made["flag"][0], made["spam"][0]
    with (
        LiveServer(fresh_world.store.settings) as server,
        page_client(server, "fgr.triager") as page,
    ):
        shown = page.get(f"/civic/submissions/{first}?lang=es")
        assert shown.status_code == 200
        assert "Contarlo en el portal" in shown.text and "No se cuenta en el portal" in shown.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
        assert token
        done = page.post(
            f"/civic/submissions/{first}/public", data={"csrf_token": token[1], "public": "yes"}
        )
        assert done.status_code == 303
        after = page.get(f"/civic/submissions/{first}?lang=en").text
        assert "Counted in the portal" in after and "Stop counting it in the portal" in after
        # Spam: no control on its page, and the form refused with the reason, nothing flagged.
        assert 'id="civic-public"' not in page.get(f"/civic/submissions/{spam}").text
        refused = page.post(
            f"/civic/submissions/{spam}/public", data={"csrf_token": token[1], "public": "yes"}
        )
        assert refused.status_code == 422
        assert (
            "is marked as spam: it cannot count in the public tables" in refused.text
            or "marcado como correo basura: no puede contarse" in refused.text
        )
        withdrawn = page.post(
            f"/civic/submissions/{first}/public", data={"csrf_token": token[1], "public": "no"}
        )
        assert withdrawn.status_code == 303
    with transaction(fresh_world.store.sessions) as session:
        table = public_aggregates(session=session).tables[-1]
        assert table.name == "submissions"
        assert [(c.key, c.count) for c in table.cells] == [(["*", "*", "*"], 0)]
        actions = [
            json.loads(r.detail)["public"]
            for r in session.execute(
                select(AuditRow).where(AuditRow.kind == "public_flag").order_by(AuditRow.seq)
            ).scalars()
        ]
        assert actions == [True, False]  # each act audited; the refused one changed nothing


def test_a_submission_marked_spam_after_it_was_flagged_stops_counting(
    fresh_world: World,
) -> None:
    actors = _accounts(fresh_world)
    made = _submissions(fresh_world)
    triager = actors["fgr.triager"]
    with transaction(fresh_world.store.sessions) as session:
        flag_items(session=session, actor=triager, kind="submission", item_ids=made["flag"])
        first = session.scalars(
            select(CivicSubmission).where(CivicSubmission.id == made["flag"][0])
        ).one()
        first.spam = True
    with transaction(fresh_world.store.sessions) as session:
        table = public_aggregates(session=session).tables[-1]
        grand = next(c for c in table.cells if c.key == ["*", "*", "*"])
        assert table.name == "submissions" and grand.count == len(made["flag"]) - 1
        # It may still be withdrawn, though not flagged again.
        assert (
            flag_items(
                session=session,
                actor=triager,
                kind="submission",
                item_ids=made["flag"][:1],
                public=False,
            )
            == 1
        )
    with (
        pytest.raises(InvalidInput, match="spam"),
        transaction(fresh_world.store.sessions) as session,
    ):
        flag_items(session=session, actor=triager, kind="submission", item_ids=made["flag"][:2])
