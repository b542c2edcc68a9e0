"""The report form's entity sub-form: which kinds it offers, which typed fields each kind has,
and how what was typed becomes an FtM entity, with errors named by field.

Kinds and fields come from followthemoney's model (no schema is redefined here): the
matchable things an analyst reports on, each with its featured properties and a few
identifying ones. Values are cleaned by their FtM type; CURP and RFC are checked with
python-stdnum, phone numbers with phonenumbers (stored in E.164), so a typo is caught while
the analyst is still at the form rather than by identity resolution weeks later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
from followthemoney import model
from followthemoney.property import Property
from followthemoney.schema import Schema
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

from vinculo import vocab
from vinculo.errors import InvalidInput
from vinculo.i18n import N_

# Offered first, in this order; the other matchable things follow by name.
COMMON = ("Person", "Company", "Organization", "Vehicle", "Address", "BankAccount")
# Identifying properties shown after a kind's featured ones, where the kind has them.
IDENTIFYING = (
    "birthDate",
    "gender",
    "nationality",
    "idNumber",
    "taxNumber",
    "passportNumber",
    "socialSecurityNumber",
    "phone",
    "email",
    "country",
    "registrationNumber",
    "incorporationDate",
    "jurisdiction",
    "city",
    "street",
    "postalCode",
    "accountNumber",
    "iban",
    "bankName",
    "model",
)
# A person is a legal entity in FtM, but not one that is incorporated or registered.
NOT_FOR_PEOPLE = frozenset({"incorporationDate", "jurisdiction", "registrationNumber"})
# The property the "name" field fills, where a kind names things otherwise.
NAME_PROPERTY = {"Address": "full"}
MAX_ROWS = 20

_CURP_LOOSE = re.compile(r"^[A-Z]{4}[0-9]{6}[A-Z0-9]{8}$")
_RFC_LOOSE = re.compile(r"^[A-Z&Ñ]{3,4}[0-9]{6}[A-Z0-9]{3}$")

E_CURP_LENGTH = N_("Invalid CURP {value}: a CURP has 18 characters")
E_CURP_FORMAT = N_("Invalid CURP {value}: not in a CURP's pattern (4 letters, 6 digits, 8 more)")
E_CURP_CHECK = N_("Invalid CURP {value}: the check digit does not match")
E_CURP_DATE = N_("Invalid CURP {value}: its birth date is not a real date")
E_RFC = N_("Invalid RFC {value}: an RFC is 3 or 4 letters, a date (YYMMDD) and 3 characters")
E_PHONE = N_(
    "{value} is not a phone number: write it with its country code, for example +52 55 1234 5678"
)
E_VALUE = N_("{value} is not a valid value for this field")
E_NOT_OF_KIND = N_("this kind of entity has no such field")


def name_property(schema: Schema) -> str | None:
    wanted = NAME_PROPERTY.get(schema.name, "name")
    return wanted if schema.get(wanted) is not None else None


@cache
def schemata() -> tuple[Schema, ...]:
    """The kinds the form offers: followthemoney's matchable, concrete things (not documents),
    the common ones first."""
    found = [
        s
        for s in model.schemata.values()
        if s.matchable and not s.abstract and not s.edge and s.is_a("Thing")
    ]
    found = [s for s in found if not s.is_a("Document")]
    first = [model.get(name) for name in COMMON]
    rest = sorted((s for s in found if s.name not in COMMON), key=lambda s: s.name)
    return tuple(s for s in [*first, *rest] if s is not None)


@cache
def fields_of(schema_name: str) -> tuple[Property, ...]:
    """The typed fields of a kind besides its name: featured properties, then identifying
    ones, leaving out links to other entities (the report names those as entities too)."""
    schema = model.get(schema_name)
    if schema is None:
        return ()
    skip = {name_property(schema)}
    if schema.is_a("Person"):
        skip |= NOT_FOR_PEOPLE
    out: list[Property] = []
    for name in [*schema.featured, *IDENTIFYING]:
        prop = schema.get(name)
        if prop is None or prop.name in skip or prop.stub or prop.hidden:
            continue
        if prop.type.name == "entity" or any(p.name == prop.name for p in out):
            continue
        out.append(prop)
    return tuple(out)


def input_kind(prop: Property) -> str:
    """How the page asks for a value: select (country, gender), tel, email, date or text."""
    kind = prop.type.name
    if kind in ("country", "gender"):
        return "select"
    if kind == "phone":
        return "tel"
    if kind == "email":
        return "email"
    if kind == "date":
        return "date"
    return "text"


@dataclass
class EntityRow:
    """One entity as typed: its kind, name, chosen existing entity and field values."""

    index: int
    schema: str = "Person"
    name: str = ""
    existing: str = ""
    existing_caption: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: list[InvalidInput] = field(default_factory=list)  # each names its field, e0.phone

    def empty(self) -> bool:
        typed = any(v.strip() for v in self.values.values())
        return not (self.name.strip() or self.existing or typed)

    def errors_of(self, name: str) -> list[InvalidInput]:
        return [e for e in self.errors if e.field == self.key(name)]

    def stray_errors(self) -> list[InvalidInput]:
        """Errors of fields the row does not show (a field its kind lacks, posted anyway)."""
        shown = {"name", "existing", *(p.name for p in fields_of(self.schema))}
        return [e for e in self.errors if (e.field or "").partition(".")[2] not in shown]

    def fail(self, name: str, error: InvalidInput) -> None:
        error.field = self.key(name)
        self.errors.append(error)

    def key(self, name: str) -> str:
        """The form field name of one of the row's inputs: e0.name, e0.birthDate …"""
        return f"e{self.index}.{name}"


