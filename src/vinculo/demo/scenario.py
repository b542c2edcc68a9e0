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
from collections.abc import Callable
from datetime import date, timedelta

from vinculo import vocab
from vinculo.demo.catalogue import (
    AGENCY_WEIGHTS,
    AUTHORS,
    DRAWN_GROUPS,
    GROUPS,
    MARKING_TIERS,
    PAYMENT_PURPOSES,
    PREDICATE_ARTICLES,
    USERS,
)
from vinculo.demo.draft import Draft
from vinculo.demo.markings import draw_markings, draw_weighted
from vinculo.demo.scripted import scripted_reports
from vinculo.demo.shapes import Bilingual, GroupSpec, ReportSpec, Scenario, UserSpec
from vinculo.demo.stories import crime_groups, drugs, money, press, smuggling
from vinculo.demo.stories.base import Story
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import money_in_both
from vinculo.demo.world import World
from vinculo.intel.schemas import MarkingsIn, ReportCreate

__all__ = ["BASE_DATE", "GroupSpec", "ReportSpec", "Scenario", "UserSpec", "build_scenario"]

BASE_DATE = date(2026, 11, 1)
REPORT_COUNT = 180


StoryMaker = Callable[[World, Draft], Story]
# Stories and the agencies that would write them, with weights.
STORIES: list[tuple[StoryMaker, int, tuple[str, ...]]] = [
    (drugs.precursor_story, 12, ("SEMAR", "FGR", "HSI", "DEA", "SSPC", "UIF")),
    (drugs.lab_story, 14, ("SEDENA", "SEMAR", "GN", "FGR", "DEA")),
    (drugs.border_story, 14, ("CBP", "HSI", "GN", "SSPC", "DEA", "FGR")),
    (drugs.distribution_story, 12, ("DEA", "FBI", "HSI")),
    (money.laundering_story, 10, ("UIF", "FINCEN", "FBI", "DEA", "HSI", "FGR")),
    (money.front_story, 8, ("UIF", "FGR", "FINCEN", "FBI", "SSPC")),
    (money.arms_story, 6, ("ATF", "HSI", "FGR", "SEDENA", "CBP")),
    (money.corruption_story, 5, ("FGR", "SSPC", "FBI", "UIF")),
    (smuggling.stash_story, 9, ("HSI", "CBP", "FBI")),
    (smuggling.coyotes_story, 9, ("GN", "FGR", "SSPC", "SEDENA", "HSI")),
    (smuggling.transport_story, 7, ("CBP", "HSI", "GN")),
    (smuggling.smuggling_money_story, 6, ("UIF", "HSI", "FINCEN", "FGR")),
    (smuggling.trafficking_story, 3, ("FBI", "FGR", "HSI")),
    (crime_groups.extortion_story, 3, ("FGR", "SSPC", "GN", "SEDENA")),
    (crime_groups.network_story, 10, ("FGR", "DEA", "SEDENA", "GN", "FBI", "SEMAR")),
]


USERS_BY_NAME = {u.username: u for u in USERS}


def draw_grading(rng: random.Random) -> tuple[str, int]:
    reliability = rng.choices("ABCDEF", weights=[5, 40, 35, 10, 4, 6])[0]
    credibility = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 40, 32, 10, 4, 6])[0]
    return reliability, credibility


def suspicion_text(story: Story, lang: str) -> str:
    offence = vocab.load("offences").get(story.predicate)
    if lang == "es":
        art = PREDICATE_ARTICLES[story.predicate]
        return (
            f"{story.basis[1]} permiten establecer una sospecha razonable de que "
            f"{story.subject} participa en {art} {offence.label('es').lower()}."
        )
    return (
        f"{story.basis[0]} provide reasonable suspicion that {story.subject} is involved in "
        f"{offence.label('en').lower()}."
    )


def tidy(text: str, lang: str) -> str:
    """Typography after slot filling: "C.V.." at a sentence end, and Spanish contractions."""
    text = re.sub(r"\.\.(?=\s|$)", ".", text)
    if lang == "es":
        text = re.sub(r"\ba el ", "al ", text)
        text = re.sub(r"\bde el ", "del ", text)
    return text


def compose(
    world: World,
    draft: Draft,
    story: Story,
    markings: MarkingsIn,
    bilingual: bool,
    title: Bilingual | None = None,
) -> ReportSpec:
    rng = world.rng
    optional = story.more
    k = rng.randint(1, min(4, len(optional)))
    picked = sorted(rng.sample(range(len(optional)), k))
    sentences = [story.lead] + [optional[i] for i in picked]
    title = title or story.title
    en = draft.lang == "en" or bilingual
    es = draft.lang == "es" or bilingual
    reliability, credibility = draw_grading(rng)
    report = ReportCreate(
        title_en=tidy(title[0], "en") if en else "",
        title_es=tidy(title[1], "es") if es else "",
        body_en=tidy(" ".join(s[0] for s in sentences), "en") if en else "",
        body_es=tidy(" ".join(s[1] for s in sentences), "es") if es else "",
        reliability=reliability,
        credibility=credibility,
        predicate=story.predicate,
        suspicion=tidy(suspicion_text(story, draft.lang), draft.lang),
        # 28 CFR 23.20(b): the stories record conduct, never views or associations as such.
        attest_no_protected_views=True,
        review_by=BASE_DATE + timedelta(days=rng.randint(61, 425)),
        markings=markings,
        entities=draft.entities(),
    )
    return ReportSpec(author=draft.author.username, report=report)


