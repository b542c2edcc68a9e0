"""Text folded for comparison: the one rule that search and identity resolution share.

`fold` writes text in lower-case ASCII letters and digits, one space between words: accents
go ("Ñúñez" -> "nunez"), other scripts are transliterated ("Москва" -> "moskva"), and any
other character separates words ("García-López" -> "garcia lopez"), except an apostrophe,
which joins: "O'Brien", "O’Brien" and "OBrien" all fold to "obrien", "D'Angelo" to "dangelo".

Search folds what it stores (statements' `norm`, reports' `search_text`) and what it is asked
with this function, and resolution folds every name with it, so a name found by one is the
name the other compares. A change to the rule changes stored text: a migration refolds it
(as 0014 did when search and resolution were made to agree).
"""

from __future__ import annotations

import unicodedata

from normality import ascii_text

__all__ = ["fold"]

# Apostrophes, typed or typeset: inside a name they join its parts ("O'Brien").
APOSTROPHES = "'`´\u2018\u2019\u02bc"


def _fold_table() -> dict[int, str]:
    # Our own table rather than normality.normalize for every call: names are folded a
    # million times per resolution run and a str.translate over Latin script is ~10x faster
    # than normality's per-string pipeline. Other scripts still go through normality.
    table: dict[int, str] = {}
    special = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th"}
    for code in range(0x250):
        char = chr(code)
        lower = char.lower()
        if lower in special:
            table[code] = special[lower]
            continue
        decomposed = "".join(
            c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c)
        )
        if decomposed.isascii() and decomposed.isalnum():
            if decomposed != char:
                table[code] = decomposed
        elif char in APOSTROPHES:
            table[code] = ""
        elif not decomposed.isalnum():
            table[code] = " "
    for char in APOSTROPHES:
        table[ord(char)] = ""
    return table


_FOLD = _fold_table()


def fold(text: str | None) -> str:
    """Lower case, no accents, punctuation to spaces, apostrophes dropped, one space between
    words ("Ñúñez" -> "nunez", "O'Brien" -> "obrien")."""
    if not text:
        return ""
    folded = text.translate(_FOLD)
    if not folded.isascii():
        folded = ascii_text(folded).translate(_FOLD)
        if not folded.isascii():
            folded = "".join(c if c.isascii() else " " for c in folded)
    return " ".join(folded.split())
