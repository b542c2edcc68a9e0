"""The public subset of the accountability view: tables of counts (and money) made only from
items a publisher flagged for public aggregation, small cells and what would reveal them
suppressed (security/aggregates.py). This is the deliberate disclosure "Public aggregates"
of ../shared/MARKINGS.md: flagging is an audited act of an account with the
`publish_aggregates` permission, and only items that account may see can be flagged.

What an item counts under (its facets: fiscal year, force, status …) is taken when it is
flagged, from what the publisher sees, and never a person: a vetting request counts by its
status, purpose and the subject's force, never by its subject; an allegation by year,
status, state, force and violations, never by its victims, witnesses or alleged persons;
a civic submission by its category, state and the month it was received, never by a word
the reporter wrote (a triager may flag those too; one marked as spam is refused); a
programme is flagged to be published whole in the portal's IATI file (its names,
description and partner), with only its ledger rows that are themselves flagged.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.assistance.accountability import _unit_states
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.public_models import PublicFlag
from vinculo.errors import InvalidInput, NotFound
from vinculo.i18n import N_
from vinculo.intel.service import visible_statements
from vinculo.oversight.allegation_models import Allegation, AllegationViolation
from vinculo.oversight.vetting import status_on
from vinculo.oversight.vetting_models import VettingRequest
from vinculo.security.aggregates import ALL, THRESHOLD, Published, publish
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, allowed, require
from vinculo.wiring import WiredDict

UNKNOWN = "unknown"
# Money of programmes not flagged public themselves (and of their partners): counted, never
# named.
OTHER = "other"
# The money tables beside fiscal year and pillar: (name, the ledger facet by fiscal year).
MONEY_TABLES = (
    ("money_programme", "programme"),
    ("money_partner", "partner"),
    ("money_state", "state"),
)
SUBMISSION_DIMENSIONS = ("category", "state", "month")
Facets = dict[str, tuple[dict[str, Any], Decimal | None]]


def _forces(session: Session, visible: list[int], unit_ids: Iterable[str]) -> dict[str, str]:
    """Each unit's force (vocab/forces.yml) as the publisher sees the unit."""
    forces = vocab.forces()
    held = visible_statements(session=session, entity_ids=set(unit_ids), visible=visible)
    return {
        unit: next(
            (r.value for r in rows if r.prop == "classification" and r.value in forces), UNKNOWN
        )
        for unit, rows in held.items()
    }


