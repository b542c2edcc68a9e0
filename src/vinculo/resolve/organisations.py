"""Screening an organisation (a security-force unit, a company) by its names.

The shipped Splink model was trained on people: given names, surnames, birth dates. An
organisation brings it a name alone, weighed as a person's name would be, so an identical
unit name scored 0.02 and a vetter never saw a hit on a unit. There are no labelled
organisations to train a model on yet; until there are, organisations are compared by rule:
the names folded (vinculo.text.fold) with ordinals written as numbers ("27º", "27o" → "27"),
each word matched to its closest in the other name by Jaro-Winkler (rigour, the text library
under followthemoney), the words every unit's name shares ("batallón", "policía", "estatal")
weighing little, and no match at all where both names carry numbers and they differ: the 27th
Infantry Battalion is not the 28th.
"""

from __future__ import annotations

import re

from followthemoney.statement import StatementEntity
from rigour.text import jaro_winkler

from vinculo.i18n import N_
from vinculo.text import fold

AGREE = N_("organisation names agree")
ALIKE = N_("organisation names alike")
DIFFER = N_("organisation names differ")
NUMBERS_DIFFER = N_("the organisations' numbers differ")
LEVELS = (AGREE, ALIKE, DIFFER, NUMBERS_DIFFER)

# Words of the kind of body rather than of the body itself, in both languages: they match
# across every unit of a kind, so they weigh a fifth of a word that names (a place, a number).
GENERIC = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "el",
        "los",
        "y",
        "of",
        "the",
        "and",
        "batallon",
        "batallones",
        "infanteria",
        "infantry",
        "battalion",
        "regimiento",
        "regiment",
        "brigada",
        "brigade",
        "compania",
        "company",
        "zona",
        "zone",
        "region",
        "regional",
        "militar",
        "military",
        "naval",
        "marina",
        "navy",
        "policia",
        "police",
        "estatal",
        "state",
        "municipal",
        "municipio",
        "ministerial",
        "federal",
        "nacional",
        "national",
        "guardia",
        "guard",
        "secretaria",
        "secretariat",
        "seguridad",
        "security",
        "publica",
        "public",
        "fiscalia",
        "procuraduria",
        "prosecutor",
        "office",
        "general",
        "unidad",
        "unit",
        "grupo",
        "group",
        "fuerza",
        "force",
        "fuerzas",
        "forces",
        "especial",
        "special",
        "operaciones",
        "operations",
        "centro",
        "center",
        "sector",
        "agrupamiento",
        "coordinacion",
    ]
)
GENERIC_WEIGHT = 0.2
# Words closer than this are the same word spelt otherwise; below it they differ.
SAME_WORD = 0.9
_ORDINAL = re.compile(r"\b(\d+)\s?(?:o|a|er|ra|ro|do|da|to|ta|vo|va|no|na|mo|ma|th|st|nd|rd)\b")


def is_organisation(entity: StatementEntity) -> bool:
    return not entity.schema.is_a("Person")


def _words(name: str) -> list[str]:
    return _ORDINAL.sub(r"\1", fold(name)).split()


def _weight(word: str) -> float:
    return GENERIC_WEIGHT if word in GENERIC else 1.0


def _closest(word: str, others: list[str]) -> float:
    if word.isdigit():
        return 1.0 if word in others else 0.0
    best = max((jaro_winkler(word, o) for o in others if not o.isdigit()), default=0.0)
    return best if best >= SAME_WORD else 0.0


def name_similarity(left: str, right: str) -> tuple[float, str]:
    """How alike two organisation names are, in [0, 1], and the level that says so."""
    a, b = _words(left), _words(right)
    if not a or not b:
        return 0.0, DIFFER
    numbers_a = {w for w in a if w.isdigit()}
    numbers_b = {w for w in b if w.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0, NUMBERS_DIFFER
    if a == b:
        return 1.0, AGREE
    # Each word of either name against its closest in the other, weighed: symmetric, so a
    # name inside a longer one is alike but not the same.
    found = sum(_weight(w) * _closest(w, b) for w in a) + sum(
        _weight(w) * _closest(w, a) for w in b
    )
    whole = sum(_weight(w) for w in a) + sum(_weight(w) for w in b)
    similarity = found / whole
    return similarity, (AGREE if similarity >= 0.999 else ALIKE if similarity >= 0.5 else DIFFER)


def organisation_score(
    query: StatementEntity, candidate: StatementEntity
) -> tuple[float, list[dict[str, object]]]:
    """The best of every pair of their names, as a score in [0, 1] and its explanation."""
    best, level = 0.0, DIFFER
    for left in query.names:
        for right in candidate.names:
            similarity, found = name_similarity(left, right)
            if similarity > best or (best == 0.0 and found == NUMBERS_DIFFER):
                best, level = similarity, found
    # Squared: two names sharing half their weighed words are no more than a weak hint.
    score = best * best
    outcome = "agreed" if level == AGREE else "partial" if level == ALIKE else "disagreed"
    return score, [
        {"feature": "name", "level": level, "outcome": outcome, "bayes_factor": 1.0, "weight": 0.0}
    ]
