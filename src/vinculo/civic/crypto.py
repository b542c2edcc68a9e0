"""The civic channel's cryptography, all of it libsodium through PyNaCl.

- Submissions are sealed (`crypto_box_seal`) to the internal node's public key: the public
  process can seal but never open them.
- A reporter's replies are sealed to a key pair of their own, whose private half is derived
  from their passphrase (Argon2id, a random salt kept beside the receipt): the internal node
  seals replies and statuses to the public half it read in the submission, the public store
  keeps only the sealed bytes, and they open only while the reporter, holding the passphrase,
  is visiting.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
import unicodedata
from pathlib import Path

from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

SALT_BYTES = pwhash.argon2id.SALTBYTES
# Libsodium's "interactive" cost: 64 MiB and a fraction of a second per derivation.
_OPS = pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEM = pwhash.argon2id.MEMLIMIT_INTERACTIVE


class BadKey(ValueError):
    """A key that is not 32 bytes of base64."""


def encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadKey(f"not base64: {error}") from None


def public_key(text: str) -> PublicKey:
    raw = decode(text)
    if len(raw) != PublicKey.SIZE:
        raise BadKey(f"a public key is {PublicKey.SIZE} bytes, this one {len(raw)}")
    return PublicKey(raw)


def private_key(text: str) -> PrivateKey:
    raw = decode(text)
    if len(raw) != PrivateKey.SIZE:
        raise BadKey(f"a private key is {PrivateKey.SIZE} bytes, this one {len(raw)}")
    return PrivateKey(raw)


def new_key_pair() -> tuple[str, str]:
    """(private, public), each in base64."""
    key = PrivateKey.generate()
    return encode(bytes(key)), encode(bytes(key.public_key))


def seal(key: PublicKey, data: bytes) -> bytes:
    return bytes(SealedBox(key).encrypt(data))


def unseal(key: PrivateKey, data: bytes) -> bytes:
    """Open a sealed box; CryptoError when it was not sealed to this key or was changed."""
    return bytes(SealedBox(key).decrypt(data))


def normal_passphrase(passphrase: str) -> str:
    """A passphrase as it is hashed: accents off, case folded, words one space apart, so a
    reporter may type "canción" as "cancion" or capitals where they like."""
    decomposed = unicodedata.normalize("NFKD", passphrase)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("-", " ").split())


def reply_key(passphrase: str, salt: bytes) -> PrivateKey:
    """The reporter's reply key pair, from the passphrase and the receipt's salt."""
    seed = pwhash.argon2id.kdf(
        PrivateKey.SEED_SIZE, normal_passphrase(passphrase).encode(), salt, _OPS, _MEM
    )
    return PrivateKey.from_seed(seed)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def write_private_key(path: Path, key_b64: str) -> None:
    """Write a private key readable by its owner only (0600), refusing to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key_b64 + "\n")


def read_private_key(path: Path) -> PrivateKey:
    return private_key(path.read_text("ascii"))


__all__ = [
    "BadKey",
    "CryptoError",
    "PrivateKey",
    "PublicKey",
    "new_key_pair",
    "normal_passphrase",
    "private_key",
    "public_key",
    "reply_key",
    "seal",
    "unseal",
]
