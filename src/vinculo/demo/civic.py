"""The demo's civic channel (`demo/data/civic.yml`), recorded through the services users call:

- the accounts that work it, if this store lacks them: mx.triage (FGR, the `triager` role and
  the civic-triage group) and mx.monitor (FGR, the `monitor` role and the human-rights
  monitors' group);
- the reporters' submissions, each checked as the public site checks a report
  (`intake.check_report`) and stored as a pull stores what it opened
  (`service.store_pulled`): `vinculo demo` runs no public process, so the internal store holds
  them as if pulled, each with a receipt and reply key of its own that no reporter holds;
- what mx.triage then did through the civic service: spam, replies and statuses
  (`service.respond`, whose push to the public site is left out, there being none), reports
  and allegations, and the outcomes of closed submissions (`service.write_outcome`), which
  `vinculo civic publish` takes to the portal's "you said, we did" page;
- the public flags of the portal through `flag_items`: the submissions marked `public` by
  mx.triage, and every programme, ledger row, vetting request and allegation of the demo by
  us.supervisor.

Run twice, it stores nothing twice: a submission is known by the digest of what was "pulled",
and only new ones are worked. A file that cannot be recorded as it stands raises ScriptError
naming the file and the entry. On a node of `vinculo demo --nodes 2` without FGR's accounts,
nothing is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from nacl.public import PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.public import flag_items
from vinculo.civic import client, crypto, intake, service
from vinculo.civic.client import Pulled
from vinculo.civic.public_flags import register_submissions
from vinculo.demo.oversight import read
from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.allegation_models import Allegation
from vinculo.oversight.allegations import MONITORS
from vinculo.oversight.vetting_models import VettingRequest
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.passwords import DEMO_PASSWORD
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user, ensure_group, get_by_username
from vinculo.settings import Settings

FILE = "demo/data/civic.yml"
# The accounts the demo adds for the civic channel: (username, name, roles, group).
ACCOUNTS = (
    ("mx.triage", "Lucía Fernanda Ortega Salas", ["triager", "analyst"], service.TRIAGE_GROUP),
    ("mx.monitor", "Tomás Ignacio Beltrán Ruiz", ["monitor"], MONITORS),
)
AGENCY = "FGR"
TRIAGER = "mx.triage"
PUBLISHER = "us.supervisor"
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What the public site's form allows; the demo's words are far shorter.
_MAX_CHARS = 10_000


@dataclass
class CivicSeeded:
    submissions: int = 0
    spam: int = 0
    replies: int = 0
    reports: int = 0
    allegations: int = 0
    closed: int = 0
    outcomes: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)


def _seed_bytes(number: int, purpose: str) -> bytes:
    return hashlib.sha256(f"vinculo demo civic {number} {purpose}".encode()).digest()


def _receipt(number: int) -> str:
    """A receipt code of the public site's shape, the same on every run (no reporter holds
    it: the demo has no public site to visit)."""
    raw = "".join(_RECEIPT_ALPHABET[b % 32] for b in _seed_bytes(number, "receipt")[:16])
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _reply_key(number: int) -> str:
    return crypto.encode(bytes(PrivateKey(_seed_bytes(number, "reply key")).public_key))


def _pulled(number: int, entry: dict[str, Any]) -> Pulled:
    """The entry as the internal node would have opened it from the public site."""
    received = date.fromisoformat(str(entry["received"]))
    checked = intake.check_report(
        intake.ReportIn(
            category=str(entry["category"]),
            state=str(entry.get("state") or ""),
            municipality=str(entry.get("municipality") or ""),
            when=str(entry.get("when") or ""),
            what=str(entry["what"]),
        ),
        max_chars=_MAX_CHARS,
        max_files=0,
        max_bytes=0,
        today=received,
    )
    lang = str(entry["lang"])
    if lang not in ("en", "es"):
        raise ScriptError(f"lang must be en or es, not {lang}")
    payload = {
        "version": intake.PAYLOAD_VERSION,
        "received_on": received.isoformat(),
        "kind": "report",
        "receipt": _receipt(number),
        "reply_key": _reply_key(number),
        "lang": lang,
        **checked,
    }
    return Pulled(id=number, payload=payload)


@contextmanager
def _no_public_site() -> Iterator[Settings]:
    """Settings for `service.respond` with the push to the public site left out: the demo has
    no public site, so a reply is stored and audited as it would be, and goes nowhere."""

    def _kept(**_given: object) -> None:
        return None

    settings = Settings().model_copy(
        update={"civic_url": "http://public-site.demo.invalid", "civic_pull_token": "demo"}
    )
    pushed = client.push_update
    client.push_update = _kept
    try:
        yield settings
    finally:
        client.push_update = pushed


def _accounts(session: Session) -> dict[str, Actor]:
    service.submission_markings(session, AGENCY)  # the civic-triage group
    ensure_group(
        session=session,
        code=MONITORS,
        name_en="Human-rights monitors",
        name_es="Observadores de derechos humanos",
    )
    found = {}
    for username, name, roles, group in ACCOUNTS:
        user = get_by_username(session=session, username=username) or create_user(
            session=session,
            user_in=UserCreate(
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                agency=AGENCY,
                roles=roles,
                groups=[group],
                locale="es",
            ),
            demo_password=True,
        )
        found[username] = actor_for(user)
    return found


def _work(
    session: Session,
    triager: Actor,
    settings: Settings,
    data: dict[str, Any],
    submission_id: str,
    entry: dict[str, Any],
    seeded: CivicSeeded,
) -> None:
    """What the triager did with one new submission, in the file's order."""
    if entry.get("spam"):
        service.mark_spam(session=session, actor=triager, submission_id=submission_id)
        seeded.spam += 1
    for reply in entry.get("replies") or []:
        service.respond(
            session=session,
            actor=triager,
            settings=settings,
            submission_id=submission_id,
            status=str(reply.get("status") or ""),
            message=str(reply.get("message") or ""),
        )
        seeded.replies += 1
        seeded.closed += reply.get("status") == "closed"
    if report := entry.get("report"):
        service.to_report(
            session=session,
            actor=triager,
            submission_id=submission_id,
            choice=service.ReportChoice(
                title_en=str(report["title_en"]),
                title_es=str(report["title_es"]),
                predicate=str(report["predicate"]),
                suspicion=str(report["suspicion"]),
                reliability=str(report["reliability"]),
                credibility=int(report["credibility"]),
                # A review-by date ahead of the day the demo runs (28 CFR 23.20).
                review_by=utcnow().date() + timedelta(days=365),
                markings=MarkingsIn.model_validate(data["report_markings"]),
                attest_no_protected_views=True,
            ),
        )
        seeded.reports += 1
    if allegation := entry.get("allegation"):
        service.to_allegation(
            session=session,
            actor=triager,
            submission_id=submission_id,
            choice=service.AllegationChoice(
                violations=list(allegation["violations"]),
                occurred_from=date.fromisoformat(str(entry["when"])),
                reliability=str(allegation["reliability"]),
                credibility=int(allegation["credibility"]),
                markings=MarkingsIn.model_validate(data["allegation_markings"]),
                unit_entity_id=allegation.get("unit"),
            ),
        )
        seeded.allegations += 1
    if outcome := entry.get("outcome"):
        # What came of it, for the portal's "you said, we did" page: written by the triager
        # once the replies have closed it, and published only if it is flagged public.
        service.write_outcome(
            session=session,
            actor=triager,
            submission_id=submission_id,
            text_en=str(outcome["en"]),
            text_es=str(outcome["es"]),
        )
        seeded.outcomes += 1
    if entry.get("public"):
        # Counted in the portal's tables (by category, state and month only): the triager's
        # act, as it is on the submission's page.
        flag_items(session=session, actor=triager, kind="submission", item_ids=[submission_id])
        seeded.flagged["submission"] = seeded.flagged.get("submission", 0) + 1


