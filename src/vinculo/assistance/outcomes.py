"""Outcomes: programme results and municipal indicators, imported from files and read under
the access policy.

A programme's results are indicators (title in English and Spanish, a count or a
percentage, better rising or falling, a baseline and a target by year) and what each
measured by period. They are marked like the programme and read through the same policy: a
reader sees an indicator when the reader may see both it and its programme, and a
programme the reader may not see answers as a missing one.

Municipal indicators (homicides per 100,000, school enrolment …) are public data from files
that name their source: each value points at a TLP:CLEAR marking, so every reader sees the
same figures, beside the programmes that were meant to move them.

Both imports are the whole file or nothing: every row is read and checked before anything
is written, and the first fault names the file, the line and the column. A re-import
updates what it matches (an indicator by programme and code, its periods by start; a
municipal value by municipality, indicator, year and source) instead of adding a copy.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.assistance.models import Programme
from vinculo.assistance.outcome_models import MunicipalIndicator, ResultIndicator, ResultPeriod
from vinculo.assistance.outcome_schemas import (
    IndicatorRead,
    MunicipalList,
    MunicipalValueRead,
    PeriodRead,
    ResultList,
)
from vinculo.errors import Forbidden, InvalidInput, NotFound
from vinculo.i18n import N_, gettext
from vinculo.intel.schemas import MarkingsIn
from vinculo.intel.service import markings_from_input, markings_read
from vinculo.security.audit import record
from vinculo.security.markings import Actor, MarkingError
from vinculo.security.models import utcnow
from vinculo.security.policy import marking_id_for, markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, require
from vinculo.text import fold

INDICATORS = "municipal_indicators"  # vocab/municipal_indicators.yml
MEASURES = {"unit": N_("unit"), "percentage": N_("percentage")}
# IATI's IndicatorMeasure codes for the two measures, accepted in a file as well.
IATI_MEASURES = {"unit": "1", "percentage": "2"}
YES = frozenset({"yes", "y", "true", "1", "si", "sí"})
NO = frozenset({"no", "n", "false", "0"})
MUNICIPALITY = re.compile(r"^\d{5}$")
FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_TEXT = 300
# What a programme's results read by default: public and shared by both nations, as the
# ledger they describe.
DEFAULT_TLP = "CLEAR"
DEFAULT_REL_TO = ("USA", "MEX")
PUBLIC = MarkingsIn(tlp="CLEAR", rel_to=list(DEFAULT_REL_TO))

# A programme results file, CSV: one row a period; an indicator's own columns on its first
# row, and on later rows either empty or the same.
RESULT_COLUMNS = (
    "programme",
    "indicator",
    "title_en",
    "title_es",
    "measure",
    "ascending",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "period",
    "target",
    "actual",
    "source",
)
RESULT_REQUIRED = ("programme", "indicator", "measure")
MUNICIPAL_COLUMNS = ("municipality", "state", "indicator", "year", "value", "source")


@dataclass(frozen=True)
class Cell:
    """A value as the file wrote it, where it wrote it (the column as the file names it)."""

    text: str
    line: int
    column: str


Row = dict[str, Cell]


def _bad(message: str, cell: Cell, file_name: str, **params: object) -> InvalidInput:
    return InvalidInput(message, field=cell.column, line=cell.line, file=file_name, **params)


# --- reading values --------------------------------------------------------------------------


def _number(cell: Cell, file_name: str) -> Decimal:
    try:
        value = Decimal(cell.text.replace(",", "").replace("%", "").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) >= Decimal("1e15"):
        raise _bad(N_("cannot read the number {value}"), cell, file_name, value=cell.text)
    return value.quantize(Decimal("0.0001"))


def _year(cell: Cell, file_name: str) -> int:
    text = cell.text.strip()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise _bad(N_("cannot read the year {value}"), cell, file_name, value=cell.text)
    return int(text)


def _period(cell: Cell, file_name: str) -> tuple[date, date]:
    """A calendar year (2023), or a start and an end (2022-10-01/2023-09-30)."""
    text = cell.text.strip()
    if "/" not in text:
        year = _year(cell, file_name)
        return date(year, 1, 1), date(year, 12, 31)
    first, _, last = text.partition("/")
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        start = end = date.min
    if start == date.min or end < start:
        raise _bad(
            N_("cannot read the period {value}: write a year or YYYY-MM-DD/YYYY-MM-DD"),
            cell,
            file_name,
            value=cell.text,
        )
    return start, end


def _measure(cell: Cell, file_name: str) -> str:
    text = fold(cell.text)
    for code, iati in IATI_MEASURES.items():
        if text in (code, iati, fold(gettext("es", MEASURES[code]))):
            return code
    if text in ("count", "number", "porcentaje", "percent", "%"):
        return "unit" if text in ("count", "number") else "percentage"
    raise _bad(
        N_("unknown measure {value}: write unit or percentage"), cell, file_name, value=cell.text
    )


def _flag(cell: Cell, file_name: str) -> bool:
    text = cell.text.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _bad(N_("write yes or no, not {value}"), cell, file_name, value=cell.text)


# --- reading files into rows -----------------------------------------------------------------


def _unreadable(error: csv.Error, file_name: str, line: int) -> InvalidInput:
    return InvalidInput(
        N_("the file cannot be read as CSV here: {value}"),
        file=file_name,
        line=line,
        value=str(error),
    )


def _csv_rows(text: str, file_name: str, columns: Sequence[str]) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise _unreadable(error, file_name, 1) from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise InvalidInput(
            N_("the file has no column {value}"), field=missing[0], value=missing[0], file=file_name
        )
    ended = reader.line_num
    while True:
        try:
            found = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _unreadable(error, file_name, ended + 1) from None
        line = ended + 1
        ended = reader.line_num
        if None in found:
            raise InvalidInput(
                N_("the row has more fields than the header"), file=file_name, line=line
            )
        nul = next((k for k, v in found.items() if isinstance(v, str) and "\x00" in v), None)
        if nul is not None:
            raise InvalidInput(
                N_("the text holds a NUL character (code 0), which is refused"),
                file=file_name,
                line=line,
                field=nul,
            )
        yield {k: Cell((v or "").strip(), line, k) for k, v in found.items() if k is not None}


def _node_line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _yaml_scalar(node: yaml.Node, file_name: str, column: str) -> Cell:
    if not isinstance(node, yaml.ScalarNode):
        raise InvalidInput(
            N_("give a single value"), file=file_name, line=_node_line(node), field=column
        )
    text = "" if node.tag == "tag:yaml.org,2002:null" else str(node.value).strip()
    if "\x00" in text:
        raise InvalidInput(
            N_("the text holds a NUL character (code 0), which is refused"),
            file=file_name,
            line=_node_line(node),
            field=column,
        )
    return Cell(text, _node_line(node), column)


def _yaml_mapping(node: yaml.Node, file_name: str, where: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise InvalidInput(
            N_("expected a mapping of field names to values"),
            file=file_name,
            line=_node_line(node),
            field=where,
        )
    return [(_yaml_scalar(k, file_name, where).text, v) for k, v in node.value]


def _unknown_field(file_name: str, node: yaml.Node, name: str) -> InvalidInput:
    return InvalidInput(
        N_("unknown field {value}"), file=file_name, line=_node_line(node), field=name, value=name
    )


def _yaml_result_rows(text: str, file_name: str) -> Iterator[Row]:
    """A YAML list of indicators, each with `baseline: {year, value}`, `target: {year,
    value}` and `periods: [{period, target, actual}]`, flattened to the CSV's rows."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InvalidInput(
            N_("malformed YAML: {reason}"),
            file=file_name,
            line=mark.line + 1 if mark is not None else None,
            reason=str(getattr(error, "problem", None) or error),
        ) from None
    if root is None:
        return
    if not isinstance(root, yaml.SequenceNode):
        raise InvalidInput(
            N_("expected a list of indicators"), file=file_name, line=_node_line(root)
        )
    plain = ("programme", "indicator", "title_en", "title_es", "measure", "ascending", "source")
    for index, node in enumerate(root.value):
        own: Row = {}
        periods: list[Row] = []
        for key, value in _yaml_mapping(node, file_name, f"[{index}]"):
            if key in plain:
                own[key] = _yaml_scalar(value, file_name, key)
            elif key in ("baseline", "target"):
                for part, inner in _yaml_mapping(value, file_name, key):
                    if part not in ("year", "value"):
                        raise _unknown_field(file_name, inner, f"{key}.{part}")
                    own[f"{key}_{part}"] = _yaml_scalar(inner, file_name, f"{key}.{part}")
            elif key == "periods":
                if not isinstance(value, yaml.SequenceNode):
                    raise InvalidInput(
                        N_("expected a list"), file=file_name, line=_node_line(value), field=key
                    )
                for number, item in enumerate(value.value):
                    period: Row = {}
                    for part, inner in _yaml_mapping(item, file_name, f"periods[{number}]"):
                        if part not in ("period", "target", "actual"):
                            raise _unknown_field(file_name, inner, f"periods[{number}].{part}")
                        period[part] = _yaml_scalar(inner, file_name, f"periods[{number}].{part}")
                    periods.append(period)
            else:
                raise _unknown_field(file_name, value, key)
        line = _node_line(node)
        for name in RESULT_REQUIRED:
            own.setdefault(name, Cell("", line, name))
        if not periods:
            yield own
        for period in periods:
            yield {**own, **period}


