"""Stories of the smuggling and trafficking of people."""

from __future__ import annotations

from datetime import date, timedelta

from vinculo.demo.catalogue import (
    HIGHWAYS,
    MEXICAN_CITIES,
    ORIGINS,
    OWN_PEOPLE,
    PAYMENT_PURPOSES,
    SMUGGLING_ROUTES,
    US_STASH_CITIES,
)
from vinculo.demo.draft import Draft
from vinculo.demo.shapes import Bilingual
from vinculo.demo.stories.base import Story, story_day
from vinculo.demo.wording import date_in_both, gendered, join_words, money_in_both
from vinculo.demo.world import World


def stash_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    city = rng.choice(US_STASH_CITIES)
    house = draft.mention_place(world.us_address(city, kind="stash"))
    ring = draft.mention_organisation(rng.choice(world.rings))
    keeper = (
        draft.american("us_smuggler", city) if rng.random() < 0.5 else draft.smuggler(ring.city)
    )
    draft.member(keeper, ring, ("stash-house keeper", "encargado de casa de seguridad"))
    draft.props[keeper.id].setdefault("addressEntity", []).append(house.id)
    day = story_day(world)
    dt = date_in_both(day)
    count = rng.randint(8, 64)
    origins = rng.sample(ORIGINS, 2)
    fee = rng.choice([3500, 5000, 7000, 9000])
    m = money_in_both(fee, "USD")
    more: list[Bilingual] = [
        (
            f"{count} migrants from {origins[0][0]} and {origins[1][0]} were found inside; "
            f"several said they were held until relatives paid {m[0]}.",
            f"Dentro se encontraron {count} migrantes originarios de {origins[0][1]} y "
            f"{origins[1][1]}; varios dijeron que los retenían hasta que sus familiares "
            f"pagaran {m[1]}.",
        ),
        (
            f"The house is rented by {draft.who(keeper)}, who is linked to {ring.name}.",
            f"La casa está rentada a nombre de {draft.who(keeper)}, vinculado con {ring.name}.",
        ),
    ]
    if rng.random() < 0.6:
        driver = draft.smuggler()
        van = draft.mention_vehicle(world.vehicle("us", "van"))
        draft.member(driver, ring, ("driver", "chofer"))
        draft.link(
            "Trip",
            name=[draft.in_language((f"Border to {city}", f"Frontera a {city}"))],
            endLocation=[house.id],
            vehicle=[van.id],
            involved=[driver.id],
            startDate=[(day - timedelta(days=rng.randint(1, 6))).isoformat()],
        )
        more.append(
            (
                f"{draft.who(driver)} was seen arriving in {van.label('en')} with more people.",
                f"Se observó a {draft.who(driver)} llegar en {van.label('es')} con más personas.",
            )
        )
    more.append(
        (
            "Neighbours reported windows covered with foil and people arriving at night.",
            "Vecinos reportaron ventanas cubiertas con papel aluminio y llegadas de personas "
            "durante la noche.",
        )
    )
    titles: list[Bilingual] = [
        (
            f"Surveillance of stash house at {house.label('en')}",
            f"Vigilancia de casa de seguridad en {house.label('es')}",
        ),
        (
            f"Stash house holding {count} migrants in {city}",
            f"Casa de seguridad con {count} migrantes en {city}",
        ),
    ]
    return Story(
        "human_smuggling",
        rng.choice(titles),
        (
            f"On {dt[0]}, {OWN_PEOPLE[draft.agency][0]} surveilled a residence at "
            f"{house.label('en')} "
            "suspected of holding smuggled migrants.",
            f"El {dt[1]}, {OWN_PEOPLE[draft.agency][1]} vigilaron un domicilio en "
            f"{house.label('es')} "
            "presuntamente utilizado para retener a migrantes.",
        ),
        more,
        keeper.name,
        ("Surveillance and witness statements", "La vigilancia y las declaraciones de testigos"),
    )


