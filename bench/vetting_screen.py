"""Leahy vetting screening of 1,000 subjects against a store of N persons (issue 16).

    make bench-env
    var/bench-venv/bin/python bench/vetting_screen.py --persons 1000000
    var/bench-venv/bin/python bench/vetting_screen.py --persons 100000 --keep var/vet-100k
    var/bench-venv/bin/python bench/vetting_screen.py --persons 300000 --no-peer  # scaling

The store (SQLite) holds pseudopeople's Social Security sample (noise seed 0) and, up to
--persons, filler people recombined from that sample's own first, middle and last names with
birth dates drawn over its years: people who share names with the true ones but are not
them. Every record is an FtM Person (name as first, middle and last joined, as FtM exports
carry it, and firstName, middleName, lastName, birthDate, gender, idNumber as
bench/er_cli.py writes them) imported through `import_ftm`, the function
`vinculo import ftm FILE` runs (one transaction, the full-text index filled once at the end),
by an analyst, TLP:GREEN released to USA and MEX.

The 1,000 subjects are pseudopeople's decennial census records (names plus birth dates,
nothing else): each is a vetting request filed through `request_vetting` as a programme
officer files one (the name, and the birth date when the census gives a real one), then all
are screened for a vetter through `vetting.screen_requests`, one pass through resolve's
screening (`screening.screen_many`); the 1,000 are timed together. A sample is also screened
one by one through `hits_for` (the request page's path) to show what the batch saves and to
check that it gives the same hits.

Precision and recall are over (subject, hit) pairs: a hit is true when it is the same
simulant (pseudopeople's simulant_id; one in SSA with a creation and a death record has two
true records). The peer is `vinculo screen FILE --as VETTER --limit 10 --json`, run as a
user runs it (a subprocess; start-up included) on the same 1,000 subjects as FtM entities
(name and birthDate, exactly what the vetting request screens), on the same store with the
same default threshold; vetting keeps 10 hits a subject. Dev: census noise seed 0 subjects
1..1000 of a fixed shuffle; held-out: census noise seed 1, another 1,000 people, never
looked at while choosing anything here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("TQDM_DISABLE", "1")

from _common import console, ensure_user, machine_line, sqlite_store, stopwatch

from vinculo.db import transaction

SUBJECTS = 1000
SAMPLE_ONE_BY_ONE = 30
BOTH = {"tlp": "GREEN", "rel_to": ["USA", "MEX"]}


@dataclass
class Queries:
    title: str
    names: list[str]
    births: list[date | None]
    simulants: list[str]


def text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value).strip() or None


def person(entity_id: str, **properties: str | None) -> dict[str, Any]:
    return {
        "id": entity_id,
        "schema": "Person",
        "properties": {k: [v] for k, v in properties.items() if v is not None},
    }


def full(*parts: Any) -> str | None:
    """The whole name FtM's `name` carries (the full-text index reads names from it)."""
    return " ".join(p for p in map(text, parts) if p) or None


def iso_from_digits(raw: str | None) -> str | None:
    if raw is None or len(raw) != 8:
        return raw
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"


def census_birth(raw: str | None) -> date | None:
    """MM/DD/YYYY as a date, or None when the noise made it no date (or one to come)."""
    try:
        month, day, year = (int(p) for p in (raw or "").split("/"))
        born = date(year, month, day)
    except ValueError:
        return None
    return born if date(1800, 1, 1) <= born <= date.today() else None


def stored_people(persons: int) -> tuple[Iterator[str], dict[str, str], int]:
    """FtM lines of SSA (seed 0) and filler up to `persons`; SSA id -> simulant; SSA count."""
    import pseudopeople

    ssa = pseudopeople.generate_social_security(seed=0).reset_index(drop=True)
    rows = ssa.to_dict("records")
    simulant = {f"ssa-{n}": str(r["simulant_id"]) for n, r in enumerate(rows)}

    def lines() -> Iterator[str]:
        for n, r in enumerate(rows):
            yield json.dumps(
                person(
                    f"ssa-{n}",
                    name=full(r["first_name"], r["middle_name"], r["last_name"]),
                    firstName=text(r["first_name"]),
                    middleName=text(r["middle_name"]),
                    lastName=text(r["last_name"]),
                    birthDate=iso_from_digits(text(r["date_of_birth"])),
                    gender=(text(r["sex"]) or "").lower() or None,
                    idNumber=text(r["ssn"]),
                )
            )
        firsts = [text(r["first_name"]) for r in rows]
        middles = [text(r["middle_name"]) for r in rows]
        lasts = [text(r["last_name"]) for r in rows]
        sexes = [(text(r["sex"]) or "").lower() or None for r in rows]
        pick = random.Random(7)
        start = date(1915, 1, 1).toordinal()
        span = date(2020, 12, 31).toordinal() - start
        for n in range(max(0, persons - len(rows))):
            i = pick.randrange(len(rows))
            middle, last = middles[pick.randrange(len(rows))], lasts[pick.randrange(len(rows))]
            yield json.dumps(
                person(
                    f"filler-{n}",
                    name=full(firsts[i], middle, last),
                    firstName=firsts[i],
                    middleName=middle,
                    lastName=last,
                    birthDate=date.fromordinal(start + pick.randrange(span)).isoformat(),
                    gender=sexes[i],
                )
            )

    return lines(), simulant, len(rows)


