"""The criminal predicates (vocab/offences.yml): every one labelled in English and Spanish; the
counter-terrorism ones carry the legal basis each nation cites, and an offence without one
stays valid; a malformed legal basis is refused with the file, the offence and the nation."""

from __future__ import annotations

import pytest

from vinculo import vocab
from vinculo.intel.views import Show
from vinculo.vocab import _legal_basis, _terms

COUNTER_TERRORISM = ("terrorism", "terrorist_financing", "violent_extremism")


def test_every_offence_is_labelled_and_the_older_ones_need_no_legal_basis() -> None:
    offences = vocab.load("offences")
    for term in offences:
        assert term.labels["en"] and term.labels["es"], term.code
    assert offences.get("drug_trafficking").legal_basis == {}
    assert offences.get("drug_trafficking").bases("es") == []
    assert Show("en").legal_basis("drug_trafficking") == []
    assert Show("en").legal_basis("no_such_offence") == []


@pytest.mark.parametrize("code", COUNTER_TERRORISM)
def test_the_counter_terrorism_offences_cite_the_law_of_both_nations(code: str) -> None:
    term = vocab.load("offences").get(code)
    assert set(term.legal_basis) == {"USA", "MEX"}
    for locale in ("en", "es"):
        assert all(text for _nation, text in term.bases(locale))


def test_the_legal_basis_is_shown_in_the_readers_language() -> None:
    assert Show("en").legal_basis("terrorist_financing") == [
        ("United States", vocab.load("offences").get("terrorist_financing").bases("en")[0][1]),
        (
            "Mexico",
            "Federal Criminal Code (Código Penal Federal), art. 139 Quáter (terrorist financing)",
        ),
    ]
    spanish = dict(Show("es").legal_basis("terrorist_financing"))
    assert (
        spanish["México"] == "Código Penal Federal, art. 139 Quáter (financiamiento al terrorismo)"
    )
    assert "§\u00a02339C" in spanish["Estados Unidos"]
    # Where a nation has no offence of that name, the text says so rather than cite one.
    extremism = dict(Show("en").legal_basis("violent_extremism"))
    assert extremism["United States"].startswith("No federal offence of this name")
    assert extremism["Mexico"].startswith("No offence of this name")


def test_a_malformed_legal_basis_names_the_file_offence_and_nation() -> None:
    with pytest.raises(ValueError, match=r"vocab/offences.yml, x, legal_basis, MEX: give the text"):
        _legal_basis("offences", "x", {"MEX": {"en": "art. 1"}})
    with pytest.raises(ValueError, match="expected a mapping of nation code"):
        _terms({"x": {"en": "X", "es": "X", "legal_basis": ["USA"]}}, "offences")


def test_a_legal_basis_for_a_nation_not_taking_part_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = vocab._read
    odd = {
        "x": {"en": "X", "es": "X", "legal_basis": {"CAN": {"en": "s. 83.02", "es": "s. 83.02"}}}
    }
    monkeypatch.setattr(vocab, "_read", lambda name: odd if name == "odd" else read(name))
    with pytest.raises(
        ValueError, match=r"vocab/odd.yml: legal_basis names unknown nations \['CAN'\]"
    ):
        vocab.load.__wrapped__("odd")
