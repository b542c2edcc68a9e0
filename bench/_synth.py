"""Deterministic synthetic data for the benchmarks: FtM entities, report texts, queries.

Everything comes from a seeded `random.Random`, so the same parameters give the same bytes.
Names follow a Zipf-like curve (a few very common surnames, a long tail of rare ones) and
about half of the Spanish names carry accents, so accent-free queries have work to do.
"""

# ruff: noqa: SIM905 — word lists read better as one string split on spaces.

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

FIRST_ES = (
    "José María Juan Luis Carlos Jesús Ángel Miguel Francisco Antonio Alejandro Fernando "
    "Rubén Martín Sofía Inés Raúl Andrés Héctor Joaquín Ramón Germán Julián Adrián Lucía "
    "Mónica Verónica Marisol Guadalupe Rosa Ana Patricia Hilda Octavio Efraín Néstor Ismael "
    "Damián Simón Tomás Óscar Iván Rocío Belén Araceli Yolanda Teresa Leticia Beatriz"
).split()
FIRST_EN = (
    "John Michael David James Robert William Richard Thomas Mark Steven Paul Kevin Brian "
    "Mary Linda Susan Karen Nancy Lisa Betty Sandra Ashley Emily Donna Michelle Walter"
).split()
SURNAMES = (
    # Roughly by frequency: García first. Zipf weights are applied in this order.
    "García Hernández López Martínez González Rodríguez Pérez Sánchez Ramírez Flores Gómez "
    "Díaz Cruz Morales Reyes Gutiérrez Ortiz Chávez Ruiz Jiménez Mendoza Vázquez Castillo "
    "Torres Álvarez Romero Moreno Herrera Medina Aguilar Vargas Castro Guzmán Ramos Núñez "
    "Ochoa Salas Peña Serrano Vega Lugo Ibarra Zúñiga Beltrán Quiñones Sandoval Carrillo "
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Martin Jackson Thompson White Harris Clark Lewis Quinn Walker Young Allen King Wright"
).split()
SYLLABLES = (
    "ba be bi bo bu ca ce co cu da de di do fa fe fi ga go gu ja jo la le li lo lu ma me mi "
    "mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi "
    "ya yo za ze zi zo zu chi cha tla tze hua xo"
).split()
ENDINGS = ("z", "s", "n", "r", "l", "ez", "as", "on", "ar", "es", "", "", "", "")
CITIES = [
    "Culiacán",
    "Tijuana",
    "Mexicali",
    "Hermosillo",
    "Nogales",
    "Ciudad Juárez",
    "Monterrey",
    "Guadalajara",
    "Phoenix",
    "Tucson",
    "El Paso",
    "Laredo",
    "Houston",
    "Chicago",
    "Atlanta",
    "Los Ángeles",
    "San Diego",
    "Manzanillo",
    "Lázaro Cárdenas",
    "Reynosa",
    "Matamoros",
    "Sinaloa",
    "Sonora",
    "Michoacán",
    "Jalisco",
    "Querétaro",
]
COMPANY_WORDS = (
    "Transportes Logística Comercializadora Importadora Servicios Distribuidora Agrícola "
    "Constructora Inmobiliaria Química Farmacéutica Exportadora Holding Trading Freight"
).split()
COMPANY_FORMS = ("S.A. de C.V.", "S. de R.L.", "LLC", "Inc.", "S.A.P.I. de C.V.", "Corp.")
REPORT_EN = [
    "Fentanyl lab supplier payments traced through {city}",
    "Precursor chemical shipment seized near {city}",
    "Money laundering through front companies in {city}",
    "Surveillance of stash house in {city}",
    "Confidential informant debrief {city}",
    "Cross-border tunnel reported near {city}",
    "Wire transfers linked to {surname} network",
]
REPORT_ES = [
    "Vigilancia de laboratorio clandestino en {city}",
    "Aseguramiento de precursores químicos en {city}",
    "Lavado de dinero mediante empresas fachada en {city}",
    "Operativo conjunto en {city}",
    "Red de {surname} transfiere fondos desde {city}",
    "Laboratorio de fentanilo desmantelado cerca de {city}",
]
BODY_EN = (
    "Sources report that {name} coordinates deliveries for the {surname} organisation from "
    "{city}. Payments of {amount} USD were observed between {date1} and {date2}. "
    "The subject uses the alias {alias} and meets couriers at a warehouse. "
)
BODY_ES = (
    "Fuentes indican que {name} coordina entregas para la organización {surname} desde "
    "{city}. Se observaron pagos por {amount} pesos entre {date1} y {date2}. "
    "El sujeto usa el alias {alias} y se reúne con mensajeros en una bodega. "
)
PREDICATES = (
    "drug_trafficking",
    "fentanyl_production",
    "precursor_diversion",
    "money_laundering",
)
ALIASES = [
    "El Güero",
    "Tío Pancho",
    "El Chapo",
    "La Jefa",
    "El Flaco",
    "El Mudo",
    "La Güera",
    "El Señor",
    "El Compa",
    "Don Chuy",
    "El Químico",
    "La Tía",
    "El Contador",
    "El Ingeniero",
    "El Gallo",
    "El Toro",
    "Pelón",
    "Chato",
    "Chino",
    "Zurdo",
]


def zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


class Names:
    """Name generator: Zipf over common surnames, with a long tail of made-up rare ones."""

    def __init__(self, rng: random.Random, rare_pool: int = 40_000) -> None:
        self.rng = rng
        self.surname_weights = zipf_weights(len(SURNAMES))
        seen: set[str] = set()
        rare: list[str] = []
        while len(rare) < rare_pool:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))
            word = (word + rng.choice(ENDINGS)).capitalize()
            if word not in seen:
                seen.add(word)
                rare.append(word)
        self.rare = rare

    def surname(self) -> str:
        if self.rng.random() < 0.25:
            return self.rng.choice(self.rare)
        return self.rng.choices(SURNAMES, self.surname_weights)[0]

    def first(self) -> str:
        return self.rng.choice(FIRST_ES if self.rng.random() < 0.7 else FIRST_EN)

    def person(self) -> str:
        first = self.first()
        if self.rng.random() < 0.3:
            first = f"{first} {self.first()}"
        return f"{first} {self.surname()} {self.surname()}"

    def company(self) -> str:
        return f"{self.rng.choice(COMPANY_WORDS)} {self.surname()} {self.rng.choice(COMPANY_FORMS)}"


def _date(rng: random.Random, start: int, end: int) -> str:
    return f"{rng.randint(start, end)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def person_entity(rng: random.Random, names: Names, entity_id: str) -> dict[str, Any]:
    name = names.person()
    props: dict[str, list[str]] = {
        "name": [name],
        "birthDate": [_date(rng, 1950, 2002)],
        "nationality": [rng.choice(("mx", "mx", "us"))],
        "idNumber": [f"{name[:2].upper()}{rng.randrange(10**9, 10**10)}"],
    }
    if rng.random() < 0.3:
        props["alias"] = [rng.choice(ALIASES)]
    return {"id": entity_id, "schema": "Person", "properties": props}


def company_entity(rng: random.Random, names: Names, entity_id: str) -> dict[str, Any]:
    return {
        "id": entity_id,
        "schema": "Company",
        "properties": {
            "name": [names.company()],
            "jurisdiction": [rng.choice(("mx", "mx", "us"))],
            "registrationNumber": [f"RFC{rng.randrange(10**8, 10**9)}"],
            "incorporationDate": [_date(rng, 1990, 2023)],
        },
    }


def link_entity(rng: random.Random, entity_id: str, a: str, b: str, kind: str) -> dict[str, Any]:
    if kind == "Ownership":
        props = {"owner": [a], "asset": [b], "startDate": [_date(rng, 2000, 2024)]}
    elif kind == "Directorship":
        props = {"director": [a], "organization": [b], "role": ["Administrador único"]}
    else:
        props = {"person": [a], "relative": [b], "relationship": ["hermano"]}
    return {"id": entity_id, "schema": kind, "properties": props}


def import_entities(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` Person (70 %) and Company (30 %) entities, ids pe-<n> / co-<n>."""
    rng = random.Random(seed)
    names = Names(rng, rare_pool=max(2000, count // 2))
    for n in range(count):
        if rng.random() < 0.7:
            yield person_entity(rng, names, f"pe-{seed}-{n:07d}")
        else:
            yield company_entity(rng, names, f"co-{seed}-{n:07d}")


def report_texts(rng: random.Random, names: Names, subject: str) -> dict[str, str]:
    surname = subject.split()[-1]
    fill = {
        "city": rng.choice(CITIES),
        "surname": surname,
        "name": subject,
        "alias": rng.choice(ALIASES),
        "amount": f"{rng.randrange(10_000, 900_000):,}",
        "date1": _date(rng, 2022, 2023),
        "date2": _date(rng, 2024, 2025),
    }
    english = rng.random() < 0.6
    spanish = rng.random() < 0.6 or not english
    return {
        "title_en": rng.choice(REPORT_EN).format(**fill) if english else "",
        "title_es": rng.choice(REPORT_ES).format(**fill) if spanish else "",
        "body_en": BODY_EN.format(**fill) * rng.randint(1, 3) if english else "",
        "body_es": BODY_ES.format(**fill) * rng.randint(1, 3) if spanish else "",
    }


def fold_ascii(text: str) -> str:
    """Accent-free, lower-case text, the way a user types a query without accents."""
    import normality

    return normality.normalize(text, lowercase=True, ascii=True) or ""