# --- programme results -----------------------------------------------------------------------


@dataclass
class _Indicator:
    programme_id: str
    code: str
    line: int
    values: dict[str, Any]
    cells: Row
    periods: dict[date, tuple[date, Decimal | None, Decimal | None, int]] = field(
        default_factory=dict
    )


@dataclass
class ResultsSummary:
    file: str
    release: str
    indicators: int = 0
    added: int = 0
    updated: int = 0
    periods: int = 0


def _importer(actor: Actor) -> None:
    require(actor, Permission.IMPORT)
    if not actor.agency or actor.user_id is None:
        raise Forbidden(N_("only an account of a partner agency can originate an item"))


def _programme_ids(session: Session, visible: list[int]) -> dict[str, str]:
    """What a file may name a programme by, for the programmes the importer may see: its id
    and the source's activity id (`<source>:<activity>`)."""
    found: dict[str, str] = {}
    for programme_id, key in session.execute(
        select(Programme.id, Programme.key).where(Programme.marking_id.in_(visible))
    ):
        found[programme_id] = programme_id
        found[key] = programme_id
        found.setdefault(key.split(":", 1)[-1], programme_id)
    return found


def _indicator_values(row: Row, file_name: str) -> dict[str, Any]:
    """The indicator's own columns this row fills, read; an empty one is left out."""
    values: dict[str, Any] = {}

    def given(name: str) -> Cell | None:
        cell = row.get(name)
        return cell if cell is not None and cell.text else None

    for name in ("title_en", "title_es"):
        if cell := given(name):
            values[name] = cell.text
    if cell := given("source"):
        values["source"] = cell.text[:MAX_TEXT]
    if cell := given("measure"):
        values["measure"] = _measure(cell, file_name)
    if cell := given("ascending"):
        values["ascending"] = _flag(cell, file_name)
    for name in ("baseline_year", "target_year"):
        if cell := given(name):
            values[name] = _year(cell, file_name)
    for name in ("baseline_value", "target_value"):
        if cell := given(name):
            values[name] = _number(cell, file_name)
    return values


