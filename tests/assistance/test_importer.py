"""Import of ForeignAssistance.gov CSV files, on SQLite and PostgreSQL: rows of Mexico stored
under the markings asked for; a revised release updates instead of duplicating; bad input is
the whole file or nothing, named by file, line and column in the reader's language."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vinculo.assistance.importer import GOAL, PILLAR, REVERSES, import_csv
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.db import transaction
from vinculo.errors import InvalidInput
from vinculo.intel.schemas import MarkingsIn
from vinculo.security.audit import AuditRow
from vinculo.security.models import MarkingRow

from worlds import World

DATA = Path(__file__).resolve().parents[1] / "data" / "assistance"
FIRST = DATA / "fagov_mexico_2024-06.csv"
REVISED = DATA / "fagov_mexico_2024-09.csv"
PUBLIC = MarkingsIn(tlp="CLEAR", rel_to=["USA", "MEX"])


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _import(world: World, text: str, **kw: object) -> object:
    with transaction(world.store.sessions) as session:
        return import_csv(
            session=session,
            actor=world.actors["us.analyst"],
            handle=io.StringIO(text),
            file_name=str(kw.pop("file_name", "fa.csv")),
            release=str(kw.pop("release", "2024-06")),
            markings_in=kw.pop("markings_in", PUBLIC),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )


def _count(world: World) -> int:
    with transaction(world.store.sessions) as session:
        return int(session.execute(select(func.count(LedgerTransaction.seq))).scalar_one())


def test_mexico_s_rows_are_stored_and_a_revised_release_updates_them(fresh_world: World) -> None:
    summary = _import(fresh_world, FIRST.read_text("utf-8"))
    assert (summary.added, summary.updated, summary.other_countries) == (11, 0, 1)  # type: ignore[attr-defined]
    assert summary.programmes == 5  # type: ignore[attr-defined]
    with transaction(fresh_world.store.sessions) as session:
        rows = list(session.execute(select(LedgerTransaction)).scalars())
        judicial = session.execute(
            select(Programme).where(Programme.key == "foreignassistance.gov:19-INL-MX-0101")
        ).scalar_one()
        assert (judicial.account, judicial.sector) == ("INCLE", "15130")
        assert judicial.name_en == "Mérida: Judicial sector reform"
        # 31 December 2019 is in fiscal year 2020.
        december = [r for r in rows if r.transaction_date.isoformat() == "2019-12-31"]
        assert [(r.fiscal_year, r.type, r.usd) for r in december] == [
            (2020, "3", Decimal("1200000.50"))
        ]
        assert {r.release for r in rows} == {"2024-06"}
        signature = session.execute(
            select(MarkingRow.signature).where(MarkingRow.id == rows[0].marking_id)
        ).scalar_one()
        assert signature.startswith("CLEAR|DEA|MEX,USA|")
        audit = session.execute(
            select(AuditRow).where(AuditRow.kind == "assistance_import")
        ).scalar_one()
        assert audit.actor == "us.analyst" and '"added": 11' in audit.detail
    revised = _import(fresh_world, REVISED.read_text("utf-8"), release="2024-09")
    assert (revised.added, revised.updated) == (1, 11)  # type: ignore[attr-defined]
    assert _count(fresh_world) == 12
    with transaction(fresh_world.store.sessions) as session:
        restated = session.execute(
            select(LedgerTransaction).where(LedgerTransaction.transaction_date == date(2019, 6, 30))
        ).scalar_one()
        assert restated.usd == Decimal("812500.00") and restated.release == "2024-09"
    again = _import(fresh_world, REVISED.read_text("utf-8"), release="2024-09")
    assert (again.added, again.updated) == (0, 12)  # type: ignore[attr-defined]
    assert _count(fresh_world) == 12


def _broken(column: str, value: str, line: int = 3) -> str:
    header, rows = _rows(FIRST)
    rows[line - 2][column] = value
    return _text(header, rows)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Current Dollar Amount", "12,5 USD", "cannot read the amount 12,5 USD"),
        ("Transaction Date", "31/31/2019", "cannot read the date 31/31/2019"),
        ("Funding Account Name", "Operating Expenses", "unknown funding account"),
        ("International Purpose Code", "99810", "unknown DAC purpose 99810"),
        ("Transaction Type Name", "Requested", "unknown transaction type Requested"),
        ("Fiscal Year", "2018", "the fiscal year 2018 is not that of the date (2019)"),
        ("Current Dollar Amount", "-5000.00", "a negative disbursement needs"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(
    fresh_world: World, column: str, value: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, _broken(column, value), file_name="bad.csv")
    error = refused.value
    assert (error.file, error.line, error.field) == ("bad.csv", 3, column)
    assert error.render("en").startswith(f"file bad.csv, line 3, field {column}: {message}")
    assert _count(fresh_world) == 0


def test_the_error_is_in_the_reader_s_language(fresh_world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, _broken("Current Dollar Amount", "doce"), file_name="malo.csv")
    text = refused.value.render("es")
    assert "malo.csv" in text and "3" in text and "Current Dollar Amount" in text
    assert "cannot" not in text


def test_a_missing_column_is_named(fresh_world: World) -> None:
    header, rows = _rows(FIRST)
    header.remove("Transaction Date")
    for row in rows:
        del row["Transaction Date"]
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, _text(header, rows), file_name="short.csv")
    assert refused.value.field == "Transaction Date" and refused.value.line is None
    assert _count(fresh_world) == 0


def test_a_reversal_with_its_reference_is_stored(fresh_world: World) -> None:
    header, rows = _rows(FIRST)
    header.append(REVERSES)
    for row in rows:
        row[REVERSES] = ""
    rows[1]["Current Dollar Amount"] = "-800000.00"
    rows[1][REVERSES] = "INL-MX-0101-DISB-7"
    summary = _import(fresh_world, _text(header, rows))
    assert summary.added == 11  # type: ignore[attr-defined]


def test_skip_bad_stores_the_rest_and_writes_the_rejects(fresh_world: World) -> None:
    header, rows = _rows(FIRST)
    rows[0]["Current Dollar Amount"] = "lots"
    rows[4]["Funding Account Name"] = "Operating Expenses"
    rejects = io.StringIO()
    summary = _import(fresh_world, _text(header, rows), skip_bad=True, rejects=rejects, locale="es")
    assert (summary.added, summary.rejected) == (9, 2)  # type: ignore[attr-defined]
    written = list(csv.DictReader(io.StringIO(rejects.getvalue())))
    assert [(r["line"], r["column"]) for r in written] == [
        ("2", "Current Dollar Amount"),
        ("6", "Funding Account Name"),
    ]
    assert written[0]["Activity ID"] == "19-INL-MX-0101"
    assert "línea 2" in written[0]["error"]


def test_a_programme_s_pillar_and_goal_are_read_from_columns_of_the_project(
    fresh_world: World,
) -> None:
    header, rows = _rows(FIRST)
    header += [PILLAR, GOAL]
    for row in rows:
        row[PILLAR], row[GOAL] = "", ""
    for row in rows[:3]:
        row[PILLAR] = "Pilar 2: Institucionalizar la capacidad para mantener el Estado de derecho"
    rows[3][GOAL] = "pursue_networks"
    _import(fresh_world, _text(header, rows))
    with transaction(fresh_world.store.sessions) as session:
        found = {
            p.key.rsplit(":", 1)[1]: (p.pillar, p.goal)
            for p in session.execute(select(Programme)).scalars()
        }
    assert found["19-INL-MX-0101"] == ("rule_of_law", None)
    assert found["19-INL-MX-0102"] == (None, "pursue_networks")
    rows[5][PILLAR] = "Pillar 9"
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, _text(header, rows))
    assert (refused.value.line, refused.value.field) == (7, PILLAR)


def test_a_nul_character_or_a_stray_quote_is_refused_by_line(
    fresh_world: World,
) -> None:
    text = FIRST.read_text("utf-8").splitlines(keepends=True)
    nul = [*text[:4], text[4].replace("Mexico", "Mex\x00ico"), *text[5:]]
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, "".join(nul), file_name="nul.csv")
    assert (refused.value.file, refused.value.line, refused.value.field) == (
        "nul.csv",
        5,
        "Country Name",
    )
    quoted = [*text[:5], text[5].replace(",Mexico,", ',"Mex"ico,', 1), *text[6:]]
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, "".join(quoted), file_name="quote.csv")
    assert (refused.value.file, refused.value.line) == ("quote.csv", 6)
    assert "cannot be read as CSV" in refused.value.render("en")
    assert "no se puede leer como CSV" in refused.value.render("es")
    assert _count(fresh_world) == 0


def test_a_row_s_line_is_where_it_starts_and_long_texts_are_cut_to_fit(
    fresh_world: World,
) -> None:
    header, rows = _rows(FIRST)
    rows[2]["Activity Description"] = "First line.\nSecond line.\nThird line."
    long = "Ñ" * 2_000
    for column in ("Funding Agency Name", "Managing Agency Name", "Implementing Partner Name"):
        rows[1][column] = long
    rows[1]["Activity ID"] = "A" * 1_000
    rows[3]["Current Dollar Amount"] = "n/a"
    with pytest.raises(InvalidInput) as refused:
        _import(fresh_world, _text(header, rows))
    # The header is line 1, rows 2 and 3, the third lines 4 to 6, the fourth 7.
    assert refused.value.line == 7
    rows[3]["Current Dollar Amount"] = "1.00"
    summary = _import(fresh_world, _text(header, rows))
    assert summary.added == 11  # type: ignore[attr-defined]
    with transaction(fresh_world.store.sessions) as session:
        description = session.execute(
            select(Programme.description).where(Programme.key.like("%19-INL-MX-0101"))
        ).scalar_one()
        assert description == "First line.\nSecond line.\nThird line."
