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
from vinculo.demo.wording import date_in_both
from vinculo.demo.world import World


def press_story(world: World, draft: Draft) -> Story:
    """A public item (TLP:CLEAR): what the agency announced. Only names are public."""
    rng = world.rng
    dt = date_in_both(story_day(world))
    who = PRESS_NAMES[draft.agency]
    more: list[Bilingual] = [
        (
            "The case is part of binational cooperation against synthetic drug trafficking.",
            "El caso forma parte de la cooperación binacional contra el tráfico de drogas "
            "sintéticas.",
        ),
        (
            "Anyone charged is presumed innocent until proven guilty.",
            "Toda persona imputada goza de la presunción de inocencia.",
        ),
    ]
    if draft.agency == "ATF":
        accused = draft.american("straw", rng.choice(US_ARMS_CITIES), keys=["name"])
        rifles = rng.randint(12, 80)
        return Story(
            "arms_trafficking",
            (
                f"ATF announces charges against {accused.name} for straw purchases of firearms",
                f"La ATF anuncia cargos contra {accused.name} por compra de armas para terceros",
            ),
            (
                f"{who[0]} announced on {dt[0]} federal charges against {accused.name} for "
                f"buying {rifles} rifles on behalf of a Mexican criminal organisation.",
                f"{who[1]} anunció el {dt[1]} cargos federales contra {accused.name} por "
                f"adquirir {rifles} fusiles por cuenta de una organización criminal mexicana.",
            ),
            more,
            accused.name,
            ("The public charging documents", "Los documentos públicos de la acusación"),
        )
    if draft.nation == "USA":
        if rng.random() < 0.5:
            accused = draft.american("us_courier", keys=["name"])
        else:
            accused = draft.narco(keys=["name"])
        port = draft.mention_place(rng.choice(world.ports))
        qty = rng.randint(20, 400)
        title = (
            f"{draft.agency} announces seizure of {qty} pounds of fentanyl at {port.label('en')}",
            f"{draft.agency} anuncia el aseguramiento de {qty} libras de fentanilo en "
            f"{port.label('es')}",
        )
        lead = (
            f"{who[0]} announced on {dt[0]} the seizure of {qty} pounds of fentanyl at "
            f"{port.label('en')} and the arrest of {accused.name}.",
            f"{who[1]} anunció el {dt[1]} el aseguramiento de {qty} libras de fentanilo en "
            f"{port.label('es')} y la detención de {accused.name}.",
        )
    elif draft.agency == "FGR":
        accused = draft.narco(keys=["name"])
        title = (
            f"FGR obtains order to stand trial against {accused.name}",
            f"FGR obtiene vinculación a proceso contra {accused.name}",
        )
        lead = (
            f"On {dt[0]}, {who[0]} obtained an order to stand trial against {accused.name} for "
            "crimes against health.",
            f"El {dt[1]}, {who[1]} obtuvo la vinculación a proceso de {accused.name} por "
            "delitos contra la salud.",
        )
    else:
        town = rng.choice(LAB_TOWNS + MEXICAN_BORDER_TOWNS)
        accused = draft.narco(town, keys=["name"])
        kg = rng.randint(10, 900)
        title = (
            f"{draft.agency} reports arrest in {town} and seizure of {kg} kg of synthetic drugs",
            f"{draft.agency} informa detención en {town} y aseguramiento de {kg} kg de drogas "
            "sintéticas",
        )
        lead = (
            f"{who[0]} reported on {dt[0]} the arrest of {accused.name} in {town} and the "
            f"seizure of {kg} kg of synthetic drugs.",
            f"{who[1]} informó el {dt[1]} la detención de {accused.name} en {town} y el "
            f"aseguramiento de {kg} kg de drogas sintéticas.",
        )
    return Story(
        "drug_trafficking",
        title,
        lead,
        more,
        accused.name,
        ("The public charging documents", "Los documentos públicos del proceso"),
    )
