"""Markings and the one access policy, `can_see` (its meaning is fixed in docs/markings.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from vinculo import vocab
from vinculo.errors import InvalidInput
from vinculo.i18n import N_


class TLP(StrEnum):
    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


# Widest first; a marking only narrows by moving right.
TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


class MarkingError(InvalidInput):
    """A marking that does not exist or does not hang together; `field` names the culprit."""


@dataclass(frozen=True)
class Actor:
    """Who is asking. `username` is None for the public (not signed in)."""

    username: str | None
    nation: str | None = None
    agency: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    locale: str = "en"
    time_zone: str | None = None  # IANA name dates and times are shown in (None: nation's)

    @property
    def signed_in(self) -> bool:
        return self.username is not None


PUBLIC = Actor(username=None)


@dataclass(frozen=True)
class Markings:
    """The markings one item carries. Build with `Markings.create` so they are normalised."""

    tlp: TLP
    originator: str
    rel_to: frozenset[str]
    orcon: bool = False
    groups: frozenset[str] = field(default_factory=frozenset)
    recipients: frozenset[str] = field(default_factory=frozenset)
    shared_with: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def create(
        cls,
        *,
        tlp: str,
        originator: str,
        rel_to: list[str] | frozenset[str] | tuple[str, ...] = (),
        orcon: bool = False,
        groups: list[str] | frozenset[str] | tuple[str, ...] = (),
        recipients: list[str] | frozenset[str] | tuple[str, ...] = (),
        shared_with: list[str] | frozenset[str] | tuple[str, ...] = (),
        author: str | None = None,
    ) -> Markings:
        """Validate and normalise: the originator's nation is always in REL TO, the author of a
        RED item is always one of its recipients."""
        try:
            level = TLP(tlp.strip().upper())
        except ValueError:
            raise MarkingError(N_("unknown TLP level {value}"), field="tlp", value=tlp) from None
        agencies = vocab.agencies()
        if originator not in agencies:
            raise MarkingError(N_("unknown agency {value}"), field="originator", value=originator)
        nations = {n.strip().upper() for n in rel_to if n.strip()}
        for nation in sorted(nations):
            if nation not in vocab.nations():
                raise MarkingError(N_("unknown nation {value}"), field="rel_to", value=nation)
        nations.add(vocab.agency_nation(originator))
        shared = {a.strip().upper() for a in shared_with if a.strip()}
        for agency in sorted(shared):
            if agency not in agencies:
                raise MarkingError(N_("unknown agency {value}"), field="shared_with", value=agency)
        people = {r.strip() for r in recipients if r.strip()}
        if level is TLP.RED:
            if author:
                people.add(author)
            if not people:
                raise MarkingError(
                    N_("TLP:RED needs at least one named recipient"), field="recipients"
                )
        elif people:
            raise MarkingError(N_("named recipients are only for TLP:RED"), field="recipients")
        return cls(
            tlp=level,
            originator=originator,
            rel_to=frozenset(nations),
            orcon=orcon,
            groups=frozenset(g.strip() for g in groups if g.strip()),
            recipients=frozenset(people),
            shared_with=frozenset(shared),
        )

    def signature(self) -> str:
        """A canonical text form; equal markings have equal signatures."""
        parts = [
            self.tlp.value,
            self.originator,
            ",".join(sorted(self.rel_to)),
            "1" if self.orcon else "0",
            ",".join(sorted(self.groups)),
            ",".join(sorted(self.recipients)),
            ",".join(sorted(self.shared_with)),
        ]
        return "|".join(parts)

    @classmethod
    def from_signature(cls, signature: str) -> Markings:
        """The markings a signature was made from (the inverse of `signature`)."""
        tlp, originator, rel_to, orcon, groups, recipients, shared = signature.split("|")

        def split(text: str) -> frozenset[str]:
            return frozenset(p for p in text.split(",") if p)

        return cls(
            tlp=TLP(tlp),
            originator=originator,
            rel_to=split(rel_to),
            orcon=orcon == "1",
            groups=split(groups),
            recipients=split(recipients),
            shared_with=split(shared),
        )

    def banner(self) -> str:
        """The classification-style line shown at the top and bottom of a report."""
        text = f"TLP:{self.tlp.value} // REL TO {', '.join(sorted(self.rel_to))}"
        if self.orcon:
            text += " // ORCON"
        if self.groups:
            text += f" // {', '.join(sorted(self.groups))}"
        return text

    def restrictiveness(self) -> int:
        return TLP_ORDER.index(self.tlp)


def can_see(actor: Actor, m: Markings) -> bool:
    """True when the actor may read an item carrying markings `m`. The only such decision."""
    if m.groups and not (actor.groups & m.groups):
        return False
    if m.tlp is TLP.CLEAR:
        return True
    if not actor.signed_in or actor.nation not in m.rel_to:
        return False
    if m.tlp is TLP.GREEN:
        return True
    if m.tlp is TLP.AMBER:
        return (
            actor.agency == m.originator
            or actor.agency in m.shared_with
            or bool(actor.groups & m.groups)
        )
    if m.tlp is TLP.AMBER_STRICT:
        return actor.agency == m.originator
    return actor.username in m.recipients
