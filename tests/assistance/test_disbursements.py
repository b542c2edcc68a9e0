"""Money recorded in Vínculo: a disbursement reaches a unit only through the Leahy gate, with
the reason when refused, and nothing is stored on a refusal; bad input is named by field.
Over real HTTP on both backends (POST /api/v1/assistance/disbursements)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from unittest import mock

from sqlalchemy import func, select, update

from vinculo.assistance.importer import import_csv
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.db import transaction
from vinculo.intel.schemas import EntityIn, MarkingsIn
from vinculo.intel.service import markings_from_input
from vinculo.oversight import vetting
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.security.audit import AuditRow
from vinculo.security.policy import marking_id_for
from vinculo.security.schemas import UserCreate
from vinculo.security.service import actor_for, create_user

from command_line import run_vinculo
from conftest import LiveServer
from worlds import World, cheap_demo_hash, file_report

DATA = Path(__file__).resolve().parents[1] / "data" / "assistance" / "fagov_mexico_2024-06.csv"
BOTH = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])
UNIT = "unit-bi27"
DAY = date(2025, 3, 14)


def _setup(world: World) -> str:
    """The fixture's ledger, a battalion both nations see and a DEA supervisor: a programme."""
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
        [EntityIn(id=UNIT, schema="PublicBody", properties={"name": ["27 Batallón"]})],
    )
    _supervisor(world, "us.vetter", "DEA")
    with transaction(world.store.sessions) as session:
        first = session.execute(select(Programme.id).order_by(Programme.seq)).scalars().first()
        assert first is not None
        return first


def _supervisor(world: World, username: str, agency: str, locale: str = "en") -> None:
    with (
        mock.patch("vinculo.security.service.hash_password", lambda _p: cheap_demo_hash()),
        transaction(world.store.sessions) as session,
    ):
        user = create_user(
            session=session,
            user_in=UserCreate(
                username=username,
                password="demo",
                agency=agency,
                roles=["supervisor"],
                locale=locale,
            ),
            demo_password=True,
        )
        world.actors[username] = actor_for(user)


def _vet(world: World, status: str, **changes: object) -> None:
    with transaction(world.store.sessions) as session:
        request = vetting.request_vetting(
            session=session,
            actor=world.actors["us.analyst"],
            request_in=VettingCreate(
                subject_kind="unit",
                subject_entity_id=UNIT,
                purpose="disbursement",
                programme_officer="J. Smith, INL Mexico City",
                markings=BOTH,
            ),
        )
        vetting.decide(
            session=session,
            actor=world.actors["us.vetter"],
            request_id=request.id,
            decision_in=DecisionIn.model_validate(
                {"status": status, "reason": f"{status}: why"} | changes
            ),
        )


def _rows(world: World) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count()).select_from(LedgerTransaction)).scalar())


def _body(programme: str, **changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "programme_id": programme,
        "date": DAY.isoformat(),
        "usd": "125000.00",
        "recipient_entity_id": UNIT,
        "recipient_name": "27 Batallón de Infantería",
    }
    return base | changes


def test_a_disbursement_passes_the_gate_or_is_refused_with_the_reason(fresh_world: World) -> None:
    programme = _setup(fresh_world)
    _supervisor(fresh_world, "mx.super", "FGR", locale="es")
    before = _rows(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.vetter") as vetter,
        server.client("mx.super") as spanish,
    ):
        pending = vetter.post("/api/v1/assistance/disbursements", json=_body(programme))
        assert pending.status_code == 403
        assert pending.json()["error"] == {
            "message": f"field subject: {UNIT} has no vetting request for disbursement",
            "field": "subject",
            "line": None,
            "file": None,
        }
        _vet(fresh_world, "approved", valid_from="2025-01-01", valid_until="2025-12-31")
        made = vetter.post("/api/v1/assistance/disbursements", json=_body(programme))
        assert made.status_code == 201, made.text
        assert made.json()["fiscal_year"] == 2025
        assert made.json()["usd"] == "125000.00"
        assert made.json()["markings"]["tlp"] == "GREEN"
        late = vetter.post(
            "/api/v1/assistance/disbursements", json=_body(programme, date="2026-02-01")
        )
        assert late.status_code == 403
        assert "expired on 2025-12-31" in late.json()["detail"]
        _vet(fresh_world, "suspended", remediation="Retrain the battalion's command")
        refused = spanish.post(
            "/api/v1/assistance/disbursements",
            json=_body(programme),
            headers={"Accept-Language": "es-MX"},
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == (
            f"campo subject: {UNIT} está suspendido en la verificación Leahy: "
            "ninguna asistencia puede llegarle"
        ), refused.json()
        # A reversal of what was paid is no new money reaching the unit: not gated.
        back = vetter.post(
            "/api/v1/assistance/disbursements",
            json=_body(programme, usd="-125000.00", reverses=made.json()["id"]),
        )
        assert back.status_code == 201, back.text
    assert _rows(fresh_world) == before + 2
    with transaction(fresh_world.store.sessions) as session:
        written = session.execute(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.kind == "ledger", AuditRow.action == "write")
        ).scalar()
    assert written == 2


