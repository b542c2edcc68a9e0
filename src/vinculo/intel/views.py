"""HTML pages for reports, entities and search, in the reader's language.

Every page but sign-in needs a signed-in account; an anonymous visitor is sent to
/login?next=… . What is shown is only what `can_see` lets the reader see: the services
filter, the pages only lay it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from gettext import NullTranslations, translation
from typing import Annotated
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from followthemoney import model
from followthemoney.property import Property
from followthemoney.statement import BASE_ID
from followthemoney.util import i18n_path
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.intel import entity_form, retention, service
from vinculo.intel.marks import entity_markings, narrowest_first, report_markings, words
from vinculo.intel.models import Report
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.search import KINDS, search
from vinculo.intel.translation import filed_in, translation_of
from vinculo.resolve.store import members
from vinculo.security.audit import record
from vinculo.security.markings import TLP, Actor, Markings
from vinculo.security.models import Group, utcnow
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.security.roles import Permission, allowed
from vinculo.text import fold
from vinculo.web.deps import PageActor, SessionDep
from vinculo.web.templating import ftm_value, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
# Entity rows the report form always offers (intel/entity_form.py: their kinds and fields).
FORM_ENTITY_ROWS = 3

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


def _page(
    request: Request, name: str, *, actor: Actor, status_code: int = 200, **context: object
) -> Response:
    return render(
        request, name, actor=actor, status_code=status_code, show=Show(actor.locale), **context
    )


def _sign_in_first(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


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


@router.get("/reports/new", response_class=HTMLResponse)
def new_report_form(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    # Safe defaults: the analyst widens on purpose. TLP:AMBER (the agency and those it shares
    # with), releasable to one's own nation only, no group.
    form = ReportForm(
        review_by=(utcnow().date() + timedelta(days=365)).isoformat(),
        tlp=TLP.AMBER.value,
        rel_to=[own] if (own := _own_nation(actor)) else [],
    )
    return _form_page(request, session=session, actor=actor, form=form)


def _own_nation(actor: Actor) -> str | None:
    if actor.agency is None or actor.agency not in vocab.agencies():
        return None
    return vocab.agency_nation(actor.agency)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request, report_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
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
        return _sign_in_first(request)
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
        return _sign_in_first(request)
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
        return _sign_in_first(request)
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


# --- file a report --------------------------------------------------------------------------


class ReportForm(BaseModel):
    """The report form exactly as typed: every field text, so nothing typed is lost."""

    title_en: str = ""
    title_es: str = ""
    body_en: str = ""
    body_es: str = ""
    reliability: str = ""
    credibility: str = ""
    predicate: str = ""
    suspicion: str = ""
    attest_no_protected_views: str = ""
    review_by: str = ""
    tlp: str = ""
    rel_to: list[str] = Field(default_factory=list)
    shared_with: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    orcon: str = ""
    recipients: str = ""


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


@dataclass
class Parsed:
    """The form turned into a ReportCreate, and the errors found on the way, by field."""

    report_in: ReportCreate | None
    errors: list[InvalidInput]


def _parse(form: ReportForm, today: date, entities: list[EntityIn]) -> Parsed:
    errors: list[InvalidInput] = []
    review_by = today + timedelta(days=1)  # stands in while the typed date is refused
    try:
        review_by = date.fromisoformat(form.review_by.strip())
    except ValueError:
        errors.append(
            InvalidInput(
                N_("write the review-by date as YYYY-MM-DD, for example {example}"),
                field="review_by",
                example=(today + timedelta(days=365)).isoformat(),
            )
        )
    try:
        credibility = int(form.credibility.strip())
    except ValueError:
        credibility = 0  # the service names the field: a number from 1 to 6
    try:
        report_in = ReportCreate(
            title_en=form.title_en,
            title_es=form.title_es,
            body_en=form.body_en,
            body_es=form.body_es,
            reliability=form.reliability.strip(),
            credibility=credibility,
            predicate=form.predicate.strip(),
            suspicion=form.suspicion,
            attest_no_protected_views=bool(form.attest_no_protected_views),
            review_by=review_by,
            markings=MarkingsIn(
                tlp=form.tlp or TLP.GREEN.value,
                rel_to=form.rel_to,
                orcon=bool(form.orcon),
                groups=form.groups,
                recipients=_split_list(form.recipients),
                shared_with=form.shared_with,
            ),
            entities=entities,
        )
    except ValidationError as error:  # every field is text already; kept as a safety net
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            errors.append(InvalidInput(N_("this value is not valid"), field=where))
        return Parsed(None, errors)
    return Parsed(report_in, errors)


# Service error fields → the form field they are shown next to.
_FIELD_OF = {
    "markings.tlp": "tlp",
    "markings.rel_to": "rel_to",
    "markings.groups": "groups",
    "markings.recipients": "recipients",
    "markings.shared_with": "shared_with",
    "markings.orcon": "orcon",
}


@dataclass
class FormErrors:
    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    count: int = 0


def _place_errors(
    errors: list[VinculoError], rows: list[entity_form.EntityRow], locale: str
) -> FormErrors:
    """Each error next to its field: the report's fields by name, an entity's on its row (the
    service names them entities[k].properties.p, k counting the filled rows)."""
    placed = FormErrors(count=len(errors))
    known = set(ReportForm.model_fields)
    filled = [row for row in rows if not row.empty()]
    for error in errors:
        name = error.field or ""
        if re.fullmatch(r"e\d+\.\w+", name):
            continue  # a row's own check: already on the row
        if name.startswith("entities["):
            index_text, _, rest = name[len("entities[") :].partition("]")
            index = int(index_text) if index_text.isdigit() else -1
            if 0 <= index < len(filled):
                where = rest.lstrip(".").removeprefix("properties.") or "name"
                moved = InvalidInput(error.message)
                moved.params = error.params
                filled[index].fail(where, moved)
                continue
        name = _FIELD_OF.get(name, name)
        if name in known:
            placed.by_field.setdefault(name, []).append(error.detail(locale))
        else:
            placed.general.append(error.render(locale))
    return placed


def _preview(form: ReportForm, actor: Actor) -> Markings | None:
    """The markings the form would file under, as far as they hang together yet."""
    if not actor.agency:
        return None
    try:
        return Markings.create(
            tlp=form.tlp or TLP.AMBER.value,
            originator=actor.agency,
            rel_to=form.rel_to,
            orcon=bool(form.orcon),
            groups=form.groups,
            recipients=_split_list(form.recipients),
            shared_with=form.shared_with,
            author=actor.username,
        )
    except VinculoError:
        return None


def _choices(locale: str) -> Callable[[Property], list[tuple[str, str]]]:
    """The options of a select field: countries by name in the reader's language, genders."""
    territories = Locale.parse(locale).territories

    def choices(prop: Property) -> list[tuple[str, str]]:
        if prop.type.name == "gender":
            return [(g, ftm_label(g, locale)) for g in ("male", "female", "other")]
        names: dict[str, str] = getattr(prop.type, "names", {})  # FtM's CountryType
        codes = [c for c in names if len(c) == 2]
        found = [(c, str(territories.get(c.upper(), names[c]))) for c in codes]
        return sorted(found, key=lambda pair: fold(pair[1]))

    return choices


