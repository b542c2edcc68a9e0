"""Pages of oversight: a security-force unit and its chain of command, Leahy vetting
requests (list, request, decide) and allegations of human-rights violations (list, file,
read, triage), each under its marking banner.

Thin, as every page: each calls the services, which read through the one access policy, so
a unit, request or allegation the reader may not see answers exactly as a missing one, and
a victim or witness the reader may not see is not shown (the service leaves it out of what
it returns). Forms post with the session's CSRF token and work without JavaScript; on bad
input the form comes back with each field named and nothing stored (a savepoint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo import vocab
from vinculo.errors import InvalidFields, InvalidInput, VinculoError
from vinculo.i18n import N_
from vinculo.intel.marks import highest
from vinculo.intel.schemas import MarkingsIn, MarkingsRead
from vinculo.intel.service import captions, visible_statements
from vinculo.intel.views import Show
from vinculo.oversight import allegations, service, vetting
from vinculo.oversight.allegation_schemas import AllegationCreate, PartyIn, SourceIn, StatusUpdate
from vinculo.oversight.vetting_schemas import DecisionIn, VettingCreate
from vinculo.resolve.scoring import screen_scorer
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import visible_marking_ids
from vinculo.security.roles import Permission, allowed
from vinculo.web.deps import PageActor, SessionDep, sign_in_first
from vinculo.web.templating import reader_zone, render

router = APIRouter(include_in_schema=False)

PAGE = 25
# Rows of the allegation form: enough for a filing; more are added by filing again or over
# the API (the page works without JavaScript, so it cannot add rows itself).
PARTY_ROWS = 3
SOURCE_ROWS = 2
# What a page offers: TLP:RED needs named recipients, which the API takes.
FORM_TLPS = ("GREEN", "AMBER", "AMBER+STRICT")
BAD_DATE = N_("not a valid date; write it as YYYY-MM-DD")

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=500)]
Many = Annotated[list[str] | None, Form()]


def _page(
    request: Request, name: str, *, actor: Actor, status_code: int = 200, **context: object
) -> Response:
    return render(
        request,
        name,
        actor=actor,
        status_code=status_code,
        show=Show(actor.locale),
        marks=as_markings,
        long_day=long_day(actor),
        **context,
    )


def long_day(actor: Actor) -> Callable[[date | datetime | None], str]:
    """A day written out in the reader's words ("1 de mayo de 2021", "May 1, 2021"): a
    Spanish "1 may 2021" would read as an English word; a moment is the reader's local day."""

    def shown(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            value = aware.astimezone(reader_zone(actor)).date()
        return str(format_date(value, format="long", locale=actor.locale))

    return shown


def _errors(error: VinculoError, locale: str) -> dict[str, list[str]]:
    if isinstance(error, InvalidFields):
        return error.by_field(locale)
    return {error.field or "": [error.detail(locale)]}


def as_markings(m: MarkingsRead) -> Markings:
    """A service's marking as the banner macros draw it (`_marking.html`)."""
    return Markings.create(
        tlp=m.tlp,
        originator=m.originator,
        rel_to=m.rel_to,
        orcon=m.orcon,
        groups=m.groups,
        recipients=m.recipients,
        shared_with=m.shared_with,
    )


def _banner(found: Sequence[MarkingsRead]) -> tuple[str, str]:
    """The banner over an item built from statements under these markings, and its TLP."""
    return highest([as_markings(m) for m in found])


def unit_names(
    session: SessionDep, actor: Actor, visible: list[int], ids: Sequence[str]
) -> dict[str, str]:
    """Each entity's name in the reader's language where one of its visible statements gives
    it so (a unit's Spanish and English names), else its caption; only entities the reader
    may see are named."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    found = {
        k: v[1] for k, v in captions(session=session, entity_ids=wanted, visible=visible).items()
    }
    lang = service.LANGS.get(actor.locale)
    rows = visible_statements(session=session, entity_ids=list(found), visible=visible)
    for entity_id, statements in rows.items():
        own = next((r.value for r in statements if r.prop == "name" and r.lang == lang), None)
        if own:
            found[entity_id] = own
    return found


def _day(text: str, field: str, errors: list[InvalidInput]) -> date | None:
    """A date typed in a form (YYYY-MM-DD, as a date input sends it), or None when empty."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(InvalidInput(BAD_DATE, field=field))
        return None


def _url(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


def _picked(chosen: list[str] | None, most: int = 20) -> list[str]:
    """The boxes ticked of a group of checkboxes."""
    return [c for c in (chosen or []) if c][:most]


def _markings_form() -> dict[str, object]:
    """What the markings part of a form starts with: GREEN, for both nations."""
    return {"tlp": "GREEN", "rel_to": ["USA", "MEX"], "groups": []}


# --- a security-force unit --------------------------------------------------------------------


@router.get("/oversight/units/{unit_id}", response_class=HTMLResponse)
def unit_page(
    request: Request,
    unit_id: str,
    session: SessionDep,
    actor: PageActor,
    on: str | None = None,
) -> Response:
    """The unit, its force, parent, children, place, commander on a date and its chain of
    command up to the top, with the vetting and allegations concerning it."""
    if not actor.signed_in:
        return sign_in_first(request)
    asked = (on or "")[:32]
    errors: list[InvalidInput] = []
    day = _day(asked, "on", errors) or date.today()
    chain = service.chain_of_command(session=session, actor=actor, unit_id=unit_id, on=day)
    unit = chain.items[0]
    children = service.subunits(session=session, actor=actor, unit_id=unit.id)
    vetted = vetting.list_vetting(session=session, actor=actor, subject=unit.id, limit=5)
    alleged = allegations.list_allegations(session=session, actor=actor, unit=unit.id, limit=5)
    return _page(
        request,
        "oversight/unit.html",
        actor=actor,
        status_code=422 if errors else 200,
        unit=unit,
        drawn=[as_markings(m) for m in unit.markings],
        chain=chain.items,
        banners=[_banner(u.markings) for u in chain.items],
        children=[(c, _banner(c.markings)) for c in children],
        on=day,
        asked=asked if errors else day.isoformat(),
        errors=_errors(InvalidFields(errors), actor.locale) if errors else {},
        vetting=vetted,
        allegations=alleged,
        may_request=_may_request(actor),
        may_file=allowed(actor, Permission.FILE_ALLEGATION) and bool(actor.agency),
    )


# --- Leahy vetting ----------------------------------------------------------------------------


def _may_request(actor: Actor) -> bool:
    may = allowed(actor, Permission.FILE_REPORT) or allowed(actor, Permission.VET)
    return may and bool(actor.agency)


@router.get("/oversight/vetting", response_class=HTMLResponse)
def vetting_list(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    status: str | None = None,
    subject: str | None = None,
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    status = status if status in vetting.STATUSES else None
    subject = (subject or "").strip()[:128] or None
    listed = vetting.list_vetting(
        session=session,
        actor=actor,
        cursor=(cursor or "")[:300] or None,
        limit=PAGE,
        status=status,
        subject=subject,
    )
    older = _url("/oversight/vetting", status=status, subject=subject, cursor=listed.next_cursor)
    visible = visible_marking_ids(session=session, actor=actor)
    subjects = [r.subject_entity_id or "" for r in listed.items if r.subject_kind == "unit"]
    return _page(
        request,
        "oversight/vetting_list.html",
        actor=actor,
        requests=listed.items,
        names=unit_names(session, actor, visible, subjects),
        total=listed.total,
        status=status,
        subject=subject,
        statuses=vetting.STATUSES,
        filter_url=lambda code: _url("/oversight/vetting", status=code, subject=subject),
        older_url=older if listed.next_cursor else None,
        newest_url=_url("/oversight/vetting", status=status, subject=subject),
        first_page=not cursor,
        may_request=_may_request(actor),
    )


def _vetting_form_page(
    request: Request,
    actor: Actor,
    *,
    form: dict[str, object],
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    return _page(
        request,
        "oversight/vetting_new.html",
        actor=actor,
        status_code=status_code,
        form=form,
        errors=errors or {},
        purposes=vetting.PURPOSES,
        tlps=FORM_TLPS,
        own_groups=sorted(actor.groups),
        may_request=_may_request(actor),
    )


@router.get("/oversight/vetting/new", response_class=HTMLResponse)
def vetting_new(
    request: Request,
    actor: PageActor,
    kind: str | None = None,
    entity: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form: dict[str, object] = {
        "subject_kind": kind if kind in vetting.KINDS else "unit",
        "subject_entity_id": (entity or "")[:128],
        "purpose": "training",
        **_markings_form(),
    }
    return _vetting_form_page(request, actor, form=form)


@router.post("/oversight/vetting", response_class=HTMLResponse)
def vetting_request_form(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    subject_kind: Annotated[str, Form(max_length=8)] = "",
    subject_entity_id: Annotated[str, Form(max_length=128)] = "",
    subject_name: Short = "",
    birth_date: Annotated[str, Form(max_length=32)] = "",
    purpose: Annotated[str, Form(max_length=24)] = "",
    programme_officer: Annotated[str, Form(max_length=200)] = "",
    tlp: Annotated[str, Form(max_length=16)] = "GREEN",
    rel_to: Many = None,
    groups: Many = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form: dict[str, object] = {
        "subject_kind": subject_kind,
        "subject_entity_id": subject_entity_id,
        "subject_name": subject_name,
        "birth_date": birth_date,
        "purpose": purpose,
        "programme_officer": programme_officer,
        "tlp": tlp,
        "rel_to": _picked(rel_to),
        "groups": _picked(groups),
    }
    markings_in = MarkingsIn(tlp=tlp, rel_to=_picked(rel_to), groups=_picked(groups))
    problems: list[InvalidInput] = []
    born = _day(birth_date, "birth_date", problems)
    try:
        if problems:
            raise InvalidFields(problems)
        request_in = VettingCreate(
            subject_kind=subject_kind,
            subject_entity_id=subject_entity_id.strip() or None,
            subject_name=subject_name,
            birth_date=born,
            purpose=purpose,
            programme_officer=programme_officer,
            markings=markings_in,
        )
        with session.begin_nested():
            made = vetting.request_vetting(session=session, actor=actor, request_in=request_in)
    except InvalidInput as error:
        errors = _errors(error, actor.locale)
        return _vetting_form_page(request, actor, form=form, status_code=422, errors=errors)
    return RedirectResponse(f"/oversight/vetting/{made.id}", status_code=303)


def _vetting_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    request_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    scorer = screen_scorer(data_dir=request.app.state.settings.data_dir)
    read = vetting.get_vetting(session=session, actor=actor, request_id=request_id, scorer=scorer)
    visible = visible_marking_ids(session=session, actor=actor)
    unit = [read.subject_entity_id or ""] if read.subject_kind == "unit" else []
    return _page(
        request,
        "oversight/vetting.html",
        actor=actor,
        status_code=status_code,
        read=read,
        names=unit_names(session, actor, visible, unit),
        statuses=vetting.STATUSES,
        decided=vetting.DECIDED,
        may_vet=allowed(actor, Permission.VET),
        errors=errors or {},
        form=form or {"status": "approved"},
    )


@router.get("/oversight/vetting/{request_id}", response_class=HTMLResponse)
def vetting_page(
    request: Request, request_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _vetting_page(request, session, actor, request_id)


@router.post("/oversight/vetting/{request_id}/decision", response_class=HTMLResponse)
def vetting_decision_form(
    request: Request,
    request_id: str,
    session: SessionDep,
    actor: PageActor,
    status: Annotated[str, Form(max_length=16)] = "",
    reason: Text = "",
    valid_from: Annotated[str, Form(max_length=32)] = "",
    valid_until: Annotated[str, Form(max_length=32)] = "",
    duty_to_inform: Text = "",
    remediation: Text = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form: dict[str, object] = {
        "status": status,
        "reason": reason,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "duty_to_inform": duty_to_inform,
        "remediation": remediation,
    }
    problems: list[InvalidInput] = []
    first = _day(valid_from, "valid_from", problems)
    last = _day(valid_until, "valid_until", problems)
    try:
        # A date that is no date is named only to a vetter; anyone else is refused by the
        # service, which looks for the request first (one the reader may not see answers as
        # a missing one), and the page drawn again for the errors looks for it too.
        if problems and allowed(actor, Permission.VET):
            raise InvalidFields(problems)
        with session.begin_nested():
            decision = DecisionIn(
                status=status,
                reason=reason,
                valid_from=first,
                valid_until=last,
                duty_to_inform=duty_to_inform,
                remediation=remediation,
            )
            vetting.decide(
                session=session, actor=actor, request_id=request_id, decision_in=decision
            )
    except InvalidInput as error:
        errors = _errors(error, actor.locale)
        return _vetting_page(
            request, session, actor, request_id, status_code=422, errors=errors, form=form
        )
    return RedirectResponse(f"/oversight/vetting/{request_id}", status_code=303)


# --- allegations ------------------------------------------------------------------------------


@router.get("/oversight/allegations", response_class=HTMLResponse)
def allegation_list(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    status: str | None = None,
    violation: str | None = None,
    unit: str | None = None,
    cursor: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    status = status if status in vocab.allegation_statuses() else None
    violation = violation if violation in vocab.violations() else None
    unit = (unit or "").strip()[:128] or None
    listed = allegations.list_allegations(
        session=session,
        actor=actor,
        cursor=(cursor or "")[:300] or None,
        limit=PAGE,
        status=status,
        violation=violation,
        unit=unit,
    )
    filters = {"status": status, "violation": violation, "unit": unit}
    older = _url("/oversight/allegations", **filters, cursor=listed.next_cursor)
    visible = visible_marking_ids(session=session, actor=actor)
    units = unit_names(session, actor, visible, [a.unit_entity_id or "" for a in listed.items])
    return _page(
        request,
        "oversight/allegations.html",
        actor=actor,
        allegations=listed.items,
        total=listed.total,
        status=status,
        violation=violation,
        unit=unit,
        unit_names=units,
        older_url=older if listed.next_cursor else None,
        newest_url=_url("/oversight/allegations", **filters),
        first_page=not cursor,
        may_file=allowed(actor, Permission.FILE_ALLEGATION) and bool(actor.agency),
    )


def _rows(count: int, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a form shows: those sent, then empty ones up to `count`."""
    return found + [{} for _ in range(max(count - len(found), 1 if not found else 0))]


def _allegation_form_page(
    request: Request,
    actor: Actor,
    *,
    form: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    form["parties"] = _rows(PARTY_ROWS, list(form.get("parties", [])))
    form["sources"] = _rows(SOURCE_ROWS, list(form.get("sources", [])))
    return _page(
        request,
        "oversight/allegation_new.html",
        actor=actor,
        status_code=status_code,
        form=form,
        errors=errors or {},
        tlps=FORM_TLPS,
        own_groups=sorted(actor.groups),
        party_roles=allegations.PARTY_ROLES,
        monitors=allegations.MONITORS,
        may_file=allowed(actor, Permission.FILE_ALLEGATION) and bool(actor.agency),
    )


@router.get("/oversight/allegations/new", response_class=HTMLResponse)
def allegation_new(request: Request, actor: PageActor, unit: str | None = None) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    form: dict[str, Any] = {"unit_entity_id": (unit or "")[:128], **_markings_form()}
    return _allegation_form_page(request, actor, form=form)


def _zipped(*columns: list[str] | None) -> list[tuple[str, ...]]:
    """Rows of a form's repeated fields, column by column (a missing one is empty)."""
    lists = [list(c or []) for c in columns]
    size = max((len(c) for c in lists), default=0)
    return [tuple(c[i].strip()[:20_000] if i < len(c) else "" for c in lists) for i in range(size)][
        :50
    ]


@router.post("/oversight/allegations", response_class=HTMLResponse)
def allegation_file_form(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    summary_en: Text = "",
    summary_es: Text = "",
    occurred_from: Annotated[str, Form(max_length=32)] = "",
    occurred_to: Annotated[str, Form(max_length=32)] = "",
    state: Annotated[str, Form(max_length=100)] = "",
    municipality: Annotated[str, Form(max_length=200)] = "",
    violations: Many = None,
    unit_entity_id: Annotated[str, Form(max_length=128)] = "",
    perpetrators: Annotated[str, Form(max_length=10_000)] = "",
    party_role: Many = None,
    party_name: Many = None,
    party_details: Many = None,
    source_description: Many = None,
    source_reliability: Many = None,
    source_credibility: Many = None,
    tlp: Annotated[str, Form(max_length=16)] = "GREEN",
    rel_to: Many = None,
    groups: Many = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    parties = [
        {"role": (role or "victim")[:16], "name": name[:500], "details": details}
        for role, name, details in _zipped(party_role, party_name, party_details)
        if name or details
    ]
    sources = [
        {"description": text, "reliability": rel, "credibility": cred}
        for text, rel, cred in _zipped(source_description, source_reliability, source_credibility)
        if text
    ]
    chosen = _picked(violations)
    persons = [p.strip() for p in perpetrators.splitlines() if p.strip()][:50]
    form: dict[str, Any] = {
        "summary_en": summary_en,
        "summary_es": summary_es,
        "occurred_from": occurred_from,
        "occurred_to": occurred_to,
        "state": state,
        "municipality": municipality,
        "violations": chosen,
        "unit_entity_id": unit_entity_id,
        "perpetrators": perpetrators,
        "parties": parties,
        "sources": sources,
        "tlp": tlp,
        "rel_to": _picked(rel_to),
        "groups": _picked(groups),
    }
    markings_in = MarkingsIn(tlp=tlp, rel_to=_picked(rel_to), groups=_picked(groups))
    problems: list[InvalidInput] = []
    first = _day(occurred_from, "occurred_from", problems)
    last = _day(occurred_to, "occurred_to", problems)
    if first is None and not problems:
        problems.append(InvalidInput(N_("this field is required"), field="occurred_from"))
    for index, source in enumerate(sources):
        if not str(source["credibility"]).isdigit():
            problems.append(
                InvalidInput(
                    N_("information credibility must be a number from 1 to 6"),
                    field=f"sources.{index}.credibility",
                )
            )
    try:
        if problems or first is None:
            raise InvalidFields(problems)
        allegation_in = AllegationCreate(
            summary_en=summary_en,
            summary_es=summary_es,
            occurred_from=first,
            occurred_to=last,
            state=state,
            municipality=municipality,
            violations=chosen,
            unit_entity_id=unit_entity_id.strip() or None,
            perpetrators=persons,
            sources=[
                SourceIn(
                    description=s["description"],
                    reliability=s["reliability"][:1],
                    credibility=int(s["credibility"]),
                )
                for s in sources
            ],
            parties=[
                PartyIn(role=p["role"], name=p["name"], details=p["details"]) for p in parties
            ],
            markings=markings_in,
        )
        with session.begin_nested():
            made = allegations.file_allegation(
                session=session, actor=actor, allegation_in=allegation_in
            )
    except InvalidInput as error:
        errors = _errors(error, actor.locale)
        return _allegation_form_page(request, actor, form=form, status_code=422, errors=errors)
    return RedirectResponse(f"/oversight/allegations/{made.id}", status_code=303)


def _allegation_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    allegation_id: str,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    read = allegations.get_allegation(session=session, actor=actor, allegation_id=allegation_id)
    visible = visible_marking_ids(session=session, actor=actor)
    named = [*read.perpetrators, *([read.unit_entity_id] if read.unit_entity_id else [])]
    found = captions(session=session, entity_ids=named, visible=visible)
    return _page(
        request,
        "oversight/allegation.html",
        actor=actor,
        status_code=status_code,
        read=read,
        names=unit_names(session, actor, visible, named),
        schemas={k: v[0] for k, v in found.items()},
        statuses=vocab.allegation_statuses(),
        may_triage=allowed(actor, Permission.FILE_ALLEGATION) and bool(actor.agency),
        errors=errors or {},
    )


@router.get("/oversight/allegations/{allegation_id}", response_class=HTMLResponse)
def allegation_page(
    request: Request, allegation_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    return _allegation_page(request, session, actor, allegation_id)


@router.post("/oversight/allegations/{allegation_id}/status", response_class=HTMLResponse)
def allegation_status_form(
    request: Request,
    allegation_id: str,
    session: SessionDep,
    actor: PageActor,
    status: Annotated[str, Form(max_length=16)] = "",
    reason: Text = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    status_in = StatusUpdate(status=status, reason=reason)
    try:
        with session.begin_nested():
            allegations.set_status(
                session=session, actor=actor, allegation_id=allegation_id, status_in=status_in
            )
    except InvalidInput as error:
        errors = _errors(error, actor.locale)
        return _allegation_page(
            request, session, actor, allegation_id, status_code=422, errors=errors
        )
    return RedirectResponse(f"/oversight/allegations/{allegation_id}", status_code=303)
