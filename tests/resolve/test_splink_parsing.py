"""Splink's SQL parsing, memoized by resolve.splink_backend: the same answers, parsed once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from splink.internals import comparison_level, parse_sql
from splink.internals.input_column import InputColumn

from vinculo.resolve.splink_backend import memoize_column_parsing


def columns_used(module: Any) -> Callable[[str, str], list[str]]:
    found: Callable[[str, str], list[str]] = module.get_columns_used_from_sql
    return found


def test_memoized_parsing_answers_as_splink_does() -> None:
    rule = 'l."first name" = r."first name" and l.dob = r.dob and l.coords[1] = r.coords[1]'
    before = sorted(columns_used(parse_sql)(rule, "duckdb"))
    quoted = InputColumn("first name", sqlglot_dialect_str="duckdb").name_l
    memoize_column_parsing()
    after = columns_used(parse_sql)(rule, "duckdb")
    assert sorted(after) == before == ["coords", "dob", "first name"]
    # Callers get a list of their own: changing it changes no later answer.
    after.append("mutated")
    assert sorted(columns_used(comparison_level)(rule, "duckdb")) == before
    assert InputColumn("first name", sqlglot_dialect_str="duckdb").name_l == quoted
    assert InputColumn("lat long['lat']", sqlglot_dialect_str="duckdb").name_r.endswith("['lat']")
