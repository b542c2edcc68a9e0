"""HTML pages for reports, entities and search, in the reader's language.

Every page but sign-in needs a signed-in account; an anonymous visitor is sent to
/login?next=… . What is shown is only what `can_see` lets the reader see: the services
filter, the pages only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from gettext import NullTranslations, translation
from typing import Annotated
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from followthemoney import model
from followthemoney.statement import BASE_ID
from followthemoney.util import i18n_path
from sqlalchemy import select

from vinculo import vocab
from vinculo.errors import NotFound
from vinculo.i18n import N_, gettext
from vinculo.intel import retention, service
from vinculo.intel.marks import entity_markings, narrowest_first, report_markings, words
from vinculo.intel.models import Report
from vinculo.intel.search import KINDS, search
from vinculo.intel.translation import filed_in, translation_of
from vinculo.resolve.store import members
from vinculo.security.markings import Actor, Markings
from vinculo.security.models import Group
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import PageActor, SessionDep, sign_in_first
from vinculo.web.templating import ftm_value, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25

# followthemoney ships Spanish labels for its schemata and properties; these fill its gaps.
FTM_LABEL_GAPS = (
    N_("Bank account"),
    N_("Bank accounts"),
    N_("Account number"),
    N_("Bank name"),
    # values of the gender property
    N_("male"),
    N_("female"),
    N_("other"),
)


# --- labels in the reader's language --------------------------------------------------------


@cache
def _ftm_translations(locale: str) -> NullTranslations:
    return translation("followthemoney", i18n_path, [locale], fallback=True)


def ftm_label(english: str, locale: str) -> str:
    """A followthemoney label (English) in the reader's language, from FtM's own catalogue."""
    if locale == "en" or not english:
        return english
    found = _ftm_translations(locale).gettext(english)
    if found == english:
        found = gettext(locale, english)
    return found


def schema_label(name: str, locale: str) -> str:
    schema = model.get(name)
    return ftm_label(schema._label, locale) if schema is not None else name


def property_label(schema_name: str, prop_name: str, locale: str) -> str:
    schema = model.get(schema_name)
    prop = schema.get(prop_name) if schema is not None else None
    return ftm_label(prop._label or prop_name, locale) if prop is not None else prop_name


def entity_caption(caption: str, schema_name: str, locale: str) -> str:
    """An entity's caption; an unnamed one (captioned by its English schema label) gets the
    schema label in the reader's language instead."""
    if not caption or caption == schema_label(schema_name, "en"):
        return schema_label(schema_name, locale)
    return caption


def value_label(prop_type: str, value: str, locale: str) -> str:
    """A statement value as a reader reads it: dates, numbers, countries, genders and
    languages in their words (web.templating.ftm_value)."""
    return ftm_value(value, prop_type, locale)


def tlp_class(m: Markings) -> str:
    """The CSS class of a marking banner or badge: tlp-green, tlp-amber-strict …"""
    return "tlp-" + m.tlp.value.lower().replace("+", "-")


def marking_words(m: Markings, sep: str = " · ") -> str:
    """A marking in the words every page uses (intel.marks.words)."""
    return words(m, sep)


def marking_description(m: Markings, locale: str) -> str:
    """The marking spelled out in the reader's language (a chip's title)."""
    nations = ", ".join(vocab.nations().label(n, locale) for n in sorted(m.rel_to))
    text = vocab.load("tlp").label(m.tlp.value, locale) + ". "
    text += gettext(locale, N_("Releasable to: {nations}"), nations=nations) + "."
    if m.orcon:
        agency = vocab.agencies().label(m.originator, locale)
        text += " " + gettext(
            locale,
            N_("Originator controlled (ORCON): further release needs the approval of {agency}."),
            agency=agency,
        )
    if m.groups:
        groups = ", ".join(sorted(m.groups))
        text += " " + gettext(locale, N_("Need to know: {groups}"), groups=groups) + "."
    return text


def marking_chip(m: Markings, locale: str) -> dict[str, str]:
    """A marking chip as data, for scripts that draw it (the network graph's panel)."""
    return {
        "text": marking_words(m),
        "tlp": tlp_class(m),
        "title": marking_description(m, locale),
    }


