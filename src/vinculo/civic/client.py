"""The internal node's side of the pull protocol: the internal node always opens the
connection; the public process never connects inward.

    pulled = pull_submissions(url=..., token=..., key=read_private_key(path))
    ... store them inside ...
    acknowledge(url=..., token=..., ids=[s.id for s in pulled])
    push_update(url=..., token=..., receipt=..., reply_key=..., status="under_review")

`pull_submissions(..., acknowledge=True)` does both steps in one call, acknowledging only what
it could open. `push_portal(url=..., token=..., document=build_document(...))` replaces the
transparency portal's document (civic/portal.py).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from vinculo.civic import crypto
from vinculo.civic.crypto import CryptoError, PrivateKey
from vinculo.civic.portal import PortalDocument
from vinculo.outbound import tls_context

STATUSES = ("received", "under_review", "referred", "closed")


@dataclass(frozen=True)
class Pulled:
    """One submission, opened: its id in the public store and what the reporter sent."""

    id: int
    payload: dict[str, Any]

    @property
    def receipt(self) -> str:
        return str(self.payload["receipt"])

    @property
    def reply_key(self) -> str:
        return str(self.payload["reply_key"])

    def attachment(self, index: int) -> bytes:
        return base64.b64decode(self.payload["attachments"][index]["data"])


class IntakeError(RuntimeError):
    """The public site refused a call, or sent what the private key cannot open."""


def _client(url: str, token: str, timeout: float) -> httpx.Client:
    return httpx.Client(
        base_url=url.rstrip("/") + "/intake/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
        verify=tls_context(),
    )


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise IntakeError(f"{response.request.url}: {response.status_code} {response.text[:200]}")


def pull_submissions(
    *,
    url: str,
    token: str,
    key: PrivateKey,
    limit: int = 50,
    acknowledge: bool = False,
    timeout: float = 30,
) -> list[Pulled]:
    """The submissions waiting on the public site, opened with the internal node's key."""
    with _client(url, token, timeout) as client:
        response = client.get("/submissions", params={"limit": limit})
        _check(response)
        pulled = []
        for item in response.json()["submissions"]:
            try:
                opened = crypto.unseal(key, base64.b64decode(item["ciphertext"]))
            except CryptoError as error:
                raise IntakeError(
                    f"submission {item['id']} does not open with this key: is the public "
                    "site's VINCULO_PUBLIC_SUBMISSION_KEY this node's public key?"
                ) from error
            pulled.append(Pulled(id=int(item["id"]), payload=json.loads(opened)))
        if acknowledge and pulled:
            _check(client.post("/submissions/ack", json={"ids": [p.id for p in pulled]}))
    return pulled


def acknowledge(*, url: str, token: str, ids: list[int], timeout: float = 30) -> int:
    """Tell the public site these submissions are safe inside: it deletes them."""
    with _client(url, token, timeout) as client:
        response = client.post("/submissions/ack", json={"ids": ids})
        _check(response)
        return int(response.json()["deleted"])


def push_update(
    *,
    url: str,
    token: str,
    receipt: str,
    reply_key: str,
    status: str = "",
    message: str = "",
    timeout: float = 30,
) -> None:
    """Seal a status and (or) a reply to the reporter's key and leave it on the public site."""
    if status and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    update = {"status": status, "message": message, "on": datetime.now(UTC).date().isoformat()}
    sealed = crypto.seal(crypto.public_key(reply_key), json.dumps(update).encode("utf-8"))
    with _client(url, token, timeout) as client:
        response = client.post(
            f"/receipts/{receipt}/updates",
            json={"ciphertext": base64.b64encode(sealed).decode("ascii")},
        )
        _check(response)


def push_portal(*, url: str, token: str, document: PortalDocument, timeout: float = 30) -> None:
    """Leave the transparency portal's document on the public site, in place of the last one
    (civic/portal.py: public aggregates and staff-written outcomes, nothing else)."""
    with _client(url, token, timeout) as client:
        response = client.put(
            "/portal",
            content=document.model_dump_json().encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        _check(response)