def read_results(*, session: Session, actor: Actor, text: str, file_name: str) -> list[_Indicator]:
    """Every indicator of a results file (CSV by its extension, else YAML), checked: the
    first fault raises naming the file, line and column."""
    visible = visible_marking_ids(session=session, actor=actor)
    programmes = _programme_ids(session, visible)
    if file_name.lower().endswith(".csv"):
        rows: Iterator[Row] = _csv_rows(text, file_name, RESULT_REQUIRED)
    else:
        rows = _yaml_result_rows(text, file_name)
    found: dict[tuple[str, str], _Indicator] = {}
    for row in rows:
        named = row["programme"]
        if not named.text:
            raise _bad(N_("name the programme"), named, file_name)
        programme_id = programmes.get(named.text)
        if programme_id is None:
            # A programme the importer may not see is as unknown as one that does not exist.
            raise _bad(N_("unknown programme {value}"), named, file_name, value=named.text)
        code = row["indicator"]
        if not code.text:
            raise _bad(N_("name the indicator"), code, file_name)
        if len(code.text) > 100:
            raise _bad(N_("the indicator's code is longer than 100 characters"), code, file_name)
        values = _indicator_values(row, file_name)
        key = (programme_id, code.text)
        indicator = found.get(key)
        if indicator is None:
            if "measure" not in values:
                raise _bad(
                    N_("say whether the indicator counts units or a percentage"),
                    row["measure"],
                    file_name,
                )
            if not values.get("title_en") and not values.get("title_es"):
                cell = row.get("title_en") or Cell("", code.line, "title_en")
                raise _bad(N_("give the indicator a title in English or Spanish"), cell, file_name)
            indicator = _Indicator(programme_id, code.text, code.line, values, row)
            found[key] = indicator
        else:
            for name, value in values.items():
                if indicator.values.get(name, value) != value:
                    first = indicator.cells.get(name)
                    raise _bad(
                        N_("differs from line {first} of the same indicator"),
                        row[name],
                        file_name,
                        first=first.line if first else indicator.line,
                    )
                indicator.values.setdefault(name, value)
                indicator.cells.setdefault(name, row[name])
        period = row.get("period")
        target = row.get("target")
        actual = row.get("actual")
        if period is not None and period.text:
            start, end = _period(period, file_name)
            if start in indicator.periods:
                raise _bad(
                    N_("the period {value} is given twice (line {first})"),
                    period,
                    file_name,
                    value=period.text,
                    first=indicator.periods[start][3],
                )
            indicator.periods[start] = (
                end,
                _number(target, file_name) if target is not None and target.text else None,
                _number(actual, file_name) if actual is not None and actual.text else None,
                period.line,
            )
        else:
            for given in (target, actual):
                if given is not None and given.text:
                    raise _bad(N_("a value needs its period"), given, file_name)
    for indicator in found.values():
        for kind in ("baseline", "target"):
            year, value = f"{kind}_year", f"{kind}_value"
            if (year in indicator.values) != (value in indicator.values):
                missing = value if year in indicator.values else year
                cell = indicator.cells.get(missing) or Cell("", indicator.line, missing)
                raise InvalidInput(
                    N_("give both the year and the value"),
                    field=missing,
                    line=cell.line,
                    file=file_name,
                )
    return list(found.values())