@dataclass(frozen=True)
class Show:
    """Formatting helpers handed to templates as `show`."""

    locale: str

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        day = value.date() if isinstance(value, datetime) else value
        return format_date(day, format="medium", locale=self.locale)

    def agency(self, code: str | None) -> str:
        return vocab.agencies().label(code, self.locale) if code else ""

    def schema(self, name: str) -> str:
        return schema_label(name, self.locale)

    def caption(self, caption: str, schema_name: str) -> str:
        return entity_caption(caption, schema_name, self.locale)

    def prop(self, schema_name: str, prop_name: str) -> str:
        return property_label(schema_name, prop_name, self.locale)

    def tlp_class(self, m: Markings) -> str:
        return tlp_class(m)

    def badge(self, m: Markings) -> str:
        """The short marking of a list row or statement: TLP and REL TO."""
        return f"TLP:{m.tlp.value} · REL TO {', '.join(sorted(m.rel_to))}"

    def grading(self, reliability: str, credibility: int | str) -> str:
        """The Admiralty code with both halves spelled out: "B2 — Usually reliable / …"."""
        rel = vocab.admiralty("reliability").label(reliability, self.locale)
        cred = vocab.admiralty("credibility").label(str(credibility), self.locale)
        return f"{reliability}{credibility} — {rel} / {cred}"

    def title_lang(self, report: Report) -> str:
        """The language a report's title is shown in: the reader's, unless it lacks one."""
        own = report.title_es if self.locale == "es" else report.title_en
        return self.locale if own else ("en" if self.locale == "es" else "es")

    def offence(self, code: str) -> str:
        return vocab.load("offences").label(code, self.locale)

    def legal_basis(self, code: str) -> list[tuple[str, str]]:
        """(nation, the law it cites) for a predicate that names one, in the reader's language."""
        offences = vocab.load("offences")
        if code not in offences:
            return []
        return [
            (vocab.nations().label(nation, self.locale), text)
            for nation, text in offences.get(code).bases(self.locale)
        ]


def _page(
    request: Request, name: str, *, actor: Actor, status_code: int = 200, **context: object
) -> Response:
    return render(
        request, name, actor=actor, status_code=status_code, show=Show(actor.locale), **context
    )


def _url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


# --- a report -------------------------------------------------------------------------------


@dataclass
class Text:
    """A text in one language, with its language code for the `lang` attribute."""

    lang: str
    title: str
    body: str


def _texts(report: Report, locale: str) -> tuple[Text, Text | None]:
    """The report in the reader's language (or the other if that is all there is), and the
    other language's version when it exists too."""
    en = Text("en", report.title_en, report.body_en)
    es = Text("es", report.title_es, report.body_es)
    mine, other = (es, en) if locale == "es" else (en, es)
    if not (mine.title or mine.body):
        return other, None
    if not (other.title or other.body):
        return mine, None
    shown = Text(
        mine.lang if mine.body else other.lang, mine.title or other.title, mine.body or other.body
    )
    return shown, other


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request, report_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    report = service.get_report(session=session, actor=actor, report_id=report_id)
    markings = markings_by_id(session=session, ids={report.marking_id})[report.marking_id]
    visible = visible_marking_ids(session=session, actor=actor)
    ids = service.report_entity_ids(session=session, report_id=report.id)
    caps = service.captions(session=session, entity_ids=ids, visible=visible)
    entities = [(i, caps[i][0], caps[i][1]) for i in ids if i in caps]
    shown, other = _texts(report, actor.locale)
    groups = _group_names(session, markings.groups, actor.locale)
    filed = request.session.get("filed") == report.id
    if filed:
        request.session.pop("filed", None)
    return _page(
        request,
        "report.html",
        filed=filed,
        may_withdraw=allowed(actor, Permission.RETENTION),
        actor=actor,
        report=report,
        markings=markings,
        shown=shown,
        other=other,
        entities=entities,
        groups=groups,
        # Filed in one language: said so, with its translation or the offer to add one.
        filed_in=filed_in(report),
        translation=translation_of(session=session, report=report),
    )


