"""The report form: filing a report from the page, with typed entity rows and the banner it
will carry shown before filing, and the suggestions of existing entities for its rows.

Its routes come before the report page's (`/reports/{report_id}`), which would otherwise
take `/reports/new` for a report's id (web/app.py includes this router first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated

from babel import Locale
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from followthemoney.property import Property
from pydantic import BaseModel, Field, ValidationError

from vinculo import vocab
from vinculo.errors import Forbidden, InvalidFields, InvalidInput, NotFound, VinculoError
from vinculo.i18n import N_, gettext
from vinculo.intel import entity_form, service
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate
from vinculo.intel.search import search
from vinculo.intel.views import (
    _group_names,
    _page,
    entity_caption,
    ftm_label,
    schema_label,
)
from vinculo.security.audit import record
from vinculo.security.markings import TLP, Actor, Markings
from vinculo.security.models import utcnow
from vinculo.security.roles import Permission, allowed
from vinculo.text import fold
from vinculo.web.deps import PageActor, SessionDep, sign_in_first

router = APIRouter(include_in_schema=False)

# Entity rows the report form always offers (intel/entity_form.py: their kinds and fields).
FORM_ENTITY_ROWS = 3
STORED_AS = N_("will be stored as {value}")


@router.get("/reports/new", response_class=HTMLResponse)
def new_report_form(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
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
        return sign_in_first(request)
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
        return sign_in_first(request)
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


@router.post("/reports/new/check")
def check_entity_field(
    request: Request,
    actor: PageActor,
    schema_name: Annotated[str, Form(alias="schema")] = "Person",
    field: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    nationality: Annotated[str, Form()] = "",
    jurisdiction: Annotated[str, Form()] = "",
) -> Response:
    """One entity field checked as it is typed (CURP, RFC, phone …), by the very check that
    filing makes (entity_form.check_one), so the page and the filing never disagree; the
    message is in the reader's language. A POST, so that identifiers stay out of URLs and
    access logs. It reads nothing stored."""
    if not actor.signed_in:
        return sign_in_first(request)
    if not value.strip():
        return JSONResponse({"valid": True, "value": "", "message": ""})
    row = {"country": country, "nationality": nationality, "jurisdiction": jurisdiction}
    try:
        cleaned = entity_form.check_one(schema_name, field, value, row, _own_nation(actor))
    except InvalidInput as error:
        return JSONResponse({"valid": False, "value": "", "message": error.detail(actor.locale)})
    message = gettext(actor.locale, STORED_AS, value=cleaned)
    return JSONResponse({"valid": True, "value": cleaned, "message": message})
