"""The public subset: tables made only from items a supervisor flagged, counts under five
and what would reveal them hidden, the same answer for every reader, no person in it; a
flag is an audited act, refused for an item the publisher may not see as for a missing one.
Over real HTTP on both backends."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

from sqlalchemy import func, select

from vinculo.assistance.importer import import_csv
from vinculo.assistance.models import LedgerTransaction
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.oversight import allegations, vetting
from vinculo.oversight.allegation_schemas import AllegationCreate, PartyIn, SourceIn
from vinculo.oversight.vetting_schemas import VettingCreate
from vinculo.security.audit import AuditRow
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from command_line import run_vinculo
from conftest import LiveServer
from worlds import World, cheap_demo_hash, file_report

DATA = Path(__file__).resolve().parents[1] / "data" / "assistance" / "fagov_mexico_2024-06.csv"
BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
USA = MarkingsIn(tlp="GREEN", rel_to=["USA"])
UNIT = "unit-bi27"
VICTIM = "Rosa Elena Castillo"
PATH = "/api/v1/assistance/public-aggregates"
FLAGS = "/api/v1/assistance/public-flags"


def _setup(world: World) -> None:
    with transaction(world.store.sessions) as session:
        import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(DATA.read_text("utf-8")),
            file_name="fa.csv",
            release="2024-06",
            markings_in=BOTH,
        )
    file_report(
        world.store,
        world.actors["dea.agent1"],
        "Battalion deployed to Iguala",
        BOTH,
        [
            EntityIn(
                id=UNIT,
                schema="PublicBody",
                properties={"name": ["27 Batallón"], "classification": ["SEDENA"]},
            )
        ],
    )
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(world.store.sessions) as session,
    ):
        for username, agency in (("us.super", "DEA"), ("mx.super", "FGR")):
            user = create_user(
                session=session,
                user_in=UserCreate(
                    username=username, password="demo", agency=agency, roles=["supervisor"]
                ),
                demo_password=True,
            )
            world.actors[username] = actor_for(user)


def _ledger_ids(world: World) -> list[str]:
    with transaction(world.store.sessions) as session:
        return list(
            session.execute(select(LedgerTransaction.id).order_by(LedgerTransaction.seq)).scalars()
        )


def _vetting(world: World, count: int, markings: MarkingsIn = BOTH) -> list[str]:
    made = []
    with transaction(world.store.sessions) as session:
        for _ in range(count):
            request = vetting.request_vetting(
                session=session,
                actor=world.actors["us.analyst"],
                request_in=VettingCreate(
                    subject_kind="unit",
                    subject_entity_id=UNIT,
                    purpose="training",
                    programme_officer="J. Smith",
                    markings=markings,
                ),
            )
            made.append(request.id)
    return made


def _allegation(world: World) -> str:
    with transaction(world.store.sessions) as session:
        return allegations.file_allegation(
            session=session,
            actor=world.actors["us.analyst"],
            allegation_in=AllegationCreate(
                summary_en="Detainees beaten at a checkpoint",
                summary_es="Detenidos golpeados en un retén",
                occurred_from=date(2024, 3, 1),
                occurred_to=date(2024, 3, 2),
                state="Guerrero",
                municipality="Iguala de la Independencia",
                unit_entity_id=UNIT,
                violations=["torture", "arbitrary_detention"],
                sources=[SourceIn(description="Testimony", reliability="B", credibility=2)],
                parties=[PartyIn(role="victim", name=VICTIM)],
                markings=BOTH,
            ),
        ).id


def _table(body: dict[str, object], name: str) -> dict[tuple[str, ...], dict[str, object]]:
    tables = {t["name"]: t for t in body["tables"]}  # type: ignore[attr-defined]
    return {tuple(c["key"]): c for c in tables[name]["cells"]}


def test_only_flagged_items_count_and_small_cells_hide(fresh_world: World) -> None:
    _setup(fresh_world)
    rows = _ledger_ids(fresh_world)
    requests = _vetting(fresh_world, 7)
    allegation = _allegation(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.super") as publisher,
        server.client("mx.analyst") as mexican,
        server.client("us.analyst") as analyst,
    ):
        empty = publisher.get(PATH).json()
        assert all(c["count"] in (0, None) for t in empty["tables"] for c in t["cells"])
        refused = analyst.post(FLAGS, json={"kind": "ledger", "item_ids": rows})
        assert refused.status_code == 403
        flagged = publisher.post(FLAGS, json={"kind": "ledger", "item_ids": rows})
        assert flagged.status_code == 200, flagged.text
        assert flagged.json()["items"] == len(rows)
        for kind, ids in (("vetting", requests), ("allegation", [allegation])):
            assert publisher.post(FLAGS, json={"kind": kind, "item_ids": ids}).status_code == 200
        body = publisher.get(PATH).json()
        assert body == mexican.get(PATH).json()  # the same for every reader
        assert VICTIM not in str(body) and UNIT not in str(body)
        money = _table(body, "money")
        with transaction(fresh_world.store.sessions) as session:
            total = session.execute(select(func.sum(LedgerTransaction.usd))).scalar()
        grand = money[("*", "*")]
        assert grand["count"] == len(rows)
        assert Decimal(grand["usd"]) == total
        for cell in money.values():
            if cell["count"] is None:
                assert cell["usd"] is None
            elif "*" not in cell["key"]:
                assert cell["count"] == 0 or cell["count"] >= 5
        vetted = _table(body, "vetting")
        assert vetted[("SEDENA", "pending")]["count"] == 7
        # One allegation: its cell and every total that would give it away are hidden.
        alleged = _table(body, "allegations")
        assert alleged[("SEDENA", "reported")]["count"] is None
        assert alleged[("*", "*")]["count"] is None
        named = _table(body, "violations")
        assert named[("torture",)]["count"] is None
        withdrawn = publisher.post(
            FLAGS, json={"kind": "vetting", "item_ids": requests[:3], "public": False}
        )
        assert withdrawn.status_code == 200
        again = _table(publisher.get(PATH).json(), "vetting")
        assert again[("SEDENA", "pending")]["count"] is None  # four left: under five
    with transaction(fresh_world.store.sessions) as session:
        acts = session.execute(
            select(func.count()).select_from(AuditRow).where(AuditRow.kind == "public_flag")
        ).scalar()
    assert acts == 4


def test_an_item_the_publisher_may_not_see_is_refused_as_missing(fresh_world: World) -> None:
    _setup(fresh_world)
    hidden = _vetting(fresh_world, 1, markings=USA)[0]
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.super") as mexican,
    ):
        ours = mexican.post(FLAGS, json={"kind": "vetting", "item_ids": [hidden]})
        theirs = mexican.post(FLAGS, json={"kind": "vetting", "item_ids": ["f" * 16]})
        assert ours.status_code == theirs.status_code == 404
        assert ours.json() == theirs.json()
        bad = mexican.post(FLAGS, json={"kind": "people", "item_ids": [hidden]})
        assert bad.status_code == 422
        assert "people" in bad.json()["detail"]


def test_the_command_line_flags_and_prints_the_tables(fresh_world: World) -> None:
    _setup(fresh_world)
    requests = _vetting(fresh_world, 5)
    env = {
        "VINCULO_DATABASE_URL": fresh_world.store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(fresh_world.store.settings.data_dir),
    }
    refused = run_vinculo(
        "assistance",
        "publish",
        "vetting",
        *requests,
        "--as",
        "us.analyst",
        "--lang",
        "es",
        env=env,
    )
    assert refused.returncode == 2
    assert "solo un supervisor puede marcar elementos" in refused.stderr
    done = run_vinculo("assistance", "publish", "vetting", *requests, "--as", "us.super", env=env)
    assert done.returncode == 0, done.stderr
    assert "5 items flagged for the public tables" in done.stdout
    tables = run_vinculo("assistance", "public-tables", "--as", "mx.analyst", env=env)
    assert tables.returncode == 0, tables.stderr
    vetted = _table(json.loads(tables.stdout), "vetting")
    assert vetted[("SEDENA", "pending")]["count"] == 5
