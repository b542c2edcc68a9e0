"""The access policy: the worked examples of docs/markings.md and invariants over every case."""

from __future__ import annotations

import itertools

import pytest

from vinculo.security.markings import PUBLIC, TLP, Actor, MarkingError, Markings, can_see

US = Actor(username="us.analyst", nation="USA", agency="DEA")
MX = Actor(username="mx.analyst", nation="MEX", agency="FGR")
SONORA = frozenset({"tf-sonora"})


def with_groups(actor: Actor, groups: frozenset[str]) -> Actor:
    return Actor(username=actor.username, nation=actor.nation, agency=actor.agency, groups=groups)


WORKED = [
    (dict(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"]), True, True),
    (dict(tlp="GREEN", originator="DEA", rel_to=["USA"]), True, False),
    (dict(tlp="AMBER", originator="FGR", rel_to=["USA", "MEX"]), False, True),
    (dict(tlp="AMBER", originator="FGR", rel_to=["USA", "MEX"], shared_with=["DEA"]), True, True),
    (dict(tlp="AMBER+STRICT", originator="DEA", rel_to=["USA", "MEX"]), True, False),
    (
        dict(tlp="RED", originator="DEA", rel_to=["USA", "MEX"], recipients=["mx.analyst"]),
        False,
        True,
    ),
]


@pytest.mark.parametrize(("fields", "us_sees", "mx_sees"), WORKED)
def test_worked_examples(fields: dict[str, object], us_sees: bool, mx_sees: bool) -> None:
    markings = Markings.create(author="dea.agent1", **fields)  # type: ignore[arg-type]
    assert can_see(US, markings) is us_sees
    assert can_see(MX, markings) is mx_sees


def test_group_marking_needs_membership() -> None:
    markings = Markings.create(
        tlp="GREEN", originator="DEA", rel_to=["USA", "MEX"], groups=["tf-sonora"]
    )
    assert not can_see(US, markings) and not can_see(MX, markings)
    assert can_see(with_groups(US, SONORA), markings)
    assert can_see(with_groups(MX, SONORA), markings)


def test_red_author_is_always_a_recipient() -> None:
    markings = Markings.create(
        tlp="RED", originator="DEA", rel_to=["USA"], recipients=[], author="us.analyst"
    )
    assert markings.recipients == {"us.analyst"}
    assert can_see(US, markings)


def test_originator_nation_is_always_releasable() -> None:
    assert Markings.create(tlp="GREEN", originator="FGR", rel_to=["USA"]).rel_to == {
        "USA",
        "MEX",
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (dict(tlp="PURPLE", originator="DEA"), "tlp"),
        (dict(tlp="GREEN", originator="KGB"), "originator"),
        (dict(tlp="GREEN", originator="DEA", rel_to=["CAN"]), "rel_to"),
        (dict(tlp="GREEN", originator="DEA", shared_with=["XYZ"]), "shared_with"),
        (dict(tlp="RED", originator="DEA"), "recipients"),
        (dict(tlp="GREEN", originator="DEA", recipients=["mx.analyst"]), "recipients"),
    ],
)
def test_markings_that_do_not_exist_are_refused(fields: dict[str, object], field: str) -> None:
    with pytest.raises(MarkingError) as caught:
        Markings.create(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


# Every combination of a small but complete domain: TLP levels, originators of both nations,
# releasability, sharing, groups, recipients, and actors of both nations plus the public.
AGENCIES = ["DEA", "FGR", "HSI"]
NATION = {"DEA": "USA", "HSI": "USA", "FGR": "MEX"}
ALL_MARKINGS = [
    Markings.create(
        tlp=tlp,
        originator=originator,
        rel_to=list(rel_to),
        groups=list(groups),
        shared_with=list(shared),
        recipients=["mx.analyst"] if tlp == "RED" else [],
        author="author" if tlp == "RED" else None,
    )
    for tlp, originator, rel_to, groups, shared in itertools.product(
        [t.value for t in TLP],
        AGENCIES,
        [(), ("USA",), ("MEX",), ("USA", "MEX")],
        [(), ("tf-sonora",)],
        [(), ("DEA",), ("FGR",)],
    )
]
ALL_ACTORS = [PUBLIC] + [
    Actor(username=name, nation=NATION[agency], agency=agency, groups=frozenset(groups))
    for name, agency, groups in itertools.product(
        ["us.analyst", "mx.analyst", "author"], AGENCIES, [(), ("tf-sonora",), ("other",)]
    )
]
CASES = list(itertools.product(ALL_ACTORS, ALL_MARKINGS))


def test_domain_is_exhaustive() -> None:
    assert len(CASES) == len(ALL_ACTORS) * 5 * 3 * 4 * 2 * 3


def test_public_sees_only_clear_without_groups() -> None:
    for markings in ALL_MARKINGS:
        assert can_see(PUBLIC, markings) is (markings.tlp is TLP.CLEAR and not markings.groups)


def test_nation_must_be_releasable_except_clear() -> None:
    for actor, markings in CASES:
        if markings.tlp is not TLP.CLEAR and actor.nation not in markings.rel_to:
            assert not can_see(actor, markings)


def test_need_to_know_groups_bind_every_level() -> None:
    for actor, markings in CASES:
        if markings.groups and not (actor.groups & markings.groups):
            assert not can_see(actor, markings)


def test_strict_and_red_are_never_shared_by_agency() -> None:
    for actor, markings in CASES:
        if markings.tlp is TLP.AMBER_STRICT and can_see(actor, markings):
            assert actor.agency == markings.originator
        if markings.tlp is TLP.RED and can_see(actor, markings):
            assert actor.username in markings.recipients


def test_amber_reaches_only_originator_sharees_or_groups() -> None:
    for actor, markings in CASES:
        if markings.tlp is TLP.AMBER and can_see(actor, markings):
            assert (
                actor.agency == markings.originator
                or actor.agency in markings.shared_with
                or bool(actor.groups & markings.groups)
            )


def test_narrowing_the_tlp_never_widens_the_audience() -> None:
    order = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]
    for actor, markings in CASES:
        if markings.tlp not in order:
            continue
        for narrower in order[order.index(markings.tlp) + 1 :]:
            narrowed = Markings(
                tlp=narrower,
                originator=markings.originator,
                rel_to=markings.rel_to,
                groups=markings.groups,
                shared_with=markings.shared_with,
            )
            if can_see(actor, narrowed):
                assert can_see(actor, markings)


def test_signed_in_actor_sees_green_released_to_their_nation() -> None:
    for actor, markings in CASES:
        if (
            actor.signed_in
            and markings.tlp is TLP.GREEN
            and actor.nation in markings.rel_to
            and not markings.groups
        ):
            assert can_see(actor, markings)


def test_signature_round_trips_equal_markings() -> None:
    signatures = {m.signature() for m in ALL_MARKINGS}
    assert len(signatures) == len(set(ALL_MARKINGS))


def test_signature_parses_back_to_the_same_markings() -> None:
    for markings in ALL_MARKINGS:
        assert Markings.from_signature(markings.signature()) == markings
