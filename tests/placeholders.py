"""Comparing what two worlds tell a reader: made values (ids, times, hashes, cursors, row
numbers) replaced by placeholders numbered in order of first appearance, so that two answers
are equal exactly when they differ in nothing but such values, and in no order of them.
Shared by the noninterference tests (tests/leaks) and the exchange's (tests/exchange)."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote

TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEX = re.compile(r"\b[0-9a-f]{16,}\b")
CURSOR = re.compile(r"((?:cursor|next)=)([A-Za-z0-9_%=-]+)")
PAIR = re.compile(r"(/pairs/)(\d+)")
CSRF = re.compile(r'(name="csrf_token" value=")[^"]+')
# JSON keys whose values are made by the store (row numbers, cursors): placeholders too.
MADE_KEYS = {"id", "pair_id", "seq", "request_id", "token_id", "status_id"}
CURSOR_KEYS = {"next_cursor", "next"}


class Placeholders:
    """Replaces made values by `<kind n>`, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def cursor(self, value: str) -> str:
        """A cursor is compared by what it decodes to: a position in it must not differ."""
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except ValueError:
            return self("C", value)
        if not decoded.isprintable():
            return self("C", value)
        return f"cursor({self.text(decoded)})"

    def __call__(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.seen:
            count = sum(1 for k, _ in self.seen if k == kind)
            self.seen[key] = f"<{kind}{count}>"
        return self.seen[key]

    def text(self, text: str) -> str:
        text = CSRF.sub(r"\1<csrf>", text)
        text = CURSOR.sub(lambda m: m.group(1) + self.cursor(unquote(m.group(2))), text)
        text = PAIR.sub(lambda m: m.group(1) + self("P", m.group(2)), text)
        text = UUID.sub(lambda m: self("U", m.group(0)), text)
        text = TIMESTAMP.sub(lambda m: self("T", m.group(0)), text)
        return HEX.sub(lambda m: self("H", m.group(0)), text)

    def json(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if key in CURSOR_KEYS and isinstance(value, str):
            return self.cursor(value)
        if key in MADE_KEYS and isinstance(value, int | str) and not isinstance(value, bool):
            return self("K" if isinstance(value, int) else "C", str(value))
        if isinstance(value, str):
            return self.text(value)
        return value
