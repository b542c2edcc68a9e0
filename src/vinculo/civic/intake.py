"""The public intake's work: a report or an addition checked, its attachments stripped, the
whole sealed to the internal node's key and stored; a reporter's receipt and passphrase
checked; their updates opened for the visit. Nothing here knows the client's address.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from vinculo import vocab
from vinculo.civic import crypto, diceware, scrub, store
from vinculo.civic.crypto import CryptoError, PrivateKey, PublicKey
from vinculo.errors import InvalidFields, InvalidInput
from vinculo.i18n import N_
from vinculo.security.passwords import hash_password, verify_password

PAYLOAD_VERSION = 1
STATUSES = {
    "received": N_("Received"),
    "under_review": N_("Under review"),
    "referred": N_("Referred"),
    "closed": N_("Closed"),
}
# A receipt the store does not know is checked against this hash and salt, so that it costs
# what a wrong passphrase costs (the same timing class).
_DUMMY_HASH = hash_password("an unknown receipt costs the same as a wrong passphrase")
_DUMMY_SALT = bytes(crypto.SALT_BYTES)


@dataclass
class ReportIn:
    category: str
    state: str = ""
    municipality: str = ""
    when: str = ""
    what: str = ""
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Update:
    status: str
    message: str
    on: str


@dataclass(frozen=True)
class Visit:
    """A reporter's visit after the passphrase: their receipt and reply key, in memory."""

    receipt: str
    receipt_hash: str
    key: PrivateKey


def categories() -> vocab.Vocabulary:
    return vocab.load("civic_categories")


def places() -> vocab.Vocabulary:
    return vocab.load("civic_places")


def _check_text(what: str, max_chars: int, errors: list[InvalidInput]) -> None:
    if not what.strip():
        errors.append(InvalidInput(N_("say what happened"), field="what"))
    elif len(what) > max_chars:
        errors.append(InvalidInput(N_("write at most {n} characters"), field="what", n=max_chars))


def _attachments(
    files: list[tuple[str, bytes]], *, max_files: int, max_bytes: int, errors: list[InvalidInput]
) -> list[dict[str, str]]:
    files = [(name, data) for name, data in files if name or data]
    if len(files) > max_files:
        errors.append(
            InvalidInput(N_("attach at most {n} files"), field="attachments", n=max_files)
        )
        return []
    cleaned = []
    for number, (name, data) in enumerate(files, start=1):
        try:
            clean = scrub.clean(name, data, number=number, max_bytes=max_bytes)
        except InvalidInput as error:
            errors.append(error)
            continue
        cleaned.append(
            {
                "name": clean.name,
                "content_type": clean.content_type,
                "data": crypto.encode(clean.data),
            }
        )
    return cleaned


def check_report(
    report: ReportIn, *, max_chars: int, max_files: int, max_bytes: int, today: date
) -> dict[str, object]:
    """The report as it will be sealed, or InvalidFields naming every wrong field."""
    errors: list[InvalidInput] = []
    if report.category not in categories():
        errors.append(InvalidInput(N_("choose a category from the list"), field="category"))
    if report.state and report.state not in places():
        errors.append(InvalidInput(N_("choose a state from the list"), field="state"))
    elif report.municipality:
        known = places().get(report.state).extra["municipalities"] if report.state else []
        if report.municipality not in known:
            errors.append(
                InvalidInput(N_("choose a municipality of the state"), field="municipality")
            )
    if report.when:
        try:
            when = date.fromisoformat(report.when)
        except ValueError:
            when = None
            errors.append(InvalidInput(N_("write the date as YYYY-MM-DD"), field="when"))
        if when is not None and when > today:
            errors.append(InvalidInput(N_("the date is in the future"), field="when"))
    _check_text(report.what, max_chars, errors)
    attached = _attachments(
        report.attachments, max_files=max_files, max_bytes=max_bytes, errors=errors
    )
    if errors:
        raise InvalidFields(errors)
    return {
        "category": report.category,
        "state": report.state,
        "municipality": report.municipality,
        "when": report.when,
        "what": report.what,
        "attachments": attached,
    }


def _seal_and_store(
    engine: Engine, node_key: PublicKey, fields: Mapping[str, object], today: date
) -> int:
    payload = {"version": PAYLOAD_VERSION, "received_on": today.isoformat(), **fields}
    sealed = crypto.seal(node_key, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return store.add_submission(engine, ciphertext=sealed, today=today)


def file_report(
    engine: Engine,
    *,
    node_key: PublicKey,
    checked: dict[str, object],
    locale: str,
    today: date,
) -> tuple[str, str]:
    """Seal and store a checked report; its receipt code and passphrase, shown once."""
    receipt = diceware.receipt_code()
    passphrase = diceware.passphrase(locale)
    salt = crypto.new_salt()
    reply = crypto.reply_key(passphrase, salt).public_key
    receipt_hash = diceware.receipt_hash(receipt)
    store.add_receipt(
        engine,
        receipt=store.Receipt(
            receipt_hash, hash_password(crypto.normal_passphrase(passphrase)), salt
        ),
        today=today,
    )
    payload = {
        "kind": "report",
        "receipt": receipt,
        "reply_key": crypto.encode(bytes(reply)),
        "lang": locale,
        **checked,
    }
    _seal_and_store(engine, node_key, payload, today)
    return receipt, passphrase


def open_visit(engine: Engine, *, receipt: str, passphrase: str) -> Visit | None:
    """The visit a receipt and passphrase open, or None. An unknown receipt does the same
    work as a wrong passphrase (an Argon2 verify and an Argon2 derivation): same answer, same
    timing class."""
    receipt_hash = diceware.receipt_hash(receipt)
    found = store.find_receipt(engine, receipt_hash)
    normal = crypto.normal_passphrase(passphrase)
    stored_hash = found.passphrase_hash if found else _DUMMY_HASH
    salt = found.key_salt if found else _DUMMY_SALT
    matches = verify_password(stored_hash, normal)
    key = crypto.reply_key(normal, salt)
    if found is None or not matches:
        return None
    return Visit(receipt=diceware.normal_receipt(receipt), receipt_hash=receipt_hash, key=key)


def add_information(
    engine: Engine,
    *,
    node_key: PublicKey,
    visit: Visit,
    what: str,
    attachments: list[tuple[str, bytes]],
    max_chars: int,
    max_files: int,
    max_bytes: int,
    today: date,
) -> None:
    errors: list[InvalidInput] = []
    _check_text(what, max_chars, errors)
    attached = _attachments(attachments, max_files=max_files, max_bytes=max_bytes, errors=errors)
    if errors:
        raise InvalidFields(errors)
    payload = {
        "kind": "addition",
        "receipt": visit.receipt,
        "reply_key": crypto.encode(bytes(visit.key.public_key)),
        "what": what,
        "attachments": attached,
    }
    _seal_and_store(engine, node_key, payload, today)
    store.touch_receipt(engine, visit.receipt_hash, today)


def read_updates(engine: Engine, visit: Visit) -> tuple[str, list[Update]]:
    """The reporter's status (the latest pushed, else "received") and the replies."""
    found = []
    for sealed in store.updates_for(engine, visit.receipt_hash):
        try:
            data = json.loads(crypto.unseal(visit.key, sealed))
        except (CryptoError, ValueError):
            continue
        status = str(data.get("status", ""))
        found.append(
            Update(
                status=status if status in STATUSES else "",
                message=str(data.get("message", "")),
                on=str(data.get("on", "")),
            )
        )
    statuses = [update.status for update in found if update.status]
    return (statuses[-1] if statuses else "received"), found
