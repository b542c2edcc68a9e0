"""The receiver reads a page as json.loads does, and keeps each object's text as received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vinculo.exchange.client import split_envelope

OBJ = {
    "type": "identity",
    "id": "identity--1",
    "name": 'José \u2028 "quoted" \\ ñ',
    "n": [1, 2.5e3],
}
BODIES = [
    json.dumps({"more": False, "objects": [OBJ, OBJ]}),
    json.dumps({"more": True, "next": "abc", "objects": [OBJ]}, ensure_ascii=False, indent=2),
    ' \n{ "objects" : [ {"a" : 1} , {"b":[{}]} ] , "more" : true }\r\n\t',
    '{"objects": []}',
    "{}",
    '{"objects": [{"a": 1}], "objects": [{"b": 2}]}',
    '{"objects": [{"a": 1}], "objects": 5}',
    '{"objects": {"a": 1}}',
    '{"objects": [1, "two", null, [3]]}',
    '{"more": false, "objects": [{"x": "\\ud800"}]}',
    '{"objects": [{"big": 123456789012345678901234567890}]}',
]
MALFORMED = [
    "",
    "[]",
    '"objects"',
    '{"objects": [{"a": 1},]}',
    '{"objects": [{"a": 1}] "more": true}',
    '{"objects": [{"a": 1}]} x',
    '{"objects": [{"a": 1}]',
    "{'objects': []}",
    '\ufeff{"objects": []}',
    '{"objects": [' + "[" * 100_000 + "]" * 100_000 + "]}",
]


@pytest.mark.parametrize("body", BODIES)
def test_the_envelope_is_what_json_loads_reads(body: str) -> None:
    split = split_envelope(body.encode())
    assert split is not None
    envelope, texts = split
    expected: Any = json.loads(body)
    assert envelope == expected
    if isinstance(expected.get("objects"), list):
        assert texts is not None
        assert [json.loads(t) for t in texts] == expected["objects"]
        # Each text is the object's own span of the page, as received.
        assert all(t in body for t in texts)
    else:
        assert texts is None


@pytest.mark.parametrize("body", MALFORMED)
def test_anything_else_is_left_to_json_loads(body: str) -> None:
    # The receiver then reads the page with json.loads itself, as before.
    assert split_envelope(body.encode()) is None


def test_a_page_not_in_utf8_is_left_to_json_loads() -> None:
    body = json.dumps({"objects": [OBJ]}).encode("utf-16")
    assert split_envelope(body) is None
    assert json.loads(body)["objects"] == [OBJ]
