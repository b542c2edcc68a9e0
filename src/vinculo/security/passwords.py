"""Argon2 password hashing, and the demo password only demo mode accepts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEMO_PASSWORD = "demo"
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
