"""Stories of how a criminal group is run: extortion, and the structure of a cell."""

from __future__ import annotations

from vinculo.demo.catalogue import (
    ASSOCIATES,
    FEMALE_RELATIVES,
    MALE_RELATIVES,
    MEXICAN_CITIES,
)
from vinculo.demo.draft import Draft
from vinculo.demo.shapes import Bilingual
from vinculo.demo.stories.base import Story
from vinculo.demo.wording import gendered, join_words, money_in_both
from vinculo.demo.world import World


def extortion_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    city = rng.choice(["Culiacán", "Caborca", "Hermosillo", "Ciudad Obregón", "Guaymas"])
    cell = draft.mention_organisation(rng.choice(world.cells))
    members = [draft.narco(city) for _ in range(rng.choice([1, 2, 2]))]
    for x in members:
        draft.member(x, cell, ("collector", "cobrador de piso"))
    if len(members) > 1:
        draft.link(
            "Associate",
            person=[members[0].id],
            associate=[members[1].id],
            relationship=[draft.in_language(("accomplice", "cómplice"))],
        )
    victims = rng.randint(6, 40)
    fee = rng.choice([3000, 5000, 10000, 20000])
    m = money_in_both(fee, "MXN")
    names_en = join_words([draft.who(x) for x in members], "en")
    names_es = join_words([draft.who(x) for x in members], "es")
    more: list[Bilingual] = [
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
    return Story(
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


def network_story(world: World, draft: Draft) -> Story:
    rng = world.rng
    cell = draft.mention_organisation(rng.choice(world.cells))
    leader = draft.narco(cell.city)
    draft.member(leader, cell, ("plaza boss", "jefe de plaza"))
    home = draft.mention_place(
        world.mx_address(cell.city if cell.city in MEXICAN_CITIES else "Culiacán")
    )
    draft.props[leader.id].setdefault("addressEntity", []).append(home.id)
    kin_sentences: list[str] = []
    kin_sentences_es: list[str] = []
    for _ in range(rng.randint(1, 3)):
        relative = draft.narco(cell.city)
        kin = rng.choice(
            FEMALE_RELATIVES if gendered(relative, "m", "f") == "f" else MALE_RELATIVES
        )
        draft.link(
            "Family",
            person=[leader.id],
            relative=[relative.id],
            relationship=[draft.in_language(kin)],
        )
        kin_sentences.append(f"{draft.who(relative)} ({kin[0]})")
        kin_sentences_es.append(f"{draft.who(relative)} ({kin[1]})")
    partner = draft.narco()
    words = rng.choice(ASSOCIATES)
    assoc = (words[0], gendered(partner, words[1], words[2]))
    draft.link(
        "Associate",
        person=[leader.id],
        associate=[partner.id],
        relationship=[draft.in_language(assoc)],
    )
    more: list[Bilingual] = [
        (
            f"{gendered(leader, 'His', 'Her')} relatives {join_words(kin_sentences, 'en')} manage "
            f"properties and vehicles on {gendered(leader, 'his', 'her')} behalf.",
            f"Sus familiares {join_words(kin_sentences_es, 'es')} administran inmuebles y "
            "vehículos "
            "a su nombre.",
        ),
        (
            f"{draft.who(partner)} is {gendered(leader, 'his', 'her')} {assoc[0]} and handles "
            "shipments "
            "to the border.",
            f"{draft.who(partner)} es su {assoc[1]} y se encarga de los envíos a la frontera.",
        ),
        (
            f"{gendered(leader, 'He', 'She')} is known to stay at {home.label('en')}.",
            f"Se sabe que pernocta en {home.label('es')}.",
        ),
    ]
    if rng.random() < 0.5:
        suv = draft.mention_vehicle(world.vehicle("mx", "suv"))
        draft.link("Ownership", owner=[leader.id], asset=[suv.id])
        more.append(
            (
                f"{gendered(leader, 'He', 'She')} moves in {suv.label('en')} with an escort.",
                f"Se desplaza en {suv.label('es')} con escolta.",
            )
        )
    titles: list[Bilingual] = [
        (f"Family network of {leader.name}", f"Red familiar de {leader.name}"),
        (
            f"Associates of {cell.name} plaza boss in {cell.city}",
            f"Círculo cercano del jefe de plaza de {cell.name} en {cell.city}",
        ),
    ]
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        (
            f"{draft.who(leader)} is identified as plaza boss of {cell.name} in {cell.city}.",
            f"{draft.who(leader)} está {gendered(leader, 'identificado', 'identificada')} como "
            f"{gendered(leader, 'jefe', 'jefa')} de plaza de {cell.name} en {cell.city}.",
        ),
        more,
        leader.name,
        ("Human-source reporting and field work", "La información de fuentes humanas y de campo"),
    )
