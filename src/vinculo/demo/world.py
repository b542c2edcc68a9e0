"""The demo's world: every invented person, organisation, place, vehicle and account, with a
full profile, drawn from the lists in demo/data/ as the stories ask for them. Each report asserts
a part of a profile (draft.py); people recur across reports and nations."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Container
from datetime import date, timedelta

from vinculo.demo.catalogue import (
    AMERICAN_MEN,
    AMERICAN_SURNAMES,
    AMERICAN_WOMEN,
    BANKS,
    CARTEL_CELLS,
    CHEMICAL_SUPPLIERS,
    CHINESE_GIVEN,
    CHINESE_SURNAMES,
    COLOURS,
    MEXICAN_CITIES,
    MEXICAN_COMPANIES,
    MEXICAN_MEN,
    MEXICAN_NEIGHBOURHOODS,
    MEXICAN_STREETS,
    MEXICAN_SURNAMES,
    MEXICAN_WOMEN,
    NICKNAMES_AMERICAN,
    NICKNAMES_MEN,
    NICKNAMES_WOMEN,
    PORTS_OF_ENTRY,
    SEAPORTS,
    SMUGGLING_RINGS,
    TRAFFICKER_HOMES,
    US_BORDER_CITIES,
    US_CELLS,
    US_CITIES,
    US_COMPANIES,
    US_MARKETS,
    US_STREETS,
    VEHICLES,
    VILLAGES,
)
from vinculo.demo.identifiers import clabe, demo_curp, iban, plain_upper
from vinculo.demo.profile import ID_PREFIXES, Profile


def day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


class World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[str, int] = {}
        self.pools: dict[str, list[Profile]] = {}
        self.names: set[str] = {"José Ángel García López"}
        self.duplicates: list[tuple[str, str]] = []
        self.ports = [self._port(p) for p in PORTS_OF_ENTRY]
        self.seaports = {c: self._seaport(c) for c in SEAPORTS}
        self.cells = [self._org(n, a, c, "mx", "cell") for n, a, c in CARTEL_CELLS]
        self.rings = [self._org(n, a, c, "mx", "ring") for n, a, c in SMUGGLING_RINGS]
        self.us_cells = [self._org(n, a, c, "us", "uscell") for n, a, c in US_CELLS]

    # ids and pools

    def new(self, schema: str, kind: str, props: dict[str, list[str]], name: str) -> Profile:
        prefix = ID_PREFIXES[schema]
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        ent = Profile(f"{prefix}-{self.counters[prefix]:04d}", schema, kind, props, name)
        self.pools.setdefault(kind, []).append(ent)
        return ent

    def pick_or_new(
        self, kind: str, reuse: float, make: Callable[[], Profile], asserted: Container[str]
    ) -> Profile:
        """Someone or something of `kind` already in the world (not among the ids a report
        already `asserted`), with chance `reuse`; else a new one."""
        pool = [e for e in self.pools.get(kind, []) if e.id not in asserted]
        if pool and self.rng.random() < reuse:
            return self.rng.choice(pool)
        return make()

    # fixed entities

    def _port(self, p: tuple[str, str, str, str, str, float, float, str, str]) -> Profile:
        name, full, city, state, postcode, lat, lon, en, es = p
        props = {
            "name": [name],
            "full": [full],
            "city": [city],
            "state": [state],
            "postalCode": [postcode],
            "country": ["us"],
            "latitude": [f"{lat:.4f}"],
            "longitude": [f"{lon:.4f}"],
        }
        ent = self.new("Address", "port", props, name)
        ent.en, ent.es, ent.city = en, es, city
        return ent

    def _seaport(self, city: str) -> Profile:
        state, _c, _a, lat, lon, postcode = MEXICAN_CITIES[city]
        name = f"Puerto de {city}"
        full = f"Recinto portuario, {city}, {state}, C.P. {postcode}, México"
        props = {
            "name": [name],
            "full": [full],
            "city": [city],
            "state": [state],
            "postalCode": [postcode],
            "country": ["mx"],
            "latitude": [f"{lat:.4f}"],
            "longitude": [f"{lon:.4f}"],
        }
        ent = self.new("Address", "seaport", props, name)
        ent.en, ent.es, ent.city = f"the port of {city}", f"el puerto de {city}", city
        return ent

    def _org(self, name: str, alias: str, city: str, country: str, kind: str) -> Profile:
        props = {"name": [name], "country": [country]}
        if alias:
            props["alias"] = [alias]
        ent = self.new("Organization", kind, props, name)
        ent.city = city
        return ent

    # people

    def _unique(self, make: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        for _ in range(200):
            parts = make()
            if parts[0] not in self.names:
                self.names.add(parts[0])
                return parts
        raise RuntimeError("ran out of names")  # pragma: no cover

    def mx_person(
        self,
        kind: str,
        *,
        home: str | None = None,
        nationality: str = "mx",
        first: str | None = None,
        father: str | None = None,
        mother: str | None = None,
        gender: str | None = None,
        alias: str | None = None,
        born: date | None = None,
        alias_p: float = 0.4,
    ) -> Profile:
        rng = self.rng
        sex = gender or ("female" if rng.random() < 0.22 else "male")
        names = MEXICAN_WOMEN if sex == "female" else MEXICAN_MEN

        def make() -> tuple[str, ...]:
            f = first or rng.choice(names)
            p = father or rng.choice(MEXICAN_SURNAMES)
            m = mother or rng.choice([s for s in MEXICAN_SURNAMES if s != p])
            return f"{f} {p} {m}", f, p, m

        if first and father and mother:
            full, f, p, m = f"{first} {father} {mother}", first, father, mother
        else:
            full, f, p, m = self._unique(make)
        home = home or rng.choice(TRAFFICKER_HOMES)
        born = born or day_between(rng, date(1962, 1, 1), date(2003, 12, 31))
        props: dict[str, list[str]] = {
            "name": [full],
            "firstName": [f],
            "fatherName": [p],
            "motherName": [m],
            "lastName": [f"{p} {m}"],
            "gender": [sex],
            "birthDate": [born.isoformat()],
            "nationality": [nationality],
        }
        state, code, area = (
            MEXICAN_CITIES[home][:3] if home in MEXICAN_CITIES else ("", "NE", "662")
        )
        if nationality == "mx":
            sx = "M" if sex == "female" else "H"
            props["idNumber"] = [demo_curp(f, p, m, born, sx, code, rng.randint(0, 9))]
            rest = 9 - len(area)
            line = f"{rng.randint(2, 9)}{rng.randrange(10**rest):0{rest}d}"
            props["phone"] = [f"+52{area}{line}"]
            props["birthPlace"] = [f"{home}, {state}"]
        elif nationality == "gt":
            props["idNumber"] = [f"{rng.randrange(10**12, 10**13)}"]
        elif nationality == "hn":
            props["idNumber"] = [
                f"0{rng.randint(101, 999)}-{born.year}-{rng.randint(10000, 99999)}"
            ]
        elif nationality == "sv":
            props["idNumber"] = [f"{rng.randint(10**7, 10**8 - 1):08d}-{rng.randint(0, 9)}"]
        if rng.random() < 0.12 and nationality == "mx":
            head = props["idNumber"][0][:4]
            hc = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(3))
            props["taxNumber"] = [f"{head}{born:%y%m%d}{hc}"]
        nick = alias
        if nick is None and rng.random() < alias_p:
            nick = rng.choice(NICKNAMES_WOMEN if sex == "female" else NICKNAMES_MEN)
        if nick:
            props["alias"] = [nick]
        ent = self.new("Person", kind, props, full)
        ent.city = home
        return ent

    def us_person(self, kind: str, *, home: str | None = None, alias_p: float = 0.2) -> Profile:
        rng = self.rng
        sex = "female" if rng.random() < 0.3 else "male"

        def make() -> tuple[str, ...]:
            f = rng.choice(AMERICAN_WOMEN if sex == "female" else AMERICAN_MEN)
            last = rng.choice(AMERICAN_SURNAMES)
            if rng.random() < 0.25:
                middle = rng.choice("ABCDEJKLMRST")
                return f"{f} {middle}. {last}", f, last
            return f"{f} {last}", f, last

        full, f, last = self._unique(make)
        home = home or rng.choice(US_MARKETS)
        _state, st, area = US_CITIES[home][:3]
        born = day_between(rng, date(1965, 1, 1), date(2004, 12, 31))
        if st == "AZ":
            dl = f"D{rng.randrange(10**7, 10**8)}"
        elif st == "CA":
            dl = f"{rng.choice('ABCDEFGHJKLMNPRSTVWY')}{rng.randrange(10**6, 10**7)}"
        else:
            dl = f"{rng.randrange(10**7, 10**8)}"
        props: dict[str, list[str]] = {
            "name": [full],
            "firstName": [f],
            "lastName": [last],
            "gender": [sex],
            "birthDate": [born.isoformat()],
            "nationality": ["us"],
            "idNumber": [dl],
            "phone": [f"+1{area}{rng.randint(2, 9)}{rng.randrange(10**6):06d}"],
        }
        if rng.random() < alias_p:
            props["alias"] = [rng.choice(NICKNAMES_AMERICAN)]
        ent = self.new("Person", kind, props, full)
        ent.city = home
        return ent

    def cn_person(self) -> Profile:
        rng = self.rng

        def make() -> tuple[str, ...]:
            s, g = rng.choice(CHINESE_SURNAMES), rng.choice(CHINESE_GIVEN)
            return f"{s} {g}", g, s

        full, given, surname = self._unique(make)
        born = day_between(rng, date(1968, 1, 1), date(1995, 12, 31))
        props = {
            "name": [full],
            "firstName": [given],
            "lastName": [surname],
            "nationality": ["cn"],
            "birthDate": [born.isoformat()],
        }
        return self.new("Person", "broker", props, full)

    def duplicate_of(self, p: Profile) -> Profile:
        """The same human recorded again, under a new id and a U.S. spelling of the name."""
        props = p.props
        first = props["firstName"][0]
        style = len(self.duplicates) % 3
        plain = unicodedata.normalize("NFD", p.name)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        if style == 0:
            name = plain
        elif style == 1:
            f0 = plain_upper(first).title().split()
            given = f"{f0[0]} {f0[1][0]}." if len(f0) > 1 else f0[0]
            name = f"{given} {plain_upper(props['fatherName'][0]).title()}"
        else:
            pat, mat = plain_upper(props["fatherName"][0]), plain_upper(props["motherName"][0])
            name = f"{plain_upper(first).title()} {pat.title()}-{mat.title()}"
        dup_props = {"name": [name], "birthDate": props["birthDate"], "nationality": ["mx"]}
        if "alias" in props:
            dup_props["alias"] = props["alias"]
        dup = self.new("Person", p.kind, dup_props, name)
        dup.city = p.city
        self.duplicates.append((p.id, dup.id))
        return dup

    # organisations, places, things

    def supplier(self) -> Profile:
        rng = self.rng
        if rng.random() < 0.75:
            china = CHEMICAL_SUPPLIERS["china"]
            place = rng.choice(china["cities"])
            city, province, region = place["city"], place["province"], place["region"]
            core = rng.choice(china["cores"])
            trade = rng.choice(china["trades"])
            name = f"{city} {core} {trade} Co., Ltd."
            allowed = "0123456789ABCDEFGHJKLMNPQRTUWXY"
            reg = "91" + region + "".join(rng.choice(allowed) for _ in range(10))
            country, address = "cn", f"{city}, {province}, China"
        else:
            india = CHEMICAL_SUPPLIERS["india"]
            place = rng.choice(india["cities"])
            city, state = place["city"], place["state"]
            core = rng.choice(india["cores"])
            name = f"{core} {rng.choice(india['trades'])} Pvt. Ltd."
            year = rng.randint(2009, 2020)
            reg = f"U24100{state}{year}PTC{rng.randrange(100000, 999999)}"
            country, address = "in", f"{city}, India"
        if name in self.names:
            name = name.replace(" Co., Ltd.", " Import & Export Co., Ltd.")
        self.names.add(name)
        inc = day_between(rng, date(2008, 1, 1), date(2022, 12, 31))
        props = {
            "name": [name],
            "jurisdiction": [country],
            "country": [country],
            "registrationNumber": [reg],
            "incorporationDate": [inc.isoformat()],
            "address": [address],
        }
        ent = self.new("Company", "supplier", props, name)
        ent.city = city
        return ent

    def mx_company(self, kind: str, home: str | None = None) -> Profile:
        rng = self.rng
        home = home or rng.choice(
            [*TRAFFICKER_HOMES, "Guadalajara", "Ciudad de México", "Monterrey"]
        )
        state = MEXICAN_CITIES[home][0]
        words = MEXICAN_COMPANIES
        places, heads, forms = words["places"], words["heads"], words["forms"]
        for _ in range(100):
            name = f"{rng.choice(heads[kind])} {rng.choice(places)}, {rng.choice(forms)}"
            if name not in self.names:
                break
        self.names.add(name)
        inc = day_between(rng, date(2006, 1, 1), date(2024, 6, 30))
        initials = [w[0] for w in plain_upper(name.split(",")[0]).split() if len(w) > 2]
        rfc = ("".join(initials) + "XXX")[:3]
        hc = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(3))
        props = {
            "name": [name],
            "jurisdiction": ["mx"],
            "country": ["mx"],
            "taxNumber": [f"{rfc}{inc:%y%m%d}{hc}"],
            "registrationNumber": [f"N-{inc.year}{rng.randrange(100000, 999999)}"],
            "incorporationDate": [inc.isoformat()],
            "address": [f"{rng.choice(MEXICAN_STREETS)} {rng.randint(10, 3999)}, {home}, {state}"],
        }
        ent = self.new("Company", kind, props, name)
        ent.city = home
        return ent

    def us_company(self, kind: str, home: str | None = None) -> Profile:
        rng = self.rng
        home = home or rng.choice([*US_BORDER_CITIES, "Houston", "Los Angeles", "Dallas"])
        _state, st = US_CITIES[home][:2]
        cores, tails = US_COMPANIES["cores"], US_COMPANIES["tails"]
        for _ in range(100):
            name = f"{rng.choice(cores)} {rng.choice(tails[kind])}"
            if name not in self.names:
                break
        self.names.add(name)
        inc = day_between(rng, date(2009, 1, 1), date(2024, 6, 30))
        num = rng.randint(100, 9999)
        props = {
            "name": [name],
            "jurisdiction": ["us"],
            "country": ["us"],
            "registrationNumber": [f"{st}-{rng.randrange(10**7, 10**8)}"],
            "taxNumber": [f"{rng.randint(20, 88)}-{rng.randrange(10**6, 10**7)}"],
            "incorporationDate": [inc.isoformat()],
            "address": [f"{num} {rng.choice(US_STREETS)}, {home}, {st}"],
        }
        ent = self.new("Company", "us_" + kind, props, name)
        ent.city = home
        return ent

    def mx_address(self, city: str, *, site: str | None = None, kind: str = "mx_addr") -> Profile:
        rng = self.rng
        state, _c, _a, lat, lon, postcode = MEXICAN_CITIES[city]
        props: dict[str, list[str]]
        if site:
            village = rng.choice(VILLAGES)
            full = f"{site}, camino a {village} km {rng.randint(3, 48)}, {city}, {state}, México"
            props = {"name": [site], "full": [full]}
            en, es = f"{site} near {city}, {state}", f"{site}, municipio de {city}, {state}"
            jitter = 0.25
        else:
            street = f"{rng.choice(MEXICAN_STREETS)} {rng.randint(10, 3999)}"
            colonia = rng.choice(MEXICAN_NEIGHBOURHOODS)
            full = f"{street}, Col. {colonia}, {city}, {state}, C.P. {postcode}, México"
            props = {"full": [full], "street": [street], "postalCode": [postcode]}
            en = es = f"{street}, Col. {colonia}, {city}"
            jitter = 0.04
        props.update(
            {
                "city": [city],
                "state": [state],
                "country": ["mx"],
                "latitude": [f"{lat + rng.uniform(-jitter, jitter):.4f}"],
                "longitude": [f"{lon + rng.uniform(-jitter, jitter):.4f}"],
            }
        )
        ent = self.new("Address", kind, props, full)
        ent.en, ent.es, ent.city = en, es, city
        return ent

    def us_address(self, city: str, kind: str = "us_addr") -> Profile:
        rng = self.rng
        state, st, _a, lat, lon, zp = US_CITIES[city]
        street = f"{rng.randint(100, 9899)} {rng.choice(US_STREETS)}"
        postcode = f"{zp}{rng.randint(0, 99):02d}"
        full = f"{street}, {city}, {st} {postcode}"
        props = {
            "full": [full],
            "street": [street],
            "city": [city],
            "state": [state],
            "postalCode": [postcode],
            "country": ["us"],
            "latitude": [f"{lat + rng.uniform(-0.08, 0.08):.4f}"],
            "longitude": [f"{lon + rng.uniform(-0.08, 0.08):.4f}"],
        }
        ent = self.new("Address", kind, props, full)
        ent.en = ent.es = f"{street}, {city}, {st}"
        ent.city = city
        return ent

    def vehicle(self, country: str, kind: str) -> Profile:
        rng = self.rng
        noun_en, noun_es, fem, models = VEHICLES[kind]
        model = rng.choice(models)
        year = rng.randint(2008, 2024)
        colour_en, col_m, col_f = rng.choice(COLOURS)
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        if country == "mx" and kind == "truck":
            plate = f"{rng.randint(10, 99)}-{rng.choice(letters)}{rng.choice(letters)}-"
            plate += f"{rng.randint(1, 9)}{rng.choice(letters)}"
        elif country == "mx":
            plate = "".join(rng.choice(letters) for _ in range(3))
            plate += f"-{rng.randint(100, 999)}-{rng.choice(letters)}"
        else:
            plate = "".join(rng.choice(letters) for _ in range(3)) + f"{rng.randint(1000, 9999)}"
        name = f"{model} {year} — {plate}"
        props = {
            "name": [name],
            "registrationNumber": [plate],
            "model": [model],
            "type": [noun_en],
            "buildDate": [str(year)],
            "country": [country],
        }
        ent = self.new("Vehicle", "vehicle", props, name)
        ent.en = f"a {colour_en} {year} {model} {noun_en} (plates {plate})"
        art = "una" if fem else "un"
        ent.es = f"{art} {noun_es} {model} {year} {col_f if fem else col_m} (placas {plate})"
        return ent

    def account(self, country: str) -> Profile:
        rng = self.rng
        props: dict[str, list[str]] = {"country": [country]}
        if country == "mx":
            bank = rng.choice(BANKS["mx"])
            props["accountNumber"] = [clabe(rng, f"{rng.choice([12, 14, 21, 30, 36, 44, 72])}")]
            props["currency"] = [rng.choice(["MXN", "MXN", "USD"])]
        elif country == "us":
            bank = rng.choice(BANKS["us"])
            props["accountNumber"] = [f"{rng.randrange(10**9, 10**12)}"]
            props["currency"] = ["USD"]
        elif country == "hk":
            bank = rng.choice(BANKS["hk"])
            num = f"{rng.randint(100, 999)}-{rng.randrange(100000, 999999)}-{rng.randint(100, 999)}"
            props["accountNumber"] = [num]
            props["currency"] = ["USD"]
        elif country == "in":
            bank = rng.choice(BANKS["in"])
            props["accountNumber"] = [f"{rng.randrange(10**13, 10**14)}"]
            props["currency"] = ["USD"]
        else:
            bank = rng.choice(BANKS[country])
            if country == "gt":
                bban = "".join(rng.choice("ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(4))
                bban += "".join(str(rng.randint(0, 9)) for _ in range(20))
            elif country == "cr":
                bban = "0" + "".join(str(rng.randint(0, 9)) for _ in range(17))
            else:
                bban = "".join(str(rng.randint(0, 9)) for _ in range(20))
            props["iban"] = [iban(country.upper(), bban)]
            props["currency"] = ["USD"]
        props["bankName"] = [bank]
        number = (props.get("iban") or props["accountNumber"])[0]
        ent = self.new("BankAccount", "account", props, f"{bank} {number}")
        ent.en = f"account {number} at {bank}"
        ent.es = f"la cuenta {number} de {bank}"
        return ent
