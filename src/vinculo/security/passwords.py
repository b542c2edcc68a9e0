"""Argon2 password hashing, the password rules, and the demo password only demo mode accepts."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vinculo import vocab
from vinculo.errors import InvalidInput
from vinculo.i18n import N_

DEMO_PASSWORD = "demo"
DEFAULT_MIN_LENGTH = 12
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def is_default_password(password_hash: str) -> bool:
    return verify_password(password_hash, DEMO_PASSWORD)


def _character_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.isalpha():
        return "upper" if char.isupper() else "lower" if char.islower() else "letter"
    return "other"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def check_password(password: str, *, username: str, min_length: int = DEFAULT_MIN_LENGTH) -> None:
    """Refuse a weak password with InvalidInput naming the field `password`.

    At least `min_length` characters; not all of one kind (lower-case letters, capitals,
    digits, symbols); not containing the user name; not a common password, nor one with
    digits or symbols added before or after it ("Password2024!").
    """
    if len(password) < min_length:
        raise InvalidInput(
            N_("the password must be at least {n} characters long"), field="password", n=min_length
        )
    if len({_character_class(c) for c in password}) < 2:
        raise InvalidInput(
            N_(
                "the password must mix kinds of characters, not only lower-case letters, "
                "only capitals, only digits or only symbols"
            ),
            field="password",
        )
    folded = _fold(password)
    name = _fold(username.strip())
    if len(name) >= 3 and (name in folded or folded in name):
        raise InvalidInput(N_("the password must not contain the user name"), field="password")
    core = folded.strip("0123456789 !?@#$%^&*()_-+=.,;:'\"/\\|~`[]{}<>")
    common = vocab.common_passwords()
    if folded in common or core in common:
        raise InvalidInput(
            N_("this password is one of the most common ones; choose another"), field="password"
        )
