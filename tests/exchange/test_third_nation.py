"""A third nation, Guatemala, in the vocabularies and in every rule that names nations: REL TO
USA, MEX, GTM constructs and is decided for each nation's accounts, a collection served to a
Mexican and a Guatemalan partner carries only what both may receive, and phones and time zones
of Guatemalan accounts are read as Guatemalan; `vinculo demo --nodes 3` serves what
`--nodes 2` served, and Guatemala's collections beside it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from vinculo import vocab
from vinculo.demo.nodes import _collections, node_specs
from vinculo.exchange.markings import Audience, crosses
from vinculo.intel.entity_form import _region
from vinculo.notify.watch import normalise_phone
from vinculo.security.markings import Actor, MarkingError, Markings, can_see
from vinculo.security.preferences import default_time_zone, time_zones
from vinculo.settings import Settings

from conftest import LiveServer
from exchange_nodes import accounts, node_store

GUATEMALAN = {"PNC": "Policía Nacional Civil", "MP": "Ministerio Público"}


def test_guatemala_and_its_agencies_are_labelled_in_both_languages() -> None:
    nation = vocab.nations().get("GTM")
    assert nation.label("en") == nation.label("es") == "Guatemala"
    agencies = [a for a in vocab.agencies().codes() if vocab.agency_nation(a) == "GTM"]
    assert set(GUATEMALAN) <= set(agencies)
    assert {"IVE", "SAT"} <= set(agencies)
    for code in agencies:
        term = vocab.agencies().get(code)
        assert term.labels["en"] and term.labels["es"] and term.labels["en"] != code
    for code, spanish in GUATEMALAN.items():
        assert vocab.agencies().label(code, "es") == spanish
    # Every nation says where its phones are read and the zone its accounts start in.
    for term in vocab.nations():
        assert vocab.phone_region(term.code) and vocab.nation_time_zone(term.code)
    assert vocab.phone_region("CAN") is None and vocab.nation_time_zone(None) is None


def _actor(name: str, agency: str) -> Actor:
    return Actor(username=name, nation=vocab.agency_nation(agency), agency=agency)


def test_rel_to_three_nations_is_read_by_each_and_two_nations_by_those_two_alone() -> None:
    us, mx, gt = _actor("a", "DEA"), _actor("b", "FGR"), _actor("c", "PNC")
    three = Markings.create(tlp="GREEN", originator="DEA", rel_to=["USA", "MEX", "GTM"])
    assert all(can_see(a, three) for a in (us, mx, gt))
    binational = Markings.create(tlp="GREEN", originator="DEA", rel_to=["MEX"])
    assert can_see(us, binational) and can_see(mx, binational) and not can_see(gt, binational)
    # A Guatemalan originator's nation is always included.
    from_gt = Markings.create(tlp="GREEN", originator="MP", rel_to=["MEX"])
    assert from_gt.rel_to == {"GTM", "MEX"}
    assert can_see(mx, from_gt) and can_see(gt, from_gt) and not can_see(us, from_gt)
    # AMBER shared with a Guatemalan agency reaches its accounts, not the other agency's.
    amber = Markings.create(
        tlp="AMBER", originator="FGR", rel_to=["USA", "GTM"], shared_with=["MP"]
    )
    assert can_see(_actor("d", "MP"), amber) and not can_see(gt, amber)
    with pytest.raises(MarkingError):
        Markings.create(tlp="GREEN", originator="PNC", rel_to=["GTX"])


def test_a_collection_for_two_partners_carries_only_what_both_may_receive() -> None:
    task_force = Audience(partners=(("mx", "MEX"), ("gt", "GTM")), groups=frozenset({"tf"}))
    three = Markings.create(tlp="GREEN", originator="DEA", rel_to=["MEX", "GTM"], groups=["tf"])
    two = Markings.create(tlp="GREEN", originator="DEA", rel_to=["MEX"], groups=["tf"])
    assert crosses(task_force, three)
    assert not crosses(task_force, two)
    to_gt = Audience(partners=(("gt", "GTM"),), groups=frozenset())
    assert not crosses(to_gt, Markings.create(tlp="CLEAR", originator="FGR", rel_to=["USA"]))
    assert crosses(to_gt, Markings.create(tlp="GREEN", originator="FGR", rel_to=["GTM"]))


def test_guatemalan_phones_and_time_zones() -> None:
    assert normalise_phone("2411-9191", "GTM") == "+50224119191"
    assert normalise_phone("(55) 1234-5678", "MEX") == "+525512345678"
    assert _region({}, "GTM") == "GT"
    assert _region({"country": "mx"}, "GTM") == "MX"
    assert default_time_zone("GTM") == "America/Guatemala"
    assert default_time_zone("MEX") == "America/Mexico_City"
    assert default_time_zone("CAN") == "UTC"
    assert "America/Guatemala" in time_zones()[:20]


def _served(count: int) -> dict[str, list[tuple[str, list[str], list[str]]]]:
    specs = node_specs(Settings(port=9000, data_dir=Path("var")), count)
    running = {node.name for node in specs}
    return {
        node.name: [(c["alias"], c["partners"], c["groups"]) for c in _collections(node, running)]
        for node in specs
    }


def test_demo_nodes_two_serve_what_they_served_and_three_add_guatemala() -> None:
    assert _served(2) == {
        "us": [
            ("us-mx-agreement", ["mx"], []),
            ("us-tf-sonora", ["mx"], ["tf-sonora"]),
            ("us-ct-binational", ["mx"], ["ct-binational"]),
        ],
        "mx": [
            ("mx-us-agreement", ["us"], []),
            ("mx-tf-sonora", ["us"], ["tf-sonora"]),
            ("mx-ct-binational", ["us"], ["ct-binational"]),
        ],
    }
    three = _served(3)
    assert three["gt"] == [
        ("gt-us-agreement", ["us"], []),
        ("gt-mx-agreement", ["mx"], []),
        ("gt-tf-multinational", ["us", "mx"], ["tf-multinational"]),
    ]
    assert ("us-gt-agreement", ["gt"], []) in three["us"]
    assert ("mx-tf-multinational", ["us", "gt"], ["tf-multinational"]) in three["mx"]
    with pytest.raises(ValueError, match="2 to 3 nodes, not 4"):
        _served(4)


def test_the_report_form_offers_a_guatemalan_account_the_other_two_nations(
    tmp_path: Path,
) -> None:
    with node_store("sqlite", tmp_path, name="gt", nation="GTM", partners=[]) as store:
        accounts(store, [("gt.analyst", "PNC", ["analyst"], [])])
        with (
            LiveServer(store.settings) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            data = {"username": "gt.analyst", "password": "demo", "next": "/"}
            signed = client.post("/login", data=data | {"csrf_token": token.group(1)})
            assert signed.status_code == 303
            form = client.get("/reports/new", params={"lang": "es"}).text
    # Guatemala is this account's own nation, always included; the other two are offered.
    assert '<input type="hidden" name="rel_to" value="GTM">' in form
    assert "GTM · Guatemala" in form
    for code, spanish in (("USA", "Estados Unidos"), ("MEX", "México")):
        assert f'name="rel_to" value="{code}"> {code} · {spanish}' in form
    assert "PNC" not in re.findall(r'<option value="(\w+)">', form)
    assert '<option value="MP">MP — Ministerio Público</option>' in form
