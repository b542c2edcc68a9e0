"""The assistance vocabularies: every term labelled in English and Spanish, and a source's
spellings mapped onto codes (an unknown one is None, never a guess)."""

from __future__ import annotations

import pytest

from vinculo import vocab
from vinculo.assistance import codes


@pytest.mark.parametrize("name", codes.ALL)
def test_every_term_is_labelled_in_both_languages(name: str) -> None:
    terms = list(vocab.load(name))
    assert terms
    for term in terms:
        assert term.labels["en"].strip() and term.labels["es"].strip(), (name, term.code)
        assert term.labels["en"] != term.labels["es"], (name, term.code)


def test_the_frameworks_have_four_pillars_and_three_goals() -> None:
    assert len(vocab.load(codes.PILLARS)) == 4
    assert len(vocab.load(codes.GOALS)) == 3


def test_the_accounts_and_sector_families_are_there() -> None:
    accounts = vocab.load(codes.ACCOUNTS)
    assert {"INCLE", "FMF", "ESF", "IMET", "DA", "NADR"} <= set(accounts.codes())
    sectors = vocab.load(codes.SECTORS).codes()
    for family in ("151", "152", "160"):
        assert any(code.startswith(family) for code in sectors), family
    assert all(len(code) == 5 and code.isdigit() for code in sectors)


def test_transaction_types_are_iati_s_and_appropriation() -> None:
    types = vocab.load(codes.TRANSACTION_TYPES).codes()
    assert types[:4] == ["1", "2", "3", "4"]
    assert codes.APPROPRIATION in types
    assert vocab.load(codes.TRANSACTION_TYPES).label("3", "es") == "Desembolso"


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        (codes.ACCOUNTS, "International Narcotics Control and Law Enforcement", "INCLE"),
        (codes.ACCOUNTS, "economic support fund/economic support and development fund", "ESF"),
        (codes.ACCOUNTS, "Fondo de Apoyo Económico", "ESF"),
        (codes.ACCOUNTS, "INCLE", "INCLE"),
        (codes.ACCOUNTS, "Operating Expenses", None),
        (codes.SECTORS, "15130", "15130"),
        (codes.SECTORS, "Legal and judicial development", "15130"),
        (codes.SECTORS, "Narcotics Control", "16063"),
        (codes.SECTORS, "99810", None),
        (codes.TRANSACTION_TYPES, "Obligations", "2"),
        (codes.TRANSACTION_TYPES, "Disbursements", "3"),
        (codes.TRANSACTION_TYPES, "Appropriated", "appropriation"),
        (codes.TRANSACTION_TYPES, "Requested", None),
        (codes.TRANSACTION_TYPES, "  ", None),
    ],
)
def test_a_source_s_spelling_maps_onto_a_code(name: str, text: str, code: str | None) -> None:
    assert codes.code_for(name, text) == code
