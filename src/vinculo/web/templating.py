"""Jinja2 templates with the Babel catalogues of the request's locale.

Every value a page shows goes through a filter that formats it for the reader, in their
language (Babel's CLDR data) and their time zone (the account's, else its nation's usual):

    {{ row.at | when }}        a stored UTC moment, in the reader's zone: "3 dic 2026, 9:41"
    {{ report.review_by | day }}   a date: "25 dic 1980"
    {{ amount | number }}      "204.500" / "204,500"; `| money("USD")` with its currency
    {{ value | ftm_value("date") }}  an FtM statement value of a property type: dates,
                               numbers, countries, genders, languages in the reader's words
    {{ "Person" | schema_label }}, {{ "birthDate" | prop_label("Person") }}: followthemoney's
                               own Spanish labels, with the project's catalogue filling gaps
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from gettext import NullTranslations, translation
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, get_timezone_location
from babel.numbers import format_currency, format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from followthemoney import model
from followthemoney.util import i18n_path
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from vinculo import vocab
from vinculo.i18n import N_, gettext, ngettext
from vinculo.security.markings import Actor
from vinculo.security.preferences import default_time_zone
from vinculo.security.roles import allowed
from vinculo.web.security import CSRF_FIELD, csrf_token


@pass_context
def _gettext(context: Context, message: str, **params: Any) -> str:
    return gettext(context.get("locale", "en"), message, **params)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **params: Any) -> str:
    return ngettext(context.get("locale", "en"), singular, plural, n, **params)


# --- values in the reader's language and time zone --------------------------------------------

# followthemoney's Spanish catalogue leaves these labels untranslated; ours fills them.
FTM_GAPS = (
    N_("Trip"),
    N_("Trips"),
    N_("Bank account"),
    N_("Bank accounts"),
    N_("Account number"),
    N_("Bank name"),
    N_("Citizenship"),
    N_("City"),
    N_("Country of birth"),
    N_("Created at"),
    N_("Alias"),
    N_("Biography"),
    N_("Education"),
    N_("Abbreviation"),
    N_("Account type"),
    N_("Crypto address"),
    N_("Cryptocurrency wallet"),
    N_("Cryptocurrency wallets"),
    N_("Director"),
    N_("Controller"),
    N_("Start location"),
    N_("End location"),
    N_("Security"),
    N_("Securities"),
    N_("Territory"),
    N_("Territories"),
    N_("Social security number"),
    # values of the gender property
    N_("male"),
    N_("female"),
    N_("other"),
)
PARTIAL_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?"
)


def reader_zone(actor: Actor | None) -> ZoneInfo:
    """The zone an account reads times in: its own, else its nation's usual one."""
    name = getattr(actor, "time_zone", None) or default_time_zone(getattr(actor, "nation", None))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@cache
def _ftm_translations(locale: str) -> NullTranslations:
    return translation("followthemoney", i18n_path, [locale], fallback=True)


def ftm_label(english: str, locale: str) -> str:
    """A followthemoney label in the reader's language: FtM's own catalogue, then ours."""
    if locale == "en" or not english:
        return english
    found = _ftm_translations(locale).gettext(english)
    return gettext(locale, english) if found == english else found


def schema_label(name: str, locale: str, *, plural: bool = False) -> str:
    schema = model.get(name)
    if schema is None:
        return name
    return ftm_label(schema._plural if plural else schema._label, locale)


def prop_label(prop_name: str, schema_name: str, locale: str) -> str:
    schema = model.get(schema_name)
    prop = schema.get(prop_name) if schema is not None else None
    return ftm_label(prop._label or prop_name, locale) if prop is not None else prop_name


def _locale(context: Context) -> str:
    return str(context.get("locale", "en"))


def _zone(context: Context) -> ZoneInfo:
    return reader_zone(context.get("actor"))


def format_moment(value: datetime, locale: str, zone: ZoneInfo, fmt: str = "medium") -> str:
    """A stored moment (naive means UTC) in the reader's zone and words."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_datetime(aware, format=fmt, tzinfo=zone, locale=locale)


def format_day(value: date | datetime | str, locale: str, zone: ZoneInfo | None = None) -> str:
    """A date in the reader's words; a moment becomes the reader's local day; a text is read
    as an ISO date, as far as it goes (FtM dates may be "1980" or "1980-12")."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        value = aware.astimezone(zone or UTC).date()
    if isinstance(value, date):
        return format_date(value, format="medium", locale=locale)
    return partial_date(str(value), locale)


def partial_date(text: str, locale: str) -> str:
    """An FtM date value ("1980", "1980-12", "1980-12-25", "1980-12-25T10:30") in words."""
    found = PARTIAL_DATE.match(text.strip())
    if not found:
        return text
    year, month, day_, hour, minute, _second = found.groups()
    try:
        if day_:
            day_value = date(int(year), int(month), int(day_))
            if hour is not None:
                moment = datetime(
                    day_value.year, day_value.month, day_value.day, int(hour), int(minute)
                )
                return format_datetime(moment, format="medium", locale=locale)
            return format_date(day_value, format="medium", locale=locale)
        if month:
            return format_date(date(int(year), int(month), 1), format="LLLL y", locale=locale)
    except ValueError:
        return text
    return year


