"""IATI 2.03 activity XML of the programmes and ledger a reader may see.

One `iati-activity` per programme, its elements in the order the schema's sequence gives:
identifier, reporting org, title and descriptions (English and Spanish narratives),
participating orgs (funding, extending, implementing), status and dates derived from the
ledger, Mexico as recipient country, the DAC purpose (vocabulary 1), appropriations as
budgets by fiscal year (IATI has no transaction type for them) and every other ledger row as
a transaction in USD, then the programme's results (assistance/outcomes.py) as one
outcome `result`: each indicator the reader may see with its measure, direction, baseline
and a period for each year it has an actual or a target.

Every read goes through the one policy: programmes and rows are filtered by
`visible_marking_ids`, and a visible row of a hidden programme is left out with it (it could
only be shown under that programme). The document is written activity by activity, a batch
of programmes at a time, so 10,000 of them never sit in memory at once.

The transparency portal's file (`public_only`) holds flagged programmes and, of their money,
only sums of flagged rows by fiscal year and type (`year_sums`): aggregates, never a row.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vinculo import vocab
from vinculo.assistance import codes
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.assistance.outcome_models import ResultIndicator, ResultPeriod
from vinculo.assistance.outcomes import IATI_MEASURES, indicators_for
from vinculo.assistance.service import ledger_conditions
from vinculo.errors import NotFound
from vinculo.i18n import LOCALES, N_, gettext
from vinculo.security.aggregates import THRESHOLD
from vinculo.security.audit import record
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.policy import visible_marking_ids

VERSION = "2.03"
CURRENCY = "USD"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RECIPIENT_COUNTRY = "MX"
DAC_5_DIGIT = "1"  # IATI SectorVocabulary: OECD DAC CRS purpose codes, 5 digits
GOVERNMENT = "10"  # IATI OrganisationType
FUNDING, EXTENDING, IMPLEMENTING = "1", "3", "4"  # IATI OrganisationRole
IMPLEMENTATION, FINALISATION = "2", "3"  # IATI ActivityStatus
OUTCOME = "2"  # IATI ResultType
PLANNED_START, ACTUAL_START = "1", "2"  # IATI ActivityDateType
GENERAL, OTHER = "1", "4"  # IATI DescriptionType
ORIGINAL, COMMITTED = "1", "2"  # IATI BudgetType, BudgetStatus
INCOMING = frozenset({"1", "11", "13"})  # types whose money comes to the reporter
# An activity with a ledger row in the last year is in implementation; one whose last row is
# older is reported as finalising (the ledger cannot say it is financially closed).
ACTIVE = timedelta(days=365)
BATCH = 500


@dataclass(frozen=True)
class Reporter:
    """The organisation publishing the file: its IATI organisation identifier and name."""

    ref: str
    name: str
    type: str = GOVERNMENT


class LedgerLine(Protocol):
    """What an activity's budgets and transactions read of a ledger row."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def fiscal_year(self) -> int: ...
    @property
    def transaction_date(self) -> date: ...
    @property
    def usd(self) -> Decimal: ...
    @property
    def reverses(self) -> str | None: ...
    @property
    def partner(self) -> str | None: ...
    @property
    def unit_name(self) -> str | None: ...


@dataclass(frozen=True)
class YearSum:
    """Flagged rows of one programme, fiscal year and type, summed for the public file."""

    id: str
    type: str
    fiscal_year: int
    transaction_date: date
    usd: Decimal
    reverses: str | None = None
    partner: str | None = None
    unit_name: str | None = None


def year_sums(programme_id: str, rows: Sequence[LedgerTransaction], today: date) -> list[YearSum]:
    """The public file's money: one sum per fiscal year and transaction type, dated the year's
    last day (or today), naming no recipient, and none from fewer than THRESHOLD rows.

    A flag approves a row for public aggregation, not for publication on its own: a row
    listed alone would give its day, amount and recipient unit, which no portal table does.
    """
    groups: dict[tuple[int, str], list[LedgerTransaction]] = defaultdict(list)
    for row in rows:
        groups[(row.fiscal_year, row.type)].append(row)
    return [
        YearSum(
            id=f"{programme_id}-FY{year}-{kind}",
            type=kind,
            fiscal_year=year,
            transaction_date=min(date(year, 9, 30), today),
            usd=sum((r.usd for r in members), Decimal(0)),
        )
        for (year, kind), members in sorted(groups.items())
        if len(members) >= THRESHOLD
    ]


