"""Synthetic people for testing and benchmarking resolution: both sides of the border.

`binational` makes a Mexican agency's records and a U.S. agency's records in FtM form, a
share of them the same people seen from both sides, with the distortions U.S. records
bring (maternal surname dropped, glued, hyphenated or taken as the last name; the second
given name used alone; nicknames; accents and case lost; day and month swapped; old phone
forms; typos), the CURP on the Mexican side only, and decoys that generic linkage takes
for the same person: siblings (same surnames and parents' address, other given names,
close birth dates) and namesakes (same full name, another birth date and place).

`population` makes a large register (a million rows) with duplicates, vectorised, for the
dedupe benchmark. Everything is seeded: the same seed gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from vinculo.resolve.identifiers import make_curp

# Given names U.S. records shorten or translate, with the forms seen.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "José": ("Pepe", "Joe", "Chepe"),
    "Francisco": ("Paco", "Pancho", "Frank"),
    "Guadalupe": ("Lupe",),
    "Jesús": ("Chuy",),
    "Ignacio": ("Nacho",),
    "Alberto": ("Beto",),
    "Roberto": ("Beto", "Bob"),
    "Eduardo": ("Lalo", "Eddie"),
    "Guillermo": ("Memo", "William"),
    "Salvador": ("Chava",),
    "Enrique": ("Kike", "Henry"),
    "Manuel": ("Manolo",),
    "Antonio": ("Toño", "Tony"),
    "Dolores": ("Lola",),
    "Rosario": ("Chayo",),
    "Juan": ("John",),
    "Alejandro": ("Alex",),
    "Refugio": ("Cuca",),
    "Concepción": ("Concha",),
    "Ramón": ("Moncho",),
}
STATES = {
    "Aguascalientes": "AS",
    "Baja California": "BC",
    "Chihuahua": "CH",
    "Ciudad de México": "DF",
    "Coahuila": "CL",
    "Durango": "DG",
    "Guanajuato": "GT",
    "Guerrero": "GR",
    "Jalisco": "JC",
    "México": "MC",
    "Michoacán": "MN",
    "Nuevo León": "NL",
    "Oaxaca": "OC",
    "Puebla": "PL",
    "Sinaloa": "SL",
    "Sonora": "SR",
    "Tamaulipas": "TS",
    "Veracruz": "VZ",
    "Zacatecas": "ZS",
}
_AREA_CODES = ("55", "33", "81", "656", "664", "614", "222", "442", "477", "667")
_US_AREA = ("915", "520", "619", "956", "210", "213", "312", "602", "713", "915")


def _strip_accents(text: str) -> str:
    table = str.maketrans("ÁÉÍÓÚÜÑáéíóúüñ", "AEIOUUNaeiouun")
    return text.translate(table)


def _homoclave(rng: random.Random, born: date) -> str:
    return str(rng.randint(0, 9)) if born.year < 2000 else rng.choice("ABCDEFGH")


@dataclass
class Person:
    """One real person behind the records."""

    key: str
    given: list[str]
    paternal: str
    maternal: str | None
    born: date
    sex: str
    state: str
    city: str
    street: str
    number: str
    postcode: str
    phone_local: str  # ten digits, Mexican
    curp: str
    passport: str | None


@dataclass
class Binational:
    """The two sides of a cross-border link, and which pairs are the same person."""

    left: list[dict[str, Any]]
    right: list[dict[str, Any]]
    truth: set[tuple[str, str]] = field(default_factory=set)


class _Maker:
    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.mx = Faker("es_MX")
        self.mx.seed_instance(seed)
        self.us = Faker("en_US")
        self.us.seed_instance(seed + 1)
        self.count = 0
        male = list(self.mx.provider("faker.providers.person").first_names_male)
        female = list(self.mx.provider("faker.providers.person").first_names_female)
        boost = ["José", "Juan", "Francisco", "Jesús", "Antonio", "Alejandro", "Eduardo"]
        self.male = male + boost * 4 + ["Roberto", "Guillermo", "Salvador", "Ignacio", "Enrique"]
        self.female = female + ["María", "Guadalupe", "Dolores", "Rosario", "Concepción"] * 3
        surnames = list(self.mx.provider("faker.providers.person").last_names)
        # Real surnames are skewed (Hernández, García, Martínez … lead): rank-weighted.
        self.surnames = surnames
        self.surname_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(surnames))]

    def phone(self) -> str:
        area = self.rng.choice(_AREA_CODES)
        return area + "".join(str(self.rng.randrange(10)) for _ in range(10 - len(area)))

    def surname(self) -> str:
        return str(self.rng.choices(self.surnames, self.surname_weights)[0])

    def given(self, sex: str) -> list[str]:
        pool = self.male if sex == "male" else self.female
        first = self.rng.choice(pool)
        if self.rng.random() < 0.45 and " " not in first:
            second = self.rng.choice(pool)
            if second != first and " " not in second:
                return [str(first), str(second)]
        return [str(part) for part in first.split()]

    def person(self, **fixed: Any) -> Person:
        rng = self.rng
        self.count += 1
        sex = fixed.get("sex") or rng.choice(("male", "female"))
        given = fixed.get("given") or self.given(sex)
        paternal = fixed.get("paternal") or self.surname()
        maternal = fixed.get("maternal", "unset")
        if maternal == "unset":
            maternal = self.surname() if rng.random() < 0.97 else None
        born = fixed.get("born") or date(1950, 1, 1) + timedelta(days=rng.randrange(0, 55 * 365))
        state = fixed.get("state") or rng.choice(list(STATES))
        passport = (
            f"{rng.choice('GN')}{rng.randrange(10**7, 10**8)}" if rng.random() < 0.25 else None
        )
        return Person(
            key=f"p{self.count}",
            given=given,
            paternal=paternal,
            maternal=maternal,
            born=born,
            sex=sex,
            state=state,
            city=fixed.get("city") or self.mx.city(),
            street=fixed.get("street") or self.mx.street_name(),
            number=fixed.get("number") or self.mx.building_number(),
            postcode=fixed.get("postcode") or self.mx.postcode(),
            phone_local=fixed.get("phone_local") or self.phone(),
            curp=make_curp(
                given=" ".join(given),
                paternal=paternal,
                maternal=maternal,
                born=born,
                sex="H" if sex == "male" else "M",
                state=STATES.get(state, "NE"),
                homoclave=_homoclave(rng, born),
            ),
            passport=passport,
        )

    # --- how each side writes a person ----------------------------------------------------

    def mexican_record(self, person: Person, entity_id: str) -> dict[str, Any]:
        rng = self.rng
        full_given = " ".join(person.given)
        surnames = " ".join(s for s in (person.paternal, person.maternal) if s)
        props: dict[str, list[str]] = {}
        if rng.random() < 0.5:
            props["name"] = [f"{full_given} {surnames}"]
        else:
            props["firstName"] = [full_given]
            props["lastName"] = [surnames]
            props["name"] = [f"{full_given} {surnames}"]
        props["birthDate"] = [person.born.isoformat()]
        props["gender"] = [person.sex]
        props["nationality"] = ["mx"]
        if rng.random() < 0.9:
            props["idNumber"] = [person.curp]
        phone = person.phone_local
        form = rng.random()
        if form < 0.4:
            props["phone"] = [f"+52 {phone[:2]} {phone[2:6]} {phone[6:]}"]
        elif form < 0.6:
            props["phone"] = [f"044 {phone}"]  # the old mobile prefix
        elif form < 0.8:
            props["phone"] = [f"+52 1 {phone}"]
        where = f"{person.city}, {person.state}, C.P. {person.postcode}"
        props["address"] = [f"{person.street} {person.number}, {where}"]
        props["country"] = ["mx"]
        if person.passport and rng.random() < 0.7:
            props["passportNumber"] = [person.passport]
        return {"id": entity_id, "schema": "Person", "properties": props}

    def us_record(self, person: Person, entity_id: str, *, typos: bool = True) -> dict[str, Any]:
        rng = self.rng
        given = list(person.given)
        paternal, maternal = person.paternal, person.maternal
        # How the name reaches the U.S. record.
        first = given[0]
        middle = given[1] if len(given) > 1 else None
        roll = rng.random()
        if roll < 0.12 and first in NICKNAMES:
            first, middle = rng.choice(NICKNAMES[first]), None
        elif roll < 0.22 and middle:
            first, middle = middle, None  # the second given name used alone
        elif roll < 0.27 and first == "María" and middle:
            first = "Ma."
        if maternal:
            form = rng.random()
            if form < 0.35:
                last = paternal  # maternal dropped
            elif form < 0.45:
                last = f"{paternal}-{maternal}"
            elif form < 0.52:
                last = f"{paternal}{maternal.lower()}".replace(" ", "")
            elif form < 0.62:
                last = maternal  # the maternal surname taken as the last name
                if middle is None and rng.random() < 0.5:
                    middle = paternal
            else:
                last = f"{paternal} {maternal}"
        else:
            last = paternal
        if typos and rng.random() < 0.12:
            target = rng.choice(("first", "last"))
            if target == "first":
                first = _typo(first, rng)
            else:
                last = _typo(last, rng)
        if rng.random() < 0.8:
            first, last = _strip_accents(first), _strip_accents(last)
            middle = _strip_accents(middle) if middle else None
        if rng.random() < 0.5:
            first, last = first.upper(), last.upper()
            middle = middle.upper() if middle else None
        props: dict[str, list[str]] = {"firstName": [first], "lastName": [last]}
        if middle:
            props["middleName"] = [middle]
        props["name"] = [" ".join(p for p in (first, middle, last) if p)]
        if rng.random() < 0.1 and first in ("Pepe", "Paco", "Chuy", "Lupe", "Beto"):
            props["alias"] = [f"{first} {last}"]
        born = person.born
        roll = rng.random()
        if roll < 0.15 and born.day <= 12 and born.day != born.month:
            born = date(born.year, born.day, born.month)  # read as month/day
        elif roll < 0.2:
            born = _safe_date(born.year + rng.choice((-1, 1)), born.month, born.day)
        elif roll < 0.25:
            born = _safe_date(
                born.year, born.month, min(28, max(1, born.day + rng.choice((-1, 1))))
            )
        if roll < 0.97:
            props["birthDate"] = [born.isoformat()]
        if rng.random() < 0.8:
            props["gender"] = [person.sex]
        if rng.random() < 0.6:
            props["nationality"] = ["mx"]
        phone = person.phone_local
        roll = rng.random()
        if roll < 0.3:
            props["phone"] = [f"011 52 1 {phone[:2]} {phone[2:6]} {phone[6:]}"]
        elif roll < 0.45:
            props["phone"] = [f"+52{phone}"]
        elif roll < 0.75:
            props["phone"] = [self._us_phone()]
        if person.passport and rng.random() < 0.5:
            props["passportNumber"] = [person.passport]
        props["address"] = [self.us.address().replace("\n", ", ")]
        props["country"] = ["us"]
        return {"id": entity_id, "schema": "Person", "properties": props}

    def _us_phone(self) -> str:
        rng = self.rng
        return f"({rng.choice(_US_AREA)}) {rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"

    def american(self, entity_id: str) -> dict[str, Any]:
        us = self.us
        sex = self.rng.choice(("male", "female"))
        first = us.first_name_male() if sex == "male" else us.first_name_female()
        born = date(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 55 * 365))
        props = {
            "name": [f"{first} {us.last_name()}"],
            "birthDate": [born.isoformat()],
            "gender": [sex],
            "phone": [self._us_phone()],
            "address": [us.address().replace("\n", ", ")],
            "country": ["us"],
            "socialSecurityNumber": [us.ssn()],
        }
        return {"id": entity_id, "schema": "Person", "properties": props}

    def sibling(self, person: Person) -> Person:
        rng = self.rng
        gap = rng.choice((-1, 1)) * rng.randint(300, 6 * 365)
        given = self.given(rng.choice(("male", "female")))
        while given[0] in person.given:
            given = self.given(rng.choice(("male", "female")))
        sex = "female" if given[0] in self.female else "male"
        return self.person(
            given=given,
            sex=sex,
            paternal=person.paternal,
            maternal=person.maternal,
            born=person.born + timedelta(days=gap),
            state=person.state,
            city=person.city,
            street=person.street,
            number=person.number,
            postcode=person.postcode,
            phone_local=person.phone_local if rng.random() < 0.3 else None,
        )

    def namesake(self, person: Person) -> Person:
        rng = self.rng
        born = person.born + timedelta(days=rng.choice((-1, 1)) * rng.randint(400, 20 * 365))
        return self.person(
            given=list(person.given),
            sex=person.sex,
            paternal=person.paternal,
            maternal=person.maternal,
            born=born,
        )


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.33:
        return word[:i] + word[i + 1 :]
    if kind < 0.66:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourlnst") + word[i + 1 :]


def _safe_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def binational(
    n_left: int = 5000, n_right: int = 5000, *, shared: float = 0.6, seed: int = 0
) -> Binational:
    """Mexican (left) and U.S. (right) records, `shared` of the left seen on the right."""
    maker = _Maker(seed)
    rng = maker.rng
    n_shared = int(min(n_left, n_right) * shared)
    n_left_siblings = n_left // 10
    n_left_namesakes = n_left // 10
    n_right_siblings = n_right // 16
    n_right_namesakes = n_right // 25
    people = [maker.person() for _ in range(n_shared)]
    left: list[dict[str, Any]] = []
    right: list[dict[str, Any]] = []
    truth: set[tuple[str, str]] = set()
    for i, person in enumerate(people):
        left_id, right_id = f"mx-{i:06d}", f"us-{i:06d}"
        left.append(maker.mexican_record(person, left_id))
        right.append(maker.us_record(person, right_id))
        truth.add((left_id, right_id))
    extra = 0

    def next_id(prefix: str) -> str:
        nonlocal extra
        extra += 1
        return f"{prefix}-x{extra:06d}"

    for _ in range(n_left_siblings):
        left.append(maker.mexican_record(maker.sibling(rng.choice(people)), next_id("mx")))
    for _ in range(n_left_namesakes):
        left.append(maker.mexican_record(maker.namesake(rng.choice(people)), next_id("mx")))
    for _ in range(n_right_siblings):
        right.append(maker.us_record(maker.sibling(rng.choice(people)), next_id("us")))
    for _ in range(n_right_namesakes):
        right.append(maker.us_record(maker.namesake(rng.choice(people)), next_id("us")))
    while len(left) < n_left:
        left.append(maker.mexican_record(maker.person(), next_id("mx")))
    while len(right) < n_right:
        if rng.random() < 0.55:
            right.append(maker.american(next_id("us")))
        else:
            right.append(maker.us_record(maker.person(), next_id("us")))
    rng.shuffle(left)
    rng.shuffle(right)
    return Binational(left=left, right=right, truth=truth)


def population(
    n: int = 1_000_000, *, duplicates: float = 0.3, seed: int = 0
) -> tuple[pa.Table, np.ndarray]:
    """A register of `n` rows in FtM property columns, `duplicates` of them repeat a person.

    Returns the table (id, name, firstName, lastName, birthDate, gender, idNumber, phone,
    city, postalCode, street) and each row's true person number. Vectorised: no Faker call
    per row, only pools drawn from Faker once.
    """
    from faker import Faker

    gen = np.random.default_rng(seed)
    mx = Faker("es_MX")
    mx.seed_instance(seed)
    person_faker = mx.provider("faker.providers.person")
    male = np.array(sorted(set(person_faker.first_names_male)))
    female = np.array(sorted(set(person_faker.first_names_female)))
    surnames = np.array(list(dict.fromkeys(person_faker.last_names)))
    weights = 1 / np.arange(1, len(surnames) + 1) ** 0.6
    weights /= weights.sum()
    cities = np.array(sorted({mx.city() for _ in range(3000)}))
    streets = np.array(sorted({mx.street_name() for _ in range(5000)}))
    n_people = int(n * (1 - duplicates))
    sex = gen.integers(0, 2, n_people)
    first = np.where(
        sex == 0,
        male[gen.integers(0, len(male), n_people)],
        female[gen.integers(0, len(female), n_people)],
    )
    second_pick = np.where(
        sex == 0,
        male[gen.integers(0, len(male), n_people)],
        female[gen.integers(0, len(female), n_people)],
    )
    has_second = (gen.random(n_people) < 0.4) & (np.char.find(first.astype(str), " ") < 0)
    given = np.where(
        has_second,
        np.char.add(np.char.add(first.astype(str), " "), second_pick.astype(str)),
        first.astype(str),
    )
    paternal = surnames[gen.choice(len(surnames), n_people, p=weights)]
    maternal = surnames[gen.choice(len(surnames), n_people, p=weights)]
    born = np.datetime64("1950-01-01") + gen.integers(0, 55 * 365, n_people).astype(
        "timedelta64[D]"
    )
    city = cities[gen.integers(0, len(cities), n_people)]
    street = streets[gen.integers(0, len(streets), n_people)]
    number = gen.integers(1, 3000, n_people).astype(str)
    postcode = np.char.zfill(gen.integers(1000, 99999, n_people).astype(str), 5)
    phone = np.char.add(
        np.array(["55", "33", "81", "664", "656"])[gen.integers(0, 5, n_people)],
        gen.integers(10**7, 10**8, n_people).astype(str),
    )
    phone = np.array([p[:10] for p in phone.tolist()])
    # Rows: every person once, then duplicates of random people.
    who = np.concatenate([np.arange(n_people), gen.integers(0, n_people, n - n_people)])
    dup = np.arange(n) >= n_people
    rows_given = given[who].astype(object)
    rows_paternal = paternal[who].astype(object)
    rows_maternal = maternal[who].astype(object)
    rows_born = born[who].copy()
    rows_phone = phone[who].astype(object)
    # Distortions on the duplicate rows.
    roll = gen.random(n)
    drop_maternal = dup & (roll < 0.3)
    rows_maternal[drop_maternal] = None
    swap = dup & (gen.random(n) < 0.1)
    days = rows_born.astype("datetime64[D]").astype(object)
    born_text = np.array([d.isoformat() for d in days], dtype=object)
    for i in np.flatnonzero(swap):
        d = days[i]
        if d.day <= 12 and d.day != d.month:
            born_text[i] = date(d.year, d.day, d.month).isoformat()
    typo = dup & (gen.random(n) < 0.1)
    for i in np.flatnonzero(typo):
        rows_paternal[i] = _typo(str(rows_paternal[i]), random.Random(int(i)))
    nick = dup & (gen.random(n) < 0.1)
    for i in np.flatnonzero(nick):
        head = str(rows_given[i]).split()[0]
        if head in NICKNAMES:
            rows_given[i] = NICKNAMES[head][i % len(NICKNAMES[head])]
    no_phone = gen.random(n) < 0.3
    rows_phone[no_phone] = None
    last = np.array(
        [f"{p} {m}" if m else str(p) for p, m in zip(rows_paternal, rows_maternal, strict=True)],
        dtype=object,
    )
    ids = np.array([f"r{i:07d}" for i in range(n)], dtype=object)
    order = gen.permutation(n)
    table = pa.table(
        {
            "id": pa.array(ids[order].tolist(), pa.string()),
            "firstName": pa.array(rows_given[order].tolist(), pa.string()),
            "lastName": pa.array(last[order].tolist(), pa.string()),
            "birthDate": pa.array(born_text[order].tolist(), pa.string()),
            "gender": pa.array(
                np.where(sex[who] == 0, "male", "female")[order].tolist(), pa.string()
            ),
            "phone": pa.array(rows_phone[order].tolist(), pa.string()),
            "city": pa.array(city[who][order].tolist(), pa.string()),
            "postalCode": pa.array(postcode[who][order].tolist(), pa.string()),
            "street": pa.array(street[who][order].tolist(), pa.string()),
            "number": pa.array(number[who][order].tolist(), pa.string()),
        }
    )
    return table, who[order]


def entities_jsonl(entities: list[dict[str, Any]]) -> Iterator[str]:
    import json

    for entity in entities:
        yield json.dumps(entity, ensure_ascii=False) + "\n"


# The least share of true pairs a level may hold in the shipped model. The generator never
# writes some of the mistakes real records hold (another middle initial, the other sex, a
# birth date far off), so EM on its data gives such levels shares like 1e-20: a single
# clerical error would then forbid a merge whatever else agrees. At this floor one such
# disagreement still weighs about twelve bits against.
M_FLOOR = 1e-4


def train_default_model(path: str | None = None, *, seed: int = 11) -> str:
    """Train the model that ships with Vínculo on synthetic binational data; returns its JSON.

    A third of the U.S. records of shared people carry the person's CURP (as a consular
    ID would), so the CURP comparison is learnt too.

        .venv/bin/python -c "from vinculo.resolve.synthetic import train_default_model as t; \\
            t('src/vinculo/resolve/default_model.json')"
    """
    from vinculo.resolve.engine import Engine
    from vinculo.resolve.records import from_entities

    data = binational(5000, 5000, seed=seed)
    rng = random.Random(seed)
    by_id = {e["id"]: e for e in data.left}
    right_of = {b: a for a, b in data.truth}
    for entity in data.right:
        left = by_id.get(right_of.get(entity["id"], ""))
        if left and "idNumber" in left["properties"] and rng.random() < 0.33:
            entity["properties"]["idNumber"] = list(left["properties"]["idNumber"])
    engine = Engine().train(from_entities(data.left).table, from_entities(data.right).table)
    engine.floor_m_probabilities(M_FLOOR)
    text = engine.to_json()
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return text
