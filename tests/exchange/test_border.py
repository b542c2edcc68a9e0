"""The border rule, item by item (docs/markings.md, "Crossing the border"), and partners
posting envelopes through the official client's add_objects."""

from __future__ import annotations

import pytest

from vinculo.exchange.markings import Audience, crosses
from vinculo.security.markings import Markings

TO_MEXICO = Audience(partners=(("mx", "MEX"),), groups=frozenset())
TF_SONORA = Audience(partners=(("mx", "MEX"),), groups=frozenset({"tf-sonora"}))
BOTH = ["USA", "MEX"]


@pytest.mark.parametrize(
    ("markings", "agreement", "task_force"),
    [
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH), True, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=["USA"]), False, False),
        (dict(tlp="CLEAR", originator="DEA", rel_to=["USA"]), False, False),
        (dict(tlp="CLEAR", originator="DEA", rel_to=BOTH), True, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH), False, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH, shared_with=["SEMAR"]), True, False),
        (dict(tlp="AMBER", originator="DEA", rel_to=BOTH, shared_with=["FBI"]), False, False),
        (dict(tlp="AMBER+STRICT", originator="DEA", rel_to=BOTH), False, False),
        (dict(tlp="RED", originator="DEA", rel_to=BOTH, recipients=["mx.analyst"]), False, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH, groups=["tf-sonora"]), False, True),
        (dict(tlp="GREEN", originator="DEA", rel_to=["USA"], groups=["tf-sonora"]), False, False),
        (dict(tlp="GREEN", originator="DEA", rel_to=BOTH, groups=["case-frontera"]), False, False),
    ],
)
def test_what_crosses_to_mexico(markings: dict, agreement: bool, task_force: bool) -> None:
    m = Markings.create(**markings)
    assert crosses(TO_MEXICO, m) is agreement
    assert crosses(TF_SONORA, m) is task_force


def test_an_audience_without_partners_receives_nothing() -> None:
    m = Markings.create(tlp="CLEAR", originator="DEA", rel_to=BOTH)
    assert not crosses(Audience(partners=(), groups=frozenset()), m)