def _year_span(sums: Sequence[YearSum], today: date) -> tuple[date, date] | None:
    """The fiscal years the sums cover, as the public file's activity dates."""
    if not sums:
        return None
    first = min(s.fiscal_year for s in sums)
    last = max(s.fiscal_year for s in sums)
    return date(first - 1, 10, 1), min(date(last, 9, 30), today)


@dataclass
class ExportSummary:
    activities: int = 0
    transactions: int = 0
    budgets: int = 0
    indicators: int = 0


def reporter_for(actor: Actor, ref: str = "", name: str = "") -> Reporter:
    """The reporter asked for, or else the acting account's agency (its code and label)."""
    agency = actor.agency or ""
    label = vocab.load("agencies").label(agency, "en") if agency else ""
    return Reporter(ref=ref.strip() or agency or "VINCULO", name=name.strip() or label or agency)


def write_activities(
    *,
    session: Session,
    actor: Actor,
    out: TextIO,
    reporter: Reporter,
    fiscal_year: int | None = None,
    today: date | None = None,
    public_only: bool = False,
) -> ExportSummary:
    """Write the document to `out`. With `fiscal_year`, only that year's rows and budgets,
    and only the programmes that have any. With `public_only`, the transparency portal's
    file: only programmes flagged public, their ledger rows flagged public summed by fiscal
    year and type (`year_sums`), no results.
    Refuses (NotFound) when the actor sees none, as the schema wants at least one activity:
    the caller writes nothing then."""
    visible = visible_marking_ids(session=session, actor=actor)
    rows_where = ledger_conditions(
        visible, fiscal_year=fiscal_year, programme=None, partner=None, unit=None
    )
    where = [Programme.marking_id.in_(visible)]
    if public_only:
        where.append(Programme.id.in_(_flagged("programme")))
        rows_where = [*rows_where, LedgerTransaction.id.in_(_flagged("ledger"))]
    if fiscal_year is not None:
        where.append(Programme.id.in_(select(LedgerTransaction.programme_id).where(*rows_where)))
    day = today or utcnow().date()
    summary = ExportSummary()
    exported: list[str] = []
    started = False
    last = 0
    while True:
        batch = list(
            session.execute(
                select(Programme)
                .where(*where, Programme.seq > last)
                .order_by(Programme.seq)
                .limit(BATCH)
            ).scalars()
        )
        if not batch:
            break
        last = batch[-1].seq
        ids = [p.id for p in batch]
        rows: dict[str, list[LedgerTransaction]] = defaultdict(list)
        for row in session.execute(
            select(LedgerTransaction)
            .where(*rows_where, LedgerTransaction.programme_id.in_(ids))
            .order_by(LedgerTransaction.transaction_date, LedgerTransaction.seq)
        ).scalars():
            rows[row.programme_id].append(row)
        # The dates describe the whole activity as the reader sees it, whatever the year asked.
        spans = {
            pid: (first, latest)
            for pid, first, latest in session.execute(
                select(
                    LedgerTransaction.programme_id,
                    func.min(LedgerTransaction.transaction_date),
                    func.max(LedgerTransaction.transaction_date),
                )
                .where(LedgerTransaction.marking_id.in_(visible))
                .where(LedgerTransaction.programme_id.in_(ids))
                .where(*([LedgerTransaction.id.in_(_flagged("ledger"))] if public_only else []))
                .group_by(LedgerTransaction.programme_id)
            )
        }
        # Results are not flagged one by one: the public file leaves them out.
        results = (
            {}
            if public_only
            else indicators_for(session=session, visible=visible, programme_ids=ids)
        )
        if not started:
            out.write(_opening())
            started = True
        for programme in batch:
            lines: Sequence[LedgerLine] = rows[programme.id]
            span = spans.get(programme.id)
            if public_only:
                sums = year_sums(programme.id, rows[programme.id], day)
                lines, span = sums, _year_span(sums, day)
            element = _activity(programme, lines, span, reporter, day)
            _results(element, results.get(programme.id, []))
            out.write(ET.tostring(element, encoding="unicode"))
            out.write("\n")
            summary.activities += 1
            summary.transactions += len(element.findall("transaction"))
            summary.budgets += len(element.findall("budget"))
            summary.indicators += len(element.findall("result/indicator"))
        exported.extend(ids)
    if not started:
        raise NotFound(N_("there is no programme you may see to export"))
    out.write("</iati-activities>\n")
    record(
        session=session,
        actor=actor,
        action="export",
        kind="iati",
        ids=exported,
        detail={
            "fiscal_year": fiscal_year,
            "reporting_org": reporter.ref,
            "public_only": public_only,
            **vars(summary),
        },
    )
    return summary


