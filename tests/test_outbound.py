"""The clients to partner nodes, to the public site and to webhooks share verifying TLS
contexts, one per process (two: with and without the environment's authorities)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from vinculo.civic import client as civic_client
from vinculo.exchange.client import PartnerClient
from vinculo.notify.webhooks import deliver_pending
from vinculo.outbound import tls_context
from vinculo.settings import PartnerConfig, Settings

from conftest import make_store


@pytest.mark.parametrize("trust_env", [True, False])
def test_the_shared_context_verifies_certificates_and_host_names(trust_env: bool) -> None:
    context = tls_context(trust_env=trust_env)
    assert context is tls_context(trust_env=trust_env)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_new_clients_load_no_certificate_authorities(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Loading the authorities is what made each client cost ~19 ms of CPU; with the shared
    contexts a new partner, public-site or webhook client loads none."""
    tls_context(), tls_context(trust_env=False)  # built, if no test has yet
    stores = make_store("sqlite", tmp_path, webhook_hosts=["hooks.example"])
    store = next(stores)
    loads: list[Any] = []
    original = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    partner = PartnerConfig(name="mx", nation="MEX", url="https://mx.example/taxii2/vinculo/")
    try:
        for _ in range(3):
            PartnerClient(partner, Settings()).close()
            civic_client._client("https://portal.example", "token", 5).close()
            # A mailer's round with webhooks on and nothing due still makes its client.
            assert deliver_pending(sessions=store.sessions, settings=store.settings) == 0
    finally:
        stores.close()
    assert loads == []
    # The count is real: a client built the default way loads the bundle.
    httpx.Client().close()
    assert loads
