"""The comparisons of the matching model: custom Splink levels over the feature record.

Built for the features of resolve.features: nicknames, the two Spanish surnames and how U.S.
records rearrange them, day/month swaps, CURP and the other identifiers. They are SQL, so
they run inside DuckDB — or Spark — without Python UDFs. A comparison is only part of a model
when both sides have data for it (`COMPARISON_COLUMNS`), so a model trained on data without
CURPs has no CURP comparison (and costs nothing for it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator

# Each comparison and the column whose presence on both sides makes it worth modelling.
COMPARISON_COLUMNS: dict[str, str] = {
    "given_name": "g1",
    "surnames": "sp",
    "birth_date": "dob",
    "curp": "curp",
    "rfc": "rfc",
    "ssn": "ssn",
    "passport": "passport",
    "id_number": "idn",
    "phone": "ph1",
    "email": "email",
    "sex": "sex",
    "nationality": "nat",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
    "plate": "plate",
}


def active_comparisons(present: set[str]) -> list[str]:
    """The comparisons whose column is in `present`, in the model's fixed order."""
    return [name for name, column in COMPARISON_COLUMNS.items() if column in present]


class _Sql:
    """The few functions whose names differ between DuckDB and Spark (with Splink's jar)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def jw(self, a: str, b: str) -> str:
        name = "jaro_winkler_similarity" if self.dialect == "duckdb" else "jaro_winkler"
        return f"{name}({a}, {b})"

    def dl(self, a: str, b: str) -> str:
        return f"damerau_levenshtein({a}, {b})"


def _level(sql: str, label: str) -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts=label)


def _null(sql: str, label: str = "missing on one side") -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts=label).configure(is_null_level=True)


def _else() -> Any:
    import splink.comparison_level_library as cll

    return cll.ElseLevel()


def _custom(name: str, levels: list[Any], description: str) -> ComparisonCreator:
    import splink.comparison_library as cl

    return cl.CustomComparison(
        comparison_levels=levels, output_column_name=name, comparison_description=description
    )


def _comparison(
    name: str,
    column: str,
    levels: Iterable[tuple[str, str]],
    description: str,
    *,
    missing: str = "missing on one side",
) -> ComparisonCreator:
    """The one shape of every comparison: missing when `column` is null on either side, then
    `levels` (SQL, label) from the closest agreement down, then everything else."""
    return _custom(
        name,
        [
            _null(f"{column}_l IS NULL OR {column}_r IS NULL", missing),
            *(_level(sql, label) for sql, label in levels),
            _else(),
        ],
        description,
    )


def _exact_id(name: str, column: str, label: str, *, typo: bool = False) -> ComparisonCreator:
    """An identifier that agrees or not (or, with `typo`, is one edit away)."""
    levels = [(f"{column}_l = {column}_r", f"{label} agrees")]
    if typo:
        one_edit = f"damerau_levenshtein({column}_l, {column}_r) <= 1"
        levels.append((one_edit, f"{label} one typo apart"))
    return _comparison(name, column, levels, label)


def _checked_id(name: str, label: str, stem: int) -> ComparisonCreator:
    """A Mexican identifier kept only when valid (CURP, RFC): it agrees, or agrees but for
    the homoclave after its first `stem` characters."""
    levels = [
        (f"{name}_l = {name}_r", f"{label} agrees"),
        (
            f"substr({name}_l, 1, {stem}) = substr({name}_r, 1, {stem})",
            f"{label} agrees but for the homoclave",
        ),
    ]
    description = f"{label} (valid ones only)"
    return _comparison(name, name, levels, description, missing="missing or invalid on one side")


def build_comparisons(active: Iterable[str], dialect: str = "duckdb") -> list[ComparisonCreator]:
    """The comparisons for the named features, in a fixed order, for a SQL dialect."""
    sql = _Sql(dialect)
    jw, dl = sql.jw, sql.dl
    shared_key = " OR ".join(
        f"instr(gks_{a}, concat('|', gk{k}_{b}, '|')) > 0"
        for a, b in (("l", "r"), ("r", "l"))
        for k in (1, 2, 3)
    )
    swapped = f"{jw('g1_l', 'sp_r')} >= 0.92 OR {jw('sp_l', 'g1_r')} >= 0.92"
    year_l = "cast(substr(dob_l, 1, 4) AS INT)"
    year_r = "cast(substr(dob_r, 1, 4) AS INT)"
    last_seven = "substr({0}, length({0}) - 6, 7)"
    makers: dict[str, Callable[[], ComparisonCreator]] = {
        "given_name": lambda: _comparison(
            "given_name",
            "g1",
            [
                (
                    "g1_l = g1_r AND coalesce(g2_l, '') = coalesce(g2_r, '')",
                    "all given names agree",
                ),
                # A middle initial against a middle name ("S" and "Shawn") is evidence both
                # ways: the same initial for, another one against.
                (
                    "g1_l = g1_r AND substr(g2_l, 1, 1) = substr(g2_r, 1, 1)",
                    "first given name agrees, middle initial agrees",
                ),
                (
                    "g1_l = g1_r AND g2_l IS NOT NULL AND g2_r IS NOT NULL",
                    "first given name agrees, middle names differ",
                ),
                ("g1_l = g1_r", "first given name agrees, middle missing on one side"),
                (shared_key, "a given name or its nickname agrees"),
                (jw("g1_l", "g1_r") + " >= 0.92", "first given names alike (JW ≥ 0.92)"),
                (
                    "(length(g1_l) = 1 OR length(g1_r) = 1) "
                    "AND substr(g1_l, 1, 1) = substr(g1_r, 1, 1)",
                    "initial agrees",
                ),
                (jw("g1_l", "g1_r") + " >= 0.8", "first given names similar (JW ≥ 0.8)"),
                (swapped, "given name and surname swapped"),
            ],
            "Given names, with nicknames and initials",
        ),
        "surnames": lambda: _comparison(
            "surnames",
            "sp",
            [
                ("sp_l = sp_r AND sm_l = sm_r", "both surnames agree"),
                (
                    "sp_l = sp_r AND (sm_l IS NULL OR sm_r IS NULL)",
                    "paternal surname agrees, maternal missing on one side",
                ),
                ("sp_l = sp_r", "paternal surname agrees, maternal differs"),
                (
                    "sg_l = sg_r OR sp_l = sm_r OR sm_l = sp_r",
                    "surnames rearranged: maternal as last name, glued or hyphenated",
                ),
                (
                    "sp_ph_l = sp_ph_r OR sp_ph_l = sm_ph_r OR sm_ph_l = sp_ph_r",
                    "a surname sounds alike",
                ),
                (
                    f"{jw('sp_l', 'sp_r')} >= 0.92 OR {jw('sg_l', 'sg_r')} >= 0.92",
                    "paternal surnames alike (JW ≥ 0.92)",
                ),
                (jw("sp_l", "sp_r") + " >= 0.8", "paternal surnames similar (JW ≥ 0.8)"),
                (swapped, "given name and surname swapped"),
            ],
            "Paternal and maternal surnames, with the U.S. rearrangements",
        ),
        "birth_date": lambda: _comparison(
            "birth_date",
            "dob",
            [
                ("dob_l = dob_r", "birth date agrees"),
                ("dob_l = dob_alt_r OR dob_alt_l = dob_r", "day and month swapped"),
                (
                    f"substr(dob_l, 6, 5) = substr(dob_r, 6, 5) AND abs({year_l} - {year_r}) = 1",
                    "year off by one",
                ),
                (dl("dob_l", "dob_r") + " <= 1", "one digit differs"),
                ("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)", "year and month agree"),
                (f"abs({year_l} - {year_r}) <= 2", "within two years"),
            ],
            "Birth date: exact, day/month swap, year off by one, partial",
        ),
        "curp": lambda: _checked_id("curp", "CURP", 16),
        "rfc": lambda: _checked_id("rfc", "RFC", 10),
        "ssn": lambda: _exact_id("ssn", "ssn", "SSN", typo=True),
        "passport": lambda: _exact_id("passport", "passport", "passport number"),
        "id_number": lambda: _comparison(
            "id_number",
            "idn",
            [
                ("idn_l = idn_r", "identity number agrees"),
                (dl("idn_l", "idn_r") + " <= 1", "identity number one typo apart"),
                (dl("idn_l", "idn_r") + " <= 2", "identity number two typos apart"),
            ],
            "Other identity numbers",
        ),
        "phone": lambda: _comparison(
            "phone",
            "ph1",
            [
                (
                    "ph1_l = ph1_r OR ph1_l = ph2_r OR ph2_l = ph1_r OR ph2_l = ph2_r",
                    "a phone number agrees",
                ),
                (
                    f"{last_seven.format('ph1_l')} = {last_seven.format('ph1_r')}",
                    "last seven digits agree",
                ),
            ],
            "Phone numbers (national digits, whatever the country)",
        ),
        "email": lambda: _exact_id("email", "email", "e-mail"),
        "sex": lambda: _exact_id("sex", "sex", "sex"),
        "nationality": lambda: _exact_id("nationality", "nat", "nationality"),
        "street": lambda: _comparison(
            "street",
            "street",
            [
                ("street_l = street_r AND stno_l = stno_r", "street and number agree"),
                (
                    jw("street_l", "street_r") + " >= 0.9 AND stno_l = stno_r",
                    "street alike, number agrees",
                ),
                ("street_l = street_r", "street agrees"),
                (jw("street_l", "street_r") + " >= 0.9", "street alike"),
            ],
            "Street address",
        ),
        "postcode": lambda: _comparison(
            "postcode",
            "postcode",
            [
                ("postcode_l = postcode_r", "postcode agrees"),
                (dl("postcode_l", "postcode_r") + " <= 1", "postcode one typo apart"),
            ],
            "Postcode",
        ),
        "city": lambda: _comparison(
            "city",
            "city",
            [
                ("city_l = city_r", "city agrees"),
                (jw("city_l", "city_r") + " >= 0.9", "city alike"),
            ],
            "City",
        ),
        "plate": lambda: _exact_id("plate", "plate", "licence plate"),
    }
    assert list(makers) == list(COMPARISON_COLUMNS)
    wanted = set(active)
    return [make() for name, make in makers.items() if name in wanted]
