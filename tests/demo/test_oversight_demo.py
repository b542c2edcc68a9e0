"""The demo's oversight data (demo/data/units.yml, vetting.yml, allegations.yml, results.yml,
municipal_indicators.csv), seeded through the services, on both backends: about forty units
with their chains of command, vetting histories in which the suspended unit is refused a
disbursement with its reason, allegations per unit as the file says (on the audit chain,
their victims and witnesses kept from readers outside the monitors' group), and programme
results beside municipal figures, exported in IATI's result element."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from pathlib import Path

import lxml.etree
import pytest
from sqlalchemy import func, select

from vinculo.assistance.iati import Reporter, write_activities
from vinculo.assistance.importer import SOURCE
from vinculo.assistance.models import Programme
from vinculo.assistance.outcomes import municipal_indicators, programme_results
from vinculo.db import transaction
from vinculo.demo.oversight import read
from vinculo.intel.models import Entity
from vinculo.oversight import allegations, vetting
from vinculo.oversight.service import chain_of_command
from vinculo.security.audit import AuditRow
from vinculo.security.markings import Actor
from vinculo.security.service import actor_for, get_by_username

from conftest import Store

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "iati" / "iati-activities-schema.xsd"


def _actor(session: object, username: str) -> Actor:
    user = get_by_username(session=session, username=username)  # type: ignore[arg-type]
    assert user is not None
    return actor_for(user)


def test_about_forty_units_with_chains_of_command(demo_store: Store) -> None:
    units = read("units.yml")
    ids = [str(u["id"]) for u in units]
    assert 38 <= len(ids) <= 45
    forces = Counter(str(u["force"]) for u in units)
    assert {"SEDENA", "SEMAR", "GN", "state_police", "municipal_police", "FGR"} <= set(forces)
    states = {u["location"].get("state") for u in units if u.get("location")}
    assert len(states - {None}) >= 5
    with transaction(demo_store.sessions) as session:
        stored = session.execute(
            select(func.count()).select_from(Entity).where(Entity.id.in_(ids))
        ).scalar_one()
        assert stored == len(ids)
        mexican = _actor(session, "mx.analyst")
        chain = chain_of_command(
            session=session, actor=mexican, unit_id="mx-sedena-bi94", on=date(2021, 1, 1)
        )
        assert [u.id for u in chain.items] == [
            "mx-sedena-bi94",
            "mx-sedena-zm35",
            "mx-sedena-rm9",
            "mx-sedena",
        ]
        assert chain.items[0].commanders[0].name == "Tte. Cor. Inf. Humberto Carrasco Vela"
        later = chain_of_command(
            session=session, actor=mexican, unit_id="mx-sedena-bi94", on=date(2023, 1, 1)
        )
        assert later.items[0].commanders[0].name == "Tte. Cor. Inf. Gilberto Ruvalcaba Soto"
        police = chain_of_command(
            session=session, actor=mexican, unit_id="mx-fgr-bc", on=date(2023, 1, 1)
        )
        assert [u.id for u in police.items] == ["mx-fgr-bc", "mx-fgr-pfm", "mx-fgr-aic", "mx-fgr"]


def test_vetting_histories_and_the_gate(demo_store: Store) -> None:
    today = date.today()
    with transaction(demo_store.sessions) as session:
        # The suspended battalion: approved until 2026, then suspended; every purpose refused.
        for purpose in ("disbursement", "training"):
            with pytest.raises(vetting.NotVetted) as refused:
                vetting.require_valid_approval(
                    session=session,
                    subject_entity_id="mx-sedena-bi94",
                    purpose=purpose,
                    on=date(2024, 6, 30),
                )
            assert refused.value.render("en") == (
                "field subject: mx-sedena-bi94 is suspended in Leahy vetting: "
                "no assistance may reach it"
            )
            assert "suspendid" in refused.value.render("es")
        with pytest.raises(vetting.NotVetted) as denied:
            vetting.require_valid_approval(
                session=session, subject_entity_id="mx-gro-pe", purpose="training", on=today
            )
        assert "denied" in denied.value.render("en")
        # An approval past its last day is expired; one still running lets money through.
        with pytest.raises(vetting.NotVetted) as expired:
            vetting.require_valid_approval(
                session=session, subject_entity_id="mx-sedena-zm2", purpose="disbursement", on=today
            )
        assert "expired on 2023-09-30" in expired.value.render("en")
        approved = vetting.require_valid_approval(
            session=session,
            subject_entity_id="mx-tij-ssc",
            purpose="disbursement",
            on=date(2024, 6, 30),
        )
        assert approved.status == "approved" and approved.valid_until == date(2027, 12, 31)
        # The battalion's renewal: the first approval expired, the second holds.
        bi28 = vetting.require_valid_approval(
            session=session,
            subject_entity_id="mx-sedena-bi28",
            purpose="disbursement",
            on=date(2024, 6, 30),
        )
        assert bi28.valid_from == date(2023, 1, 1)
        american = _actor(session, "us.analyst")
        listed = vetting.list_vetting(session=session, actor=american, limit=200)
        requests = read("vetting.yml")["requests"]
        decided = Counter(
            r["decisions"][-1]["status"] if r["decisions"] else "pending" for r in requests
        )
        assert decided["suspended"] == 1 and decided["denied"] == 1
        found = session.execute(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.kind == "vetting", AuditRow.actor == "us.supervisor")
        ).scalar_one()
        assert found >= sum(len(r["decisions"]) for r in requests)
    assert listed.total >= len(requests)


def test_allegations_per_unit_as_the_file_says(demo_store: Store) -> None:
    entries = read("allegations.yml")["allegations"]
    expected = Counter(str(a["unit"]) for a in entries)
    assert len(expected) >= 5
    with transaction(demo_store.sessions) as session:
        american = _actor(session, "us.analyst")
        for unit, count in expected.items():
            found = allegations.list_allegations(
                session=session, actor=american, unit=unit, limit=50
            )
            assert found.total == count, unit
            wanted = Counter(
                (a.get("history") or [{"status": "reported"}])[-1]["status"]
                for a in entries
                if a["unit"] == unit
            )
            assert Counter(a.status for a in found.items) == wanted, unit
            for item in found.items:
                assert item.summary_en and item.summary_es
        credible = allegations.list_allegations(
            session=session, actor=american, unit="mx-sedena-bi94", status="credible"
        )
        assert credible.total == 2
        # Victims and witnesses are for the monitors' group: an analyst outside it sees none.
        one = allegations.get_allegation(
            session=session, actor=american, allegation_id=credible.items[0].id
        )
        assert one.parties == []
        assert [h.to_status for h in one.history] == ["reported", "under_review", "credible"]
        filed = session.execute(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.kind == "allegation", AuditRow.actor == "mx.analyst")
        ).scalar_one()
        changes = sum(len(a.get("history") or []) for a in entries)
        assert filed >= len(entries) + changes


def test_results_and_municipal_figures_import(demo_store: Store) -> None:
    results = read("results.yml")
    with transaction(demo_store.sessions) as session:
        mexican = _actor(session, "mx.analyst")
        juarez = session.execute(
            select(Programme.id).where(Programme.key == f"{SOURCE}:AID-523-A-20-00001")
        ).scalar_one()
        found = programme_results(session=session, actor=mexican, programme_id=juarez)
        assert [i.code for i in found.items] == ["youth-reached", "school-return"]
        youth = found.items[0]
        assert youth.periods[-1].actual is not None and int(youth.periods[-1].actual) == 6480
        assert sum(1 for r in results if r["programme"] == "AID-523-A-20-00001") == 2
        figures = municipal_indicators(
            session=session, actor=mexican, municipality="08037", code="homicide_rate"
        )
        assert [v.year for v in figures.items] == list(range(2016, 2025))
        assert all(v.source.startswith("INEGI") for v in figures.items)
        everything = municipal_indicators(session=session, actor=mexican, limit=5000)
        lines = (
            Path(__file__).resolve().parents[2] / "src" / "vinculo" / "demo" / "data"
        ).joinpath("municipal_indicators.csv").read_text("utf-8").count("\n") - 1
        assert everything.total == lines
        out = io.StringIO()
        write_activities(
            session=session,
            actor=mexican,
            out=out,
            reporter=Reporter(ref="US-GOV-11", name="U.S. Department of State"),
        )
    document = lxml.etree.fromstring(out.getvalue().encode("utf-8"))
    lxml.etree.XMLSchema(lxml.etree.parse(str(SCHEMA))).assertValid(document)
    assert len(document.findall("iati-activity/result/indicator")) == len(results)
