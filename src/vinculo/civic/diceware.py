"""Receipt codes and diceware passphrases in the reporter's language.

The word lists (civic/words/) say where they come from in their first lines: English is the
EFF large wordlist (7,776 words, CC BY 3.0 US); Spanish, 900 words drawn from the project's
own Spanish catalogue. Six words: about 77 bits in English and 59 in Spanish, each guess
costing an Argon2 hash.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from importlib import resources

WORDS = 6
# Crockford's base32 without the letters read as digits: 16 characters, 80 bits.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECEIPT_LENGTH = 16


@cache
def word_list(locale: str) -> tuple[str, ...]:
    name = "es.txt" if locale == "es" else "en.txt"
    text = resources.files("vinculo.civic").joinpath("words", name).read_text("utf-8")
    words = [line.strip() for line in text.splitlines()]
    return tuple(word for word in words if word and not word.startswith("#"))


def passphrase(locale: str) -> str:
    words = word_list(locale)
    return " ".join(secrets.choice(words) for _ in range(WORDS))


def receipt_code() -> str:
    raw = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(_RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECEIPT_LENGTH, 4))


def normal_receipt(code: str) -> str:
    """A receipt as typed, read kindly: case, spaces and dashes ignored, O as 0, I and L as 1."""
    plain = "".join(code.upper().split()).replace("-", "")
    plain = plain.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def receipt_hash(code: str) -> str:
    """What the public store keeps of a receipt: its SHA-256, never the code."""
    return hashlib.sha256(normal_receipt(code).encode("ascii", "replace")).hexdigest()