def _flagged(kind: str) -> Select[str]:
    """The ids of the items of one kind flagged public (assistance/public.py)."""
    from vinculo.assistance.public_models import PublicFlag

    return select(PublicFlag.item_id).where(PublicFlag.kind == kind)


def _opening() -> str:
    generated = utcnow().replace(microsecond=0).isoformat() + "Z"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="{VERSION}" generated-datetime="{generated}">\n'
    )


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})


def _narrative(parent: ET.Element, text: str, lang: str | None = None) -> None:
    element = ET.SubElement(parent, "narrative", {XML_LANG: lang} if lang else {})
    element.text = text


def _narratives(parent: ET.Element, texts: Iterable[tuple[str, str]]) -> None:
    for lang, text in texts:
        if text:
            _narrative(parent, text, lang)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def activity_ref(programme: Programme) -> str:
    """The source's own id of the activity (`<source>:<activity id>` keeps it after ':')."""
    return programme.key.split(":", 1)[-1] if ":" in programme.key else programme.id


def framework_text(programme: Programme, locale: str) -> str:
    """The account, DAC purpose and framework of a programme, in words of the locale."""
    parts = [
        gettext(
            locale,
            N_("Funding account: {value}."),
            value=codes.label(codes.ACCOUNTS, programme.account, locale),
        ),
        gettext(
            locale,
            N_("DAC purpose: {value}."),
            value=codes.label(codes.SECTORS, programme.sector, locale),
        ),
    ]
    if programme.pillar:
        parts.append(
            gettext(
                locale,
                N_("Mérida Initiative pillar: {value}."),
                value=codes.label(codes.PILLARS, programme.pillar, locale),
            )
        )
    if programme.goal:
        parts.append(
            gettext(
                locale,
                N_("Bicentennial Framework goal: {value}."),
                value=codes.label(codes.GOALS, programme.goal, locale),
            )
        )
    return " ".join(parts)


def _activity(
    programme: Programme,
    rows: Sequence[LedgerLine],
    span: tuple[date, date] | None,
    reporter: Reporter,
    today: date,
) -> ET.Element:
    """One activity, children in the schema's sequence (iati-activities-schema.xsd)."""
    activity = ET.Element(
        "iati-activity",
        {
            "last-updated-datetime": _stamp(programme.updated_at),
            XML_LANG: "en",
            "default-currency": CURRENCY,
        },
    )
    _sub(activity, "iati-identifier").text = f"{reporter.ref}-{activity_ref(programme)}"
    reporting = _sub(
        activity, "reporting-org", ref=reporter.ref, type=reporter.type, secondary_reporter="1"
    )
    _narrative(reporting, reporter.name or reporter.ref)
    title = _sub(activity, "title")
    _narratives(title, [("en", programme.name_en or programme.name_es), ("es", programme.name_es)])
    if programme.description:
        # The source's own text, in the language it publishes in.
        _narrative(_sub(activity, "description", type=GENERAL), programme.description, "en")
    _narratives(
        _sub(activity, "description", type=OTHER),
        [(locale, framework_text(programme, locale)) for locale in LOCALES],
    )
    _participants(activity, programme, reporter)
    latest = span[1] if span else None
    status = IMPLEMENTATION if latest is not None and today - latest <= ACTIVE else FINALISATION
    _sub(activity, "activity-status", code=status)
    if span:
        _sub(activity, "activity-date", type=ACTUAL_START, iso_date=span[0].isoformat())
    else:
        # No ledger row the reader may see: the programme's recording stands for its start.
        _sub(
            activity,
            "activity-date",
            type=PLANNED_START,
            iso_date=programme.created_at.date().isoformat(),
        )
    _sub(activity, "recipient-country", code=RECIPIENT_COUNTRY, percentage="100")
    sector = _sub(
        activity, "sector", vocabulary=DAC_5_DIGIT, code=programme.sector, percentage="100"
    )
    _narratives(sector, [(lc, codes.label(codes.SECTORS, programme.sector, lc)) for lc in LOCALES])
    _budgets(activity, rows)
    for row in rows:
        if row.type != codes.APPROPRIATION:
            _transaction(activity, programme, row)
    return activity


