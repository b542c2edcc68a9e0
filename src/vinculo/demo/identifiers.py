"""Identifiers for invented people and accounts, valid by their own rules: CURP (through the
one maker, vinculo.resolve.identifiers.make_curp), CLABE and IBAN."""

from __future__ import annotations

import random
import unicodedata
from datetime import date

from vinculo.resolve.identifiers import make_curp


def plain_upper(text: str) -> str:
    text = text.upper().replace("Ñ", "X")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def demo_curp(
    first: str, father: str, mother: str, born: date, sex: str, state: str, draw: int
) -> str:
    """A CURP for an invented Mexican; `draw` (0-9, drawn by the caller) picks the homoclave."""
    homoclave = str(draw % 10) if born.year < 2000 else "ABCDEFGHIJ"[draw % 10]
    return make_curp(
        given=first,
        paternal=father,
        maternal=mother,
        born=born,
        sex=sex,
        state=state,
        homoclave=homoclave,
    )


def clabe(rng: random.Random, bank: str) -> str:
    """An 18-digit CLABE with a correct check digit."""
    digits = bank + "".join(str(rng.randint(0, 9)) for _ in range(17 - len(bank)))
    weights = [3, 7, 1] * 6
    total = sum((int(d) * weights[i]) % 10 for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits (ISO 13616 mod 97)."""
    moved = bban + country + "00"
    number = "".join(str(int(c, 36)) for c in moved)
    check = 98 - int(number) % 97
    return f"{country}{check:02d}{bban}"