def format_number(
    value: object, locale: str, *, decimals: int | None = None, signed: bool = False
) -> str:
    """A number in the reader's words; `signed` writes the sign of a positive one too (a
    weight for or against: "+1.00", "-0,50")."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if decimals is None:
        decimals = 0 if number == number.to_integral_value() else 2
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(number, format=pattern, locale=locale)


def format_money(value: object, currency: str | None, locale: str) -> str:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return str(value)
    if currency and len(currency) == 3 and currency.isalpha():
        return format_currency(number, currency.upper(), locale=locale)
    return format_number(number, locale, decimals=2)


def country_name(code: str, locale: str) -> str:
    try:
        names = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        return code
    return str(names.get(code.upper(), code))


def language_name(code: str, locale: str) -> str:
    try:
        return str(Locale.parse(code).get_display_name(locale) or code)
    except (UnknownLocaleError, ValueError):
        return code


def ftm_value(value: object, prop_type: str, locale: str) -> str:
    """A statement value of an FtM property type, as a reader of `locale` reads it."""
    text = str(value)
    if prop_type == "date":
        return partial_date(text, locale)
    if prop_type == "number":
        return format_number(text, locale)
    if prop_type == "country":
        return country_name(text, locale)
    if prop_type == "gender":
        return ftm_label(text, locale)
    if prop_type == "language":
        return language_name(text, locale)
    if prop_type == "topic":
        return ftm_label(text, locale)
    return text


@pass_context
def _when(context: Context, value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_moment(value, _locale(context), _zone(context), fmt)


@pass_context
def _day(context: Context, value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    return format_day(value, _locale(context), _zone(context))


@pass_context
def _clock(context: Context, value: datetime | None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return format_time(aware, format="short", tzinfo=_zone(context), locale=_locale(context))


@pass_context
def _number(
    context: Context, value: object, decimals: int | None = None, signed: bool = False
) -> str:
    if value is None:
        return ""
    return format_number(value, _locale(context), decimals=decimals, signed=signed)


@pass_context
def _percent(context: Context, value: object) -> str:
    """A share (0.45) as a percentage in the reader's words: "45 %", "45%"."""
    try:
        return format_percent(float(str(value)), locale=_locale(context))
    except ValueError:
        return str(value)


@pass_context
def _money(context: Context, value: object, currency: str | None = None) -> str:
    return "" if value is None else format_money(value, currency, _locale(context))


@pass_context
def _ftm_value(context: Context, value: object, prop_type: str) -> str:
    return ftm_value(value, prop_type, _locale(context))


@pass_context
def _schema_label(context: Context, name: str, plural: bool = False) -> str:
    return schema_label(name, _locale(context), plural=plural)


@pass_context
def _prop_label(context: Context, prop_name: str, schema_name: str) -> str:
    return prop_label(prop_name, schema_name, _locale(context))


@pass_context
def _country(context: Context, code: str) -> str:
    return country_name(code, _locale(context))


@pass_context
def _zone_name(context: Context) -> str:
    """The reader's zone as shown beside times, by its city in the reader's language:
    "Ciudad de México", "New York", "UTC"."""
    zone = _zone(context)
    if zone.key == "UTC":
        return "UTC"
    return str(get_timezone_location(zone, locale=_locale(context), return_city=True))


@cache
def templates() -> Jinja2Templates:
    from importlib import resources

    directory = str(resources.files("vinculo.web").joinpath("templates"))
    found = Jinja2Templates(directory=directory)
    env = found.env
    env.globals["_"] = _gettext
    env.globals["gettext"] = _gettext
    env.globals["ngettext"] = _ngettext
    env.globals["vocab"] = vocab
    env.globals["may"] = allowed  # may(actor, "audit"): what the actor's roles allow
    env.globals["reader_zone"] = _zone_name
    env.filters.update(
        when=_when,
        day=_day,
        clock=_clock,
        number=_number,
        money=_money,
        percent=_percent,
        ftm_value=_ftm_value,
        schema_label=_schema_label,
        prop_label=_prop_label,
        country=_country,
    )
    return found


def unread(request: Request, actor: Actor) -> int | None:
    """The bell's count: the reader's unread notifications of items they may see now, read
    in the request's own transaction (none on a page drawn after it ended, an error's)."""
    if not actor.signed_in or actor.user_id is None:
        return None
    session = getattr(request.state, "session", None)
    if session is None or not session.in_transaction():
        return None
    from vinculo.notify.service import unread_count

    return unread_count(session=session, actor=actor)


def render(
    request: Request,
    name: str,
    *,
    actor: Actor,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the actor's locale; every page gets the actor, locale, language switch and
    the session's CSRF token (`{{ csrf_field }}` in every form that posts)."""
    locale = actor.locale
    other = "es" if locale == "en" else "en"
    query = dict(request.query_params)
    query["lang"] = other
    switch_url = request.url.path + "?" + urlencode(query)
    return templates().TemplateResponse(
        request,
        name,
        {
            "actor": actor,
            "locale": locale,
            "other_locale": other,
            "switch_url": switch_url,
            "unread": unread(request, actor),
            "csrf_token": csrf_token(request),
            "csrf_field": Markup(
                f'<input type="hidden" name="{CSRF_FIELD}" value="{csrf_token(request)}">'
            ),
        }
        | context,
        status_code=status_code,
    )
