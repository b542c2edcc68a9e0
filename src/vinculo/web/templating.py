"""Jinja2 templates with the Babel catalogues of the request's locale."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from vinculo import vocab
from vinculo.i18n import gettext, ngettext
from vinculo.security.markings import Actor
from vinculo.security.roles import allowed
from vinculo.web.security import CSRF_FIELD, csrf_token


@pass_context
def _gettext(context: Context, message: str, **params: Any) -> str:
    return gettext(context.get("locale", "en"), message, **params)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **params: Any) -> str:
    return ngettext(context.get("locale", "en"), singular, plural, n, **params)


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
