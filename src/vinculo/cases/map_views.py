"""The map pages: every case the reader may see (/map) and one case (/cases/{id}/map).

Each page embeds its map as a JSON data block (frontend/map.js draws it with d3-geo over
base layers served from /static/map/); the case page's map panel fetches the same shape
from /cases/{id}/map.json with the page session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from vinculo.cases import map as case_map
from vinculo.cases import service
from vinculo.cases.map import LAYERS, Feature, MapData
from vinculo.cases.map_api import REFERENCE
from vinculo.i18n import N_, gettext
from vinculo.intel.marks import highest
from vinculo.intel.views import Show
from vinculo.web.deps import PageActor, SessionDep, sign_in_first
from vinculo.web.templating import render

router = APIRouter(include_in_schema=False)

LAYER_NAMES = {
    "port": N_("Ports of entry"),
    "address": N_("Subjects' addresses"),
    "crossing": N_("Crossings"),
    "operation": N_("Planned operations"),
}

# Strings the map script shows, in the reader's language.
SCRIPT_STRINGS = {
    "title": N_("Map of the U.S.–Mexico–Guatemala region"),
    "loading": N_("Drawing the map…"),
    "failed": N_("The map could not be drawn; the list below holds everything on it."),
    "subjects": N_("Subjects"),
    "nothing": N_("Nothing you may see has a place on this map."),
    "legend": N_("Legend"),
    "open": N_("Open the full map"),
    "unplaced": N_("No coordinates: listed, not drawn"),
    "name_us": N_("United States"),
    "name_mx": N_("Mexico"),
    "name_gt": N_("Guatemala"),
    **{f"layer_{k}": v for k, v in LAYER_NAMES.items()},
}


def when(f: Feature, locale: str) -> str:
    """A feature's date in the reader's language: an operation's window in its place's time
    zone, a crossing's day (a partial date as written)."""
    if not f.date:
        return ""
    try:
        if "/" in f.date:
            starts, ends = (datetime.fromisoformat(part) for part in f.date.split("/", 1))
            shown = [
                format_datetime(t, "short", tzinfo=t.tzinfo, locale=locale) for t in (starts, ends)
            ]
            return f"{shown[0]} – {shown[1]} ({f.detail})"
        return format_date(date.fromisoformat(f.date), "medium", locale=locale)
    except ValueError:
        return f.date


def payload(data: MapData, locale: str) -> dict[str, Any]:
    """What the script draws: the API's shape plus the words it shows."""
    read = case_map.map_read(data, gettext(locale, REFERENCE))
    out = read.model_dump(mode="json")
    for key, found in (("features", data.features), ("unplaced", data.unplaced)):
        for shown, f in zip(out[key], found, strict=True):
            shown["when"] = when(f, locale)
    out["strings"] = {k: gettext(locale, v) for k, v in SCRIPT_STRINGS.items()}
    return out


def _page(request: Request, actor: PageActor, data: MapData, **context: Any) -> Response:
    locale = actor.locale
    return render(
        request,
        "cases/map.html",
        actor=actor,
        show=Show(locale),
        data=payload(data, locale),
        drawn=[f for f in data.features if f.layer != "port"],
        unplaced=data.unplaced,
        marks=data.markings(),
        highest=highest(data.markings()),
        layers=[(k, gettext(locale, LAYER_NAMES[k])) for k in LAYERS],
        when=lambda f: when(f, locale),
        reference=gettext(locale, REFERENCE),
        **context,
    )


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    data = case_map.cases_map(session=session, actor=actor)
    return _page(request, actor, data, case=None)


@router.get("/cases/{case_id}/map", response_class=HTMLResponse)
def case_map_page(
    request: Request, case_id: str, session: SessionDep, actor: PageActor
) -> Response:
    if not actor.signed_in:
        return sign_in_first(request)
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    data = case_map.map_of_case(session=session, actor=actor, case=case)
    return _page(request, actor, data, case=case)


@router.get("/cases/{case_id}/map.json")
def case_map_json(
    request: Request, case_id: str, session: SessionDep, actor: PageActor
) -> Response:
    """One case's map for the case page's panel (page session)."""
    if not actor.signed_in:
        return sign_in_first(request)
    data = case_map.case_map(session=session, actor=actor, case_id=case_id)
    return JSONResponse(payload(data, actor.locale))
