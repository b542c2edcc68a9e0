"""Who a TAXII request comes from, and how the TAXII server refuses one.

Partner nodes sign in with an `exchange` token, people with a `read` token, and in demo mode
anyone of the demo accounts over HTTP Basic. A refusal answers in TAXII's own error shape and
media type, with the status web/errors.py maps it to, and leaves an audit row as every refusal
does. The server's routes (exchange/api.py) and its live stream (exchange/stream.py) both sign
readers in here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vinculo.errors import AuthError, Forbidden, VinculoError
from vinculo.exchange.serve import Reader
from vinculo.i18n import N_
from vinculo.security.markings import Actor
from vinculo.security.models import User
from vinculo.security.service import actor_for, authenticate, token_for
from vinculo.settings import Settings
from vinculo.web.errors import record_refusal, status_of

TAXII = "application/taxii+json;version=2.1"
ROOT = "vinculo"

# (store, user name, password digest) -> (user id, until, the password hash then stored): a
# changed password ends the cached sign-in at once.
_basic_cache: dict[tuple[str, str, str], tuple[int, float, str]] = {}
_BASIC_TTL = 60.0

_TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}


def taxii(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A TAXII answer: the body as compact JSON in TAXII's media type."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type=TAXII,
        headers=headers,
    )


def _reader_for(user: User, settings: Settings, scopes: frozenset[str]) -> Reader:
    partner = next((p for p in settings.partners if p.account == user.username), None)
    if partner is not None:
        if "exchange" not in scopes:
            raise Forbidden(
                N_("this token lacks the scope {scope}; ask for a token with it"),
                field="scope",
                scope="exchange",
            )
        actor = Actor(username=user.username, nation=partner.nation, user_id=user.id)
        return Reader(actor=actor, partner=partner)
    if "read" not in scopes:
        raise Forbidden(
            N_("this token lacks the scope {scope}; ask for a token with it"),
            field="scope",
            scope="read",
        )
    return Reader(actor=actor_for(user))


def reader_of(request: Request, session: Session, settings: Settings) -> Reader:
    """The reader behind the Authorization header: a bearer token, or Basic in demo mode."""
    header = request.headers.get("authorization", "")
    kind, _, credentials = header.partition(" ")
    if kind.lower() == "bearer" and credentials.strip():
        row = token_for(session=session, token=credentials.strip())
        return _reader_for(row.user, settings, row.scope_set)
    if kind.lower() == "basic" and settings.demo:
        try:
            username, _, password = base64.b64decode(credentials).decode().partition(":")
        except ValueError:
            raise AuthError(N_("wrong user name, password or code")) from None
        # Keyed by the store too: one process may serve (or test) more than one.
        digest = hashlib.sha256(password.encode()).hexdigest()
        key = (settings.resolved_database_url, username, digest)
        cached = _basic_cache.get(key)
        user: User | None = None
        if cached and cached[1] > time.monotonic():
            user = session.get(User, cached[0])
            if user is not None and user.password_hash != cached[2]:
                user = None
        if user is None or user.username != username or not user.active or user.locked:
            user = authenticate(
                session=session, settings=settings, username=username, password=password
            )
            _basic_cache[key] = (user.id, time.monotonic() + _BASIC_TTL, user.password_hash)
        return _reader_for(user, settings, frozenset({"read", "exchange"}))
    raise AuthError(N_("sign in first: send an OAuth2 bearer token"))


def refused(request: Request, session: Session, exc: VinculoError) -> Response:
    """A TAXII error answer for a refusal, its audit row in `session`'s transaction (whatever
    the request had done in it is rolled back first)."""
    status = status_of(exc, taxii=True)
    session.rollback()
    record_refusal(session, request, exc, status)
    headers = {"WWW-Authenticate": 'Bearer, Basic realm="taxii"'} if status == 401 else None
    if status == 429:
        headers = {"Retry-After": "5"}
    locale = "es" if request.headers.get("accept-language", "").startswith("es") else "en"
    return taxii(
        {
            "title": _TITLES.get(status, "Bad Request"),
            "description": exc.render(locale),
            "http_status": str(status),
        },
        status,
        headers,
    )
