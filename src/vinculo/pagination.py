"""Opaque cursors for lists: a position the client hands back, never a page number."""

from __future__ import annotations

import base64

from vinculo.errors import InvalidInput
from vinculo.i18n import N_

MAX_POSITION = 2**31 - 1


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
