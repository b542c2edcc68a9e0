"""The clients to partner nodes and to the public site share one verifying TLS context."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from vinculo.civic import client as civic_client
from vinculo.exchange.client import PartnerClient
from vinculo.outbound import tls_context
from vinculo.settings import PartnerConfig, Settings


def test_the_shared_context_verifies_certificates_and_host_names() -> None:
    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_new_clients_load_no_certificate_authorities(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the authorities is what made each client cost ~19 ms of CPU; with the shared
    context a new partner or public-site client loads none."""
    tls_context()  # built, if no test has yet
    loads: list[Any] = []
    original = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    partner = PartnerConfig(name="mx", nation="MEX", url="https://mx.example/taxii2/vinculo/")
    for _ in range(3):
        PartnerClient(partner, Settings()).close()
        civic_client._client("https://portal.example", "token", 5).close()
    assert loads == []
    # The count is real: a client built the default way loads the bundle.
    httpx.Client().close()
    assert loads
