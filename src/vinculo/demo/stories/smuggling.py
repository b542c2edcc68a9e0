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
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import date_in_both, join_words, money_in_both
from vinculo.demo.world import World


def stash_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "smuggling", "stash")
    rng = world.rng
    city = rng.choice(US_STASH_CITIES)
    house = draft.mention_place(world.us_address(city, kind="stash"))
    ring = draft.mention_organisation(rng.choice(world.rings))
    keeper = (
        draft.american("us_smuggler", city) if rng.random() < 0.5 else draft.smuggler(ring.city)
    )
    draft.member(keeper, ring, say("stash_house_keeper"))
    draft.props[keeper.id].setdefault("addressEntity", []).append(house.id)
    day = story_day(world)
    dt = date_in_both(day)
    count = rng.randint(8, 64)
    origins = rng.sample(ORIGINS, 2)
    fee = rng.choice([3500, 5000, 7000, 9000])
    m = money_in_both(fee, "USD")
    more: list[Bilingual] = [
        say(
            "migrants_from_were_found",
            count=count,
            origins=origins,
            money=m,
        ),
        say("house_is_rented_by", keeper=keeper, ring=ring),
    ]
    if rng.random() < 0.6:
        driver = draft.smuggler()
        van = draft.mention_vehicle(world.vehicle("us", "van"))
        draft.member(driver, ring, say("driver"))
        draft.link(
            "Trip",
            name=[draft.in_language(say("border", city=city))],
            endLocation=[house.id],
            vehicle=[van.id],
            involved=[driver.id],
            startDate=[(day - timedelta(days=rng.randint(1, 6))).isoformat()],
        )
        more.append(say("was_seen_arriving_with", driver=driver, van=van))
    more.append(say("neighbours_reported_windows_covered"))
    titles: list[Bilingual] = [
        say("surveillance_stash_house", house=house),
        say("stash_house_holding_migrants", count=count, city=city),
    ]
    return Story(
        "human_smuggling",
        rng.choice(titles),
        say(
            "surveilled_residence_suspected_holding",
            date=dt,
            own_people=OWN_PEOPLE[draft.agency],
            house=house,
        ),
        more,
        keeper.name,
        say("surveillance_witness_statements"),
    )


