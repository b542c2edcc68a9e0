"""The demo's assistance ledger (demo/data/assistance.yml), imported through the importer:
ten fiscal years of obligations and disbursements, some to the demo's security-force units,
read as any reader of its markings reads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from vinculo.assistance import service
from vinculo.db import transaction
from vinculo.demo.assistance import ledger_csv
from vinculo.oversight.service import chain_of_command
from vinculo.security.service import actor_for, get_by_username

from conftest import Store


def test_the_ledger_answers_what_a_unit_received_by_fiscal_year(demo_store: Store) -> None:
    text, release = ledger_csv()
    assert release == "demo-2025-09" and text.count("\n") - 1 == 282
    with transaction(demo_store.sessions) as session:
        user = get_by_username(session=session, username="mx.analyst")
        assert user is not None
        actor = actor_for(user)
        # The 28th Infantry Battalion's human-rights courses: 600,000 obligated a year from
        # FY2021, 90 % of it paid out in the year.
        found = service.totals(session=session, actor=actor, unit="mx-sedena-bi28")
        by_year = {(t.fiscal_year, t.type): t.usd for t in found.items}
        assert sorted({y for y, _ in by_year}) == [2021, 2022, 2023, 2024, 2025]
        assert by_year[(2024, "2")] == Decimal("600000.00")
        assert by_year[(2024, "3")] == Decimal("540000.00")
        # The unit the ledger names is the demo's unit, with its chain of command.
        chain = chain_of_command(
            session=session, actor=actor, unit_id="mx-sedena-bi28", on=date(2024, 6, 30)
        )
        assert [u.id for u in chain.items][:2] == ["mx-sedena-bi28", "mx-sedena-zm2"]
        ledger = service.list_ledger(session=session, actor=actor, unit="mx-sedena-bi28")
        assert ledger.total == 10
        assert {r.unit_name for r in ledger.items} == {"28º Batallón de Infantería"}
