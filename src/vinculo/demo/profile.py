"""One invented person, organisation, place or thing: its full profile, of which each report
asserts a part, and the id prefix of each schema (per-0001, org-0001 ...)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Profile:
    id: str
    schema: str
    kind: str
    props: dict[str, list[str]]
    name: str
    en: str = ""
    es: str = ""
    city: str = ""
    nations: set[str] = field(default_factory=set)

    def label(self, lang: str) -> str:
        return (self.es if lang == "es" else self.en) or self.name


ID_PREFIXES = {
    "Person": "per",
    "Organization": "org",
    "Company": "com",
    "Address": "adr",
    "Vehicle": "veh",
    "BankAccount": "acc",
    "Payment": "pay",
    "Ownership": "own",
    "Directorship": "dir",
    "Membership": "mem",
    "Family": "fam",
    "Associate": "asc",
    "Trip": "trp",
}