def _participants(activity: ET.Element, programme: Programme, reporter: Reporter) -> None:
    named = [
        (FUNDING, programme.funding_agency, GOVERNMENT),
        (EXTENDING, programme.managing_agency, GOVERNMENT),
        (IMPLEMENTING, programme.partner, ""),
    ]
    if not any(name for _, name, _ in named):
        # The schema wants one: the reporter stands as the funder it republishes.
        named = [(FUNDING, reporter.name or reporter.ref, reporter.type)]
    for role, name, kind in named:
        if name:
            org = _sub(activity, "participating-org", role=role, **({"type": kind} if kind else {}))
            _narrative(org, name)


def _budgets(activity: ET.Element, rows: Sequence[LedgerLine]) -> None:
    """Appropriations by fiscal year (1 October to 30 September), as committed budgets."""
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.type == codes.APPROPRIATION:
            by_year[row.fiscal_year] += row.usd
    for year in sorted(by_year):
        start = date(year - 1, 10, 1).isoformat()
        budget = _sub(activity, "budget", type=ORIGINAL, status=COMMITTED)
        _sub(budget, "period-start", iso_date=start)
        _sub(budget, "period-end", iso_date=date(year, 9, 30).isoformat())
        _sub(budget, "value", currency=CURRENCY, value_date=start).text = _money(by_year[year])


def _transaction(activity: ET.Element, programme: Programme, row: LedgerLine) -> None:
    day = row.transaction_date.isoformat()
    element = _sub(activity, "transaction", ref=row.id)
    _sub(element, "transaction-type", code=row.type)
    _sub(element, "transaction-date", iso_date=day)
    _sub(element, "value", currency=CURRENCY, value_date=day).text = _money(row.usd)
    if row.reverses:
        _narratives(
            _sub(element, "description"),
            [(lc, gettext(lc, N_("Reverses {value}."), value=row.reverses)) for lc in LOCALES],
        )
    if programme.funding_agency:
        _narrative(_sub(element, "provider-org"), programme.funding_agency)
    receiver = row.partner or row.unit_name
    if receiver and row.type not in INCOMING:
        _narrative(_sub(element, "receiver-org"), receiver)


def _value(value: Decimal) -> str:
    """A figure as IATI wants it: a plain number, without trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _results(
    activity: ET.Element, indicators: Sequence[tuple[ResultIndicator, Sequence[ResultPeriod]]]
) -> None:
    """The programme's indicators as one outcome `result`, after the transactions as the
    schema's sequence wants; children of each in the schema's order (title, baseline,
    periods of start, end, target, actual)."""
    if not indicators:
        return
    result = _sub(activity, "result", type=OUTCOME)
    _narratives(
        _sub(result, "title"),
        [(lc, gettext(lc, N_("Programme results"))) for lc in LOCALES],
    )
    for indicator, periods in indicators:
        element = _sub(
            result,
            "indicator",
            measure=IATI_MEASURES.get(indicator.measure, "1"),
            ascending="1" if indicator.ascending else "0",
        )
        _narratives(
            _sub(element, "title"),
            [
                ("en", indicator.title_en or indicator.title_es),
                ("es", indicator.title_es),
            ],
        )
        if indicator.baseline_year is not None and indicator.baseline_value is not None:
            _sub(
                element,
                "baseline",
                year=str(indicator.baseline_year),
                iso_date=date(indicator.baseline_year, 1, 1).isoformat(),
                value=_value(indicator.baseline_value),
            )
        spans = {p.period_start: (p.period_end, p.target, p.actual) for p in periods}
        # The overall target stands in its year's period, or a period of its own.
        if indicator.target_year is not None and indicator.target_value is not None:
            start = date(indicator.target_year, 1, 1)
            end, target, actual = spans.get(
                start, (date(indicator.target_year, 12, 31), None, None)
            )
            spans[start] = (end, target if target is not None else indicator.target_value, actual)
        for start in sorted(spans):
            end, target, actual = spans[start]
            period = _sub(element, "period")
            _sub(period, "period-start", iso_date=start.isoformat())
            _sub(period, "period-end", iso_date=end.isoformat())
            if target is not None:
                _sub(period, "target", value=_value(target))
            if actual is not None:
                _sub(period, "actual", value=_value(actual))
