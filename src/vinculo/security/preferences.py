"""An account's preferences: its language and the time zone dates and times are shown in.

Time zones are IANA names, checked against the zone database Python ships (`zoneinfo`, with
the `tzdata` package where the system has none). A new account gets its nation's usual zone.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from vinculo import vocab
from vinculo.errors import InvalidInput
from vinculo.i18n import N_

LOCALES = ("en", "es")
# A nation's usual zone is in vocab/nations.yml; a nation it does not name gets UTC.
FALLBACK_TIME_ZONE = "UTC"
# The regions of canonical zone names (the old aliases, "US/Arizona", "Canada/Mountain", are
# left out of the list: each names a zone listed under its region).
REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
# The zones of the nations taking part, offered first on the account page.
COMMON_TIME_ZONES = (
    "America/Mexico_City",
    "America/Tijuana",
    "America/Hermosillo",
    "America/Chihuahua",
    "America/Ciudad_Juarez",
    "America/Monterrey",
    "America/Matamoros",
    "America/Mazatlan",
    "America/Cancun",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Guatemala",
    "UTC",
)


def default_time_zone(nation: str | None) -> str:
    return vocab.nation_time_zone(nation) or FALLBACK_TIME_ZONE


@cache
def time_zones() -> tuple[str, ...]:
    """Every zone name the zone database knows, the nations' own first."""
    known = available_timezones() | {"UTC"}
    common = [z for z in COMMON_TIME_ZONES if z in known]
    rest = sorted(z for z in known if z not in common and z.split("/")[0] in REGIONS)
    return (*common, *rest)


def check_time_zone(value: str) -> str:
    """The zone named, or InvalidInput naming the field `time_zone`."""
    name = value.strip()
    if name not in time_zones():
        raise InvalidInput(
            N_("unknown time zone {value}; choose one from the list, such as America/Phoenix"),
            field="time_zone",
            value=name[:64],
        )
    ZoneInfo(name)  # present in the database, not only in its list
    return name


def check_locale(value: str) -> str:
    if value not in LOCALES:
        raise InvalidInput(
            N_("unknown language {value}; choose English or Spanish"),
            field="locale",
            value=value[:8],
        )
    return value
