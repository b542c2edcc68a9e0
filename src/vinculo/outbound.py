"""The TLS context the clients Vínculo opens to other servers share (partner nodes, the public
site, webhooks): built once per process, where httpx builds one for every client."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """httpx's default verifying context: certifi's authorities, or SSL_CERT_FILE/SSL_CERT_DIR
    unless `trust_env` is off (as for a client made with `trust_env=False`).

    A client made without one reads and parses the whole authority bundle: about 19 ms of CPU,
    which the sync worker spent on every pull of every partner and every stream reconnect, and
    the mailer on every round while webhooks are on. An SSLContext may be shared between
    clients and threads; the environment it reads is fixed when the process starts.
    """
    return httpx.create_ssl_context(trust_env=trust_env)
