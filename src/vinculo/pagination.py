"""Opaque cursors for lists: a position the client hands back, never a page number.

Two kinds. A *key* cursor names the last item the reader was shown (its public id): the
next page is the visible items after that item, so the cursor carries nothing the page did
not already show — not how many hidden items lie between, nor when they were made. An
*offset* cursor counts items of a list that holds only what the reader may see (search
hits, the review queue) or whose positions the reader is entitled to (the audit trail).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

MAX_POSITION = 2**31 - 1
MAX_KEY = 200  # an item's id: report and entity ids are at most 128 characters


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, number = text.partition(":")
        position = int(number)
        # A position is a row number or an offset: never negative, and within what both
        # backends store as an integer (a larger one made SQLite and PostgreSQL fail: 500).
        if prefix != "v1" or not 0 <= position <= MAX_POSITION:
            raise ValueError(text)
        return position
    except ValueError:
        raise InvalidInput(N_("the cursor is not valid"), field="cursor") from None


def encode_key(key: str) -> str:
    """A cursor naming the last item shown by its id (`k1:<id>`)."""
    return base64.urlsafe_b64encode(f"k1:{key}".encode()).decode().rstrip("=")


def decode_key(cursor: str | None) -> str | None:
    """The id a key cursor names; the caller checks that the reader may see that item."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, key = text.partition(":")
        if prefix != "k1" or not key or len(key) > MAX_KEY or not key.isprintable():
            raise ValueError(text)
        return key
    except ValueError:
        raise InvalidInput(N_("the cursor is not valid"), field="cursor") from None


def bad_cursor() -> InvalidInput:
    """The one answer to a cursor that names nothing the reader may see, or nothing at all."""
    return InvalidInput(N_("the cursor is not valid"), field="cursor")


R = TypeVar("R")


def newest_page(
    session: Session,
    model: type[R],
    where: Sequence[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[list[R], bool, int]:
    """One page of `model`'s rows matching `where`, newest first (by its `seq`), after the row
    a key cursor names (by its `id`); whether there are more, and how many match in all.

    `where` holds the reader's visibility: a cursor naming a row outside it (hidden, or
    filtered out) is refused as one naming no row.
    """
    columns: Any = model  # any table with an integer `seq` and a public `id`
    conditions = list(where)
    total = int(
        session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()
    )
    after = decode_key(cursor)
    if after is not None:
        anchor = session.execute(
            select(columns.seq).where(columns.id == after, *conditions)
        ).scalar_one_or_none()
        if anchor is None:
            raise bad_cursor()
        conditions.append(columns.seq < anchor)
    rows = list(
        session.execute(
            select(model).where(*conditions).order_by(columns.seq.desc()).limit(limit + 1)
        ).scalars()
    )
    return rows[:limit], len(rows) > limit, total
