"""The demo's word lists, places and accounts, read from the YAML files in `demo/data/`.

The files hold what a story can be made of (names, cities, ports, companies, goods) and who
writes the reports; the code in `world.py` and `stories/` holds how a story draws from them.
Each text a report may show comes in English and Spanish (`en`, `es`, and `es_feminine` where
Spanish agrees with a gender). Order matters: the generator draws by position, so reordering a
list changes the demo (tests/demo/test_fingerprint.py notices).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

from vinculo import vocab
from vinculo.demo.shapes import Bilingual, GroupSpec, UserSpec


@cache
def read(name: str) -> Any:
    """One data file, parsed (`name` without its `.yml`, "stories/drugs" for one in a folder)."""
    path = resources.files("vinculo.demo").joinpath("data", *f"{name}.yml".split("/"))
    return yaml.safe_load(path.read_text("utf-8"))


def _pairs(items: list[dict[str, str]]) -> list[Bilingual]:
    return [(item["en"], item["es"]) for item in items]


def _gendered(items: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """English, Spanish for a man (or a masculine noun), Spanish for a woman."""
    return [(item["en"], item["es"], item["es_feminine"]) for item in items]


class MexicanCity(NamedTuple):
    state: str
    curp_state: str
    area_code: str
    latitude: float
    longitude: float
    postcode: str


class UsCity(NamedTuple):
    state: str
    abbreviation: str
    area_code: str
    latitude: float
    longitude: float
    zip_prefix: str


class PortOfEntry(NamedTuple):
    """A land port; entry is modelled on the U.S. side, where the inspection happens."""

    name: str
    full: str
    city: str
    state: str
    postcode: str
    latitude: float
    longitude: float
    en: str  # how a sentence names it in English
    es: str  # and in Spanish


class CriminalGroup(NamedTuple):
    name: str
    alias: str
    home: str


class VehicleKind(NamedTuple):
    en: str
    es: str
    es_feminine: bool  # whether the Spanish noun is feminine
    models: list[str]


_people = read("people")
MEXICAN_MEN: list[str] = _people["mexico"]["male_given"]
MEXICAN_WOMEN: list[str] = _people["mexico"]["female_given"]
MEXICAN_SURNAMES: list[str] = _people["mexico"]["surnames"]
AMERICAN_MEN: list[str] = _people["united_states"]["male_given"]
AMERICAN_WOMEN: list[str] = _people["united_states"]["female_given"]
AMERICAN_SURNAMES: list[str] = _people["united_states"]["surnames"]
CHINESE_SURNAMES: list[str] = _people["china"]["surnames"]
CHINESE_GIVEN: list[str] = _people["china"]["given"]
NICKNAMES_MEN: list[str] = _people["nicknames"]["mexico_male"]
NICKNAMES_WOMEN: list[str] = _people["nicknames"]["mexico_female"]
NICKNAMES_AMERICAN: list[str] = _people["nicknames"]["united_states"]

_places = read("places")
MEXICAN_CITIES = {name: MexicanCity(**row) for name, row in _places["mexican_cities"].items()}
US_CITIES = {name: UsCity(**row) for name, row in _places["united_states_cities"].items()}
LAB_TOWNS: list[str] = _places["lab_towns"]
MEXICAN_BORDER_TOWNS: list[str] = _places["border_towns_mexico"]
TRAFFICKER_HOMES: list[str] = _places["trafficker_homes"]
US_BORDER_CITIES: list[str] = _places["united_states_border"]
US_STASH_CITIES: list[str] = _places["united_states_stash"]
US_MARKETS: list[str] = _places["united_states_markets"]
US_ARMS_CITIES: list[str] = _places["united_states_arms"]
MEXICAN_STREETS: list[str] = _places["mexican_streets"]
MEXICAN_NEIGHBOURHOODS: list[str] = _places["mexican_neighbourhoods"]
LAB_SITES: list[str] = _places["lab_sites"]
VILLAGES: list[str] = _places["villages"]
US_STREETS: list[str] = _places["united_states_streets"]
PORTS_OF_ENTRY = [PortOfEntry(**row) for row in _places["ports_of_entry"]]
SEAPORTS: list[str] = _places["seaports"]

_organisations = read("organisations")
CARTEL_CELLS = [CriminalGroup(**row) for row in _organisations["cartel_cells"]]
SMUGGLING_RINGS = [CriminalGroup(**row) for row in _organisations["smuggling_rings"]]
US_CELLS = [CriminalGroup(**row) for row in _organisations["united_states_cells"]]
CHEMICAL_SUPPLIERS: dict[str, dict[str, Any]] = _organisations["chemical_suppliers"]
MEXICAN_COMPANIES: dict[str, Any] = _organisations["mexican_companies"]
US_COMPANIES: dict[str, Any] = _organisations["united_states_companies"]
BANKS: dict[str, list[str]] = _organisations["banks"]  # by country code

_goods = read("goods")
CHEMICALS = _pairs(_goods["chemicals"])
DECLARED_AS = _pairs(_goods["declared_as"])
HIDING_PLACES = _pairs(_goods["hiding_places"])
ORIGINS = _pairs(_goods["origins"])
SMUGGLING_ROUTES = _pairs(_goods["smuggling_routes"])
HIGHWAYS = _pairs(_goods["highways"])
PAYMENT_PURPOSES = _pairs(_goods["payment_purposes"])
TRAFFICKER_ROLES = _pairs(_goods["trafficker_roles"])
RING_ROLES = _pairs(_goods["ring_roles"])
MALE_RELATIVES = _pairs(_goods["male_relatives"])  # what a man is to the person
FEMALE_RELATIVES = _pairs(_goods["female_relatives"])
ASSOCIATES = _gendered(_goods["associates"])
COLOURS = _gendered(_goods["colours"])
VEHICLES = {kind: VehicleKind(**row) for kind, row in _goods["vehicles"].items()}
MONTHS: dict[str, list[str]] = _goods["months"]
# What each agency calls its own people in a report, and itself in a press release.
OWN_PEOPLE = {agency: (row["en"], row["es"]) for agency, row in _goods["own_people"].items()}
PRESS_NAMES = {agency: (row["en"], row["es"]) for agency, row in _goods["press_names"].items()}
# The article the Spanish suspicion sentence puts before each predicate's label.
PREDICATE_ARTICLES: dict[str, str] = _goods["predicate_articles"]

_accounts = read("accounts")
GROUPS = [GroupSpec(row["code"], row["en"], row["es"]) for row in _accounts["groups"]]
# The groups the drawn reports may be filed for; the others have written-out stories only.
DRAWN_GROUPS = [row["code"] for row in _accounts["groups"] if row.get("drawn", True)]
USERS = [
    UserSpec(
        username=row["username"],
        display_name=row["display_name"],
        agency=row["agency"],
        roles=tuple(row["roles"]),
        groups=tuple(row["groups"]),
        locale=row["locale"],
    )
    for row in _accounts["users"]
]
# Who writes reports for each agency, and how often each agency writes.
AUTHORS: dict[str, list[str]] = _accounts["authors"]
AGENCY_WEIGHTS: dict[str, int] = _accounts["agency_weights"]
RED_RECIPIENTS: list[str] = _accounts["red_recipients"]  # who a TLP:RED item may be given to
MARKING_TIERS: dict[str, int] = _accounts["marking_tiers"]


def _check_agencies() -> None:
    """Every agency the data names is one of vocab/agencies.yml's."""
    known = set(vocab.agencies().codes())
    named = {u.agency for u in USERS} | set(AUTHORS) | set(AGENCY_WEIGHTS)
    named |= set(OWN_PEOPLE) | set(PRESS_NAMES)
    unknown = sorted(named - known)
    if unknown:
        raise ValueError(f"demo/data names agencies not in vocab/agencies.yml: {unknown}")


_check_agencies()
