"""Vocabularies as data: YAML files with English and Spanish labels, loaded into typed terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from vinculo.text import fold

LOCALES = ("en", "es")


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: a stable code and its label in each locale."""

    code: str
    labels: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)
    # An offence's legal basis: nation code -> locale -> the law that nation cites. Optional;
    # only the terms that carry one have it.
    legal_basis: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["en"]

    def bases(self, locale: str) -> list[tuple[str, str]]:
        """(nation code, legal basis in the locale) for each nation this term names one for."""
        return [
            (nation, texts.get(locale) or texts["en"]) for nation, texts in self.legal_basis.items()
        ]


class Vocabulary:
    """An ordered set of terms read from one YAML file."""

    def __init__(self, name: str, terms: list[Term]) -> None:
        self.name = name
        self._terms = {t.code: t for t in terms}

    def __contains__(self, code: object) -> bool:
        return code in self._terms

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._terms.values())

    def __len__(self) -> int:
        return len(self._terms)

    def codes(self) -> list[str]:
        return list(self._terms)

    def get(self, code: str) -> Term:
        try:
            return self._terms[code]
        except KeyError:
            raise KeyError(f"unknown {self.name} code: {code!r}") from None

    def label(self, code: str, locale: str) -> str:
        term = self._terms.get(code)
        return term.label(locale) if term else code


def _read(name: str) -> Any:
    text = resources.files("vinculo.vocab").joinpath(f"{name}.yml").read_text("utf-8")
    return yaml.safe_load(text)


def _legal_basis(name: str, code: str, value: Any) -> dict[str, dict[str, str]]:
    """A term's `legal_basis`: a mapping of nation code to its text in every locale."""
    where = f"vocab/{name}.yml, {code}, legal_basis"
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping of nation code to en/es texts")
    bases: dict[str, dict[str, str]] = {}
    for nation, texts in value.items():
        if not isinstance(texts, dict) or any(not texts.get(loc) for loc in LOCALES):
            raise ValueError(f"{where}, {nation}: give the text in {' and '.join(LOCALES)}")
        bases[str(nation)] = {loc: str(texts[loc]) for loc in LOCALES}
    return bases


def _terms(data: dict[str, Any], name: str = "") -> list[Term]:
    terms = []
    for code, entry in data.items():
        labels = {loc: str(entry[loc]) for loc in LOCALES}
        extra = {k: v for k, v in entry.items() if k not in (*LOCALES, "legal_basis")}
        basis = entry.get("legal_basis")
        legal = _legal_basis(name, str(code), basis) if basis is not None else {}
        terms.append(Term(code=str(code), labels=labels, extra=extra, legal_basis=legal))
    return terms


@cache
def load(name: str) -> Vocabulary:
    """Load a flat vocabulary (nations, agencies, tlp, offences, roles)."""
    vocabulary = Vocabulary(name, _terms(_read(name), name))
    named = {nation for term in vocabulary for nation in term.legal_basis}
    if named and name != "nations":
        unknown = sorted(named - set(nations().codes()))
        if unknown:
            raise ValueError(f"vocab/{name}.yml: legal_basis names unknown nations {unknown}")
    return vocabulary


@cache
def admiralty(scale: str) -> Vocabulary:
    """Load one Admiralty scale: `reliability` (A–F) or `credibility` (1–6)."""
    return Vocabulary(scale, _terms(_read("admiralty")[scale]))


def nations() -> Vocabulary:
    return load("nations")


def agencies() -> Vocabulary:
    return load("agencies")


def violations() -> Vocabulary:
    """Gross violations of human rights an allegation names (oversight)."""
    return load("violations")


def allegation_statuses() -> Vocabulary:
    return load("allegation_statuses")


def agency_nation(agency: str) -> str:
    """The nation an agency belongs to."""
    return str(agencies().get(agency).extra["nation"])


def phone_region(nation: str | None) -> str | None:
    """Where a phone number written without its country code is read for an account of
    `nation` (ISO 3166-1 alpha-2), or None for a nation the vocabulary does not know."""
    if nation is None or nation not in nations():
        return None
    region = nations().get(nation).extra.get("phone_region")
    return str(region) if region else None


def nation_time_zone(nation: str | None) -> str | None:
    """A nation's usual time zone (IANA), or None for a nation the vocabulary does not know."""
    if nation is None or nation not in nations():
        return None
    zone = nations().get(nation).extra.get("time_zone")
    return str(zone) if zone else None


@cache
def common_passwords() -> frozenset[str]:
    """Passwords too common to accept (lower-case), from common-passwords.txt."""
    text = resources.files("vinculo.vocab").joinpath("common-passwords.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@dataclass(frozen=True)
class NameVocabulary:
    """Name lists for identity resolution, folded: nicknames, cognates, common names."""

    nicknames: dict[str, list[str]]
    cognates: dict[str, frozenset[str]]
    descriptive: frozenset[str]
    given: frozenset[str]
    surnames: frozenset[str]
    given_leaning: frozenset[str]


def _read_fast(name: str) -> Any:
    # The name lists are read by every process of a resolution run: libyaml when present.
    text = resources.files("vinculo.vocab").joinpath(f"{name}.yml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def name_vocabulary() -> NameVocabulary:
    """nicknames.yml and names.yml, folded, for vinculo.resolve."""
    data = _read_fast("nicknames")
    table: dict[str, list[str]] = {}
    for section in ("spanish", "english"):
        for nickname, names in data[section].items():
            entry = table.setdefault(fold(str(nickname)), [])
            for name in names:
                folded = fold(str(name))
                if folded not in entry:
                    entry.append(folded)
    cognates: dict[str, set[str]] = {}
    for english, spanish in data["cognates"]:
        en, es = fold(str(english)), fold(str(spanish))
        cognates.setdefault(en, set()).add(es)
        cognates.setdefault(es, set()).add(en)
    lists = _read_fast("names")
    return NameVocabulary(
        nicknames=table,
        cognates={k: frozenset(v) for k, v in cognates.items()},
        descriptive=frozenset(fold(str(w)) for w in data["descriptive"]),
        given=frozenset(fold(str(w)) for w in lists["given"]),
        surnames=frozenset(fold(str(w)) for w in lists["surnames"]),
        given_leaning=frozenset(fold(str(w)) for w in lists["given_leaning"]),
    )


def nicknames() -> dict[str, list[str]]:
    """Nickname (folded) -> the given names it stands for (folded), from nicknames.yml."""
    return name_vocabulary().nicknames


@cache
def forces() -> Vocabulary:
    """Security forces (forces.yml): the partner agencies it names, with agencies.yml's
    labels, then the forces that are no partner agency."""
    data = _read("forces")
    terms = [agencies().get(str(code)) for code in data["agencies"]]
    return Vocabulary("forces", [*terms, *_terms(data["others"], "forces")])
