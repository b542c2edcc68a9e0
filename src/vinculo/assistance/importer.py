"""Import of ForeignAssistance.gov's complete-dataset CSV into programmes and the ledger.

The whole file or nothing: every row is read and checked before anything is written, and
the first bad one (a missing column, an amount or date that cannot be read, an unknown
account, purpose or transaction type, a negative disbursement with no reversal reference)
is refused naming the file, the line and the column. With `skip_bad`, bad rows go to a
rejects file with their error instead, and the rest is stored.

A row's key is a hash of what identifies it in the source (activity, transaction type,
date, account, partner, purpose, managing agency) and its occurrence among equal rows, not
of its amounts: a revised release of the file updates the rows it matches and adds the
rest, and every row keeps the source and release it came from last.
"""

from __future__ import annotations

import csv
import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TextIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from vinculo.assistance import codes
from vinculo.assistance.models import LedgerTransaction, Programme, fiscal_year
from vinculo.errors import Forbidden, InvalidInput
from vinculo.i18n import N_
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.service import markings_from_input
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError
from vinculo.security.models import utcnow
from vinculo.security.policy import marking_id_for
from vinculo.security.roles import Permission, require
from vinculo.text import fold

SOURCE = "foreignassistance.gov"
# What ForeignAssistance.gov publishes is public, and shared by both nations: TLP:CLEAR,
# REL TO USA, MEX, unless the importer asks for narrower markings.
DEFAULT_TLP = "CLEAR"
DEFAULT_REL_TO = ("USA", "MEX")
# The complete dataset's columns this import reads (its data dictionary spells them so).
REQUIRED = (
    "Country Name",
    "Fiscal Year",
    "Funding Agency Name",
    "Funding Account Name",
    "Managing Agency Name",
    "Implementing Partner Name",
    "US Sector Name",
    "International Purpose Name",
    "Activity ID",
    "Activity Name",
    "Activity Description",
    "Transaction Type Name",
    "Transaction Date",
    "Current Dollar Amount",
    "Constant Dollar Amount",
)
PURPOSE_CODE = "International Purpose Code"  # in the complete dataset; read when present
# Columns of the project's own, optional, for ledgers kept beside the public one: the
# recipient unit, the peso amount and rate, and what a negative disbursement reverses.
UNIT = "Recipient Unit"
UNIT_ENTITY = "Recipient Unit Entity ID"
MXN = "MXN Amount"
RATE = "Exchange Rate"
REVERSES = "Reversal Of"
# The framework a programme is filed under: codes or labels of vocab/merida_pillars.yml and
# vocab/bicentennial_goals.yml (the public dataset names neither).
PILLAR = "Merida Pillar"
GOAL = "Bicentennial Goal"
MAX_TEXT = 300
BATCH = 2000


@dataclass
class ImportSummary:
    file: str
    release: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    other_countries: int = 0
    rejected: int = 0
    programmes: int = 0


@dataclass(frozen=True)
class Where:
    file: str
    line: int


def _bad(message: str, column: str | None, where: Where, **params: object) -> InvalidInput:
    return InvalidInput(message, field=column, file=where.file, line=where.line, **params)


@dataclass
class _Row:
    line: int
    key: str
    programme_key: str
    programme: dict[str, object]
    values: dict[str, object] = field(default_factory=dict)


def _amount(text: str, column: str, where: Where) -> Decimal:
    cleaned = text.strip().replace("$", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) >= Decimal("1e16"):
        raise _bad(
            N_("cannot read the amount {value}"),
            column,
            where,
            value=text,
        )
    return value.quantize(Decimal("0.01"))


def _optional_amount(text: str, column: str, where: Where) -> Decimal | None:
    return _amount(text, column, where) if text.strip() else None


def _rate(text: str, where: Where) -> Decimal | None:
    if not text:
        return None
    try:
        rate = Decimal(text)
    except InvalidOperation:
        rate = Decimal("NaN")
    # NaN is tested first: comparing it raises.
    if not rate.is_finite() or rate <= 0 or rate >= 100_000_000:
        raise _bad(N_("cannot read the exchange rate {value}"), RATE, where, value=text)
    return rate.quantize(Decimal("0.000001"))


