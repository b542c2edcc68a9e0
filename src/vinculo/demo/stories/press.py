"""Public items (TLP:CLEAR): what an agency announced. Only names are public."""

from __future__ import annotations

from vinculo.demo.catalogue import (
    LAB_TOWNS,
    MEXICAN_BORDER_TOWNS,
    PRESS_NAMES,
    US_ARMS_CITIES,
)
from vinculo.demo.draft import Draft
from vinculo.demo.shapes import Bilingual
from vinculo.demo.stories.base import Story, story_day
from vinculo.demo.stories.texts import teller
from vinculo.demo.wording import date_in_both
from vinculo.demo.world import World


def press_story(world: World, draft: Draft) -> Story:
    """A public item (TLP:CLEAR): what the agency announced. Only names are public."""
    say = teller(draft, "press", "press")
    rng = world.rng
    dt = date_in_both(story_day(world))
    who = PRESS_NAMES[draft.agency]
    more: list[Bilingual] = [
        say("case_is_part_binational"),
        say("anyone_charged_is_presumed"),
    ]
    if draft.agency == "ATF":
        accused = draft.american("straw", rng.choice(US_ARMS_CITIES), keys=["name"])
        rifles = rng.randint(12, 80)
        return Story(
            "arms_trafficking",
            say("atf_announces_charges_against", accused=accused),
            say(
                "announced_federal_charges_against",
                who=who,
                date=dt,
                accused=accused,
                rifles=rifles,
            ),
            more,
            accused.name,
            say("public_charging_documents"),
        )
    if draft.nation == "USA":
        if rng.random() < 0.5:
            accused = draft.american("us_courier", keys=["name"])
        else:
            accused = draft.narco(keys=["name"])
        port = draft.mention_place(rng.choice(world.ports))
        qty = rng.randint(20, 400)
        title = say(
            "announces_seizure_pounds_fentanyl",
            agency=draft.agency,
            qty=qty,
            port=port,
        )
        lead = say(
            "announced_seizure_pounds_fentanyl",
            who=who,
            date=dt,
            qty=qty,
            port=port,
            accused=accused,
        )
    elif draft.agency == "FGR":
        accused = draft.narco(keys=["name"])
        title = say("fgr_obtains_order_stand", accused=accused)
        lead = say("obtained_order_stand_trial", date=dt, who=who, accused=accused)
    else:
        town = rng.choice(LAB_TOWNS + MEXICAN_BORDER_TOWNS)
        accused = draft.narco(town, keys=["name"])
        kg = rng.randint(10, 900)
        title = say(
            "reports_arrest_seizure_kg",
            agency=draft.agency,
            town=town,
            kg=kg,
        )
        lead = say(
            "reported_arrest_seizure_kg",
            who=who,
            date=dt,
            accused=accused,
            town=town,
            kg=kg,
        )
    return Story(
        "drug_trafficking",
        title,
        lead,
        more,
        accused.name,
        say("public_charging_documents_2"),
    )
