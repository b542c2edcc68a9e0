"""Deconfliction pointers: the one STIX object that tells a partner node "an agency here has an
active interest in this subject — call this contact", and nothing else (MARKINGS.md,
deliberate disclosure 1).

A pointer carries one keyed hash per normalised key of a registered target (HMAC-SHA256
under the sharing agreement's key, computed by `vinculo.cases.target_keys`), the agreement's
key id, the registering node, an expiry and the contact: never the case, never a clear key.
It is a new STIX object declared by its own extension definition (`new-sdo`); `parse_pointer`
checks what a partner sends strictly (stix2's verdict, then every field of ours) before
anything of it is used.

It lives in the exchange rather than in cases because the exchange receives and validates
what partners send, and the exchange may not import cases (tests/test_architecture.py).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import stix2
from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    ListProperty,
    ReferenceProperty,
    StringProperty,
    TimestampProperty,
)

from vinculo.errors import InvalidInput, NotFound
from vinculo.exchange.markings import NAMESPACE
from vinculo.exchange.stix import SPEC, node_identity_id, parse_timestamp, timestamp
from vinculo.exchange.validate import Rejected
from vinculo.i18n import N_
from vinculo.settings import Settings

__all__ = [
    "DEFAULT_LIFETIME",
    "KEY_KINDS",
    "MAX_LIFETIME",
    "POINTER_EXTENSION_ID",
    "POINTER_TYPE",
    "AgreementKey",
    "Contact",
    "HashSet",
    "KeyHash",
    "Pointer",
    "PointerRejected",
    "agreement_key",
    "agreement_keys_for",
    "build_pointer",
    "matched_kinds",
    "parse_pointer",
    "pointer_extension_definition",
    "pointer_object",
]

# The kinds of normalised key a target yields (cases/target_keys.py makes them). Each is part
# of the HMAC input, so a phone's digits never meet a plate's.
KEY_KINDS: tuple[str, ...] = (
    "person",
    "phone",
    "curp",
    "rfc",
    "passport",
    "plate",
    "clabe",
    "iban",
    "account",
    "company",
    "address",
    # A planned operation's (grid cell, UTC day) (cases/operation_pointers.py).
    "operation",
)

POINTER_TYPE = "x-vinculo-deconfliction-pointer"
POINTER_EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(NAMESPACE, 'vinculo-deconfliction-pointer/1')}"
)
POINTER_SCHEMA = "https://vinculo.example/stix/deconfliction-pointer/v1"
DEFAULT_LIFETIME = timedelta(days=90)
# A pointer that claims to live longer is refused: registrations are renewed, not eternal.
MAX_LIFETIME = timedelta(days=366)
MAX_HASHES = 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTACT_FIELDS = ("name", "agency", "phone")
_CONTACT_LIMITS = {"name": 200, "agency": 64, "phone": 40}


@stix2.CustomObject(
    POINTER_TYPE,
    [
        ("created_by_ref", ReferenceProperty(valid_types="identity", spec_version=SPEC)),
        ("revoked", BooleanProperty()),
        ("key_id", StringProperty(required=True)),
        ("registering_node", StringProperty(required=True)),
        ("expires", TimestampProperty(required=True, precision="millisecond")),
        ("key_hashes", ListProperty(DictionaryProperty(), required=True)),
        ("contact", DictionaryProperty(required=True)),
    ],
    extension_name=POINTER_EXTENSION_ID,
)
class _StixPointer:
    """stix2's class for the pointer: registered so that `stix2.parse` checks it strictly."""


class PointerRejected(Rejected):
    """A pointer that fails validation; `field` names what was wrong (the ingest quarantines
    it as any `Rejected`)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__("invalid", f"deconfliction pointer, field {field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class AgreementKey:
    """The secret of one sharing agreement, which every node of the agreement holds."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True, order=True)
class KeyHash:
    """One keyed hash: the kind of key and HMAC-SHA256 in lower-case hex."""

    kind: str
    hmac: str


@dataclass(frozen=True)
class HashSet:
    """The keyed hashes of one target under one agreement's key."""

    key_id: str
    hashes: frozenset[KeyHash]


def matched_kinds(ours: HashSet, theirs: HashSet) -> frozenset[str]:
    """The kinds of key two targets share; empty when they share none.

    Hashes under different agreement keys say nothing about each other: comparing them is a
    caller's mistake, so it raises rather than answer "no match".
    """
    if ours.key_id != theirs.key_id:
        raise ValueError(
            f"hash sets under different agreement keys ({ours.key_id}, {theirs.key_id})"
        )
    return frozenset(h.kind for h in ours.hashes & theirs.hashes)


