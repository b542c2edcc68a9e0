"""A report being written: which parts of which profiles it asserts, and the relationship
entities (payments, memberships, trips ...) between them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from vinculo import vocab
from vinculo.demo.profile import Profile
from vinculo.demo.shapes import Bilingual, UserSpec
from vinculo.demo.world import World
from vinculo.intel.schemas import EntityIn


class Draft:
    """One report in the making, by `author`, in `lang`: `props` holds what it asserts of each
    entity id so far."""

    def __init__(self, world: World, author: UserSpec, lang: str) -> None:
        self.world = world
        self.rng = world.rng
        self.author = author
        self.agency = author.agency
        self.nation = vocab.agency_nation(author.agency)
        self.lang = lang
        self.props: dict[str, dict[str, list[str]]] = {}
        self.schemas: dict[str, str] = {}

    def assert_properties(self, ent: Profile, keys: Iterable[str]) -> Profile:
        """Assert these properties of a profile in this report (and always its name)."""
        bucket = self.props.setdefault(ent.id, {})
        self.schemas[ent.id] = ent.schema
        for key in keys:
            for value in ent.props.get(key, []):
                values = bucket.setdefault(key, [])
                if value not in values:
                    values.append(value)
        if "name" in ent.props and "name" not in bucket:
            bucket["name"] = list(ent.props["name"])
        ent.nations.add(self.nation)
        return ent

    def add_value(self, ent: Profile, key: str, value: str) -> None:
        """Assert a value the profile did not have yet (and keep it in the profile)."""
        values = ent.props.setdefault(key, [])
        if value not in values:
            values.append(value)
        self.assert_properties(ent, [key])

    def mention_person(self, ent: Profile, keys: Sequence[str] | None = None) -> Profile:
        """Mention a person: the name and a plausible subset of what this agency would know."""
        if keys is not None:
            return self.assert_properties(ent, keys)
        if ent.id in self.props:
            return ent
        rng = self.rng
        chosen = ["name"]
        if rng.random() < 0.6:
            chosen += ["firstName", "fatherName", "motherName", "lastName"]
        if rng.random() < 0.7:
            chosen.append("alias")
        if rng.random() < 0.45:
            chosen.append("birthDate")
        if rng.random() < 0.6:
            chosen.append("nationality")
        if rng.random() < 0.3:
            chosen.append("gender")
        if rng.random() < (0.45 if self.nation == "MEX" else 0.15):
            chosen.append("idNumber")
        if rng.random() < 0.15:
            chosen.append("phone")
        if rng.random() < 0.25:
            chosen += ["taxNumber", "birthPlace"]
        chosen.append("position")
        return self.assert_properties(ent, chosen)

    def mention_organisation(self, ent: Profile) -> Profile:
        """Mention an organisation or company with part of its register data."""
        if ent.id in self.props:
            return ent
        rng = self.rng
        chosen = ["name", "alias"]
        for key, chance in (
            ("jurisdiction", 0.7),
            ("country", 0.5),
            ("registrationNumber", 0.5),
            ("taxNumber", 0.6 if self.nation == "MEX" else 0.3),
            ("incorporationDate", 0.4),
            ("address", 0.4),
        ):
            if rng.random() < chance:
                chosen.append(key)
        return self.assert_properties(ent, chosen)

    def mention_place(self, ent: Profile) -> Profile:
        """Mention an address, port or site."""
        return self.assert_properties(ent, list(ent.props))

    def mention_vehicle(self, ent: Profile) -> Profile:
        return self.assert_properties(ent, list(ent.props))

    def who(self, ent: Profile) -> str:
        """How the text names a person: with the alias if this report asserts it."""
        alias = self.props.get(ent.id, {}).get("alias")
        if ent.schema == "Person" and alias:
            return f'{ent.name}, alias "{alias[0]}"'
        return ent.name

    def link(self, schema: str, **props: list[str]) -> Profile:
        """A relationship or interval entity; every entity it points to is in this report."""
        for prop_name, values in props.items():
            if prop_name in ENTITY_PROPERTIES:
                for value in values:
                    assert value in self.props, (schema, prop_name, value)
        clean = {k: v for k, v in props.items() if v}
        ent = self.world.new(schema, "rel", clean, schema)
        return self.assert_properties(ent, list(clean))

    def in_language(self, pair: Bilingual) -> str:
        return pair[1] if self.lang == "es" else pair[0]

    # people in a story

    def person(
        self,
        kind: str,
        make: Callable[[], Profile],
        *,
        cross: float = 0.21,
        keys: Sequence[str] | None = None,
    ) -> Profile:
        """Someone this story needs: often someone new, sometimes someone another nation's
        agency has already reported (so one profile gathers statements of both nations)."""
        world, rng = self.world, self.rng
        roll = rng.random()
        pool = [e for e in world.pools.get(kind, []) if e.id not in self.props]
        if roll < cross:
            other = [e for e in pool if self.nation not in e.nations and e.nations]
            fresh = [e for e in other if len(e.nations) == 1]
            pick = fresh or other
            if pick:
                chosen = rng.choice(pick)
                if (
                    self.nation == "USA"
                    and chosen.schema == "Person"
                    and "fatherName" in chosen.props
                    and len(world.duplicates) < 15
                    and rng.random() < 0.3
                ):
                    return self.mention_person(world.duplicate_of(chosen), keys)
                return self.mention_person(chosen, keys)
        elif roll < cross + 0.07:
            same = [e for e in pool if self.nation in e.nations]
            if same:
                return self.mention_person(rng.choice(same), keys)
        return self.mention_person(make(), keys)

    def narco(self, home: str | None = None, keys: Sequence[str] | None = None) -> Profile:
        return self.person("narco", lambda: self.world.mx_person("narco", home=home), keys=keys)

    def smuggler(self, home: str | None = None) -> Profile:
        def make() -> Profile:
            roll = self.rng.random()
            if roll < 0.15:
                nat = self.rng.choice(["gt", "hn", "sv"])
                return self.world.mx_person("smuggler", home=home, nationality=nat, alias_p=0.3)
            return self.world.mx_person("smuggler", home=home, alias_p=0.45)

        return self.person("smuggler", make)

    def business(self, home: str | None = None) -> Profile:
        return self.person(
            "business",
            lambda: self.world.mx_person("business", home=home, alias_p=0.05),
            cross=0.12,
        )

    def american(
        self, kind: str, home: str | None = None, keys: Sequence[str] | None = None
    ) -> Profile:
        return self.person(
            kind, lambda: self.world.us_person(kind, home=home), cross=0.12, keys=keys
        )

    def member(
        self, person: Profile, org: Profile, role: Bilingual, since: date | None = None
    ) -> None:
        self.mention_organisation(org)
        props = {"member": [person.id], "organization": [org.id], "role": [self.in_language(role)]}
        if since:
            props["startDate"] = [since.isoformat()]
        self.link("Membership", **props)

    def payment(
        self,
        payer: Profile,
        beneficiary: Profile,
        amount: int,
        currency: str,
        day: date,
        purpose: Bilingual,
        payer_acc: Profile | None = None,
        ben_acc: Profile | None = None,
    ) -> Profile:
        props = {
            "payer": [payer.id],
            "beneficiary": [beneficiary.id],
            "amount": [f"{amount}.00"],
            "currency": [currency],
            "date": [day.isoformat()],
            "purpose": [self.in_language(purpose)],
        }
        if payer_acc:
            props["payerAccount"] = [payer_acc.id]
        if ben_acc:
            props["beneficiaryAccount"] = [ben_acc.id]
        if self.rng.random() < 0.5:
            props["transactionNumber"] = [f"TX{self.rng.randrange(10**9, 10**10)}"]
        return self.link("Payment", **props)

    def holds(self, holder: Profile, account: Profile) -> None:
        self.assert_properties(account, list(account.props))
        role = ("account holder", "titular de la cuenta")
        self.link("Ownership", owner=[holder.id], asset=[account.id], role=[self.in_language(role)])

    def entities(self) -> list[EntityIn]:
        return [
            EntityIn(id=eid, schema_=self.schemas[eid], properties=props)
            for eid, props in self.props.items()
        ]


ENTITY_PROPERTIES = {
    "payer", "beneficiary", "payerAccount", "beneficiaryAccount", "owner", "asset", "director",
    "organization", "member", "person", "relative", "associate", "vehicle", "involved",
    "startLocation", "endLocation", "addressEntity",
}  # fmt: skip