def _fold(text: str) -> str:
    """A state's name without case or accents, to match an address's words to the list."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    ).strip()


def _state_code(name: str) -> str:
    """The civic_places code (INEGI's states) an address's state names, else unknown."""
    places = vocab.load("civic_places")
    if name.strip().upper() in places:
        return name.strip().upper()
    wanted = _fold(name)
    return next(
        (
            code
            for code in places.codes()
            if wanted in (_fold(places.label(code, "en")), _fold(places.label(code, "es")))
        ),
        UNKNOWN,
    )


def _ledger(session: Session, visible: list[int], ids: Sequence[str]) -> Facets:
    rows = session.execute(
        select(LedgerTransaction, Programme.pillar, Programme.partner, Programme.marking_id)
        .join(Programme, Programme.id == LedgerTransaction.programme_id)
        .where(LedgerTransaction.id.in_(ids), LedgerTransaction.marking_id.in_(visible))
    ).all()
    # The state of the recipient unit's address, as the publisher sees the unit.
    states = _unit_states(
        session, visible, [row.unit_entity_id for row, *_ in rows if row.unit_entity_id]
    )
    return {
        row.id: (
            {
                "fiscal_year": str(row.fiscal_year),
                "type": row.type,
                "pillar": (pillar or UNKNOWN) if marking in visible else UNKNOWN,
                # The programme's id only: its name is published only if it is flagged itself.
                "programme": row.programme_id if marking in visible else UNKNOWN,
                "partner": (row.partner or (partner if marking in visible else "")).strip()
                or UNKNOWN,
                "state": _state_code(states.get(row.unit_entity_id or "", "")),
            },
            row.usd,
        )
        for row, pillar, partner, marking in rows
    }


def _vetting(session: Session, visible: list[int], ids: Sequence[str]) -> Facets:
    requests = list(
        session.execute(
            select(VettingRequest).where(
                VettingRequest.id.in_(ids), VettingRequest.marking_id.in_(visible)
            )
        ).scalars()
    )
    forces = _forces(
        session, visible, [r.subject_entity_id for r in requests if r.subject_entity_id]
    )
    today = date.today()
    return {
        r.id: (
            {
                "year": str(r.created_at.year),
                "status": status_on(r, today),
                "purpose": r.purpose,
                "subject_kind": r.subject_kind,
                "force": forces.get(r.subject_entity_id or "", UNKNOWN),
            },
            None,
        )
        for r in requests
    }


def _allegations(session: Session, visible: list[int], ids: Sequence[str]) -> Facets:
    found = list(
        session.execute(
            select(Allegation).where(Allegation.id.in_(ids), Allegation.marking_id.in_(visible))
        ).scalars()
    )
    violations: dict[str, list[str]] = defaultdict(list)
    for allegation_id, code in session.execute(
        select(AllegationViolation.allegation_id, AllegationViolation.code).where(
            AllegationViolation.allegation_id.in_([a.id for a in found])
        )
    ):
        violations[allegation_id].append(code)
    forces = _forces(session, visible, [a.unit_entity_id for a in found if a.unit_entity_id])
    return {
        a.id: (
            {
                "year": str(a.occurred_from.year),
                "status": a.status,
                "state": a.state or UNKNOWN,
                "force": forces.get(a.unit_entity_id or "", UNKNOWN),
                "violations": sorted(violations[a.id]),
            },
            None,
        )
        for a in found
    }


def _programmes(session: Session, visible: list[int], ids: Sequence[str]) -> Facets:
    found = session.execute(
        select(Programme.id, Programme.pillar).where(
            Programme.id.in_(ids), Programme.marking_id.in_(visible)
        )
    ).all()
    return {pid: ({"pillar": pillar or UNKNOWN}, None) for pid, pillar in found}


@dataclass(frozen=True)
class FlagKind:
    """A kind of item that may be flagged: how its facets are read (only what the flagger may
    see), who besides a publisher may flag it, which ids may not count (refused when flagged)
    and which flagged ids no longer count."""

    facets: Callable[[Session, list[int], Sequence[str]], Facets]
    may_flag: frozenset[Permission] = frozenset()
    refused: Callable[[Session, Sequence[str]], InvalidInput | None] | None = None
    not_counted: Callable[[Session], set[str]] | None = None


# Reading it runs wiring the command line deferred (vinculo.wiring): the civic channel's kind.
KINDS: WiredDict[str, FlagKind] = WiredDict(
    {
        "ledger": FlagKind(_ledger),
        "vetting": FlagKind(_vetting),
        "allegation": FlagKind(_allegations),
        "programme": FlagKind(_programmes),
    }
)


def register_kind(name: str, kind: FlagKind) -> None:
    """A domain above assistance (the civic channel's submissions) adds its kind; wired by
    vinculo.hooks where the app is assembled, as assistance may not import it."""
    KINDS[name] = kind


def flag_items(
    *, session: Session, actor: Actor, kind: str, item_ids: Sequence[str], public: bool = True
) -> int:
    """Flag items for public aggregation (or withdraw them, `public=False`); all or nothing.
    An item the publisher may not see is refused as one that does not exist."""
    flag_kind = KINDS.get(kind)
    if not any(allowed(actor, p) for p in (flag_kind.may_flag if flag_kind else ())):
        require(actor, Permission.PUBLISH_AGGREGATES)
    if flag_kind is None:
        raise InvalidInput(N_("unknown kind of item {value}"), field="kind", value=kind)
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InvalidInput(N_("name at least one item"), field="item_ids")
    visible = visible_marking_ids(session=session, actor=actor)
    facets = flag_kind.facets(session, visible, ids)
    missing = next((n for n, i in enumerate(ids, 1) if i not in facets), None)
    if missing is not None:
        # Named by its place in the list, not its id: the answer then reads the same for
        # an item the publisher may not see as for one that does not exist.
        raise NotFound(
            N_("item {value} of the list: no such item"), field="item_ids", value=missing
        )
    refusal = flag_kind.refused(session, ids) if public and flag_kind.refused else None
    if refusal is not None:
        # Withdrawing such an item stays possible.
        raise refusal
    session.execute(delete(PublicFlag).where(PublicFlag.kind == kind, PublicFlag.item_id.in_(ids)))
    if public:
        session.add_all(
            PublicFlag(
                kind=kind,
                item_id=item_id,
                facets=facets[item_id][0],
                usd=facets[item_id][1],
                flagged_by=actor.username or "",
            )
            for item_id in ids
        )
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="public_flag",
        target=kind,
        ids=ids,
        detail={"kind": kind, "public": public, "items": len(ids)},
    )
    return len(ids)


def is_flagged(*, session: Session, kind: str, item_id: str) -> bool:
    """Whether an item counts in the public tables (for a page that shows its own item)."""
    found = session.execute(
        select(PublicFlag.item_id).where(PublicFlag.kind == kind, PublicFlag.item_id == item_id)
    ).first()
    return found is not None


class PublicCell(BaseModel):
    key: list[str]  # one value per dimension; "*" is the total over that dimension
    count: int | None  # None: suppressed
    usd: Decimal | None = None


class PublicLabel(BaseModel):
    en: str
    es: str


class PublicTable(BaseModel):
    name: str
    dimensions: list[str]
    cells: list[PublicCell]
    # A key's name where a code is not its name (a flagged programme, a partner).
    labels: dict[str, PublicLabel] = {}


class PublicAggregates(BaseModel):
    """What the public portal may show; the same for every reader."""

    threshold: int
    tables: list[PublicTable]


def _cells(published: Published, money: dict[tuple[str, ...], Decimal] | None) -> list[PublicCell]:
    return [
        PublicCell(
            key=list(key),
            count=count,
            usd=None if money is None or count is None else money.get(key, Decimal(0)),
        )
        for key, count in published.values.items()
    ]


def _sums(
    dimensions: int, amounts: Iterable[tuple[tuple[str, ...], Decimal]]
) -> dict[tuple[str, ...], Decimal]:
    """Money per cell and per margin: each amount added to every total it falls under."""
    sums: dict[tuple[str, ...], Decimal] = defaultdict(Decimal)
    for key, usd in amounts:
        for mask in range(2**dimensions):
            margin = tuple(ALL if mask >> i & 1 else v for i, v in enumerate(key))
            sums[margin] += usd
    return sums


def _code(text: str) -> str:
    """A public key for a programme (never its id) or a partner: a code made from it; the
    name goes in the table's labels."""
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _money_tables(session: Session, by_kind: dict[str, list[PublicFlag]]) -> list[PublicTable]:
    """Money by programme, partner and state, each by fiscal year, from flagged ledger rows as
    the money table is; a programme and its partner are named only if the programme is
    flagged itself, else both count as "other"."""
    named = {f.item_id for f in by_kind["programme"]}
    programmes = {
        p.id: PublicLabel(en=p.name("en"), es=p.name("es"))
        for p in session.execute(select(Programme).where(Programme.id.in_(named))).scalars()
    }
    tables = []
    for name, facet in MONEY_TABLES:
        labels: dict[str, PublicLabel] = {}
        keys: list[tuple[tuple[str, ...], Decimal]] = []
        for flag in by_kind["ledger"]:
            value = flag.facets.get(facet, UNKNOWN)
            if facet == "programme" and value != UNKNOWN:
                if value in programmes:
                    labels[code := _code(value)] = programmes[value]
                    value = code
                else:
                    value = OTHER
            elif facet == "partner" and value != UNKNOWN:
                # A partner is published with its programme only (as in the IATI file).
                if flag.facets.get("programme") in programmes:
                    labels[code := _code(value)] = PublicLabel(en=value, es=value)
                    value = code
                else:
                    value = OTHER
            keys.append(((value, flag.facets["fiscal_year"]), flag.usd or Decimal(0)))
        published = publish((facet, "fiscal_year"), dict(Counter(k for k, _ in keys)))
        tables.append(
            PublicTable(
                name=name,
                dimensions=list(published.dimensions),
                cells=_cells(published, _sums(2, keys)),
                labels=dict(sorted(labels.items())),
            )
        )
    return tables


def public_aggregates(*, session: Session) -> PublicAggregates:
    """The public tables, from flagged items alone: money by fiscal year and pillar, and by
    programme, implementing partner and state (a sum shown only where its count is), vetting
    by force and status, allegations by force and status, the violations allegations name,
    and civic submissions by category, state and month (one table
    with every margin, so the map's states and the months agree)."""
    flags = list(session.execute(select(PublicFlag)).scalars())
    # An item flagged before it stopped qualifying (a submission marked as spam) no longer counts.
    not_counted = {
        (name, item_id)
        for name, kind in KINDS.items()
        if kind.not_counted
        for item_id in kind.not_counted(session)
    }
    by_kind: dict[str, list[PublicFlag]] = defaultdict(list)
    for flag in flags:
        if (flag.kind, flag.item_id) not in not_counted:
            by_kind[flag.kind].append(flag)
    money_keys = [
        ((f.facets["fiscal_year"], f.facets["pillar"]), f.usd or Decimal(0))
        for f in by_kind["ledger"]
    ]
    money = publish(("fiscal_year", "pillar"), dict(Counter(k for k, _ in money_keys)))
    vetting = publish(
        ("force", "status"),
        dict(Counter((f.facets["force"], f.facets["status"]) for f in by_kind["vetting"])),
    )
    allegations = publish(
        ("force", "status"),
        dict(Counter((f.facets["force"], f.facets["status"]) for f in by_kind["allegation"])),
    )
    violations = publish(
        ("violation",),
        dict(Counter((v,) for f in by_kind["allegation"] for v in f.facets["violations"])),
    )
    submissions = publish(
        SUBMISSION_DIMENSIONS,
        dict(
            Counter(
                tuple(f.facets[d] for d in SUBMISSION_DIMENSIONS) for f in by_kind["submission"]
            )
        ),
    )
    return PublicAggregates(
        threshold=THRESHOLD,
        tables=[
            PublicTable(
                name="money",
                dimensions=list(money.dimensions),
                cells=_cells(money, _sums(2, money_keys)),
            ),
            *_money_tables(session, by_kind),
            PublicTable(
                name="vetting", dimensions=list(vetting.dimensions), cells=_cells(vetting, None)
            ),
            PublicTable(
                name="allegations",
                dimensions=list(allegations.dimensions),
                cells=_cells(allegations, None),
            ),
            PublicTable(
                name="violations",
                dimensions=list(violations.dimensions),
                cells=_cells(violations, None),
            ),
            PublicTable(
                name="submissions",
                dimensions=list(submissions.dimensions),
                cells=_cells(submissions, None),
            ),
        ],
    )