def coyotes_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    ring = draft.mention_organisation(rng.choice(world.rings))
    town = ring.city
    route = rng.choice(SMUGGLING_ROUTES)
    guides = [draft.smuggler(town) for _ in range(rng.choice([1, 2, 2, 3]))]
    for g in guides:
        draft.member(g, ring, ("guide", "guía"))
    recruiter = draft.smuggler()
    draft.member(recruiter, ring, ("recruiter", "enganchador"))
    origin = rng.choice(["Tapachula", "Ciudad de Guatemala", "San Pedro Sula", "San Salvador"])
    f1, f2 = rng.choice([(4000, 6000), (5000, 8000), (6000, 9000), (7000, 12000)])
    names_en = join_words([draft.who(g) for g in guides], "en")
    names_es = join_words([draft.who(g) for g in guides], "es")
    more: list[Bilingual] = [
        (
            f"{draft.who(recruiter)} recruits migrants in {origin} and charges between USD {f1:,} "
            f"and USD {f2:,} per person.",
            f"{draft.who(recruiter)} engancha migrantes en {origin} y cobra entre {f1:,} y "
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
        hotel = draft.mention_organisation(
            world.pick_or_new("hotel", 0.3, lambda: world.mx_company("hotel", town), draft.props)
        )
        lodging = draft.mention_place(world.mx_address(town if town in MEXICAN_CITIES else "Altar"))
        draft.props[hotel.id].setdefault("addressEntity", []).append(lodging.id)
        owner = draft.smuggler(town)
        draft.link("Ownership", owner=[owner.id], asset=[hotel.id])
        more.append(
            (
                f"Migrants are lodged at {hotel.name}, {lodging.label('en')}, owned by "
                f"{owner.name}.",
                f"Los migrantes se hospedan en {hotel.name}, {lodging.label('es')}, propiedad "
                f"de {owner.name}.",
            )
        )
    if rng.random() < 0.5:
        collector = draft.smuggler()
        draft.member(collector, ring, ("money collector", "cobrador"))
        more.append(
            (
                f"Payments are collected by {draft.who(collector)} through money-transfer agents.",
                f"Los pagos los cobra {draft.who(collector)} a través de agentes de envío de "
                "dinero.",
            )
        )
    titles: list[Bilingual] = [
        (
            f"Smuggling guides of {ring.name} operating from {town}",
            f"Red de polleros operando en {town}",
        ),
        (
            f"{ring.name} guides identified on the {route[0]} route",
            f"Guías de {ring.name} identificados en la ruta {route[1]}",
        ),
    ]
    return Story(
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


def transport_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    road = rng.choice(HIGHWAYS)
    ring = draft.mention_organisation(rng.choice(world.rings))
    driver = draft.american("us_smuggler") if rng.random() < 0.5 else draft.smuggler()
    draft.member(driver, ring, ("driver", "chofer"))
    kind = rng.choice(["van", "suv", "pickup"])
    vehicle = draft.mention_vehicle(world.vehicle(rng.choice(["us", "mx"]), kind))
    dest_city = rng.choice(["Phoenix", "Tucson", "Houston", "San Antonio", "Dallas"])
    dest = draft.mention_place(world.us_address(dest_city, kind="stash"))
    day = story_day(world)
    dt = date_in_both(day)
    count = rng.randint(5, 19)
    draft.link(
        "Trip",
        name=[draft.in_language((f"Border to {dest_city}", f"Frontera a {dest_city}"))],
        endLocation=[dest.id],
        vehicle=[vehicle.id],
        involved=[driver.id],
        startDate=[day.isoformat()],
        endDate=[day.isoformat()],
    )
    pay = rng.choice([500, 800, 1000, 1500])
    m = money_in_both(pay, "USD")
    more: list[Bilingual] = [
        (
            f"The driver, {draft.who(driver)}, said {gendered(driver, 'he', 'she')} was recruited "
            f"through social media and paid {m[0]} per passenger.",
            f"{gendered(driver, 'El conductor', 'La conductora')}, {draft.who(driver)}, dijo que "
            f"{gendered(driver, 'lo', 'la')} reclutaron por redes sociales y que le pagaban {m[1]} "
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
    titles: list[Bilingual] = [
        (
            f"Vehicle with {count} migrants stopped on {road[0]}",
            f"Vehículo con {count} migrantes asegurado en {road[1]}",
        ),
        (
            f"Failure to yield with {count} migrants on {road[0]}",
            f"Persecución de vehículo con {count} migrantes en {road[1]}",
        ),
    ]
    return Story(
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


def smuggling_money_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    ring = draft.mention_organisation(rng.choice(world.rings))
    remit = draft.mention_organisation(
        world.pick_or_new("remit", 0.4, lambda: world.mx_company("remit"), draft.props)
    )
    collector = draft.smuggler()
    draft.member(collector, ring, ("money collector", "cobrador"))
    leader = draft.smuggler(ring.city)
    draft.member(leader, ring, ("ring leader", "líder de la red"))
    acc_c, acc_l = world.account("mx"), world.account(rng.choice(["mx", "gt", "cr"]))
    draft.holds(collector, acc_c)
    draft.holds(leader, acc_l)
    start = story_day(world, date(2025, 1, 6), date(2026, 8, 31))
    transfers = rng.randint(40, 400)
    total = 0
    for _ in range(rng.randint(1, 3)):
        amount = rng.randrange(40000, 900000, 500)
        total += amount
        day = start + timedelta(days=rng.randint(0, 45))
        draft.payment(
            collector, leader, amount, "MXN", day, rng.choice(PAYMENT_PURPOSES), acc_c, acc_l
        )
    m = money_in_both(total, "MXN")
    s = date_in_both(start)
    more: list[Bilingual] = [
        (
            f"The money was moved on to {draft.who(leader)} in transfers totalling {m[0]}.",
            f"El dinero se transfirió después a {draft.who(leader)} en operaciones que suman "
            f"{m[1]}.",
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
    titles: list[Bilingual] = [
        (
            f"Smuggling fees collected through {remit.name}",
            f"Cobro de cuotas de tráfico de personas a través de {remit.name}",
        ),
        (
            f"Money collector of {ring.name} identified",
            f"Identifican a cobrador de {ring.name}",
        ),
    ]
    return Story(
        "money_laundering",
        rng.choice(titles),
        (
            f"Since {s[0]}, {draft.who(collector)} has received {transfers} money transfers "
            "through "
            f"{remit.name}.",
            f"Desde el {s[1]}, {draft.who(collector)} ha recibido {transfers} envíos de dinero a "
            f"través de {remit.name}.",
        ),
        more,
        collector.name,
        (
            "Remittance records and account statements",
            "Los registros de envíos de dinero y los estados de cuenta",
        ),
    )


def trafficking_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    us_side = draft.nation == "USA"
    city = (
        rng.choice(["Houston", "Phoenix", "Dallas", "Las Vegas"])
        if us_side
        else rng.choice(["Tijuana", "Ciudad Juárez", "Mexicali", "Nogales"])
    )
    recruiter = draft.smuggler()
    if us_side:
        venue = draft.mention_organisation(
            world.pick_or_new(
                "us_logistics", 0.2, lambda: world.us_company("logistics", city), draft.props
            )
        )
        boss = draft.american("us_smuggler", city)
    else:
        venue = draft.mention_organisation(
            world.pick_or_new("hotel", 0.2, lambda: world.mx_company("hotel", city), draft.props)
        )
        boss = draft.smuggler(city)
    draft.link(
        "Directorship",
        director=[boss.id],
        organization=[venue.id],
        role=[draft.in_language(("manager", "gerente"))],
    )
    draft.link(
        "Associate",
        person=[recruiter.id],
        associate=[boss.id],
        relationship=[draft.in_language(("supplies workers to", "le provee trabajadores"))],
    )
    count = rng.randint(4, 22)
    debt = rng.choice([8000, 12000, 15000, 20000])
    m = money_in_both(debt, "USD")
    more: list[Bilingual] = [
        (
            f"{count} workers said {draft.who(recruiter)} promised them jobs and then charged a "
            f"debt of {m[0]} for the journey.",
            f"{count} trabajadores declararon que {draft.who(recruiter)} les prometió empleo y "
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
    return Story(
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
