"""Pages for resolution: the review queue, one pair side by side with the decision form, and
the run. What they show is only what the services let the reader see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from followthemoney import model
from sqlalchemy import select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_, gettext
from vinculo.intel.marks import entity_markings, narrowest_first
from vinculo.intel.models import Report
from vinculo.intel.service import visible_statements
from vinculo.intel.views import Show, value_label
from vinculo.resolve import service
from vinculo.resolve.comparisons import COMPARISON_COLUMNS
from vinculo.resolve.identifiers import decode_curp
from vinculo.resolve.records import from_entities
from vinculo.resolve.scoring import run_resolution
from vinculo.security.markings import Actor, Markings
from vinculo.security.policy import markings_by_id, visible_marking_ids
from vinculo.settings import Settings
from vinculo.web.deps import PageActor, SessionDep, SettingsDep, sign_in_first
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
    "unknown": N_("not compared"),
}
# Why a comparison could not be made, by which side lacks the value (the engine's level says
# only "missing on one side", whichever side and even when both lack it).
MISSING_LABELS = {
    "left": N_("missing on the left record"),
    "right": N_("missing on the right record"),
    "both": N_("missing on both records"),
}
# A feature the engine reads from another property when the record lacks its own.
DERIVED_FROM = {
    "sex": ("gender", N_("read from the CURP")),
    "birth_date": ("birthDate", N_("read from the CURP")),
}
STALE = N_("The records changed after this pair was scored; run resolution again.")
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


def _page(
    request: Request, name: str, actor: Actor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    locale = actor.locale
    labels = {k: gettext(locale, v) for k, v in JUDGEMENT_LABELS.items()}
    outcomes = {k: gettext(locale, v) for k, v in OUTCOME_LABELS.items()}
    features = {k: gettext(locale, v) for k, v in FEATURE_LABELS.items()}
    context.setdefault("lines", [])
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
        return sign_in_first(request)
    page = service.review_queue(
        session=session, actor=actor, judgements=service.LISTS[show], cursor=cursor
    )
    # Each record's markings: those of the statements of it the reader may see.
    marks = entity_markings(
        session=session,
        entity_ids=[i for item in page.items for i in (item.left_id, item.right_id)],
        visible=visible_marking_ids(session=session, actor=actor),
    )
    return _page(
        request, "resolve/queue.html", actor, page=page, ran=ran, listing=show, marks=marks
    )


@router.post("/resolve/run", response_class=HTMLResponse)
def run_page(
    request: Request, session: SessionDep, actor: PageActor, settings: SettingsDep
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
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
    """Each property of either record, its values in the reader's words (a gender, a
    country, a date), marked where the two share a value."""
    props = list(dict.fromkeys([*view.left.properties, *view.right.properties]))
    schema = model.get(view.left.schema)
    rows = []
    for prop in props:
        left = view.left.properties.get(prop, [])
        right = view.right.properties.get(prop, [])
        shared = bool({v.casefold() for v in left} & {v.casefold() for v in right})
        found = schema.get(prop) if schema is not None else None
        kind = found.type.name if found is not None else "string"

        def words(values: list[str], kind: str = kind) -> list[str]:
            return [value_label(kind, v, show.locale) for v in values]

        rows.append(Row(show.prop(view.left.schema, prop), words(left), words(right), shared))
    return rows


@dataclass
class Side:
    """One record of a pair: where its statements come from, and their markings."""

    sources: list[tuple[str, str | None]]  # (label, link)
    markings: list[Markings]


def _sides(session: Session, actor: Actor, view: service.PairView) -> tuple[Side, Side]:
    visible = visible_marking_ids(session=session, actor=actor)
    rows = visible_statements(
        session=session, entity_ids=[view.left.id, view.right.id], visible=visible
    )
    marks = markings_by_id(session=session, ids={r.marking_id for rs in rows.values() for r in rs})
    report_ids = {r.report_id for rs in rows.values() for r in rs if r.report_id}
    titles = {
        report.id: report.title(actor.locale)
        for report in session.execute(
            select(Report).where(Report.id.in_(sorted(report_ids)), Report.marking_id.in_(visible))
        ).scalars()
    }

    def side(entity_id: str) -> Side:
        found = rows.get(entity_id, [])
        sources: dict[str, tuple[str, str | None]] = {}
        for row in found:
            if row.report_id and row.report_id in titles:
                sources[row.dataset] = (titles[row.report_id], f"/reports/{row.report_id}")
            else:
                sources.setdefault(row.dataset, (row.dataset, None))
        chosen = narrowest_first(marks[r.marking_id] for r in found if r.marking_id in marks)
        return Side(sources=list(sources.values()), markings=chosen)

    return side(view.left.id), side(view.right.id)


@dataclass
class Line:
    """One comparison the engine made, with the values it compared on each side as it read
    them from the records shown, so the page never says "agrees" beside an empty side."""

    label: str
    outcome: str
    outcome_class: str
    level: str
    weight: float | None
    left: str
    right: str
    notes: list[str]


def _shown(feature: str, value: object, locale: str) -> str:
    if value is None:
        return ""
    text = str(value)
    if feature == "sex":
        return value_label("gender", {"m": "male", "f": "female"}.get(text, text), locale)
    if feature == "nationality":
        return value_label("country", text, locale)
    return text


def _lines(view: service.PairView, locale: str) -> list[Line]:
    """The engine's explanation set beside what each record holds now."""
    left = {"id": view.left.id, "schema": view.left.schema, "properties": view.left.properties}
    right = {"id": view.right.id, "schema": view.right.schema, "properties": view.right.properties}
    features = from_entities([left, right])
    table = features.table.to_pydict()
    flags = features.flags
    lines = []
    for item in view.features:
        name = str(item.get("feature", ""))
        column = COMPARISON_COLUMNS.get(name, name)
        values = table.get(column, [None, None])
        a, b = values[0], values[1]
        outcome = str(item.get("outcome") or "unknown")
        level = str(item.get("level") or "")
        notes: list[str] = []
        # Say what was read from elsewhere (sex and birth date from a CURP).
        if name in DERIVED_FROM:
            prop, note = DERIVED_FROM[name]
            for which, profile, value in (("left", view.left, a), ("right", view.right, b)):
                if value is not None and not profile.properties.get(prop):
                    side_label = gettext(locale, MISSING_SIDE[which])
                    notes.append(f"{side_label}: {gettext(locale, note)}")
        # A CURP-shaped id that is not a valid CURP: shown as written, not compared.
        if name == "curp":
            for which, profile in (("left", view.left), ("right", view.right)):
                for flag in flags.get(profile.id, []):
                    if flag.field == "properties.idNumber" and "CURP" in flag.reason:
                        message = decode_curp(flag.value).message(locale) or gettext(
                            locale, flag.reason
                        )
                        notes.append(f"{gettext(locale, MISSING_SIDE[which])}: {message}")
        if outcome == "unknown" or level == "missing on one side":
            missing = "both" if a is None and b is None else "left" if a is None else "right"
            if a is not None and b is not None:
                notes.append(gettext(locale, STALE))
                level_text = gettext(locale, level) if level else ""
            else:
                level_text = gettext(locale, MISSING_LABELS[missing])
            outcome = "unknown"
        else:
            level_text = gettext(locale, level) if level else ""
            if a is None or b is None:
                notes.append(gettext(locale, STALE))
        weight = item.get("weight")
        lines.append(
            Line(
                label=gettext(locale, FEATURE_LABELS[name]) if name in FEATURE_LABELS else name,
                outcome=gettext(locale, OUTCOME_LABELS.get(outcome, outcome)),
                outcome_class=outcome,
                level=level_text,
                weight=float(weight) if isinstance(weight, int | float) else None,
                left=_shown(name, a, locale),
                right=_shown(name, b, locale),
                notes=notes,
            )
        )
    return lines


