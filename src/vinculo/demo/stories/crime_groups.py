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
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import gendered, join_words, money_in_both
from vinculo.demo.world import World


def extortion_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "crime_groups", "extortion")
    rng = world.rng
    city = rng.choice(["Culiacán", "Caborca", "Hermosillo", "Ciudad Obregón", "Guaymas"])
    cell = draft.mention_organisation(rng.choice(world.cells))
    members = [draft.narco(city) for _ in range(rng.choice([1, 2, 2]))]
    for x in members:
        draft.member(x, cell, say("collector"))
    if len(members) > 1:
        draft.link(
            "Associate",
            person=[members[0].id],
            associate=[members[1].id],
            relationship=[draft.in_language(say("accomplice"))],
        )
    victims = rng.randint(6, 40)
    fee = rng.choice([3000, 5000, 10000, 20000])
    m = money_in_both(fee, "MXN")
    names_en = join_words([draft.who(x) for x in members], "en")
    names_es = join_words([draft.who(x) for x in members], "es")
    more: list[Bilingual] = [
        say("businesses_pay_week_those", money=m),
        say(
            "collect_payments_person_motorcycles",
            names_en=names_en,
            names_es=names_es,
        ),
        say("part_proceeds_funds_purchase"),
    ]
    return Story(
        "extortion",
        say(
            "extortion_transport_businesses_by",
            city=city,
            cell=cell,
        ),
        say(
            "complaints_describe_weekly_extortion",
            victims=victims,
            city=city,
        ),
        more,
        members[0].name,
        say("victim_complaints_surveillance"),
    )


def network_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "crime_groups", "network")
    rng = world.rng
    cell = draft.mention_organisation(rng.choice(world.cells))
    leader = draft.narco(cell.city)
    draft.member(leader, cell, say("plaza_boss"))
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
        say(
            "relatives_manage_properties_vehicles",
            leader=leader,
            relatives_en=join_words(kin_sentences, "en"),
            relatives_es=join_words(kin_sentences_es, "es"),
        ),
        say(
            "is_handles_shipments_border",
            partner=partner,
            leader=leader,
            assoc=assoc,
        ),
        say("is_known_stay", leader=leader, home=home),
    ]
    if rng.random() < 0.5:
        suv = draft.mention_vehicle(world.vehicle("mx", "suv"))
        draft.link("Ownership", owner=[leader.id], asset=[suv.id])
        more.append(say("moves_with_escort", leader=leader, suv=suv))
    titles: list[Bilingual] = [
        say("family_network", leader=leader),
        say("associates_plaza_boss", cell=cell),
    ]
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        say("is_identified_as_plaza", leader=leader, cell=cell),
        more,
        leader.name,
        say("human_source_reporting_field"),
    )