def _submissions(session: Session, triager: Actor, seeded: CivicSeeded) -> None:
    data = read("civic.yml")
    with _no_public_site() as settings:
        numbered = list(enumerate(data["submissions"], start=1))
        # In the order they reached the public site, as pulls would have stored them: the
        # queue (newest first) then reads as the days went.
        numbered.sort(key=lambda pair: str(pair[1].get("received") or ""))
        for number, entry in numbered:
            where = f"{FILE}, submission {number} ({entry.get('category')})"
            try:
                pulled = _pulled(number, entry)
                made = service.store_pulled(session, pulled=[pulled], agency=AGENCY)
                for submission_id in made:
                    _work(session, triager, settings, data, submission_id, entry, seeded)
            except VinculoError as error:
                raise ScriptError(f"{where}: {error.render('en')}") from None
            except (KeyError, TypeError, ValueError) as error:
                raise ScriptError(f"{where}: {error}") from None
            if made:
                seeded.submissions += 1
                lang = str(entry["lang"])
                seeded.languages[lang] = seeded.languages.get(lang, 0) + 1


def _flags(session: Session, publisher: Actor, seeded: CivicSeeded) -> None:
    """The demo's ledger, vetting requests and allegations (those from submissions too),
    flagged for the public tables."""
    for kind, model in (
        ("programme", Programme),
        ("ledger", LedgerTransaction),
        ("vetting", VettingRequest),
        ("allegation", Allegation),
    ):
        ids = [str(i) for i in session.execute(select(model.id).order_by(model.id)).scalars()]
        if ids:
            try:
                seeded.flagged[kind] = flag_items(
                    session=session, actor=publisher, kind=kind, item_ids=ids
                )
            except VinculoError as error:
                raise ScriptError(f"{FILE}, public flags ({kind}): {error.render('en')}") from None


def seed_civic(*, session: Session, nation: str | None = None) -> CivicSeeded:
    """The civic channel's accounts, submissions and triage, then the public flags; nothing
    on a node of another nation than the receiving agency's."""
    seeded = CivicSeeded()
    if nation is not None and nation != "MEX":
        return seeded
    # A script may seed without the app's hooks (bench/load.py does): the submissions' kind
    # of public flag is registered here as well (registering twice changes nothing).
    register_submissions()
    actors = _accounts(session)
    _submissions(session, actors[TRIAGER], seeded)
    publisher = get_by_username(session=session, username=PUBLISHER)
    if publisher is not None:
        _flags(session, actor_for(publisher), seeded)
    return seeded
