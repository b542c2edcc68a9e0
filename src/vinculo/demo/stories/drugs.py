"""Stories of the fentanyl supply chain: precursors, labs, border seizures, distribution."""

from __future__ import annotations

from datetime import timedelta

from vinculo.demo.catalogue import (
    CHEMICALS,
    DECLARED_AS,
    HIDING_PLACES,
    LAB_SITES,
    LAB_TOWNS,
    MEXICAN_BORDER_TOWNS,
    MEXICAN_CITIES,
    OWN_PEOPLE,
    SEAPORTS,
    TRAFFICKER_ROLES,
    US_CITIES,
    US_MARKETS,
)
from vinculo.demo.draft import Draft
from vinculo.demo.shapes import Bilingual
from vinculo.demo.stories.base import Story, story_day
from vinculo.demo.wording import date_in_both, gendered, join_words, money_in_both
from vinculo.demo.world import World


def precursor_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    supplier = draft.mention_organisation(
        world.pick_or_new("supplier", 0.35, world.supplier, draft.props)
    )
    importer = draft.mention_organisation(
        world.pick_or_new("importer", 0.3, lambda: world.mx_company("importer"), draft.props)
    )
    port = draft.mention_place(world.seaports[rng.choice(SEAPORTS)])
    director = draft.business(importer.city)
    since = importer.props["incorporationDate"]
    draft.link(
        "Directorship",
        director=[director.id],
        organization=[importer.id],
        role=[draft.in_language(("sole administrator", "administrador único"))],
        startDate=since,
    )
    chem, decl = rng.choice(CHEMICALS), rng.choice(DECLARED_AS)
    kg = rng.randrange(150, 4000, 25)
    day = story_day(world)
    dt = date_in_both(day)
    country = ("China", "China") if supplier.props["country"] == ["cn"] else ("India", "India")
    prior, year = rng.randint(2, 9), rng.randint(2021, 2024)
    more: list[Bilingual] = [
        (
            f"Field testing indicated approximately {kg:,} kg of {chem[0]}, a controlled "
            "fentanyl precursor.",
            f"Las pruebas de campo indicaron aproximadamente {kg:,} kg de {chem[1]}, precursor "
            "de fentanilo sujeto a control.",
        ),
        (
            f"The sole administrator of {importer.name}, {draft.who(director)}, has no known "
            "background in the chemical industry.",
            f"El administrador único de {importer.name}, {draft.who(director)}, no tiene "
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
        acc_i = world.account("mx")
        acc_s = world.account("hk" if supplier.props["country"] == ["cn"] else "in")
        draft.holds(importer, acc_i)
        draft.holds(supplier, acc_s)
        purpose = ("import of raw materials", "importación de materias primas")
        draft.payment(importer, supplier, amount, "USD", pay_day, purpose, acc_i, acc_s)
        m = money_in_both(amount, "USD")
        pd = date_in_both(pay_day)
        more.append(
            (
                f"Banking records show a transfer of {m[0]} from {importer.name} to "
                f"{supplier.name} on {pd[0]}.",
                f"Registros bancarios muestran una transferencia de {m[1]} de {importer.name} a "
                f"{supplier.name} el {pd[1]}.",
            )
        )
    if rng.random() < 0.35:
        broker = draft.person("broker", world.cn_person, cross=0.3)
        draft.link(
            "Associate",
            person=[director.id],
            associate=[broker.id],
            relationship=[draft.in_language(("sales contact", "contacto de ventas"))],
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
        agent = draft.business(port.city)
        draft.link(
            "Associate",
            person=[agent.id],
            associate=[director.id],
            relationship=[draft.in_language(("customs broker for", "agente aduanal de"))],
        )
        more.append(
            (
                f"The entry was filed by customs broker {draft.who(agent)}, who has handled every "
                f"import of {importer.name}.",
                f"El pedimento lo tramitó el agente aduanal {draft.who(agent)}, quien ha "
                "gestionado "
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
    titles: list[Bilingual] = [
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
    return Story(
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


def lab_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    town = rng.choice(LAB_TOWNS)
    state = MEXICAN_CITIES[town][0]
    site = draft.mention_place(world.mx_address(town, site=rng.choice(LAB_SITES), kind="lab"))
    cell = draft.mention_organisation(rng.choice(world.cells))
    cooks = [draft.narco(town) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    for cook in cooks:
        draft.member(cook, cell, ("cook", "cocinero"))
        if rng.random() < 0.4:
            draft.put(cook, [])
            draft.props[cook.id].setdefault("addressEntity", []).append(site.id)
    boss = draft.narco(cell.city)
    draft.member(boss, cell, rng.choice(TRAFFICKER_ROLES[:2]))
    day = story_day(world)
    dt = date_in_both(day)
    force = OWN_PEOPLE[draft.agency]
    reactors, kg = rng.randint(2, 14), rng.randint(3, 160)
    pills = rng.randrange(5000, 600000, 500)
    names_en = join_words([draft.who(c) for c in cooks], "en")
    names_es = join_words([draft.who(c) for c in cooks], "es")
    plural = len(cooks) > 1
    more: list[Bilingual] = [
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
            f"Witnesses placed {draft.who(boss)} at the site collecting finished product every "
            "week.",
            f"Testigos ubicaron a {draft.who(boss)} en el sitio recogiendo producto terminado cada "
            "semana.",
        ),
        (
            f"Approximately {pills:,} counterfeit M30 tablets were ready to be moved north.",
            f"Aproximadamente {pills:,} pastillas M30 apócrifas estaban listas para su envío al "
            "norte.",
        ),
    ]
    if rng.random() < 0.4 and world.pools.get("supplier"):
        supplier = draft.mention_organisation(rng.choice(world.pools["supplier"]))
        more.append(
            (
                f"Empty drums labelled with the name of {supplier.name} were recovered.",
                f"Se recuperaron tambos vacíos con etiquetas de {supplier.name}.",
            )
        )
    titles: list[Bilingual] = [
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
    return Story(
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


def border_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    port = draft.mention_place(rng.choice(world.ports))
    us_driver = rng.random() < 0.4
    if us_driver:
        driver = draft.american("us_courier", port.city if port.city in US_CITIES else None)
    else:
        driver = draft.narco()
    kind = rng.choice(["pickup", "car", "truck", "suv"])
    vehicle = draft.mention_vehicle(world.vehicle("us" if us_driver else "mx", kind))
    if rng.random() < 0.5:
        draft.link("Ownership", owner=[driver.id], asset=[vehicle.id])
    day = story_day(world)
    dt = date_in_both(day)
    hide = rng.choice(HIDING_PLACES if kind == "truck" else HIDING_PLACES[:3] + HIDING_PLACES[5:7])
    if rng.random() < 0.5:
        qty = rng.randint(4, 120)
        what = (f"{qty} kg of fentanyl powder", f"{qty} kg de fentanilo en polvo")
        short = (f"{qty} kg of fentanyl", f"{qty} kg de fentanilo")
    else:
        qty = rng.randrange(20000, 900000, 1000)
        what = (f"{qty:,} fentanyl pills", f"{qty:,} pastillas de fentanilo")
        short = (f"{qty:,} fentanyl pills", f"{qty:,} pastillas de fentanilo")
    dest_city = rng.choice(US_MARKETS)
    dest = draft.mention_place(world.us_address(dest_city))
    start_city = rng.choice(MEXICAN_BORDER_TOWNS)
    start = draft.mention_place(world.mx_address(start_city))
    draft.link(
        "Trip",
        name=[draft.in_language((f"{start_city} to {dest_city}", f"{start_city} a {dest_city}"))],
        startLocation=[start.id],
        endLocation=[dest.id],
        vehicle=[vehicle.id],
        involved=[driver.id],
        startDate=[day.isoformat()],
    )
    fee = rng.choice([1500, 2000, 3000, 5000, 8000])
    m = money_in_both(fee, "USD")
    crossings, window = rng.randint(3, 25), rng.choice([30, 60, 90])
    more: list[Bilingual] = [
        (
            f"A canine alert led to secondary inspection, where officers found {what[0]} "
            f"concealed in {hide[0]}.",
            f"Una alerta canina llevó a revisión secundaria, donde se localizaron {what[1]} "
            f"ocultos en {hide[1]}.",
        ),
        (
            f"The driver stated {gendered(driver, 'he', 'she')} was paid {m[0]} to deliver the "
            f"vehicle to {dest.label('en')}.",
            f"{gendered(driver, 'El conductor', 'La conductora')} declaró que le pagaron {m[1]} "
            "por "
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
        handler = draft.narco(start_city if start_city in MEXICAN_CITIES else None)
        draft.link(
            "Associate",
            person=[driver.id],
            associate=[handler.id],
            relationship=[draft.in_language(("handler", "contacto que da instrucciones"))],
        )
        more.append(
            (
                f"Phone extraction links the driver to {draft.who(handler)}, who gave instructions "
                "by voice messages.",
                f"La extracción del teléfono vincula a {driver.name} con {draft.who(handler)}, "
                "quien le daba instrucciones por mensajes de voz.",
            )
        )
    if rng.random() < 0.35:
        passenger = draft.narco() if rng.random() < 0.6 else draft.american("us_courier")
        draft.link(
            "Associate",
            person=[driver.id],
            associate=[passenger.id],
            relationship=[draft.in_language(("travel companion", "acompañante"))],
        )
        more.append(
            (
                f"The passenger, {draft.who(passenger)}, claimed not to know about the load.",
                f"{gendered(passenger, 'El acompañante', 'La acompañante')}, "
                f"{draft.who(passenger)}, "
                "afirmó desconocer la carga.",
            )
        )
    port_short = (port.label("en"), port.label("es"))
    titles: list[Bilingual] = [
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
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"On {dt[0]}, {draft.who(driver)}, driving {vehicle.label('en')}, applied for entry at "
            f"{port_short[0]}.",
            f"El {dt[1]}, {draft.who(driver)}, a bordo de {vehicle.label('es')}, solicitó el "
            f"ingreso por {port_short[1]}.",
        ),
        more,
        driver.name,
        (
            "The seizure, the driver's statements and crossing records",
            "El aseguramiento, las declaraciones del conductor y los registros de cruce",
        ),
    )


def distribution_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    cell = draft.mention_organisation(rng.choice(world.us_cells))
    city = cell.city
    leader = draft.american("us_dist", city)
    draft.member(leader, cell, ("leader", "líder"))
    seller = draft.american("us_dist", city)
    draft.member(seller, cell, ("street-level distributor", "distribuidor al menudeo"))
    stash = draft.mention_place(world.us_address(city))
    draft.props[leader.id].setdefault("addressEntity", []).append(stash.id)
    day = story_day(world)
    dt = date_in_both(day)
    pills = rng.choice([100, 200, 500, 1000, 2000, 5000])
    price = pills * rng.choice([3, 4, 5, 6])
    m = money_in_both(price, "USD")
    more: list[Bilingual] = [
        (
            f"On {dt[0]}, an undercover officer bought {pills:,} tablets from {draft.who(seller)} "
            f"for {m[0]}.",
            f"El {dt[1]}, un agente encubierto compró {pills:,} pastillas a {draft.who(seller)} "
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
        source = draft.narco()
        draft.link(
            "Associate",
            person=[leader.id],
            associate=[source.id],
            relationship=[draft.in_language(("source of supply", "proveedor"))],
        )
        more.append(
            (
                f"Toll records show frequent contact between {leader.name} and "
                f"{draft.who(source)}, "
                f"a suspected source of supply in {source.city}.",
                f"Los registros telefónicos muestran contacto frecuente entre {leader.name} y "
                f"{draft.who(source)}, presunto proveedor en {source.city}.",
            )
        )
    if rng.random() < 0.6:
        runner = draft.american("us_dist", city)
        draft.member(runner, cell, ("money courier", "mensajero de dinero"))
        more.append(
            (
                f"{draft.who(runner)} was seen collecting cash and depositing it at several bank "
                "branches in amounts under USD 10,000.",
                f"Se observó a {draft.who(runner)} recoger efectivo y depositarlo en varias "
                "sucursales bancarias en montos menores a 10,000 dólares.",
            )
        )
    if rng.random() < 0.4:
        car = draft.mention_vehicle(world.vehicle("us", rng.choice(["car", "suv", "pickup"])))
        draft.link("Ownership", owner=[seller.id], asset=[car.id])
        more.append(
            (
                f"{seller.name} drives {car.label('en')} to meet buyers.",
                f"{seller.name} utiliza {car.label('es')} para reunirse con compradores.",
            )
        )
    titles: list[Bilingual] = [
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
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"{cell.name}, led by {draft.who(leader)}, is distributing counterfeit oxycodone "
            "tablets "
            f"in the {city} area.",
            f"{cell.name}, encabezada por {draft.who(leader)}, distribuye pastillas apócrifas de "
            f"oxicodona en el área de {city}.",
        ),
        more,
        leader.name,
        (
            "Controlled purchases, surveillance and toll analysis",
            "Las compras controladas, la vigilancia y el análisis de llamadas",
        ),
    )
