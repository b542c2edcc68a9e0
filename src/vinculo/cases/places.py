"""Where and when a planned operation happens: its place's time zone, local times read in
that zone, the great-circle distance between places and the grid cells a place covers.

Distances are computed here with the haversine formula rather than through a geodesy
library: the check asks only whether two circles of at most MAX_RADIUS_M metres meet, and
on the sphere the formula's error against the ellipsoid is under 0.5 %, i.e. at most a few
hundred metres at the largest radii allowed — far below the precision with which an
operation's radius is given. A library (pyproj, geographiclib) would add a dependency for no
change in any answer.
"""

from __future__ import annotations

import atexit
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# An operation covers a building, a block or a stretch of road; a circle wider than this
# would overlap every other operation in a state and is taken for a typing error.
MAX_RADIUS_M = 50_000
# The grid a place is indexed by: cells of CELL_DEG x CELL_DEG degrees (about 55 km of
# latitude), larger than the widest circle, so a circle covers at most a few cells and a
# check reads only the operations registered in those. The same cells, hashed with a UTC day
# under a sharing agreement's key, are what a partner node is sent (operation_pointers.py).
CELL_DEG = 0.5
LON_CELLS = int(360 / CELL_DEG)


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    radius_m: float


def check_place(latitude: float, longitude: float, radius_m: float) -> list[InvalidInput]:
    """What is impossible about a place, each naming its field (none: a possible place)."""
    errors = []
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors.append(
            InvalidInput(
                N_("a latitude lies between -90 and 90, not {value}"),
                field="latitude",
                value=latitude,
            )
        )
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors.append(
            InvalidInput(
                N_("a longitude lies between -180 and 180, not {value}"),
                field="longitude",
                value=longitude,
            )
        )
    if not (math.isfinite(radius_m) and 0 < radius_m <= MAX_RADIUS_M):
        errors.append(
            InvalidInput(
                N_("give a radius above 0 and at most {most} metres, not {value}"),
                field="radius_m",
                value=radius_m,
                most=MAX_RADIUS_M,
            )
        )
    return errors


@cache
def _finder() -> object:
    # Loaded once per process (about 0.2 s): the polygons are read from the package's own
    # files, never fetched, and mapped rather than copied into memory; the files are closed
    # when the process ends.
    from timezonefinder import TimezoneFinder

    finder = TimezoneFinder()
    atexit.register(finder.cleanup)
    return finder


def zone_at(latitude: float, longitude: float) -> str:
    """The IANA time zone of a place on land (or in territorial waters), else InvalidInput:
    the open sea has only nautical zones (Etc/GMT+7), in which nobody plans a raid."""
    from timezonefinder import TimezoneFinder

    finder = _finder()
    assert isinstance(finder, TimezoneFinder)
    name = finder.timezone_at(lat=latitude, lng=longitude)
    if not name or name.startswith("Etc/"):
        raise InvalidInput(
            N_("the place {latitude}, {longitude} is at sea: no time zone is known there"),
            field="latitude",
            latitude=latitude,
            longitude=longitude,
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            N_("the time zone {value} of this place is not known on this server"),
            field="latitude",
            value=name,
        ) from None
    return name


def parse_local(text: str, zone: str, field: str) -> datetime:
    """A wall-clock time at the place ("2027-03-14T06:00") as a naive UTC datetime.

    A time the clocks skip when daylight saving starts does not exist there and is refused;
    one they pass twice when it ends is taken at its first passing (fold=0), as a watch
    officer reading "01:30" that night would first meet it. A time written with an offset
    is taken as that moment.
    """
    try:
        given = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            N_("give a date and time such as 2027-03-14T06:00, not {value}"),
            field=field,
            value=text,
        ) from None
    if given.tzinfo is not None:
        return given.astimezone(UTC).replace(tzinfo=None)
    place = ZoneInfo(zone)
    aware = given.replace(tzinfo=place, fold=0)
    back = aware.astimezone(UTC).astimezone(place).replace(tzinfo=None)
    if back != given:
        raise InvalidInput(
            N_("{value} does not exist in {zone}: the clocks skip it (daylight saving time)"),
            field=field,
            value=given.isoformat(timespec="minutes"),
            zone=zone,
        )
    return aware.astimezone(UTC).replace(tzinfo=None)


def local_in(moment: datetime, zone: str) -> datetime:
    """A stored moment (naive UTC) as the wall-clock time in `zone`."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; see the module's note on its error)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def meet(a: Place, b: Place) -> bool:
    """Whether two circles share any ground: centres no farther apart than the radii."""
    return distance_m(a.latitude, a.longitude, b.latitude, b.longitude) <= a.radius_m + b.radius_m


def bounds(place: Place) -> tuple[float, float, float, float]:
    """A box holding the circle: (south, north, west, east) in degrees; west > east when it
    crosses the antimeridian. Slightly generous, never short."""
    dlat = math.degrees(place.radius_m / EARTH_RADIUS_M) * 1.01
    south, north = max(-90.0, place.latitude - dlat), min(90.0, place.latitude + dlat)
    widest = max(abs(south), abs(north))
    if widest >= 89.9:
        return south, north, -180.0, 180.0
    dlon = dlat / math.cos(math.radians(widest))
    if dlon >= 180:
        return south, north, -180.0, 180.0
    west, east = place.longitude - dlon, place.longitude + dlon
    if west < -180:
        west += 360
    if east > 180:
        east -= 360
    return south, north, west, east


def _lat_index(lat: float) -> int:
    return min(int((lat + 90) // CELL_DEG), int(180 / CELL_DEG) - 1)


def _lon_index(lon: float) -> int:
    return int((lon + 180) // CELL_DEG) % LON_CELLS


def cells(place: Place) -> list[str]:
    """The grid cells ("row:col") the circle's box touches. Two circles that meet share a
    point, which lies in a cell both touch, so a check need read only these cells."""
    south, north, west, east = bounds(place)
    rows = range(_lat_index(south), _lat_index(north) + 1)
    first, last = _lon_index(west), _lon_index(east)
    if west == -180.0 and east == 180.0:
        cols = list(range(LON_CELLS))
    elif first <= last:
        cols = list(range(first, last + 1))
    else:  # across the antimeridian
        cols = [*range(first, LON_CELLS), *range(0, last + 1)]
    return [f"{r}:{c}" for r in rows for c in cols]