def test_bad_money_is_named_by_field_and_nothing_is_stored(fresh_world: World) -> None:
    programme = _setup(fresh_world)
    before = _rows(fresh_world)
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("us.vetter") as vetter,
        server.client("us.analyst") as analyst,
    ):
        bad = vetter.post(
            "/api/v1/assistance/disbursements",
            json=_body(programme, usd="-10.00", type="99", recipient_entity_id=None),
        )
        assert bad.status_code == 422
        fields = {e["field"] for e in bad.json()["errors"]}
        assert {"reverses", "type"} <= fields, bad.json()
        no_recipient = vetter.post(
            "/api/v1/assistance/disbursements", json=_body(programme, recipient_entity_id=None)
        )
        assert no_recipient.status_code == 422
        assert "recipient_entity_id" in no_recipient.text
        assert (
            analyst.post("/api/v1/assistance/disbursements", json=_body(programme)).status_code
            == 403
        )
        missing = vetter.post("/api/v1/assistance/disbursements", json=_body("nope"))
        assert missing.status_code == 404
    assert _rows(fresh_world) == before


def test_a_programme_the_recorder_may_not_see_answers_as_missing(fresh_world: World) -> None:
    programme = _setup(fresh_world)
    _supervisor(fresh_world, "mx.super", "FGR")
    with transaction(fresh_world.store.sessions) as session:
        usa_only = markings_from_input(
            session=session,
            actor=fresh_world.actors["us.analyst"],
            markings_in=MarkingsIn(tlp="GREEN", rel_to=["USA"]),
        )
        session.execute(
            update(Programme)
            .where(Programme.id == programme)
            .values(marking_id=marking_id_for(session=session, markings=usa_only))
        )
    with (
        LiveServer(fresh_world.store.settings) as server,
        server.client("mx.super") as mexican,
    ):
        hidden = mexican.post("/api/v1/assistance/disbursements", json=_body(programme))
        missing = mexican.post("/api/v1/assistance/disbursements", json=_body("0" * 16))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_the_command_line_records_or_refuses_with_the_reason(fresh_world: World) -> None:
    programme = _setup(fresh_world)
    env = {
        "VINCULO_DATABASE_URL": fresh_world.store.settings.resolved_database_url,
        "VINCULO_DATA_DIR": str(fresh_world.store.settings.data_dir),
    }
    args = ["--programme", programme, "--usd", "5000", "--date", DAY.isoformat()]
    before = _rows(fresh_world)
    refused = run_vinculo(
        "assistance",
        "disburse",
        *args,
        "--recipient",
        UNIT,
        "--as",
        "us.vetter",
        "--lang",
        "es",
        env=env,
    )
    assert refused.returncode == 2
    assert f"{UNIT} no tiene solicitud de verificación para desembolso" in refused.stderr
    assert _rows(fresh_world) == before
    _vet(fresh_world, "approved", valid_from="2025-01-01", valid_until="2025-12-31")
    done = run_vinculo(
        "assistance", "disburse", *args, "--recipient", UNIT, "--as", "us.vetter", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "in fiscal year 2025" in done.stdout
    assert _rows(fresh_world) == before + 1
