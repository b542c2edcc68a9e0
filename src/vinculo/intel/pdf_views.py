"""A report as a PDF (/reports/{id}/pdf), for printing and filing: its marking banner at the top
and bottom of every page, in the reader's language. It reads the report through the same
service as its page (the access policy, one audited read), so a report the reader may not
see answers exactly as a missing one does."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vinculo import vocab
from vinculo.i18n import N_, gettext
from vinculo.intel import service
from vinculo.intel.pdf import PrintedReport, render_report_pdf
from vinculo.intel.views import Show, _group_names, _texts
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import utcnow
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.web.deps import PageActor, SessionDep, sign_in_first

router = APIRouter(include_in_schema=False)


def banner_words(m: Markings) -> str:
    """The banner's words as the pages write them (templates/_marking.html)."""
    words = f"TLP:{m.tlp.value} // REL TO {', '.join(sorted(m.rel_to))}"
    if m.orcon:
        words += f" // ORCON ({m.originator})"
    if m.groups:
        words += f" // {', '.join(sorted(m.groups))}"
    return words


def _dissemination(markings: Markings, groups: list[str], locale: str) -> str:
    lines = [
        vocab.load("tlp").label(markings.tlp.value, locale),
        gettext(locale, N_("Releasable to: {nations}"), nations=", ".join(sorted(markings.rel_to))),
    ]
    if markings.orcon:
        lines.append(
            gettext(
                locale,
                N_(
                    "Originator controlled (ORCON): further release needs the originating "
                    "agency's approval."
                ),
            )
        )
    if groups:
        lines.append(gettext(locale, N_("Need to know: {groups}"), groups=", ".join(groups)))
    if markings.shared_with:
        lines.append(
            gettext(
                locale,
                N_("Shared with: {agencies}"),
                agencies=", ".join(sorted(markings.shared_with)),
            )
        )
    if markings.recipients:
        lines.append(
            gettext(
                locale,
                N_("Recipients: {accounts}"),
                accounts=", ".join(sorted(markings.recipients)),
            )
        )
    return "\n".join(lines)


@router.get("/reports/{report_id}/pdf")
def report_pdf(request: Request, report_id: str, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    report = service.get_report(session=session, actor=actor, report_id=report_id)
    markings = markings_by_id(session=session, ids={report.marking_id})[report.marking_id]
    visible = visible_marking_ids(session=session, actor=actor)
    ids = service.report_entity_ids(session=session, report_id=report.id)
    caps = service.captions(session=session, entity_ids=ids, visible=visible)
    locale = actor.locale
    show = Show(locale)
    shown, other = _texts(report, locale)
    groups = _group_names(session, markings.groups, locale)
    bases = show.legal_basis(report.predicate)
    legal_basis = (
        [(gettext(locale, N_("Legal basis")), "\n".join(f"{n}: {t}" for n, t in bases))]
        if bases
        else []
    )
    printed = PrintedReport(
        banner=banner_words(markings),
        tlp=markings.tlp.value,
        kicker=" · ".join(
            [
                gettext(locale, N_("Report")),
                f"{show.agency(report.agency)} ({report.agency})",
                show.date(report.created_at),
            ]
        ),
        title=shown.title,
        lang=shown.lang,
        body=shown.body,
        other_heading=(
            ("Also in English" if other.lang == "en" else "También en español") if other else ""
        ),
        other_title=other.title if other else "",
        other_body=other.body if other else "",
        facts_heading=gettext(locale, N_("About this report")),
        facts=[
            (
                gettext(locale, N_("Originating agency")),
                f"{show.agency(report.agency)} ({report.agency}) · "
                f"{vocab.nations().label(report.nation, locale)}",
            ),
            (
                gettext(locale, N_("Source grading (Admiralty code)")),
                show.grading(report.reliability, report.credibility),
            ),
            (gettext(locale, N_("Criminal predicate")), show.offence(report.predicate)),
            *legal_basis,
            (gettext(locale, N_("Reasonable suspicion")), report.suspicion),
            (gettext(locale, N_("Review by")), show.date(report.review_by)),
            (gettext(locale, N_("Dissemination")), _dissemination(markings, groups, locale)),
        ],
        entities_heading=gettext(locale, N_("Entities this report asserts")),
        entities=[_entity_line(show, *caps[i]) for i in ids if i in caps],
        no_entities=gettext(locale, N_("This report asserts no entities.")),
        footer=_footer(actor, show),
        page_label=gettext(locale, N_("Page {page} of {pages}")),
        meta={"title": shown.title, "author": report.agency, "subject": banner_words(markings)},
    )
    return Response(
        render_report_pdf(printed),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="report-{report.id}.pdf"'},
    )


def _entity_line(show: Show, schema: str, caption: str) -> str:
    shown = show.caption(caption, schema)
    label = show.schema(schema)
    return shown if shown == label else f"{shown} ({label})"


def _footer(actor: Actor, show: Show) -> str:
    return gettext(
        actor.locale,
        N_("Printed for {account} on {day}"),
        account=actor.username or "",
        day=show.date(utcnow()),
    )