def import_results(
    *,
    session: Session,
    actor: Actor,
    text: str,
    file_name: str,
    release: str = "",
    markings_in: MarkingsIn | None = None,
) -> ResultsSummary:
    """Store a results file's indicators and periods under the markings asked for (by
    default TLP:CLEAR REL TO USA, MEX, as the ledger). Nothing is committed here: the caller
    owns the transaction, so a refused file leaves nothing behind."""
    _importer(actor)
    release = (release.strip() or file_name.rsplit("/", 1)[-1])[:100]
    try:
        markings = markings_from_input(
            session=session, actor=actor, markings_in=markings_in or PUBLIC
        )
    except MarkingError as error:
        error.field = f"markings.{error.field}"
        error.file = file_name
        raise
    indicators = read_results(session=session, actor=actor, text=text, file_name=file_name)
    marking_id = marking_id_for(session=session, markings=markings)
    summary = ResultsSummary(file=file_name, release=release)
    now = utcnow()
    for item in indicators:
        stored = session.execute(
            select(ResultIndicator).where(
                ResultIndicator.programme_id == item.programme_id,
                ResultIndicator.code == item.code,
            )
        ).scalar_one_or_none()
        values = {
            "title_en": "",
            "title_es": "",
            "ascending": True,
            "baseline_year": None,
            "baseline_value": None,
            "target_year": None,
            "target_value": None,
            "source": file_name.rsplit("/", 1)[-1][:MAX_TEXT],
            **item.values,
        }
        if stored is None:
            stored = ResultIndicator(
                id=secrets.token_hex(8),
                programme_id=item.programme_id,
                code=item.code,
                created_at=now,
            )
            session.add(stored)
            summary.added += 1
        else:
            summary.updated += 1
        for name, value in values.items():
            setattr(stored, name, value)
        stored.release = release
        stored.marking_id = marking_id
        stored.updated_at = now
        session.flush()
        # The file's periods stand for the indicator's: those it no longer gives go.
        session.execute(delete(ResultPeriod).where(ResultPeriod.indicator_id == stored.id))
        session.add_all(
            ResultPeriod(
                indicator_id=stored.id, period_start=start, period_end=end, target=t, actual=a
            )
            for start, (end, t, a, _line) in sorted(item.periods.items())
        )
        summary.periods += len(item.periods)
    summary.indicators = len(indicators)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="results_import",
        target=file_name[:200],
        detail={
            "file": file_name,
            "release": release,
            "markings": markings.signature(),
            "indicators": summary.indicators,
            "added": summary.added,
            "updated": summary.updated,
            "periods": summary.periods,
        },
    )
    return summary


