"""Identifiers as Mexican and U.S. records write them (birth dates: vinculo.resolve.birthdates).

CURP and RFC are validated with python-stdnum and decoded; a CURP is checked against the
record's own name, birth date and sex. Phones become E.164 through phonenumbers, after
undoing Mexico's retired dialling forms, and are compared on their national digits
(`phone_digits`), whatever country each side read them in. SSN, passport and plate numbers
are put in one form. Nothing here raises on junk: an invalid value comes back kept as
written, marked invalid, with an error message id (English, translated through vinculo.i18n).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc
from stdnum.us import ssn as stdnum_ssn

from vinculo.i18n import N_, gettext
from vinculo.resolve.birthdates import (
    E_DATE_FUTURE as E_DATE_FUTURE,
)
from vinculo.resolve.birthdates import (
    E_DATE_INVALID as E_DATE_INVALID,
)
from vinculo.resolve.birthdates import (
    E_DATE_OLD as E_DATE_OLD,
)
from vinculo.resolve.birthdates import E_EMPTY, BirthDate, parse_birth_date
from vinculo.resolve.names import PARTICLES, ParsedName, fold

__all__ = [
    "BirthDate",
    "CurpInfo",
    "RfcInfo",
    "curp_agrees",
    "curp_name_code",
    "decode_curp",
    "decode_rfc",
    "make_curp",
    "national_digits",
    "normalise_passport",
    "normalise_phone",
    "normalise_plate",
    "normalise_sex",
    "normalise_ssn",
    "parse_birth_date",
    "phone_candidates",
    "phone_digits",
    "raw_phone_digits",
    "rfc_agrees",
]

Agreement = dict[str, bool | None]

# RENAPO's state codes (the two letters after the sex in a CURP).
CURP_STATES: dict[str, str] = {
    "AS": "Aguascalientes",
    "BC": "Baja California",
    "BS": "Baja California Sur",
    "CC": "Campeche",
    "CL": "Coahuila",
    "CM": "Colima",
    "CS": "Chiapas",
    "CH": "Chihuahua",
    "DF": "Ciudad de México",
    "DG": "Durango",
    "GT": "Guanajuato",
    "GR": "Guerrero",
    "HG": "Hidalgo",
    "JC": "Jalisco",
    "MC": "México",
    "MN": "Michoacán",
    "MS": "Morelos",
    "NT": "Nayarit",
    "NL": "Nuevo León",
    "OC": "Oaxaca",
    "PL": "Puebla",
    "QT": "Querétaro",
    "QR": "Quintana Roo",
    "SP": "San Luis Potosí",
    "SL": "Sinaloa",
    "SR": "Sonora",
    "TC": "Tabasco",
    "TS": "Tamaulipas",
    "TL": "Tlaxcala",
    "VZ": "Veracruz",
    "YN": "Yucatán",
    "ZS": "Zacatecas",
    "NE": N_("Born abroad"),
}

_CURP_SEX = {"H": "male", "M": "female", "X": "x"}


def _message(error: str | None, locale: str, value: str) -> str | None:
    return gettext(locale, error, value=value) if error else None


# --- CURP ---------------------------------------------------------------------------------

E_CURP_LENGTH = N_("Invalid CURP {value}: a CURP has 18 characters")
E_CURP_FORMAT = N_("Invalid CURP {value}: not in a CURP's pattern (4 letters, 6 digits, 8 more)")
E_CURP_DATE = N_("Invalid CURP {value}: its birth date is not a real date")
E_CURP_SEX = N_("Invalid CURP {value}: the sex letter must be H, M or X")
E_CURP_STATE = N_("Invalid CURP {value}: unknown state code")
E_CURP_WORD = N_("Invalid CURP {value}: its first four letters are a word RENAPO never assigns")
E_CURP_CHECK = N_("Invalid CURP {value}: the check digit does not match")

_CURP_SHAPE = re.compile(r"^[A-Z]{4}[0-9]{6}[A-Z]{6}[0-9A-Z][0-9]$")


@dataclass(frozen=True)
class CurpInfo:
    """A CURP as written and what it says; `valid` is False for anything stdnum rejects."""

    value: str
    valid: bool
    birth_date: date | None
    sex: str | None
    state: str | None
    state_name: str | None
    initials: str
    consonants: str
    error: str | None

    def message(self, locale: str = "en") -> str | None:
        """The error in the reader's language, or None when valid."""
        return _message(self.error, locale, self.value)


