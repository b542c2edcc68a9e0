"""A report as a PDF, its marking banner at the top and the bottom of every page.

Drawn with ReportLab (pure Python, from PyPI): nothing to install from the system, so a
deployment in a closed network prints as the demo does. (WeasyPrint would render the page's
own HTML, but needs Pango and its fonts from the system's packages.) The caller gives the
texts already in the reader's language, and only what the reader may see; this module knows
nothing of markings' meaning, only how to draw them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

# FIRST TLP 2.0 colours: coloured text on black (the same as the pages' banners).
TLP_COLOURS = {
    "CLEAR": "#ffffff",
    "GREEN": "#33ff00",
    "AMBER": "#ffc000",
    "AMBER+STRICT": "#ffc000",
    "RED": "#ff2b2b",
}
BANNER_HEIGHT = 0.3 * inch
MARGIN = 0.75 * inch


@dataclass(frozen=True)
class PrintedReport:
    """Everything printed, in the reader's language."""

    banner: str  # "TLP:AMBER // REL TO MEX, USA // ORCON"
    tlp: str  # TLP level, for the banner's colour
    kicker: str  # "Report · Drug Enforcement Administration (DEA) · 3 Dec 2026"
    title: str
    lang: str
    body: str
    other_heading: str = ""
    other_title: str = ""
    other_body: str = ""
    facts_heading: str = ""
    facts: Sequence[tuple[str, str]] = ()
    entities_heading: str = ""
    entities: Sequence[str] = ()
    no_entities: str = ""
    footer: str = ""  # "Printed for us.analyst on …"
    page_label: str = "Page {page} of {pages}"  # translated, with {page} and {pages}
    meta: dict[str, str] = field(default_factory=dict)  # title, author, subject


def _paragraphs(text: str, style: ParagraphStyle) -> list[Paragraph]:
    """Paragraphs split at blank lines; single line breaks kept."""
    found = []
    for part in text.split("\n\n"):
        if part.strip():
            found.append(Paragraph(escape(part.strip()).replace("\n", "<br/>"), style))
    return found


def _numbered_canvas(report: PrintedReport) -> type[Canvas]:
    """A canvas that draws the banners and "page n of m" on each page once all are known."""

    class Numbered(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _decorate(self, report, number, total)
                super().showPage()
            super().save()

    return Numbered


def _banner(canvas: Canvas, report: PrintedReport, y: float) -> None:
    width = canvas._pagesize[0]
    canvas.setFillColor(colors.black)
    canvas.rect(MARGIN, y, width - 2 * MARGIN, BANNER_HEIGHT, stroke=0, fill=1)
    canvas.setFillColor(colors.HexColor(TLP_COLOURS.get(report.tlp, "#ffffff")))
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawCentredString(width / 2, y + 0.09 * inch, report.banner)


def _decorate(canvas: Canvas, report: PrintedReport, number: int, total: int) -> None:
    width, height = canvas._pagesize
    canvas.saveState()
    _banner(canvas, report, height - MARGIN + 0.1 * inch)
    _banner(canvas, report, MARGIN - BANNER_HEIGHT - 0.1 * inch)
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.setFont("Helvetica", 8)
    bottom = MARGIN - BANNER_HEIGHT - 0.3 * inch
    canvas.drawString(MARGIN, bottom, report.footer)
    canvas.drawRightString(
        width - MARGIN, bottom, report.page_label.format(page=number, pages=total)
    )
    canvas.restoreState()


def render_report_pdf(report: PrintedReport) -> bytes:
    """The PDF's bytes. Text streams are left uncompressed (a report is a few pages), so what
    a PDF holds can be checked as the pages' text is."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + BANNER_HEIGHT,
        bottomMargin=MARGIN + BANNER_HEIGHT,
        title=report.meta.get("title", report.title),
        author=report.meta.get("author", ""),
        subject=report.meta.get("subject", report.banner),
        lang=report.lang,
        pageCompression=0,
        invariant=1,
    )
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=9, textColor=colors.HexColor("#444444"))
    heading = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=13, spaceBefore=12)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=18, alignment=0)
    story: list[Any] = [
        Paragraph(escape(report.kicker), small),
        Paragraph(escape(report.title), title),
        *_paragraphs(report.body, body),
    ]
    if report.other_body or report.other_title:
        other = [Paragraph(escape(report.other_heading), heading)]
        if report.other_title:
            other.append(Paragraph(f"<b>{escape(report.other_title)}</b>", body))
        story += [*other, *_paragraphs(report.other_body, body)]
    if report.facts:
        rows = [
            [
                Paragraph(f"<b>{escape(label)}</b>", small),
                Paragraph(escape(value).replace("\n", "<br/>"), small),
            ]
            for label, value in report.facts
        ]
        table = Table(rows, colWidths=[1.9 * inch, None], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.HexColor("#cccccc")),
                ]
            )
        )
        story += [KeepTogether([Paragraph(escape(report.facts_heading), heading)]), table]
    story.append(Paragraph(escape(report.entities_heading), heading))
    if report.entities:
        story += [Paragraph("• " + escape(caption), body) for caption in report.entities]
    else:
        story.append(Paragraph(f"<i>{escape(report.no_entities)}</i>", body))
    document.build(story, canvasmaker=_numbered_canvas(report))
    return buffer.getvalue()
