"""The accountability page (/assistance/accountability) and its PDF
(/assistance/accountability.pdf), in the reader's language.

Both read through the one service (assistance/accountability.py), so they show, count and
sum only what the reader may see, under the banner of the highest marking among the rows
shown (intel/marks.highest). The page draws its charts with ECharts and its map of Mexican
states with d3-geo (frontend/accountability.js) from a JSON block of the same numbers its
tables hold; the PDF is drawn with ReportLab as a report's is (intel/pdf.py).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from sqlalchemy import select

from vinculo.assistance.accountability import AccountabilityRead, accountability
from vinculo.assistance.models import LedgerTransaction, Programme
from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.pdf import BANNER_HEIGHT, MARGIN, PrintedReport, _numbered_canvas
from vinculo.intel.service import captions
from vinculo.intel.views import Show
from vinculo.security.markings import Actor
from vinculo.security.models import utcnow
from vinculo.security.policy import visible_marking_ids
from vinculo.web.deps import PageActor, SessionDep, sign_in_first
from vinculo.web.templating import format_money, render

router = APIRouter(include_in_schema=False)

PAGE = "/assistance/accountability"
# Choices offered in the filters: the most a select lists.
CHOICES = 500

# Strings the page's script shows, in the reader's language.
SCRIPT_STRINGS = {
    "fy": N_("FY"),
    "allegations": N_("Allegations"),
    "received": N_("Received"),
    "map": N_("Money received by units and allegations, by Mexican state"),
    "failed": N_("The map could not be drawn; the table below holds the same numbers."),
}


def money(value: Decimal, locale: str) -> str:
    """Dollars as every page writes money (web/templating.format_money)."""
    return format_money(value, "USD", locale)


def day(value: date | datetime | None, locale: str) -> str:
    """A day in words ("May 31, 2026", "31 de mayo de 2026"): Spanish's medium form
    abbreviates May as "may", which reads as English."""
    if value is None:
        return ""
    return format_date(
        value.date() if isinstance(value, datetime) else value, "long", locale=locale
    )


def _year(value: str | None) -> tuple[int | None, str | None]:
    """The fiscal year asked for, or the error naming it in the form."""
    text = (value or "").strip()
    if not text:
        return None, None
    if text.isdigit() and 1900 <= int(text) <= 2200:
        return int(text), None
    return None, N_("the fiscal year is a year such as 2024, not {value}")


def _choices(session: Any, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """What the filters offer: the units, programmes and partners of the ledger rows the
    reader may see (units by their visible names, programmes the reader may see)."""
    visible = visible_marking_ids(session=session, actor=actor)
    rows = LedgerTransaction.marking_id.in_(visible)
    units = [
        u
        for u in session.execute(
            select(LedgerTransaction.unit_entity_id)
            .where(rows, LedgerTransaction.unit_entity_id.is_not(None))
            .distinct()
            .limit(CHOICES)
        ).scalars()
    ]
    named = captions(session=session, entity_ids=units, visible=visible)
    programmes = session.execute(
        select(Programme).where(Programme.marking_id.in_(visible)).limit(CHOICES)
    ).scalars()
    partners = session.execute(
        select(LedgerTransaction.partner)
        .where(rows, LedgerTransaction.partner != "")
        .distinct()
        .order_by(LedgerTransaction.partner)
        .limit(CHOICES)
    ).scalars()
    locale = actor.locale
    return {
        "units": sorted(((u, named[u][1]) for u in named), key=lambda c: c[1]),
        "programmes": sorted(((p.id, p.name(locale)) for p in programmes), key=lambda c: c[1]),
        "partners": [(p, p) for p in partners],
    }


def _script_data(view: AccountabilityRead, locale: str) -> dict[str, Any]:
    out = view.model_dump(mode="json", include={"years", "states"})
    out["strings"] = {k: gettext(locale, v) for k, v in SCRIPT_STRINGS.items()}
    return out


@router.get(PAGE, response_class=HTMLResponse)
def accountability_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    unit: str | None = None,
    programme: str | None = None,
    partner: str | None = None,
    fy: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    locale = actor.locale
    year, problem = _year(fy)
    view = accountability(
        session=session,
        actor=actor,
        unit_id=_cut(unit),
        programme_id=_cut(programme),
        partner=_cut(partner),
        fiscal_year=year,
    )
    query = {
        k: v
        for k, v in (("unit", unit), ("programme", programme), ("partner", partner), ("fy", fy))
        if v and v.strip() and not (k == "fy" and problem)
    }
    return render(
        request,
        "assistance/accountability.html",
        actor=actor,
        status_code=422 if problem else 200,
        show=Show(locale),
        view=view,
        choices=_choices(session, actor),
        chosen={"unit": unit or "", "programme": programme or "", "partner": partner or ""},
        fy=fy or "",
        problem=gettext(locale, problem, value=fy or "") if problem else "",
        money=lambda v: money(v, locale),
        day=lambda v: day(v, locale),
        number=lambda v: format_decimal(v, locale=locale),
        data=_script_data(view, locale),
        pdf_url=f"{PAGE}.pdf" + (f"?{urlencode(query)}" if query else ""),
    )


def _cut(value: str | None) -> str | None:
    return value.strip()[:300] or None if value else None


# --- the PDF ---------------------------------------------------------------------------------


def _scope(view: AccountabilityRead, locale: str) -> list[tuple[str, str]]:
    everything = gettext(locale, N_("all you may see"))
    return [
        (gettext(locale, N_("Unit")), view.unit_caption or view.unit or everything),
        (gettext(locale, N_("Programme")), view.programme_name or view.programme or everything),
        (gettext(locale, N_("Implementing partner")), view.partner or everything),
        (
            gettext(locale, N_("Fiscal year")),
            str(view.fiscal_year) if view.fiscal_year else everything,
        ),
    ]


def render_pdf(view: AccountabilityRead, actor: Actor) -> bytes:
    """The view as a PDF: the answer, then a table per fiscal year, under the view's banner
    at the top and bottom of every page."""
    locale = actor.locale
    title = gettext(locale, N_("Accountability of security assistance"))
    nothing = gettext(locale, N_("Nothing you may see."))
    printed = PrintedReport(
        banner=view.banner or nothing,
        tlp=view.banner_tlp or "CLEAR",
        kicker="",
        title=title,
        lang=locale,
        body="",
        footer=gettext(
            locale,
            N_("Printed for {account} on {day}"),
            account=actor.username or "",
            day=day(utcnow(), locale),
        ),
        page_label=gettext(locale, N_("Page {page} of {pages}")),
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + BANNER_HEIGHT,
        bottomMargin=MARGIN + BANNER_HEIGHT,
        title=title,
        author=actor.username or "",
        subject=view.banner,
        lang=locale,
        pageCompression=0,
        invariant=1,
    )
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=9)
    heading = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=13, spaceBefore=10)
    big = ParagraphStyle("title", parent=styles["Title"], fontSize=18, alignment=0)
    lines = "#cccccc"

    def table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
        cells = [[Paragraph(escape(c), small) for c in row] for row in rows]
        made = Table(cells, colWidths=widths, hAlign="LEFT", repeatRows=1)
        made.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor(lines)),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ]
            )
        )
        return made

    story: list[Any] = [Paragraph(escape(title), big)]
    story.append(table([[k, v] for k, v in _scope(view, locale)], [1.9 * inch, 4.9 * inch]))
    story.append(Paragraph(escape(gettext(locale, N_("The answer"))), heading))
    story.append(Paragraph(escape(answer(view, locale)), body))
    if view.vetting:
        story.append(Paragraph(escape(gettext(locale, N_("Leahy vetting now"))), heading))
        story.append(
            table(
                [
                    [
                        gettext(locale, N_("Subject")),
                        gettext(locale, N_("Purpose")),
                        gettext(locale, N_("Status")),
                        gettext(locale, N_("Valid until")),
                    ],
                    *[
                        [v.subject, v.purpose_label, v.status_label, day(v.valid_until, locale)]
                        for v in view.vetting
                    ],
                ]
            )
        )
    for year in view.years:
        story.append(
            Paragraph(
                escape(gettext(locale, N_("Fiscal year {year}"), year=year.fiscal_year)), heading
            )
        )
        rows = [
            [
                gettext(locale, N_("Transaction type")),
                gettext(locale, N_("Transactions")),
                gettext(locale, N_("Amount (USD)")),
            ],
            *[
                [m.type_label, format_decimal(m.count, locale=locale), money(m.usd, locale)]
                for m in year.money
            ],
            [gettext(locale, N_("Received")), "", money(year.received_usd, locale)],
            [
                gettext(locale, N_("Allegations")),
                format_decimal(year.allegations, locale=locale),
                "; ".join(f"{c.label}: {c.count}" for c in year.allegations_by_status),
            ],
            [
                gettext(locale, N_("Violations alleged")),
                "",
                "; ".join(f"{c.label}: {c.count}" for c in year.allegations_by_violation),
            ],
            [
                gettext(locale, N_("Training events")),
                format_decimal(year.training.seats, locale=locale),
                gettext(
                    locale,
                    N_(
                        "{events} events, {seats} seats; {hr} with human-rights content "
                        "({hours} hours)"
                    ),
                    events=format_decimal(year.training.events, locale=locale),
                    seats=format_decimal(year.training.seats, locale=locale),
                    hr=format_decimal(year.training.human_rights_events, locale=locale),
                    hours=format_decimal(year.training.human_rights_hours, locale=locale),
                ),
            ],
            [
                gettext(locale, N_("Equipment")),
                format_decimal(year.equipment.items, locale=locale),
                gettext(
                    locale,
                    N_(
                        "{items} items worth {value}; {checks} end-use checks, {overdue} "
                        "overdue, {discrepancies} with a discrepancy"
                    ),
                    items=format_decimal(year.equipment.items, locale=locale),
                    value=money(year.equipment.value_usd, locale),
                    checks=format_decimal(year.equipment.checks, locale=locale),
                    overdue=format_decimal(year.equipment.overdue, locale=locale),
                    discrepancies=format_decimal(year.equipment.discrepancies, locale=locale),
                ),
            ],
            [
                gettext(locale, N_("Vetting decisions")),
                format_decimal(len(year.vetting_decisions), locale=locale),
                "; ".join(
                    f"{day(d.at, locale)}: {d.from_label} → {d.to_label}"
                    for d in year.vetting_decisions
                ),
            ],
        ]
        story.append(table(rows, [2.2 * inch, 1.1 * inch, 3.5 * inch]))
    if not view.years:
        story.append(Paragraph(f"<i>{escape(nothing)}</i>", body))
    if view.states:
        story.append(Paragraph(escape(gettext(locale, N_("By Mexican state"))), heading))
        story.append(
            table(
                [
                    [
                        gettext(locale, N_("State")),
                        gettext(locale, N_("Received")),
                        gettext(locale, N_("Allegations")),
                    ],
                    *[
                        [
                            s.state,
                            money(s.received_usd, locale),
                            format_decimal(s.allegations, locale=locale),
                        ]
                        for s in view.states
                    ],
                ]
            )
        )
    document.build(story, canvasmaker=_numbered_canvas(printed))
    return buffer.getvalue()


def answer(view: AccountabilityRead, locale: str) -> str:
    """The question answered in one sentence, in the reader's language."""
    who = (
        view.unit_caption
        or view.programme_name
        or view.partner
        or gettext(locale, N_("What you may see"))
    )
    when = (
        gettext(locale, N_("in fiscal year {year}"), year=view.fiscal_year)
        if view.fiscal_year
        else gettext(locale, N_("in all fiscal years"))
    )
    status = view.vetting_status_label or gettext(locale, N_("not vetted"))
    return gettext(
        locale,
        N_("{who} — allegations: {n}; Leahy vetting: {status}; received {amount} {when}."),
        who=who,
        n=format_decimal(view.allegations, locale=locale),
        status=status,
        amount=money(view.received_usd, locale),
        when=when,
    )


@router.get(PAGE + ".pdf")
def accountability_pdf(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    unit: str | None = None,
    programme: str | None = None,
    partner: str | None = None,
    fy: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    year, problem = _year(fy)
    if problem:
        raise InvalidInput(problem, field="fy", value=fy or "")
    view = accountability(
        session=session,
        actor=actor,
        unit_id=_cut(unit),
        programme_id=_cut(programme),
        partner=_cut(partner),
        fiscal_year=year,
    )
    name = "accountability" + (f"-{year}" if year else "") + f"-{actor.locale}.pdf"
    return Response(
        render_pdf(view, actor),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
