"""The comparison's framework, serving mode and rebound scenario.

Templates ``lca_framework.html.j2`` and ``lca_rebound.html.j2``.

ISO 14044 asks a comparison to say how it is modelled: the framework (attributional
by default) and the serving mode are stated in goal and scope, as the inventory
recorded them; the rebound scenario (:func:`lca.assessment.rebound.rebound_rows`,
stored by the compare task) stands beside the main result, with its basis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lca.records import ReboundRow, StudyInventory
from lca.reporting.tables import method_label, write_csv

REBOUND_CSV = "rebound.csv"
# An inventory written before the framework was recorded was modelled attributionally.
DEFAULT_FRAMEWORK = (
    "Framework: attributional (the default). Each system is charged its share of what it uses; the comparison "
    "says what each system is responsible for, not what deploying the ML system changes."
)
REBOUND_COLUMNS = (
    "scenario",
    "method",
    "unit",
    "score",
    "variable_score",
    "rebound_score",
    "reference_score",
    "ratio_to_reference",
    "rebound_ratio_to_reference",
)


def framework_context(folder: Path, inventory: StudyInventory, rebound: list[ReboundRow] | None) -> dict[str, Any]:
    rows = [{**r.model_dump(), "method": method_label(r.method)} for r in rebound or []]
    return {
        "framework": inventory.framework_statement or DEFAULT_FRAMEWORK,
        "serving": inventory.serving_statement,
        "rebound": {
            "declared": inventory.rebound is not None,
            "basis": inventory.rebound.basis if inventory.rebound is not None else "",
            "growth": inventory.rebound.demand_growth if inventory.rebound is not None else None,
            "rows": rows,
            "csv": write_csv(folder / REBOUND_CSV, rows, REBOUND_COLUMNS) if rows else None,
        },
    }
