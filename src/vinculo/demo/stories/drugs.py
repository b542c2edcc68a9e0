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
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import date_in_both, join_words, money_in_both
from vinculo.demo.world import World


def precursor_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "drugs", "precursor")
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
        role=[draft.in_language(say("sole_administrator"))],
        startDate=since,
    )
    chem, decl = rng.choice(CHEMICALS), rng.choice(DECLARED_AS)
    kg = rng.randrange(150, 4000, 25)
    day = story_day(world)
    dt = date_in_both(day)
    country = say("china") if supplier.props["country"] == ["cn"] else say("india")
    prior, year = rng.randint(2, 9), rng.randint(2021, 2024)
    more: list[Bilingual] = [
        say("field_testing_indicated_approximately", kg=kg, chem=chem),
        say(
            "sole_administrator_has_no",
            importer=importer,
            director=director,
        ),
        say("customs_records_show_earlier", prior=prior, year=year),
    ]
    if rng.random() < 0.6:
        amount = rng.randrange(18000, 240000, 500)
        pay_day = day - timedelta(days=rng.randint(10, 60))
        acc_i = world.account("mx")
        acc_s = world.account("hk" if supplier.props["country"] == ["cn"] else "in")
        draft.holds(importer, acc_i)
        draft.holds(supplier, acc_s)
        purpose = say("import_raw_materials")
        draft.payment(importer, supplier, amount, "USD", pay_day, purpose, acc_i, acc_s)
        m = money_in_both(amount, "USD")
        pd = date_in_both(pay_day)
        more.append(
            say(
                "banking_records_show_transfer",
                money=m,
                importer=importer,
                supplier=supplier,
                paid_on=pd,
            )
        )
    if rng.random() < 0.35:
        broker = draft.person("broker", world.cn_person, cross=0.3)
        draft.link(
            "Associate",
            person=[director.id],
            associate=[broker.id],
            relationship=[draft.in_language(say("sales_contact"))],
        )
        more.append(
            say(
                "messages_recovered_from_phone",
                director=director,
                broker=broker,
            )
        )
    if rng.random() < 0.6:
        agent = draft.business(port.city)
        draft.link(
            "Associate",
            person=[agent.id],
            associate=[director.id],
            relationship=[draft.in_language(say("customs_broker_for"))],
        )
        more.append(say("entry_was_filed_by", agent=agent, importer=importer))
    more.append(say("consignment_was_released_bonded", port=port))
    titles: list[Bilingual] = [
        say(
            "precursor_shipment_from_via",
            supplier=supplier,
            importer=importer,
            port=port,
        ),
        say("declared_as_port", chem=chem, decl=decl, port=port),
        say("linked_repeated_imports", importer=importer, chem=chem),
    ]
    return Story(
        "precursor_diversion",
        rng.choice(titles),
        say(
            "container_consigned_arrived_from",
            date=dt,
            importer=importer,
            port=port,
            supplier=supplier,
            country=country,
            decl=decl,
        ),
        more,
        importer.name,
        say("customs_declarations_field_test"),
    )


def lab_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "drugs", "lab")
    rng = world.rng
    town = rng.choice(LAB_TOWNS)
    state = MEXICAN_CITIES[town][0]
    site = draft.mention_place(world.mx_address(town, site=rng.choice(LAB_SITES), kind="lab"))
    cell = draft.mention_organisation(rng.choice(world.cells))
    cooks = [draft.narco(town) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    for cook in cooks:
        draft.member(cook, cell, say("cook"))
        if rng.random() < 0.4:
            draft.assert_properties(cook, [])
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
        say("site_held_reactors_pill", reactors=reactors, kg=kg),
        say(
            "identified_as_working_for",
            names_en=names_en,
            were_was="were" if plural else "was",
            cooks="cooks" if plural else "a cook",
            cell=cell,
            names_es=names_es,
            cocineros="cocineros" if plural else "cocinero",
        ),
        say("witnesses_placed_site_collecting", boss=boss),
        say("approximately_counterfeit_m_tablets", pills=pills),
    ]
    if rng.random() < 0.4 and world.pools.get("supplier"):
        supplier = draft.mention_organisation(rng.choice(world.pools["supplier"]))
        more.append(say("empty_drums_labelled_with", supplier=supplier))
    titles: list[Bilingual] = [
        say("clandestine_laboratory_dismantled_near", town=town, state=state),
        say(
            "surveillance_suspected_fentanyl_lab",
            site_name=site.name.split(",")[0],
            town=town,
        ),
        say("cooks_working_for_identified", cell=cell, town=town),
    ]
    return Story(
        "fentanyl_production",
        rng.choice(titles),
        say(
            "located_clandestine_synthesis_laboratory",
            date=dt,
            force=force,
            site=site,
        ),
        more,
        boss.name,
        say("surveillance_site_findings"),
    )