def new_draft(world: World, username: str) -> Draft:
    author = USERS_BY_NAME[username]
    lang = "en" if vocab.agency_nation(author.agency) == "USA" else "es"
    return Draft(world, author, lang)


def fixture_reports(world: World) -> list[ReportSpec]:
    """The four reports tests and demos rely on, in this order."""
    rng = world.rng
    guero = world.mx_person(
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
    draft = new_draft(world, "dea.agent1")
    say = teller(draft, "fixtures", "payments_through_phoenix")
    draft.mention_person(guero, ["name", "birthDate", "nationality", "phone", "gender"])
    produce = draft.mention_organisation(world.us_company("produce", "Phoenix"))
    office = draft.mention_place(world.us_address("Phoenix"))
    draft.props[produce.id].setdefault("addressEntity", []).append(office.id)
    acc_us = world.account("us")
    acc_mx = world.account("mx")
    draft.holds(produce, acc_us)
    draft.holds(guero, acc_mx)
    total = 0
    days = [date(2026, 3, 4), date(2026, 4, 17), date(2026, 6, 2)]
    for day, amount in zip(days, [84500, 126000, 97250], strict=True):
        total += amount
        draft.payment(produce, guero, amount, "USD", day, PAYMENT_PURPOSES[1], acc_us, acc_mx)
    manager = draft.american("us_dist", "Phoenix")
    draft.link(
        "Directorship",
        director=[manager.id],
        organization=[produce.id],
        role=[draft.in_language(say("managing_member"))],
    )
    draft.link(
        "Associate",
        person=[manager.id],
        associate=[guero.id],
        relationship=[draft.in_language(say("business_partner"))],
    )
    m = money_in_both(total, "USD")
    story = Story(
        "money_laundering",
        say("title"),
        say(
            "lead",
            money=m,
            produce=produce,
            guero=guero,
            acc_mx=acc_mx,
        ),
        [
            say("believed_supplier", guero=guero),
            say(
                "manager_no_imports",
                manager=manager,
                produce=produce,
            ),
            say("invoiced_as_produce"),
        ],
        guero.name,
        say("basis"),
    )
    first = compose(world, draft, story, MarkingsIn(tlp="GREEN", rel_to=["USA"]), False)
    # 2. FGR, GREEN, REL TO USA, MEX: the same person with the alias Mexico knows him by.
    draft = new_draft(world, "fgr.mp1")
    say = teller(draft, "fixtures", "guero_supplies_labs")
    draft.mention_person(
        guero,
        ["name", "alias", "firstName", "fatherName", "motherName", "lastName", "idNumber"],
    )
    cell = draft.mention_organisation(world.cells[3])
    draft.member(guero, cell, say("precursor_supplier"), date(2019, 5, 1))
    lab = draft.mention_place(world.mx_address("Culiacán", site="Rancho El Mezquite", kind="lab"))
    cook = draft.narco("Culiacán")
    draft.member(cook, cell, say("cook"))
    story = Story(
        "fentanyl_production",
        say("title"),
        say("lead", cell=cell),
        [
            say("one_lab", lab=lab, cook=cook),
            say("night_deliveries"),
        ],
        guero.name,
        say("basis"),
    )
    second = compose(world, draft, story, MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"]), True)
    # 3. FGR, AMBER, REL TO USA, MEX, shared with no one: DEA cannot see it.
    draft = new_draft(world, "fgr.mp2")
    third = compose(
        world,
        draft,
        drugs.lab_story(world, draft),
        MarkingsIn(tlp="AMBER", rel_to=["USA", "MEX"]),
        False,
    )
    # 4. RED from a DEA agent (not us.analyst), given to mx.analyst.
    draft = new_draft(world, "dea.agent2")
    fourth = compose(
        world,
        draft,
        crime_groups.network_story(world, draft),
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

    The last are written out (demo/scripted.py): data/multinational.yml, REL TO USA, MEX, GTM
    for the group tf-multinational, then data/counter_terrorism.yml for ct-binational.
    """
    rng = random.Random(seed)
    world = World(rng)
    reports = fixture_reports(world)
    group_members = {
        code: [u.username for u in USERS if code in u.groups and "analyst" in u.roles]
        for code in DRAWN_GROUPS
    }
    while len(reports) < REPORT_COUNT:
        tier = draw_weighted(rng, MARKING_TIERS)
        group = None
        if tier == "group":
            group = rng.choice(DRAWN_GROUPS)
            username = rng.choice(group_members[group])
        else:
            agency = draw_weighted(rng, AGENCY_WEIGHTS)
            username = rng.choice(AUTHORS[agency])
        draft = new_draft(world, username)
        if tier == "clear" and draft.agency in ("FINCEN", "UIF"):
            tier = "green_both"  # financial intelligence units issue no press releases
        if tier == "clear":
            maker: StoryMaker = press.press_story
        else:
            fits = [(m, wt) for m, wt, agencies in STORIES if draft.agency in agencies]
            maker = rng.choices([m for m, _ in fits], weights=[wt for _, wt in fits])[0]
        story = maker(world, draft)
        markings = draw_markings(rng, tier, draft.author, group)
        reports.append(compose(world, draft, story, markings, rng.random() < 1 / 3))
    from vinculo.demo.networks import network_reports

    reports.extend(network_reports(reports, seed))
    # Written out, not drawn: the same for every seed, and after every drawn report.
    reports.extend(scripted_reports("multinational", reports))
    reports.extend(scripted_reports("counter_terrorism", reports))
    return Scenario(
        groups=list(GROUPS),
        users=list(USERS),
        reports=reports,
        duplicates=list(world.duplicates),
    )
