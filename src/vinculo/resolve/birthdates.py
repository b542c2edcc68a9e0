"""Birth dates as Mexican and U.S. records write them: ISO, day-first, month-first, words.

Kept apart from vinculo.resolve.identifiers, which checks a CURP's or RFC's date against
them. Nothing here raises on junk: an invalid value comes back kept as written, with an error
message id (English, translated through vinculo.i18n). python-dateutil would read these too,
but silently picks one reading of 03/07/1985; resolution needs both readings kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from vinculo.i18n import N_, gettext

__all__ = [
    "E_DATE_FUTURE",
    "E_DATE_INVALID",
    "E_DATE_OLD",
    "E_EMPTY",
    "BirthDate",
    "parse_birth_date",
]


def _message(error: str | None, locale: str, value: str) -> str | None:
    return gettext(locale, error, value=value) if error else None


E_EMPTY = N_("No value given")
E_DATE_INVALID = N_("Not a valid date: {value}")
E_DATE_FUTURE = N_("Birth date in the future: {value}")
E_DATE_OLD = N_("Birth date before 1880: {value}")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january ene enero",
            "feb february febrero",
            "mar march marzo",
            "apr april abr abril",
            "may mayo",
            "jun june junio",
            "jul july julio",
            "aug august ago agosto",
            "sep sept september septiembre setiembre set",
            "oct october octubre",
            "nov november noviembre",
            "dec december dic diciembre",
        ),
        start=1,
    )
    for name in names.split()
}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[t ].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})$")
_COMPACT8 = re.compile(r"^\d{8}$")
_WORDS = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True)
class BirthDate:
    """A birth date as written and its readings; two when day and month may be swapped."""

    raw: str
    dates: tuple[date, ...] = ()
    year: int | None = None
    month: int | None = None
    error: str | None = None

    @property
    def date(self) -> date | None:
        """The preferred full reading."""
        return self.dates[0] if self.dates else None

    @property
    def ambiguous(self) -> bool:
        return len(self.dates) > 1

    @property
    def valid(self) -> bool:
        return self.error is None and (bool(self.dates) or self.year is not None)

    def message(self, locale: str = "en") -> str | None:
        return _message(self.error, locale, self.raw)


_HINTS = {
    "dmy": "dmy",
    "mx": "dmy",
    "mex": "dmy",
    "mdy": "mdy",
    "us": "mdy",
    "usa": "mdy",
    "ymd": "ymd",
    "iso": "ymd",
}


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= date.today().year else 1900
    return year


def _checked(raw: str, readings: list[tuple[int, int, int]]) -> BirthDate:
    found: list[date] = []
    for year, month_number, day in readings:
        try:
            candidate = date(year, month_number, day)
        except ValueError:
            continue
        if candidate not in found:
            found.append(candidate)
    if not found:
        return BirthDate(raw, error=E_DATE_INVALID)
    today = date.today()
    kept = [d for d in found if d <= today and d.year >= 1880]
    if not kept:
        return BirthDate(raw, error=E_DATE_FUTURE if found[0] > today else E_DATE_OLD)
    first = kept[0]
    month = first.month if all(d.month == first.month for d in kept) else None
    return BirthDate(raw, tuple(kept), first.year, month)


@lru_cache(maxsize=65536)
def parse_birth_date(value: str | None, *, hint: str | None = None) -> BirthDate:
    """Read a birth date: ISO (also "1985" and "1985-03"), DD/MM/YYYY (Mexico), MM/DD/YYYY
    (U.S.), YYYYMMDD, "7 mar 1985", "March 7, 1985". When day and month can be read both
    ways, both readings are kept, the `hint`'s first ("mx"/"dmy" or "us"/"mdy"); never raises."""
    raw = (value or "").strip()
    if not raw:
        return BirthDate(raw, error=E_EMPTY)
    order = _HINTS.get((hint or "").strip().lower(), "dmy")
    text = raw.lower()
    iso = _ISO.match(text)
    if iso:
        year_text, month_text, day_text = iso.groups()
        if day_text:
            return _checked(raw, [(int(year_text), int(month_text), int(day_text))])
        month = int(month_text) if month_text else None
        if not 1880 <= int(year_text) <= date.today().year or not 1 <= (month or 1) <= 12:
            return BirthDate(raw, error=E_DATE_INVALID)
        return BirthDate(raw, (), int(year_text), month)
    if _COMPACT8.match(text):
        if text.startswith(("18", "19", "20")):
            as_ymd = _checked(raw, [(int(text[:4]), int(text[4:6]), int(text[6:]))])
            if as_ymd.error is None:
                return as_ymd
        a, b, year = int(text[:2]), int(text[2:4]), int(text[4:])
        if order == "mdy":
            return _checked(raw, [(year, a, b), (year, b, a)])
        return _checked(raw, [(year, b, a), (year, a, b)])
    numeric = _NUMERIC.match(text)
    if numeric:
        a, b, year = int(numeric[1]), int(numeric[2]), _full_year(numeric[3])
        if order == "mdy":
            return _checked(raw, [(year, a, b), (year, b, a)])
        return _checked(raw, [(year, b, a), (year, a, b)])
    words = _WORDS.findall(text)
    names = [w for w in words if not w.isdigit()]
    numbers = [w for w in words if w.isdigit()]
    months = [_MONTHS[w] for w in names if w in _MONTHS]
    if len(months) == 1 and len(numbers) == 2:
        day_text, year_text = numbers if len(numbers[1]) >= len(numbers[0]) else numbers[::-1]
        if len(day_text) <= 2:
            return _checked(raw, [(_full_year(year_text), months[0], int(day_text))])
    return BirthDate(raw, error=E_DATE_INVALID)
