"""Pages for resolution: the review queue, one pair side by side with the decision form, and
the run. What they show is only what the services let the reader see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.views import Show
from vinculo.resolve import service
from vinculo.resolve.scoring import run_resolution
from vinculo.security.markings import Actor
from vinculo.web.deps import PageActor, SessionDep, SettingsDep
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

JUDGEMENT_LABELS = {
    "auto": N_("Merged by the engine"),
    "pending": N_("Waiting for review"),
    "match": N_("Accepted: same identity"),
    "no_match": N_("Rejected: different identities"),
    "unsure": N_("Unsure"),
}
OUTCOME_LABELS = {
    "agreed": N_("agrees"),
    "disagreed": N_("disagrees"),
    "partial": N_("partly agrees"),
    "unknown": N_("not known on both sides"),
}
# The engine's comparisons (resolve.comparisons COMPARISON_COLUMNS), as a reader calls them.
FEATURE_LABELS = {
    "given_name": N_("Given names"),
    "surnames": N_("Surnames"),
    "birth_date": N_("Birth date"),
    "curp": N_("CURP"),
    "rfc": N_("RFC"),
    "ssn": N_("Social Security number"),
    "passport": N_("Passport"),
    "id_number": N_("Identity number"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "sex": N_("Sex"),
    "nationality": N_("Nationality"),
    "street": N_("Street"),
    "postcode": N_("Postcode"),
    "city": N_("City"),
    "plate": N_("Licence plate"),
    "name": N_("Name"),
}


def _sign_in_first(request: Request) -> Response:
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def _page(
    request: Request, name: str, actor: Actor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    locale = actor.locale
    labels = {k: gettext(locale, v) for k, v in JUDGEMENT_LABELS.items()}
    outcomes = {k: gettext(locale, v) for k, v in OUTCOME_LABELS.items()}
    features = {k: gettext(locale, v) for k, v in FEATURE_LABELS.items()}
    return render(
        request,
        name,
        actor=actor,
        status_code=status_code,
        show=Show(locale),
        judgements=labels,
        outcomes=outcomes,
        features=features,
        **context,
    )


@router.get("/resolve", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    cursor: str | None = None,
    ran: str | None = None,
    show: Literal["queue", "merged", "rejected"] = "queue",
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    page = service.review_queue(
        session=session, actor=actor, judgements=service.LISTS[show], cursor=cursor
    )
    return _page(request, "resolve/queue.html", actor, page=page, ran=ran, listing=show)


@router.post("/resolve/run", response_class=HTMLResponse)
def run_page(
    request: Request, session: SessionDep, actor: PageActor, settings: SettingsDep
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    summary = run_resolution(session=session, actor=actor, settings=settings)
    ran = f"{summary.entities}.{summary.merged}.{summary.queued}.{summary.kept}"
    return RedirectResponse("/resolve?" + urlencode({"ran": ran}), status_code=303)


@dataclass
class Row:
    """One property, with the values each side has and whether they share one."""

    label: str
    left: list[str]
    right: list[str]
    shared: bool


def _rows(view: service.PairView, show: Show) -> list[Row]:
    props = list(dict.fromkeys([*view.left.properties, *view.right.properties]))
    rows = []
    for prop in props:
        left = view.left.properties.get(prop, [])
        right = view.right.properties.get(prop, [])
        shared = bool({v.casefold() for v in left} & {v.casefold() for v in right})
        rows.append(Row(show.prop(view.left.schema, prop), left, right, shared))
    return rows


@router.get("/resolve/pairs/{pair_id}", response_class=HTMLResponse)
def pair_page(
    request: Request,
    pair_id: int,
    session: SessionDep,
    actor: PageActor,
    error: str | None = None,
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    view = service.get_pair(session=session, actor=actor, pair_id=pair_id)
    show = Show(actor.locale)
    return _page(
        request,
        "resolve/pair.html",
        actor,
        view=view,
        rows=_rows(view, show),
        error=error,
    )


@router.post("/resolve/pairs/{pair_id}", response_class=HTMLResponse)
def decide_page(
    request: Request,
    pair_id: int,
    session: SessionDep,
    actor: PageActor,
    judgement: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    try:
        service.decide(
            session=session, actor=actor, pair_id=pair_id, judgement=judgement, reason=reason
        )
    except InvalidInput as error:
        view = service.get_pair(session=session, actor=actor, pair_id=pair_id)
        return _page(
            request,
            "resolve/pair.html",
            actor,
            view=view,
            rows=_rows(view, Show(actor.locale)),
            error=error.render(actor.locale),
            reason=reason,
            status_code=422,
        )
    return RedirectResponse(f"/resolve/pairs/{pair_id}", status_code=303)


@router.post("/entities/{entity_id}/split", response_class=HTMLResponse)
def split_page(
    request: Request,
    entity_id: str,
    session: SessionDep,
    actor: PageActor,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.signed_in:
        return _sign_in_first(request)
    service.split(session=session, actor=actor, entity_id=entity_id, reason=reason)
    return RedirectResponse(f"/entities/{entity_id}", status_code=303)