def _date(text: str, column: str, where: Where) -> date:
    cleaned = text.strip()
    # ISO dates, with a time or not, and the month/day/year the agencies' exports also use.
    for form in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    raise _bad(
        N_("cannot read the date {value}: write it as YYYY-MM-DD"),
        column,
        where,
        value=text,
    )


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()[:MAX_TEXT]


def _code(name: str, text: str, column: str, where: Where) -> str:
    found = codes.code_for(name, text)
    if found is None:
        messages = {
            codes.ACCOUNTS: N_("unknown funding account {value}"),
            codes.SECTORS: N_("unknown DAC purpose {value}"),
            codes.TRANSACTION_TYPES: N_("unknown transaction type {value}"),
            codes.PILLARS: N_("unknown Mérida Initiative pillar {value}"),
            codes.GOALS: N_("unknown Bicentennial Framework goal {value}"),
        }
        raise _bad(messages[name], column, where, value=text)
    return found


def _row_key(row: dict[str, str], sector: str, seen: dict[str, int]) -> str:
    parts = [
        _text(row, "Activity ID"),
        fold(_text(row, "Transaction Type Name")),
        _text(row, "Transaction Date"),
        fold(_text(row, "Funding Account Name")),
        fold(_text(row, "Implementing Partner Name")),
        sector,
        fold(_text(row, "Managing Agency Name")),
        fold(_text(row, UNIT)),
    ]
    base = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]
    # Equal rows (a file may hold the same line twice for two sub-awards) keep their order.
    seen[base] = seen.get(base, 0) + 1
    return f"{SOURCE}:{base}:{seen[base]}"


def _check_row(row: dict[str, str], where: Where, seen: dict[str, int], release: str) -> _Row:
    account = _code(
        codes.ACCOUNTS, _text(row, "Funding Account Name"), "Funding Account Name", where
    )
    purpose = _text(row, PURPOSE_CODE)
    if purpose:
        sector = _code(codes.SECTORS, purpose, PURPOSE_CODE, where)
    else:
        column = "International Purpose Name"
        sector = _code(codes.SECTORS, _text(row, column), column, where)
    kind = _code(
        codes.TRANSACTION_TYPES, _text(row, "Transaction Type Name"), "Transaction Type Name", where
    )
    day = _date(row.get("Transaction Date") or "", "Transaction Date", where)
    year = fiscal_year(day)
    stated = _text(row, "Fiscal Year")
    if stated and stated != str(year):
        raise _bad(
            N_("the fiscal year {value} is not that of the date ({year})"),
            "Fiscal Year",
            where,
            value=stated,
            year=year,
        )
    usd = _amount(row.get("Current Dollar Amount") or "", "Current Dollar Amount", where)
    constant = _optional_amount(
        row.get("Constant Dollar Amount") or "", "Constant Dollar Amount", where
    )
    mxn = _optional_amount(row.get(MXN) or "", MXN, where)
    rate = _rate((row.get(RATE) or "").strip(), where)
    reverses = _text(row, REVERSES)
    if kind == codes.DISBURSEMENT and usd < 0 and not reverses:
        raise _bad(
            N_("a negative disbursement needs the reference of what it reverses ({name})"),
            "Current Dollar Amount",
            where,
            name=REVERSES,
        )
    pillar = _text(row, PILLAR)
    goal = _text(row, GOAL)
    activity = _text(row, "Activity ID")
    if not activity:
        raise _bad(
            N_("the activity has no id"),
            "Activity ID",
            where,
        )
    partner = _text(row, "Implementing Partner Name")
    line = where.line
    return _Row(
        line=line,
        key=_row_key(row, sector, seen),
        programme_key=f"{SOURCE}:{activity[:250]}",
        programme={
            "name_en": _text(row, "Activity Name") or activity,
            "description": (row.get("Activity Description") or "").strip(),
            "account": account,
            "sector": sector,
            "pillar": _code(codes.PILLARS, pillar, PILLAR, where) if pillar else None,
            "goal": _code(codes.GOALS, goal, GOAL, where) if goal else None,
            "partner": partner,
            "funding_agency": _text(row, "Funding Agency Name")[:200],
            "managing_agency": _text(row, "Managing Agency Name")[:200],
        },
        values={
            "fiscal_year": year,
            "transaction_date": day,
            "type": kind,
            "partner": partner,
            "unit_name": _text(row, UNIT),
            "unit_entity_id": _text(row, UNIT_ENTITY)[:128] or None,
            "usd": usd,
            "constant_usd": constant,
            "mxn": mxn,
            "rate": rate,
            "reverses": reverses[:200],
            "release": release,
            "source_line": line,
        },
    )