def census_queries(seed: int, skip: int) -> Queries:
    import pseudopeople

    census = pseudopeople.generate_decennial_census(seed=seed).reset_index(drop=True)
    order = list(range(len(census)))
    random.Random(11).shuffle(order)
    chosen = census.iloc[order[skip : skip + SUBJECTS]].to_dict("records")
    names, births = [], []
    for r in chosen:
        parts = [text(r["first_name"]), text(r["middle_initial"]), text(r["last_name"])]
        names.append(" ".join(p for p in parts if p) or "?")
        births.append(census_birth(text(r["date_of_birth"])))
    return Queries(
        title=f"census noise seed {seed}",
        names=names,
        births=births,
        simulants=[str(r["simulant_id"]) for r in chosen],
    )


def build_store(folder: Path, persons: int) -> tuple[dict[str, str], dict[str, float]]:
    from vinculo.intel.schemas import MarkingsIn
    from vinculo.intel.transfer import import_ftm

    db = folder / "vinculo.db"
    marker = folder / "simulants.json"
    if db.exists() and marker.exists():
        console.print(f"  reusing the store in {folder}")
        return json.loads(marker.read_text()), {}
    _engine, sessions = sqlite_store(db)
    lines, simulant, count = stored_people(persons)
    with stopwatch() as took, transaction(sessions) as session:
        analyst = ensure_user(session, "bench.analyst", "FGR")
        summary = import_ftm(
            session=session,
            actor=analyst,
            lines=lines,
            file_name="people.jsonl",
            source="pseudopeople-ssa+filler",
            markings_in=MarkingsIn.model_validate(BOTH),
            skip_bad=True,
        )
    console.print(
        f"  imported {summary.entities:,} persons ({count:,} SSA, {summary.statements:,} "
        f"statements, {summary.rejected:,} lines refused) in {took['wall']:.0f} s "
        f"({summary.statements / took['wall']:,.0f} statements/s)"
    )
    marker.write_text(json.dumps(simulant))
    return simulant, {"import": took["wall"]}


def vetter(sessions: Any) -> Any:
    from vinculo.security.schemas import UserCreate
    from vinculo.security.service import actor_for, create_user, get_by_username

    with transaction(sessions) as session:
        user = get_by_username(session=session, username="bench.vetter")
        if user is None:
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username="bench.vetter",
                    password="bench-password",
                    agency="DEA",
                    roles=["supervisor"],
                ),
            )
        return actor_for(user)


def prf(found: set[tuple[int, str]], truth: set[tuple[int, str]]) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(found) if found else 0.0, hits / len(truth) if truth else 0.0)


