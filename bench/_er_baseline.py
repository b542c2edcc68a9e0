"""The peer for bench/er.py: Splink as a careful generic user configures it.

Splink's own tutorial settings (the febrl4 and deduplicate_50k_synthetic examples of the
Splink 4 documentation) on the raw columns: names lower-cased and stripped of accents,
NameComparison with Jaro-Winkler levels and term-frequency adjustments, DateOfBirthComparison,
postcode / city / identifier comparisons, blocking on the standard fields, a prior from
deterministic rules, u by random sampling and two EM passes. No knowledge of Spanish names,
nicknames, CURPs or day/month swaps: that is what our engine adds.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import pandas as pd


def _quiet() -> None:
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _plain(text: Any) -> Any:
    if not isinstance(text, str) or not text.strip():
        return None
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", folded).strip() or None


def febrl_frame(frame: pd.DataFrame) -> pd.DataFrame:
    data = frame.reset_index()
    for column in data.columns:
        data[column] = data[column].astype("string").str.strip()
    return data


def febrl_link(left: pd.DataFrame, right: pd.DataFrame, *, ssn: bool) -> pd.DataFrame:
    """Splink's febrl4 example ("detailed model") on the raw FEBRL columns."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _quiet()
    rules: list[Any] = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons: list[Any] = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    deterministic: list[Any] = [block_on("given_name", "surname", "date_of_birth")]
    if ssn:
        rules.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons,
    )
    linker = Linker(
        [febrl_frame(left), febrl_frame(right)], settings, DuckDBAPI(), set_up_basic_logging=False
    )
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    out = predictions.as_pandas_dataframe()[["rec_id_l", "rec_id_r", "match_probability"]]
    return out.rename(
        columns={"rec_id_l": "left_id", "rec_id_r": "right_id", "match_probability": "score"}
    )


def ftm_columns(entities: list[dict[str, Any]]) -> pd.DataFrame:
    """The columns a generic user takes from FtM Person entities, lightly cleaned."""
    rows = []
    for entity in entities:
        props = entity["properties"]

        def first(prop: str, props: dict[str, list[str]] = props) -> Any:
            values = props.get(prop) or []
            return values[0] if values else None

        name = _plain(first("name")) or ""
        given, last = _plain(first("firstName")), _plain(first("lastName"))
        if given is None and last is None and name:
            head, _, rest = name.partition(" ")
            given, last = head or None, rest or None
        phone = re.sub(r"\D", "", first("phone") or "") or None
        rows.append(
            {
                "unique_id": entity["id"],
                "first_name": given,
                "surname": last,
                "dob": first("birthDate"),
                "gender": first("gender"),
                "phone": phone,
                "passport": first("passportNumber"),
                "id_number": first("idNumber") or first("socialSecurityNumber"),
            }
        )
    return pd.DataFrame(rows)


def people_link(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """The tutorial model on people: names, date of birth, phone, identifiers."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _quiet()
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("phone"),
            block_on("passport"),
            block_on("id_number"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True),
            cl.ExactMatch("gender"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("passport"),
            cl.ExactMatch("id_number"),
        ],
    )
    linker = Linker([left, right], settings, DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("passport")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    out = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    return out.rename(
        columns={"unique_id_l": "left_id", "unique_id_r": "right_id", "match_probability": "score"}
    )


def register_columns(table: Any) -> pd.DataFrame:
    """The raw register of the dedupe benchmark as a generic user cleans it."""
    frame = table.to_pandas()
    last = frame["lastName"].map(_plain)
    return pd.DataFrame(
        {
            "unique_id": frame["id"],
            "first_name": frame["firstName"].map(_plain),
            "surname": last,
            "dob": frame["birthDate"],
            "city": frame["city"].map(_plain),
            "postcode": frame["postalCode"],
            "phone": frame["phone"],
        }
    )


def register_dedupe(frame: pd.DataFrame, threshold: float) -> tuple[pd.DataFrame, int]:
    """The 50k-synthetic tutorial model (dedupe_only), then clusters at `threshold`."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    _quiet()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode", "first_name"),
            block_on("phone"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("phone"),
        ],
    )
    linker = Linker(frame, settings, DuckDBAPI(), set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    out = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return out, len(predictions.as_pandas_dataframe(limit=None))