def _form_page(
    request: Request,
    *,
    session: SessionDep,
    actor: Actor,
    form: ReportForm,
    errors: FormErrors | None = None,
    rows: list[entity_form.EntityRow] | None = None,
    add_row: bool = False,
    status_code: int = 200,
) -> Response:
    rows = list(rows or [])
    # At least three rows, always an empty one to fill, and one more when asked.
    while len(rows) < entity_form.MAX_ROWS and (
        len(rows) < FORM_ENTITY_ROWS or not rows[-1].empty()
    ):
        rows.append(entity_form.EntityRow(index=len(rows)))
    if add_row and len(rows) < entity_form.MAX_ROWS:
        rows.append(entity_form.EntityRow(index=len(rows)))
    for index, row in enumerate(rows):
        row.index = index
    my_groups = _group_names(session, actor.groups, actor.locale)
    return _page(
        request,
        "report_form.html",
        actor=actor,
        status_code=status_code,
        form=form,
        rows=rows,
        errors=errors or FormErrors(),
        my_groups=list(zip(sorted(actor.groups), my_groups, strict=True)),
        schemas=[(s.name, schema_label(s.name, actor.locale)) for s in entity_form.schemata()],
        fields=entity_form.fields_of,
        input_kind=entity_form.input_kind,
        choices=_choices(actor.locale),
        own_nation=_own_nation(actor),
        preview=_preview(form, actor),
        today=utcnow().date().isoformat(),
        may_file=bool(actor.agency),
        role_may_file=allowed(actor, Permission.FILE_REPORT),
    )


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's single-valued fields (the entity rows' e<i>.<name> fields)."""
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


PostedForm = Annotated[dict[str, str], Depends(_posted)]


def _row_entities(
    session: SessionDep, actor: Actor, rows: list[entity_form.EntityRow]
) -> list[EntityIn]:
    """The filled rows as entities; a row's bad values stay on the row, by field."""
    nation = _own_nation(actor)
    out = []
    for row in rows:
        if row.empty():
            continue
        properties = entity_form.properties_of(row, nation)
        entity_id = None
        if row.existing:
            # Adding to an existing entity: only one the analyst may see, and answered as
            # missing otherwise (the same words for hidden and for absent).
            try:
                view = service.get_entity(session=session, actor=actor, entity_id=row.existing)
            except NotFound:
                row.fail(
                    "existing",
                    InvalidInput(N_("no such entity, or your account may not see it")),
                )
            else:
                entity_id = row.existing
                row.schema = view.entity.schema.name
                row.existing_caption = view.entity.caption
        out.append(EntityIn(id=entity_id, schema_=row.schema, properties=properties))
    return out


