"""The partner client: speaks TAXII 2.1 to one partner node over httpx, reads each page as an
envelope (splitting out each object's text as received), and listens to its live stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from vinculo.outbound import tls_context
from vinculo.settings import PartnerConfig, Settings

TAXII = "application/taxii+json;version=2.1"


class PartnerDown(Exception):
    """The partner did not answer, or answered with a server error: try again later."""


class BadPage(Exception):
    """A page that cannot be read as a TAXII envelope (malformed, too large)."""

    def __init__(self, reason: str, message: str, date_added_last: str | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.date_added_last = date_added_last


@dataclass
class Page:
    objects: list[Any]
    more: bool
    next: str | None
    first: str | None
    last: str | None
    checks: list[str | None] | None = None  # stix2's verdict per object, made beforehand
    texts: list[str] | None = None  # each object's text as received


class PartnerClient:
    """Speaks TAXII 2.1 to one partner node over httpx."""

    def __init__(self, config: PartnerConfig, settings: Settings, timeout: float = 30) -> None:
        self.config = config
        self.max_bytes = settings.exchange_max_envelope_bytes
        headers = {"Accept": TAXII}
        auth: httpx.Auth | None = None
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        elif config.username:
            auth = httpx.BasicAuth(config.username, config.password)
        self.root = config.url if config.url.endswith("/") else config.url + "/"
        self.http = httpx.Client(headers=headers, auth=auth, timeout=timeout, verify=tls_context())

    def close(self) -> None:
        self.http.close()

    def collections(self) -> list[dict[str, Any]]:
        try:
            response = self.http.get(f"{self.root}collections/")
        except httpx.HTTPError as error:
            raise PartnerDown(str(error)) from None
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise PartnerDown(f"{response.status_code} from {self.root}collections/")
        try:
            found = response.json().get("collections") or []
        except ValueError:
            raise PartnerDown("the collections answer is not JSON") from None
        return [c for c in found if isinstance(c, dict) and c.get("can_read")]

    def page(
        self, collection_id: str, added_after: str, next_token: str | None, limit: int
    ) -> Page:
        params: dict[str, Any] = {"limit": limit, "match[version]": "all"}
        if added_after:
            params["added_after"] = added_after
        if next_token:
            params["next"] = next_token
        url = f"{self.root}collections/{collection_id}/objects/"
        try:
            with self.http.stream("GET", url, params=params) as response:
                last = response.headers.get("X-TAXII-Date-Added-Last")
                if response.status_code >= 500 or response.status_code in (401, 403, 429):
                    raise PartnerDown(f"{response.status_code} from {url}")
                if response.status_code >= 400:
                    raise BadPage("refused", f"{response.status_code} from {url}", None)
                chunks = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BadPage(
                            "oversized envelope",
                            f"the envelope passed {self.max_bytes} bytes",
                            last,
                        )
                    chunks.append(chunk)
                first = response.headers.get("X-TAXII-Date-Added-First")
        except httpx.HTTPError as error:
            raise PartnerDown(f"{type(error).__name__}: {error}") from None
        body = b"".join(chunks)
        split = split_envelope(body)
        texts: list[str] | None = None
        if split is not None:
            envelope, texts = split
        else:
            try:
                envelope = json.loads(body)
            except (ValueError, RecursionError):
                raise BadPage("malformed envelope", "the page is not JSON", last) from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
            raise BadPage("malformed envelope", "the page is not a TAXII envelope", last)
        return Page(
            objects=envelope.get("objects", []),
            more=bool(envelope.get("more")),
            next=envelope.get("next") if isinstance(envelope.get("next"), str) else None,
            first=first,
            last=last,
            texts=texts,
        )


_DECODER = json.JSONDecoder()
_SPACE = frozenset(" \t\n\r")


def split_envelope(body: bytes) -> tuple[dict[str, Any], list[str] | None] | None:
    """The envelope as json.loads reads it, and the text of each object as received (so the
    receiver stores it without writing it out again); None for anything unusual, which is
    then read by json.loads itself."""
    try:
        text = body.decode("utf-8")
        return _split(text)
    except (ValueError, RecursionError, IndexError):
        return None


def _split(text: str) -> tuple[dict[str, Any], list[str] | None] | None:
    scan = _DECODER.raw_decode
    size = len(text)

    def skip(i: int) -> int:
        while i < size and text[i] in _SPACE:
            i += 1
        return i

    i = skip(0)
    if i >= size or text[i] != "{":
        return None
    envelope: dict[str, Any] = {}
    texts: list[str] | None = None
    i = skip(i + 1)
    if i < size and text[i] == "}":
        i += 1
    else:
        while True:
            if i >= size or text[i] != '"':
                return None
            key, i = scan(text, i)
            i = skip(i)
            if i >= size or text[i] != ":":
                return None
            i = skip(i + 1)
            value: Any
            if key == "objects" and i < size and text[i] == "[":
                value, texts = [], []
                i = skip(i + 1)
                if i < size and text[i] == "]":
                    i += 1
                else:
                    while True:
                        item, end = scan(text, i)
                        value.append(item)
                        texts.append(text[i:end])
                        i = skip(end)
                        if i < size and text[i] == ",":
                            i = skip(i + 1)
                            continue
                        if i < size and text[i] == "]":
                            i += 1
                            break
                        return None
            else:
                value, i = scan(text, i)
                if key == "objects":
                    texts = None
            envelope[key] = value
            i = skip(i)
            if i < size and text[i] == ",":
                i = skip(i + 1)
                continue
            if i < size and text[i] == "}":
                i += 1
                break
            return None
    if skip(i) != size:
        return None
    return envelope, texts


def partner_events(config: PartnerConfig, settings: Settings) -> Iterator[str]:
    """The partner's live stream: yields each event's name as it arrives."""
    client = PartnerClient(config, settings, timeout=60)
    try:
        with client.http.stream("GET", f"{client.root}stream/") as response:
            if response.status_code != 200:
                raise PartnerDown(f"{response.status_code} from the stream")
            for line in response.iter_lines():
                if line.startswith("event:"):
                    yield line.split(":", 1)[1].strip()
                elif line.startswith(": connected"):
                    # Whatever was published while no stream was open is pulled now.
                    yield "connected"
    except httpx.HTTPError as error:
        raise PartnerDown(str(error)) from None
    finally:
        client.close()
