"""What the migrations are compared with: every model, and the structures made by hand."""

from __future__ import annotations

import vinculo.assistance.equipment_models
import vinculo.assistance.models
import vinculo.assistance.outcome_models
import vinculo.assistance.public_models
import vinculo.assistance.training_models
import vinculo.cases.models
import vinculo.cases.operation_pointer_models
import vinculo.cases.pointer_models
import vinculo.civic.models
import vinculo.exchange.models
import vinculo.intel.models
import vinculo.intel.translation
import vinculo.notify.models
import vinculo.oversight.allegation_models
import vinculo.oversight.vetting_models
import vinculo.resolve.models
import vinculo.security.audit
import vinculo.security.dissemination
import vinculo.security.models
from vinculo.db import Base

MODULES = (
    vinculo.assistance.equipment_models,
    vinculo.assistance.models,
    vinculo.assistance.training_models,
    vinculo.assistance.outcome_models,
    vinculo.assistance.public_models,
    vinculo.cases.models,
    vinculo.cases.operation_pointer_models,
    vinculo.cases.pointer_models,
    vinculo.civic.models,
    vinculo.exchange.models,
    vinculo.intel.models,
    vinculo.intel.translation,
    vinculo.notify.models,
    vinculo.oversight.allegation_models,
    vinculo.oversight.vetting_models,
    vinculo.resolve.models,
    vinculo.security.audit,
    vinculo.security.dissemination,
    vinculo.security.models,
)
metadata = Base.metadata


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    """Search structures are made by hand in migrations; autogenerate must leave them be."""
    if kind == "table" and name is not None and "_fts" in name:
        return False
    # PostgreSQL's stored search vectors (0005) and their indexes are not in the models.
    return not (kind in ("column", "index") and name is not None and name.endswith("_tsv"))