def read_rows(
    handle: TextIO,
    *,
    file_name: str,
    release: str,
    country: str,
    skip_bad: bool,
    summary: ImportSummary,
    rejects: Callable[[int, dict[str, str], InvalidInput], None],
) -> Iterator[_Row]:
    """The file's checked rows of `country`; a bad one raises, or goes to `rejects`."""
    # Strict: a stray quote or one left open is refused, not read as something else.
    reader = csv.DictReader(handle, strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as broken:
        raise _unreadable(broken, Where(file_name, 1)) from None
    for column in REQUIRED:
        if column not in header:
            raise InvalidInput(
                N_("the file has no column {value}"), field=column, value=column, file=file_name
            )
    seen: dict[str, int] = {}
    wanted = fold(country)
    for line, row in _records(reader, file_name):
        summary.rows += 1
        where = Where(file_name, line)
        error: InvalidInput
        nul = next((k for k, v in row.items() if isinstance(v, str) and "\x00" in v), None)
        if None in row:
            error = _bad(N_("the row has more fields than the header"), None, where)
        elif nul is not None:
            error = _bad(
                N_("the text holds a NUL character (code 0), which is refused"), nul, where
            )
        elif fold(row.get("Country Name") or "") != wanted:
            summary.other_countries += 1
            continue
        else:
            try:
                yield _check_row(row, where, seen, release)
                continue
            except InvalidInput as found:
                error = found
        if not skip_bad:
            raise error
        summary.rejected += 1
        rejects(line, row, error)


def _unreadable(error: csv.Error, where: Where) -> InvalidInput:
    # A stray quote, a quote left open, a field over the csv module's limit: not CSV to go on.
    return _bad(N_("the file cannot be read as CSV here: {value}"), None, where, value=str(error))


def _records(reader: csv.DictReader[str], file_name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each row; the line is where the row starts (a quoted field may span
    several). A row the csv module cannot read ends the file: nothing after it is trusted."""
    ended = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _unreadable(error, Where(file_name, ended + 1)) from None
        yield ended + 1, row
        ended = reader.line_num


def import_csv(
    *,
    session: Session,
    actor: Actor,
    handle: TextIO,
    file_name: str,
    release: str,
    markings_in: MarkingsIn,
    country: str = "Mexico",
    skip_bad: bool = False,
    rejects: TextIO | None = None,
    locale: str = "en",
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Store a ForeignAssistance.gov CSV's rows of `country` under the markings asked for.

    Nothing is committed here: the caller owns the transaction, so a refused file leaves
    nothing behind."""
    require(actor, Permission.IMPORT)
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))
    if not release.strip():
        raise InvalidInput(N_("name the release of the file"), field="release", file=file_name)
    release = release.strip()[:100]
    try:
        markings = markings_from_input(session=session, actor=actor, markings_in=markings_in)
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        error.file = file_name
        raise
    summary = ImportSummary(file=file_name, release=release)
    writer = csv.writer(rejects) if rejects is not None else None
    header_written = False

    def reject(line: int, row: dict[str, str], error: InvalidInput) -> None:
        nonlocal header_written
        if writer is None:
            return
        if not header_written:
            writer.writerow(["line", "column", "error", *[k for k in row if k is not None]])
            header_written = True
        cells = [str(v) for k, v in row.items() if k is not None]
        writer.writerow([line, error.field or "", error.render(locale), *cells])

    # Every row is checked before the first is written: the whole file or nothing.
    rows = list(
        read_rows(
            handle,
            file_name=file_name,
            release=release,
            country=country,
            skip_bad=skip_bad,
            summary=summary,
            rejects=reject,
        )
    )
    marking_id = marking_id_for(session=session, markings=markings)
    programme_ids = _store_programmes(session, rows, release, marking_id, summary)
    _store_transactions(session, rows, programme_ids, marking_id, summary, progress)
    record(
        session=session,
        actor=actor,
        action="write",
        kind="assistance_import",
        target=SOURCE,
        detail={
            "file": file_name,
            "release": release,
            "markings": markings.signature(),
            "rows": summary.rows,
            "added": summary.added,
            "updated": summary.updated,
            "rejected": summary.rejected,
            "other_countries": summary.other_countries,
        },
    )
    return summary