def indicators_for(
    *, session: Session, visible: list[int], programme_ids: Sequence[str]
) -> dict[str, list[tuple[ResultIndicator, list[ResultPeriod]]]]:
    """Programme id -> its indicators the reader may see (by `visible`), oldest first, each
    with its periods in order. The caller has already kept only programmes it may see."""
    found: dict[str, list[tuple[ResultIndicator, list[ResultPeriod]]]] = {}
    if not programme_ids:
        return found
    indicators = list(
        session.execute(
            select(ResultIndicator)
            .where(
                ResultIndicator.programme_id.in_(list(programme_ids)),
                ResultIndicator.marking_id.in_(visible),
            )
            .order_by(ResultIndicator.seq)
        ).scalars()
    )
    periods: dict[str, list[ResultPeriod]] = {i.id: [] for i in indicators}
    if indicators:
        for period in session.execute(
            select(ResultPeriod)
            .where(ResultPeriod.indicator_id.in_(list(periods)))
            .order_by(ResultPeriod.period_start)
        ).scalars():
            periods[period.indicator_id].append(period)
    for indicator in indicators:
        found.setdefault(indicator.programme_id, []).append((indicator, periods[indicator.id]))
    return found


def programme_results(*, session: Session, actor: Actor, programme_id: str) -> ResultList:
    """A programme's indicators the actor may see; a programme the actor may not see answers
    as a missing one."""
    visible = visible_marking_ids(session=session, actor=actor)
    programme = session.execute(
        select(Programme.id).where(Programme.id == programme_id, Programme.marking_id.in_(visible))
    ).scalar_one_or_none()
    if programme is None:
        raise NotFound(N_("no such programme"), field="id")
    shown = indicators_for(session=session, visible=visible, programme_ids=[programme]).get(
        programme, []
    )
    marks = markings_by_id(session=session, ids={i.marking_id for i, _ in shown})
    locale = actor.locale
    record(
        session=session,
        actor=actor,
        action="read",
        kind="programme_results",
        target=programme,
        ids=[i.id for i, _ in shown],
    )
    return ResultList(
        programme_id=programme,
        items=[
            IndicatorRead(
                id=i.id,
                code=i.code,
                title=i.title(locale),
                title_en=i.title_en,
                title_es=i.title_es,
                measure=i.measure,
                measure_label=gettext(locale, MEASURES.get(i.measure, i.measure)),
                ascending=i.ascending,
                baseline_year=i.baseline_year,
                baseline_value=i.baseline_value,
                target_year=i.target_year,
                target_value=i.target_value,
                periods=[
                    PeriodRead(
                        start=p.period_start, end=p.period_end, target=p.target, actual=p.actual
                    )
                    for p in periods
                ],
                source=i.source,
                release=i.release,
                markings=markings_read(marks[i.marking_id]),
            )
            for i, periods in shown
        ],
        total=len(shown),
    )


# --- municipal indicators --------------------------------------------------------------------


@dataclass
class MunicipalSummary:
    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0


def _municipal_row(row: Row, file_name: str) -> dict[str, Any]:
    municipality = row["municipality"]
    if not MUNICIPALITY.match(municipality.text):
        raise _bad(
            N_("the municipality is named by its INEGI code, five digits, not {value}"),
            municipality,
            file_name,
            value=municipality.text,
        )
    state = row["state"]
    if not state.text:
        raise _bad(N_("name the state"), state, file_name)
    if state.text.isdigit() and state.text.zfill(2) != municipality.text[:2]:
        raise _bad(
            N_("the state {value} is not that of municipality {municipality}"),
            state,
            file_name,
            value=state.text,
            municipality=municipality.text,
        )
    code = row["indicator"]
    if code.text not in vocab.load(INDICATORS):
        raise _bad(N_("unknown indicator {value}"), code, file_name, value=code.text)
    source = row["source"]
    if not source.text:
        raise _bad(N_("name the source of the figure"), source, file_name)
    return {
        "municipality": municipality.text,
        "state": state.text[:100],
        "code": code.text,
        "year": _year(row["year"], file_name),
        "value": _number(row["value"], file_name),
        "source": source.text[:MAX_TEXT],
        "source_line": municipality.line,
    }