def read_rows(data: Mapping[str, str]) -> list[EntityRow]:
    """The rows a posted form holds (fields e<i>.<name>), in order."""
    rows: dict[int, EntityRow] = {}
    for key, value in data.items():
        found = re.fullmatch(r"e(\d{1,2})\.([A-Za-z]+)", key)
        if not found or int(found.group(1)) >= MAX_ROWS:
            continue
        index, name = int(found.group(1)), found.group(2)
        row = rows.setdefault(index, EntityRow(index=index))
        if name == "schema":
            row.schema = value if model.get(value) is not None else "Person"
        elif name == "name":
            row.name = value
        elif name == "existing":
            row.existing = value.strip()
        else:
            row.values[name] = value
    return [rows[i] for i in sorted(rows)]


def _region(values: Mapping[str, str], nation: str | None) -> str | None:
    """The region a phone written without its country code is read in: the row's own
    country, nationality or jurisdiction, else the analyst's nation."""
    for prop in ("country", "nationality", "jurisdiction"):
        code = values.get(prop, "").strip().upper()
        if len(code) == 2:
            return code
    return vocab.phone_region(nation)


def clean_value(prop: Property, raw: str, region: str | None) -> str:
    """The value as stored, or InvalidInput saying what is wrong with it."""
    value = raw.strip()
    compact = re.sub(r"[\s\-.]", "", value.upper())
    if prop.name == "idNumber" and _CURP_LOOSE.match(compact):
        return _curp(compact)
    if prop.name == "taxNumber" and len(compact) in (12, 13) and compact[:3].isalpha():
        if not _RFC_LOOSE.match(compact):
            raise InvalidInput(E_RFC, value=value)
        try:
            return str(stdnum_rfc.validate(compact))
        except ValidationError:
            raise InvalidInput(E_RFC, value=value) from None
    if prop.type.name == "phone":
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            raise InvalidInput(E_PHONE, value=value) from None
        if not phonenumbers.is_valid_number(number):
            raise InvalidInput(E_PHONE, value=value)
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    cleaned = prop.type.clean(value, proxy=None)
    if cleaned is None:
        raise InvalidInput(E_VALUE, value=value)
    return str(cleaned)


def check_one(
    schema_name: str, prop_name: str, raw: str, row_values: Mapping[str, str], nation: str | None
) -> str:
    """One field's value as filing would store it, or the InvalidInput filing would raise:
    the same check, asked while the analyst types (form_views' /reports/new/check).
    `row_values` are the row's other fields, which say how a phone number is read."""
    prop = next((p for p in fields_of(schema_name) if p.name == prop_name), None)
    if prop is None:
        raise InvalidInput(E_NOT_OF_KIND)
    return clean_value(prop, raw, _region(row_values, nation))


def _curp(compact: str) -> str:
    try:
        return str(stdnum_curp.validate(compact))
    except InvalidLength:
        raise InvalidInput(E_CURP_LENGTH, value=compact) from None
    except InvalidChecksum:
        raise InvalidInput(E_CURP_CHECK, value=compact) from None
    except InvalidComponent:
        raise InvalidInput(E_CURP_DATE, value=compact) from None
    except ValidationError:
        raise InvalidInput(E_CURP_FORMAT, value=compact) from None


def properties_of(row: EntityRow, nation: str | None) -> dict[str, list[str]]:
    """The row's FtM properties; each bad value goes to `row.errors`, naming its field."""
    schema = model.get(row.schema)
    assert schema is not None  # read_rows keeps only known schemata
    props: dict[str, list[str]] = {}
    name_prop = name_property(schema)
    if row.name.strip():
        if name_prop is None:
            row.fail("name", InvalidInput(E_NOT_OF_KIND))
        else:
            props[name_prop] = [row.name.strip()]
    region = _region(row.values, nation)
    offered = {p.name: p for p in fields_of(schema.name)}
    for name, raw in row.values.items():
        if not raw.strip():
            continue
        prop = offered.get(name)
        if prop is None:
            row.fail(name, InvalidInput(E_NOT_OF_KIND))
            continue
        try:
            props.setdefault(name, []).append(clean_value(prop, raw, region))
        except InvalidInput as error:
            row.fail(name, error)
    return props
