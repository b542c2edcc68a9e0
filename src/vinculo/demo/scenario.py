"""The synthetic demo scenario: a fictional U.S.–Mexico picture of a fentanyl supply chain and a
human-smuggling ring, as plain data (groups, accounts and reports with FtM entities).

Everything here is invented. Names, identifiers, plates, accounts and addresses are generated;
resemblance to real people or firms is coincidence. The output is deterministic for a seed:
`build_scenario(2026) == build_scenario(2026)`. Nothing depends on the clock: event dates lie
before `BASE_DATE` (2026-11-01), review-by dates fall in 2027.

Entity ids are slugs by schema: per- (Person), org- (Organization), com- (Company),
adr- (Address), veh- (Vehicle), acc- (BankAccount), pay- (Payment), own- (Ownership),
dir- (Directorship), mem- (Membership), fam- (Family), asc- (Associate), trp- (Trip).
A report asserts every entity that its relationship entities point to, so each report is
self-contained. The first four reports are fixtures that tests and demos rely on (see
`build_scenario`).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from vinculo import vocab
from vinculo.intel.schemas import EntityIn, MarkingsIn, ReportCreate

BASE_DATE = date(2026, 11, 1)
REPORT_COUNT = 180

# --- public shapes -----------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name_en: str
    name_es: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    locale: str


@dataclass(frozen=True)
class ReportSpec:
    author: str  # a username from Scenario.users; the report's originator is its agency
    report: ReportCreate


@dataclass(frozen=True)
class Scenario:
    groups: list[GroupSpec]
    users: list[UserSpec]
    reports: list[ReportSpec]
    # Pairs of Person ids that are the same human recorded twice under different ids and
    # spellings (ground truth for identity resolution); not asserted anywhere as a link.
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def user(self, username: str) -> UserSpec:
        for spec in self.users:
            if spec.username == username:
                return spec
        raise KeyError(username)


GROUPS = [
    GroupSpec("tf-sonora", "Task Force Sonora", "Fuerza de Tarea Sonora"),
    GroupSpec("case-frontera", "Case Frontera", "Caso Frontera"),
]

_A = ("analyst",)
USERS = [
    UserSpec("us.analyst", "Emily Carter", "DEA", _A, ("tf-sonora",), "en"),
    UserSpec("mx.analyst", "Ana Lucía Méndez Ríos", "FGR", _A, ("tf-sonora",), "es"),
    UserSpec(
        "us.supervisor",
        "Robert Hayes",
        "DEA",
        ("supervisor", "analyst"),
        ("tf-sonora", "case-frontera"),
        "en",
    ),
    UserSpec("auditor", "Karen Whitfield", "FBI", ("auditor",), (), "en"),
    UserSpec("dea.agent1", "Daniel Ortiz", "DEA", _A, ("tf-sonora",), "en"),
    UserSpec("dea.agent2", "Megan Brooks", "DEA", _A, (), "en"),
    UserSpec("fbi.agent1", "Marcus Reed", "FBI", _A, (), "en"),
    UserSpec("hsi.agent1", "Laura Jiménez", "HSI", _A, ("case-frontera",), "en"),
    UserSpec("hsi.agent2", "Kevin O'Neill", "HSI", _A, (), "en"),
    UserSpec("cbp.officer1", "Andrea Salinas", "CBP", _A, ("case-frontera",), "en"),
    UserSpec("atf.agent1", "Thomas Becker", "ATF", _A, (), "en"),
    UserSpec("fincen.analyst1", "Priya Natarajan", "FINCEN", _A, (), "en"),
    UserSpec("fgr.mp1", "Alejandro Treviño Garza", "FGR", _A, ("tf-sonora", "case-frontera"), "es"),
    UserSpec("fgr.mp2", "Mariana Cota Valdez", "FGR", _A, (), "es"),
    UserSpec("sedena.oficial1", "Ricardo Solís Medina", "SEDENA", _A, ("tf-sonora",), "es"),
    UserSpec("semar.oficial1", "Fernando Aguilar Rosas", "SEMAR", _A, (), "es"),
    UserSpec("gn.agente1", "Claudia Ramos Ochoa", "GN", _A, ("tf-sonora",), "es"),
    UserSpec("uif.analista1", "Verónica Palacios Luna", "UIF", _A, (), "es"),
    UserSpec("sspc.analista1", "Jorge Iván Cárdenas Soto", "SSPC", _A, (), "es"),
]

# Who writes reports for each agency (the auditor and the supervisor write none, except the
# supervisor for need-to-know group items).
_AUTHORS = {
    "DEA": ["dea.agent1", "dea.agent2", "us.analyst"],
    "FBI": ["fbi.agent1"],
    "HSI": ["hsi.agent1", "hsi.agent2"],
    "CBP": ["cbp.officer1"],
    "ATF": ["atf.agent1"],
    "FINCEN": ["fincen.analyst1"],
    "FGR": ["fgr.mp1", "fgr.mp2", "mx.analyst"],
    "SEDENA": ["sedena.oficial1"],
    "SEMAR": ["semar.oficial1"],
    "GN": ["gn.agente1"],
    "UIF": ["uif.analista1"],
    "SSPC": ["sspc.analista1"],
}
_AGENCY_WEIGHTS = {
    "DEA": 17,
    "FBI": 8,
    "HSI": 13,
    "CBP": 10,
    "ATF": 5,
    "FINCEN": 4,
    "FGR": 16,
    "SEDENA": 8,
    "SEMAR": 6,
    "GN": 9,
    "UIF": 6,
    "SSPC": 6,
}
# Demo accounts a TLP:RED item may be given to.
_RED_RECIPIENTS = ["us.analyst", "mx.analyst", "us.supervisor", "fgr.mp1", "hsi.agent1"]

# --- word lists --------------------------------------------------------------------------

_MX_MALE = [
    "José Ángel", "Juan Carlos", "Luis Alberto", "Jesús", "Francisco Javier", "Miguel Ángel",
    "José Luis", "Jorge", "Ramón", "Héctor", "Óscar", "Sergio", "Martín", "Raúl", "Joaquín",
    "Adrián", "Édgar", "Iván", "Julio César", "Rubén", "Ernesto", "Alfonso", "Gilberto",
    "Mario", "Eduardo", "Fernando", "Armando", "Rigoberto", "Efraín", "Ismael", "Abel",
    "Jesús Alonso", "José Manuel", "Ángel Gabriel", "Cristian", "Brayan", "Kevin Alexis",
    "Saúl", "Germán", "Noé", "Ulises", "Baltazar", "Heriberto", "Teodoro", "Marco Antonio",
]  # fmt: skip
_MX_FEMALE = [
    "María Fernanda", "Guadalupe", "Ana Karen", "Rosa Isela", "Yesenia", "María del Carmen",
    "Claudia", "Verónica", "Brenda", "Leticia", "Itzel", "Mónica", "Lucía", "Daniela",
    "Alejandra", "Karla Patricia", "Araceli", "Sofía", "Marisol", "Norma Angélica",
    "Diana Laura", "Jazmín", "Berenice", "Elizabeth", "Griselda", "Perla", "Yolanda", "Sandra",
    "Rocío", "Paola",
]  # fmt: skip
_MX_SURNAMES = [
    "García", "López", "Hernández", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez",
    "Ramírez", "Núñez", "Ibarra", "Gutiérrez", "Díaz", "Vázquez", "Jiménez", "Domínguez",
    "Ávila", "Peña", "Muñoz", "Félix", "Quintero", "Beltrán", "Chávez", "Ochoa", "Valenzuela",
    "Castro", "Meza", "Osuna", "Bórquez", "Acosta", "Robles", "Salazar", "Espinoza", "Gámez",
    "Estrada", "Leyva", "Moreno", "Ríos", "Córdova", "Sandoval", "Montaño", "Zazueta",
    "Uriarte", "Camacho", "Lugo", "Gallardo", "Ortega", "Aguilar", "Rentería", "Soto",
    "Villarreal", "Cázares", "Inzunza", "Lizárraga", "Bojórquez", "Corrales", "Ontiveros",
    "Payán", "Sauceda", "Tapia", "Verdugo", "Zamudio", "Arredondo", "Medina", "Navarro",
    "Olivas", "Portillo", "Quiñónez", "Ruelas", "Trujillo",
]  # fmt: skip
_US_MALE = [
    "Michael", "Christopher", "Matthew", "Joshua", "David", "Daniel", "James", "Robert", "John",
    "Joseph", "Ryan", "Brandon", "Jason", "Justin", "Anthony", "Kevin", "Tyler", "Eric",
    "Marcus", "Derek", "Travis", "Cody", "Dustin", "Luis", "Carlos", "Adrian", "Victor",
    "Jesse", "Aaron", "Nathan",
]  # fmt: skip
_US_FEMALE = [
    "Jennifer", "Jessica", "Ashley", "Amanda", "Sarah", "Stephanie", "Nicole", "Melissa",
    "Heather", "Amber", "Brittany", "Crystal", "Tiffany", "Samantha", "Rachel", "Vanessa",
    "Monica", "Angela", "Erica", "Kayla",
]  # fmt: skip
_US_SURNAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "White", "Harris", "Martin", "Thompson", "Young",
    "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Mitchell", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
    "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Bailey",
    "Bell", "Kelly", "Howard", "Ramirez", "Lopez", "Gonzalez", "Hernandez", "Martinez",
    "Garcia", "Rodriguez", "Morales", "Ortiz", "Reyes", "Flores", "Castillo", "Salinas",
    "Delgado", "Vega",
]  # fmt: skip
_CN_SURNAMES = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]
_CN_GIVEN = ["Wei", "Jun", "Lei", "Ming", "Hao", "Jing", "Xiaoyan", "Hui", "Qiang", "Yong"]

# "El Güero" is reserved for per-0001 so a search for it finds one person.
_NICK_M = [
    "El Flaco", "El Gordo", "El Pelón", "El Chino", "El Tigre", "El Mudo", "El Cholo",
    "El Ingeniero", "El Químico", "El Doctor", "El Contador", "El Tío", "El Junior", "El Nueve",
    "El Toro", "El Charro", "El Greñas", "El Chuy", "El Memo", "El Chema", "El Beto",
    "El Nacho", "El Zurdo", "El Gallo", "El Cuervo", "El Venado", "El Pato", "El Cabo",
    "El Licenciado", "El Compa", "El Primo", "El Diablo", "El Pariente", "El Cachorro",
    "El Tacuache", "El Lobo", "El Coyote", "El Pollero", "El Guía", "El Sombra",
]  # fmt: skip
_NICK_F = [
    "La Flaca", "La Chata", "La Morena", "La Patrona", "La Jefa", "La Chula", "La Gata",
    "La Reina", "La Tía", "La Pelirroja",
]  # fmt: skip
_NICK_US = ["Smokey", "Tank", "Lil Mike", "Big J", "Shorty", "Ghost", "Blue", "Dre", "Spider"]

# Mexican cities: (state, CURP state code, phone area code, latitude, longitude, postcode)
_MX_CITIES: dict[str, tuple[str, str, str, float, float, str]] = {
    "Culiacán": ("Sinaloa", "SL", "667", 24.80, -107.39, "80000"),
    "Navolato": ("Sinaloa", "SL", "672", 24.77, -107.70, "80300"),
    "Cosalá": ("Sinaloa", "SL", "696", 24.41, -106.69, "80700"),
    "Badiraguato": ("Sinaloa", "SL", "697", 25.36, -107.55, "80500"),
    "Elota": ("Sinaloa", "SL", "696", 23.96, -106.70, "82700"),
    "Mazatlán": ("Sinaloa", "SL", "669", 23.24, -106.41, "82000"),
    "Los Mochis": ("Sinaloa", "SL", "668", 25.79, -108.99, "81200"),
    "Hermosillo": ("Sonora", "SR", "662", 29.07, -110.96, "83000"),
    "Caborca": ("Sonora", "SR", "637", 30.72, -112.16, "83600"),
    "Altar": ("Sonora", "SR", "637", 30.71, -111.84, "83750"),
    "Sonoyta": ("Sonora", "SR", "651", 31.86, -112.85, "83570"),
    "Sásabe": ("Sonora", "SR", "637", 31.48, -111.54, "83760"),
    "Nogales": ("Sonora", "SR", "631", 31.31, -110.94, "84000"),
    "San Luis Río Colorado": ("Sonora", "SR", "653", 32.46, -114.77, "83400"),
    "Agua Prieta": ("Sonora", "SR", "633", 31.33, -109.55, "84200"),
    "Ciudad Obregón": ("Sonora", "SR", "644", 27.49, -109.94, "85000"),
    "Guaymas": ("Sonora", "SR", "622", 27.92, -110.90, "85400"),
    "Tijuana": ("Baja California", "BC", "664", 32.51, -117.04, "22000"),
    "Mexicali": ("Baja California", "BC", "686", 32.62, -115.45, "21000"),
    "Ensenada": ("Baja California", "BC", "646", 31.87, -116.60, "22800"),
    "Ciudad Juárez": ("Chihuahua", "CH", "656", 31.69, -106.42, "32000"),
    "Nuevo Laredo": ("Tamaulipas", "TS", "867", 27.48, -99.52, "88000"),
    "Reynosa": ("Tamaulipas", "TS", "899", 26.09, -98.28, "88500"),
    "Guadalajara": ("Jalisco", "JC", "331", 20.67, -103.35, "44100"),
    "Zapopan": ("Jalisco", "JC", "332", 20.72, -103.39, "45100"),
    "Manzanillo": ("Colima", "CL", "314", 19.05, -104.32, "28200"),
    "Lázaro Cárdenas": ("Michoacán", "MN", "753", 17.96, -102.19, "60950"),
    "Uruapan": ("Michoacán", "MN", "452", 19.41, -102.05, "60000"),
    "Tamazula": ("Durango", "DG", "674", 24.97, -106.96, "34570"),
    "Ciudad de México": ("Ciudad de México", "DF", "551", 19.43, -99.13, "06000"),
    "Monterrey": ("Nuevo León", "NL", "811", 25.69, -100.32, "64000"),
}
_LAB_TOWNS = [
    "Culiacán", "Navolato", "Cosalá", "Badiraguato", "Elota", "Tamazula", "Caborca", "Uruapan",
    "Zapopan",
]  # fmt: skip
_BORDER_TOWNS_MX = [
    "Nogales", "San Luis Río Colorado", "Tijuana", "Mexicali", "Ciudad Juárez", "Nuevo Laredo",
    "Agua Prieta", "Sonoyta",
]  # fmt: skip
_SMUGGLING_TOWNS = ["Altar", "Sásabe", "Sonoyta", "Caborca", "Agua Prieta", "Nogales"]
_NARCO_HOMES = [
    "Culiacán", "Navolato", "Los Mochis", "Mazatlán", "Hermosillo", "Caborca", "Ciudad Obregón",
    "Guadalajara", "Tijuana", "Mexicali", "Ciudad Juárez", "Nogales",
]  # fmt: skip
# U.S. cities: (state, postal abbreviation, phone area code, latitude, longitude, ZIP prefix)
_US_CITIES: dict[str, tuple[str, str, str, float, float, str]] = {
    "Phoenix": ("Arizona", "AZ", "602", 33.45, -112.07, "850"),
    "Tucson": ("Arizona", "AZ", "520", 32.22, -110.97, "857"),
    "Nogales": ("Arizona", "AZ", "520", 31.34, -110.93, "856"),
    "Yuma": ("Arizona", "AZ", "928", 32.69, -114.63, "853"),
    "San Diego": ("California", "CA", "619", 32.72, -117.16, "921"),
    "Chula Vista": ("California", "CA", "619", 32.64, -117.08, "919"),
    "Los Angeles": ("California", "CA", "213", 34.05, -118.24, "900"),
    "El Paso": ("Texas", "TX", "915", 31.76, -106.49, "799"),
    "Laredo": ("Texas", "TX", "956", 27.53, -99.49, "780"),
    "Houston": ("Texas", "TX", "713", 29.76, -95.37, "770"),
    "San Antonio": ("Texas", "TX", "210", 29.42, -98.49, "782"),
    "Dallas": ("Texas", "TX", "214", 32.78, -96.80, "752"),
    "Denver": ("Colorado", "CO", "303", 39.74, -104.99, "802"),
    "Albuquerque": ("New Mexico", "NM", "505", 35.08, -106.65, "871"),
    "Las Vegas": ("Nevada", "NV", "702", 36.17, -115.14, "891"),
    "Chicago": ("Illinois", "IL", "312", 41.88, -87.63, "606"),
    "Atlanta": ("Georgia", "GA", "404", 33.75, -84.39, "303"),
    "Seattle": ("Washington", "WA", "206", 47.61, -122.33, "981"),
    "Columbus": ("Ohio", "OH", "614", 39.96, -83.00, "432"),
    "Charlotte": ("North Carolina", "NC", "704", 35.23, -80.84, "282"),
}
_US_BORDER = ["Phoenix", "Tucson", "Nogales", "Yuma", "San Diego", "El Paso", "Laredo"]
_US_STASH = ["Phoenix", "Tucson", "Houston", "El Paso", "Laredo", "San Antonio", "Chula Vista"]
_US_MARKETS = [
    "Phoenix", "Los Angeles", "Denver", "Albuquerque", "Las Vegas", "Chicago", "Atlanta",
    "Seattle", "Columbus", "Charlotte", "Dallas", "Houston",
]  # fmt: skip
_US_ARMS = ["Phoenix", "Tucson", "Houston", "Dallas", "San Antonio", "El Paso", "Laredo"]

_MX_STREETS = [
    "Calle Río Mayo", "Av. Obregón", "Calle Juan Carrasco", "Blvd. Emiliano Zapata",
    "Calle Morelos", "Calle Hidalgo", "Calle Benito Juárez", "Av. Insurgentes",
    "Calle Guadalupe Victoria", "Calle Francisco Villa", "Calle Ignacio Allende",
    "Blvd. Luis Donaldo Colosio", "Calle Jazmín", "Calle Naranjo", "Privada Los Álamos",
    "Calle Venustiano Carranza", "Av. Revolución", "Calle Sierra Madre", "Calle Ébano",
    "Calle Mezquite",
]  # fmt: skip
_MX_COLONIAS = [
    "Centro", "Las Quintas", "Tierra Blanca", "Infonavit Humaya", "Guadalupe", "Las Palmas",
    "El Mirador", "Pueblo Nuevo", "Lomas del Sol", "Buenos Aires", "Villa Verde", "San Rafael",
    "Industrial", "Bellavista", "Los Pinos",
]  # fmt: skip
_LAB_SITES = [
    "Rancho El Mezquite", "Predio La Guásima", "Rancho Los Pinos", "Paraje El Potrero",
    "Rancho Agua Caliente", "Predio El Zapote", "Rancho La Ciénega", "Paraje Los Tabachines",
    "Rancho El Alamito", "Predio La Cañada", "Rancho San Isidro", "Paraje El Capomo",
    "Rancho La Palmita", "Predio Arroyo Seco",
]  # fmt: skip
_VILLAGES = [
    "El Pozo", "La Reforma", "Tepuche", "Jesús María", "San Javier", "El Salado", "Las Tapias",
    "Santa Fe", "El Ranchito", "Los Mayos",
]  # fmt: skip
_US_STREETS = [
    "W Glenrosa Ave", "N 43rd Ave", "E Roosevelt St", "S Calle Polar", "W Indian School Rd",
    "E Van Buren St", "N 67th Ave", "W McDowell Rd", "S 6th Ave", "E Ajo Way", "W Valencia Rd",
    "Montana Ave", "Alameda Ave", "Santa Maria Ave", "Bellaire Blvd", "Airline Dr",
    "Federal Blvd", "S 26th St", "W Cermak Rd", "Fulton Industrial Blvd", "Mesa Verde Dr",
    "Cactus Wren Ln",
]  # fmt: skip

# Ports of entry: (name, full address, city, state, postcode, latitude, longitude, short en,
# short es). Entry is modelled on the U.S. side, where the inspection happens.
_PORTS = [
    ("Mariposa Port of Entry (Nogales, Arizona – Nogales, Sonora)",
     "Mariposa Port of Entry, Nogales, AZ 85621", "Nogales", "Arizona", "85621", 31.3312,
     -110.9712, "the Mariposa port of entry in Nogales", "la garita Mariposa de Nogales"),
    ("DeConcini Port of Entry (Nogales, Arizona – Nogales, Sonora)",
     "DeConcini Port of Entry, Nogales, AZ 85621", "Nogales", "Arizona", "85621", 31.3335,
     -110.9421, "the DeConcini port of entry in Nogales", "la garita DeConcini de Nogales"),
    ("San Luis Port of Entry (San Luis, Arizona – San Luis Río Colorado, Sonora)",
     "San Luis Port of Entry, San Luis, AZ 85349", "San Luis", "Arizona", "85349", 32.4856,
     -114.7822, "the San Luis port of entry", "la garita de San Luis Río Colorado"),
    ("San Ysidro Port of Entry (San Diego, California – Tijuana, Baja California)",
     "San Ysidro Port of Entry, San Diego, CA 92173", "San Diego", "California", "92173",
     32.5422, -117.0297, "the San Ysidro port of entry", "la garita de San Ysidro en Tijuana"),
    ("Otay Mesa Port of Entry (San Diego, California – Tijuana, Baja California)",
     "Otay Mesa Port of Entry, San Diego, CA 92154", "San Diego", "California", "92154",
     32.5503, -116.9383, "the Otay Mesa port of entry", "la garita de Otay en Tijuana"),
    ("Ysleta–Zaragoza Bridge (El Paso, Texas – Ciudad Juárez, Chihuahua)",
     "Ysleta Port of Entry, El Paso, TX 79907", "El Paso", "Texas", "79907", 31.6734,
     -106.3380, "the Ysleta–Zaragoza bridge in El Paso",
     "el puente Zaragoza–Ysleta de Ciudad Juárez"),
    ("World Trade Bridge (Laredo, Texas – Nuevo Laredo, Tamaulipas)",
     "World Trade Bridge, Laredo, TX 78045", "Laredo", "Texas", "78045", 27.5997, -99.5347,
     "the World Trade Bridge in Laredo", "el puente Comercio Mundial de Nuevo Laredo"),
    ("Calexico East Port of Entry (Calexico, California – Mexicali, Baja California)",
     "Calexico East Port of Entry, Calexico, CA 92231", "Calexico", "California", "92231",
     32.6734, -115.3880, "the Calexico East port of entry",
     "la garita Mexicali II (Calexico Este)"),
    ("Douglas Port of Entry (Douglas, Arizona – Agua Prieta, Sonora)",
     "Douglas Port of Entry, Douglas, AZ 85607", "Douglas", "Arizona", "85607", 31.3339,
     -109.5601, "the Douglas port of entry", "la garita de Agua Prieta"),
    ("Lukeville Port of Entry (Lukeville, Arizona – Sonoyta, Sonora)",
     "Lukeville Port of Entry, Lukeville, AZ 85341", "Lukeville", "Arizona", "85341", 31.8802,
     -112.8168, "the Lukeville port of entry", "la garita de Sonoyta"),
]  # fmt: skip
_SEAPORTS = ["Manzanillo", "Lázaro Cárdenas", "Ensenada", "Mazatlán", "Guaymas"]

# Criminal organisations (all invented): (name, alias, home city, kind)
_CELLS = [
    ("Cártel del Mar de Cortés", "CMC", "Culiacán"),
    ("Los Cuervos", "Gente Nueva del Humaya", "Navolato"),
    ("Célula Sierra Madre", "", "Badiraguato"),
    ("Los del Humaya", "", "Culiacán"),
    ("Grupo Altamar", "", "Mazatlán"),
    ("Los Venados", "Los V", "Caborca"),
    ("Célula Tamazula", "", "Tamazula"),
    ("Los de la Costa", "", "Los Mochis"),
]
_RINGS = [
    ("Red Los Halcones del Desierto", "Los Halcones", "Altar"),
    ("Organización Tres Ríos", "", "Caborca"),
    ("Los Paisas de Sásabe", "", "Sásabe"),
    ("Red del Altar", "", "Altar"),
    ("Los Correcaminos", "", "Sonoyta"),
]
_US_CELLS = [
    ("Westside Phoenix DTO", "", "Phoenix"),
    ("Maryvale Crew", "", "Phoenix"),
    ("South Valley Network", "", "Albuquerque"),
    ("Federal Boulevard Cell", "", "Denver"),
    ("Little Village Distribution Cell", "", "Chicago"),
    ("I-20 Corridor Network", "", "Atlanta"),
    ("Eastside Columbus DTO", "", "Columbus"),
    ("Bellaire Crew", "", "Houston"),
]

_CHEMICALS = [
    ("4-piperidone hydrochloride", "clorhidrato de 4-piperidona"),
    ("1-boc-4-piperidone", "1-boc-4-piperidona"),
    ("4-anilinopiperidine (4-AP)", "4-anilinopiperidina (4-AP)"),
    ("N-phenethyl-4-piperidone (NPP)", "N-fenetil-4-piperidona (NPP)"),
    ("4-ANPP", "4-ANPP"),
    ("propionyl chloride", "cloruro de propionilo"),
    ("aniline", "anilina"),
]
_DECLARED = [
    ("industrial solvent", "solvente industrial"),
    ("dye intermediates", "intermedios para colorantes"),
    ("pharmaceutical excipients", "excipientes farmacéuticos"),
    ("cosmetic raw materials", "materias primas para cosméticos"),
    ("agricultural additives", "aditivos agrícolas"),
    ("resin hardener", "endurecedor de resinas"),
]
_HIDES = [
    ("the fuel tank", "el tanque de combustible"),
    ("the spare tire", "la llanta de refacción"),
    ("the rear quarter panels", "los costados traseros"),
    ("a load of tomatoes", "un cargamento de jitomate"),
    ("a shipment of cucumbers", "un cargamento de pepino"),
    ("a false floor", "un doble fondo en el piso"),
    ("the dashboard", "el tablero"),
    ("pallets of floor tiles", "tarimas de loseta"),
]
_ORIGINS = [
    ("Guatemala", "Guatemala"),
    ("Honduras", "Honduras"),
    ("El Salvador", "El Salvador"),
    ("Ecuador", "Ecuador"),
    ("Mexico", "México"),
    ("Colombia", "Colombia"),
]
_ROUTES = [
    ("Altar–Sásabe", "Altar–Sásabe"),
    ("Sonoyta–Ajo", "Sonoyta–Ajo"),
    ("El Sásabe–Three Points", "El Sásabe–Three Points"),
    ("Agua Prieta–Douglas", "Agua Prieta–Douglas"),
    ("San Luis–Yuma", "San Luis–Yuma"),
]
_HIGHWAYS = [
    ("Interstate 19 near Amado, Arizona", "la Interestatal 19 cerca de Amado, Arizona"),
    ("Interstate 8 near Gila Bend, Arizona", "la Interestatal 8 cerca de Gila Bend, Arizona"),
    ("State Route 86 near Three Points, Arizona", "la Ruta Estatal 86 cerca de Three Points"),
    ("Interstate 35 north of Laredo, Texas", "la Interestatal 35 al norte de Laredo, Texas"),
    ("Interstate 10 near Sierra Blanca, Texas", "la Interestatal 10 cerca de Sierra Blanca"),
    ("State Route 85 near Ajo, Arizona", "la Ruta Estatal 85 cerca de Ajo, Arizona"),
]
_PURPOSES = [
    ("consulting services", "servicios de consultoría"),
    ("purchase of produce", "compra de hortalizas"),
    ("freight services", "servicios de flete"),
    ("vehicle purchase", "compra de vehículo"),
    ("import of raw materials", "importación de materias primas"),
    ("advance on invoice", "anticipo de factura"),
    ("equipment rental", "renta de equipo"),
]
_ROLES_NARCO = [
    ("plaza boss", "jefe de plaza"),
    ("lieutenant", "lugarteniente"),
    ("logistics operator", "operador logístico"),
    ("financial operator", "operador financiero"),
    ("lookout", "halcón"),
]
_ROLES_RING = [
    ("guide", "guía"),
    ("recruiter", "enganchador"),
    ("driver", "chofer"),
    ("money collector", "cobrador"),
    ("stash-house keeper", "encargado de casa de seguridad"),
]
# What the relative is to the person, by the relative's gender.
_KIN_M = [
    ("brother", "hermano"),
    ("husband", "esposo"),
    ("cousin", "primo"),
    ("brother-in-law", "cuñado"),
    ("son", "hijo"),
    ("father", "padre"),
    ("nephew", "sobrino"),
]
_KIN_F = [
    ("sister", "hermana"),
    ("wife", "esposa"),
    ("cousin", "prima"),
    ("sister-in-law", "cuñada"),
    ("daughter", "hija"),
    ("mother", "madre"),
    ("niece", "sobrina"),
]
# (en, es for a man, es for a woman)
_ASSOC = [
    ("business partner", "socio", "socia"),
    ("frequent contact", "contacto frecuente", "contacto frecuente"),
    ("co-defendant", "coacusado", "coacusada"),
    ("childhood friend", "amigo de la infancia", "amiga de la infancia"),
]
# Vehicle kinds: (en noun, es noun, es noun is feminine, models)
_VEHICLES = {
    "truck": ("tractor-trailer", "tractocamión", False,
              ["Freightliner Cascadia", "Kenworth T680", "International LT", "Volvo VNL"]),
    "pickup": ("pickup truck", "camioneta pickup", True,
               ["Ford F-150", "Chevrolet Silverado", "Nissan NP300", "Ram 1500", "Toyota Tacoma"]),
    "car": ("sedan", "automóvil sedán", False,
            ["Nissan Versa", "Honda Accord", "Toyota Corolla", "Chevrolet Aveo",
             "Volkswagen Jetta"]),
    "van": ("passenger van", "camioneta tipo van", True,
            ["Chevrolet Express", "Ford Transit", "Toyota Sienna", "Nissan Urvan"]),
    "suv": ("SUV", "camioneta SUV", True,
            ["Chevrolet Suburban", "Chevrolet Tahoe", "Jeep Grand Cherokee", "Ford Explorer"]),
}  # fmt: skip
_COLOURS = [
    ("white", "blanco", "blanca"),
    ("gray", "gris", "gris"),
    ("black", "negro", "negra"),
    ("red", "rojo", "roja"),
    ("silver", "plateado", "plateada"),
    ("blue", "azul", "azul"),
]
_MX_BANKS = [
    "Banco del Noroeste", "Banca Sinaloense", "Banco Regional del Pacífico",
    "Banco Mercantil del Yaqui", "Banco Cordillera de México",
]  # fmt: skip
_US_BANKS = [
    "Sonoran Desert Bank", "Cactus Federal Credit Union", "First Mesa National Bank",
    "Gulf Coast Community Bank", "Great Plains Savings Bank",
]  # fmt: skip
_FOREIGN_BANKS = {
    "hk": ["Harbour Meridian Bank (Hong Kong)", "Kowloon Trade Bank"],
    "in": ["Deccan Commercial Bank"],
    "gt": ["Banco Quetzal Agrícola"],
    "cr": ["Banco Cordillera de Costa Rica"],
    "es": ["Banca Levante"],
}

_MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_MONTHS_ES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
]  # fmt: skip

# What each agency calls its own people in a report.
_FORCE = {
    "DEA": ("DEA agents", "agentes de la DEA"),
    "FBI": ("FBI agents", "agentes del FBI"),
    "HSI": ("HSI special agents", "agentes especiales de HSI"),
    "CBP": ("CBP officers", "oficiales de CBP"),
    "ATF": ("ATF agents", "agentes de la ATF"),
    "FINCEN": ("FinCEN analysts", "analistas de FinCEN"),
    "FGR": ("Federal Ministerial Police agents", "agentes de la Policía Federal Ministerial"),
    "SEDENA": ("Mexican Army personnel", "elementos del Ejército Mexicano"),
    "SEMAR": ("Mexican Navy personnel", "elementos de la Secretaría de Marina"),
    "GN": ("National Guard officers", "elementos de la Guardia Nacional"),
    "UIF": ("UIF analysts", "analistas de la UIF"),
    "SSPC": ("SSPC personnel", "elementos de la SSPC"),
}
# The article the Spanish suspicion sentence puts before each predicate's label.
_PRED_ARTICLE = {
    "drug_trafficking": "el",
    "fentanyl_production": "la",
    "precursor_diversion": "el",
    "money_laundering": "el",
    "human_smuggling": "el",
    "human_trafficking": "la",
    "arms_trafficking": "el",
    "extortion": "la",
    "corruption": "la",
}

_T = tuple[str, str]  # a text in English and in Spanish

# --- small helpers -----------------------------------------------------------------------


def _fd(day: date, lang: str) -> str:
    if lang == "es":
        return f"{day.day} de {_MONTHS_ES[day.month - 1]} de {day.year}"
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def _fds(day: date) -> _T:
    return _fd(day, "en"), _fd(day, "es")


def _money(amount: int, currency: str) -> _T:
    return f"{currency} {amount:,}", f"${amount:,} {currency}"


def _join(items: Sequence[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " and " if lang == "en" else " y "
    return ", ".join(items[:-1]) + last + items[-1]


def _g(ent: _Ent, male: str, female: str) -> str:
    """A word agreeing with a person's gender."""
    return female if ent.props.get("gender") == ["female"] else male