def border_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "drugs", "border")
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
        what = say("kg_fentanyl_powder", qty=qty)
        short = say("kg_fentanyl", qty=qty)
    else:
        qty = rng.randrange(20000, 900000, 1000)
        what = say("fentanyl_pills", qty=qty)
        short = say("fentanyl_pills_2", qty=qty)
    dest_city = rng.choice(US_MARKETS)
    dest = draft.mention_place(world.us_address(dest_city))
    start_city = rng.choice(MEXICAN_BORDER_TOWNS)
    start = draft.mention_place(world.mx_address(start_city))
    draft.link(
        "Trip",
        name=[draft.in_language(say("text", start_city=start_city, dest_city=dest_city))],
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
        say("canine_alert_led_secondary", what=what, hide=hide),
        say("driver_stated_was_paid", driver=driver, money=m, dest=dest),
        say(
            "license_plate_reader_data",
            crossings=crossings,
            window=window,
        ),
    ]
    if rng.random() < 0.5:
        handler = draft.narco(start_city if start_city in MEXICAN_CITIES else None)
        draft.link(
            "Associate",
            person=[driver.id],
            associate=[handler.id],
            relationship=[draft.in_language(say("handler"))],
        )
        more.append(
            say(
                "phone_extraction_links_driver",
                handler=handler,
                driver=driver,
            )
        )
    if rng.random() < 0.35:
        passenger = draft.narco() if rng.random() < 0.6 else draft.american("us_courier")
        draft.link(
            "Associate",
            person=[driver.id],
            associate=[passenger.id],
            relationship=[draft.in_language(say("travel_companion"))],
        )
        more.append(say("passenger_claimed_not_know", passenger=passenger))
    port_short = (port.label("en"), port.label("es"))
    titles: list[Bilingual] = [
        say(
            "concealed_vehicle",
            short_capitalized=short[0].capitalize(),
            port_short=port_short,
            short=short,
        ),
        say(
            "secondary_inspection_plates",
            vehicle=vehicle,
            port_short=port_short,
        ),
        say("courier_intercepted", driver=driver, port_short=port_short),
    ]
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        say(
            "driving_applied_for_entry",
            date=dt,
            driver=driver,
            vehicle=vehicle,
            port_short=port_short,
        ),
        more,
        driver.name,
        say("seizure_driver_statements_crossing"),
    )


def distribution_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "drugs", "distribution")
    rng = world.rng
    cell = draft.mention_organisation(rng.choice(world.us_cells))
    city = cell.city
    leader = draft.american("us_dist", city)
    draft.member(leader, cell, say("leader"))
    seller = draft.american("us_dist", city)
    draft.member(seller, cell, say("street_level_distributor"))
    stash = draft.mention_place(world.us_address(city))
    draft.props[leader.id].setdefault("addressEntity", []).append(stash.id)
    day = story_day(world)
    dt = date_in_both(day)
    pills = rng.choice([100, 200, 500, 1000, 2000, 5000])
    price = pills * rng.choice([3, 4, 5, 6])
    m = money_in_both(price, "USD")
    more: list[Bilingual] = [
        say(
            "undercover_officer_bought_tablets",
            date=dt,
            pills=pills,
            seller=seller,
            money=m,
        ),
        say("surveillance_tied_cell_residence", stash=stash),
    ]
    if rng.random() < 0.6:
        source = draft.narco()
        draft.link(
            "Associate",
            person=[leader.id],
            associate=[source.id],
            relationship=[draft.in_language(say("source_supply"))],
        )
        more.append(
            say(
                "toll_records_show_frequent",
                leader=leader,
                source=source,
            )
        )
    if rng.random() < 0.6:
        runner = draft.american("us_dist", city)
        draft.member(runner, cell, say("money_courier"))
        more.append(say("was_seen_collecting_cash", runner=runner))
    if rng.random() < 0.4:
        car = draft.mention_vehicle(world.vehicle("us", rng.choice(["car", "suv", "pickup"])))
        draft.link("Ownership", owner=[seller.id], asset=[car.id])
        more.append(say("drives_meet_buyers", seller=seller, car=car))
    titles: list[Bilingual] = [
        say("distributing_fentanyl_pills", cell=cell, city=city),
        say("controlled_purchase_from", seller=seller, city=city),
        say("surveillance_stash_house", stash=stash),
    ]
    return Story(
        "drug_trafficking",
        rng.choice(titles),
        say(
            "led_by_is_distributing",
            cell=cell,
            leader=leader,
            city=city,
        ),
        more,
        leader.name,
        say("controlled_purchases_surveillance_toll"),
    )
