"""The demo's security-force units (`demo/data/units.yml`), imported through the oversight
service as mx.analyst, TLP:GREEN REL TO USA, MEX, after the cases and operations: 43
units of SEDENA, SEMAR, the National Guard, state and municipal police and the FGR, in six
states, with chains of command whose commanders change over time.

A file that cannot be imported as it stands raises ScriptError naming the file, line and
field.
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session

from vinculo.demo.scripted import ScriptError
from vinculo.errors import VinculoError
from vinculo.intel.schemas import MarkingsIn
from vinculo.oversight.files import read_units
from vinculo.oversight.service import import_units
from vinculo.security.service import actor_for, get_by_username

FILE = "demo/data/units.yml"
IMPORTER = "mx.analyst"
MARKINGS = MarkingsIn(tlp="GREEN", rel_to=["USA", "MEX"])


def seed_units(*, session: Session) -> int:
    """Import the demo's units where their importer has an account (a node of `vinculo demo
    --nodes 2` has only its nation's); how many units were imported."""
    user = get_by_username(session=session, username=IMPORTER)
    if user is None:
        return 0
    text = resources.files("vinculo.demo").joinpath("data", "units.yml").read_text("utf-8")
    try:
        summary = import_units(
            session=session,
            actor=actor_for(user),
            units=read_units(text, FILE),
            file_name=FILE,
            source="demo:units",
            markings_in=MARKINGS,
        )
    except VinculoError as error:
        raise ScriptError(error.render("en")) from None
    return summary.units
