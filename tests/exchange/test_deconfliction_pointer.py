"""The deconfliction pointer: built from a target's keyed hashes, it round-trips through STIX
JSON, holds no clear identifier, and what a partner sends is checked strictly, each refusal
naming the field."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import stix2

from vinculo.cases.target_keys import Target, hash_set, target_keys
from vinculo.errors import InvalidInput, NotFound
from vinculo.exchange.deconfliction import (
    DEFAULT_LIFETIME,
    POINTER_EXTENSION_ID,
    POINTER_TYPE,
    AgreementKey,
    Contact,
    PointerRejected,
    agreement_key,
    agreement_keys_for,
    build_pointer,
    matched_kinds,
    parse_pointer,
    pointer_extension_definition,
    pointer_object,
)
from vinculo.exchange.stix import node_identity_id
from vinculo.exchange.validate import Rejected, check_stix
from vinculo.settings import Settings

NOW = datetime(2026, 12, 4, 19, 0, 0, 123000)
KEY = AgreementKey("usa-mex-2026", b"s" * 32)
CONTACT = Contact(name="Agente Laura Méndez", agency="FGR", phone="+52 55 5346 0000")
TARGET = Target(
    "person",
    "MEX",
    name="José Luis García López",
    birth_date="1985-03-07",
    phones=("656 555 0142",),
    passport="G12345678",
)


def make() -> dict[str, Any]:
    pointer = build_pointer(hashes=hash_set(TARGET, KEY), node="mx", contact=CONTACT, now=NOW)
    return pointer_object(pointer)


def test_a_pointer_round_trips_and_holds_the_hashes_contact_and_expiry() -> None:
    hashes = hash_set(TARGET, KEY)
    pointer = build_pointer(hashes=hashes, node="mx", contact=CONTACT, now=NOW)
    assert pointer.expires - pointer.created == DEFAULT_LIFETIME == timedelta(days=90)
    text = json.dumps(pointer_object(pointer))
    back = parse_pointer(text, now=NOW)
    assert back == pointer
    assert back.hash_set == hashes
    assert back.contact == CONTACT and back.registering_node == "mx"
    obj = pointer_object(back)
    assert obj["type"] == POINTER_TYPE
    assert obj["created_by_ref"] == node_identity_id("mx")
    assert obj["expires"] == "2027-03-04T19:00:00.123Z"
    assert obj["extensions"] == {POINTER_EXTENSION_ID: {"extension_type": "new-sdo"}}
    # The receiving node compares its own registrations with what the pointer carries.
    theirs = hash_set(Target("phone", "USA", phones=("+52 1 656 555 0142",)), KEY)
    assert matched_kinds(back.hash_set, theirs) == {"phone"}


def test_the_pointer_holds_no_clear_identifier() -> None:
    text = json.dumps(make(), ensure_ascii=False)
    clear = [k.value for k in target_keys(TARGET)]
    clear += ["6565550142", "G12345678", "garcia", "García", "1985-03-07", "1985"]
    for value in clear:
        assert value.lower() not in text.lower(), value


def test_stix2_accepts_the_pointer_and_its_extension_definition() -> None:
    parsed = stix2.parse(make(), allow_custom=False)
    assert parsed.type == POINTER_TYPE
    definition = pointer_extension_definition("mx")
    stix2.parse(definition, allow_custom=False)
    check_stix(definition)
    assert definition["id"] == POINTER_EXTENSION_ID


def test_a_renewal_keeps_the_id_and_a_later_expiry() -> None:
    first = build_pointer(hashes=hash_set(TARGET, KEY), node="mx", contact=CONTACT, now=NOW)
    later = NOW + timedelta(days=60)
    renewed = build_pointer(
        hashes=hash_set(TARGET, KEY), node="mx", contact=CONTACT, now=later, pointer_id=first.id
    )
    assert renewed.id == first.id and renewed.expires > first.expires


def test_pointers_under_other_keys_do_not_compare() -> None:
    other = AgreementKey("mex-gtm-2026", b"t" * 32)
    ours = parse_pointer(make(), now=NOW)
    with pytest.raises(ValueError, match="different agreement keys"):
        matched_kinds(ours.hash_set, hash_set(TARGET, other))


def _drop(obj: dict[str, Any], key: str) -> None:
    del obj[key]


def _set(path: str, value: Any) -> Any:
    def change(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        where: Any = obj
        for part in parents:
            where = where[int(part)] if part.isdigit() else where[part]
        where[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("case_id", "case-17"), "case_id"),
        (_set("description", "the fentanyl case"), "description"),
        (lambda o: _drop(o, "key_id"), "key_id"),
        (lambda o: _drop(o, "contact"), "contact"),
        (_set("type", "indicator"), "type"),
        (_set("spec_version", "2.0"), "spec_version"),
        (_set("extensions", {}), "extensions"),
        (_set("key_hashes", []), "key_hashes"),
        (_set("key_hashes.0.kind", "ssn"), "key_hashes[0].kind"),
        (_set("key_hashes.0.hmac", "ab" * 31), "key_hashes[0].hmac"),
        (_set("key_hashes.0.hmac", "AB" * 32), "key_hashes[0].hmac"),
        (_set("key_hashes.0.hmac", "zz" * 32), "key_hashes[0].hmac"),
        (_set("key_hashes.0.value", "6565550142"), "key_hashes[0]"),
        (_set("key_hashes.1", None), "key_hashes"),
        (_set("contact.case", "17"), "contact"),
        (_set("contact.phone", ""), "contact.phone"),
        (_set("contact.name", "x" * 201), "contact.name"),
        (_set("expires", "2026-12-04T18:00:00.000Z"), "expires"),
        (_set("expires", "2028-12-04T18:00:00.000Z"), "expires"),
        (_set("expires", "next week"), "expires"),
        (_set("modified", "2026-12-04T18:59:59.000Z"), "modified"),
        (_set("modified", "yesterday"), "modified"),
        (_set("revoked", "yes"), "revoked"),
        (_set("id", "indicator--0b7d6d2f-1111-4c4c-8d8d-111111111111"), "id"),
        (_set("key_id", "usa mex"), "key_id"),
        (_set("registering_node", "../mx"), "registering_node"),
        (_set("created_by_ref", node_identity_id("us")), "created_by_ref"),
    ],
)
def test_what_a_partner_sends_is_checked_naming_the_field(change: Any, field: str) -> None:
    obj = copy.deepcopy(make())
    change(obj)
    with pytest.raises(PointerRejected) as caught:
        parse_pointer(obj, now=NOW)
    assert caught.value.field == field
    assert f"field {field}" in str(caught.value)
    # The ingest quarantines it as any object that fails validation.
    assert isinstance(caught.value, Rejected) and caught.value.reason == "invalid"


def test_a_repeated_hash_and_junk_are_refused() -> None:
    obj = make()
    obj["key_hashes"].append(dict(obj["key_hashes"][0]))
    with pytest.raises(PointerRejected, match="repeats"):
        parse_pointer(obj, now=NOW)
    for junk in ("not json", "[]", json.dumps({"type": POINTER_TYPE})):
        with pytest.raises(PointerRejected):
            parse_pointer(junk, now=NOW)


def test_a_created_in_the_future_does_not_stretch_the_life_of_a_pointer() -> None:
    obj = make()
    obj["created"] = obj["modified"] = "2027-12-01T00:00:00.000Z"
    obj["expires"] = "2028-11-30T00:00:00.000Z"
    with pytest.raises(PointerRejected, match="field expires: more than 366 days ahead"):
        parse_pointer(obj, now=NOW)


def test_a_revocation_may_arrive_after_the_expiry() -> None:
    obj = make()
    obj["revoked"] = True
    later = NOW + timedelta(days=120)
    assert parse_pointer(obj, now=later).revoked
    del obj["revoked"]
    with pytest.raises(PointerRejected, match="field expires"):
        parse_pointer(obj, now=later)


def test_a_lifetime_out_of_bounds_is_refused() -> None:
    for lifetime in (timedelta(0), timedelta(days=400)):
        with pytest.raises(InvalidInput) as caught:
            build_pointer(
                hashes=hash_set(TARGET, KEY),
                node="mx",
                contact=CONTACT,
                now=NOW,
                lifetime=lifetime,
            )
        assert caught.value.field == "lifetime"
        assert "366" in caught.value.render("es")


def test_agreement_keys_come_from_the_settings() -> None:
    settings = Settings(
        deconfliction_keys=[
            {"key_id": "usa-mex-2026", "secret": "s" * 32, "partners": ["mx"]},
            {"key_id": "usa-gtm-2026", "secret": "g" * 40, "partners": ["gt"]},
        ]
    )
    assert agreement_key(settings=settings, key_id="usa-mex-2026") == KEY
    assert "sss" not in repr(KEY) and "sss" not in repr(settings)
    assert [k.key_id for k in agreement_keys_for(settings=settings, partner="gt")] == [
        "usa-gtm-2026"
    ]
    assert agreement_keys_for(settings=settings, partner="ca") == []
    with pytest.raises(NotFound) as caught:
        agreement_key(settings=settings, key_id="nope")
    assert caught.value.field == "key_id"
    assert "clave de desconflicción" in caught.value.render("es")


def test_a_short_agreement_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        Settings(deconfliction_keys=[{"key_id": "k", "secret": "short"}])
