"""The transparency portal on the public site, and the route the internal node pushes it to.

Pages (English and Spanish, `?lang=` or Accept-Language, no cookie): `/portal` (assistance by
fiscal year and pillar, and by programme, implementing partner and Mexican state, vetting and
allegations per force, the violations named, reports from the public by month, category and
state with a map of the states, charts and the open-data downloads), `/portal/outcomes` ("you
said, we did"), `/portal/data/NAME.csv` (each table), `/portal/data/portal.json` (the whole
document but the IATI file) and `/portal/data/iati.xml` (the IATI 2.03 file of the programmes
flagged public). Every one reads the pushed document alone (civic/portal.py): the public store
holds nothing else of the internal node.

API: `PUT /intake/v1/portal` with the pull token replaces the document; anything that is not
a `PortalDocument` (an unknown field, a key that is not a code, a table of another shape) is
refused whole and the document before it stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from vinculo import vocab
from vinculo.civic import intake, store
from vinculo.civic.portal import MONEY, TABLES, Cell, PortalDocument, Table, table_csv
from vinculo.civic.public_views import _authorised, _denied, locale_of
from vinculo.i18n import N_, gettext

portal_router = APIRouter(prefix="/portal")
portal_api = APIRouter(prefix="/intake/v1")

BABEL = {"en": "en", "es": "es"}  # as the internal pages write money and dates
UNKNOWN = "unknown"
OTHER = "other"  # the money of programmes not flagged public themselves, and their partners
# The vetting statuses' labels (oversight/vetting.py's), kept here: the public process does
# not import the internal node's domains.
VETTING_STATUSES = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "suspended": N_("suspended"),
    "denied": N_("denied"),
    "expired": N_("expired"),
}


@dataclass(frozen=True)
class Held:
    document: PortalDocument
    pushed_on: date
    # The figures page's context per language, made once per push: a page of a large
    # document then costs its template alone.
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)


def _held(request: Request) -> Held | None:
    """The document last pushed, parsed once per push."""
    found = store.get_portal(request.app.state.engine)
    if found is None:
        return None
    text, pushed_on = found
    cached: tuple[str, Held] | None = getattr(request.app.state, "portal_cache", None)
    if cached is not None and cached[0] == text:
        return cached[1]
    held = Held(PortalDocument.model_validate_json(text), pushed_on)
    request.app.state.portal_cache = (text, held)
    return held


def _month(code: str, locale: str) -> str:
    year, month = (int(part) for part in code.split("-"))
    return format_skeleton("yMMMM", date(year, month, 1), locale=BABEL[locale])


def _label(dimension: str, code: str, locale: str) -> str:
    if code == UNKNOWN:
        return gettext(locale, N_("not recorded"))
    if dimension == "category":
        return intake.categories().label(code, locale)
    if dimension == "state":
        return intake.places().label(code, locale)
    if dimension == "month":
        return _month(code, locale)
    if dimension == "pillar":
        return vocab.load("merida_pillars").label(code, locale)
    if dimension == "force":
        return vocab.forces().label(code, locale)
    if dimension == "violation":
        return vocab.violations().label(code, locale)
    return code


def _status_label(table: str, code: str, locale: str) -> str:
    if code == UNKNOWN:
        return gettext(locale, N_("not recorded"))
    if table == "vetting":
        label = gettext(locale, VETTING_STATUSES.get(code, code))
        return label[:1].upper() + label[1:]
    return vocab.allegation_statuses().label(code, locale)


def _count(value: int | None, locale: str) -> str:
    return "—" if value is None else format_decimal(value, locale=BABEL[locale])


def _usd(value: Decimal | None, locale: str) -> str:
    if value is None:
        return "—"
    return format_currency(value, "USD", locale=BABEL[locale])


def _ordered(table: Table, dimension: int) -> list[str]:
    """A dimension's values in the vocabulary's order (pillar 1 before pillar 2), then any
    other value, "not recorded" last; fiscal years in order."""
    codes: list[str] = []
    name = table.dimensions[dimension]
    if name == "pillar":
        codes = vocab.load("merida_pillars").codes()
    elif name == "force":
        codes = vocab.forces().codes()
    elif name == "violation":
        codes = vocab.violations().codes()
    elif name == "category":
        codes = intake.categories().codes()
    elif name == "state":
        codes = intake.places().codes()
    elif name == "status":
        codes = (
            list(VETTING_STATUSES)
            if table.name == "vetting"
            else vocab.allegation_statuses().codes()
        )
    elif name in ("programme", "partner"):
        # By name, as a reader looks one up; "other programmes" before "not recorded".
        codes = sorted(table.labels, key=lambda c: table.labels[c].en.casefold())
        codes.append(OTHER)
    place = {code: n for n, code in enumerate(codes)}
    return sorted(
        table.values(dimension),
        key=lambda v: (v == UNKNOWN, place.get(v, len(place)), v),
    )


def _grid(table: Table, locale: str) -> dict[str, Any]:
    """A two-dimensional table as rows (first dimension) by columns (second), with totals."""
    rows, columns = _ordered(table, 0), _ordered(table, 1)

    def label_of(code: str) -> str:
        if table.dimensions[1] == "status":
            return _status_label(table.name, code, locale)
        return _label(table.dimensions[1], code, locale)

    first = table.dimensions[0]

    def row_label(code: str) -> str:
        if code in table.labels:
            return table.labels[code].es if locale == "es" else table.labels[code].en
        if code == OTHER and first == "programme":
            return gettext(locale, N_("Other programmes"))
        if code == OTHER and first == "partner":
            return gettext(locale, N_("Partners of other programmes"))
        return code if first == "fiscal_year" else _label(first, code, locale)

    if first == "month":
        rows.reverse()  # the latest month first

    def cell(key: tuple[str, str]) -> dict[str, Any]:
        found = table.cell(*key)
        count = found.count if found else 0
        money = table.name in MONEY
        usd = found.usd if found else (Decimal(0) if money else None)
        return {
            "suppressed": count is None,
            "count": _count(count, locale),
            "usd": _usd(usd, locale) if money and count is not None else "—",
            "raw": count,
            "raw_usd": None if usd is None or count is None else float(usd),
        }

    return {
        "columns": [(c, label_of(c)) for c in columns],
        "rows": [
            {
                "code": r,
                "label": row_label(r),
                "cells": [cell((r, c)) for c in columns],
                "total": cell((r, "*")),
            }
            for r in rows
        ],
        "totals": [cell(("*", c)) for c in columns],
        "grand": cell(("*", "*")),
    }


def _margin(table: Table, keep: tuple[int, ...], over: int) -> Table:
    """The submissions table seen along some dimensions: its cells whose `over` dimension is
    the total, that dimension left out. Only what the document shows (suppression as it came)."""
    cells = [
        Cell.model_construct(key=[c.key[i] for i in keep], count=c.count, usd=None)
        for c in table.cells
        if c.key[over] == "*"
    ]
    return Table.model_construct(
        name=table.name, dimensions=[table.dimensions[i] for i in keep], cells=cells
    )


def _submissions(held: Held, locale: str) -> dict[str, Any] | None:
    """Reports from the public: months by category, the states (for the table and the map)."""
    if not held.document.has("submissions"):
        return None
    table = held.document.table("submissions")
    # Month by category (rows by columns), over every state.
    months = _grid(_margin(table, (2, 0), over=1), locale)
    states_view = _margin(_margin(table, (1, 2), over=0), (0,), over=1)
    states = []
    for code in _ordered(states_view, 0):
        found = states_view.cell(code)
        states.append(
            {
                "code": code,
                "label": _label("state", code, locale),
                "count": _count(found.count if found else 0, locale),
                "raw": found.count if found else 0,
                "suppressed": bool(found and found.count is None),
            }
        )
    total = table.cell("*", "*", "*")
    mapped = {
        s["code"]: {"name": s["label"], "count": s["raw"]} for s in states if s["code"] != UNKNOWN
    }
    for code in intake.places().codes():
        mapped.setdefault(code, {"name": _label("state", code, locale), "count": 0})
    return {
        "months": months,
        "states": states,
        "total": _count(total.count if total else 0, locale),
        "map": {
            "states": mapped,
            "strings": {
                "title": gettext(locale, N_("Reports from the public by state")),
                "reports": gettext(locale, N_("Number of reports")),
                "hidden": gettext(locale, N_("hidden to protect small numbers")),
                "failed": gettext(locale, N_("The map could not be drawn.")),
            },
        },
    }


def _chart_data(held: Held, locale: str) -> dict[str, Any]:
    """What the charts draw: only cells shown in the tables (a suppressed one is left out)."""
    money = held.document.table("money")
    years, pillars = _ordered(money, 0), _ordered(money, 1)
    series = []
    for pillar in pillars:
        values = []
        for year in years:
            found = money.cell(year, pillar)
            values.append(None if found is None or found.usd is None else float(found.usd))
        series.append({"name": _label("pillar", pillar, locale), "data": values})
    forces: dict[str, dict[str, int | None]] = {}
    for name in ("vetting", "allegations"):
        table = held.document.table(name)
        for force in _ordered(table, 0):
            found = table.cell(force, "*")
            forces.setdefault(force, {})[name] = found.count if found else 0
    return {
        "money": {"years": years, "series": series},
        "forces": {
            "labels": [_label("force", f, locale) for f in forces],
            "vetting": [v.get("vetting", 0) for v in forces.values()],
            "allegations": [v.get("allegations", 0) for v in forces.values()],
            "names": {
                "vetting": gettext(locale, N_("Vetting requests")),
                "allegations": gettext(locale, N_("Allegations")),
            },
        },
    }


def _render(request: Request, template: str, locale: str, **context: Any) -> HTMLResponse:
    env = request.app.state.templates

    def _(message: str, **params: object) -> str:
        return gettext(locale, message, **params)

    html = env.get_template(template).render(_=_, locale=locale, request=request, **context)
    response = HTMLResponse(html)
    response.headers["Cache-Control"] = "no-cache"
    return response


@portal_router.get("", response_class=HTMLResponse)
def portal_page(request: Request) -> HTMLResponse:
    locale = locale_of(request)
    held = _held(request)
    context: dict[str, Any] = {"held": held}
    if held is not None:
        if locale not in held.contexts:
            held.contexts[locale] = _figures(held, locale)
        context.update(held.contexts[locale])
    return _render(request, "portal.html", locale, **context)


def _figures(held: Held, locale: str) -> dict[str, Any]:
    """What the figures page shows of the document, in one language."""
    document = held.document
    violations = document.table("violations")
    context: dict[str, Any] = {
        "threshold": document.threshold,
        "generated_on": format_date(document.generated_on, "long", locale=BABEL[locale]),
        "money": _grid(document.table("money"), locale),
        # Absent from documents pushed before these tables were made.
        **{
            name: _grid(document.table(name), locale) if document.has(name) else None
            for name in ("money_programme", "money_partner", "money_state")
        },
        "vetting": _grid(document.table("vetting"), locale),
        "allegations": _grid(document.table("allegations"), locale),
        "violations": [
            {
                "label": _label("violation", v, locale),
                "count": _count(c.count if (c := violations.cell(v)) else 0, locale),
                "suppressed": bool(c and c.count is None),
            }
            for v in _ordered(violations, 0)
        ],
        "violations_total": _count(c.count if (c := violations.cell("*")) else 0, locale),
        "chart": json.dumps(_chart_data(held, locale)),
        "tables": [t.name for t in document.tables],
        "submissions": _submissions(held, locale),
        "iati": document.iati is not None,
    }
    if context["submissions"] is not None:
        # Inside a <script>: no "<" may close it early.
        context["submissions_map"] = json.dumps(context["submissions"]["map"]).replace(
            "<", "\\u003c"
        )
    return context


@portal_router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(request: Request) -> HTMLResponse:
    locale = locale_of(request)
    held = _held(request)
    outcomes = []
    if held is not None:
        for outcome in sorted(held.document.outcomes, key=lambda o: o.month, reverse=True):
            outcomes.append(
                {
                    "category": intake.categories().label(outcome.category, locale),
                    "month": _month(outcome.month, locale),
                    "text": outcome.text_es if locale == "es" else outcome.text_en,
                }
            )
    return _render(request, "portal_outcomes.html", locale, outcomes=outcomes)


@portal_router.get("/data/portal.json")
def portal_json(request: Request) -> Response:
    held = _held(request)
    if held is None:
        return JSONResponse({"detail": "nothing published yet"}, status_code=404)
    return Response(
        # The IATI file is its own download, not a string inside this one.
        held.document.model_dump_json(exclude={"iati"}),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="vinculo-portal.json"'},
    )


@portal_router.get("/data/iati.xml")
def iati_download(request: Request) -> Response:
    held = _held(request)
    if held is None or held.document.iati is None:
        return JSONResponse({"detail": "nothing published yet"}, status_code=404)
    return Response(
        held.document.iati,
        media_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vinculo-iati-activities.xml"'},
    )


@portal_router.get("/data/{name}.csv")
def table_download(request: Request, name: str) -> Response:
    held = _held(request)
    if held is None or name not in TABLES or not held.document.has(name):
        return JSONResponse({"detail": "no such table"}, status_code=404)
    return Response(
        table_csv(held.document.table(name)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vinculo-{name}.csv"'},
    )


@portal_api.put("/portal")
async def push_portal(request: Request) -> Response:
    if not _authorised(request):
        return _denied()
    body = await request.body()
    try:
        document = PortalDocument.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:10]
        )
        return JSONResponse({"detail": f"not a portal document: {problems}"}, status_code=422)
    store.put_portal(
        request.app.state.engine,
        document=document.model_dump_json(),
        today=datetime.now(UTC).date(),
    )
    return Response(status_code=204)