def _batches(items: list[dict[str, object]]) -> Iterable[list[dict[str, object]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _store_programmes(
    session: Session, rows: list[_Row], release: str, marking_id: int, summary: ImportSummary
) -> dict[str, str]:
    """Programme key -> id, each programme made or brought up to this release (its last
    row in the file describes it, but for a pillar or goal any of its rows names)."""
    described: dict[str, dict[str, object]] = {}
    for row in rows:
        earlier = described.get(row.programme_key, {})
        # A framework named on any of the activity's rows stands: the others may leave it out.
        framework = {k: row.programme[k] or earlier.get(k) for k in ("pillar", "goal")}
        described[row.programme_key] = {**row.programme, **framework}
    found: dict[str, tuple[int, str]] = {}
    keys = sorted(described)
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        for seq, key, programme_id in session.execute(
            select(Programme.seq, Programme.key, Programme.id).where(Programme.key.in_(chunk))
        ):
            found[key] = (seq, programme_id)
    now = utcnow()
    common = {"source": SOURCE, "release": release, "marking_id": marking_id, "updated_at": now}
    new = [
        {"id": secrets.token_hex(8), "key": k, "created_at": now, **described[k], **common}
        for k in keys
        if k not in found
    ]
    changed = [{"seq": found[k][0], **described[k], **common} for k in keys if k in found]
    for batch in _batches(new):
        session.execute(insert(Programme), batch)
    for batch in _batches(changed):
        session.execute(update(Programme), batch)
    summary.programmes = len(keys)
    ids = {k: seq_id[1] for k, seq_id in found.items()}
    ids.update({str(p["key"]): str(p["id"]) for p in new})
    return ids


def _store_transactions(
    session: Session,
    rows: list[_Row],
    programme_ids: dict[str, str],
    marking_id: int,
    summary: ImportSummary,
    progress: Callable[[int], None] | None,
) -> None:
    found: dict[str, int] = {}
    keys = [row.key for row in rows]
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        for seq, key in session.execute(
            select(LedgerTransaction.seq, LedgerTransaction.key).where(
                LedgerTransaction.key.in_(chunk)
            )
        ):
            found[key] = seq
    now = utcnow()
    new: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for row in rows:
        values = {
            **row.values,
            "programme_id": programme_ids[row.programme_key],
            "source": SOURCE,
            "marking_id": marking_id,
            "updated_at": now,
        }
        if row.key in found:
            changed.append({"seq": found[row.key], **values})
        else:
            new.append({"id": secrets.token_hex(8), "key": row.key, "created_at": now, **values})
    for batch in _batches(new):
        session.execute(insert(LedgerTransaction), batch)
        if progress is not None:
            progress(len(batch))
    for batch in _batches(changed):
        session.execute(update(LedgerTransaction), batch)
        if progress is not None:
            progress(len(batch))
    summary.added, summary.updated = len(new), len(changed)
