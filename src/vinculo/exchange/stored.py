"""What publishing and serving share about the stored versions of STIX objects: how a
version's marking ids are written, which items are shared objects, where the publisher keeps
its positions and one-off conversions, and who may read a version."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from vinculo.exchange.models import ExchangeState

# Statements a partner sent are stored under this source prefix; they never go out again.
VIA = "via:"


CHUNK = 500


# Shared objects (marking definitions, agency identities) are written once per set of
# markings that uses them, under those markings: a reader has the first copy it may read.
SHARED = ("marking:", "agency:")

# Deconfliction pointers (exchange/pointers.py): a partner node's only, never a person's.
POINTER_KEY = "pointer:"


def marking_id_set(text: str) -> set[int]:
    return {int(p) for p in text.split(",") if p}


def marking_text(marking_ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in sorted(set(marking_ids)))


def readable(marking_ids: str, allowed: set[int]) -> bool:
    """Whether the reader may have a version: every marking it carries is allowed."""
    return marking_id_set(marking_ids) <= allowed


def state_value(session: Session, key: str, default: str = "") -> str:
    row = session.get(ExchangeState, key)
    return row.value if row is not None else default


def set_state(session: Session, key: str, value: str) -> None:
    row = session.get(ExchangeState, key)
    if row is None:
        session.add(ExchangeState(key=key, value=value))
    else:
        row.value = value