def _curp_date(compact: str) -> date | None:
    try:
        year = int(compact[4:6]) + (1900 if compact[16].isdigit() else 2000)
        return date(year, int(compact[6:8]), int(compact[8:10]))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def decode_curp(value: str | None) -> CurpInfo:
    """Validate and decode a CURP; never raises. Parts that decode are returned even when the
    CURP is invalid, but an invalid CURP must not count as strong evidence."""
    written = (value or "").strip()
    compact = stdnum_curp.compact(written) if written else ""
    blank = CurpInfo(written, False, None, None, None, None, "", "", E_EMPTY)
    if not compact:
        return blank
    if len(compact) != 18:
        return CurpInfo(written, False, None, None, None, None, "", "", E_CURP_LENGTH)
    if not _CURP_SHAPE.match(compact):
        return CurpInfo(written, False, None, None, None, None, "", "", E_CURP_FORMAT)
    birth = _curp_date(compact)
    sex = _CURP_SEX.get(compact[10])
    state = compact[11:13]
    state_name = CURP_STATES.get(state)
    error = None
    if birth is None:
        error = E_CURP_DATE
    elif sex is None:
        error = E_CURP_SEX
    elif state_name is None:
        error = E_CURP_STATE
    elif compact[:4] in stdnum_curp._name_blacklist:
        error = E_CURP_WORD
    else:
        # stdnum knows only H and M; RENAPO also issues X, so check the sex-neutral copy
        # with stdnum and the check digit on the CURP as written.
        try:
            stdnum_curp.validate(compact[:10] + "H" + compact[11:], validate_check_digits=False)
        except ValidationError:
            error = E_CURP_FORMAT
        else:
            if stdnum_curp.calc_check_digit(compact) != compact[17]:
                error = E_CURP_CHECK
    return CurpInfo(
        value=compact if error is None else written,
        valid=error is None,
        birth_date=birth,
        sex=sex,
        state=state if state_name else None,
        state_name=state_name,
        initials=compact[:4],
        consonants=compact[13:16],
        error=error,
    )


# --- the name code in CURP and RFC --------------------------------------------------------

_VOWELS = frozenset("aeiou")
_SKIPPED_FIRST_GIVEN = frozenset({"maria", "ma", "m", "jose", "j"})
# Particles RENAPO skips in compound surnames and given names, beyond PARTICLES.
_CURP_PARTICLES = PARTICLES | {"y", "el", "dd", "die", "mac", "mc"}


def _main_word(part: str | None) -> str | None:
    if not part:
        return None
    words = [w for w in fold(part).split() if w not in _CURP_PARTICLES]
    return words[0] if words else None


def _first_internal(word: str, vowels: bool) -> str:
    for char in word[1:]:
        if (char in _VOWELS) == vowels and char.isalpha():
            return char.upper()
    return "X"


def _given_for_code(name: ParsedName) -> tuple[str | None, bool]:
    """The given name RENAPO codes, and whether the record's given names look complete."""
    tokens = [t for t in name.given_tokens if t not in _CURP_PARTICLES]
    if not tokens:
        return None, False
    if len(tokens) > 1 and tokens[0] in _SKIPPED_FIRST_GIVEN:
        return tokens[1], True
    return tokens[0], len(tokens) > 1


def curp_name_code(name: ParsedName) -> tuple[str, str]:
    """The 4 initials and 3 internal consonants RENAPO would give `name` ("?" where unknown)."""
    paternal = _main_word(name.paternal)
    maternal = _main_word(name.maternal)
    given, _ = _given_for_code(name)
    initials = [
        paternal[0].upper() if paternal else "?",
        _first_internal(paternal, True) if paternal else "?",
        maternal[0].upper() if maternal else "?",
        given[0].upper() if given else "?",
    ]
    if "?" not in initials and "".join(initials) in stdnum_curp._name_blacklist:
        initials[1] = "X"
    consonants = "".join(
        _first_internal(word, False) if word else "?" for word in (paternal, maternal, given)
    )
    return "".join(initials), consonants