@router.post("/reports/{report_id}/withdraw", response_class=HTMLResponse)
def withdraw_report(
    request: Request,
    report_id: str,
    session: SessionDep,
    actor: PageActor,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A supervisor withdraws (purges) a report, with a reason: what the API's DELETE does.
    Reports are not edited once filed; a correction is a new report."""
    if not actor.signed_in:
        return sign_in_first(request)
    purged = retention.purge(session=session, actor=actor, report_id=report_id, reason=reason)
    return _page(request, "withdrawn.html", actor=actor, purged=purged, reason=reason.strip())


def _group_names(session: SessionDep, codes: frozenset[str], locale: str) -> list[str]:
    if not codes:
        return []
    rows = session.execute(select(Group).where(Group.code.in_(sorted(codes)))).scalars()
    names = {g.code: g.name(locale) for g in rows}
    return [names.get(code, code) for code in sorted(codes)]


# --- an entity ------------------------------------------------------------------------------


@dataclass
class StatementLine:
    prop_label: str
    record_id: str
    value: str
    link: str | None
    source_label: str
    source_link: str | None
    markings: Markings
    first_seen: datetime


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(
    request: Request, entity_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    view = service.get_entity(session=session, actor=actor, entity_id=entity_id)
    schema_name = view.entity.schema.name
    # A resolved identity shows the statements of every record merged into it, as far as the
    # reader may see them; the merges themselves are the reader's (resolve.store).
    same = _merged_with(session, actor, entity_id)
    statements = [*view.statements, *(s for other in same for s in other.statements)]
    titles = _report_titles(
        session, actor, {s.row.report_id for s in statements if s.row.report_id}
    )
    lines = []
    for item in statements:
        row = item.row
        if row.prop == BASE_ID:
            continue
        link = None
        value = value_label(row.prop_type, row.value, actor.locale)
        if row.prop_type == "entity" and row.value in view.captions:
            link, value = f"/entities/{row.value}", view.captions[row.value]
        source_label, source_link = row.dataset, None
        if row.report_id and row.report_id in titles:
            source_label, source_link = titles[row.report_id], f"/reports/{row.report_id}"
        lines.append(
            StatementLine(
                prop_label=property_label(row.schema, row.prop, actor.locale),
                record_id=row.entity_id,
                value=value,
                link=link,
                source_label=source_label,
                source_link=source_link,
                markings=item.markings,
                first_seen=row.first_seen,
            )
        )
    return _page(
        request,
        "entity.html",
        actor=actor,
        entity_id=entity_id,
        caption=entity_caption(view.entity.caption, schema_name, actor.locale),
        schema_name=schema_name,
        lines=lines,
        relations=_relations(view, entity_id, actor.locale),
        same=[(str(o.entity.id), o.entity.caption) for o in same],
        # An entity has no marking of its own: the page names those of what it shows.
        entity_markings=narrowest_first(item.markings for item in statements),
    )


def _merged_with(session: SessionDep, actor: Actor, entity_id: str) -> list[service.EntityView]:
    """The other records of the entity's resolved identity that the reader may see.

    A merge can outlive every statement the reader saw of one side (a purge leaves another
    agency's statement behind): that side is left out, as if the merge named nothing, and
    the page answers as the API does.
    """
    views = []
    for other in members(session=session, actor=actor, entity_id=entity_id):
        if other == entity_id:
            continue
        try:
            views.append(service.get_entity(session=session, actor=actor, entity_id=other))
        except NotFound:
            continue
    return views


@dataclass
class Relation:
    """One linking entity (an Ownership, a Payment …) and the far ends it names."""

    via_id: str
    via_label: str
    schema_label: str
    ends: list[tuple[str, str, str]] = field(default_factory=list)  # (prop label, id, caption)


def _relations(view: service.EntityView, entity_id: str, locale: str) -> list[Relation]:
    grouped: dict[str, Relation] = {}
    for link in view.links:
        relation = grouped.get(link.via_id)
        if relation is None:
            caption = view.captions.get(link.via_id, "")
            label = schema_label(link.via_schema, locale)
            # An unnamed Ownership's caption is its schema's English label: say it once.
            if link.via_id == entity_id or caption in (label, schema_label(link.via_schema, "en")):
                caption = ""
            relation = Relation(via_id=link.via_id, via_label=caption, schema_label=label)
            grouped[link.via_id] = relation
        if link.other_id and link.other_caption is not None:
            end = (property_label(link.via_schema, link.prop, locale), link.other_id)
            if not any(e[:2] == end for e in relation.ends):
                relation.ends.append((*end, link.other_caption))
    return list(grouped.values())


def _report_titles(session: SessionDep, actor: Actor, ids: set[str | None]) -> dict[str, str]:
    """Titles of the source reports the actor may see (a statement's report shares its
    markings, so it is visible whenever the statement is)."""
    found: dict[str, str] = {}
    for report_id in sorted(i for i in ids if i):
        try:
            report = service.get_report(session=session, actor=actor, report_id=report_id)
        except NotFound:
            continue
        found[report_id] = report.title(actor.locale)
    return found


# --- search ---------------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    q: str = "",
    kind: str = "all",
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    if kind not in KINDS:
        kind = "all"
    results = None
    more_url = None
    report_marks: dict[str, Markings] = {}
    entity_marks: dict[str, list[Markings]] = {}
    if q.strip():
        results = search(session=session, actor=actor, q=q, kind=kind, cursor=cursor)
        if results.next_cursor:
            more_url = _url("/search", q=q, kind=kind, cursor=results.next_cursor)
        visible = visible_marking_ids(session=session, actor=actor)
        report_marks = report_markings(
            session=session,
            report_ids=[h.id for h in results.items if h.kind == "report"],
            visible=visible,
        )
        entity_marks = entity_markings(
            session=session,
            entity_ids=[h.id for h in results.items if h.kind != "report"],
            visible=visible,
        )
    kinds = [
        ("all", gettext(actor.locale, N_("Reports and entities"))),
        ("reports", gettext(actor.locale, N_("Reports"))),
        ("entities", gettext(actor.locale, N_("Entities"))),
    ]
    return _page(
        request,
        "search.html",
        actor=actor,
        q=q,
        kind=kind,
        kinds=kinds,
        results=results,
        more_url=more_url,
        report_marks=report_marks,
        entity_marks=entity_marks,
    )
