"""Protections every response and every form gets without a page asking for them.

- CSRF: every page session carries a random token; every form carries it in a hidden field
  `csrf_token`; `check_csrf` (an application-wide dependency) refuses any state-changing
  request outside the API whose token is missing or wrong. The API is exempt: it takes bearer
  tokens, which a browser never sends by itself.
- Security headers (`SecurityHeaders`, a pure ASGI middleware): a strict Content Security
  Policy without inline scripts or styles, no framing, no sniffing, no referrer, HSTS when
  served over TLS, and no caching of anything but the static assets.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vinculo.errors import Forbidden
from vinculo.i18n import N_

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_CSRF_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# TAXII (/taxii2/) signs in by the Authorization header alone, never by a cookie.
API_PATHS = ("/api/", "/taxii2/")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; forms put it in a hidden field."""
    token = request.session.get(_CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_CSRF_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing page request that does not carry this session's token."""
    if request.method in SAFE_METHODS or request.url.path.startswith(API_PATHS):
        return
    expected = request.session.get(_CSRF_KEY)
    sent = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        # FastAPI has parsed the form already when the route takes form fields; cached.
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not (isinstance(expected, str) and expected and hmac.compare_digest(expected, sent)):
        raise Forbidden(
            N_(
                "this form was not sent from a page of this Vínculo session, or the session "
                "has ended; open the page again and resend it"
            ),
            field=CSRF_FIELD,
        )


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI, so streaming stays intact)."""

    def __init__(self, app: ASGIApp, *, behind_tls: bool = False) -> None:
        self.app = app
        headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        if behind_tls:
            headers.append((b"strict-transport-security", HSTS.encode()))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                raw.extend(h for h in self.headers if h[0] not in present)
                if not cacheable and b"cache-control" not in present:
                    # Pages and API answers hold protected data: no copy left in a cache.
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