# Given names that do not count when another follows (RENAPO), and the particles dropped from
# given names, for making a CURP.
_CURP_COMMON_GIVEN = frozenset({"JOSE", "J", "MARIA", "MA", "MA."})
_CURP_GIVEN_PARTICLES = frozenset({"DE", "DEL", "LA", "LOS", "LAS", "Y"})


def _curp_letters(text: str) -> str:
    """Upper case without accents, Ñ written X, as a CURP spells a name."""
    text = text.upper().replace("Ñ", "X")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def make_curp(
    *,
    given: str,
    paternal: str,
    maternal: str | None,
    born: date,
    sex: str,
    state: str,
    homoclave: str,
) -> str:
    """A valid CURP (check digit included) for an invented person, by RENAPO's rules simplified
    where they rarely matter (particles in surnames are kept).

    `sex` is H or M, `state` RENAPO's two-letter code (CURP_STATES, NE born abroad) and
    `homoclave` the one character that tells apart people with the same 16 (a digit for those
    born before 2000, a letter after). Initials that spell a word on RENAPO's list get an X in
    second place, as RENAPO writes them.
    """
    pat = _curp_letters(paternal).replace(" ", "")
    mat = _curp_letters(maternal).replace(" ", "") if maternal else "X"
    words = [w for w in _curp_letters(given).split() if w not in _CURP_GIVEN_PARTICLES]
    first = words[1] if len(words) > 1 and words[0] in _CURP_COMMON_GIVEN else words[0]
    initials = pat[0] + _first_internal(pat.lower(), True) + mat[0] + first[0]
    if initials in stdnum_curp._name_blacklist:
        initials = initials[0] + "X" + initials[2:]
    consonants = "".join(_first_internal(word.lower(), False) for word in (pat, mat, first))
    body = f"{initials}{born:%y%m%d}{sex}{state}{consonants}{homoclave}"
    return body + stdnum_curp.calc_check_digit(body)


def _same(expected: str, actual: str) -> bool:
    # An X in the code stands for Ñ, a missing letter or a replaced rude word: it says nothing.
    return all(e == "?" or a == "X" or e == a for e, a in zip(expected, actual, strict=True))


def _name_agreement(name: ParsedName | None, initials: str, consonants: str) -> Agreement:
    out: Agreement = {"paternal": None, "maternal": None, "given": None}
    if name is None or name.is_empty or len(initials) != 4:
        return out
    code, inner = curp_name_code(name)
    with_consonants = len(consonants) == 3
    if code[0] != "?":
        out["paternal"] = _same(code[:2], initials[:2]) and (
            not with_consonants or _same(inner[0], consonants[0])
        )
    if code[2] != "?":
        out["maternal"] = _same(code[2], initials[2]) and (
            not with_consonants or _same(inner[1], consonants[1])
        )
    if out["paternal"] is False and name.maternal is None and name.paternal:
        # A U.S. record may give the maternal surname as the only last name.
        word = _main_word(name.paternal) or ""
        if word[:1].upper() == initials[2] and (
            not with_consonants or _same(_first_internal(word, False), consonants[1])
        ):
            out["paternal"], out["maternal"] = None, True
    given, complete = _given_for_code(name)
    if given:
        agrees = _same(given[0].upper(), initials[3]) and (
            not with_consonants or _same(_first_internal(given, False), consonants[2])
        )
        if not agrees and any(t[0].upper() == initials[3] for t in name.given_tokens):
            # The coded name is among the record's given names, in another place.
            agrees = True
        # One given name that does not fit may be a second name used alone ("Luis" for
        # José Luis coded L, or "José" alone when José Luis is coded L): unknown, not false.
        out["given"] = agrees if (agrees or complete) else None
    return out


def _aggregate(parts: Agreement) -> bool | None:
    values = [v for v in parts.values() if v is not None]
    if not values:
        return None
    return all(values)