def _ascii(text: str) -> str:
    text = text.upper().replace("Ñ", "X")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


_CURP_CHARS = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_VOWELS = "AEIOU"


def _curp_given(first: str) -> str:
    words = [w for w in _ascii(first).split() if w not in {"DE", "DEL", "LA", "LOS", "LAS", "Y"}]
    if len(words) > 1 and words[0] in {"JOSE", "MARIA", "MA", "J"}:
        return words[1]
    return words[0]


def _first_inner(word: str, vowels: bool) -> str:
    for c in word[1:]:
        if (c in _VOWELS) == vowels and c.isalpha():
            return c
    return "X"


def _curp(first: str, father: str, mother: str, born: date, sex: str, state: str, k: int) -> str:
    """A format-valid CURP (with a correct check digit) for an invented person."""
    given, pat, mat = _curp_given(first), _ascii(father), _ascii(mother)
    head = pat[0] + _first_inner(pat, True) + mat[0] + given[0]
    body = (
        head
        + born.strftime("%y%m%d")
        + sex
        + state
        + _first_inner(pat, False)
        + _first_inner(mat, False)
        + _first_inner(given, False)
        + (str(k % 10) if born.year < 2000 else "ABCDEFGHIJ"[k % 10])
    )
    total = sum(_CURP_CHARS.index(c) * (18 - i) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _clabe(rng: random.Random, bank: str) -> str:
    """An 18-digit CLABE with a correct check digit."""
    digits = bank + "".join(str(rng.randint(0, 9)) for _ in range(17 - len(bank)))
    weights = [3, 7, 1] * 6
    total = sum((int(d) * weights[i]) % 10 for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits (ISO 13616 mod 97)."""
    moved = bban + country + "00"
    number = "".join(str(int(c, 36)) for c in moved)
    check = 98 - int(number) % 97
    return f"{country}{check:02d}{bban}"


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


# --- the world: entities with full profiles, asserted in part by each report ---------------


@dataclass
class _Ent:
    id: str
    schema: str
    kind: str
    props: dict[str, list[str]]
    name: str
    en: str = ""
    es: str = ""
    city: str = ""
    nations: set[str] = field(default_factory=set)

    def label(self, lang: str) -> str:
        return (self.es if lang == "es" else self.en) or self.name

    def t(self) -> _T:
        return self.label("en"), self.label("es")


_PREFIX = {
    "Person": "per",
    "Organization": "org",
    "Company": "com",
    "Address": "adr",
    "Vehicle": "veh",
    "BankAccount": "acc",
    "Payment": "pay",
    "Ownership": "own",
    "Directorship": "dir",
    "Membership": "mem",
    "Family": "fam",
    "Associate": "asc",
    "Trip": "trp",
}


class _World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[str, int] = {}
        self.pools: dict[str, list[_Ent]] = {}
        self.names: set[str] = {"José Ángel García López"}
        self.duplicates: list[tuple[str, str]] = []
        self.ports = [self._port(p) for p in _PORTS]
        self.seaports = {c: self._seaport(c) for c in _SEAPORTS}
        self.cells = [self._org(n, a, c, "mx", "cell") for n, a, c in _CELLS]
        self.rings = [self._org(n, a, c, "mx", "ring") for n, a, c in _RINGS]
        self.us_cells = [self._org(n, a, c, "us", "uscell") for n, a, c in _US_CELLS]

    # ids and pools

    def new(self, schema: str, kind: str, props: dict[str, list[str]], name: str) -> _Ent:
        prefix = _PREFIX[schema]
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        ent = _Ent(f"{prefix}-{self.counters[prefix]:04d}", schema, kind, props, name)
        self.pools.setdefault(kind, []).append(ent)
        return ent

    def pick_or_new(self, kind: str, reuse: float, make: Callable[[], _Ent], d: _Draft) -> _Ent:
        pool = [e for e in self.pools.get(kind, []) if e.id not in d.props]
        if pool and self.rng.random() < reuse:
            return self.rng.choice(pool)
        return make()

    # fixed entities

    def _port(self, p: tuple[str, str, str, str, str, float, float, str, str]) -> _Ent:
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

    def _seaport(self, city: str) -> _Ent:
        state, _c, _a, lat, lon, postcode = _MX_CITIES[city]
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

    def _org(self, name: str, alias: str, city: str, country: str, kind: str) -> _Ent:
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
    ) -> _Ent:
        rng = self.rng
        sex = gender or ("female" if rng.random() < 0.22 else "male")
        names = _MX_FEMALE if sex == "female" else _MX_MALE

        def make() -> tuple[str, ...]:
            f = first or rng.choice(names)
            p = father or rng.choice(_MX_SURNAMES)
            m = mother or rng.choice([s for s in _MX_SURNAMES if s != p])
            return f"{f} {p} {m}", f, p, m

        if first and father and mother:
            full, f, p, m = f"{first} {father} {mother}", first, father, mother
        else:
            full, f, p, m = self._unique(make)
        home = home or rng.choice(_NARCO_HOMES)
        born = born or _between(rng, date(1962, 1, 1), date(2003, 12, 31))
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
        state, code, area = _MX_CITIES[home][:3] if home in _MX_CITIES else ("", "NE", "662")
        if nationality == "mx":
            sx = "M" if sex == "female" else "H"
            props["idNumber"] = [_curp(f, p, m, born, sx, code, rng.randint(0, 9))]
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
            nick = rng.choice(_NICK_F if sex == "female" else _NICK_M)
        if nick:
            props["alias"] = [nick]
        ent = self.new("Person", kind, props, full)
        ent.city = home
        return ent

    def us_person(self, kind: str, *, home: str | None = None, alias_p: float = 0.2) -> _Ent:
        rng = self.rng
        sex = "female" if rng.random() < 0.3 else "male"

        def make() -> tuple[str, ...]:
            f = rng.choice(_US_FEMALE if sex == "female" else _US_MALE)
            last = rng.choice(_US_SURNAMES)
            if rng.random() < 0.25:
                middle = rng.choice("ABCDEJKLMRST")
                return f"{f} {middle}. {last}", f, last
            return f"{f} {last}", f, last

        full, f, last = self._unique(make)
        home = home or rng.choice(_US_MARKETS)
        _state, st, area = _US_CITIES[home][:3]
        born = _between(rng, date(1965, 1, 1), date(2004, 12, 31))
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
            props["alias"] = [rng.choice(_NICK_US)]
        ent = self.new("Person", kind, props, full)
        ent.city = home
        return ent

    def cn_person(self) -> _Ent:
        rng = self.rng

        def make() -> tuple[str, ...]:
            s, g = rng.choice(_CN_SURNAMES), rng.choice(_CN_GIVEN)
            return f"{s} {g}", g, s

        full, given, surname = self._unique(make)
        born = _between(rng, date(1968, 1, 1), date(1995, 12, 31))
        props = {
            "name": [full],
            "firstName": [given],
            "lastName": [surname],
            "nationality": ["cn"],
            "birthDate": [born.isoformat()],
        }
        return self.new("Person", "broker", props, full)

    def duplicate_of(self, p: _Ent) -> _Ent:
        """The same human recorded again, under a new id and a U.S. spelling of the name."""
        props = p.props
        first = props["firstName"][0]
        style = len(self.duplicates) % 3
        plain = unicodedata.normalize("NFD", p.name)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        if style == 0:
            name = plain
        elif style == 1:
            f0 = _ascii(first).title().split()
            given = f"{f0[0]} {f0[1][0]}." if len(f0) > 1 else f0[0]
            name = f"{given} {_ascii(props['fatherName'][0]).title()}"
        else:
            pat, mat = _ascii(props["fatherName"][0]), _ascii(props["motherName"][0])
            name = f"{_ascii(first).title()} {pat.title()}-{mat.title()}"
        dup_props = {"name": [name], "birthDate": props["birthDate"], "nationality": ["mx"]}
        if "alias" in props:
            dup_props["alias"] = props["alias"]
        dup = self.new("Person", p.kind, dup_props, name)
        dup.city = p.city
        self.duplicates.append((p.id, dup.id))
        return dup

    # organisations, places, things

    def supplier(self) -> _Ent:
        rng = self.rng
        if rng.random() < 0.75:
            city, province, region = rng.choice(
                [
                    ("Wuhan", "Hubei", "420100"),
                    ("Shijiazhuang", "Hebei", "130100"),
                    ("Hangzhou", "Zhejiang", "330100"),
                    ("Suzhou", "Jiangsu", "320500"),
                    ("Shenzhen", "Guangdong", "440300"),
                    ("Jinan", "Shandong", "370100"),
                ]
            )
            core = rng.choice(
                ["Jinyu", "Xinlong", "Ruiheng", "Huateng", "Kangda", "Yuanfeng", "Baisheng",
                 "Longxin", "Tianyuan", "Hengrui"]
            )  # fmt: skip
            trade = rng.choice(
                ["Biotechnology", "Chemical Trading", "Pharmaceutical Technology",
                 "Fine Chemicals", "New Material Technology"]
            )  # fmt: skip
            name = f"{city} {core} {trade} Co., Ltd."
            allowed = "0123456789ABCDEFGHJKLMNPQRTUWXY"
            reg = "91" + region + "".join(rng.choice(allowed) for _ in range(10))
            country, address = "cn", f"{city}, {province}, China"
        else:
            city, state = rng.choice(
                [("Mumbai", "MH"), ("Hyderabad", "TG"), ("Ahmedabad", "GJ"), ("Vadodara", "GJ")]
            )
            core = rng.choice(["Sunrise", "Veda", "Trident", "Lotus", "Shakti", "Orion"])
            name = f"{core} {rng.choice(['Organics', 'Chem', 'Lifesciences'])} Pvt. Ltd."
            year = rng.randint(2009, 2020)
            reg = f"U24100{state}{year}PTC{rng.randrange(100000, 999999)}"
            country, address = "in", f"{city}, India"
        if name in self.names:
            name = name.replace(" Co., Ltd.", " Import & Export Co., Ltd.")
        self.names.add(name)
        inc = _between(rng, date(2008, 1, 1), date(2022, 12, 31))
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

    def mx_company(self, kind: str, home: str | None = None) -> _Ent:
        rng = self.rng
        home = home or rng.choice([*_NARCO_HOMES, "Guadalajara", "Ciudad de México", "Monterrey"])
        state = _MX_CITIES[home][0]
        places = [
            "del Pacífico", "del Noroeste", "Mar de Cortés", "Sinaloense", "del Valle",
            "Santa Rosa", "San Miguel", "Los Álamos", "del Desierto", "La Frontera", "Vizcaíno",
            "El Fuerte", "Humaya", "Sierra Azul", "Río Bravo", "Tres Hermanos",
        ]  # fmt: skip
        heads = {
            "importer": ["Importadora Química", "Distribuidora de Reactivos",
                         "Comercializadora Industrial", "Servicios Químicos",
                         "Abastecedora Farmacéutica"],
            "front": ["Agrícola", "Constructora", "Autos Seminuevos", "Empacadora",
                      "Inmobiliaria", "Farmacias", "Comercializadora de Mariscos"],
            "transport": ["Transportes", "Fletes y Mudanzas", "Autotransportes",
                          "Logística Terrestre"],
            "exchange": ["Casa de Cambio", "Centro Cambiario"],
            "hotel": ["Hotel", "Casa de Huéspedes", "Transportes Turísticos"],
            "remit": ["Envíos", "Remesas y Pagos"],
        }  # fmt: skip
        forms = ["S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V."]
        for _ in range(100):
            name = f"{rng.choice(heads[kind])} {rng.choice(places)}, {rng.choice(forms)}"
            if name not in self.names:
                break
        self.names.add(name)
        inc = _between(rng, date(2006, 1, 1), date(2024, 6, 30))
        initials = [w[0] for w in _ascii(name.split(",")[0]).split() if len(w) > 2]
        rfc = ("".join(initials) + "XXX")[:3]
        hc = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(3))
        props = {
            "name": [name],
            "jurisdiction": ["mx"],
            "country": ["mx"],
            "taxNumber": [f"{rfc}{inc:%y%m%d}{hc}"],
            "registrationNumber": [f"N-{inc.year}{rng.randrange(100000, 999999)}"],
            "incorporationDate": [inc.isoformat()],
            "address": [f"{rng.choice(_MX_STREETS)} {rng.randint(10, 3999)}, {home}, {state}"],
        }
        ent = self.new("Company", kind, props, name)
        ent.city = home
        return ent

    def us_company(self, kind: str, home: str | None = None) -> _Ent:
        rng = self.rng
        home = home or rng.choice([*_US_BORDER, "Houston", "Los Angeles", "Dallas"])
        _state, st = _US_CITIES[home][:2]
        cores = [
            "Desert Sun", "Sonoran Fresh", "Santa Cruz Valley", "Canyon", "Border Star",
            "Rio Grande", "Saguaro", "Copper State", "Pinnacle", "Red Rock", "Mesquite",
            "Gateway", "Lone Star", "Pacific Rim", "Sunbelt", "Coronado",
        ]  # fmt: skip
        tails = {
            "produce": ["Produce LLC", "Fresh Distributors Inc.", "Farms LLC"],
            "logistics": ["Logistics LLC", "Freight Lines Inc.", "Trucking LLC"],
            "auto": ["Auto Sales LLC", "Motors Inc."],
            "money": ["Check Cashing LLC", "Money Services Inc.", "Wholesale Electronics LLC"],
        }
        for _ in range(100):
            name = f"{rng.choice(cores)} {rng.choice(tails[kind])}"
            if name not in self.names:
                break
        self.names.add(name)
        inc = _between(rng, date(2009, 1, 1), date(2024, 6, 30))
        num = rng.randint(100, 9999)
        props = {
            "name": [name],
            "jurisdiction": ["us"],
            "country": ["us"],
            "registrationNumber": [f"{st}-{rng.randrange(10**7, 10**8)}"],
            "taxNumber": [f"{rng.randint(20, 88)}-{rng.randrange(10**6, 10**7)}"],
            "incorporationDate": [inc.isoformat()],
            "address": [f"{num} {rng.choice(_US_STREETS)}, {home}, {st}"],
        }
        ent = self.new("Company", "us_" + kind, props, name)
        ent.city = home
        return ent

    def mx_address(self, city: str, *, site: str | None = None, kind: str = "mx_addr") -> _Ent:
        rng = self.rng
        state, _c, _a, lat, lon, postcode = _MX_CITIES[city]
        props: dict[str, list[str]]
        if site:
            village = rng.choice(_VILLAGES)
            full = f"{site}, camino a {village} km {rng.randint(3, 48)}, {city}, {state}, México"
            props = {"name": [site], "full": [full]}
            en, es = f"{site} near {city}, {state}", f"{site}, municipio de {city}, {state}"
            jitter = 0.25
        else:
            street = f"{rng.choice(_MX_STREETS)} {rng.randint(10, 3999)}"
            colonia = rng.choice(_MX_COLONIAS)
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

    def us_address(self, city: str, kind: str = "us_addr") -> _Ent:
        rng = self.rng
        state, st, _a, lat, lon, zp = _US_CITIES[city]
        street = f"{rng.randint(100, 9899)} {rng.choice(_US_STREETS)}"
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

    def vehicle(self, country: str, kind: str) -> _Ent:
        rng = self.rng
        noun_en, noun_es, fem, models = _VEHICLES[kind]
        model = rng.choice(models)
        year = rng.randint(2008, 2024)
        colour_en, col_m, col_f = rng.choice(_COLOURS)
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

    def account(self, country: str) -> _Ent:
        rng = self.rng
        props: dict[str, list[str]] = {"country": [country]}
        if country == "mx":
            bank = rng.choice(_MX_BANKS)
            props["accountNumber"] = [_clabe(rng, f"{rng.choice([12, 14, 21, 30, 36, 44, 72])}")]
            props["currency"] = [rng.choice(["MXN", "MXN", "USD"])]
        elif country == "us":
            bank = rng.choice(_US_BANKS)
            props["accountNumber"] = [f"{rng.randrange(10**9, 10**12)}"]
            props["currency"] = ["USD"]
        elif country == "hk":
            bank = rng.choice(_FOREIGN_BANKS["hk"])
            num = f"{rng.randint(100, 999)}-{rng.randrange(100000, 999999)}-{rng.randint(100, 999)}"
            props["accountNumber"] = [num]
            props["currency"] = ["USD"]
        elif country == "in":
            bank = rng.choice(_FOREIGN_BANKS["in"])
            props["accountNumber"] = [f"{rng.randrange(10**13, 10**14)}"]
            props["currency"] = ["USD"]
        else:
            bank = rng.choice(_FOREIGN_BANKS[country])
            if country == "gt":
                bban = "".join(rng.choice("ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(4))
                bban += "".join(str(rng.randint(0, 9)) for _ in range(20))
            elif country == "cr":
                bban = "0" + "".join(str(rng.randint(0, 9)) for _ in range(17))
            else:
                bban = "".join(str(rng.randint(0, 9)) for _ in range(20))
            props["iban"] = [_iban(country.upper(), bban)]
            props["currency"] = ["USD"]
        props["bankName"] = [bank]
        number = (props.get("iban") or props["accountNumber"])[0]
        ent = self.new("BankAccount", "account", props, f"{bank} {number}")
        ent.en = f"account {number} at {bank}"
        ent.es = f"la cuenta {number} de {bank}"
        return ent


# --- a report being written --------------------------------------------------------------


class _Draft:
    def __init__(self, world: _World, author: UserSpec, lang: str) -> None:
        self.w = world
        self.rng = world.rng
        self.author = author
        self.agency = author.agency
        self.nation = vocab.agency_nation(author.agency)
        self.lang = lang
        self.props: dict[str, dict[str, list[str]]] = {}
        self.schemas: dict[str, str] = {}

    def put(self, ent: _Ent, keys: Iterable[str]) -> _Ent:
        bucket = self.props.setdefault(ent.id, {})
        self.schemas[ent.id] = ent.schema
        for key in keys:
            for value in ent.props.get(key, []):
                values = bucket.setdefault(key, [])
                if value not in values:
                    values.append(value)
        if "name" in ent.props and "name" not in bucket:
            bucket["name"] = list(ent.props["name"])
        ent.nations.add(self.nation)
        return ent

    def add_value(self, ent: _Ent, key: str, value: str) -> None:
        """Assert a value the profile did not have yet (and keep it in the profile)."""
        values = ent.props.setdefault(key, [])
        if value not in values:
            values.append(value)
        self.put(ent, [key])

    def p(self, ent: _Ent, keys: Sequence[str] | None = None) -> _Ent:
        """Mention a person: the name and a plausible subset of what this agency would know."""
        if keys is not None:
            return self.put(ent, keys)
        if ent.id in self.props:
            return ent
        rng = self.rng
        chosen = ["name"]
        if rng.random() < 0.6:
            chosen += ["firstName", "fatherName", "motherName", "lastName"]
        if rng.random() < 0.7:
            chosen.append("alias")
        if rng.random() < 0.45:
            chosen.append("birthDate")
        if rng.random() < 0.6:
            chosen.append("nationality")
        if rng.random() < 0.3:
            chosen.append("gender")
        if rng.random() < (0.45 if self.nation == "MEX" else 0.15):
            chosen.append("idNumber")
        if rng.random() < 0.15:
            chosen.append("phone")
        if rng.random() < 0.25:
            chosen += ["taxNumber", "birthPlace"]
        chosen.append("position")
        return self.put(ent, chosen)

    def o(self, ent: _Ent) -> _Ent:
        """Mention an organisation or company with part of its register data."""
        if ent.id in self.props:
            return ent
        rng = self.rng
        chosen = ["name", "alias"]
        for key, chance in (
            ("jurisdiction", 0.7),
            ("country", 0.5),
            ("registrationNumber", 0.5),
            ("taxNumber", 0.6 if self.nation == "MEX" else 0.3),
            ("incorporationDate", 0.4),
            ("address", 0.4),
        ):
            if rng.random() < chance:
                chosen.append(key)
        return self.put(ent, chosen)

    def a(self, ent: _Ent) -> _Ent:
        """Mention an address, port or site."""
        return self.put(ent, list(ent.props))

    def v(self, ent: _Ent) -> _Ent:
        return self.put(ent, list(ent.props))

    def who(self, ent: _Ent) -> str:
        """How the text names a person: with the alias if this report asserts it."""
        alias = self.props.get(ent.id, {}).get("alias")
        if ent.schema == "Person" and alias:
            return f'{ent.name}, alias "{alias[0]}"'
        return ent.name

    def rel(self, schema: str, **props: list[str]) -> _Ent:
        """A relationship or interval entity; every entity it points to is in this report."""
        for prop_name, values in props.items():
            if prop_name in _ENTITY_PROPS:
                for value in values:
                    assert value in self.props, (schema, prop_name, value)
        clean = {k: v for k, v in props.items() if v}
        ent = self.w.new(schema, "rel", clean, schema)
        return self.put(ent, list(clean))

    def tr(self, pair: _T) -> str:
        return pair[1] if self.lang == "es" else pair[0]

    # people in a story

    def person(
        self,
        kind: str,
        make: Callable[[], _Ent],
        *,
        cross: float = 0.21,
        keys: Sequence[str] | None = None,
    ) -> _Ent:
        """Someone this story needs: often someone new, sometimes someone another nation's
        agency has already reported (so one profile gathers statements of both nations)."""
        w, rng = self.w, self.rng
        roll = rng.random()
        pool = [e for e in w.pools.get(kind, []) if e.id not in self.props]
        if roll < cross:
            other = [e for e in pool if self.nation not in e.nations and e.nations]
            fresh = [e for e in other if len(e.nations) == 1]
            pick = fresh or other
            if pick:
                chosen = rng.choice(pick)
                if (
                    self.nation == "USA"
                    and chosen.schema == "Person"
                    and "fatherName" in chosen.props
                    and len(w.duplicates) < 15
                    and rng.random() < 0.3
                ):
                    return self.p(w.duplicate_of(chosen), keys)
                return self.p(chosen, keys)
        elif roll < cross + 0.07:
            same = [e for e in pool if self.nation in e.nations]
            if same:
                return self.p(rng.choice(same), keys)
        return self.p(make(), keys)

    def narco(self, home: str | None = None, keys: Sequence[str] | None = None) -> _Ent:
        return self.person("narco", lambda: self.w.mx_person("narco", home=home), keys=keys)

    def smuggler(self, home: str | None = None) -> _Ent:
        def make() -> _Ent:
            roll = self.rng.random()
            if roll < 0.15:
                nat = self.rng.choice(["gt", "hn", "sv"])
                return self.w.mx_person("smuggler", home=home, nationality=nat, alias_p=0.3)
            return self.w.mx_person("smuggler", home=home, alias_p=0.45)

        return self.person("smuggler", make)

    def business(self, home: str | None = None) -> _Ent:
        return self.person(
            "business", lambda: self.w.mx_person("business", home=home, alias_p=0.05), cross=0.12
        )

    def american(
        self, kind: str, home: str | None = None, keys: Sequence[str] | None = None
    ) -> _Ent:
        return self.person(kind, lambda: self.w.us_person(kind, home=home), cross=0.12, keys=keys)

    def member(self, person: _Ent, org: _Ent, role: _T, since: date | None = None) -> None:
        self.o(org)
        props = {"member": [person.id], "organization": [org.id], "role": [self.tr(role)]}
        if since:
            props["startDate"] = [since.isoformat()]
        self.rel("Membership", **props)

    def payment(
        self,
        payer: _Ent,
        beneficiary: _Ent,
        amount: int,
        currency: str,
        day: date,
        purpose: _T,
        payer_acc: _Ent | None = None,
        ben_acc: _Ent | None = None,
    ) -> _Ent:
        props = {
            "payer": [payer.id],
            "beneficiary": [beneficiary.id],
            "amount": [f"{amount}.00"],
            "currency": [currency],
            "date": [day.isoformat()],
            "purpose": [self.tr(purpose)],
        }
        if payer_acc:
            props["payerAccount"] = [payer_acc.id]
        if ben_acc:
            props["beneficiaryAccount"] = [ben_acc.id]
        if self.rng.random() < 0.5:
            props["transactionNumber"] = [f"TX{self.rng.randrange(10**9, 10**10)}"]
        return self.rel("Payment", **props)

    def holds(self, holder: _Ent, account: _Ent) -> None:
        self.put(account, list(account.props))
        role = ("account holder", "titular de la cuenta")
        self.rel("Ownership", owner=[holder.id], asset=[account.id], role=[self.tr(role)])

    def entities(self) -> list[EntityIn]:
        return [
            EntityIn(id=eid, schema_=self.schemas[eid], properties=props)
            for eid, props in self.props.items()
        ]


_ENTITY_PROPS = {
    "payer", "beneficiary", "payerAccount", "beneficiaryAccount", "owner", "asset", "director",
    "organization", "member", "person", "relative", "associate", "vehicle", "involved",
    "startLocation", "endLocation", "addressEntity",
}  # fmt: skip


# --- stories ------------------------------------------------------------------------------


@dataclass
class _Story:
    predicate: str
    title: _T
    lead: _T
    more: list[_T]
    subject: str
    basis: _T


def _day(w: _World, start: date = date(2025, 1, 6), end: date = date(2026, 10, 20)) -> date:
    return _between(w.rng, start, end)


def _story_precursor(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    supplier = d.o(w.pick_or_new("supplier", 0.35, w.supplier, d))
    importer = d.o(w.pick_or_new("importer", 0.3, lambda: w.mx_company("importer"), d))
    port = d.a(w.seaports[rng.choice(_SEAPORTS)])
    director = d.business(importer.city)
    since = importer.props["incorporationDate"]
    d.rel(
        "Directorship",
        director=[director.id],
        organization=[importer.id],
        role=[d.tr(("sole administrator", "administrador único"))],
        startDate=since,
    )
    chem, decl = rng.choice(_CHEMICALS), rng.choice(_DECLARED)
    kg = rng.randrange(150, 4000, 25)
    day = _day(w)
    dt = _fds(day)
    country = ("China", "China") if supplier.props["country"] == ["cn"] else ("India", "India")
    prior, year = rng.randint(2, 9), rng.randint(2021, 2024)
    more: list[_T] = [
        (
            f"Field testing indicated approximately {kg:,} kg of {chem[0]}, a controlled "
            "fentanyl precursor.",
            f"Las pruebas de campo indicaron aproximadamente {kg:,} kg de {chem[1]}, precursor "
            "de fentanilo sujeto a control.",
        ),
        (
            f"The sole administrator of {importer.name}, {d.who(director)}, has no known "
            "background in the chemical industry.",
            f"El administrador único de {importer.name}, {d.who(director)}, no tiene "
            "antecedentes conocidos en la industria química.",
        ),
        (
            f"Customs records show {prior} earlier shipments from the same supplier since {year}.",
            f"Los registros aduaneros muestran {prior} embarques anteriores del mismo proveedor "
            f"desde {year}.",
        ),
    ]
    if rng.random() < 0.6:
        amount = rng.randrange(18000, 240000, 500)
        pay_day = day - timedelta(days=rng.randint(10, 60))
        acc_i = w.account("mx")
        acc_s = w.account("hk" if supplier.props["country"] == ["cn"] else "in")
        d.holds(importer, acc_i)
        d.holds(supplier, acc_s)
        purpose = ("import of raw materials", "importación de materias primas")
        d.payment(importer, supplier, amount, "USD", pay_day, purpose, acc_i, acc_s)
        m = _money(amount, "USD")
        pd = _fds(pay_day)
        more.append(
            (
                f"Banking records show a transfer of {m[0]} from {importer.name} to "
                f"{supplier.name} on {pd[0]}.",
                f"Registros bancarios muestran una transferencia de {m[1]} de {importer.name} a "
                f"{supplier.name} el {pd[1]}.",
            )
        )
    if rng.random() < 0.35:
        broker = d.person("broker", w.cn_person, cross=0.3)
        d.rel(
            "Associate",
            person=[director.id],
            associate=[broker.id],
            relationship=[d.tr(("sales contact", "contacto de ventas"))],
        )
        more.append(
            (
                f"Messages recovered from {director.name}'s phone show orders placed with "
                f"{broker.name}, a sales representative of the supplier.",
                f"Mensajes recuperados del teléfono de {director.name} muestran pedidos hechos "
                f"a {broker.name}, representante de ventas del proveedor.",
            )
        )
    if rng.random() < 0.6:
        agent = d.business(port.city)
        d.rel(
            "Associate",
            person=[agent.id],
            associate=[director.id],
            relationship=[d.tr(("customs broker for", "agente aduanal de"))],
        )
        more.append(
            (
                f"The entry was filed by customs broker {d.who(agent)}, who has handled every "
                f"import of {importer.name}.",
                f"El pedimento lo tramitó el agente aduanal {d.who(agent)}, quien ha gestionado "
                f"todas las importaciones de {importer.name}.",
            )
        )
    more.append(
        (
            f"The consignment was released to a bonded warehouse in {port.city} and collected "
            "by a private carrier.",
            f"La mercancía se liberó a un almacén fiscal en {port.city} y la recogió un "
            "transportista privado.",
        )
    )
    titles: list[_T] = [
        (
            f"Precursor shipment from {supplier.name} to {importer.name} via {port.city}",
            f"Embarque de precursores de {supplier.name} a {importer.name} vía {port.city}",
        ),
        (
            f"{chem[0]} declared as {decl[0]} at the port of {port.city}",
            f"Cargamento de {chem[1]} declarado como {decl[1]} en el puerto de {port.city}",
        ),
        (
            f"{importer.name} linked to repeated {chem[0]} imports",
            f"{importer.name} vinculada a importaciones reiteradas de {chem[1]}",
        ),
    ]
    return _Story(
        "precursor_diversion",
        rng.choice(titles),
        (
            f"On {dt[0]}, a container consigned to {importer.name} arrived at {port.label('en')} "
            f"from {supplier.name} ({country[0]}), declared as {decl[0]}.",
            f"El {dt[1]}, un contenedor consignado a {importer.name} llegó a {port.label('es')} "
            f"procedente de {supplier.name} ({country[1]}), declarado como {decl[1]}.",
        ),
        more,
        importer.name,
        (
            "Customs declarations and field test results",
            "Las declaraciones aduaneras y los resultados de las pruebas de campo",
        ),
    )


def _story_lab(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    town = rng.choice(_LAB_TOWNS)
    state = _MX_CITIES[town][0]
    site = d.a(w.mx_address(town, site=rng.choice(_LAB_SITES), kind="lab"))
    cell = d.o(rng.choice(w.cells))
    cooks = [d.narco(town) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    for cook in cooks:
        d.member(cook, cell, ("cook", "cocinero"))
        if rng.random() < 0.4:
            d.put(cook, [])
            d.props[cook.id].setdefault("addressEntity", []).append(site.id)
    boss = d.narco(cell.city)
    d.member(boss, cell, rng.choice(_ROLES_NARCO[:2]))
    day = _day(w)
    dt = _fds(day)
    force = _FORCE[d.agency]
    reactors, kg = rng.randint(2, 14), rng.randint(3, 160)
    pills = rng.randrange(5000, 600000, 500)
    names_en = _join([d.who(c) for c in cooks], "en")
    names_es = _join([d.who(c) for c in cooks], "es")
    plural = len(cooks) > 1
    more: list[_T] = [
        (
            f"The site held {reactors} reactors, pill presses and about {kg} kg of powder that "
            "tested presumptive positive for fentanyl.",
            f"En el sitio había {reactors} reactores, prensas para pastillas y cerca de {kg} kg "
            "de polvo con resultado presuntivo positivo a fentanilo.",
        ),
        (
            f"{names_en} {'were' if plural else 'was'} identified as "
            f"{'cooks' if plural else 'a cook'} working for {cell.name}.",
            f"Se identificó a {names_es} como {'cocineros' if plural else 'cocinero'} al "
            f"servicio de {cell.name}.",
        ),
        (
            f"Witnesses placed {d.who(boss)} at the site collecting finished product every week.",
            f"Testigos ubicaron a {d.who(boss)} en el sitio recogiendo producto terminado cada "
            "semana.",
        ),
        (
            f"Approximately {pills:,} counterfeit M30 tablets were ready to be moved north.",
            f"Aproximadamente {pills:,} pastillas M30 apócrifas estaban listas para su envío al "
            "norte.",
        ),
    ]
    if rng.random() < 0.4 and w.pools.get("supplier"):
        supplier = d.o(rng.choice(w.pools["supplier"]))
        more.append(
            (
                f"Empty drums labelled with the name of {supplier.name} were recovered.",
                f"Se recuperaron tambos vacíos con etiquetas de {supplier.name}.",
            )
        )
    titles: list[_T] = [
        (
            f"Clandestine laboratory dismantled near {town}, {state}",
            f"Desmantelamiento de laboratorio clandestino en {town}, {state}",
        ),
        (
            f"Surveillance of suspected fentanyl lab at {site.name.split(',')[0]}",
            f"Vigilancia de laboratorio clandestino en {town}",
        ),
        (
            f"Cooks working for {cell.name} identified at {town} lab",
            f"Identifican a cocineros de {cell.name} en laboratorio de {town}",
        ),
    ]
    return _Story(
        "fentanyl_production",
        rng.choice(titles),
        (
            f"On {dt[0]}, {force[0]} located a clandestine synthesis laboratory at "
            f"{site.label('en')}.",
            f"El {dt[1]}, {force[1]} localizaron un laboratorio clandestino de síntesis en "
            f"{site.label('es')}.",
        ),
        more,
        boss.name,
        ("Surveillance and on-site findings", "La vigilancia y los hallazgos en el sitio"),
    )


def _story_border(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    port = d.a(rng.choice(w.ports))
    us_driver = rng.random() < 0.4
    if us_driver:
        driver = d.american("us_courier", port.city if port.city in _US_CITIES else None)
    else:
        driver = d.narco()
    kind = rng.choice(["pickup", "car", "truck", "suv"])
    vehicle = d.v(w.vehicle("us" if us_driver else "mx", kind))
    if rng.random() < 0.5:
        d.rel("Ownership", owner=[driver.id], asset=[vehicle.id])
    day = _day(w)
    dt = _fds(day)
    hide = rng.choice(_HIDES if kind == "truck" else _HIDES[:3] + _HIDES[5:7])
    if rng.random() < 0.5:
        qty = rng.randint(4, 120)
        what = (f"{qty} kg of fentanyl powder", f"{qty} kg de fentanilo en polvo")
        short = (f"{qty} kg of fentanyl", f"{qty} kg de fentanilo")
    else:
        qty = rng.randrange(20000, 900000, 1000)
        what = (f"{qty:,} fentanyl pills", f"{qty:,} pastillas de fentanilo")
        short = (f"{qty:,} fentanyl pills", f"{qty:,} pastillas de fentanilo")
    dest_city = rng.choice(_US_MARKETS)
    dest = d.a(w.us_address(dest_city))
    start_city = rng.choice(_BORDER_TOWNS_MX)
    start = d.a(w.mx_address(start_city))
    d.rel(
        "Trip",
        name=[d.tr((f"{start_city} to {dest_city}", f"{start_city} a {dest_city}"))],
        startLocation=[start.id],
        endLocation=[dest.id],
        vehicle=[vehicle.id],
        involved=[driver.id],
        startDate=[day.isoformat()],
    )
    fee = rng.choice([1500, 2000, 3000, 5000, 8000])
    m = _money(fee, "USD")
    crossings, window = rng.randint(3, 25), rng.choice([30, 60, 90])
    more: list[_T] = [
        (
            f"A canine alert led to secondary inspection, where officers found {what[0]} "
            f"concealed in {hide[0]}.",
            f"Una alerta canina llevó a revisión secundaria, donde se localizaron {what[1]} "
            f"ocultos en {hide[1]}.",
        ),
        (
            f"The driver stated {_g(driver, 'he', 'she')} was paid {m[0]} to deliver the "
            f"vehicle to {dest.label('en')}.",
            f"{_g(driver, 'El conductor', 'La conductora')} declaró que le pagaron {m[1]} por "
            f"entregar el vehículo en {dest.label('es')}.",
        ),
        (
            f"License-plate reader data show the vehicle crossed {crossings} times in the "
            f"previous {window} days.",
            f"Los lectores de placas registran {crossings} cruces del vehículo en los "
            f"{window} días previos.",
        ),
    ]
    if rng.random() < 0.5:
        handler = d.narco(start_city if start_city in _MX_CITIES else None)
        d.rel(
            "Associate",
            person=[driver.id],
            associate=[handler.id],
            relationship=[d.tr(("handler", "contacto que da instrucciones"))],
        )
        more.append(
            (
                f"Phone extraction links the driver to {d.who(handler)}, who gave instructions "
                "by voice messages.",
                f"La extracción del teléfono vincula a {driver.name} con {d.who(handler)}, "
                "quien le daba instrucciones por mensajes de voz.",
            )
        )
    if rng.random() < 0.35:
        passenger = d.narco() if rng.random() < 0.6 else d.american("us_courier")
        d.rel(
            "Associate",
            person=[driver.id],
            associate=[passenger.id],
            relationship=[d.tr(("travel companion", "acompañante"))],
        )
        more.append(
            (
                f"The passenger, {d.who(passenger)}, claimed not to know about the load.",
                f"{_g(passenger, 'El acompañante', 'La acompañante')}, {d.who(passenger)}, "
                "afirmó desconocer la carga.",
            )
        )
    port_short = (port.label("en"), port.label("es"))
    titles: list[_T] = [
        (
            f"{short[0].capitalize()} concealed in vehicle at {port_short[0]}",
            f"Aseguran {short[1]} ocultos en vehículo en {port_short[1]}",
        ),
        (
            f"Secondary inspection of plates {vehicle.props['registrationNumber'][0]} "
            f"at {port_short[0]}",
            f"Revisión secundaria del vehículo con placas "
            f"{vehicle.props['registrationNumber'][0]} en {port_short[1]}",
        ),
        (
            f"Courier {driver.name} intercepted at {port_short[0]}",
            f"Interceptan a {driver.name} al cruzar por {port_short[1]}",
        ),
    ]
    return _Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"On {dt[0]}, {d.who(driver)}, driving {vehicle.label('en')}, applied for entry at "
            f"{port_short[0]}.",
            f"El {dt[1]}, {d.who(driver)}, a bordo de {vehicle.label('es')}, solicitó el "
            f"ingreso por {port_short[1]}.",
        ),
        more,
        driver.name,
        (
            "The seizure, the driver's statements and crossing records",
            "El aseguramiento, las declaraciones del conductor y los registros de cruce",
        ),
    )


def _story_distribution(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    cell = d.o(rng.choice(w.us_cells))
    city = cell.city
    leader = d.american("us_dist", city)
    d.member(leader, cell, ("leader", "líder"))
    seller = d.american("us_dist", city)
    d.member(seller, cell, ("street-level distributor", "distribuidor al menudeo"))
    stash = d.a(w.us_address(city))
    d.props[leader.id].setdefault("addressEntity", []).append(stash.id)
    day = _day(w)
    dt = _fds(day)
    pills = rng.choice([100, 200, 500, 1000, 2000, 5000])
    price = pills * rng.choice([3, 4, 5, 6])
    m = _money(price, "USD")
    more: list[_T] = [
        (
            f"On {dt[0]}, an undercover officer bought {pills:,} tablets from {d.who(seller)} "
            f"for {m[0]}.",
            f"El {dt[1]}, un agente encubierto compró {pills:,} pastillas a {d.who(seller)} "
            f"por {m[1]}.",
        ),
        (
            f"Surveillance tied the cell to a residence at {stash.label('en')}, used to store "
            "bulk pills.",
            f"La vigilancia vinculó a la célula con un domicilio en {stash.label('es')}, "
            "utilizado para almacenar pastillas a granel.",
        ),
    ]
    if rng.random() < 0.6:
        source = d.narco()
        d.rel(
            "Associate",
            person=[leader.id],
            associate=[source.id],
            relationship=[d.tr(("source of supply", "proveedor"))],
        )
        more.append(
            (
                f"Toll records show frequent contact between {leader.name} and {d.who(source)}, "
                f"a suspected source of supply in {source.city}.",
                f"Los registros telefónicos muestran contacto frecuente entre {leader.name} y "
                f"{d.who(source)}, presunto proveedor en {source.city}.",
            )
        )
    if rng.random() < 0.6:
        runner = d.american("us_dist", city)
        d.member(runner, cell, ("money courier", "mensajero de dinero"))
        more.append(
            (
                f"{d.who(runner)} was seen collecting cash and depositing it at several bank "
                "branches in amounts under USD 10,000.",
                f"Se observó a {d.who(runner)} recoger efectivo y depositarlo en varias "
                "sucursales bancarias en montos menores a 10,000 dólares.",
            )
        )
    if rng.random() < 0.4:
        car = d.v(w.vehicle("us", rng.choice(["car", "suv", "pickup"])))
        d.rel("Ownership", owner=[seller.id], asset=[car.id])
        more.append(
            (
                f"{seller.name} drives {car.label('en')} to meet buyers.",
                f"{seller.name} utiliza {car.label('es')} para reunirse con compradores.",
            )
        )
    titles: list[_T] = [
        (
            f"{cell.name} distributing fentanyl pills in {city}",
            f"{cell.name} distribuye pastillas de fentanilo en {city}",
        ),
        (f"Controlled purchase from {seller.name} in {city}", f"Compra controlada en {city}"),
        (
            f"Surveillance of stash house at {stash.label('en')}",
            f"Vigilancia de casa de seguridad en {stash.label('es')}",
        ),
    ]
    return _Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"{cell.name}, led by {d.who(leader)}, is distributing counterfeit oxycodone tablets "
            f"in the {city} area.",
            f"{cell.name}, encabezada por {d.who(leader)}, distribuye pastillas apócrifas de "
            f"oxicodona en el área de {city}.",
        ),
        more,
        leader.name,
        (
            "Controlled purchases, surveillance and toll analysis",
            "Las compras controladas, la vigilancia y el análisis de llamadas",
        ),
    )


def _story_laundering(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    us_kind = rng.choice(["money", "produce", "logistics"])
    us_co = d.o(w.pick_or_new("us_" + us_kind, 0.3, lambda: w.us_company(us_kind), d))
    mx_kind = rng.choice(["exchange", "front", "front"])
    mx_co = d.o(w.pick_or_new(mx_kind, 0.3, lambda: w.mx_company(mx_kind), d))
    signer = d.business(mx_co.city if mx_co.city in _MX_CITIES else None)
    d.rel(
        "Directorship",
        director=[signer.id],
        organization=[mx_co.id],
        role=[d.tr(("legal representative", "apoderado legal"))],
    )
    acc_us, acc_mx = w.account("us"), w.account("mx")
    d.holds(us_co, acc_us)
    d.holds(mx_co, acc_mx)
    start = _day(w, date(2025, 1, 6), date(2026, 5, 31))
    end = start + timedelta(days=rng.randint(20, 120))
    deposits = rng.randint(12, 140)
    more: list[_T] = []
    total = 0
    for _ in range(rng.randint(1, 3)):
        amount = rng.randrange(25000, 480000, 250)
        total += amount
        day = _between(rng, start, end)
        purpose = rng.choice(_PURPOSES)
        d.payment(us_co, mx_co, amount, "USD", day, purpose, acc_us, acc_mx)
    m = _money(total, "USD")
    if rng.random() < 0.5:
        boss = d.narco(mx_co.city if mx_co.city in _MX_CITIES else None)
        amount = rng.randrange(200000, 3000000, 1000)
        day = end + timedelta(days=rng.randint(2, 20))
        acc_b = w.account("mx")
        d.holds(boss, acc_b)
        d.payment(mx_co, boss, amount, "MXN", day, rng.choice(_PURPOSES), acc_mx, acc_b)
        mb = _money(amount, "MXN")
        more.append(
            (
                f"{mx_co.name} then paid {mb[0]} to {d.who(boss)}, who has no declared "
                "business relationship with the company.",
                f"Posteriormente {mx_co.name} pagó {mb[1]} a {d.who(boss)}, quien no tiene "
                "relación comercial declarada con la empresa.",
            )
        )
    if rng.random() < 0.6:
        manager = d.american("us_business", us_co.city if us_co.city in _US_CITIES else None)
        d.rel(
            "Directorship",
            director=[manager.id],
            organization=[us_co.id],
            role=[d.tr(("managing member", "socio administrador"))],
        )
        more.append(
            (
                f"{d.who(manager)}, managing member of {us_co.name}, made most of the deposits "
                "in person.",
                f"{d.who(manager)}, socio administrador de {us_co.name}, realizó personalmente "
                "la mayoría de los depósitos.",
            )
        )
    more += [
        (
            f"{signer.name} is the sole authorised signatory on the Mexican account.",
            f"{signer.name} es el único firmante autorizado de la cuenta mexicana.",
        ),
        (
            f"The beneficiary reports no employees and its declared address is a residence in "
            f"{mx_co.city}.",
            f"La beneficiaria no reporta empleados y su domicilio fiscal es una casa habitación "
            f"en {mx_co.city}.",
        ),
        (
            "The pattern is consistent with trade-based laundering of drug proceeds.",
            "El patrón es consistente con lavado de recursos del narcotráfico mediante "
            "operaciones comerciales.",
        ),
    ]
    a, b = _fds(start), _fds(end)
    titles: list[_T] = [
        (
            f"Structured deposits routed to {mx_co.name}",
            f"Depósitos fraccionados canalizados a {mx_co.name}",
        ),
        (
            f"Drug proceeds laundered through {us_co.name}",
            f"Recursos de procedencia ilícita dispersados a través de {us_co.name}",
        ),
        (
            f"Wire transfers between {us_co.name} and {mx_co.name} flagged",
            f"Transferencias entre {us_co.name} y {mx_co.name} reportadas como inusuales",
        ),
    ]
    return _Story(
        "money_laundering",
        rng.choice(titles),
        (
            f"Between {a[0]} and {b[0]}, {deposits} cash deposits below the reporting threshold "
            f"were made into an account of {us_co.name}, which wired a total of {m[0]} to "
            f"{mx_co.name}.",
            f"Entre el {a[1]} y el {b[1]} se realizaron {deposits} depósitos en efectivo por "
            f"debajo del umbral de reporte en una cuenta de {us_co.name}, que transfirió en "
            f"total {m[1]} a {mx_co.name}.",
        ),
        more,
        mx_co.name,
        (
            "Suspicious activity reports and account records",
            "Los reportes de operaciones inusuales y los estados de cuenta",
        ),
    )


def _story_front(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    kind = rng.choice(["front", "front", "transport"])
    company = d.o(w.pick_or_new(kind, 0.25, lambda: w.mx_company(kind), d))
    d.put(company, ["incorporationDate"])
    home = company.city if company.city in _MX_CITIES else None
    director = d.business(home)
    leader = d.narco(home)
    cell = rng.choice(w.cells)
    d.member(leader, cell, rng.choice(_ROLES_NARCO))
    d.rel(
        "Directorship",
        director=[director.id],
        organization=[company.id],
        role=[d.tr(("sole administrator", "administrador único"))],
        startDate=company.props["incorporationDate"],
    )
    kin = rng.choice(_KIN_F if _g(director, "m", "f") == "f" else _KIN_M)
    d.rel("Family", person=[leader.id], relative=[director.id], relationship=[d.tr(kin)])
    share = rng.choice(["50", "60", "75", "90", "100"])
    d.rel("Ownership", owner=[director.id], asset=[company.id], percentage=[share])
    inc = _fds(date.fromisoformat(company.props["incorporationDate"][0]))
    more: list[_T] = [
        (
            f"{director.name} is the {kin[0]} of {d.who(leader)}, a suspected member of "
            f"{cell.name}.",
            f"{director.name} es {kin[1]} de {d.who(leader)}, presunto integrante de {cell.name}.",
        ),
        (
            f"Registry records show {director.name} holds {share}% of the shares.",
            f"El registro muestra que {director.name} posee el {share}% de las acciones.",
        ),
        (
            "The director's declared income cannot account for the capital contributed.",
            "Los ingresos declarados del administrador no justifican el capital aportado.",
        ),
    ]
    if rng.random() < 0.6:
        truck = d.v(w.vehicle("mx", rng.choice(["truck", "pickup", "suv"])))
        d.rel("Ownership", owner=[company.id], asset=[truck.id])
        more.append(
            (
                f"{company.name} owns {truck.label('en')}, which {leader.name} is regularly seen "
                "driving.",
                f"{company.name} es propietaria de {truck.label('es')}, que {leader.name} "
                "conduce habitualmente.",
            )
        )
    titles: list[_T] = [
        (
            f"Nominee directors of {company.name} linked to {leader.name}",
            f"Prestanombres de {company.name} vinculados con {leader.name}",
        ),
        (f"Corporate structure of {company.name}", f"Estructura societaria de {company.name}"),
    ]
    return _Story(
        "money_laundering",
        rng.choice(titles),
        (
            f"{company.name} was incorporated in {company.city} on {inc[0]} with "
            f"{d.who(director)} as sole administrator.",
            f"{company.name} se constituyó en {company.city} el {inc[1]} con "
            f"{d.who(director)} como administrador único.",
        ),
        more,
        leader.name,
        (
            "Corporate registry data and kinship analysis",
            "Los datos del registro mercantil y el análisis de vínculos familiares",
        ),
    )


def _story_arms(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    city = rng.choice(_US_ARMS)
    buyers = [d.american("straw", city) for _ in range(rng.choice([1, 2, 2, 3]))]
    cell = d.o(rng.choice(w.cells))
    recipient = d.narco()
    d.member(recipient, cell, ("weapons procurement", "encargado de adquirir armas"))
    for buyer in buyers:
        d.rel(
            "Associate",
            person=[buyer.id],
            associate=[recipient.id],
            relationship=[d.tr(("straw purchaser for", "compra armas para"))],
        )
    port = d.a(rng.choice(w.ports))
    start = _day(w, date(2025, 1, 6), date(2026, 7, 31))
    end = start + timedelta(days=rng.randint(30, 90))
    a, b = _fds(start), _fds(end)
    rifles, fifties = rng.randint(6, 60), rng.randint(0, 6)
    fee = rng.choice([100, 150, 200, 300])
    recovered = rng.choice(["Culiacán", "Caborca", "Tijuana", "Ciudad Juárez", "Uruapan"])
    names_en = _join([d.who(x) for x in buyers], "en")
    names_es = _join([d.who(x) for x in buyers], "es")
    more: list[_T] = [
        (
            f"Traces of rifles recovered in {recovered} returned to purchases by {buyers[0].name}.",
            f"El rastreo de fusiles asegurados en {recovered} remite a compras de "
            f"{buyers[0].name}.",
        ),
        (
            f"{d.who(recipient)} is believed to receive the firearms on behalf of {cell.name}.",
            f"Se presume que {d.who(recipient)} recibe las armas por cuenta de {cell.name}.",
        ),
        (
            f"The buyers were paid about USD {fee} per rifle.",
            f"A los compradores se les pagaban alrededor de {fee} dólares por fusil.",
        ),
        (
            f"The firearms are believed to cross southbound at {port.label('en')}.",
            f"Se cree que las armas cruzan hacia el sur por {port.label('es')}.",
        ),
    ]
    titles: list[_T] = [
        (
            f"Straw purchases of rifles in {city} linked to {cell.name}",
            f"Compras de fusiles por prestanombres en {city} vinculadas con {cell.name}",
        ),
        (
            f"Southbound firearms smuggling through {port.label('en')}",
            f"Tráfico de armas hacia el sur por {port.label('es')}",
        ),
    ]
    fifty_en = f" and {fifties} .50-caliber rifles" if fifties else ""
    fifty_es = f" y {fifties} fusiles calibre .50" if fifties else ""
    return _Story(
        "arms_trafficking",
        rng.choice(titles),
        (
            f"Between {a[0]} and {b[0]}, {names_en} bought {rifles} AR-type rifles{fifty_en} at "
            f"licensed dealers in the {city} area.",
            f"Entre el {a[1]} y el {b[1]}, {names_es} adquirieron {rifles} fusiles tipo "
            f"AR{fifty_es} en armerías autorizadas del área de {city}.",
        ),
        more,
        recipient.name,
        ("Firearms trace results and purchase records", "El rastreo de armas y los registros"),
    )


def _story_corruption(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    city = rng.choice([*_BORDER_TOWNS_MX, "Culiacán", "Caborca", "Altar"])
    customs = rng.random() < 0.4
    if customs:
        position = (
            f"customs inspector in {city}",
            f"verificador de la Agencia Nacional de Aduanas en {city}",
        )
    else:
        position = (
            f"municipal police commander in {city}",
            f"comandante de la Policía Municipal de {city}",
        )

    def make() -> _Ent:
        ent = w.mx_person("official", home=city, alias_p=0.1)
        ent.props["position"] = [position[1]]
        return ent

    official = d.person("official", make, cross=0.1)
    payer = d.narco(city)
    cell = rng.choice(w.cells + w.rings)
    d.member(payer, cell, rng.choice(_ROLES_NARCO))
    day = _day(w)
    monthly = rng.choice([20000, 30000, 50000, 80000, 120000, 250000])
    acc = w.account("mx")
    d.holds(official, acc)
    d.payment(payer, official, monthly, "MXN", day, ("loan", "préstamo personal"), None, acc)
    m = _money(monthly, "MXN")
    d.rel(
        "Associate",
        person=[official.id],
        associate=[payer.id],
        relationship=[d.tr(("receives payments from", "recibe pagos de"))],
    )
    more: list[_T] = [
        (
            f"{d.who(payer)}, of {cell.name}, is said to deliver {m[0]} a month.",
            f"Se señala que {d.who(payer)}, de {cell.name}, entrega {m[1]} mensuales.",
        ),
        (
            "A transfer disguised as a personal loan was identified in the official's account.",
            "Se identificó en la cuenta del servidor público una transferencia simulada como "
            "préstamo personal.",
        ),
        (
            "Informants report that patrols are withdrawn from the area when loads move.",
            "Informantes refieren que los patrullajes se retiran de la zona cuando se mueven "
            "cargamentos.",
        ),
    ]
    titles: list[_T] = [
        (f"Payments to a public official in {city}", f"Pagos a servidor público en {city}"),
        (
            f"{position[0].capitalize()} allegedly paid to let loads through",
            f"Presuntos sobornos a {position[1]}",
        ),
    ]
    return _Story(
        "corruption",
        rng.choice(titles),
        (
            f"{d.who(official)}, {position[0]}, is suspected of receiving regular payments from "
            f"{cell.name}.",
            f"Se presume que {d.who(official)}, {position[1]}, recibe pagos periódicos de "
            f"{cell.name}.",
        ),
        more,
        official.name,
        ("Informant reporting and bank records", "La información de fuentes humanas y bancaria"),
    )


def _story_stash(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    city = rng.choice(_US_STASH)
    house = d.a(w.us_address(city, kind="stash"))
    ring = d.o(rng.choice(w.rings))
    keeper = d.american("us_smuggler", city) if rng.random() < 0.5 else d.smuggler(ring.city)
    d.member(keeper, ring, ("stash-house keeper", "encargado de casa de seguridad"))
    d.props[keeper.id].setdefault("addressEntity", []).append(house.id)
    day = _day(w)
    dt = _fds(day)
    count = rng.randint(8, 64)
    origins = rng.sample(_ORIGINS, 2)
    fee = rng.choice([3500, 5000, 7000, 9000])
    m = _money(fee, "USD")
    more: list[_T] = [
        (
            f"{count} migrants from {origins[0][0]} and {origins[1][0]} were found inside; "
            f"several said they were held until relatives paid {m[0]}.",
            f"Dentro se encontraron {count} migrantes originarios de {origins[0][1]} y "
            f"{origins[1][1]}; varios dijeron que los retenían hasta que sus familiares "
            f"pagaran {m[1]}.",
        ),
        (
            f"The house is rented by {d.who(keeper)}, who is linked to {ring.name}.",
            f"La casa está rentada a nombre de {d.who(keeper)}, vinculado con {ring.name}.",
        ),
    ]
    if rng.random() < 0.6:
        driver = d.smuggler()
        van = d.v(w.vehicle("us", "van"))
        d.member(driver, ring, ("driver", "chofer"))
        d.rel(
            "Trip",
            name=[d.tr((f"Border to {city}", f"Frontera a {city}"))],
            endLocation=[house.id],
            vehicle=[van.id],
            involved=[driver.id],
            startDate=[(day - timedelta(days=rng.randint(1, 6))).isoformat()],
        )
        more.append(
            (
                f"{d.who(driver)} was seen arriving in {van.label('en')} with more people.",
                f"Se observó a {d.who(driver)} llegar en {van.label('es')} con más personas.",
            )
        )
    more.append(
        (
            "Neighbours reported windows covered with foil and people arriving at night.",
            "Vecinos reportaron ventanas cubiertas con papel aluminio y llegadas de personas "
            "durante la noche.",
        )
    )
    titles: list[_T] = [
        (
            f"Surveillance of stash house at {house.label('en')}",
            f"Vigilancia de casa de seguridad en {house.label('es')}",
        ),
        (
            f"Stash house holding {count} migrants in {city}",
            f"Casa de seguridad con {count} migrantes en {city}",
        ),
    ]
    return _Story(
        "human_smuggling",
        rng.choice(titles),
        (
            f"On {dt[0]}, {_FORCE[d.agency][0]} surveilled a residence at {house.label('en')} "
            "suspected of holding smuggled migrants.",
            f"El {dt[1]}, {_FORCE[d.agency][1]} vigilaron un domicilio en {house.label('es')} "
            "presuntamente utilizado para retener a migrantes.",
        ),
        more,
        keeper.name,
        ("Surveillance and witness statements", "La vigilancia y las declaraciones de testigos"),
    )


def _story_coyotes(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    ring = d.o(rng.choice(w.rings))
    town = ring.city
    route = rng.choice(_ROUTES)
    guides = [d.smuggler(town) for _ in range(rng.choice([1, 2, 2, 3]))]
    for g in guides:
        d.member(g, ring, ("guide", "guía"))
    recruiter = d.smuggler()
    d.member(recruiter, ring, ("recruiter", "enganchador"))
    origin = rng.choice(["Tapachula", "Ciudad de Guatemala", "San Pedro Sula", "San Salvador"])
    f1, f2 = rng.choice([(4000, 6000), (5000, 8000), (6000, 9000), (7000, 12000)])
    names_en = _join([d.who(g) for g in guides], "en")
    names_es = _join([d.who(g) for g in guides], "es")
    more: list[_T] = [
        (
            f"{d.who(recruiter)} recruits migrants in {origin} and charges between USD {f1:,} "
            f"and USD {f2:,} per person.",
            f"{d.who(recruiter)} engancha migrantes en {origin} y cobra entre {f1:,} y "
            f"{f2:,} dólares por persona.",
        ),
        (
            f"{names_en} {'act as guides' if len(guides) > 1 else 'acts as a guide'} on the "
            f"{route[0]} route.",
            f"{names_es} {'fungen como guías' if len(guides) > 1 else 'funge como guía'} en la "
            f"ruta {route[1]}.",
        ),
    ]
    if rng.random() < 0.6:
        hotel = d.o(w.pick_or_new("hotel", 0.3, lambda: w.mx_company("hotel", town), d))
        lodging = d.a(w.mx_address(town if town in _MX_CITIES else "Altar"))
        d.props[hotel.id].setdefault("addressEntity", []).append(lodging.id)
        owner = d.smuggler(town)
        d.rel("Ownership", owner=[owner.id], asset=[hotel.id])
        more.append(
            (
                f"Migrants are lodged at {hotel.name}, {lodging.label('en')}, owned by "
                f"{owner.name}.",
                f"Los migrantes se hospedan en {hotel.name}, {lodging.label('es')}, propiedad "
                f"de {owner.name}.",
            )
        )
    if rng.random() < 0.5:
        collector = d.smuggler()
        d.member(collector, ring, ("money collector", "cobrador"))
        more.append(
            (
                f"Payments are collected by {d.who(collector)} through money-transfer agents.",
                f"Los pagos los cobra {d.who(collector)} a través de agentes de envío de dinero.",
            )
        )
    titles: list[_T] = [
        (
            f"Smuggling guides of {ring.name} operating from {town}",
            f"Red de polleros operando en {town}",
        ),
        (
            f"{ring.name} guides identified on the {route[0]} route",
            f"Guías de {ring.name} identificados en la ruta {route[1]}",
        ),
    ]
    return _Story(
        "human_smuggling",
        rng.choice(titles),
        (
            f"{ring.name} moves groups of 10 to 30 migrants from {town}, Sonora, across the "
            "desert into Arizona.",
            f"La organización {ring.name} traslada grupos de 10 a 30 migrantes desde {town}, "
            "Sonora, a través del desierto hacia Arizona.",
        ),
        more,
        ring.name,
        (
            "Interviews with migrants and field observation",
            "Las entrevistas con migrantes y la observación en campo",
        ),
    )


def _story_transport(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    road = rng.choice(_HIGHWAYS)
    ring = d.o(rng.choice(w.rings))
    driver = d.american("us_smuggler") if rng.random() < 0.5 else d.smuggler()
    d.member(driver, ring, ("driver", "chofer"))
    kind = rng.choice(["van", "suv", "pickup"])
    vehicle = d.v(w.vehicle(rng.choice(["us", "mx"]), kind))
    dest_city = rng.choice(["Phoenix", "Tucson", "Houston", "San Antonio", "Dallas"])
    dest = d.a(w.us_address(dest_city, kind="stash"))
    day = _day(w)
    dt = _fds(day)
    count = rng.randint(5, 19)
    d.rel(
        "Trip",
        name=[d.tr((f"Border to {dest_city}", f"Frontera a {dest_city}"))],
        endLocation=[dest.id],
        vehicle=[vehicle.id],
        involved=[driver.id],
        startDate=[day.isoformat()],
        endDate=[day.isoformat()],
    )
    pay = rng.choice([500, 800, 1000, 1500])
    m = _money(pay, "USD")
    more: list[_T] = [
        (
            f"The driver, {d.who(driver)}, said {_g(driver, 'he', 'she')} was recruited "
            f"through social media and paid {m[0]} per passenger.",
            f"{_g(driver, 'El conductor', 'La conductora')}, {d.who(driver)}, dijo que "
            f"{_g(driver, 'lo', 'la')} reclutaron por redes sociales y que le pagaban {m[1]} "
            "por pasajero.",
        ),
        (
            f"A navigation app on the driver's phone held the address {dest.label('en')}.",
            f"Una aplicación de navegación en su teléfono tenía registrada la dirección "
            f"{dest.label('es')}.",
        ),
        (
            f"Messages on the phone point to a coordinator linked to {ring.name}.",
            f"Mensajes en el teléfono apuntan a un coordinador vinculado con {ring.name}.",
        ),
    ]
    titles: list[_T] = [
        (
            f"Vehicle with {count} migrants stopped on {road[0]}",
            f"Vehículo con {count} migrantes asegurado en {road[1]}",
        ),
        (
            f"Failure to yield with {count} migrants on {road[0]}",
            f"Persecución de vehículo con {count} migrantes en {road[1]}",
        ),
    ]
    return _Story(
        "human_smuggling",
        rng.choice(titles),
        (
            f"On {dt[0]}, {vehicle.label('en')} failed to yield on {road[0]} and was stopped "
            f"with {count} migrants on board.",
            f"El {dt[1]}, {vehicle.label('es')} evadió una revisión en {road[1]} y fue detenida "
            f"con {count} migrantes a bordo.",
        ),
        more,
        driver.name,
        (
            "The traffic stop, migrant interviews and phone extraction",
            "La detención del vehículo, las entrevistas y la extracción del teléfono",
        ),
    )


def _story_smuggling_money(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    ring = d.o(rng.choice(w.rings))
    remit = d.o(w.pick_or_new("remit", 0.4, lambda: w.mx_company("remit"), d))
    collector = d.smuggler()
    d.member(collector, ring, ("money collector", "cobrador"))
    leader = d.smuggler(ring.city)
    d.member(leader, ring, ("ring leader", "líder de la red"))
    acc_c, acc_l = w.account("mx"), w.account(rng.choice(["mx", "gt", "cr"]))
    d.holds(collector, acc_c)
    d.holds(leader, acc_l)
    start = _day(w, date(2025, 1, 6), date(2026, 8, 31))
    transfers = rng.randint(40, 400)
    total = 0
    for _ in range(rng.randint(1, 3)):
        amount = rng.randrange(40000, 900000, 500)
        total += amount
        day = start + timedelta(days=rng.randint(0, 45))
        d.payment(collector, leader, amount, "MXN", day, rng.choice(_PURPOSES), acc_c, acc_l)
    m = _money(total, "MXN")
    s = _fds(start)
    more: list[_T] = [
        (
            f"The money was moved on to {d.who(leader)} in transfers totalling {m[0]}.",
            f"El dinero se transfirió después a {d.who(leader)} en operaciones que suman {m[1]}.",
        ),
        (
            f"Senders are relatives of migrants in the United States; the amounts match the "
            f"fees charged by {ring.name}.",
            f"Los remitentes son familiares de migrantes en Estados Unidos; los montos "
            f"coinciden con las cuotas que cobra {ring.name}.",
        ),
        (
            "Several receipts were collected by third parties using the same identification.",
            "Varios envíos fueron cobrados por terceros con la misma identificación.",
        ),
    ]
    titles: list[_T] = [
        (
            f"Smuggling fees collected through {remit.name}",
            f"Cobro de cuotas de tráfico de personas a través de {remit.name}",
        ),
        (
            f"Money collector of {ring.name} identified",
            f"Identifican a cobrador de {ring.name}",
        ),
    ]
    return _Story(
        "money_laundering",
        rng.choice(titles),
        (
            f"Since {s[0]}, {d.who(collector)} has received {transfers} money transfers through "
            f"{remit.name}.",
            f"Desde el {s[1]}, {d.who(collector)} ha recibido {transfers} envíos de dinero a "
            f"través de {remit.name}.",
        ),
        more,
        collector.name,
        (
            "Remittance records and account statements",
            "Los registros de envíos de dinero y los estados de cuenta",
        ),
    )


def _story_trafficking(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    us_side = d.nation == "USA"
    city = (
        rng.choice(["Houston", "Phoenix", "Dallas", "Las Vegas"])
        if us_side
        else rng.choice(["Tijuana", "Ciudad Juárez", "Mexicali", "Nogales"])
    )
    recruiter = d.smuggler()
    if us_side:
        venue = d.o(w.pick_or_new("us_logistics", 0.2, lambda: w.us_company("logistics", city), d))
        boss = d.american("us_smuggler", city)
    else:
        venue = d.o(w.pick_or_new("hotel", 0.2, lambda: w.mx_company("hotel", city), d))
        boss = d.smuggler(city)
    d.rel(
        "Directorship",
        director=[boss.id],
        organization=[venue.id],
        role=[d.tr(("manager", "gerente"))],
    )
    d.rel(
        "Associate",
        person=[recruiter.id],
        associate=[boss.id],
        relationship=[d.tr(("supplies workers to", "le provee trabajadores"))],
    )
    count = rng.randint(4, 22)
    debt = rng.choice([8000, 12000, 15000, 20000])
    m = _money(debt, "USD")
    more: list[_T] = [
        (
            f"{count} workers said {d.who(recruiter)} promised them jobs and then charged a "
            f"debt of {m[0]} for the journey.",
            f"{count} trabajadores declararon que {d.who(recruiter)} les prometió empleo y "
            f"después les impuso una deuda de {m[1]} por el traslado.",
        ),
        (
            "Identity documents were withheld and wages were kept to pay the debt.",
            "Les retuvieron los documentos de identidad y el salario para pagar la deuda.",
        ),
        (
            f"{boss.name} manages {venue.name} and set the workers' hours.",
            f"{boss.name} administra {venue.name} y fijaba los horarios de los trabajadores.",
        ),
    ]
    return _Story(
        "human_trafficking",
        (
            f"Workers held in debt bondage by {venue.name} in {city}",
            f"Trabajadores sometidos a servidumbre por deudas en {venue.name}, {city}",
        ),
        (
            f"Victim interviews in {city} describe forced labour linked to {venue.name}.",
            f"Entrevistas a víctimas en {city} describen trabajo forzoso vinculado con "
            f"{venue.name}.",
        ),
        more,
        boss.name,
        ("Victim interviews and payroll records", "Las entrevistas a víctimas y las nóminas"),
    )


def _story_extortion(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    city = rng.choice(["Culiacán", "Caborca", "Hermosillo", "Ciudad Obregón", "Guaymas"])
    cell = d.o(rng.choice(w.cells))
    members = [d.narco(city) for _ in range(rng.choice([1, 2, 2]))]
    for x in members:
        d.member(x, cell, ("collector", "cobrador de piso"))
    if len(members) > 1:
        d.rel(
            "Associate",
            person=[members[0].id],
            associate=[members[1].id],
            relationship=[d.tr(("accomplice", "cómplice"))],
        )
    victims = rng.randint(6, 40)
    fee = rng.choice([3000, 5000, 10000, 20000])
    m = _money(fee, "MXN")
    names_en = _join([d.who(x) for x in members], "en")
    names_es = _join([d.who(x) for x in members], "es")
    more: list[_T] = [
        (
            f"Businesses pay {m[0]} a week; those who refuse have had vehicles burned.",
            f"Los negocios pagan {m[1]} semanales; a quienes se niegan les han quemado vehículos.",
        ),
        (
            f"{names_en} collect the payments in person on motorcycles.",
            f"{names_es} cobran personalmente en motocicleta.",
        ),
        (
            "Part of the proceeds funds the purchase of precursor chemicals.",
            "Parte de lo recaudado financia la compra de precursores químicos.",
        ),
    ]
    return _Story(
        "extortion",
        (
            f"Extortion of transport businesses in {city} by {cell.name}",
            f"Cobro de piso a transportistas en {city} por parte de {cell.name}",
        ),
        (
            f"{victims} complaints describe weekly extortion of freight and passenger transport "
            f"firms in {city}.",
            f"{victims} denuncias describen el cobro semanal de piso a empresas de transporte "
            f"de carga y pasaje en {city}.",
        ),
        more,
        members[0].name,
        ("Victim complaints and surveillance", "Las denuncias de las víctimas y la vigilancia"),
    )


def _story_network(w: _World, d: _Draft) -> _Story:
    rng = w.rng
    cell = d.o(rng.choice(w.cells))
    leader = d.narco(cell.city)
    d.member(leader, cell, ("plaza boss", "jefe de plaza"))
    home = d.a(w.mx_address(cell.city if cell.city in _MX_CITIES else "Culiacán"))
    d.props[leader.id].setdefault("addressEntity", []).append(home.id)
    kin_sentences: list[str] = []
    kin_sentences_es: list[str] = []
    for _ in range(rng.randint(1, 3)):
        relative = d.narco(cell.city)
        kin = rng.choice(_KIN_F if _g(relative, "m", "f") == "f" else _KIN_M)
        d.rel("Family", person=[leader.id], relative=[relative.id], relationship=[d.tr(kin)])
        kin_sentences.append(f"{d.who(relative)} ({kin[0]})")
        kin_sentences_es.append(f"{d.who(relative)} ({kin[1]})")
    partner = d.narco()
    words = rng.choice(_ASSOC)
    assoc = (words[0], _g(partner, words[1], words[2]))
    d.rel("Associate", person=[leader.id], associate=[partner.id], relationship=[d.tr(assoc)])
    more: list[_T] = [
        (
            f"{_g(leader, 'His', 'Her')} relatives {_join(kin_sentences, 'en')} manage "
            f"properties and vehicles on {_g(leader, 'his', 'her')} behalf.",
            f"Sus familiares {_join(kin_sentences_es, 'es')} administran inmuebles y vehículos "
            "a su nombre.",
        ),
        (
            f"{d.who(partner)} is {_g(leader, 'his', 'her')} {assoc[0]} and handles shipments "
            "to the border.",
            f"{d.who(partner)} es su {assoc[1]} y se encarga de los envíos a la frontera.",
        ),
        (
            f"{_g(leader, 'He', 'She')} is known to stay at {home.label('en')}.",
            f"Se sabe que pernocta en {home.label('es')}.",
        ),
    ]
    if rng.random() < 0.5:
        suv = d.v(w.vehicle("mx", "suv"))
        d.rel("Ownership", owner=[leader.id], asset=[suv.id])
        more.append(
            (
                f"{_g(leader, 'He', 'She')} moves in {suv.label('en')} with an escort.",
                f"Se desplaza en {suv.label('es')} con escolta.",
            )
        )
    titles: list[_T] = [
        (f"Family network of {leader.name}", f"Red familiar de {leader.name}"),
        (
            f"Associates of {cell.name} plaza boss in {cell.city}",
            f"Círculo cercano del jefe de plaza de {cell.name} en {cell.city}",
        ),
    ]
    return _Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"{d.who(leader)} is identified as plaza boss of {cell.name} in {cell.city}.",
            f"{d.who(leader)} está {_g(leader, 'identificado', 'identificada')} como "
            f"{_g(leader, 'jefe', 'jefa')} de plaza de {cell.name} en {cell.city}.",
        ),
        more,
        leader.name,
        ("Human-source reporting and field work", "La información de fuentes humanas y de campo"),
    )


_PRESS_NAME = {
    "DEA": ("The DEA", "La DEA"),
    "FBI": ("The FBI", "El FBI"),
    "HSI": ("Homeland Security Investigations", "Investigaciones de Seguridad Nacional (HSI)"),
    "CBP": ("U.S. Customs and Border Protection", "La Oficina de Aduanas y Protección Fronteriza"),
    "ATF": ("The ATF", "La ATF"),
    "FINCEN": ("FinCEN", "FinCEN"),
    "FGR": ("The Attorney General's Office (FGR)", "La Fiscalía General de la República"),
    "SEDENA": ("The Mexican Army (SEDENA)", "La Secretaría de la Defensa Nacional"),
    "SEMAR": ("The Mexican Navy (SEMAR)", "La Secretaría de Marina"),
    "GN": ("The National Guard", "La Guardia Nacional"),
    "UIF": ("The Financial Intelligence Unit", "La Unidad de Inteligencia Financiera"),
    "SSPC": (
        "The Security Secretariat (SSPC)",
        "La Secretaría de Seguridad y Protección Ciudadana",
    ),
}


def _story_press(w: _World, d: _Draft) -> _Story:
    """A public item (TLP:CLEAR): what the agency announced. Only names are public."""
    rng = w.rng
    dt = _fds(_day(w))
    who = _PRESS_NAME[d.agency]
    more: list[_T] = [
        (
            "The case is part of binational cooperation against synthetic drug trafficking.",
            "El caso forma parte de la cooperación binacional contra el tráfico de drogas "
            "sintéticas.",
        ),
        (
            "Anyone charged is presumed innocent until proven guilty.",
            "Toda persona imputada goza de la presunción de inocencia.",
        ),
    ]
    if d.agency == "ATF":
        accused = d.american("straw", rng.choice(_US_ARMS), keys=["name"])
        rifles = rng.randint(12, 80)
        return _Story(
            "arms_trafficking",
            (
                f"ATF announces charges against {accused.name} for straw purchases of firearms",
                f"La ATF anuncia cargos contra {accused.name} por compra de armas para terceros",
            ),
            (
                f"{who[0]} announced on {dt[0]} federal charges against {accused.name} for "
                f"buying {rifles} rifles on behalf of a Mexican criminal organisation.",
                f"{who[1]} anunció el {dt[1]} cargos federales contra {accused.name} por "
                f"adquirir {rifles} fusiles por cuenta de una organización criminal mexicana.",
            ),
            more,
            accused.name,
            ("The public charging documents", "Los documentos públicos de la acusación"),
        )
    if d.nation == "USA":
        if rng.random() < 0.5:
            accused = d.american("us_courier", keys=["name"])
        else:
            accused = d.narco(keys=["name"])
        port = d.a(rng.choice(w.ports))
        qty = rng.randint(20, 400)
        title = (
            f"{d.agency} announces seizure of {qty} pounds of fentanyl at {port.label('en')}",
            f"{d.agency} anuncia el aseguramiento de {qty} libras de fentanilo en "
            f"{port.label('es')}",
        )
        lead = (
            f"{who[0]} announced on {dt[0]} the seizure of {qty} pounds of fentanyl at "
            f"{port.label('en')} and the arrest of {accused.name}.",
            f"{who[1]} anunció el {dt[1]} el aseguramiento de {qty} libras de fentanilo en "
            f"{port.label('es')} y la detención de {accused.name}.",
        )
    elif d.agency == "FGR":
        accused = d.narco(keys=["name"])
        title = (
            f"FGR obtains order to stand trial against {accused.name}",
            f"FGR obtiene vinculación a proceso contra {accused.name}",
        )
        lead = (
            f"On {dt[0]}, {who[0]} obtained an order to stand trial against {accused.name} for "
            "crimes against health.",
            f"El {dt[1]}, {who[1]} obtuvo la vinculación a proceso de {accused.name} por "
            "delitos contra la salud.",
        )
    else:
        town = rng.choice(_LAB_TOWNS + _BORDER_TOWNS_MX)
        accused = d.narco(town, keys=["name"])
        kg = rng.randint(10, 900)
        title = (
            f"{d.agency} reports arrest in {town} and seizure of {kg} kg of synthetic drugs",
            f"{d.agency} informa detención en {town} y aseguramiento de {kg} kg de drogas "
            "sintéticas",
        )
        lead = (
            f"{who[0]} reported on {dt[0]} the arrest of {accused.name} in {town} and the "
            f"seizure of {kg} kg of synthetic drugs.",
            f"{who[1]} informó el {dt[1]} la detención de {accused.name} en {town} y el "
            f"aseguramiento de {kg} kg de drogas sintéticas.",
        )
    return _Story(
        "drug_trafficking",
        title,
        lead,
        more,
        accused.name,
        ("The public charging documents", "Los documentos públicos del proceso"),
    )


_Maker = Callable[[_World, _Draft], _Story]
# Stories and the agencies that would write them, with weights.
_STORIES: list[tuple[_Maker, int, tuple[str, ...]]] = [
    (_story_precursor, 12, ("SEMAR", "FGR", "HSI", "DEA", "SSPC", "UIF")),
    (_story_lab, 14, ("SEDENA", "SEMAR", "GN", "FGR", "DEA")),
    (_story_border, 14, ("CBP", "HSI", "GN", "SSPC", "DEA", "FGR")),
    (_story_distribution, 12, ("DEA", "FBI", "HSI")),
    (_story_laundering, 10, ("UIF", "FINCEN", "FBI", "DEA", "HSI", "FGR")),
    (_story_front, 8, ("UIF", "FGR", "FINCEN", "FBI", "SSPC")),
    (_story_arms, 6, ("ATF", "HSI", "FGR", "SEDENA", "CBP")),
    (_story_corruption, 5, ("FGR", "SSPC", "FBI", "UIF")),
    (_story_stash, 9, ("HSI", "CBP", "FBI")),
    (_story_coyotes, 9, ("GN", "FGR", "SSPC", "SEDENA", "HSI")),
    (_story_transport, 7, ("CBP", "HSI", "GN")),
    (_story_smuggling_money, 6, ("UIF", "HSI", "FINCEN", "FGR")),
    (_story_trafficking, 3, ("FBI", "FGR", "HSI")),
    (_story_extortion, 3, ("FGR", "SSPC", "GN", "SEDENA")),
    (_story_network, 10, ("FGR", "DEA", "SEDENA", "GN", "FBI", "SEMAR")),
]

# --- markings -------------------------------------------------------------------------------

# Tier: weight. Ordered as in the brief.
_TIERS = {
    "green_both": 45,
    "green_own": 15,
    "amber": 15,
    "strict": 8,
    "group": 7,
    "red": 5,
    "clear": 5,
}
_NATION_AGENCIES = {
    "USA": ["DEA", "FBI", "HSI", "CBP", "ATF", "FINCEN"],
    "MEX": ["FGR", "SEDENA", "SEMAR", "GN", "UIF", "SSPC"],
}


def _markings(rng: random.Random, tier: str, author: UserSpec, group: str | None) -> MarkingsIn:
    nation = vocab.agency_nation(author.agency)
    both = ["USA", "MEX"]
    if tier == "green_both":
        return MarkingsIn(tlp="GREEN", rel_to=both, orcon=rng.random() < 0.05)
    if tier == "green_own":
        return MarkingsIn(tlp="GREEN", rel_to=[nation])
    if tier == "amber":
        shared: list[str] = []
        if rng.random() < 0.55:
            other = "MEX" if nation == "USA" else "USA"
            shared.append(rng.choice(_NATION_AGENCIES[other]))
            if rng.random() < 0.3:
                shared.append(
                    rng.choice([a for a in _NATION_AGENCIES[nation] if a != author.agency])
                )
        return MarkingsIn(tlp="AMBER", rel_to=both, shared_with=shared, orcon=rng.random() < 0.12)
    if tier == "strict":
        rel = [nation] if rng.random() < 0.6 else both
        return MarkingsIn(tlp="AMBER+STRICT", rel_to=rel, orcon=rng.random() < 0.2)
    if tier == "group":
        assert group is not None
        tlp = "GREEN" if rng.random() < 0.7 else "AMBER"
        return MarkingsIn(tlp=tlp, rel_to=both, groups=[group])
    if tier == "red":
        others = [u for u in _RED_RECIPIENTS if u != author.username]
        people = rng.sample(others, rng.choice([1, 1, 2]))
        return MarkingsIn(tlp="RED", rel_to=both, recipients=sorted(people))
    return MarkingsIn(tlp="CLEAR", rel_to=both)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --- reports ------------------------------------------------------------------------------

_USERS_BY_NAME = {u.username: u for u in USERS}


def _grading(rng: random.Random) -> tuple[str, int]:
    reliability = rng.choices("ABCDEF", weights=[5, 40, 35, 10, 4, 6])[0]
    credibility = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 40, 32, 10, 4, 6])[0]
    return reliability, credibility


def _suspicion(story: _Story, lang: str) -> str:
    offence = vocab.load("offences").get(story.predicate)
    if lang == "es":
        art = _PRED_ARTICLE[story.predicate]
        return (
            f"{story.basis[1]} permiten establecer una sospecha razonable de que "
            f"{story.subject} participa en {art} {offence.label('es').lower()}."
        )
    return (
        f"{story.basis[0]} provide reasonable suspicion that {story.subject} is involved in "
        f"{offence.label('en').lower()}."
    )


def _tidy(text: str, lang: str) -> str:
    """Typography after slot filling: "C.V.." at a sentence end, and Spanish contractions."""
    text = re.sub(r"\.\.(?=\s|$)", ".", text)
    if lang == "es":
        text = re.sub(r"\ba el ", "al ", text)
        text = re.sub(r"\bde el ", "del ", text)
    return text


def _compose(
    w: _World,
    d: _Draft,
    story: _Story,
    markings: MarkingsIn,
    bilingual: bool,
    title: _T | None = None,
) -> ReportSpec:
    rng = w.rng
    optional = story.more
    k = rng.randint(1, min(4, len(optional)))
    picked = sorted(rng.sample(range(len(optional)), k))
    sentences = [story.lead] + [optional[i] for i in picked]
    title = title or story.title
    en = d.lang == "en" or bilingual
    es = d.lang == "es" or bilingual
    reliability, credibility = _grading(rng)
    report = ReportCreate(
        title_en=_tidy(title[0], "en") if en else "",
        title_es=_tidy(title[1], "es") if es else "",
        body_en=_tidy(" ".join(s[0] for s in sentences), "en") if en else "",
        body_es=_tidy(" ".join(s[1] for s in sentences), "es") if es else "",
        reliability=reliability,
        credibility=credibility,
        predicate=story.predicate,
        suspicion=_tidy(_suspicion(story, d.lang), d.lang),
        # 28 CFR 23.20(b): the stories record conduct, never views or associations as such.
        attest_no_protected_views=True,
        review_by=BASE_DATE + timedelta(days=rng.randint(61, 425)),
        markings=markings,
        entities=d.entities(),
    )
    return ReportSpec(author=d.author.username, report=report)


def _new_draft(w: _World, username: str) -> _Draft:
    author = _USERS_BY_NAME[username]
    lang = "en" if vocab.agency_nation(author.agency) == "USA" else "es"
    return _Draft(w, author, lang)


def _fixtures(w: _World) -> list[ReportSpec]:
    """The four reports tests and demos rely on, in this order."""
    rng = w.rng
    guero = w.mx_person(
        "narco",
        home="Culiacán",
        first="José Ángel",
        father="García",
        mother="López",
        gender="male",
        alias="El Güero",
        born=date(1984, 7, 19),
    )
    assert guero.id == "per-0001"
    # 1. DEA, GREEN, REL TO USA only: the money side, which Mexico does not see.
    d = _new_draft(w, "dea.agent1")
    d.p(guero, ["name", "birthDate", "nationality", "phone", "gender"])
    produce = d.o(w.us_company("produce", "Phoenix"))
    office = d.a(w.us_address("Phoenix"))
    d.props[produce.id].setdefault("addressEntity", []).append(office.id)
    acc_us = w.account("us")
    acc_mx = w.account("mx")
    d.holds(produce, acc_us)
    d.holds(guero, acc_mx)
    total = 0
    days = [date(2026, 3, 4), date(2026, 4, 17), date(2026, 6, 2)]
    for day, amount in zip(days, [84500, 126000, 97250], strict=True):
        total += amount
        d.payment(produce, guero, amount, "USD", day, _PURPOSES[1], acc_us, acc_mx)
    manager = d.american("us_dist", "Phoenix")
    d.rel(
        "Directorship",
        director=[manager.id],
        organization=[produce.id],
        role=[d.tr(("managing member", "socio administrador"))],
    )
    d.rel(
        "Associate",
        person=[manager.id],
        associate=[guero.id],
        relationship=[d.tr(("business partner", "socio"))],
    )
    m = _money(total, "USD")
    story = _Story(
        "money_laundering",
        ("Fentanyl lab supplier payments traced through Phoenix", ""),
        (
            f"Financial analysis traced three wire transfers totalling {m[0]} from "
            f"{produce.name}, a Phoenix produce distributor, to an account held by "
            f"{guero.name} at {acc_mx.props['bankName'][0]}.",
            "",
        ),
        [
            (
                f"{guero.name} is believed to supply precursor chemicals to clandestine "
                "laboratories in Sinaloa.",
                "",
            ),
            (
                f"{manager.name}, managing member of {produce.name}, has no produce imports on "
                "record that would explain the payments.",
                "",
            ),
            ("The transfers were invoiced as purchases of produce.", ""),
        ],
        guero.name,
        ("Bank records and invoices", ""),
    )
    first = _compose(w, d, story, MarkingsIn(tlp="GREEN", rel_to=["USA"]), False)
    # 2. FGR, GREEN, REL TO USA, MEX: the same person with the alias Mexico knows him by.
    d = _new_draft(w, "fgr.mp1")
    d.p(
        guero,
        ["name", "alias", "firstName", "fatherName", "motherName", "lastName", "idNumber"],
    )
    cell = d.o(w.cells[3])
    d.member(guero, cell, ("precursor supplier", "proveedor de precursores"), date(2019, 5, 1))
    lab = d.a(w.mx_address("Culiacán", site="Rancho El Mezquite", kind="lab"))
    cook = d.narco("Culiacán")
    d.member(cook, cell, ("cook", "cocinero"))
    story = _Story(
        "fentanyl_production",
        (
            'José Ángel García López, alias "El Güero", identified as supplier to Culiacán labs',
            'Identifican a José Ángel García López, alias "El Güero", como proveedor de '
            "laboratorios en Culiacán",
        ),
        (
            f'José Ángel García López, alias "El Güero", supplies precursor chemicals to '
            f"laboratories of {cell.name} around Culiacán.",
            f'José Ángel García López, alias "El Güero", abastece de precursores químicos a '
            f"laboratorios de {cell.name} en la zona de Culiacán.",
        ),
        [
            (
                f"One of them operates at {lab.label('en')}, where {d.who(cook)} works as a cook.",
                f"Uno de ellos opera en {lab.label('es')}, donde {d.who(cook)} trabaja como "
                "cocinero.",
            ),
            (
                "Deliveries are made at night in pickups without plates.",
                "Las entregas se hacen de noche en camionetas sin placas.",
            ),
        ],
        guero.name,
        (
            "Human-source reporting and field surveillance",
            "La información de fuentes humanas y la vigilancia en campo",
        ),
    )
    second = _compose(w, d, story, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), True)
    # 3. FGR, AMBER, REL TO USA, MEX, shared with no one: DEA cannot see it.
    d = _new_draft(w, "fgr.mp2")
    third = _compose(w, d, _story_lab(w, d), MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]), False)
    # 4. RED from a DEA agent (not us.analyst), given to mx.analyst.
    d = _new_draft(w, "dea.agent2")
    fourth = _compose(
        w,
        d,
        _story_network(w, d),
        MarkingsIn(tlp="RED", rel_to=["USA", "MEX"], recipients=["mx.analyst"]),
        rng.random() < 0.5,
    )
    return [first, second, third, fourth]


def build_scenario(seed: int = 2026) -> Scenario:
    """The demo scenario for a seed: groups, accounts and about 180 reports.

    The first four reports are fixtures:
      0. DEA (dea.agent1), GREEN REL TO USA: "Fentanyl lab supplier payments traced through
         Phoenix", asserting per-0001 (José Ángel García López) with birth date, phone and
         payments that Mexico does not see.
      1. FGR (fgr.mp1), GREEN REL TO USA, MEX: per-0001 with the alias "El Güero".
      2. FGR (fgr.mp2), AMBER REL TO USA, MEX, shared with no one.
      3. DEA (dea.agent2), RED, recipients [mx.analyst] (the author is added on filing).
    """
    rng = random.Random(seed)
    w = _World(rng)
    reports = _fixtures(w)
    group_members = {
        g.code: [u.username for u in USERS if g.code in u.groups and "analyst" in u.roles]
        for g in GROUPS
    }
    while len(reports) < REPORT_COUNT:
        tier = _weighted(rng, _TIERS)
        group = None
        if tier == "group":
            group = rng.choice([g.code for g in GROUPS])
            username = rng.choice(group_members[group])
        else:
            agency = _weighted(rng, _AGENCY_WEIGHTS)
            username = rng.choice(_AUTHORS[agency])
        d = _new_draft(w, username)
        if tier == "clear" and d.agency in ("FINCEN", "UIF"):
            tier = "green_both"  # financial intelligence units issue no press releases
        if tier == "clear":
            maker: _Maker = _story_press
        else:
            fits = [(m, wt) for m, wt, agencies in _STORIES if d.agency in agencies]
            maker = rng.choices([m for m, _ in fits], weights=[wt for _, wt in fits])[0]
        story = maker(w, d)
        markings = _markings(rng, tier, d.author, group)
        reports.append(_compose(w, d, story, markings, rng.random() < 1 / 3))
    from vinculo.demo.networks import network_reports

    reports.extend(network_reports(reports, seed))
    return Scenario(
        groups=list(GROUPS),
        users=list(USERS),
        reports=reports,
        duplicates=list(w.duplicates),
    )
