"""Programmes and ledger rows as stored: money to the cent on both backends, the fiscal year
from the date (October to September)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from vinculo.assistance.models import LedgerTransaction, Programme, fiscal_year
from vinculo.db import transaction
from vinculo.security.markings import Markings
from vinculo.security.policy import marking_id_for

from conftest import Store


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2023, 9, 30), 2023),
        (date(2023, 10, 1), 2024),
        (date(2024, 1, 15), 2024),
        (date(2024, 12, 31), 2025),
    ],
)
def test_the_fiscal_year_runs_october_to_september(day: date, year: int) -> None:
    assert fiscal_year(day) == year


def test_money_is_kept_to_the_cent(store: Store) -> None:
    with transaction(store.sessions) as session:
        marks = Markings.create(tlp="CLEAR", originator="DEA", rel_to=["USA", "MEX"])
        marking = marking_id_for(session=session, markings=marks)
        session.add(
            Programme(
                id="p1",
                key="test:p1",
                name_en="Judicial reform",
                account="INCLE",
                sector="15130",
                source="test",
                release="r1",
                marking_id=marking,
            )
        )
        session.flush()
        for number, usd in enumerate(("0.10", "0.20", "1234567890123.45")):
            session.add(
                LedgerTransaction(
                    id=f"t{number}",
                    key=f"test:{number}",
                    programme_id="p1",
                    fiscal_year=2024,
                    transaction_date=date(2024, 3, 1),
                    type="3",
                    usd=Decimal(usd),
                    mxn=Decimal("17.05") if number == 0 else None,
                    rate=Decimal("17.123456") if number == 0 else None,
                    source="test",
                    release="r1",
                    source_line=number + 2,
                    marking_id=marking,
                )
            )
        # One flush for the three: SQLite's batched INSERT … RETURNING hands the engine's NUL
        # check one flat row of all their values (vinculo.db._flat).
        session.flush()
    with transaction(store.sessions) as session:
        total = session.execute(select(func.sum(LedgerTransaction.usd))).scalar_one()
        assert Decimal(total) == Decimal("1234567890123.75")
        first = session.execute(
            select(LedgerTransaction).where(LedgerTransaction.id == "t0")
        ).scalar_one()
        assert first.rate == Decimal("17.123456") and first.mxn == Decimal("17.05")
