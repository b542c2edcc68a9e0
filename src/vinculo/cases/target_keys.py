"""A target registered on a case, the normalised keys it yields, and their keyed hashes.

Two agencies working the same subject must find each other however each wrote it down, so a
target is reduced to keys that agree when the subject is the same: national phone digits,
CURP, RFC, passport, plate, bank account, folded company name, folded name with birth date,
folded address. The normalising is identity resolution's (`vinculo.resolve.identifiers`,
`vinculo.resolve.names`, `vinculo.text.fold`), so a key agrees exactly when resolution's
own comparison of that identifier would.

Across nodes the keys travel only as HMAC-SHA256 under the sharing agreement's key, each with
its kind in the input, so a phone's ten digits never match a plate or an account with the
same digits (`vinculo.exchange.deconfliction` carries them in the pointer).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal, get_args

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from vinculo.errors import InvalidFields, InvalidInput
from vinculo.exchange.deconfliction import AgreementKey, HashSet, KeyHash
from vinculo.i18n import N_
from vinculo.resolve.birthdates import parse_birth_date
from vinculo.resolve.identifiers import (
    decode_curp,
    decode_rfc,
    national_digits,
    normalise_passport,
    normalise_phone,
    normalise_plate,
)
from vinculo.resolve.names import parse_name
from vinculo.text import fold

__all__ = [
    "TARGET_KINDS",
    "Target",
    "TargetKey",
    "TargetKind",
    "hash_set",
    "keyed_hash",
    "target_keys",
]

TargetKind = Literal["person", "phone", "vehicle", "bank_account", "address", "company"]
TARGET_KINDS: tuple[str, ...] = get_args(TargetKind)

# The phone region of each registering nation (phonenumbers reads national numbers by it).
_PHONE_REGIONS = {"USA": "US", "MEX": "MX", "GTM": "GT"}

# What each kind of target may carry; anything else is refused, naming the field.
_FIELDS: dict[str, frozenset[str]] = {
    "person": frozenset({"name", "birth_date", "phones", "curp", "rfc", "passport"}),
    "phone": frozenset({"phones"}),
    "vehicle": frozenset({"plate", "plate_state"}),
    "bank_account": frozenset({"account"}),
    "address": frozenset({"address"}),
    "company": frozenset({"name", "rfc", "phones"}),
}
# The field to name when a target of the kind yields no key at all.
_MAIN_FIELD = {
    "person": "name",
    "phone": "phones",
    "vehicle": "plate",
    "bank_account": "account",
    "address": "address",
    "company": "name",
}

E_NO_IDENTIFIER = N_(
    "no usable identifier: give a phone, CURP, RFC, passport, plate, account, address or name"
)
E_KIND = N_("unknown kind of target {value}: one of {kinds}")
E_NATION = N_("unknown registering nation {value}: one of {nations}")
E_NOT_FOR_KIND = N_("a target of kind {kind} does not take this field")
E_PHONE = N_("not a phone number: {value}")
E_CURP = N_("not a valid CURP: {value}")
E_RFC = N_("not a valid RFC: {value}")
E_PASSPORT = N_("not a passport number of {country}: {value}")
E_PLATE = N_("not a licence plate of {country}: {value}")
E_ACCOUNT = N_("not a bank account number (CLABE, IBAN or 6 to 34 digits): {value}")
E_CLABE = N_("not a valid CLABE (its check digit does not match): {value}")
E_BIRTH_DATE = N_("not a birth date: {value}")
E_BIRTH_DATE_AMBIGUOUS = N_("day and month of {value} could be swapped: write it as YYYY-MM-DD")
E_BIRTH_DATE_NEEDED = N_("a person's name is a key only with the birth date")
E_NAME = N_("not a name: {value}")
E_ADDRESS = N_("too short to be an address: {value}")
E_COUNTRY = N_("not a country: {value} (write its code, e.g. USA, MEX, GTM)")


@dataclass(frozen=True)
class Target:
    """A subject registered on a case, as the case's analyst wrote it.

    `nation` is the registering agency's nation (USA, MEX, GTM): it reads national phone
    numbers, passports without a country and plates without one.
    """

    kind: str
    nation: str
    name: str | None = None
    birth_date: date | str | None = None
    phones: tuple[str, ...] = ()
    curp: str | None = None
    rfc: str | None = None
    passport: str | None = None
    passport_country: str | None = None
    plate: str | None = None
    plate_country: str | None = None
    plate_state: str | None = None
    account: str | None = None
    address: str | None = None


@dataclass(frozen=True, order=True)
class TargetKey:
    """One normalised key: its kind (`KEY_KINDS`) and its value, never sent in the clear."""

    kind: str
    value: str


def _given(target: Target, name: str) -> bool:
    value = getattr(target, name)
    if isinstance(value, tuple):
        return any(v and v.strip() for v in value)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


# Countries as records write them, to the ISO 3166-1 alpha-3 code REL TO uses; any other
# three letters are taken as a code.
_COUNTRIES = {
    "us": "USA",
    "usa": "USA",
    "united states": "USA",
    "united states of america": "USA",
    "estados unidos": "USA",
    "eua": "USA",
    "eeuu": "USA",
    "mx": "MEX",
    "mex": "MEX",
    "mexico": "MEX",
    "gt": "GTM",
    "gtm": "GTM",
    "guatemala": "GTM",
}


def _country(target: Target, name: str, errors: list[InvalidInput]) -> str | None:
    written = getattr(target, name)
    if not written or not fold(written):
        return target.nation
    folded = fold(written)
    code = _COUNTRIES.get(folded) or (folded.upper() if re.fullmatch(r"[a-z]{3}", folded) else None)
    if code is None:
        errors.append(InvalidInput(E_COUNTRY, field=name, value=written))
    return code


def _state(value: str | None) -> str:
    return fold(value).replace(" ", "").upper() if value else ""


def _phone_keys(target: Target, errors: list[InvalidInput]) -> list[TargetKey]:
    keys = []
    region = _PHONE_REGIONS[target.nation]
    for written in target.phones:
        if not written or not written.strip():
            continue
        # A validated number only: a key must not come from a guess at the digits.
        e164 = normalise_phone(written, region=region)
        if e164 is None:
            errors.append(InvalidInput(E_PHONE, field="phones", value=written))
        else:
            keys.append(TargetKey("phone", national_digits(e164)))
    return keys


def _clabe_valid(digits: str) -> bool:
    # Banxico's check digit: weights 3, 7, 1 over the first 17 digits, modulo 10. python-stdnum
    # has no CLABE module (it has curp and rfc only under stdnum.mx).
    total = sum(int(d) * (3, 7, 1)[i % 3] % 10 for i, d in enumerate(digits[:17]))
    return (10 - total % 10) % 10 == int(digits[17])


def _account_key(target: Target, errors: list[InvalidInput]) -> TargetKey | None:
    written = target.account or ""
    compact = re.sub(r"[\s\-.]", "", written).upper()
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", compact):
        try:
            return TargetKey("iban", str(stdnum_iban.validate(compact)))
        except ValidationError:
            errors.append(InvalidInput(E_ACCOUNT, field="account", value=written))
            return None
    if not re.fullmatch(r"[0-9]{6,34}", compact):
        errors.append(InvalidInput(E_ACCOUNT, field="account", value=written))
        return None
    if len(compact) == 18:
        if _clabe_valid(compact):
            return TargetKey("clabe", compact)
        if target.nation == "MEX":
            # Eighteen digits on a Mexican record are a CLABE: a wrong check digit is a typo.
            errors.append(InvalidInput(E_CLABE, field="account", value=written))
            return None
    return TargetKey("account", compact)


def _birth_date(target: Target, errors: list[InvalidInput]) -> date | None:
    value = target.birth_date
    if isinstance(value, date):
        return value
    written = (value or "").strip()
    read = parse_birth_date(written, hint="mx" if target.nation != "USA" else "us")
    if read.ambiguous:
        errors.append(InvalidInput(E_BIRTH_DATE_AMBIGUOUS, field="birth_date", value=written))
        return None
    # A year or a month alone is not a key: too many people share it.
    if not read.valid or not read.dates or read.month is None:
        errors.append(InvalidInput(E_BIRTH_DATE, field="birth_date", value=written))
        return None
    return read.dates[0]


def _person_keys(target: Target, errors: list[InvalidInput]) -> list[TargetKey]:
    parsed = parse_name(target.name)
    if parsed.is_empty or not parsed.given or not parsed.paternal:
        errors.append(InvalidInput(E_NAME, field="name", value=target.name or ""))
        return []
    born = _birth_date(target, errors)
    if born is None:
        return []
    # parse_name has already put the surnames in order (paternal, maternal) and folded
    # every part, so "GARCÍA LÓPEZ, José Luis" and "José Luis García López" meet.
    given, day = " ".join(parsed.given), born.isoformat()
    found = [TargetKey("person", f"{given}|{parsed.paternal}||{day}")]
    if parsed.maternal:
        # U.S. records drop the maternal surname: the key without it meets theirs too.
        found.append(TargetKey("person", f"{given}|{parsed.paternal}|{parsed.maternal}|{day}"))
    return found


# Legal forms written in many ways ("S.A. de C.V.", "SA DE CV", "Inc."): a key must agree
# exactly, so they are dropped from the end of a company's folded name.
_LEGAL_FORMS = (
    "s de rl de cv",
    "sapi de cv",
    "sab de cv",
    "sa de cv",
    "s de rl",
    "sc de rl",
    "sa",
    "sc",
    "ac",
    "inc",
    "llc",
    "corp",
    "co",
    "ltd",
    "lp",
)


def _company_name(name: str) -> str:
    words: list[str] = []
    letters = ""
    # Runs of single letters are glued: "s a de c v" -> "sa de cv".
    for word in fold(name).split():
        if len(word) == 1 and word.isalpha():
            letters += word
            continue
        if letters:
            words.append(letters)
            letters = ""
        words.append(word)
    if letters:
        words.append(letters)
    text = " ".join(words)
    changed = True
    while changed:
        changed = False
        for form in _LEGAL_FORMS:
            if text.endswith(" " + form):
                text, changed = text[: -len(form) - 1], True
    return text


def target_keys(target: Target) -> tuple[TargetKey, ...]:
    """The normalised keys of a target, sorted, one per identifier (a person's name and birth
    date two: with and without the maternal surname).

    Every identifier given must be valid, and at least one key must come out: otherwise
    `InvalidFields` names each field that was wrong (in the reader's language when rendered),
    so nothing is registered from a typo.
    """
    errors: list[InvalidInput] = []
    if target.kind not in TARGET_KINDS:
        kinds = ", ".join(TARGET_KINDS)
        raise InvalidFields([InvalidInput(E_KIND, field="kind", value=target.kind, kinds=kinds)])
    if target.nation not in _PHONE_REGIONS:
        nations = ", ".join(_PHONE_REGIONS)
        raise InvalidFields(
            [InvalidInput(E_NATION, field="nation", value=target.nation, nations=nations)]
        )
    allowed = _FIELDS[target.kind] | {"kind", "nation"}
    for f in fields(Target):
        owner = f.name.split("_")[0] if f.name.endswith(("_country", "_state")) else f.name
        if _given(target, f.name) and owner not in allowed and f.name not in allowed:
            errors.append(InvalidInput(E_NOT_FOR_KIND, field=f.name, kind=target.kind))
    if errors:
        raise InvalidFields(errors)

    keys: list[TargetKey] = []
    keys.extend(_phone_keys(target, errors))
    if _given(target, "curp"):
        curp = decode_curp(target.curp)
        if curp.valid:
            keys.append(TargetKey("curp", curp.value))
        else:
            errors.append(InvalidInput(E_CURP, field="curp", value=target.curp))
    if _given(target, "rfc"):
        rfc = decode_rfc(target.rfc)
        if rfc.valid:
            keys.append(TargetKey("rfc", rfc.value))
        else:
            errors.append(InvalidInput(E_RFC, field="rfc", value=target.rfc))
    if _given(target, "passport") and (country := _country(target, "passport_country", errors)):
        number = normalise_passport(target.passport, country)
        if number:
            keys.append(TargetKey("passport", f"{country}:{number}"))
        else:
            errors.append(
                InvalidInput(E_PASSPORT, field="passport", value=target.passport, country=country)
            )
    if _given(target, "plate") and (country := _country(target, "plate_country", errors)):
        plate = normalise_plate(target.plate, country)
        if plate:
            state = _state(target.plate_state)
            keys.append(TargetKey("plate", f"{country}:{state}:{plate}"))
        else:
            errors.append(InvalidInput(E_PLATE, field="plate", value=target.plate, country=country))
    if _given(target, "account"):
        account = _account_key(target, errors)
        if account:
            keys.append(account)
    if _given(target, "address"):
        folded = fold(target.address)
        if len(folded.replace(" ", "")) < 6:
            errors.append(InvalidInput(E_ADDRESS, field="address", value=target.address))
        else:
            keys.append(TargetKey("address", f"{target.nation}:{folded}"))
    if target.kind == "company" and _given(target, "name"):
        name = _company_name(target.name or "")
        if name:
            keys.append(TargetKey("company", f"{target.nation}:{name}"))
        else:
            errors.append(InvalidInput(E_NAME, field="name", value=target.name))
    if target.kind == "person" and _given(target, "name"):
        if _given(target, "birth_date"):
            keys.extend(_person_keys(target, errors))
        elif not keys and not errors:
            errors.append(InvalidInput(E_BIRTH_DATE_NEEDED, field="birth_date"))
    elif target.kind == "person" and _given(target, "birth_date") and not keys and not errors:
        errors.append(InvalidInput(E_NO_IDENTIFIER, field="name"))
    if errors:
        raise InvalidFields(errors)
    if not keys:
        raise InvalidFields([InvalidInput(E_NO_IDENTIFIER, field=_MAIN_FIELD[target.kind])])
    return tuple(sorted(set(keys)))


def keyed_hash(key: TargetKey, agreement: AgreementKey) -> KeyHash:
    """HMAC-SHA256 of the kind and the key (separated by a unit separator, which neither
    holds) under the agreement's secret, in lower-case hex."""
    message = f"{key.kind}\x1f{key.value}".encode()
    digest = hmac.new(agreement.secret, message, hashlib.sha256).hexdigest()
    return KeyHash(key.kind, digest)


def hash_set(target: Target | Iterable[TargetKey], agreement: AgreementKey) -> HashSet:
    """The keyed hashes of a target (or of keys already made) under one agreement's key."""
    keys = target_keys(target) if isinstance(target, Target) else tuple(target)
    return HashSet(agreement.key_id, frozenset(keyed_hash(k, agreement) for k in keys))
