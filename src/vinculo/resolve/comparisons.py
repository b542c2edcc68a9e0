"""The comparisons of the matching model: custom Splink levels over the feature record.

Built for the features of resolve.features: nicknames, the two Spanish surnames and how U.S.
records rearrange them, day/month swaps, CURP and the other identifiers. They are SQL, so
they run inside DuckDB — or Spark — without Python UDFs. A comparison is only part of a model
when both sides have data for it (`COMPARISON_COLUMNS`), so a model trained on data without
CURPs has no CURP comparison (and costs nothing for it).
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _exact_id(name: str, column: str, label: str, typo: bool) -> ComparisonCreator:
    sql = _Sql("duckdb")
    levels = [
        _null(f"{column}_l IS NULL OR {column}_r IS NULL"),
        _level(f"{column}_l = {column}_r", f"{label} agrees"),
    ]
    if typo:
        levels.append(
            _level(sql.dl(f"{column}_l", f"{column}_r") + " <= 1", f"{label} one typo apart")
        )
    levels.append(_else())
    return _custom(name, levels, label)


def build_comparisons(active: Iterable[str], dialect: str = "duckdb") -> list[ComparisonCreator]:
    """The comparisons for the named features, in a fixed order, for a SQL dialect."""
    sql = _Sql(dialect)
    jw, dl = sql.jw, sql.dl
    wanted = set(active)
    made: list[ComparisonCreator] = []
    shared_key = " OR ".join(
        f"instr(gks_{a}, concat('|', gk{k}_{b}, '|')) > 0"
        for a, b in (("l", "r"), ("r", "l"))
        for k in (1, 2, 3)
    )
    if "given_name" in wanted:
        made.append(
            _custom(
                "given_name",
                [
                    _null("g1_l IS NULL OR g1_r IS NULL"),
                    _level(
                        "g1_l = g1_r AND coalesce(g2_l, '') = coalesce(g2_r, '')",
                        "all given names agree",
                    ),
                    _level("g1_l = g1_r", "first given name agrees"),
                    _level(shared_key, "a given name or its nickname agrees"),
                    _level(jw("g1_l", "g1_r") + " >= 0.92", "first given names alike (JW ≥ 0.92)"),
                    _level(
                        "(length(g1_l) = 1 OR length(g1_r) = 1) "
                        "AND substr(g1_l, 1, 1) = substr(g1_r, 1, 1)",
                        "initial agrees",
                    ),
                    _level(jw("g1_l", "g1_r") + " >= 0.8", "first given names similar (JW ≥ 0.8)"),
                    _level(
                        f"{jw('g1_l', 'sp_r')} >= 0.92 OR {jw('sp_l', 'g1_r')} >= 0.92",
                        "given name and surname swapped",
                    ),
                    _else(),
                ],
                "Given names, with nicknames and initials",
            )
        )
    if "surnames" in wanted:
        made.append(
            _custom(
                "surnames",
                [
                    _null("sp_l IS NULL OR sp_r IS NULL"),
                    _level("sp_l = sp_r AND sm_l = sm_r", "both surnames agree"),
                    _level(
                        "sp_l = sp_r AND (sm_l IS NULL OR sm_r IS NULL)",
                        "paternal surname agrees, maternal missing on one side",
                    ),
                    _level("sp_l = sp_r", "paternal surname agrees, maternal differs"),
                    _level(
                        "sg_l = sg_r OR sp_l = sm_r OR sm_l = sp_r",
                        "surnames rearranged: maternal as last name, glued or hyphenated",
                    ),
                    _level(
                        "sp_ph_l = sp_ph_r OR sp_ph_l = sm_ph_r OR sm_ph_l = sp_ph_r",
                        "a surname sounds alike",
                    ),
                    _level(
                        f"{jw('sp_l', 'sp_r')} >= 0.92 OR {jw('sg_l', 'sg_r')} >= 0.92",
                        "paternal surnames alike (JW ≥ 0.92)",
                    ),
                    _level(jw("sp_l", "sp_r") + " >= 0.8", "paternal surnames similar (JW ≥ 0.8)"),
                    _level(
                        f"{jw('g1_l', 'sp_r')} >= 0.92 OR {jw('sp_l', 'g1_r')} >= 0.92",
                        "given name and surname swapped",
                    ),
                    _else(),
                ],
                "Paternal and maternal surnames, with the U.S. rearrangements",
            )
        )
    if "birth_date" in wanted:
        year_l = "cast(substr(dob_l, 1, 4) AS INT)"
        year_r = "cast(substr(dob_r, 1, 4) AS INT)"
        made.append(
            _custom(
                "birth_date",
                [
                    _null("dob_l IS NULL OR dob_r IS NULL"),
                    _level("dob_l = dob_r", "birth date agrees"),
                    _level("dob_l = dob_alt_r OR dob_alt_l = dob_r", "day and month swapped"),
                    _level(
                        "substr(dob_l, 6, 5) = substr(dob_r, 6, 5) "
                        f"AND abs({year_l} - {year_r}) = 1",
                        "year off by one",
                    ),
                    _level(dl("dob_l", "dob_r") + " <= 1", "one digit differs"),
                    _level("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)", "year and month agree"),
                    _level(f"abs({year_l} - {year_r}) <= 2", "within two years"),
                    _else(),
                ],
                "Birth date: exact, day/month swap, year off by one, partial",
            )
        )
    if "curp" in wanted:
        made.append(
            _custom(
                "curp",
                [
                    _null("curp_l IS NULL OR curp_r IS NULL", "missing or invalid on one side"),
                    _level("curp_l = curp_r", "CURP agrees"),
                    _level(
                        "substr(curp_l, 1, 16) = substr(curp_r, 1, 16)",
                        "CURP agrees but for the homoclave",
                    ),
                    _else(),
                ],
                "CURP (valid ones only)",
            )
        )
    if "rfc" in wanted:
        made.append(
            _custom(
                "rfc",
                [
                    _null("rfc_l IS NULL OR rfc_r IS NULL", "missing or invalid on one side"),
                    _level("rfc_l = rfc_r", "RFC agrees"),
                    _level(
                        "substr(rfc_l, 1, 10) = substr(rfc_r, 1, 10)",
                        "RFC agrees but for the homoclave",
                    ),
                    _else(),
                ],
                "RFC (valid ones only)",
            )
        )
    if "ssn" in wanted:
        made.append(_exact_id("ssn", "ssn", "SSN", typo=True))
    if "passport" in wanted:
        made.append(_exact_id("passport", "passport", "passport number", typo=False))
    if "id_number" in wanted:
        made.append(
            _custom(
                "id_number",
                [
                    _null("idn_l IS NULL OR idn_r IS NULL"),
                    _level("idn_l = idn_r", "identity number agrees"),
                    _level(dl("idn_l", "idn_r") + " <= 1", "identity number one typo apart"),
                    _level(dl("idn_l", "idn_r") + " <= 2", "identity number two typos apart"),
                    _else(),
                ],
                "Other identity numbers",
            )
        )
    if "phone" in wanted:
        made.append(
            _custom(
                "phone",
                [
                    _null("ph1_l IS NULL OR ph1_r IS NULL"),
                    _level(
                        "ph1_l = ph1_r OR ph1_l = ph2_r OR ph2_l = ph1_r OR ph2_l = ph2_r",
                        "a phone number agrees",
                    ),
                    _level(
                        "substr(ph1_l, length(ph1_l) - 6, 7) = substr(ph1_r, length(ph1_r) - 6, 7)",
                        "last seven digits agree",
                    ),
                    _else(),
                ],
                "Phone numbers (E.164)",
            )
        )
    if "email" in wanted:
        made.append(_exact_id("email", "email", "e-mail", typo=False))
    if "sex" in wanted:
        made.append(_exact_id("sex", "sex", "sex", typo=False))
    if "nationality" in wanted:
        made.append(_exact_id("nationality", "nat", "nationality", typo=False))
    if "street" in wanted:
        made.append(
            _custom(
                "street",
                [
                    _null("street_l IS NULL OR street_r IS NULL"),
                    _level("street_l = street_r AND stno_l = stno_r", "street and number agree"),
                    _level(
                        jw("street_l", "street_r") + " >= 0.9 AND stno_l = stno_r",
                        "street alike, number agrees",
                    ),
                    _level("street_l = street_r", "street agrees"),
                    _level(jw("street_l", "street_r") + " >= 0.9", "street alike"),
                    _else(),
                ],
                "Street address",
            )
        )
    if "postcode" in wanted:
        made.append(
            _custom(
                "postcode",
                [
                    _null("postcode_l IS NULL OR postcode_r IS NULL"),
                    _level("postcode_l = postcode_r", "postcode agrees"),
                    _level(dl("postcode_l", "postcode_r") + " <= 1", "postcode one typo apart"),
                    _else(),
                ],
                "Postcode",
            )
        )
    if "city" in wanted:
        made.append(
            _custom(
                "city",
                [
                    _null("city_l IS NULL OR city_r IS NULL"),
                    _level("city_l = city_r", "city agrees"),
                    _level(jw("city_l", "city_r") + " >= 0.9", "city alike"),
                    _else(),
                ],
                "City",
            )
        )
    if "plate" in wanted:
        made.append(_exact_id("plate", "plate", "licence plate", typo=False))
    return made