@router.post("/reports/new", response_class=HTMLResponse)
def file_report(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: Annotated[ReportForm, Form()],
    posted: PostedForm,
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    rows = entity_form.read_rows(posted)
    action = posted.get("action", "file")
    if action in ("refresh", "add_row"):
        # Not a filing: the form again with the fields of each row's kind (no script needed).
        return _form_page(
            request, session=session, actor=actor, form=form, rows=rows, add_row=action == "add_row"
        )
    typed = _row_entities(session, actor, rows)
    parsed = _parse(form, utcnow().date(), typed)
    errors: list[VinculoError] = list(parsed.errors)
    errors.extend(e for row in rows for e in row.errors)
    report = None
    status = 422
    if parsed.report_in is not None:
        # Filed even when a field is wrong, so that every problem is named at once; a
        # refused filing is rolled back below.
        try:
            report = service.create_report(session=session, actor=actor, report_in=parsed.report_in)
        except InvalidFields as error:
            errors.extend(error.errors)
        except Forbidden as error:
            errors.append(error)
            status = 403
        except InvalidInput as error:
            errors.append(error)
    if report is not None and not errors:
        # The report page confirms the filing once (the session remembers which report).
        request.session["filed"] = report.id
        return RedirectResponse(f"/reports/{report.id}", status_code=303)
    # Nothing of a refused filing is kept, not even a marking set it would have used; only
    # the attempt itself goes on the audit chain.
    session.rollback()
    record(
        session=session,
        actor=actor,
        action="refused",
        kind="report",
        target=request.url.path,
        outcome=str(status),
        detail={"fields": sorted({e.field or "" for e in errors})},
    )
    placed = _place_errors(errors, rows, actor.locale)
    return _form_page(
        request,
        session=session,
        actor=actor,
        form=form,
        errors=placed,
        rows=rows,
        status_code=status,
    )


@router.get("/reports/new/suggest")
def suggest_entities(
    request: Request, session: SessionDep, actor: PageActor, q: str = "", schema: str = ""
) -> Response:
    """Existing entities the analyst may see whose names match what is typed in an entity
    row (the report form's suggestions): searched, and audited, as the search page is."""
    if not actor.signed_in:
        return _sign_in_first(request)
    items: list[dict[str, str]] = []
    if len(q.strip()) >= 3:
        found = search(session=session, actor=actor, q=q, kind="entities", limit=8)
        for hit in found.items:
            if schema and hit.schema_ and hit.schema_ != schema:
                continue
            items.append(
                {
                    "id": hit.id,
                    "caption": entity_caption(hit.title, hit.schema_ or "Thing", actor.locale),
                    "schema": hit.schema_ or "Thing",
                    "schema_label": schema_label(hit.schema_ or "Thing", actor.locale),
                }
            )
    return JSONResponse({"items": items})