def coyotes_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "smuggling", "coyotes")
    rng = world.rng
    ring = draft.mention_organisation(rng.choice(world.rings))
    town = ring.city
    route = rng.choice(SMUGGLING_ROUTES)
    guides = [draft.smuggler(town) for _ in range(rng.choice([1, 2, 2, 3]))]
    for g in guides:
        draft.member(g, ring, say("guide"))
    recruiter = draft.smuggler()
    draft.member(recruiter, ring, say("recruiter"))
    origin = rng.choice(["Tapachula", "Ciudad de Guatemala", "San Pedro Sula", "San Salvador"])
    f1, f2 = rng.choice([(4000, 6000), (5000, 8000), (6000, 9000), (7000, 12000)])
    names_en = join_words([draft.who(g) for g in guides], "en")
    names_es = join_words([draft.who(g) for g in guides], "es")
    more: list[Bilingual] = [
        say(
            "recruits_migrants_charges_between",
            recruiter=recruiter,
            origin=origin,
            f1=f1,
            f2=f2,
        ),
        say(
            "route",
            names_en=names_en,
            act_as_guides="act as guides" if len(guides) > 1 else "acts as a guide",
            route=route,
            names_es=names_es,
            fungen_como_guias="fungen como guías" if len(guides) > 1 else "funge como guía",
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
            say(
                "migrants_are_lodged_owned",
                hotel=hotel,
                lodging=lodging,
                owner=owner,
            )
        )
    if rng.random() < 0.5:
        collector = draft.smuggler()
        draft.member(collector, ring, say("money_collector"))
        more.append(say("payments_are_collected_by", collector=collector))
    titles: list[Bilingual] = [
        say("smuggling_guides_operating_from", ring=ring, town=town),
        say("guides_identified_route", ring=ring, route=route),
    ]
    return Story(
        "human_smuggling",
        rng.choice(titles),
        say("moves_groups_migrants_from", ring=ring, town=town),
        more,
        ring.name,
        say("interviews_with_migrants_field"),
    )


def transport_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "smuggling", "transport")
    rng = world.rng
    road = rng.choice(HIGHWAYS)
    ring = draft.mention_organisation(rng.choice(world.rings))
    driver = draft.american("us_smuggler") if rng.random() < 0.5 else draft.smuggler()
    draft.member(driver, ring, say("driver"))
    kind = rng.choice(["van", "suv", "pickup"])
    vehicle = draft.mention_vehicle(world.vehicle(rng.choice(["us", "mx"]), kind))
    dest_city = rng.choice(["Phoenix", "Tucson", "Houston", "San Antonio", "Dallas"])
    dest = draft.mention_place(world.us_address(dest_city, kind="stash"))
    day = story_day(world)
    dt = date_in_both(day)
    count = rng.randint(5, 19)
    draft.link(
        "Trip",
        name=[draft.in_language(say("border", dest_city=dest_city))],
        endLocation=[dest.id],
        vehicle=[vehicle.id],
        involved=[driver.id],
        startDate=[day.isoformat()],
        endDate=[day.isoformat()],
    )
    pay = rng.choice([500, 800, 1000, 1500])
    m = money_in_both(pay, "USD")
    more: list[Bilingual] = [
        say("driver_said_was_recruited", driver=driver, money=m),
        say("navigation_app_driver_phone", dest=dest),
        say("messages_phone_point_coordinator", ring=ring),
    ]
    titles: list[Bilingual] = [
        say("vehicle_with_migrants_stopped", count=count, road=road),
        say("failure_yield_with_migrants", count=count, road=road),
    ]
    return Story(
        "human_smuggling",
        rng.choice(titles),
        say(
            "failed_yield_was_stopped",
            date=dt,
            vehicle=vehicle,
            road=road,
            count=count,
        ),
        more,
        driver.name,
        say("traffic_stop_migrant_interviews"),
    )


def smuggling_money_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "smuggling", "smuggling_money")
    rng = world.rng
    ring = draft.mention_organisation(rng.choice(world.rings))
    remit = draft.mention_organisation(
        world.pick_or_new("remit", 0.4, lambda: world.mx_company("remit"), draft.props)
    )
    collector = draft.smuggler()
    draft.member(collector, ring, say("money_collector"))
    leader = draft.smuggler(ring.city)
    draft.member(leader, ring, say("ring_leader"))
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
        say(
            "money_was_moved_transfers",
            leader=leader,
            money=m,
        ),
        say("senders_are_relatives_migrants", ring=ring),
        say("several_receipts_were_collected"),
    ]
    titles: list[Bilingual] = [
        say("smuggling_fees_collected_through", remit=remit),
        say("money_collector_identified", ring=ring),
    ]
    return Story(
        "money_laundering",
        rng.choice(titles),
        say(
            "since_has_received_money",
            s=s,
            collector=collector,
            transfers=transfers,
            remit=remit,
        ),
        more,
        collector.name,
        say("remittance_records_account_statements"),
    )


def trafficking_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "smuggling", "trafficking")
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
        role=[draft.in_language(say("manager"))],
    )
    draft.link(
        "Associate",
        person=[recruiter.id],
        associate=[boss.id],
        relationship=[draft.in_language(say("supplies_workers"))],
    )
    count = rng.randint(4, 22)
    debt = rng.choice([8000, 12000, 15000, 20000])
    m = money_in_both(debt, "USD")
    more: list[Bilingual] = [
        say(
            "workers_said_promised_them",
            count=count,
            recruiter=recruiter,
            money=m,
        ),
        say("identity_documents_were_withheld"),
        say("manages_set_workers_hours", boss=boss, venue=venue),
    ]
    return Story(
        "human_trafficking",
        say("workers_held_debt_bondage", venue=venue, city=city),
        say(
            "victim_interviews_describe_forced",
            city=city,
            venue=venue,
        ),
        more,
        boss.name,
        say("victim_interviews_payroll_records"),
    )