_SEXES = {
    "male": "male",
    "m": "male",
    "h": "male",
    "hombre": "male",
    "masculino": "male",
    "man": "male",
    "female": "female",
    "f": "female",
    "mujer": "female",
    "femenino": "female",
    "woman": "female",
    "x": "x",
    "other": "x",
    "no binario": "x",
    "non binary": "x",
}


def normalise_sex(value: str | None, *, hint: str | None = None) -> str | None:
    """ "male", "female" or "x" from the ways records write sex (M/F, H/M, hombre …).

    A lone "M" is male in English and FtM but mujer on Mexican forms: `hint` "mx" reads it so.
    """
    if not value:
        return None
    folded = fold(value)
    if folded == "m" and (hint or "").strip().lower() in ("mx", "mex", "es"):
        return "female"
    return _SEXES.get(folded)


def _date_agrees(expected: date | None, given: date | BirthDate | None) -> bool | None:
    if expected is None or given is None:
        return None
    if isinstance(given, BirthDate):
        if not given.dates:
            return None
        return expected in given.dates
    return expected == given


def curp_agrees(
    info: CurpInfo,
    *,
    name: ParsedName | None = None,
    birth_date: date | BirthDate | None = None,
    sex: str | None = None,
) -> Agreement:
    """Which of the record's fields the CURP agrees with (True), contradicts (False) or cannot
    speak to (None): paternal, maternal, given, name (all three together), birth_date, sex.
    An invalid CURP speaks to nothing."""
    keys = ("paternal", "maternal", "given", "name", "birth_date", "sex")
    if not info.valid:
        return dict.fromkeys(keys)
    out = _name_agreement(name, info.initials, info.consonants)
    out["name"] = _aggregate(out)
    out["birth_date"] = _date_agrees(info.birth_date, birth_date)
    wanted = normalise_sex(sex) if sex else None
    out["sex"] = None if wanted is None or info.sex is None else wanted == info.sex
    return out


# --- RFC ----------------------------------------------------------------------------------

E_RFC_LENGTH = N_("Invalid RFC {value}: an RFC has 12 characters (companies) or 13 (people)")
E_RFC_FORMAT = N_("Invalid RFC {value}: not in an RFC's pattern")
E_RFC_DATE = N_("Invalid RFC {value}: its date is not a real date")
E_RFC_WORD = N_("Invalid RFC {value}: its first four letters are a word SAT never assigns")
E_RFC_CHECK = N_("Invalid RFC {value}: the check digit does not match")
E_RFC_HOMOCLAVE = N_("Invalid RFC {value}: SAT never assigns that homoclave")


@dataclass(frozen=True)
class RfcInfo:
    """An RFC as written: a person's (birth date) or a company's (incorporation date)."""

    value: str
    valid: bool
    kind: Literal["person", "company"] | None
    date: date | None
    initials: str
    homoclave: str
    error: str | None

    def message(self, locale: str = "en") -> str | None:
        return _message(self.error, locale, self.value)


def _two_digit_year(yy: int, month: int, day: int) -> date | None:
    today = date.today()
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if found > today:
        try:
            return date(year - 100, month, day)
        except ValueError:
            return None
    return found


