"""Stories of money and its protectors: laundering, front companies, arms, corruption."""

from __future__ import annotations

from datetime import date, timedelta

from vinculo.demo.catalogue import (
    FEMALE_RELATIVES,
    MALE_RELATIVES,
    MEXICAN_BORDER_TOWNS,
    MEXICAN_CITIES,
    PAYMENT_PURPOSES,
    TRAFFICKER_ROLES,
    US_ARMS_CITIES,
    US_CITIES,
)
from vinculo.demo.draft import Draft
from vinculo.demo.profile import Profile
from vinculo.demo.shapes import Bilingual
from vinculo.demo.stories.base import Story, story_day
from vinculo.demo.wording import date_in_both, gendered, join_words, money_in_both
from vinculo.demo.world import World, day_between


def laundering_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    us_kind = rng.choice(["money", "produce", "logistics"])
    us_co = draft.mention_organisation(
        world.pick_or_new("us_" + us_kind, 0.3, lambda: world.us_company(us_kind), draft.props)
    )
    mx_kind = rng.choice(["exchange", "front", "front"])
    mx_co = draft.mention_organisation(
        world.pick_or_new(mx_kind, 0.3, lambda: world.mx_company(mx_kind), draft.props)
    )
    signer = draft.business(mx_co.city if mx_co.city in MEXICAN_CITIES else None)
    draft.link(
        "Directorship",
        director=[signer.id],
        organization=[mx_co.id],
        role=[draft.in_language(("legal representative", "apoderado legal"))],
    )
    acc_us, acc_mx = world.account("us"), world.account("mx")
    draft.holds(us_co, acc_us)
    draft.holds(mx_co, acc_mx)
    start = story_day(world, date(2025, 1, 6), date(2026, 5, 31))
    end = start + timedelta(days=rng.randint(20, 120))
    deposits = rng.randint(12, 140)
    more: list[Bilingual] = []
    total = 0
    for _ in range(rng.randint(1, 3)):
        amount = rng.randrange(25000, 480000, 250)
        total += amount
        day = day_between(rng, start, end)
        purpose = rng.choice(PAYMENT_PURPOSES)
        draft.payment(us_co, mx_co, amount, "USD", day, purpose, acc_us, acc_mx)
    m = money_in_both(total, "USD")
    if rng.random() < 0.5:
        boss = draft.narco(mx_co.city if mx_co.city in MEXICAN_CITIES else None)
        amount = rng.randrange(200000, 3000000, 1000)
        day = end + timedelta(days=rng.randint(2, 20))
        acc_b = world.account("mx")
        draft.holds(boss, acc_b)
        draft.payment(mx_co, boss, amount, "MXN", day, rng.choice(PAYMENT_PURPOSES), acc_mx, acc_b)
        mb = money_in_both(amount, "MXN")
        more.append(
            (
                f"{mx_co.name} then paid {mb[0]} to {draft.who(boss)}, who has no declared "
                "business relationship with the company.",
                f"Posteriormente {mx_co.name} pagó {mb[1]} a {draft.who(boss)}, quien no tiene "
                "relación comercial declarada con la empresa.",
            )
        )
    if rng.random() < 0.6:
        manager = draft.american("us_business", us_co.city if us_co.city in US_CITIES else None)
        draft.link(
            "Directorship",
            director=[manager.id],
            organization=[us_co.id],
            role=[draft.in_language(("managing member", "socio administrador"))],
        )
        more.append(
            (
                f"{draft.who(manager)}, managing member of {us_co.name}, made most of the deposits "
                "in person.",
                f"{draft.who(manager)}, socio administrador de {us_co.name}, realizó personalmente "
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
    a, b = date_in_both(start), date_in_both(end)
    titles: list[Bilingual] = [
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
    return Story(
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


def front_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    kind = rng.choice(["front", "front", "transport"])
    company = draft.mention_organisation(
        world.pick_or_new(kind, 0.25, lambda: world.mx_company(kind), draft.props)
    )
    draft.put(company, ["incorporationDate"])
    home = company.city if company.city in MEXICAN_CITIES else None
    director = draft.business(home)
    leader = draft.narco(home)
    cell = rng.choice(world.cells)
    draft.member(leader, cell, rng.choice(TRAFFICKER_ROLES))
    draft.link(
        "Directorship",
        director=[director.id],
        organization=[company.id],
        role=[draft.in_language(("sole administrator", "administrador único"))],
        startDate=company.props["incorporationDate"],
    )
    kin = rng.choice(FEMALE_RELATIVES if gendered(director, "m", "f") == "f" else MALE_RELATIVES)
    draft.link(
        "Family", person=[leader.id], relative=[director.id], relationship=[draft.in_language(kin)]
    )
    share = rng.choice(["50", "60", "75", "90", "100"])
    draft.link("Ownership", owner=[director.id], asset=[company.id], percentage=[share])
    inc = date_in_both(date.fromisoformat(company.props["incorporationDate"][0]))
    more: list[Bilingual] = [
        (
            f"{director.name} is the {kin[0]} of {draft.who(leader)}, a suspected member of "
            f"{cell.name}.",
            f"{director.name} es {kin[1]} de {draft.who(leader)}, presunto integrante de "
            f"{cell.name}.",
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
        truck = draft.mention_vehicle(world.vehicle("mx", rng.choice(["truck", "pickup", "suv"])))
        draft.link("Ownership", owner=[company.id], asset=[truck.id])
        more.append(
            (
                f"{company.name} owns {truck.label('en')}, which {leader.name} is regularly seen "
                "driving.",
                f"{company.name} es propietaria de {truck.label('es')}, que {leader.name} "
                "conduce habitualmente.",
            )
        )
    titles: list[Bilingual] = [
        (
            f"Nominee directors of {company.name} linked to {leader.name}",
            f"Prestanombres de {company.name} vinculados con {leader.name}",
        ),
        (f"Corporate structure of {company.name}", f"Estructura societaria de {company.name}"),
    ]
    return Story(
        "money_laundering",
        rng.choice(titles),
        (
            f"{company.name} was incorporated in {company.city} on {inc[0]} with "
            f"{draft.who(director)} as sole administrator.",
            f"{company.name} se constituyó en {company.city} el {inc[1]} con "
            f"{draft.who(director)} como administrador único.",
        ),
        more,
        leader.name,
        (
            "Corporate registry data and kinship analysis",
            "Los datos del registro mercantil y el análisis de vínculos familiares",
        ),
    )


def arms_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    city = rng.choice(US_ARMS_CITIES)
    buyers = [draft.american("straw", city) for _ in range(rng.choice([1, 2, 2, 3]))]
    cell = draft.mention_organisation(rng.choice(world.cells))
    recipient = draft.narco()
    draft.member(recipient, cell, ("weapons procurement", "encargado de adquirir armas"))
    for buyer in buyers:
        draft.link(
            "Associate",
            person=[buyer.id],
            associate=[recipient.id],
            relationship=[draft.in_language(("straw purchaser for", "compra armas para"))],
        )
    port = draft.mention_place(rng.choice(world.ports))
    start = story_day(world, date(2025, 1, 6), date(2026, 7, 31))
    end = start + timedelta(days=rng.randint(30, 90))
    a, b = date_in_both(start), date_in_both(end)
    rifles, fifties = rng.randint(6, 60), rng.randint(0, 6)
    fee = rng.choice([100, 150, 200, 300])
    recovered = rng.choice(["Culiacán", "Caborca", "Tijuana", "Ciudad Juárez", "Uruapan"])
    names_en = join_words([draft.who(x) for x in buyers], "en")
    names_es = join_words([draft.who(x) for x in buyers], "es")
    more: list[Bilingual] = [
        (
            f"Traces of rifles recovered in {recovered} returned to purchases by {buyers[0].name}.",
            f"El rastreo de fusiles asegurados en {recovered} remite a compras de "
            f"{buyers[0].name}.",
        ),
        (
            f"{draft.who(recipient)} is believed to receive the firearms on behalf of {cell.name}.",
            f"Se presume que {draft.who(recipient)} recibe las armas por cuenta de {cell.name}.",
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
    titles: list[Bilingual] = [
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
    return Story(
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


def corruption_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    city = rng.choice([*MEXICAN_BORDER_TOWNS, "Culiacán", "Caborca", "Altar"])
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

    def make() -> Profile:
        ent = world.mx_person("official", home=city, alias_p=0.1)
        ent.props["position"] = [position[1]]
        return ent

    official = draft.person("official", make, cross=0.1)
    payer = draft.narco(city)
    cell = rng.choice(world.cells + world.rings)
    draft.member(payer, cell, rng.choice(TRAFFICKER_ROLES))
    day = story_day(world)
    monthly = rng.choice([20000, 30000, 50000, 80000, 120000, 250000])
    acc = world.account("mx")
    draft.holds(official, acc)
    draft.payment(payer, official, monthly, "MXN", day, ("loan", "préstamo personal"), None, acc)
    m = money_in_both(monthly, "MXN")
    draft.link(
        "Associate",
        person=[official.id],
        associate=[payer.id],
        relationship=[draft.in_language(("receives payments from", "recibe pagos de"))],
    )
    more: list[Bilingual] = [
        (
            f"{draft.who(payer)}, of {cell.name}, is said to deliver {m[0]} a month.",
            f"Se señala que {draft.who(payer)}, de {cell.name}, entrega {m[1]} mensuales.",
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
    titles: list[Bilingual] = [
        (f"Payments to a public official in {city}", f"Pagos a servidor público en {city}"),
        (
            f"{position[0].capitalize()} allegedly paid to let loads through",
            f"Presuntos sobornos a {position[1]}",
        ),
    ]
    return Story(
        "corruption",
        rng.choice(titles),
        (
            f"{draft.who(official)}, {position[0]}, is suspected of receiving regular payments "
            "from "
            f"{cell.name}.",
            f"Se presume que {draft.who(official)}, {position[1]}, recibe pagos periódicos de "
            f"{cell.name}.",
        ),
        more,
        official.name,
        ("Informant reporting and bank records", "La información de fuentes humanas y bancaria"),
    )
