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
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import date_in_both, gendered, join_words, money_in_both
from vinculo.demo.world import World, day_between


def laundering_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "money", "laundering")
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
        role=[draft.in_language(say("legal_representative"))],
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
        more.append(say("then_paid_who_has", mx_co=mx_co, mb=mb, boss=boss))
    if rng.random() < 0.6:
        manager = draft.american("us_business", us_co.city if us_co.city in US_CITIES else None)
        draft.link(
            "Directorship",
            director=[manager.id],
            organization=[us_co.id],
            role=[draft.in_language(say("managing_member"))],
        )
        more.append(
            say(
                "managing_member_made_most",
                manager=manager,
                us_co=us_co,
            )
        )
    more += [
        say("is_sole_authorised_signatory", signer=signer),
        say("beneficiary_reports_no_employees", mx_co=mx_co),
        say("pattern_is_consistent_with"),
    ]
    a, b = date_in_both(start), date_in_both(end)
    titles: list[Bilingual] = [
        say("structured_deposits_routed", mx_co=mx_co),
        say("drug_proceeds_laundered_through", us_co=us_co),
        say("wire_transfers_between_flagged", us_co=us_co, mx_co=mx_co),
    ]
    return Story(
        "money_laundering",
        rng.choice(titles),
        say(
            "between_cash_deposits_below",
            a=a,
            b=b,
            deposits=deposits,
            us_co=us_co,
            money=m,
            mx_co=mx_co,
        ),
        more,
        mx_co.name,
        say("suspicious_activity_reports_account"),
    )


def front_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "money", "front")
    rng = world.rng
    kind = rng.choice(["front", "front", "transport"])
    company = draft.mention_organisation(
        world.pick_or_new(kind, 0.25, lambda: world.mx_company(kind), draft.props)
    )
    draft.assert_properties(company, ["incorporationDate"])
    home = company.city if company.city in MEXICAN_CITIES else None
    director = draft.business(home)
    leader = draft.narco(home)
    cell = rng.choice(world.cells)
    draft.member(leader, cell, rng.choice(TRAFFICKER_ROLES))
    draft.link(
        "Directorship",
        director=[director.id],
        organization=[company.id],
        role=[draft.in_language(say("sole_administrator"))],
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
        say(
            "is_suspected_member",
            director=director,
            kin=kin,
            leader=leader,
            cell=cell,
        ),
        say("registry_records_show_holds", director=director, share=share),
        say("director_declared_income_cannot"),
    ]
    if rng.random() < 0.6:
        truck = draft.mention_vehicle(world.vehicle("mx", rng.choice(["truck", "pickup", "suv"])))
        draft.link("Ownership", owner=[company.id], asset=[truck.id])
        more.append(
            say(
                "owns_which_is_regularly",
                company=company,
                truck=truck,
                leader=leader,
            )
        )
    titles: list[Bilingual] = [
        say("nominee_directors_linked", company=company, leader=leader),
        say("corporate_structure", company=company),
    ]
    return Story(
        "money_laundering",
        rng.choice(titles),
        say(
            "was_incorporated_with_as",
            company=company,
            inc=inc,
            director=director,
        ),
        more,
        leader.name,
        say("corporate_registry_data_kinship"),
    )


def arms_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "money", "arms")
    rng = world.rng
    city = rng.choice(US_ARMS_CITIES)
    buyers = [draft.american("straw", city) for _ in range(rng.choice([1, 2, 2, 3]))]
    cell = draft.mention_organisation(rng.choice(world.cells))
    recipient = draft.narco()
    draft.member(recipient, cell, say("weapons_procurement"))
    for buyer in buyers:
        draft.link(
            "Associate",
            person=[buyer.id],
            associate=[recipient.id],
            relationship=[draft.in_language(say("straw_purchaser_for"))],
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
        say(
            "traces_rifles_recovered_returned",
            recovered=recovered,
            buyers=buyers,
        ),
        say("is_believed_receive_firearms", recipient=recipient, cell=cell),
        say("buyers_were_paid_about", fee=fee),
        say("firearms_are_believed_cross", port=port),
    ]
    titles: list[Bilingual] = [
        say("straw_purchases_rifles_linked", city=city, cell=cell),
        say("southbound_firearms_smuggling_through", port=port),
    ]
    fifty_en = f" and {fifties} .50-caliber rifles" if fifties else ""
    fifty_es = f" y {fifties} fusiles calibre .50" if fifties else ""
    return Story(
        "arms_trafficking",
        rng.choice(titles),
        say(
            "between_bought_ar_type",
            a=a,
            b=b,
            names_en=names_en,
            rifles=rifles,
            fifty_en=fifty_en,
            city=city,
            names_es=names_es,
            fifty_es=fifty_es,
        ),
        more,
        recipient.name,
        say("firearms_trace_results_purchase"),
    )


def corruption_story(world: World, draft: Draft) -> Story:
    say = teller(draft, "money", "corruption")
    rng = world.rng
    city = rng.choice([*MEXICAN_BORDER_TOWNS, "Culiacán", "Caborca", "Altar"])
    customs = rng.random() < 0.4
    if customs:
        position = say("customs_inspector", city=city)
    else:
        position = say("municipal_police_commander", city=city)

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
    draft.payment(payer, official, monthly, "MXN", day, say("loan"), None, acc)
    m = money_in_both(monthly, "MXN")
    draft.link(
        "Associate",
        person=[official.id],
        associate=[payer.id],
        relationship=[draft.in_language(say("receives_payments_from"))],
    )
    more: list[Bilingual] = [
        say("is_said_deliver_month", payer=payer, cell=cell, money=m),
        say("transfer_disguised_as_personal"),
        say("informants_report_that_patrols"),
    ]
    titles: list[Bilingual] = [
        say("payments_public_official", city=city),
        say(
            "allegedly_paid_let_loads",
            position_capitalized=position[0].capitalize(),
            position=position,
        ),
    ]
    return Story(
        "corruption",
        rng.choice(titles),
        say(
            "is_suspected_receiving_regular",
            official=official,
            position=position,
            cell=cell,
        ),
        more,
        official.name,
        say("informant_reporting_bank_records"),
    )