@lru_cache(maxsize=65536)
def decode_rfc(value: str | None) -> RfcInfo:
    """Validate and decode an RFC (check digit included when there is a homoclave)."""
    written = (value or "").strip()
    compact = stdnum_rfc.compact(written) if written else ""
    if not compact:
        return RfcInfo(written, False, None, None, "", "", E_EMPTY)
    kind: Literal["person", "company"]
    if len(compact) in (10, 13):
        kind, letters = "person", 4
    elif len(compact) == 12:
        kind, letters = "company", 3
    else:
        return RfcInfo(written, False, None, None, "", "", E_RFC_LENGTH)
    digits = compact[letters : letters + 6]
    if not re.fullmatch(r"[A-Z&Ñ]{" + str(letters) + r"}[0-9]{6}[0-9A-Z]{0,3}", compact):
        return RfcInfo(written, False, kind, None, "", "", E_RFC_FORMAT)
    found = _two_digit_year(int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    error = None
    try:
        stdnum_rfc.validate(compact, validate_check_digits=len(compact) >= 12)
    except stdnum_rfc.InvalidChecksum:
        error = E_RFC_CHECK
    except stdnum_rfc.InvalidComponent:
        if found is None:
            error = E_RFC_DATE
        elif kind == "person" and compact[:4] in stdnum_rfc._name_blacklist:
            error = E_RFC_WORD
        else:
            error = E_RFC_HOMOCLAVE
    except ValidationError:
        error = E_RFC_FORMAT
    if found is None:
        error = E_RFC_DATE
    return RfcInfo(
        value=compact if error is None else written,
        valid=error is None,
        kind=kind,
        date=found,
        initials=compact[:letters],
        homoclave=compact[letters + 6 :],
        error=error,
    )


def rfc_agrees(
    info: RfcInfo, *, name: ParsedName | None = None, birth_date: date | BirthDate | None = None
) -> Agreement:
    """A person's RFC against the record's name and birth date (as `curp_agrees`)."""
    keys = ("paternal", "maternal", "given", "name", "birth_date")
    if not info.valid or info.kind != "person":
        return dict.fromkeys(keys)
    out = _name_agreement(name, info.initials, "")
    out["name"] = _aggregate(out)
    out["birth_date"] = _date_agrees(info.date, birth_date)
    return out


# --- phones -------------------------------------------------------------------------------

_REGIONS = {
    "mx": "MX",
    "mex": "MX",
    "mexico": "MX",
    "us": "US",
    "usa": "US",
    "united states": "US",
    "gt": "GT",
    "gtm": "GT",
    "guatemala": "GT",
}
# The three metropolitan areas with two-digit codes; a bare 10-digit number starting so is
# read as Mexican first when it is valid both ways.
_MX_METRO = ("55", "56", "33", "81")


def _region(region: str | None) -> str | None:
    if not region:
        return None
    key = region.strip().lower()
    return _REGIONS.get(key, key.upper() if len(key) == 2 else None)


def _e164(digits: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(("+" + digits) if region is None else digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65536)
def phone_candidates(value: str | None, *, region: str | None = None) -> tuple[str, ...]:
    """Every E.164 reading of a phone number, most likely first; () for junk.

    Undoes the dialling forms records keep: U.S. international "011 52 …", Mexican "00 …",
    Mexico's retired mobile prefixes ("+52 1 …", "044 …"/"045 …" before 10 digits) and
    long-distance "01 …". A bare 10-digit number without `region` may be Mexican or NANP:
    both readings are returned when both are valid numbers.
    """
    if not value:
        return ()
    text = value.strip()
    # Extensions are not part of the number that identifies a line.
    text = re.split(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$", text)[0]
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 17:
        return ()
    wanted = _region(region)
    international = text.startswith("+")
    if not international and digits.startswith("011"):
        digits, international = digits[3:], True
    elif not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if not international and len(digits) == 13 and digits[:3] in ("044", "045"):
        digits, wanted = digits[3:], "MX"
    elif not international and len(digits) == 12 and digits.startswith("01") and wanted != "US":
        digits, wanted = digits[2:], "MX"
    if international:
        if digits.startswith("521") and len(digits) == 13:
            digits = "52" + digits[3:]
        found = _e164(digits, None)
        return (found,) if found else ()
    if wanted:
        found = _e164(digits, wanted)
        if found:
            return (found,)
    if len(digits) == 11 and digits.startswith("1"):
        found = _e164(digits, None)
        return (found,) if found else ()
    if len(digits) == 12 and digits.startswith("52"):
        found = _e164(digits, None)
        return (found,) if found else ()
    if len(digits) == 13 and digits.startswith("521"):
        found = _e164("52" + digits[3:], None)
        return (found,) if found else ()
    if wanted or len(digits) != 10:
        return ()
    mexican, nanp = _e164(digits, "MX"), _e164(digits, "US")
    readings = [r for r in (mexican, nanp) if r]
    if len(readings) == 2 and not digits.startswith(_MX_METRO):
        readings.reverse()
    return tuple(readings)


def normalise_phone(value: str | None, *, region: str | None = None) -> str | None:
    """The number in E.164 ("+525512345678"), the likeliest reading; None for junk."""
    found = phone_candidates(value, region=region)
    return found[0] if found else None


@lru_cache(maxsize=4096)
def national_digits(e164: str) -> str:
    """The national significant number of an E.164 number: "+526565550142" -> "6565550142"."""
    # +1 and +52 numbers are ten national digits; the rest asks phonenumbers, which knows
    # the countries whose national number keeps a leading zero (Italy).
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:]
    if e164.startswith("+52") and len(e164) == 13:
        return e164[3:]
    return phonenumbers.national_significant_number(phonenumbers.parse(e164, None))


def phone_digits(value: str | None, *, region: str | None = None) -> str | None:
    """The digits two records of one line share, whatever country each was read in.

    The same ten digits are written "(656) 555-0142" on a U.S. record and "65 6555 0142" or
    "+52 1 656 555 0142" on a Mexican one: read as +1 and +52 they would never agree, so
    phones are compared on the national significant number. A number phonenumbers does
    not accept as valid (an area code it does not know) keeps its last ten digits, the
    national number of a NANP or Mexican number in every dialling form; a shorter one
    (7 to 9 digits, a local number) its digits; junk gives None.
    """
    e164 = normalise_phone(value, region=region)
    if e164:
        return national_digits(e164)
    return raw_phone_digits(value)


def raw_phone_digits(value: str | None) -> str | None:
    """The digits of a phone phonenumbers does not accept: the last ten, or 7 to 9 as written."""
    if not value:
        return None
    text = re.split(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$", value.strip())[0]
    if re.search(r"[^0-9\s\-.()+/]", text):
        return None
    digits = re.sub(r"\D", "", text)
    # One digit over and over ("000 000 0000") is a form's placeholder, not a line.
    if len(digits) > 17 or len(digits) < 7 or len(set(digits)) == 1:
        return None
    return digits[-10:]


# --- SSN, passports, plates ---------------------------------------------------------------


def normalise_ssn(value: str | None) -> str | None:
    """Nine digits, or None for what the SSA never issues (area 000, 666, 9xx; group 00 …)."""
    if not value:
        return None
    try:
        return str(stdnum_ssn.validate(re.sub(r"[\s.]", "", value)))
    except ValidationError:
        return None


_NATIONS = {
    "us": "USA",
    "usa": "USA",
    "united states": "USA",
    "mx": "MEX",
    "mex": "MEX",
    "mexico": "MEX",
    "gt": "GTM",
    "gtm": "GTM",
    "guatemala": "GTM",
}


def _nation(value: str | None) -> str | None:
    if not value:
        return None
    key = fold(value)
    return _NATIONS.get(key, key.upper())


def _compact(value: str | None) -> str | None:
    if not value:
        return None
    text = re.sub(r"[\s\-\.·/]", "", value).upper()
    return text if text.isascii() and text.isalnum() else None


_PASSPORTS = {
    # U.S.: 9 digits, or a letter and 8 digits (the Next Generation passport, since 2021).
    "USA": re.compile(r"[A-Z0-9][0-9]{8}"),
    # Mexico: a letter and 8 digits; older booklets carry 11 digits.
    "MEX": re.compile(r"[A-Z][0-9]{8}|[0-9]{11}"),
}


def normalise_passport(value: str | None, country: str | None) -> str | None:
    """Upper case, no spaces or dashes, and the shape the issuing country uses; else None."""
    text = _compact(value)
    if not text:
        return None
    rule = _PASSPORTS.get(_nation(country) or "")
    if rule is not None:
        return text if rule.fullmatch(text) else None
    return text if 5 <= len(text) <= 20 else None


def normalise_plate(value: str | None, nation: str | None) -> str | None:
    """A licence plate in one form: upper case, no spaces, dashes or dots; None when it cannot
    be a plate of that nation (Mexico: 5–7 letters and digits with both; U.S.: 1–8)."""
    text = _compact(value)
    if not text:
        return None
    code = _nation(nation)
    if code == "MEX":
        has_both = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
        return text if 5 <= len(text) <= 7 and has_both else None
    if code == "USA":
        return text if 1 <= len(text) <= 8 else None
    return text if 2 <= len(text) <= 10 else None