MISSING_SIDE = {"left": N_("Left record"), "right": N_("Right record")}


def _thresholds(settings: Settings) -> tuple[float, float]:
    return settings.store_merge_threshold, settings.store_review_threshold


def _pair_context(
    session: Session, actor: Actor, settings: Settings, view: service.PairView
) -> dict[str, Any]:
    left_side, right_side = _sides(session, actor, view)
    merge_at, review_at = _thresholds(settings)
    return {
        "view": view,
        "rows": _rows(view, Show(actor.locale)),
        "lines": _lines(view, actor.locale),
        "left_side": left_side,
        "right_side": right_side,
        "merge_at": merge_at,
        "review_at": review_at,
        "next_pair": _next_pair(session, actor, view.pair.id),
    }


def _next_pair(session: Session, actor: Actor, current: int) -> int | None:
    """The first pair waiting for review other than this one, as the queue lists them."""
    page = service.review_queue(session=session, actor=actor, limit=2)
    for item in page.items:
        if item.id != current:
            return item.id
    return None


@router.get("/resolve/pairs/{pair_id}", response_class=HTMLResponse)
def pair_page(
    request: Request,
    pair_id: int,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    error: str | None = None,
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    view = service.get_pair(session=session, actor=actor, pair_id=pair_id)
    decided = request.session.pop("decided", None) == pair_id
    return _page(
        request,
        "resolve/pair.html",
        actor,
        error=error,
        decided=decided,
        **_pair_context(session, actor, settings, view),
    )


@router.post("/resolve/pairs/{pair_id}", response_class=HTMLResponse)
def decide_page(
    request: Request,
    pair_id: int,
    session: SessionDep,
    actor: PageActor,
    settings: SettingsDep,
    judgement: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
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
            error=error.render(actor.locale),
            reason=reason,
            status_code=422,
            **_pair_context(session, actor, settings, view),
        )
    # The pair page confirms the decision once and offers the next pair waiting.
    request.session["decided"] = pair_id
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
        return sign_in_first(request)
    service.split(session=session, actor=actor, entity_id=entity_id, reason=reason)
    return RedirectResponse(f"/entities/{entity_id}", status_code=303)