def import_municipal(
    *, session: Session, actor: Actor, text: str, file_name: str
) -> MunicipalSummary:
    """Store a municipal indicators CSV (municipality, state, indicator, year, value,
    source), public (TLP:CLEAR). The whole file or nothing; the caller owns the
    transaction."""
    _importer(actor)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, int, str], int] = {}
    for row in _csv_rows(text, file_name, MUNICIPAL_COLUMNS):
        values = _municipal_row(row, file_name)
        key = (values["municipality"], values["code"], values["year"], values["source"])
        if key in seen:
            raise _bad(
                N_("the same figure is given twice (line {first})"),
                row["value"],
                file_name,
                first=seen[key],
            )
        seen[key] = row["value"].line
        rows.append(values)
    markings = markings_from_input(session=session, actor=actor, markings_in=PUBLIC)
    marking_id = marking_id_for(session=session, markings=markings)
    summary = MunicipalSummary(file=file_name, rows=len(rows))
    now = utcnow()
    name = file_name.rsplit("/", 1)[-1][:MAX_TEXT]
    for values in rows:
        stored = session.execute(
            select(MunicipalIndicator).where(
                MunicipalIndicator.municipality == values["municipality"],
                MunicipalIndicator.code == values["code"],
                MunicipalIndicator.year == values["year"],
                MunicipalIndicator.source == values["source"],
            )
        ).scalar_one_or_none()
        if stored is None:
            stored = MunicipalIndicator(created_at=now, **values)
            session.add(stored)
            summary.added += 1
        else:
            for column, value in values.items():
                setattr(stored, column, value)
            summary.updated += 1
        stored.file = name
        stored.marking_id = marking_id
        stored.updated_at = now
    session.flush()
    record(
        session=session,
        actor=actor,
        action="write",
        kind="municipal_indicators_import",
        target=file_name[:200],
        detail={
            "file": file_name,
            "rows": summary.rows,
            "added": summary.added,
            "updated": summary.updated,
        },
    )
    return summary


def municipal_indicators(
    *,
    session: Session,
    actor: Actor,
    municipality: str | None = None,
    state: str | None = None,
    code: str | None = None,
    limit: int = 500,
) -> MunicipalList:
    """Values by municipality, indicator and year, oldest year first. `state` is a state's
    name as the files give it, or its two-digit INEGI code."""
    visible = visible_marking_ids(session=session, actor=actor)
    where: list[ColumnElement[bool]] = [MunicipalIndicator.marking_id.in_(visible)]
    if municipality:
        where.append(MunicipalIndicator.municipality == municipality.strip())
    if state:
        wanted = state.strip()
        if wanted.isdigit() and len(wanted) <= 2:
            where.append(MunicipalIndicator.municipality.startswith(wanted.zfill(2)))
        else:
            where.append(MunicipalIndicator.state == wanted)
    if code:
        where.append(MunicipalIndicator.code == code.strip())
    total = int(
        session.execute(
            select(func.count()).select_from(MunicipalIndicator).where(*where)
        ).scalar_one()
    )
    rows = session.execute(
        select(MunicipalIndicator)
        .where(*where)
        .order_by(
            MunicipalIndicator.municipality,
            MunicipalIndicator.code,
            MunicipalIndicator.year,
            MunicipalIndicator.source,
        )
        .limit(limit)
    ).scalars()
    terms = vocab.load(INDICATORS)
    locale = actor.locale
    return MunicipalList(
        items=[
            MunicipalValueRead(
                municipality=r.municipality,
                state=r.state,
                code=r.code,
                label=terms.label(r.code, locale),
                unit=str(terms.get(r.code).extra.get("unit", "")) if r.code in terms else "",
                year=r.year,
                value=r.value,
                source=r.source,
            )
            for r in rows
        ],
        total=total,
    )


__all__ = [
    "DEFAULT_REL_TO",
    "DEFAULT_TLP",
    "MunicipalSummary",
    "ResultsSummary",
    "import_municipal",
    "import_results",
    "indicators_for",
    "municipal_indicators",
    "programme_results",
    "read_results",
]
