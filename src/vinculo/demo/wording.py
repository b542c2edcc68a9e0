"""How the stories write dates, sums of money, lists and words that agree with a gender, in
English and Spanish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vinculo.demo.catalogue import MONTHS
from vinculo.demo.profile import Profile
from vinculo.demo.shapes import Bilingual


def format_date(day: date, lang: str) -> str:
    if lang == "es":
        return f"{day.day} de {MONTHS['es'][day.month - 1]} de {day.year}"
    return f"{MONTHS['en'][day.month - 1]} {day.day}, {day.year}"


def date_in_both(day: date) -> Bilingual:
    return format_date(day, "en"), format_date(day, "es")


def money_in_both(amount: int, currency: str) -> Bilingual:
    return f"{currency} {amount:,}", f"${amount:,} {currency}"


def join_words(items: Sequence[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " and " if lang == "en" else " y "
    return ", ".join(items[:-1]) + last + items[-1]


def gendered(ent: Profile, male: str, female: str) -> str:
    """A word agreeing with a person's gender."""
    return female if ent.props.get("gender") == ["female"] else male
