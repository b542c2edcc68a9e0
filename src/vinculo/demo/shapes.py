"""The demo scenario's public shapes: groups, accounts and reports as the seeding takes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from vinculo.intel.schemas import ReportCreate

Bilingual = tuple[str, str]  # a text in English and in Spanish


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name_en: str
    name_es: str


@dataclass(frozen=True)
class UserSpec:
    username: str
    display_name: str
    agency: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    locale: str


@dataclass(frozen=True)
class ReportSpec:
    author: str  # a username from Scenario.users; the report's originator is its agency
    report: ReportCreate


@dataclass(frozen=True)
class Scenario:
    groups: list[GroupSpec]
    users: list[UserSpec]
    reports: list[ReportSpec]
    # Pairs of Person ids that are the same human recorded twice under different ids and
    # spellings (ground truth for identity resolution); not asserted anywhere as a link.
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def user(self, username: str) -> UserSpec:
        for spec in self.users:
            if spec.username == username:
                return spec
        raise KeyError(username)