@dataclass(frozen=True)
class Contact:
    """Who to call: the only thing about the registration a hit discloses."""

    name: str
    agency: str
    phone: str


@dataclass(frozen=True)
class Pointer:
    id: str
    key_id: str
    registering_node: str
    hashes: frozenset[KeyHash]
    contact: Contact
    created: datetime
    modified: datetime
    expires: datetime
    revoked: bool = False

    @property
    def hash_set(self) -> HashSet:
        return HashSet(self.key_id, self.hashes)


def agreement_key(*, settings: Settings, key_id: str) -> AgreementKey:
    """The agreement key `key_id` from `VINCULO_DECONFLICTION_KEYS`."""
    for config in settings.deconfliction_keys:
        if config.key_id == key_id:
            return AgreementKey(config.key_id, config.secret.get_secret_value().encode())
    raise NotFound(N_("no deconfliction key {key_id}"), field="key_id", key_id=key_id)


def agreement_keys_for(*, settings: Settings, partner: str) -> list[AgreementKey]:
    """The agreement keys shared with the partner node `partner`, in the order configured."""
    return [
        AgreementKey(c.key_id, c.secret.get_secret_value().encode())
        for c in settings.deconfliction_keys
        if partner in c.partners
    ]


def _utc(at: datetime) -> datetime:
    """Naive UTC, as the exchange keeps times."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def build_pointer(
    *,
    hashes: HashSet,
    node: str,
    contact: Contact,
    now: datetime | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    pointer_id: str | None = None,
) -> Pointer:
    """A pointer for a registration's hash set, expiring after `lifetime` (90 days).

    `pointer_id` is the STIX id of an earlier version (a renewal keeps it); a new one is
    random, so the id tells nothing of the case or the registration.
    """
    made = _utc(now) if now is not None else _now()
    # Times to the millisecond, as STIX writes them, so a pointer equals its parsed copy.
    made = made.replace(microsecond=made.microsecond // 1000 * 1000)
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise InvalidInput(
            N_("the lifetime must be more than nothing and at most {days} days"),
            field="lifetime",
            days=MAX_LIFETIME.days,
        )
    pointer = Pointer(
        id=pointer_id or f"{POINTER_TYPE}--{uuid.uuid4()}",
        key_id=hashes.key_id,
        registering_node=node,
        hashes=hashes.hashes,
        contact=contact,
        created=made,
        modified=made,
        expires=made + lifetime,
    )
    # What this node sends must pass what a partner checks.
    parse_pointer(pointer_object(pointer), now=made)
    return pointer


def pointer_object(pointer: Pointer) -> dict[str, Any]:
    """The pointer as a STIX 2.1 object (a plain dict, as the exchange stores objects)."""
    obj: dict[str, Any] = {
        "type": POINTER_TYPE,
        "spec_version": SPEC,
        "id": pointer.id,
        "created": timestamp(pointer.created),
        "modified": timestamp(pointer.modified),
        "created_by_ref": node_identity_id(pointer.registering_node),
        "key_id": pointer.key_id,
        "registering_node": pointer.registering_node,
        "expires": timestamp(pointer.expires),
        "key_hashes": [{"kind": h.kind, "hmac": h.hmac} for h in sorted(pointer.hashes)],
        "contact": {
            "name": pointer.contact.name,
            "agency": pointer.contact.agency,
            "phone": pointer.contact.phone,
        },
        "extensions": {POINTER_EXTENSION_ID: {"extension_type": "new-sdo"}},
    }
    if pointer.revoked:
        obj["revoked"] = True
    return obj


def pointer_extension_definition(node: str) -> dict[str, Any]:
    """The extension definition that declares the pointer object, published by each node."""
    return {
        "type": "extension-definition",
        "spec_version": SPEC,
        "id": POINTER_EXTENSION_ID,
        "created": "2026-12-04T00:00:00.000Z",
        "modified": "2026-12-04T00:00:00.000Z",
        "created_by_ref": node_identity_id(node),
        "name": "Vínculo deconfliction pointer",
        "description": (
            "A registered target as keyed hashes (HMAC-SHA256 under a sharing agreement's key, "
            "one per normalised key), the agreement key id, the registering node, an expiry "
            "and a contact: who to call about a subject both sides work, and nothing else."
        ),
        "schema": POINTER_SCHEMA,
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
    }


def _text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PointerRejected(name, "must be a non-empty string")
    if len(value) > limit:
        raise PointerRejected(name, f"longer than {limit} characters")
    return value


def _hashes(value: Any) -> frozenset[KeyHash]:
    if not isinstance(value, list) or not value:
        raise PointerRejected("key_hashes", "must be a non-empty list")
    if len(value) > MAX_HASHES:
        raise PointerRejected("key_hashes", f"more than {MAX_HASHES} hashes")
    found: set[KeyHash] = set()
    for index, item in enumerate(value):
        name = f"key_hashes[{index}]"
        if not isinstance(item, dict) or set(item) != {"kind", "hmac"}:
            raise PointerRejected(name, "must hold exactly kind and hmac")
        kind, digest = item["kind"], item["hmac"]
        if kind not in KEY_KINDS:
            raise PointerRejected(f"{name}.kind", f"{kind!r} is not one of {', '.join(KEY_KINDS)}")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise PointerRejected(f"{name}.hmac", "must be 64 lower-case hex digits")
        key_hash = KeyHash(kind, digest)
        if key_hash in found:
            raise PointerRejected(name, "repeats an earlier hash")
        found.add(key_hash)
    return frozenset(found)


def _contact(value: Any) -> Contact:
    if not isinstance(value, dict) or set(value) != set(_CONTACT_FIELDS):
        raise PointerRejected("contact", "must hold exactly name, agency and phone")
    name, agency, phone = (
        _text(value[f], f"contact.{f}", _CONTACT_LIMITS[f]) for f in _CONTACT_FIELDS
    )
    return Contact(name=name, agency=agency, phone=phone)


def _stamp(value: Any, name: str) -> datetime:
    try:
        if isinstance(value, str):
            return parse_timestamp(value)
    except ValueError:
        pass
    raise PointerRejected(name, "not a STIX timestamp")


def parse_pointer(data: Mapping[str, Any] | str, *, now: datetime | None = None) -> Pointer:
    """A pointer as a partner sent it (a STIX object, or its JSON), checked strictly: stix2's
    verdict (no property it does not know, no other extension), then each field of ours
    (kinds from `KEY_KINDS`, 64 hex digits, an expiry in the future and within
    `MAX_LIFETIME`, a contact of exactly name, agency and phone). Raises `PointerRejected`
    naming the field."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise PointerRejected("object", "not JSON") from None
    if not isinstance(data, Mapping):
        raise PointerRejected("object", "not a STIX object")
    obj = dict(data)
    if obj.get("type") != POINTER_TYPE:
        raise PointerRejected("type", f"must be {POINTER_TYPE}")
    if obj.get("spec_version") != SPEC:
        raise PointerRejected("spec_version", f"must be {SPEC}")
    if obj.get("extensions") != {POINTER_EXTENSION_ID: {"extension_type": "new-sdo"}}:
        raise PointerRejected("extensions", "must name the pointer's extension definition only")
    try:
        stix2.parse(obj, allow_custom=False)
    except stix2.exceptions.ExtraPropertiesError as error:
        names = ", ".join(sorted(error.properties))
        raise PointerRejected(names, "not a property of a pointer") from None
    except stix2.exceptions.MissingPropertiesError as error:
        names = ", ".join(sorted(error.properties))
        raise PointerRejected(names, "missing") from None
    except stix2.exceptions.InvalidValueError as error:
        raise PointerRejected(error.prop_name, str(error.reason)[:200]) from None
    except Exception as error:
        raise PointerRejected("object", f"stix2: {str(error)[:200]}") from None
    key_id = _text(obj["key_id"], "key_id", 64)
    if not _NAME.fullmatch(key_id):
        raise PointerRejected("key_id", "letters, digits, '.', '_' and '-' only")
    node = _text(obj["registering_node"], "registering_node", 64)
    if not _NAME.fullmatch(node):
        raise PointerRejected("registering_node", "letters, digits, '.', '_' and '-' only")
    if obj.get("created_by_ref", node_identity_id(node)) != node_identity_id(node):
        raise PointerRejected("created_by_ref", "must be the registering node's identity")
    created = _stamp(obj["created"], "created")
    modified = _stamp(obj["modified"], "modified")
    expires = _stamp(obj["expires"], "expires")
    moment = _utc(now) if now is not None else _now()
    revoked = obj.get("revoked", False) is True
    # A revocation only withdraws: it may arrive after the pointer has lapsed.
    if not revoked and expires <= moment:
        raise PointerRejected("expires", "is not in the future")
    if modified < created:
        raise PointerRejected("modified", "before created")
    # Measured from now too: a `created` in the future must not stretch a pointer's life.
    if expires - created > MAX_LIFETIME or expires - moment > MAX_LIFETIME:
        raise PointerRejected("expires", f"more than {MAX_LIFETIME.days} days ahead")
    return Pointer(
        id=obj["id"],
        key_id=key_id,
        registering_node=node,
        hashes=_hashes(obj["key_hashes"]),
        contact=_contact(obj["contact"]),
        created=created,
        modified=modified,
        expires=expires,
        revoked=revoked,
    )