def measure(
    folder: Path, sessions: Any, simulant: dict[str, str], q: Queries, *, peer: bool = True
) -> None:
    from vinculo.oversight import vetting
    from vinculo.oversight.vetting_schemas import VettingCreate
    from vinculo.resolve.scoring import screen_batch_scorer, screen_scorer

    by_simulant: dict[str, list[str]] = {}
    for entity_id, s in simulant.items():
        by_simulant.setdefault(s, []).append(entity_id)
    truth = {(n, e) for n, s in enumerate(q.simulants) for e in by_simulant.get(s, [])}
    console.print(
        f"[bold]{q.title}[/bold]: {SUBJECTS:,} subjects, {len(truth):,} true (subject, record) "
        f"pairs, {sum(1 for b in q.births if b):,} with a birth date"
    )
    actor = vetter(sessions)
    with stopwatch() as filed, transaction(sessions) as session:
        made = [
            vetting.request_vetting(
                session=session,
                actor=actor,
                request_in=VettingCreate.model_validate(
                    {
                        "subject_kind": "person",
                        "subject_name": name,
                        "birth_date": born,
                        "purpose": "training",
                        "programme_officer": "Bench, INL Mexico City",
                        "markings": BOTH,
                    }
                ),
            ).id
            for name, born in zip(q.names, q.births, strict=True)
        ]
    console.print(f"  {SUBJECTS:,} requests filed through request_vetting in {filed['wall']:.1f} s")
    from sqlalchemy import select

    from vinculo.oversight.vetting_models import VettingRequest

    with transaction(sessions) as session:
        requests = {
            r.id: r
            for r in session.execute(
                select(VettingRequest).where(VettingRequest.id.in_(made))
            ).scalars()
        }
        ordered = [requests[i] for i in made]
        scorer = screen_batch_scorer(data_dir=folder)  # the default threshold, as vetting's
        with stopwatch() as batch_time:
            hits = vetting.screen_requests(
                session=session, actor=actor, requests=ordered, scorer=scorer
            )
        one_scorer = screen_scorer(data_dir=folder)
        sample = ordered[:SAMPLE_ONE_BY_ONE]
        with stopwatch() as one_time:
            singles = [
                vetting.hits_for(session=session, actor=actor, request=r, scorer=one_scorer)
                for r in sample
            ]
    same = sum(
        1
        for r, single in zip(sample, singles, strict=True)
        if [(h.entity_id, h.score) for h in single] == [(h.entity_id, h.score) for h in hits[r.id]]
    )
    per_one = one_time["wall"] / len(sample)
    found = {(n, h.entity_id) for n, i in enumerate(made) for h in hits[i]}
    vp, vr = prf(found, truth)
    console.print(
        f"  vetting.screen_requests, {SUBJECTS:,} subjects in one pass: "
        f"{batch_time['wall']:.1f} s wall ({batch_time['cpu']:.1f} s CPU) "
        f"{'[green]PASS[/green]' if batch_time['wall'] < 60 else '[red]MISS[/red]'} (< 60 s)"
    )
    console.print(
        f"  hits_for one by one: {per_one:.2f} s a subject on {len(sample)} "
        f"(~{per_one * SUBJECTS:.0f} s for {SUBJECTS:,}); same hits and scores as the batch "
        f"for {same}/{len(sample)}"
    )

    if not peer:
        console.print(
            f"  vetting (batch): precision {vp:.4f} recall {vr:.4f}, {len(found):,} hits; "
            "vinculo screen not run (--no-peer)"
        )
        return
    # The peer: `vinculo screen` on the same subjects, the same store, as a user runs it.
    path = folder / f"subjects-{q.title.replace(' ', '-')}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for name, born in zip(q.names, q.births, strict=True):
            props: dict[str, list[str]] = {"name": [name]}
            if born:
                props["birthDate"] = [born.isoformat()]
            handle.write(json.dumps({"schema": "Person", "properties": props}) + "\n")
    command = [str(Path(sys.executable).parent / "vinculo"), "screen", str(path)]
    command += ["--as", "bench.vetter", "--limit", "10", "--json"]
    environment = {
        **os.environ,
        "VINCULO_DATABASE_URL": f"sqlite:///{folder / 'vinculo.db'}",
        "VINCULO_DATA_DIR": str(folder),
    }
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    cli_time = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    answers = [json.loads(x) for x in done.stdout.splitlines() if x.strip()]
    cli_found = {(n, r["id"]) for n, a in enumerate(answers) for r in a["results"]}
    cp, cr = prf(cli_found, truth)
    console.print(f"  {'':34} {'precision':>9} {'recall':>7} {'hits':>6}  wall")
    console.print(
        f"  {'vetting (batch, 10 a subject)':34} {vp:9.4f} {vr:7.4f} {len(found):6,}  "
        f"{batch_time['wall']:.1f} s"
    )
    console.print(
        f"  {'vinculo screen --limit 10':34} {cp:9.4f} {cr:7.4f} {len(cli_found):6,}  "
        f"{cli_time:.1f} s"
    )
    ok = vp >= cp and vr >= cr
    console.print(
        f"  vetting precision and recall at least vinculo screen's: "
        f"{'[green]PASS[/green]' if ok else '[red]MISS[/red]'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000, help="stored persons")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the store here")
    parser.add_argument("--only-dev", action="store_true", help="skip the held-out seed")
    parser.add_argument(
        "--no-peer", action="store_true", help="time the batch only: no `vinculo screen` run"
    )
    args = parser.parse_args()
    try:
        import pseudopeople
    except ImportError:
        raise SystemExit("pseudopeople is not installed: run make bench-env") from None
    console.print(machine_line())
    console.print(f"pseudopeople {pseudopeople.__version__}; {args.persons:,} stored persons")
    with tempfile.TemporaryDirectory(prefix="vinculo-vetting-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        simulant, _ = build_store(folder, args.persons)
        _engine, sessions = sqlite_store(folder / "vinculo.db")
        peer = not args.no_peer
        measure(folder, sessions, simulant, census_queries(0, 0), peer=peer)
        if not args.only_dev:
            measure(folder, sessions, simulant, census_queries(1, SUBJECTS), peer=peer)


if __name__ == "__main__":
    main()
